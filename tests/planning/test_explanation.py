"""The explainer: a reason for every left-out stop, each code reachable, bindings by rule."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings

from doorstep.planning.explanation import binding, explain
from doorstep.planning.insertion import cheapest_insertion
from doorstep.planning.nearest import NearestNeighbourOptimizer
from doorstep.planning.plan import Binding, Plan, ReasonCode, Unassigned
from doorstep.planning.problem import Problem, Stop, Vehicle, Window
from doorstep.planning.schedule import plan_cost
from tests.planning.factories import DAY, HOUR, line_problem, problems, stop

NEAREST = NearestNeighbourOptimizer()


def _explained(problem: Problem) -> Plan:
    return explain(problem, NEAREST.optimize(problem, time_limit_s=1.0))


def _reason(plan: Plan, stop_id: str) -> tuple[ReasonCode, str]:
    entry = next(u for u in plan.unassigned if u.stop_id == stop_id)
    assert entry.reason is not None
    return entry.reason.code, entry.reason.message


def _left_out(problem: Problem, extra: Stop) -> Plan:
    """The plan of ``problem`` without ``extra``, then ``extra`` listed as left out."""
    base = replace(problem, stops=tuple(s for s in problem.stops if s.id != extra.id))
    plan = NEAREST.optimize(base, time_limit_s=1.0)
    unassigned = (*plan.unassigned, Unassigned(extra.id))
    return replace(plan, unassigned=unassigned, cost=plan_cost(problem, plan.routes, unassigned))


def test_no_skill_names_the_missing_skills() -> None:
    """A stop needing a skill no vehicle has is NO_SKILL, naming the skill."""
    problem = line_problem(stop("cold", 1, skills=frozenset({"fridge"})))
    code, message = _reason(_explained(problem), "cold")
    assert code == ReasonCode.NO_SKILL
    assert "fridge" in message
    assert "v1" in message


def test_too_big_names_the_dimension_and_numbers() -> None:
    """A stop heavier than every able vehicle's capacity is TOO_BIG, with both numbers."""
    problem = line_problem(stop("piano", 1, delivery=(500, 1, 1)))
    code, message = _reason(_explained(problem), "piano")
    assert code == ReasonCode.TOO_BIG
    assert "weight_g 500" in message
    assert "holds 100" in message


def test_window_unreachable_names_the_earliest_arrival_and_window() -> None:
    """A window closing before the van can get there is WINDOW_UNREACHABLE, with the numbers."""
    problem = line_problem(stop("early", 5, windows=(Window(8 * HOUR, 8 * HOUR + 60),)))
    code, message = _reason(_explained(problem), "early")
    assert code == ReasonCode.WINDOW_UNREACHABLE
    assert f"arrives at {8 * HOUR + 500} s" in message
    assert "window 28800 s-28860 s" in message


def test_capacity_full_when_it_fits_in_time_but_not_in_the_van() -> None:
    """Two 6-parcel stops and a 10-parcel van: the second is CAPACITY_FULL, with the overload."""
    van = Vehicle("v1", (100, 100, 10), shift=DAY)
    problem = line_problem(
        stop("a", 1, delivery=(0, 0, 6)), stop("b", 2, delivery=(0, 0, 6)), vehicles=(van,)
    )
    code, message = _reason(_explained(problem), "b")
    assert code == ReasonCode.CAPACITY_FULL
    assert "parcels 12 of 10" in message


def test_shifts_full_when_no_route_has_time_left() -> None:
    """A one-hour shift holding one 50-minute stop leaves the second SHIFTS_FULL."""
    van = Vehicle("v1", (100, 100, 10), shift=Window(8 * HOUR, 9 * HOUR))
    problem = line_problem(
        stop("a", 1, service_s=3000), stop("b", 2, service_s=3000), vehicles=(van,)
    )
    code, message = _reason(_explained(problem), "b")
    assert code == ReasonCode.SHIFTS_FULL
    assert "no route has time" in message


def test_optional_dropped_when_serving_costs_more_than_the_penalty() -> None:
    """An optional stop 10 km out with penalty 5 costs more to serve: OPTIONAL_DROPPED."""
    far = stop("far", 10, required=False, penalty=5)
    problem = line_problem(stop("a", 1), far)
    code, message = _reason(explain(problem, _left_out(problem, far)), "far")
    assert code == ReasonCode.OPTIONAL_DROPPED
    assert "would cost 18000" in message
    assert "penalty 5" in message


def test_a_required_stop_the_planner_missed_says_where_it_fits() -> None:
    """A required stop that fits is SHIFTS_FULL with the place the planner should have used."""
    missed = stop("b", 2)
    problem = line_problem(stop("a", 1), missed)
    code, message = _reason(explain(problem, _left_out(problem, missed)), "b")
    assert code == ReasonCode.SHIFTS_FULL
    assert "fits on vehicle v1" in message
    assert "for 2000 more" in message
    assert "the planner left it out" in message


def test_every_reason_code_is_reachable() -> None:
    """The tests above between them produce each ReasonCode (kept in step with the enum)."""
    produced = {
        ReasonCode.NO_SKILL,
        ReasonCode.TOO_BIG,
        ReasonCode.WINDOW_UNREACHABLE,
        ReasonCode.CAPACITY_FULL,
        ReasonCode.SHIFTS_FULL,
        ReasonCode.OPTIONAL_DROPPED,
    }
    assert produced == set(ReasonCode)


def test_a_route_near_its_capacity_is_bound_by_capacity() -> None:
    """Peak load at 95 % of a dimension binds the route by CAPACITY."""
    van = Vehicle("v1", (100, 100, 20), shift=DAY)
    problem = line_problem(stop("a", 1, delivery=(0, 0, 19)), vehicles=(van,))
    assert binding(problem, _explained(problem).routes[0]) == Binding.CAPACITY


def test_a_route_filling_its_shift_is_bound_by_the_shift() -> None:
    """A route using 95 % of the time the shift gives it is bound by SHIFT."""
    van = Vehicle("v1", (100, 100, 10), shift=Window(8 * HOUR, 9 * HOUR))
    problem = line_problem(stop("a", 1, service_s=3400), vehicles=(van,))
    assert _explained(problem).routes[0].binding == Binding.SHIFT


def test_a_visit_at_the_end_of_its_window_binds_by_windows() -> None:
    """A visit starting within 5 minutes of its window's end binds the route by WINDOWS."""
    problem = line_problem(stop("a", 1, windows=(Window(8 * HOUR, 8 * HOUR + 300),)))
    assert _explained(problem).routes[0].binding == Binding.WINDOWS


def test_an_easy_route_binds_nothing() -> None:
    """A light, short route with open windows has binding NONE."""
    problem = line_problem(stop("a", 1))
    assert _explained(problem).routes[0].binding == Binding.NONE


@settings(max_examples=60, deadline=None)
@given(problems)
def test_every_unassigned_stop_gets_a_reason(problem: Problem) -> None:
    """On any random plan each left-out stop gets a reason; routes keep stops and times."""
    plan = NEAREST.optimize(problem, time_limit_s=1.0)
    explained = explain(problem, plan)
    assert all(u.reason is not None and u.reason.message for u in explained.unassigned)
    assert [u.stop_id for u in explained.unassigned] == [u.stop_id for u in plan.unassigned]
    assert [replace(r, binding=Binding.NONE) for r in explained.routes] == [
        replace(r, binding=Binding.NONE) for r in plan.routes
    ]


@settings(max_examples=40, deadline=None)
@given(problems)
def test_a_stop_blamed_on_a_constraint_cannot_be_inserted(problem: Problem) -> None:
    """Unless the reason says the planner missed it, cheapest insertion finds no place either."""
    plan = NEAREST.optimize(problem, time_limit_s=1.0)
    for entry in explain(problem, plan).unassigned:
        assert entry.reason is not None
        missed = "left it out" in entry.reason.message
        cheap = entry.reason.code == ReasonCode.OPTIONAL_DROPPED
        placed = cheapest_insertion(problem, plan, entry.stop_id).route_of(entry.stop_id)
        assert (placed is not None) == (missed or cheap)


def test_a_window_after_every_shift_says_so_plainly() -> None:
    """A 19:00-20:00 window for vans back by 18:00 is explained by the hours, not the drive."""
    problem = line_problem(stop("evening", 1, windows=(Window(19 * HOUR, 20 * HOUR),)))
    code, message = _reason(_explained(problem), "evening")
    assert code == ReasonCode.WINDOW_UNREACHABLE
    assert "window 68400 s-72000 s" in message
    assert "must be back by 64800 s (the latest: the shift end 64800 s)" in message


def test_a_window_before_any_van_leaves_says_so_plainly() -> None:
    """A 06:00-07:00 window for vans leaving at 08:00 is explained by the hours."""
    problem = line_problem(stop("dawn", 1, windows=(Window(6 * HOUR, 7 * HOUR),)))
    code, message = _reason(_explained(problem), "dawn")
    assert code == ReasonCode.WINDOW_UNREACHABLE
    assert "before any able vehicle can leave (the first at 28800 s)" in message
