"""An order taken out of the day (moved to another one): its stop leaves problem and plan."""

from __future__ import annotations

import pytest

from doorstep.planning.live import Underway, remove_stops
from doorstep.planning.nearest import NearestNeighbourOptimizer
from doorstep.planning.plan import Plan, Unassigned, Visit
from doorstep.planning.problem import LockedRoute, Problem
from doorstep.planning.validation import assert_valid
from tests.planning.factories import line_problem, stop

NEAREST = NearestNeighbourOptimizer()


def _plan(problem: Problem) -> Plan:
    return NEAREST.optimize(problem, time_limit_s=1.0)


def _times(visit: Visit) -> tuple[int, int, int]:
    return visit.arrival_s, visit.start_s, visit.departure_s


def test_before_the_van_leaves_the_rest_run_earlier_in_the_same_order() -> None:
    problem = line_problem(stop("a", 1), stop("b", 2), stop("c", 3))
    plan = _plan(problem)
    (route,) = plan.routes
    assert route.stop_ids == ("a", "b", "c")
    changed = remove_stops(problem, plan, ["b"], Underway(route.start_s - 1))
    assert [s.id for s in changed.problem.stops] == ["a", "c"]
    (after,) = changed.plan.routes
    assert after.stop_ids == ("a", "c")
    assert _times(after.visits[0]) == _times(route.visits[0])  # nothing before b moves
    assert after.visits[0].load_after == (1, 1, 1)  # it set out with one parcel fewer
    assert after.visits[1].arrival_s < route.visits[2].arrival_s  # c comes sooner
    assert changed.affected == (route.vehicle_id,)
    # b lies on the way to c: the van still drives 0 -> 3 km and back, only b's service goes.
    assert (plan.cost, changed.plan.cost) == (6000, 6000)
    assert_valid(changed.problem, changed.plan)


def test_a_stop_the_clock_has_passed_may_go_and_the_visits_before_it_keep_their_times() -> None:
    """The parcel is at the station whatever the plan's clock says: the stop still leaves."""
    problem = line_problem(stop("a", 1), stop("b", 2), stop("c", 3))
    plan = _plan(problem)
    (route,) = plan.routes
    now = route.visits[1].start_s + 1  # by the clock b is being served
    changed = remove_stops(problem, plan, ["b"], Underway(now))
    (after,) = changed.plan.routes
    assert after.stop_ids == ("a", "c")
    assert _times(after.visits[0]) == _times(route.visits[0])
    assert_valid(changed.problem, changed.plan)


def test_a_left_out_or_locked_stop_leaves_every_list_and_an_empty_route_goes() -> None:
    problem = line_problem(stop("a", 1), stop("b", 2))
    plan = _plan(problem)
    (route,) = plan.routes
    locked = LockedRoute(route.vehicle_id, ("a",))
    problem = line_problem(stop("a", 1), stop("b", 2), stop("x", 9), locked=(locked,))
    plan = Plan(plan.routes, (Unassigned("x"),), plan.cost)
    changed = remove_stops(problem, plan, ["a", "x"], Underway(0))
    assert changed.plan.unassigned == ()
    assert changed.problem.locked == (LockedRoute(route.vehicle_id, ()),)
    assert [r.stop_ids for r in changed.plan.routes] == [("b",)]
    gone = remove_stops(changed.problem, changed.plan, ["b"], Underway(0))
    assert gone.plan.routes == ()
    assert gone.problem.stops == ()


def test_an_unknown_stop_is_refused() -> None:
    problem = line_problem(stop("a", 1))
    with pytest.raises(ValueError, match="nope is not a stop of this plan"):
        remove_stops(problem, _plan(problem), ["nope"], Underway(0))
