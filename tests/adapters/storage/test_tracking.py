"""Tracking links and slot counts in the database: hashed tokens, one live token an order."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Organisation
from doorstep.domain.errors import Conflict
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.tracking import TrackingToken
from tests.adapters.storage.conftest import PLUS2, T0, order, station

DAY = date(2026, 11, 23)


def token(token_id: str, order_id: str = "ord_1", code: str = "abc") -> TrackingToken:
    return TrackingToken.issue(token_id, order(order_id=order_id), f"trk_{code}", T0)


def test_tokens_round_trip_by_hash_and_order(container: Container, org: Organisation) -> None:
    """A token loads equal by its hash and as its order's live one; a revoked one is not live."""
    first = token("tlk_1")
    with container.uow() as uow:
        uow.orders.add(order())
        uow.tracking.add(first)
        uow.commit()
    with container.reader() as uow:
        assert uow.tracking.get_by_hash(first.token_hash) == first
        assert uow.tracking.live_of_order(org.id, "ord_1") == first
        assert uow.tracking.live_of_order("org_other", "ord_1") is None
    first.revoke(T0 + timedelta(hours=1))
    second = token("tlk_2", code="other")
    with container.uow() as uow:
        uow.tracking.update(first)
        uow.tracking.add(second)
        uow.commit()
    with container.reader() as uow:
        assert uow.tracking.get_by_hash(first.token_hash) == first
        assert uow.tracking.live_of_order(org.id, "ord_1") == second


def test_an_order_holds_one_live_token(container: Container, org: Organisation) -> None:
    """A second live token of the same order breaks the database's rule: a Conflict."""
    with container.uow() as uow:
        uow.orders.add(order())
        uow.tracking.add(token("tlk_1"))
        uow.commit()
    with container.uow() as uow:
        with pytest.raises(Conflict), uow.savepoint():
            uow.tracking.add(token("tlk_2", code="other"))
        assert uow.tracking.live_of_order(org.id, "ord_1") == token("tlk_1")


def test_slots_count_the_earliest_window_of_open_orders(
    container: Container, org: Organisation
) -> None:
    """Each open order of the station and days counts once, by its earliest window's start."""
    nine = datetime(2026, 11, 23, 9, 0, tzinfo=PLUS2)
    kept = order("org_a", "ord_1", "P-1")
    other_day = order(
        "org_a", "ord_2", "P-2", shipper_reference="R-2", service_date=DAY + timedelta(days=5)
    )
    cancelled = order(
        "org_a", "ord_3", "P-3", shipper_reference="R-3", status=OrderStatus.CANCELLED
    )
    own = order("org_a", "ord_4", "P-4", shipper_reference="R-4")
    no_window = order("org_a", "ord_5", "P-5", shipper_reference="R-5", time_windows=())
    with container.uow() as uow:
        for o in (kept, other_day, cancelled, own, no_window):
            uow.orders.add(o)
        uow.commit()
    with container.reader() as uow:
        found = uow.tracking.booked_starts(org.id, "stn_1", DAY, DAY + timedelta(days=1), "ord_4")
    assert found == [nine]


def test_a_stations_slot_settings_are_stored(container: Container, org: Organisation) -> None:
    """Slot capacity and length load as stored."""
    changed = replace(station(), slot_capacity=7, slot_length_min=90)
    with container.uow() as uow:
        uow.stations.update(changed)
        uow.commit()
    with container.reader() as uow:
        assert uow.stations.get(org.id, "stn_1") == changed
