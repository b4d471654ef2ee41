"""The independent validator: a valid plan passes, and each kind of hand-broken plan is caught."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from doorstep.planning.plan import Plan, Route, Unassigned
from doorstep.planning.problem import Break, Depot, LockedRoute, Problem, Vehicle, Window
from doorstep.planning.schedule import placed, plan_cost, route_of, settle, timeline
from doorstep.planning.validation import Code, InvalidPlan, assert_valid, validate
from tests.planning.factories import DAY, HOUR, line_problem, stop

Case = tuple[Problem, Plan]


def base() -> Case:
    """v1 (with a break) serves a then b; v2 serves c; optional d is left out."""
    brk = Break(Window(8 * HOUR, 13 * HOUR), 600)
    v1 = Vehicle("v1", (100, 100, 10), shift=DAY, break_=brk, fixed_cost=100, cost_per_s=0)
    v2 = Vehicle("v2", (100, 100, 10), shift=DAY, skills=frozenset({"fridge"}), cost_per_s=1)
    problem = line_problem(
        stop("a", 1),
        stop("b", 2, windows=(Window(9 * HOUR, 10 * HOUR),)),
        stop("c", 3, pickup=(5, 0, 1), skills=frozenset({"fridge"})),
        stop("d", 4, required=False, penalty=7),
        vehicles=(v1, v2),
    )
    routes = [_route(problem, "v1", "a", "b"), _route(problem, "v2", "c")]
    unassigned = (Unassigned("d"),)
    return problem, Plan(tuple(routes), unassigned, plan_cost(problem, routes, unassigned))


def _route(problem: Problem, vehicle_id: str, *stop_ids: str) -> Route:
    vehicle, stops = problem.vehicle(vehicle_id), [problem.stop(s) for s in stop_ids]
    return route_of(problem, vehicle, stops, placed(problem, vehicle, stops))


def _edit_route(plan: Plan, index: int, **changes: object) -> Plan:
    routes = list(plan.routes)
    routes[index] = replace(routes[index], **changes)  # type: ignore[arg-type]
    return replace(plan, routes=tuple(routes))


def _edit_visit(plan: Plan, route: int, visit: int, **changes: object) -> Plan:
    visits = list(plan.routes[route].visits)
    visits[visit] = replace(visits[visit], **changes)  # type: ignore[arg-type]
    return _edit_route(plan, route, visits=tuple(visits))


def _edit_vehicle(problem: Problem, vehicle_id: str, **changes: object) -> Problem:
    fleet = [replace(v, **changes) if v.id == vehicle_id else v for v in problem.vehicles]  # type: ignore[arg-type]
    return replace(problem, vehicles=tuple(fleet))


def _edit_stop(problem: Problem, stop_id: str, **changes: object) -> Problem:
    stops = tuple(replace(s, **changes) if s.id == stop_id else s for s in problem.stops)  # type: ignore[arg-type]
    return replace(problem, stops=stops)


def _first_visit(plan: Plan) -> int:
    return plan.routes[0].visits[0].arrival_s


BREAKERS: dict[Code, Callable[[Problem, Plan], Case]] = {
    Code.UNKNOWN_STOP: lambda pb, pl: (
        pb,
        replace(pl, unassigned=(*pl.unassigned, Unassigned("zz"))),
    ),
    Code.UNKNOWN_VEHICLE: lambda pb, pl: (pb, _edit_route(pl, 1, vehicle_id="v9")),
    Code.DUPLICATE_STOP: lambda pb, pl: (
        pb,
        replace(pl, unassigned=(*pl.unassigned, Unassigned("a"))),
    ),
    Code.MISSING_STOP: lambda pb, pl: (pb, replace(pl, unassigned=(), cost=pl.cost - 7)),
    Code.VEHICLE_REUSED: lambda pb, pl: (
        pb,
        replace(pl, routes=(*pl.routes, pl.routes[1]), cost=pl.cost + pl.routes[1].cost),
    ),
    Code.SKILLS: lambda pb, pl: (_edit_stop(pb, "a", skills=frozenset({"tail_lift"})), pl),
    Code.CAPACITY: lambda pb, pl: (_edit_vehicle(pb, "v1", capacity=(1, 100, 10)), pl),
    Code.LOAD: lambda pb, pl: (pb, _edit_visit(pl, 0, 0, load_after=(9, 9, 9))),
    Code.ARRIVAL: lambda pb, pl: (
        pb,
        _edit_visit(pl, 1, 0, arrival_s=pl.routes[1].visits[0].arrival_s - 1),
    ),
    Code.EARLY_START: lambda pb, pl: (
        pb,
        _edit_visit(pl, 1, 0, start_s=pl.routes[1].visits[0].arrival_s - 1),
    ),
    Code.WINDOW: lambda pb, pl: (
        _edit_stop(pb, "b", windows=(Window(0, 60), Window(7 * HOUR, 8 * HOUR))),
        pl,
    ),
    Code.DEPARTURE: lambda pb, pl: (
        pb,
        _edit_visit(pl, 1, 0, departure_s=pl.routes[1].visits[0].departure_s + 5),
    ),
    Code.BREAK_MISSING: lambda pb, pl: (
        pb,
        _edit_route(pl, 0, break_start_s=None, break_after=None),
    ),
    Code.BREAK_UNEXPECTED: lambda pb, pl: (_edit_vehicle(pb, "v1", break_=None), pl),
    Code.BREAK_WINDOW: lambda pb, pl: (
        _edit_vehicle(pb, "v1", break_=Break(Window(15 * HOUR, 16 * HOUR), 600)),
        pl,
    ),
    Code.BREAK_TIMING: lambda pb, pl: (
        pb,
        _edit_route(pl, 0, break_start_s=(pl.routes[0].break_start_s or 0) - 1),
    ),
    Code.SHIFT: lambda pb, pl: (_edit_vehicle(pb, "v2", shift=Window(8 * HOUR, 8 * HOUR + 60)), pl),
    Code.MAX_DURATION: lambda pb, pl: (_edit_vehicle(pb, "v2", max_duration_s=60), pl),
    Code.DEPOT_HOURS: lambda pb, pl: (
        replace(pb, depots=(Depot("d1", 0, Window(9 * HOUR, 17 * HOUR)),)),
        pl,
    ),
    Code.RETURN: lambda pb, pl: (pb, _edit_route(pl, 0, end_s=pl.routes[0].end_s + 1)),
    Code.LOCKED: lambda pb, pl: (replace(pb, locked=(LockedRoute("v1", ("b", "a")),)), pl),
    Code.DISTANCE: lambda pb, pl: (pb, _edit_visit(pl, 0, 1, distance_from_previous_m=1)),
    Code.COST: lambda pb, pl: (pb, replace(pl, cost=pl.cost + 1)),
}


def test_a_valid_plan_has_no_violations() -> None:
    """The hand-made base plan (break, window, pickup, skills, optional stop) validates."""
    problem, plan = base()
    assert validate(problem, plan) == []
    assert_valid(problem, plan)


def test_every_violation_kind_has_a_breaking_case() -> None:
    """The table below covers every code, so no check goes untested."""
    assert set(BREAKERS) == set(Code)


@pytest.mark.parametrize("code", list(Code))
def test_a_hand_broken_plan_is_caught(code: Code) -> None:
    """Breaking one rule by hand yields a violation of that kind, naming the culprit."""
    problem, plan = BREAKERS[code](*base())
    found = [v for v in validate(problem, plan) if v.code == code]
    assert found, validate(problem, plan)
    assert found[0].vehicle_id or found[0].stop_id or code == Code.COST
    for named in (found[0].vehicle_id, found[0].stop_id):
        assert named is None or named in found[0].message


def test_the_break_must_end_before_the_next_drive() -> None:
    """A break starting later than reported pushes past the next arrival: BREAK_TIMING."""
    problem, plan = base()
    broken = _edit_route(plan, 0, break_start_s=(plan.routes[0].break_start_s or 0) + 30)
    assert Code.BREAK_TIMING in {v.code for v in validate(problem, broken)}


def _owed_after(after_work_s: int, *, last_window: Window | None = None) -> Case:
    """v1 serves a and b without a break it owes only past ``after_work_s`` of work."""
    brk = Break(Window(11 * HOUR, 14 * HOUR), 1800, after_work_s=after_work_s)
    van = Vehicle("v1", (100, 100, 10), shift=DAY, break_=brk)
    windows = () if last_window is None else (last_window,)
    problem = line_problem(stop("a", 1), stop("b", 2, windows=windows), vehicles=(van,))
    timed = timeline(problem, van, problem.stops)  # leaving at 08:00, without the break
    routes = [route_of(problem, van, problem.stops, timed)]
    return problem, Plan(tuple(routes), (), plan_cost(problem, routes, ()))


def test_a_short_route_without_its_break_is_valid() -> None:
    """Working 520 s, well under the 6 h after which the break is owed: no violation."""
    problem, plan = _owed_after(6 * HOUR)
    assert plan.routes[0].break_start_s is None
    assert plan.routes[0].duration_s == 520
    assert validate(problem, plan) == []


def test_a_short_route_may_still_take_its_break() -> None:
    """A break taken though not owed is no violation, as long as it keeps its window."""
    problem, _ = _owed_after(6 * HOUR)
    van = problem.vehicles[0]
    timed = settle(problem, van, problem.stops, break_after=1)
    routes = [route_of(problem, van, problem.stops, timed)]
    plan = Plan(tuple(routes), (), plan_cost(problem, routes, ()))
    assert plan.routes[0].break_start_s == 11 * HOUR
    assert validate(problem, plan) == []


def test_a_long_route_without_its_break_names_the_working_time_and_limit() -> None:
    """Leaving at 08:00 and waiting for a 15:00 window: 7 h of work, the break owed past 6 h."""
    problem, plan = _owed_after(6 * HOUR, last_window=Window(15 * HOUR, 16 * HOUR))
    working = plan.routes[0].duration_s
    assert working > 6 * HOUR
    found = validate(problem, plan)
    assert [v.code for v in found] == [Code.BREAK_MISSING]
    assert found[0].vehicle_id == "v1"
    assert found[0].message == (
        f"vehicle v1 works {working} s without a break, but owes its 1800 s break in "
        f"39600-50400 when working over 21600 s"
    )


def test_a_missed_window_is_reported_with_the_numbers() -> None:
    """The message names vehicle, stop, the start and the window, as a dispatcher reads it."""
    problem, plan = base()
    late = _edit_stop(problem, "b", windows=(Window(28800, 29000),))
    start = plan.routes[0].visits[1].start_s
    messages = [v.message for v in validate(late, plan) if v.code == Code.WINDOW]
    expected = f"vehicle v1 starts service at stop b at {start} s, after its window 28800-29000"
    assert messages == [expected]


def test_assert_valid_lists_every_violation() -> None:
    """InvalidPlan is an AssertionError whose message holds each violation."""
    problem, plan = base()
    broken = replace(_edit_route(plan, 0, end_s=plan.routes[0].end_s + 1), cost=0)
    with pytest.raises(InvalidPlan) as raised:
        assert_valid(problem, broken)
    assert isinstance(raised.value, AssertionError)
    assert {v.code for v in raised.value.violations} == {Code.RETURN, Code.COST}
    assert "[return]" in str(raised.value)
    assert "[cost]" in str(raised.value)
