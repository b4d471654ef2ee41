"""Repositories store and load every entity unchanged, and only for its own organisation."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta

import pytest

from doorstep.bootstrap import Container
from doorstep.domain.accounts import ApiKey, Organisation, Role, Session
from doorstep.domain.errors import Conflict
from doorstep.domain.order_status import OrderStatus
from doorstep.services.ports import IdempotencyRecord, OrderFilter
from tests.adapters.storage.conftest import (
    PLUS2,
    T0,
    driver,
    order,
    organisation,
    station,
    user,
    vehicle,
)

S = OrderStatus


def test_accounts_round_trip(container: Container, org: Organisation) -> None:
    """Organisations, users, API keys and sessions load equal to what was stored."""
    key = ApiKey("key_1", org.id, "erp", "dsk_abc", "h" * 64, frozenset({Role.VIEWER}), T0, "usr_1")
    session = Session("ses_1", "usr_1", org.id, "s" * 64, T0, T0 + timedelta(hours=12))
    with container.uow() as uow:
        uow.users.add(user())
        uow.api_keys.add(key)
        uow.sessions.add(session)
        uow.commit()
    with container.uow() as uow:
        assert uow.organisations.get(org.id) == uow.organisations.get_by_slug(org.slug) == org
        assert (
            uow.users.get(org.id, "usr_1") == uow.users.get_by_email(" USR_1@example.com") == user()
        )
        assert uow.api_keys.get(org.id, "key_1") == uow.api_keys.get_by_hash("h" * 64) == key
        assert uow.sessions.get("ses_1") == uow.sessions.get_by_hash("s" * 64) == session
        assert uow.organisations.list() == [org]


def test_account_updates_are_stored(container: Container, org: Organisation) -> None:
    """Revoking a key, ending a session and changing a user persist."""
    key = ApiKey("key_1", org.id, "erp", "dsk_abc", "h" * 64, frozenset({Role.VIEWER}), T0, "usr_1")
    session = Session("ses_1", "usr_1", org.id, "s" * 64, T0, T0 + timedelta(hours=12))
    with container.uow() as uow:
        uow.users.add(user())
        uow.api_keys.add(key)
        uow.sessions.add(session)
        uow.commit()
    key.revoke(T0 + timedelta(hours=1))
    session.revoked_at = T0 + timedelta(hours=2)
    changed = user(roles=frozenset({Role.ADMIN}), active=False, name="Ann B")
    with container.uow() as uow:
        uow.api_keys.update(key)
        uow.sessions.update(session)
        uow.users.update(changed)
        uow.organisations.update(replace(org, name="Renamed"))
        uow.commit()
    with container.uow() as uow:
        assert (uow.api_keys.get(org.id, key.id), uow.sessions.get(session.id)) == (key, session)
        assert uow.users.list(org.id) == [changed]
        assert uow.organisations.get(org.id) == replace(org, name="Renamed")


def test_network_round_trip(container: Container, org: Organisation) -> None:
    """Stations (with an overnight opening), vehicles and drivers load equal to what was stored."""
    with container.uow() as uow:
        uow.users.add(user())
        uow.vehicles.add(vehicle())
        uow.drivers.add(driver(user_id="usr_1"))
        uow.commit()
    with container.uow() as uow:
        assert (
            uow.stations.get(org.id, "stn_1")
            == uow.stations.get_by_code(org.id, "HEL1")
            == station()
        )
        assert (
            uow.vehicles.get(org.id, "veh_1")
            == uow.vehicles.get_by_name(org.id, "Van 1")
            == vehicle()
        )
        assert uow.drivers.get(org.id, "drv_1") == driver(user_id="usr_1")
        assert uow.vehicles.list(org.id, "stn_1") == [vehicle()]
        assert uow.drivers.list(org.id, "stn_other") == []
        assert uow.stations.in_use(station())


def test_unused_station_is_deleted(container: Container, org: Organisation) -> None:
    """A station with nothing referring to it is not in use and can be deleted."""
    with container.uow() as uow:
        assert not uow.stations.in_use(station())
        uow.stations.delete(station())
        uow.commit()
    with container.uow() as uow:
        assert uow.stations.list(org.id) == []


def test_order_round_trip(container: Container, org: Organisation) -> None:
    """An order with parcels, windows, location, preferences and proof loads equal."""
    stored = order()
    with container.uow() as uow:
        uow.orders.add(stored)
        uow.commit()
    with container.uow() as uow:
        loaded = uow.orders.get(org.id, stored.id)
        assert loaded == stored
        assert uow.orders.get_by_reference(org.id, "acme", stored.shipper_reference) == stored
    assert loaded is not None
    assert [p.barcode for p in loaded.parcels] == ["P-1", "P-2", "P-3"]
    assert all(w.start_at.utcoffset() == timedelta(hours=2) for w in loaded.time_windows)
    assert loaded.created_at.utcoffset() == timedelta(0)


def test_orders_added_together_load_equal_and_fail_together(
    container: Container, org: Organisation
) -> None:
    """add_many stores orders whole; a clash undoes its savepoint, leaving no order half-written."""
    first, second = order(order_id="ord_1"), order("org_a", "ord_2", "Q-1", shipper_reference="R-2")
    with container.uow() as uow:
        uow.orders.add_many([first, second])
        uow.commit()
    clash = order("org_a", "ord_3", "Q-9", shipper_reference="R-3")
    taken = order("org_a", "ord_4", "Q-1", shipper_reference="R-4")  # barcode of ord_2
    with container.uow() as uow:
        with pytest.raises(Conflict), uow.savepoint():
            uow.orders.add_many([clash, taken])
        uow.commit()
    with container.uow() as uow:
        assert uow.orders.get(org.id, "ord_1") == first
        assert uow.orders.get(org.id, "ord_2") == second
        assert uow.orders.get(org.id, "ord_3") is None
        assert uow.orders.barcode_owners(org.id, ["Q-1", "Q-9"]) == {"Q-1": "ord_2"}
        keys = uow.orders.open_with_dedupe_keys(org.id, [first.dedupe_key, "nobody"])
        assert {k: sorted(v) for k, v in keys.items()} == {first.dedupe_key: ["ord_1", "ord_2"]}


def test_status_history_survives_updates(container: Container, org: Organisation) -> None:
    """Moves saved over several updates come back in order and with aware times."""
    stored = order()
    with container.uow() as uow:
        uow.orders.add(stored)
        uow.commit()
    steps = [
        (S.READY, T0),
        (S.RECEIVED, T0.astimezone(PLUS2) + timedelta(hours=1)),
        (S.SORTED, T0 + timedelta(hours=2)),
    ]
    for status, at in steps:
        stored.move_to(status, at, f"to {status}")
        stored = replace(stored, parcels=stored.parcels[1:], history=list(stored.history))
        with container.uow() as uow:
            uow.orders.update(stored)
            uow.commit()
    with container.uow() as uow:
        loaded = uow.orders.get(org.id, stored.id)
    assert loaded == stored
    assert loaded is not None
    assert [(c.from_status, c.to_status) for c in loaded.history] == [
        (S.CREATED, S.READY),
        (S.READY, S.RECEIVED),
        (S.RECEIVED, S.SORTED),
    ]
    assert all(c.at.tzinfo is not None for c in loaded.history)
    assert loaded.history[1].at == T0 + timedelta(hours=1)
    assert loaded.updated_at == (T0 + timedelta(hours=2)).astimezone(UTC)


def test_idempotency_round_trip(container: Container, org: Organisation) -> None:
    """A claimed key is found at once and its completion stores the answer."""
    record = IdempotencyRecord(org.id, "k-1", "f" * 64, T0)
    with container.uow() as uow:
        uow.idempotency.claim(record)
        assert uow.idempotency.get(org.id, "k-1") == record
        uow.idempotency.complete(replace(record, status_code=201, body='{"id": 1}'))
        uow.commit()
    with container.uow() as uow:
        assert uow.idempotency.get(org.id, "k-1") == replace(
            record, status_code=201, body='{"id": 1}'
        )


def test_lookups_are_scoped_to_the_organisation(container: Container, org: Organisation) -> None:
    """Another organisation's id never finds org_a's objects, by id, name, code or barcode."""
    with container.uow() as uow:
        uow.organisations.add(organisation("org_b"))
        uow.users.add(user())
        uow.vehicles.add(vehicle())
        uow.drivers.add(driver())
        uow.orders.add(order())
        uow.idempotency.claim(IdempotencyRecord(org.id, "k-1", "f" * 64, T0))
        uow.commit()
    with container.uow() as uow:
        b = "org_b"
        assert uow.users.get(b, "usr_1") is None
        assert uow.users.list(b) == []
        assert uow.stations.get(b, "stn_1") is uow.stations.get_by_code(b, "HEL1") is None
        assert uow.vehicles.get(b, "veh_1") is uow.vehicles.get_by_name(b, "Van 1") is None
        assert uow.drivers.get(b, "drv_1") is uow.drivers.get_by_name(b, "Dee") is None
        assert (
            uow.orders.get(b, "ord_1") is uow.orders.get_by_reference(b, "acme", "R-ord_1") is None
        )
        assert uow.orders.barcodes_taken(b, ["P-1"], exclude_order=None) == set()
        assert uow.orders.list(b, OrderFilter(), after=None, limit=10) == []
        assert uow.idempotency.get(b, "k-1") is None
        assert uow.orders.barcodes_taken(org.id, ["P-1", "Q"], exclude_order=None) == {"P-1"}
