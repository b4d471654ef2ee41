"""Live ETAs of a route's open stops, from its plan and its scans so far."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from doorstep.domain.exceptions import ExceptionType
from doorstep.domain.orders import Order
from doorstep.domain.positions import Ping
from doorstep.domain.scans import FailReason, ScanKind
from doorstep.domain.schedules import TimeWindow
from doorstep.domain.subscriptions import EventType
from doorstep.services import dispatch, eta, exceptions, sorting, webhooks
from doorstep.services.authorization import Principal
from doorstep.services.ports import ServiceMark
from doorstep.services.scans import IncomingScan
from tests.services.conftest import Ports
from tests.services.planning.test_day import StraightTravel
from tests.services.planning.test_runs import DAY
from tests.services.test_inspections import depart, inspected
from tests.services.test_loadout import day, load, station
from tests.services.test_sorting import published, send

__all__ = ["day", "station"]  # fixtures, used by name
K = ScanKind
ABSENT = FailReason.RECIPIENT_ABSENT


def etas(ports: Ports, admin: Principal) -> eta.RouteEtas:
    return eta.route_etas(
        admin, "Van 1", DAY, uow=ports.uow, travel=StraightTravel(), clock=ports.clock
    )


def out(ports: Ports, admin: Principal) -> list[str]:
    """Every parcel loaded onto the van and out with it; the barcodes in stop order."""
    lines = sorting.sort_plan(admin, "HEL1", DAY, uow=ports.uow).lines
    vehicle = lines[0].assignment.vehicle_id
    codes = [a.assignment.barcode for a in sorted(lines, key=lambda x: x.assignment.position)]
    load(ports, admin, codes, vehicle)
    at = datetime(DAY.year, DAY.month, DAY.day, 6, 0, tzinfo=UTC)
    report = send(ports, admin, *(IncomingScan(f"dep-{c}", K.DEPART, c, at) for c in codes))
    assert [r.problem for r in report.results] == [None] * len(codes), report
    return codes


def test_etas_follow_the_route_and_hold_their_windows(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """Every open stop in route order, each p10 <= p50 <= p90, the p50s never going back."""
    version = published(ports, admin)
    (route,) = [r for r in version.plan.routes if r.visits]
    found = etas(ports, admin)
    assert [s.order_id for s in found.stops] == list(route.stop_ids)
    for stop in found.stops:
        assert stop.earliest <= stop.eta <= stop.latest
    times = [s.eta for s in found.stops]
    assert times == sorted(times)


def test_a_late_stop_pushes_every_later_eta_and_leaves_the_list(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """The first stop done three hours after the plan: it is gone from the list, and the
    next stops are expected at least two and a half hours later than planned."""
    version = published(ports, admin)
    (route,) = [r for r in version.plan.routes if r.visits]
    out(ports, admin)
    first = route.visits[0]
    late = version.at(first.start_s) + timedelta(hours=3)
    code = ports.uow.tables.orders[first.stop_id].parcels[0].barcode
    failed = send(ports, admin, IncomingScan("fail-0001", K.FAIL, code, late, reason=ABSENT))
    assert (failed.results[0].outcome.value, failed.results[0].problem) == ("stored", None)
    ports.clock.current = late + timedelta(minutes=1)
    found = etas(ports, admin)
    assert [s.order_id for s in found.stops] == list(route.stop_ids[1:])
    for stop, visit in zip(found.stops, route.visits[1:], strict=True):
        assert stop.eta - version.at(visit.arrival_s) >= timedelta(hours=2, minutes=30)


def test_the_stop_the_driver_is_at_comes_first(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """An arrive scan at the last stop: it is being served now, so it is expected first."""
    version = published(ports, admin)
    (route,) = [r for r in version.plan.routes if r.visits]
    out(ports, admin)
    at = datetime(DAY.year, DAY.month, DAY.day, 7, 0, tzinfo=UTC)  # an hour after leaving
    code = ports.uow.tables.orders[route.stop_ids[-1]].parcels[0].barcode
    came = send(ports, admin, IncomingScan("arrive-0001", K.ARRIVE, code, at)).results[0]
    assert (came.outcome.value, came.problem) == ("stored", None)
    ports.clock.current = at + timedelta(minutes=2)
    found = etas(ports, admin)
    assert found.stops[0].order_id == route.stop_ids[-1]
    assert found.stops[0].eta == at


def test_the_watch_sees_a_stop_at_risk_from_its_live_eta_before_the_plan_does(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """The driver has been at the first stop since early morning. By the plan, left on time
    with nothing done, the last stop is fine; its live ETA says it will miss a window that
    closes three minutes after its planned start, and only the live watch opens the case."""
    version = published(ports, admin)
    (route,) = [r for r in version.plan.routes if r.visits]
    lines = sorting.sort_plan(admin, "HEL1", DAY, uow=ports.uow).lines
    load(ports, admin, [x.assignment.barcode for x in lines], lines[0].assignment.vehicle_id)
    ports.clock.current = version.at(route.start_s) - timedelta(minutes=1)
    inspected(ports, admin)
    depart(ports, admin)  # on time, a minute on
    first, last = route.visits[0], route.visits[-1]
    code = ports.uow.tables.orders[first.stop_id].parcels[0].barcode
    since = version.at(first.arrival_s)
    send(ports, admin, IncomingScan("arrive-0002", K.ARRIVE, code, since))
    planned = version.at(last.start_s)
    window = TimeWindow(planned - timedelta(hours=2), planned + timedelta(minutes=3))
    ports.uow.tables.orders[last.stop_id].time_windows = (window,)
    ports.clock.current = planned - timedelta(minutes=2)

    def risky(**live: object) -> list[str]:
        board = dispatch.watch(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock, **live)  # type: ignore[arg-type]
        return list(board.routes[0].at_risk)

    assert last.stop_id not in risky()
    assert last.stop_id in risky(travel=StraightTravel())
    cases = exceptions.list_cases(admin, uow=ports.uow).cases
    (risk,) = [c for c in cases if c.type is ExceptionType.LATE_RISK]
    assert risk.order_id == last.stop_id
    # Left on time: not "0 min behind" but when the live ETA expects it, in Helsinki time.
    board = dispatch.board(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    assert board.routes[0].delay < timedelta(minutes=1)
    live = dispatch.watch(
        admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock, travel=StraightTravel()
    )
    eta = dict(live.routes[0].ahead)[last.stop_id]
    assert eta > window.end_at
    local = eta.astimezone(ZoneInfo("Europe/Helsinki"))
    assert risk.summary == f"Van 1 is expected at this stop at {local:%H:%M}, after its window"


def test_a_gps_fix_moves_the_van_on(ports: Ports, admin: Principal, day: list[Order]) -> None:
    """A fix a minute ago 20 km off (a detour): the next stop is expected at least 25 minutes
    on (20 km at the test's 10 m/s), where the scans alone expected it sooner."""
    version = published(ports, admin)
    (route,) = [r for r in version.plan.routes if r.visits]
    lines = sorting.sort_plan(admin, "HEL1", DAY, uow=ports.uow).lines
    vehicle = lines[0].assignment.vehicle_id
    load(ports, admin, [x.assignment.barcode for x in lines], vehicle)
    ports.clock.current = version.at(route.start_s) - timedelta(minutes=1)
    inspected(ports, admin)
    depart(ports, admin)
    ports.clock.current = version.at(route.start_s) + timedelta(minutes=30)
    first = route.visits[0].stop_id
    before = etas(ports, admin).of(first)
    assert before is not None
    at = ports.clock.current - timedelta(minutes=1)
    fix = Ping("phone-1", vehicle, at, 60.35, 24.94, 5.0, 20.0)  # 20 km north of the city
    with ports.uow as uow:
        uow.positions.add_many(admin.organisation_id, [fix])
        uow.commit()
    after = etas(ports, admin).of(first)
    assert after is not None
    assert after.eta >= ports.clock.current + timedelta(minutes=25)
    assert before.eta < after.eta


def test_integrators_hear_an_eta_change_once_per_quarter_hour(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """The live watch tells a subscriber each open stop's ETA once; watching again with the
    ETAs in the same quarter hours tells nothing more."""
    webhooks.subscribe(
        admin, "https://shop.example/hooks", [EventType.ORDER_ETA_CHANGED], uow=ports.uow,
        clock=ports.clock, ids=ports.ids, secrets=ports.secrets,
    )  # fmt: skip
    version = published(ports, admin)
    (route,) = [r for r in version.plan.routes if r.visits]
    lines = sorting.sort_plan(admin, "HEL1", DAY, uow=ports.uow).lines
    load(ports, admin, [x.assignment.barcode for x in lines], lines[0].assignment.vehicle_id)
    ports.clock.current = version.at(route.start_s) - timedelta(minutes=1)
    inspected(ports, admin)
    depart(ports, admin)
    for _ in range(2):
        dispatch.watch(
            admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock, travel=StraightTravel()
        )
    told = webhooks.list_deliveries(admin, uow=ports.uow)
    assert sorted(json.loads(d.payload)["data"]["order_id"] for d in told) == sorted(route.stop_ids)


def test_service_history_pairs_each_arrival_with_the_last_scan_that_ended_it() -> None:
    """Arrive, deliver two parcels: one service of the later delivery's span and two parcels;
    a failed visit without an arrive scan, and a span over two hours, teach nothing."""
    at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def mark(order: str, code: str, arrived: bool, minutes: float) -> ServiceMark:
        return ServiceMark(order, "street 1", False, code, arrived, at + timedelta(minutes=minutes))

    marks = [
        mark("o1", "A", True, 0), mark("o1", "A", False, 1), mark("o1", "B", False, 3),
        mark("o2", "C", False, 5),
        mark("o3", "D", True, 0), mark("o3", "D", False, 180),
    ]  # fmt: skip
    (found,) = eta.service_history(list(reversed(marks)))
    assert (found.address_key, found.kind, found.seconds) == ("street 1", "delivery:2-3", 180.0)
