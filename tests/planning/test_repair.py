"""Stops a solver left out go back in when they fit and are worth it, never otherwise."""

from __future__ import annotations

from dataclasses import replace

from doorstep.planning.nearest import NearestNeighbourOptimizer
from doorstep.planning.plan import Plan, Unassigned
from doorstep.planning.problem import Problem
from doorstep.planning.repair import put_back
from doorstep.planning.schedule import plan_cost
from doorstep.planning.validation import assert_valid
from tests.planning.factories import line_problem, stop


def _left_out(problem: Problem, stop_id: str) -> Plan:
    """The plan a solver might give: every stop but ``stop_id`` planned, that one listed out."""
    others = replace(problem, stops=tuple(s for s in problem.stops if s.id != stop_id))
    planned = NearestNeighbourOptimizer().optimize(others, time_limit_s=1)
    unassigned = (*planned.unassigned, Unassigned(stop_id))
    plan = Plan(planned.routes, unassigned)
    return replace(plan, cost=plan_cost(problem, plan.routes, unassigned))


def test_a_stop_that_fits_and_pays_off_goes_back_in() -> None:
    """An optional stop next to the route, worth more than its detour, is served again."""
    problem = line_problem(stop("a", 1), stop("b", 2, required=False, penalty=1_000_000))
    left = _left_out(problem, "b")
    assert_valid(problem, left)
    repaired = put_back(problem, left)
    assert_valid(problem, repaired)
    assert repaired.cost < left.cost
    assert repaired.unassigned == ()
    assert "b" in repaired.routes[0].stop_ids


def test_a_stop_worth_less_than_its_detour_stays_out() -> None:
    """An optional stop whose penalty is below its detour's cost is not forced in."""
    problem = line_problem(stop("a", 1), stop("far", 9, required=False, penalty=10))
    repaired = put_back(problem, _left_out(problem, "far"))
    assert [u.stop_id for u in repaired.unassigned] == ["far"]


def test_a_stop_that_does_not_fit_stays_out() -> None:
    """A required stop too big for the van is still listed out, and the plan stays valid."""
    problem = line_problem(stop("a", 1), stop("huge", 2, delivery=(1000, 1, 1)))
    first = NearestNeighbourOptimizer().optimize(problem, time_limit_s=1)
    repaired = put_back(problem, first)
    assert_valid(problem, repaired)
    assert [u.stop_id for u in repaired.unassigned] == ["huge"]
