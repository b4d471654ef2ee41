"""The sort plan: written on publishing, read for labels, and held against sort and load scans."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from doorstep.domain.errors import NotFound
from doorstep.domain.order_status import OrderStatus as S
from doorstep.domain.orders import Order
from doorstep.domain.scans import ScanKind
from doorstep.domain.sorting import Assignment
from doorstep.domain.stations import Station
from doorstep.planning.versions import PlanVersion
from doorstep.services import scan_replay, scans, sorting
from doorstep.services.authorization import Principal
from doorstep.services.planning import runs
from doorstep.services.scans import IncomingScan
from tests.services.conftest import T0, Ports
from tests.services.planning.test_runs import DAY, PLACES, order, plan, van

K = ScanKind


@pytest.fixture
def station(ports: Ports, admin: Principal) -> Station:
    from doorstep.services import stations
    from tests.services.conftest import station_fields

    return stations.add_station(admin, station_fields("HEL1"), uow=ports.uow, ids=ports.ids)


@pytest.fixture
def day(ports: Ports, admin: Principal, station: Station) -> list[Order]:
    """Three ready orders and two vans of two parcels each: two routes."""
    van(ports, admin, "Van 1", parcels=2)
    van(ports, admin, "Van 2", parcels=2)
    return [order(ports, admin, f"R-{i}", at) for i, at in enumerate(PLACES, start=1)]


def published(ports: Ports, admin: Principal) -> PlanVersion:
    version = plan(ports, admin)
    return runs.publish(admin, version.id, uow=ports.uow, clock=ports.clock)


def barcode(o: Order) -> str:
    return o.parcels[0].barcode


def send(ports: Ports, admin: Principal, *events: IncomingScan) -> scans.IngestReport:
    return scans.ingest(admin, list(events), uow=ports.uow, clock=ports.clock)


def scan(n: int, kind: ScanKind, code: str, **extra: str) -> IncomingScan:
    return IncomingScan(f"evt-{code}-{n:04d}", kind, code, T0 + timedelta(minutes=n), **extra)  # type: ignore[arg-type]


def test_publishing_writes_the_sort_plan_the_station_prints(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    version = published(ports, admin)
    found = sorting.sort_plan(admin, "HEL1", DAY, uow=ports.uow)
    assert found.version.id == version.id
    routed = [r for r in version.plan.routes if r.visits]
    assert len(routed) == 2
    lines = {line.assignment.barcode: line for line in found.lines}
    assert set(lines) == {barcode(o) for o in day}
    for index, route in enumerate(routed):
        for position, stop in enumerate(route.stop_ids, start=1):
            line = next(x for x in found.lines if x.assignment.order_id == stop)
            assert (line.assignment.lane, line.assignment.position) == (f"L0{index + 1}", position)
            assert line.vehicle_name in {"Van 1", "Van 2"}
            assert line.stops_on_route == len(route.visits)
            assert line.window  # the planned time at the stop, HH:MM
    assert [x.assignment.lane for x in found.lines] == sorted(
        x.assignment.lane for x in found.lines
    )


def test_a_day_without_a_published_plan_has_no_sort_plan(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    plan(ports, admin)
    with pytest.raises(NotFound, match="publish a version first"):
        sorting.sort_plan(admin, "HEL1", DAY, uow=ports.uow)


def test_a_sort_to_the_wrong_lane_is_refused_and_the_right_one_applies(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    published(ports, admin)
    line = sorting.sort_plan(admin, "HEL1", DAY, uow=ports.uow).lines[0]
    code, right = line.assignment.barcode, line.assignment.lane
    wrong = "L09"
    report = send(ports, admin, scan(0, K.RECEIVE, code), scan(1, K.SORT, code, lane=wrong))
    problem = report.results[1].problem
    assert problem is not None
    assert f"belongs in lane {right}" in problem
    assert report.results[1].parcel_status is S.RECEIVED
    again = send(ports, admin, scan(2, K.SORT, code, lane=right))
    assert (again.results[0].problem, again.results[0].parcel_status) == (None, S.SORTED)


def test_a_parcel_moved_to_another_lane_is_replayed_against_its_new_place(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """What publishing does for scanned parcels: their sort becomes a mis-sort if they move."""
    version = published(ports, admin)
    code = barcode(day[0])
    first = lanes(ports, admin)[code]
    send(ports, admin, scan(0, K.RECEIVE, code), scan(1, K.SORT, code, lane=first.lane))
    assert ports.uow.tables.orders[day[0].id].status is S.SORTED
    moved = replace(first, lane="L07")
    with ports.uow as uow:
        uow.assignments.replace_day(
            admin.organisation_id, version.station_id, DAY, version.id, [moved]
        )
        scan_replay.refresh(uow, admin.organisation_id, [code], ports.clock.now())
        uow.commit()
    state = ports.uow.tables.parcel_states[(admin.organisation_id, code)][1]
    assert state.status is S.RECEIVED
    stored = ports.uow.tables.scan_events[(admin.organisation_id, f"evt-{code}-0001")]
    assert stored.problem is not None
    assert "belongs in lane L07" in stored.problem
    assert ports.uow.tables.orders[day[0].id].status is S.RECEIVED


def test_received_and_sorted_orders_stay_in_the_next_plan(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """Stations plan after the night's parcels came in: scanned orders are still planned."""
    published(ports, admin)
    code = barcode(day[0])
    lane = lanes(ports, admin)[code].lane
    send(ports, admin, scan(0, K.RECEIVE, code), scan(1, K.SORT, code, lane=lane))
    again = published(ports, admin)
    planned = {stop for route in again.plan.routes for stop in route.stop_ids}
    assert day[0].id in planned
    assert lanes(ports, admin)[code].lane == lane  # the same routes: the parcel stays put
    assert ports.uow.tables.orders[day[0].id].status is S.SORTED


def lanes(ports: Ports, admin: Principal) -> dict[str, Assignment]:
    found = sorting.sort_plan(admin, "HEL1", DAY, uow=ports.uow)
    return {line.assignment.barcode: line.assignment for line in found.lines}
