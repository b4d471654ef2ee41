"""The recipient's changes on the tracking page: preferences, instructions, a new slot."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from doorstep.domain.errors import Conflict, InvalidValue
from doorstep.domain.orders import Address, DeliveryPreferences, Order
from doorstep.domain.schedules import TimeWindow
from doorstep.domain.stations import Station
from doorstep.services import orders, stations
from doorstep.services import tracking_actions as actions
from doorstep.services.authorization import Principal
from doorstep.services.tracking_view import TrackingView
from tests.services.conftest import Ports, order_fields, station_fields
from tests.services.planning.test_runs import DAY, plan, van
from tests.services.test_tracking import SPOTS, ZONE, Day, day, link, station, view

__all__ = ["day", "station"]  # fixtures, used by name

NEXT = DAY + timedelta(days=1)


def booked(ports: Ports, admin: Principal, ref: str, day: date, hour: int) -> Order:
    """An order of HEL1 booked into the slot of ``day`` starting at ``hour``."""
    start = datetime.combine(day, time(hour), tzinfo=ZONE)
    fields = order_fields(
        ref,
        station_id="HEL1",
        location=SPOTS[0],
        service_date=day,
        time_windows=(TimeWindow(start, start + timedelta(hours=2)),),
        address=Address(f"Street {ref}, Helsinki"),
    )
    return orders.create_order(admin, fields, uow=ports.uow, clock=ports.clock, ids=ports.ids)


@pytest.fixture
def small(ports: Ports, admin: Principal) -> Station:
    """HEL1 with room for one order per two-hour slot, open 06-22."""
    fields = station_fields("HEL1", slot_capacity=1)
    return stations.add_station(admin, fields, uow=ports.uow, ids=ports.ids)


def move(ports: Ports, token: str, day: date, hour: int) -> TrackingView:
    start = datetime.combine(day, time(hour), tzinfo=ZONE)
    return actions.reschedule(token, day, start, uow=ports.uow, clock=ports.clock, ids=ports.ids)


def test_preferences_and_instructions_reach_the_order_once(
    ports: Ports, admin: Principal, small: Station
) -> None:
    """A retried change changes nothing more, and each change is recorded as the recipient's."""
    mine = booked(ports, admin, "R-1", DAY, 10)
    token = link(ports, admin, mine.id)
    choice = DeliveryPreferences(neighbour="Liisa, Street R-1 B 4")
    for _ in range(2):
        actions.choose_preference(token, choice, uow=ports.uow, clock=ports.clock, ids=ports.ids)
        actions.add_instructions(
            token, "  gate code   via  the app ", uow=ports.uow, clock=ports.clock, ids=ports.ids
        )
    stored = ports.uow.tables.orders[mine.id]
    assert stored.preferences == choice
    assert stored.access_notes == "Recipient: gate code via the app"
    fixes = list(ports.uow.tables.order_fixes.values())
    assert [(f.actor, sorted(f.changes)) for f in fixes] == [
        ("recipient", ["preferences"]),
        ("recipient", ["access_notes"]),
    ]
    shown = view(ports, token)
    assert shown.has_access_notes
    assert shown.preferences == choice
    with pytest.raises(InvalidValue):
        actions.add_instructions(token, "x" * 301, uow=ports.uow, clock=ports.clock, ids=ports.ids)


def test_slots_count_other_orders_but_not_the_recipients_own(
    ports: Ports, admin: Principal, small: Station
) -> None:
    """Two-hour slots from opening; the other order fills its slot, the own one does not."""
    mine = booked(ports, admin, "R-1", DAY, 10)
    booked(ports, admin, "R-2", DAY, 12)
    token = link(ports, admin, mine.id)
    found = actions.offered_slots(token, DAY, 1, uow=ports.uow, clock=ports.clock)
    assert [s.window.start_at.hour for s in found] == list(range(6, 22, 2))
    assert {s.window.start_at.hour: s.free for s in found if not s.free} == {12: 0}


def test_a_full_slot_is_refused_with_the_next_free_slots(
    ports: Ports, admin: Principal, small: Station
) -> None:
    """Booking a slot that is full fails with the slots after it that still have room."""
    mine = booked(ports, admin, "R-1", DAY, 10)
    booked(ports, admin, "R-2", NEXT, 12)
    booked(ports, admin, "R-3", NEXT, 14)
    token = link(ports, admin, mine.id)
    with pytest.raises(actions.SlotFull) as refused:
        move(ports, token, NEXT, 12)
    assert [s.window.start_at for s in refused.value.alternatives] == [
        datetime.combine(NEXT, time(h), tzinfo=ZONE) for h in (16, 18, 20)
    ]
    assert ports.uow.tables.orders[mine.id].service_date == DAY


def test_a_new_day_flows_into_planning_once(ports: Ports, admin: Principal, small: Station) -> None:
    """The order leaves its old day's plan for the new one; repeating books nothing twice."""
    van(ports, admin, "Van 1", parcels=10)
    mine = booked(ports, admin, "R-1", DAY, 10)
    token = link(ports, admin, mine.id)
    for _ in range(2):
        shown = move(ports, token, NEXT, 16)
    assert shown.service_date == NEXT
    assert shown.eta == TimeWindow(
        datetime.combine(NEXT, time(16), tzinfo=ZONE), datetime.combine(NEXT, time(18), tzinfo=ZONE)
    )
    assert len(ports.uow.tables.order_fixes) == 1
    assert mine.id in plan(ports, admin, day=NEXT).plan.routes[0].stop_ids
    with pytest.raises(Conflict, match="nothing to plan"):
        plan(ports, admin)  # the old day no longer has it
    slot = actions.offered_slots(token, NEXT, 1, uow=ports.uow, clock=ports.clock)[5]
    assert (slot.window.start_at.hour, slot.free) == (16, 1)  # the own booking is not counted


def test_a_reschedule_is_refused_for_a_stop_on_a_published_route(
    ports: Ports, admin: Principal, day: Day
) -> None:
    """The published route's stop is the driver's: the page cannot move it away."""
    with pytest.raises(Conflict):
        move(ports, day.links[day.orders[0].id], NEXT, 10)


def test_a_slot_outside_the_offer_is_invalid(
    ports: Ports, admin: Principal, small: Station
) -> None:
    """Today, beyond the horizon, a closed hour or no slot's start are refused as invalid."""
    token = link(ports, admin, booked(ports, admin, "R-1", DAY, 10).id)
    today = ports.clock.now().date()
    far = today + timedelta(days=actions.MAX_DAYS + 1)
    for when, hour in ((today, 10), (NEXT, 23), (NEXT, 11), (far, 10)):
        with pytest.raises(InvalidValue):
            move(ports, token, when, hour)


def test_a_link_for_an_order_closed_long_ago_is_refused(
    ports: Ports, admin: Principal, small: Station
) -> None:
    """A cancelled order's page is gone after thirty days: no new link either."""
    mine = booked(ports, admin, "R-1", DAY, 10)
    orders.cancel_order(admin, mine.id, "no", uow=ports.uow, clock=ports.clock)
    ports.clock.advance(timedelta(days=31))
    with pytest.raises(Conflict):
        link(ports, admin, mine.id)
