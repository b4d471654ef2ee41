"""The deterministic nearest-neighbour fake: nearest first, feasible always, locked stops kept."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.planning.nearest import NearestNeighbourOptimizer
from doorstep.planning.optimizer import Cancelled, Progress, RouteOptimizer
from doorstep.planning.plan import Plan
from doorstep.planning.problem import Break, LockedRoute, Problem, Vehicle, Window
from doorstep.planning.validation import assert_valid
from tests.planning.factories import DAY, HOUR, line_problem, problems, stop

NEAREST = NearestNeighbourOptimizer()


def _plan(problem: Problem) -> Plan:
    return NEAREST.optimize(problem, time_limit_s=1.0)


def test_it_is_a_route_optimizer() -> None:
    """The fake satisfies the RouteOptimizer protocol, so services can take it."""
    optimizer: RouteOptimizer = NEAREST
    assert optimizer.optimize(line_problem(), time_limit_s=0.1).routes == ()


def test_it_visits_the_nearest_stop_next() -> None:
    """Stops at 3, 1 and 2 km from the depot are served in the order 1, 2, 3 km."""
    problem = line_problem(stop("far", 3), stop("near", 1), stop("mid", 2))
    plan = _plan(problem)
    assert [r.stop_ids for r in plan.routes] == [("near", "mid", "far")]
    assert_valid(problem, plan)


def test_what_no_longer_fits_is_left_out() -> None:
    """With room for two parcels the farthest of three one-parcel stops is unassigned."""
    van = Vehicle("v1", (100, 100, 2), shift=DAY)
    problem = line_problem(stop("a", 1), stop("b", 2), stop("c", 3), vehicles=(van,))
    plan = _plan(problem)
    assert plan.routes[0].stop_ids == ("a", "b")
    assert [u.stop_id for u in plan.unassigned] == ["c"]
    assert_valid(problem, plan)


def test_the_next_vehicle_takes_what_the_first_could_not() -> None:
    """Vehicles are filled in order; the second serves the stop needing its skill."""
    vans = (
        Vehicle("v1", (100, 100, 10), shift=DAY),
        Vehicle("v2", (100, 100, 10), shift=DAY, skills=frozenset({"fridge"})),
    )
    problem = line_problem(
        stop("a", 1), stop("cold", 2, skills=frozenset({"fridge"})), vehicles=vans
    )
    plan = _plan(problem)
    assert [(r.vehicle_id, r.stop_ids) for r in plan.routes] == [("v1", ("a",)), ("v2", ("cold",))]
    assert_valid(problem, plan)


def test_locked_stops_come_first_and_a_closed_route_takes_nothing_more() -> None:
    """v1 keeps its locked far stop first; closed v2 serves only its locked stop."""
    vans = (Vehicle("v1", (100, 100, 10), shift=DAY), Vehicle("v2", (100, 100, 10), shift=DAY))
    problem = line_problem(
        stop("a", 1),
        stop("b", 2),
        stop("far", 5),
        stop("mine", 4),
        vehicles=vans,
        locked=(LockedRoute("v1", ("far",)), LockedRoute("v2", ("mine",), closed=True)),
    )
    plan = _plan(problem)
    assert [(r.vehicle_id, r.stop_ids) for r in plan.routes] == [
        ("v1", ("far", "b", "a")),
        ("v2", ("mine",)),
    ]
    assert_valid(problem, plan)


def test_a_short_day_goes_without_the_break_a_long_one_takes_it() -> None:
    """The break owed past 6 h of work (10:00-13:00): three stops near the depot leaving at
    07:00 are back at 07:13 without it; one due by 07:30 and one at 15:00 make a long day."""
    brk = Break(Window(10 * HOUR, 13 * HOUR), 1800, after_work_s=6 * HOUR)
    van = Vehicle("v1", (100, 100, 10), shift=Window(7 * HOUR, 17 * HOUR), break_=brk)
    short = line_problem(stop("a", 1), stop("b", 2), stop("c", 3), vehicles=(van,))
    route = _plan(short).routes[0]
    assert (route.start_s, route.end_s) == (7 * HOUR, 7 * HOUR + 780)
    assert (route.break_start_s, route.break_after) == (None, None)
    assert_valid(short, _plan(short))
    early = stop("a", 1, windows=(Window(7 * HOUR, 7 * HOUR + 1800),))
    late = stop("d", 4, windows=(Window(15 * HOUR, 16 * HOUR),))
    long = line_problem(early, stop("b", 2), stop("c", 3), late, vehicles=(van,))
    route = _plan(long).routes[0]
    assert route.stop_ids == ("a", "b", "c", "d")
    assert route.break_start_s is not None
    assert brk.window.contains(route.break_start_s)
    assert_valid(long, _plan(long))


def test_the_same_problem_gives_the_same_plan() -> None:
    """Seed and time limit are ignored: equal problems give equal plans (runtime included)."""
    problem = line_problem(stop("a", 2), stop("b", 1), stop("c", 2))
    assert NEAREST.optimize(problem, time_limit_s=1.0, seed=1) == NEAREST.optimize(
        problem, time_limit_s=9.0, seed=2
    )


def test_progress_is_reported_once_and_cancelling_keeps_the_plan() -> None:
    """The callback sees the final cost; raising Cancelled from it still returns the plan."""
    problem = line_problem(stop("a", 1))
    seen: list[Progress] = []

    def cancel(progress: Progress) -> None:
        seen.append(progress)
        raise Cancelled

    plan = NEAREST.optimize(problem, time_limit_s=1.0, progress=cancel)
    assert [(p.best_cost, p.feasible) for p in seen] == [(plan.cost, True)]
    assert plan.routes[0].stop_ids == ("a",)


@settings(max_examples=80, deadline=None)
@given(problems)
def test_its_plans_always_validate(problem: Problem) -> None:
    """Whatever the random problem, the fake planner's plan passes the validator."""
    assert_valid(problem, _plan(problem))


@settings(max_examples=40, deadline=None)
@given(problems, st.data())
def test_its_plans_keep_locked_prefixes(problem: Problem, data: st.DataObject) -> None:
    """Prefixes of an earlier plan, locked (some closed), come back first and the plan validates."""
    locked = []
    for route in _plan(problem).routes:
        keep = data.draw(st.integers(0, len(route.visits)))
        closed = keep == len(route.visits) and data.draw(st.booleans())
        locked.append(LockedRoute(route.vehicle_id, route.stop_ids[:keep], closed))
    problem = replace(problem, locked=tuple(locked))
    plan = _plan(problem)
    assert_valid(problem, plan)
