"""A dispatcher moves an order the station holds to another day, on SQLite and PostgreSQL.

The day: station HEL1, one van, three orders of Monday DAY planned and published; it is 06:00
on DAY at the station. The parcel stays at the station; its stop leaves today's plan.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Role
from doorstep.domain.errors import Conflict, InvalidValue, PermissionDenied
from doorstep.domain.order_status import OrderStatus as S
from doorstep.domain.orders import Order
from doorstep.domain.reconciliation import Whereabouts
from doorstep.domain.scans import ScanKind as K
from doorstep.domain.schedules import TimeWindow
from doorstep.planning.versions import PlanStatus, PlanVersion
from doorstep.services import loadout, reconciliation, reschedule, sorting, stations
from doorstep.services.authorization import Principal
from doorstep.services.planning import live, runs
from doorstep.services.reschedule import Rescheduled
from tests.services.conftest import Ports, make_admin, station_fields
from tests.services.fakes import FakeClock, FakePasswords, FakeSecrets
from tests.services.planning.test_day import StraightTravel
from tests.services.planning.test_runs import DAY, PLACES, as_role, order, plan, van
from tests.services.test_sorting import barcode, scan, send

HELSINKI = ZoneInfo("Europe/Helsinki")
THURSDAY = DAY + timedelta(days=3)  # DAY is Monday 2026-11-23


@pytest.fixture
def ports(container: Container) -> Ports:
    """The services on the test's database (both backends), at 05:00 on DAY."""
    clock = FakeClock(datetime.combine(DAY, time(5), HELSINKI))
    return Ports(container.uow(), clock, container.ids, FakeSecrets(), FakePasswords())  # type: ignore[arg-type]


@pytest.fixture
def admin(ports: Ports) -> Principal:
    return make_admin(ports, "City Couriers")


@pytest.fixture
def running(ports: Ports, admin: Principal) -> tuple[PlanVersion, list[Order]]:
    """One van, three orders, planned and published; it is 06:00 on DAY."""
    stations.add_station(admin, station_fields("HEL1"), uow=ports.uow, ids=ports.ids)
    van(ports, admin, "Van 1")
    placed = [order(ports, admin, f"R-{i}", at) for i, at in enumerate(PLACES, start=1)]
    version = runs.publish(admin, plan(ports, admin).id, uow=ports.uow, clock=ports.clock)
    ports.clock.current = datetime.combine(DAY, time(6), HELSINKI)
    return version, placed


def live_ports(ports: Ports) -> live.LivePorts:
    return live.LivePorts(ports.uow, StraightTravel(), live.Matrices(), ports.clock, ports.ids)


def move(
    ports: Ports, who: Principal, o: Order, day: date, window: str | None = None
) -> Rescheduled:
    times = reschedule.parse_window(window) if window else None
    return reschedule.reschedule(who, o.id, day, times, ports=live_ports(ports))


def stored(ports: Ports, o: Order) -> Order:
    with ports.uow as uow:
        found = uow.orders.get(o.organisation_id, o.id)
    assert found is not None
    return found


def latest(ports: Ports, admin: Principal, day: date = DAY) -> PlanVersion | None:
    with ports.uow as uow:
        return uow.plans.latest(admin.organisation_id, stations_id(ports, admin), day)


def stations_id(ports: Ports, admin: Principal) -> str:
    with ports.uow as uow:
        (found,) = uow.stations.list(admin.organisation_id)
    return found.id


def test_a_received_order_leaves_the_published_plan_for_thursday_and_today_forgets_it(
    ports: Ports, admin: Principal, running: tuple[PlanVersion, list[Order]]
) -> None:
    base, (first, second, third) = running
    send(ports, admin, *(scan(n, K.RECEIVE, barcode(o)) for n, o in enumerate(running[1])))
    assert stored(ports, first).status is S.RECEIVED

    done = move(ports, admin, first, THURSDAY, "10:00-12:00")

    assert done.changed
    assert done.change is not None
    version = done.change.version
    assert (version.number, version.status) == (base.number + 1, PlanStatus.PUBLISHED)
    assert first.id not in version.inputs.stops_by_id
    assert version.plan.route_of(first.id) is None
    assert first.id not in {u.stop_id for u in version.plan.unassigned}
    kept = [s for r in version.plan.routes for s in r.stop_ids]
    assert sorted(kept) == sorted([second.id, third.id])
    assert version.plan.notes[-1] == f"live: order {first.id} moved to {THURSDAY.isoformat()}"
    latest_now = latest(ports, admin)
    assert latest_now is not None
    assert latest_now.id == version.id
    # The order: Thursday, in the 10-12 slot (Helsinki time), still received at the station.
    now = stored(ports, first)
    assert now.service_date == THURSDAY
    assert now.status is S.RECEIVED
    ten, noon = (datetime.combine(THURSDAY, time(h), HELSINKI) for h in (10, 12))
    slot = TimeWindow(ten, noon)
    assert now.time_windows == (slot,)
    # Today's sort plan, load-out and day-end no longer expect its parcel.
    lines = sorting.sort_plan(admin, "HEL1", DAY, uow=ports.uow).lines
    assert sorted(line.assignment.order_id for line in lines) == sorted([second.id, third.id])
    out = loadout.load_out(admin, "HEL1", DAY, "Van 1", uow=ports.uow)
    listed = {i.assignment.barcode for i in out.list.items}
    assert listed == {barcode(second), barcode(third)}
    assert barcode(first) not in {i.assignment.barcode for i in out.list.missing}
    end = reconciliation.day_end_report(admin, "HEL1", DAY, uow=ports.uow).day_end
    assert end.count(Whereabouts.AT_STATION) == 2  # the other two, received and not sorted yet
    counted = {e.barcode for parcels in end.parcels.values() for e in parcels}
    assert barcode(first) not in counted
    # Thursday's planning run takes it.
    thursday = plan(ports, admin, day=THURSDAY)
    assert list(thursday.inputs.stops_by_id) == [first.id]
    assert thursday.plan.route_of(first.id) is not None


def test_the_same_move_again_makes_no_second_version(
    ports: Ports, admin: Principal, running: tuple[PlanVersion, list[Order]]
) -> None:
    base, (first, *_) = running
    send(ports, admin, scan(0, K.RECEIVE, barcode(first)))
    made = move(ports, admin, first, THURSDAY)
    assert made.change is not None
    again = move(ports, admin, first, THURSDAY)
    assert (again.changed, again.change) == (False, None)
    assert again.order.service_date == THURSDAY
    found = latest(ports, admin)
    assert found is not None
    assert found.number == base.number + 1


def test_a_sorted_order_goes_back_on_the_shelf_and_a_loaded_one_is_refused(
    ports: Ports, admin: Principal, running: tuple[PlanVersion, list[Order]]
) -> None:
    base, (first, second, _) = running
    lines = {x.assignment.order_id: x.assignment for x in sorting.sort_plan(
        admin, "HEL1", DAY, uow=ports.uow
    ).lines}  # fmt: skip
    a, b = lines[first.id], lines[second.id]
    send(
        ports, admin,
        scan(0, K.RECEIVE, a.barcode), scan(1, K.SORT, a.barcode, lane=a.lane),
        scan(2, K.RECEIVE, b.barcode), scan(3, K.SORT, b.barcode, lane=b.lane),
        scan(4, K.LOAD, b.barcode, vehicle_id=b.vehicle_id),
    )  # fmt: skip
    assert stored(ports, first).status is S.SORTED
    with pytest.raises(Conflict, match="loaded on a van: unload it at the station first"):
        move(ports, admin, second, THURSDAY)
    assert stored(ports, second).service_date == DAY
    found = latest(ports, admin)
    assert found is not None
    assert found.id == base.id
    done = move(ports, admin, first, THURSDAY)
    now = stored(ports, first)
    assert (now.status, now.service_date) == (S.RECEIVED, THURSDAY)
    assert now.history[-1].reason == f"back on the shelf: moved to {THURSDAY.isoformat()}"
    assert done.change is not None
    assert [line.assignment.barcode for line in sorting.sort_plan(
        admin, "HEL1", DAY, uow=ports.uow
    ).lines if line.assignment.barcode == a.barcode] == []  # fmt: skip


def test_an_order_not_yet_at_the_station_just_changes_day(
    ports: Ports, admin: Principal, running: tuple[PlanVersion, list[Order]]
) -> None:
    """Not received yet but on the plan: it leaves the plan too. Without a window its hours
    (none here) are kept."""
    _base, (first, *_) = running
    done = move(ports, admin, first, THURSDAY)
    assert done.change is not None
    assert first.id not in done.change.version.inputs.stops_by_id
    now = stored(ports, first)
    assert (now.status, now.service_date, now.time_windows) == (S.READY, THURSDAY, ())


@pytest.mark.parametrize(
    ("day", "window", "field", "words"),
    [
        (DAY, None, "date", "must be tomorrow (2026-11-24) or later"),
        (DAY + timedelta(days=15), None, "date", "at most 14 days ahead"),
        (THURSDAY, "10:30-12:30", "window", "is not a delivery slot of 2026-11-26"),
        (THURSDAY, "ten to noon", "window", "is not HH:MM-HH:MM"),
    ],
)
def test_days_and_windows_follow_the_tracking_pages_rules(
    ports: Ports,
    admin: Principal,
    running: tuple[PlanVersion, list[Order]],
    day: date,
    window: str | None,
    field: str,
    words: str,
) -> None:
    base, (first, *_) = running
    with pytest.raises(InvalidValue, match=re.escape(words)) as raised:
        move(ports, admin, first, day, window)
    assert raised.value.field == field
    assert stored(ports, first).service_date == DAY
    found = latest(ports, admin)
    assert found is not None
    assert found.id == base.id


def test_only_who_changes_the_running_plan_may_reschedule(
    ports: Ports, admin: Principal, running: tuple[PlanVersion, list[Order]]
) -> None:
    _, (first, *_) = running
    with pytest.raises(PermissionDenied):
        move(ports, as_role(admin, Role.STATION_ASSOCIATE), first, THURSDAY)
    assert move(ports, as_role(admin, Role.DISPATCHER), first, THURSDAY).changed
