"""The twin plays a published day through the services: every parcel ends somewhere known,
and the same seed gives the same day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from doorstep.domain.geo import Location
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Address, Order, OrderKind
from doorstep.services import reconciliation, stations
from doorstep.services.authorization import Principal
from doorstep.simulation.day_run import run_day
from doorstep.simulation.world import DayRun, LateOrder, SimClock, SimPorts, World
from tests.services.conftest import (
    T0,
    Ports,
    admin,
    make_admin,
    order_fields,
    ports,
    station_fields,
)
from tests.services.fakes import (
    FakeClock,
    FakePasswords,
    FakeSecrets,
    FakeUnitOfWork,
    SequentialIds,
)
from tests.services.planning.test_day import StraightTravel
from tests.services.planning.test_runs import DAY, PLACES, order, van
from tests.services.test_loadout import day, station
from tests.services.test_sorting import published

__all__ = ["admin", "day", "ports", "station"]  # fixtures, used by name


def play(
    ports: Ports,
    admin: Principal,
    seed: int,
    world: World = World(),
    late: Sequence[LateOrder] = (),
) -> DayRun:
    published(ports, admin)
    sim = SimPorts(
        lambda: ports.uow, SimClock(datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC)),
        ports.ids, StraightTravel(),
    )  # fmt: skip
    return run_day(admin, "HEL1", DAY, ports=sim, seed=seed, world=world, late_orders=late)


def events(ports: Ports) -> list[tuple[str, str, str, datetime]]:
    found = ports.uow.tables.scan_events.values()
    return sorted(
        (r.event.id, r.event.kind.value, r.event.barcode, r.event.device_time) for r in found
    )


def test_a_quiet_day_delivers_everything_and_accounts_for_every_parcel(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """No absences, no mistakes: three stops delivered, every scan applied, the route ended,
    nothing unaccounted at day end."""
    calm = World(
        late_departure_share=0, absent_morning=0, absent_afternoon=0, refused=0, damaged=0,
        mis_sort=0, missed_scan=0,
    )  # fmt: skip
    result = play(ports, admin, 1, calm)
    assert (result.delivered, result.failed, result.routes) == (3, {}, 1)
    assert {o.status for o in ports.uow.tables.orders.values()} == {OrderStatus.DELIVERED}
    assert all(r.problem is None for r in ports.uow.tables.scan_events.values())
    assert len(ports.uow.tables.route_ends) == 1
    report = reconciliation.day_end_report(admin, "HEL1", DAY, uow=ports.uow)
    assert report.day_end.unaccounted == ()


def test_absent_recipients_come_back_and_go_to_the_next_day(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """Nobody home: every stop fails, every parcel is scanned back in, and closing the day
    plans each order again on the next delivery day."""
    result = play(ports, admin, 2, World(absent_morning=1, absent_afternoon=1, missed_scan=0))
    assert result.failed == {"recipient_absent": 3}
    moved = {o.service_date for o in ports.uow.tables.orders.values()}
    assert moved == {reconciliation.next_delivery_day(DAY, range(7))}


def fresh_world() -> tuple[Ports, Principal]:
    """A second, separate world like the fixtures make: the organisation, HEL1, the van and
    the three orders."""
    ports = Ports(FakeUnitOfWork(), FakeClock(T0), SequentialIds(), FakeSecrets(), FakePasswords())
    admin = make_admin(ports, "City Couriers")
    stations.add_station(admin, station_fields("HEL1"), uow=ports.uow, ids=ports.ids)
    van(ports, admin, "Van 1", parcels=10)
    for i, at in enumerate(PLACES, start=1):
        order(ports, admin, f"R-{i}", at)
    return ports, admin


def test_the_same_seed_plays_the_same_day() -> None:
    """Two worlds made alike, played with one seed, store the same events, id for id, at the
    same instants; another seed plays another day."""
    played = []
    for seed in (7, 7, 8):
        ports, admin = fresh_world()
        result = play(ports, admin, seed, World(absent_morning=0.4, absent_afternoon=0.4))
        played.append((result, events(ports)))
    assert played[0] == played[1]
    assert played[0][1] != played[2][1]


CALM = World(
    late_departure_share=0, absent_morning=0, absent_afternoon=0, refused=0, damaged=0,
    mis_sort=0, missed_scan=0, breakdown_share=0,
)  # fmt: skip


def late_pickup(ref: str, hour: int, minute: int = 0) -> LateOrder:
    """A return a customer books at ``hour:minute`` (UTC) of the played day, near the stops."""
    fields = order_fields(
        ref, station_id="HEL1", location=Location(60.175, 24.945), service_date=DAY,
        address=Address(f"Street {ref}, Helsinki"), kind=OrderKind.PICKUP,
    )  # fmt: skip
    return LateOrder(datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=UTC), fields)


def test_a_late_return_joins_the_van_out_and_none_joins_a_route_that_ended(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """Booked at 07:05 local, while the van is out (07:00-07:18 by the plan), the return rides
    with it and is collected; booked at midnight, after the van came back and ended its route,
    it waits (for the next day) unplanned."""
    late = [late_pickup("LATE-1", 5, 5), late_pickup("LATE-2", 22)]
    result = play(ports, admin, 1, CALM, late)
    assert (result.late_orders, result.late_planned, result.picked_up) == (2, 1, 1)
    by_ref = {o.shipper_reference: o for o in ports.uow.tables.orders.values()}
    assert by_ref["LATE-1"].status is OrderStatus.RECEIVED  # collected, scanned in at home
    assert by_ref["LATE-2"].status is OrderStatus.READY
    assert result.delivered == 3


def test_a_broken_down_van_hands_its_stops_and_parcels_to_another(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """Van 1 breaks down on the road; dispatch takes it off, Van 2 (at the station with an
    empty route) drives to it, takes the parcels over and delivers them; Van 1 is towed back
    with its defect on the post-trip inspection. Every parcel ends delivered."""
    van(ports, admin, "Van 2", parcels=10)
    result = play(ports, admin, 3, replace(CALM, breakdown_share=1.0))
    assert result.breakdowns >= 1
    statuses = {o.status for o in ports.uow.tables.orders.values()}
    assert statuses == {OrderStatus.DELIVERED}
    assert result.parcels_taken_over >= 1
    # The new plan moved the parcel to Van 2, but its morning sort and load scans, right for
    # the plan of their time, were not judged again: no scan has a problem.
    assert [r.problem for r in ports.uow.tables.scan_events.values() if r.problem] == []
    assert len(ports.uow.tables.route_ends) == 2 - (result.routes == 1)
    versions = [v for v in ports.uow.tables.plans.values() if v.status.value == "published"]
    assert len(versions) == 1
    assert versions[0].number > 1  # the breakdown made a new published version


def test_dispatch_watches_the_board_and_a_dispatcher_takes_its_cases(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """The van leaves 40 minutes late: the watch (every quarter hour) opens a late-departure
    case, and the twin's dispatcher closes it within 5 to 45 minutes of its opening."""
    late = replace(CALM, late_departure_share=1.0, late_departure_min=(40, 40))
    play(ports, admin, 4, late)
    found = ports.uow.tables.exception_cases.values()
    cases = [c for c in found if c.type.value == "late_departure"]
    assert len(cases) == 1
    (case,) = cases
    assert case.resolution is not None
    assert case.resolution.value == "no_action"
    assert case.resolved_at is not None
    assert timedelta(minutes=5) <= case.resolved_at - case.opened_at <= timedelta(minutes=45)
