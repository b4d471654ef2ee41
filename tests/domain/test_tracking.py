"""Tracking links' lifetimes and the delivery slots a station offers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from doorstep.domain.errors import InvalidValue
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Address, Order, OrderKind, Recipient
from doorstep.domain.schedules import DailyWindow, OpeningHours, Weekday
from doorstep.domain.slots import day_windows, next_free, slots
from doorstep.domain.tracking import AFTER_FINAL, HORIZON, TrackingToken, first_name, hash_token
from tests.domain.test_stations import station

T0 = datetime(2026, 11, 21, 8, tzinfo=UTC)
HEL = ZoneInfo("Europe/Helsinki")
MONDAY = date(2026, 11, 23)


def order() -> Order:
    return Order(
        "ord_1",
        "org_1",
        "acme",
        "R-1",
        OrderKind.DELIVERY,
        Recipient("Ann"),
        Address("Main St 1"),
        T0,
    )


def test_a_token_is_stored_as_its_sha256_and_lives_until_the_horizon() -> None:
    """The hash is SHA-256 of the secret; the link works until HORIZON after issue."""
    link = TrackingToken.issue("tlk_1", order(), "trk_secret", T0)
    assert link.token_hash == hash_token("trk_secret") != "trk_secret"
    assert link.live(order(), T0 + HORIZON - timedelta(seconds=1))
    assert not link.live(order(), T0 + HORIZON)


def test_a_token_ends_after_the_final_status_or_when_revoked() -> None:
    """AFTER_FINAL after delivery the link stops; a revoked one stops at once."""
    done = order()
    for status in (OrderStatus.READY, OrderStatus.CANCELLED):
        done.move_to(status, T0 + timedelta(days=1))
    link = TrackingToken.issue("tlk_1", done, "trk_secret", T0)
    assert link.ends_at(done) == T0 + timedelta(days=1) + AFTER_FINAL
    assert link.live(done, T0 + timedelta(days=2))
    link.revoke(T0 + timedelta(days=2))
    assert not link.live(done, T0 + timedelta(days=2))


def test_the_driver_is_named_by_first_name_only() -> None:
    """Only the first word of the driver's name reaches the page."""
    assert (first_name("Aino Maria Virtanen"), first_name("  ")) == ("Aino", "")


def test_slots_cut_the_opening_hours_into_whole_windows() -> None:
    """06:00-21:00 in 2 h slots gives 06, 08, ... 18: the last hour is not a slot."""
    hours = OpeningHours.every_day(DailyWindow(time(6), time(21)))
    found = day_windows(station(opening_hours=hours), MONDAY)
    assert [w.start_at.hour for w in found] == [6, 8, 10, 12, 14, 16, 18]
    assert found[0].start_at == datetime(2026, 11, 23, 6, tzinfo=HEL)


def test_a_closed_day_and_an_overnight_opening() -> None:
    """No slots on a closed weekday; a night opening runs past midnight."""
    night = OpeningHours(((Weekday.MONDAY, DailyWindow(time(22), time(4))),))
    s = station(opening_hours=night, slot_length_min=180)
    assert day_windows(s, MONDAY + timedelta(days=1)) == []
    ends = [w.end_at for w in day_windows(s, MONDAY)]
    assert ends == [datetime(2026, 11, 24, 1, tzinfo=HEL), datetime(2026, 11, 24, 4, tzinfo=HEL)]


def test_booked_orders_fill_slots_and_the_next_free_ones_are_offered() -> None:
    """An order counts in the slot its window starts in; full slots are skipped."""
    s = station(slot_capacity=2)
    at = [datetime(2026, 11, 23, h, m, tzinfo=HEL) for h, m in ((8, 0), (9, 59), (10, 0))]
    found = slots(s, [MONDAY], at)
    assert [x.free for x in found[:3]] == [2, 0, 1]
    assert [x.window.start_at.hour for x in next_free(found, found[0].window.start_at, 2)] == [
        6,
        10,
    ]


def test_slot_settings_are_checked() -> None:
    """A slot needs room for an order and a sensible length."""
    for changes in ({"slot_capacity": 0}, {"slot_length_min": 10}):
        with pytest.raises(InvalidValue):
            station(**changes)
