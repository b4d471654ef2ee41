"""The dispatch board and its watch: a van that does not leave is late, and its stops at risk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from doorstep.domain.dispatch import RouteState
from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.domain.exceptions import ExceptionType
from doorstep.domain.orders import Order
from doorstep.domain.schedules import TimeWindow
from doorstep.services import dispatch, driver_route, exceptions, fleet
from doorstep.services.authorization import Principal
from tests.services.conftest import Ports, driver_fields
from tests.services.planning.test_runs import DAY
from tests.services.test_loadout import day, station
from tests.services.test_sorting import published

__all__ = ["day", "station"]  # fixtures, used by name


def test_the_watch_opens_each_slip_once(ports: Ports, admin: Principal, day: list[Order]) -> None:
    """A van still at the station at 23:00: late departure; the one stop with a window is at
    risk of missing it (the others have none to miss)."""
    start = datetime(DAY.year, DAY.month, DAY.day, 6, 0, tzinfo=UTC)
    window = TimeWindow(start, start + timedelta(hours=10))
    ports.uow.tables.orders[day[0].id].time_windows = (window,)
    version = published(ports, admin)
    (route,) = [r for r in version.plan.routes if r.visits]
    before = dispatch.board(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    assert [r.state for r in before.routes] == [RouteState.WAITING]
    ports.clock.current = datetime(DAY.year, DAY.month, DAY.day, 23, 0, tzinfo=UTC)
    for _ in range(2):  # run twice: no second case for the same slip
        late = dispatch.watch(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    (progress,) = late.routes
    assert progress.state is RouteState.LATE_DEPARTURE
    assert progress.stops_done == 0
    cases = exceptions.list_cases(admin, uow=ports.uow).cases
    kinds = sorted((c.type, c.order_id or "") for c in cases)
    assert (ExceptionType.LATE_DEPARTURE, "") in kinds
    at_risk = [o for t, o in kinds if t is ExceptionType.LATE_RISK]
    assert at_risk == list(progress.at_risk) == [day[0].id]
    (risk,) = [c for c in cases if c.type is ExceptionType.LATE_RISK]
    minutes = int(progress.delay.total_seconds() // 60)
    assert minutes > 0
    assert risk.summary == f"Van 1 is {minutes} min behind: this stop may miss its window"
    assert len(cases) == 2
    assert day[0].id in route.stop_ids


def test_dispatch_gives_a_route_to_a_driver_who_then_finds_it(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    published(ports, admin)
    aino = fleet.add_driver(admin, driver_fields("HEL1", "Aino"), uow=ports.uow, ids=ports.ids)
    found = dispatch.assign_route(
        admin, "HEL1", DAY, "Van 1", "Aino", uow=ports.uow, clock=ports.clock
    )
    (vehicle,) = found
    assert found == {vehicle: aino.id}
    route = driver_route.route_of_driver(admin, "Aino", DAY, uow=ports.uow, clock=ports.clock)
    assert route.vehicle.id == vehicle
    assert [s.order.id for s in route.stops] == [
        o.id for o in sorted(day, key=lambda o: [s.order.id for s in route.stops].index(o.id))
    ]
    board = dispatch.board(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    assert board.drivers == {vehicle: aino.id}


def test_a_driver_without_the_skills_or_already_busy_is_refused(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """The route carries dangerous goods its planned driver is certified for; Bo is not."""
    ports.uow.tables.orders[day[0].id].required_skills = frozenset({"adr"})
    cy = driver_fields("HEL1", "Cy", skills=frozenset({"adr"}))
    fleet.add_driver(admin, cy, uow=ports.uow, ids=ports.ids)
    version = published(ports, admin)
    assert day[0].id in {s for r in version.plan.routes for s in r.stop_ids}
    fleet.add_driver(admin, driver_fields("HEL1", "Bo"), uow=ports.uow, ids=ports.ids)
    with pytest.raises(InvalidValue, match="Bo lacks adr"):
        dispatch.assign_route(admin, "HEL1", DAY, "Van 1", "Bo", uow=ports.uow, clock=ports.clock)
    with pytest.raises(NotFound, match="driver 'Nobody'"):
        dispatch.assign_route(
            admin, "HEL1", DAY, "Van 1", "Nobody", uow=ports.uow, clock=ports.clock
        )


def test_a_stop_at_risk_says_whether_its_route_is_behind() -> None:
    """A minute or more behind says how much; less (never "0 min behind") says when the van
    is expected, in the station's time (08:42 UTC is 10:42 in Helsinki in November)."""
    zone = ZoneInfo("Europe/Helsinki")
    eta = datetime(2026, 11, 23, 8, 42, tzinfo=UTC)
    behind = timedelta(minutes=12, seconds=40)
    assert dispatch.risk_words("Van 2", behind, eta, zone) == (
        "Van 2 is 12 min behind: this stop may miss its window"
    )
    for delay in (timedelta(seconds=59), timedelta(0)):
        assert dispatch.risk_words("Van 2", delay, eta, zone) == (
            "Van 2 is expected at this stop at 10:42, after its window"
        )
    assert dispatch.risk_words("Van 2", timedelta(seconds=30), None, zone) == (
        "Van 2 may miss this stop's window"
    )
