"""Improving a route on the road after its history: pickups move, deliveries only if allowed."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.planning.insertion import retimed
from doorstep.planning.nearest import NearestNeighbourOptimizer
from doorstep.planning.plan import Plan, Route
from doorstep.planning.problem import LockedRoute, Problem
from doorstep.planning.schedule import plan_cost
from doorstep.planning.tails import improve_tail
from doorstep.planning.validation import assert_valid
from tests.planning.factories import line_problem, problems, stop

PICKUP = {"delivery": (), "pickup": (1, 1, 1)}


def _route(problem: Problem, *stop_ids: str) -> Route:
    """The van driving ``stop_ids`` in this order (locked, so the planner keeps it)."""
    locked = replace(problem, locked=(LockedRoute("v1", stop_ids, closed=True),))
    (route,) = NearestNeighbourOptimizer().optimize(locked, time_limit_s=1).routes
    assert route.stop_ids == stop_ids
    return route


def _times(route: Route, count: int) -> list[tuple[str, int, int, int]]:
    return [(v.stop_id, v.arrival_s, v.start_s, v.departure_s) for v in route.visits[:count]]


def test_a_pickup_out_of_the_way_moves_and_the_deliveries_keep_their_order() -> None:
    problem = line_problem(stop("a", 1), stop("p", 5, **PICKUP), stop("b", 2), stop("c", 3))
    route = _route(problem, "a", "p", "b", "c")
    better = improve_tail(problem, route, 1)
    assert [s for s in better.stop_ids if s != "p"] == ["a", "b", "c"]
    assert better.stop_ids.index("p") > 1  # no longer the detour out and back before b
    assert better.cost < route.cost
    assert _times(better, 1) == _times(route, 1)
    assert_valid(problem, Plan((better,), cost=better.cost))


def test_loaded_deliveries_are_reordered_only_when_allowed() -> None:
    problem = line_problem(stop("b", 2), stop("a", 1), stop("c", 3))
    route = _route(problem, "b", "a", "c")
    assert improve_tail(problem, route, 0) == route
    allowed = improve_tail(problem, route, 0, reorder_loaded=True)
    assert allowed.stop_ids == ("a", "b", "c")
    assert allowed.cost < route.cost


@settings(max_examples=60, deadline=None)
@given(problems, st.data(), st.booleans())
def test_a_tail_never_costs_more_breaks_a_rule_or_changes_history(
    problem: Problem, data: st.DataObject, reorder: bool
) -> None:
    plan = NearestNeighbourOptimizer().optimize(problem, time_limit_s=1)
    routes = []
    for route in plan.routes:
        first = data.draw(st.integers(0, len(route.visits)), label=f"history of {route.vehicle_id}")
        # Plans of the fake planner settle each route; improving starts from the same timing.
        stops = [problem.stop(s) for s in route.stop_ids]
        start = retimed(problem, route, stops, first)
        better = improve_tail(problem, start, first, reorder_loaded=reorder, time_limit_s=0.2)
        assert better.cost <= start.cost
        assert _times(better, first) == _times(start, first)
        if not reorder:
            deliveries = [s for s in start.stop_ids if any(problem.stop(s).delivery)]
            assert [s for s in better.stop_ids if s in deliveries] == deliveries
        routes.append(better)
    improved = replace(plan, routes=tuple(routes))
    assert_valid(problem, replace(improved, cost=plan_cost(problem, routes, plan.unassigned)))
