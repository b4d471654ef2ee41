"""Cheapest insertion of one new stop: cheapest place, frozen visits untouched, plan still valid."""

from __future__ import annotations

from dataclasses import replace
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.planning.insertion import (
    break_fits,
    cheapest_insertion,
    check,
    insert_in_gap,
    route_gaps,
)
from doorstep.planning.nearest import NearestNeighbourOptimizer
from doorstep.planning.plan import Plan, Unassigned
from doorstep.planning.problem import Break, LockedRoute, Problem, Vehicle, Window
from doorstep.planning.schedule import earliest_leave, plan_cost, settle
from doorstep.planning.validation import assert_valid, validate
from tests.planning.factories import (
    DAY,
    HOUR,
    line_problem,
    problems,
    random_problem,
    shapes,
    stop,
)

NEAREST = NearestNeighbourOptimizer()


def _plan(problem: Problem) -> Plan:
    return NEAREST.optimize(problem, time_limit_s=1.0)


def _without(problem: Problem, stop_id: str) -> Problem:
    return replace(problem, stops=tuple(s for s in problem.stops if s.id != stop_id))


def test_a_stop_goes_where_the_detour_is_smallest() -> None:
    """On a line a, c the new stop b between them costs no extra metres, so it goes there."""
    problem = line_problem(stop("a", 1), stop("c", 3), stop("b", 2))
    plan = cheapest_insertion(problem, _plan(_without(problem, "b")), "b")
    assert plan.routes[0].stop_ids == ("a", "b", "c")
    assert_valid(problem, plan)


def test_frozen_visits_keep_their_place_and_times() -> None:
    """With both visits frozen the new stop can only follow them; their times do not move."""
    problem = line_problem(stop("a", 1), stop("c", 3), stop("b", 2))
    before = _plan(_without(problem, "b"))
    after = cheapest_insertion(problem, before, "b", frozen={"v1": 2})
    assert after.routes[0].stop_ids == ("a", "c", "b")
    times = [(v.arrival_s, v.start_s, v.departure_s) for v in after.routes[0].visits[:2]]
    assert times == [(v.arrival_s, v.start_s, v.departure_s) for v in before.routes[0].visits]
    assert_valid(problem, after)


def test_a_closed_locked_route_takes_nothing_and_a_free_vehicle_is_used() -> None:
    """v1 is closed after its locked stop, so the new stop starts a route on unused v2."""
    vans = (Vehicle("v1", (100, 100, 10), shift=DAY), Vehicle("v2", (100, 100, 10), shift=DAY))
    problem = line_problem(
        stop("a", 1),
        stop("b", 2),
        vehicles=vans,
        locked=(LockedRoute("v1", ("a",), closed=True),),
    )
    before = _plan(_without(problem, "b"))
    after = cheapest_insertion(problem, before, "b")
    assert [(r.vehicle_id, r.stop_ids) for r in after.routes] == [("v1", ("a",)), ("v2", ("b",))]
    assert after.routes[0] == before.routes[0]
    assert_valid(problem, after)


def test_a_stop_that_fits_nowhere_is_listed_unassigned_once() -> None:
    """A window that closed before any van can arrive leaves the stop unassigned, listed once."""
    late = stop("late", 2, windows=(Window(8 * HOUR, 8 * HOUR + 10),))
    problem = line_problem(stop("a", 1), late)
    plan = _plan(problem)
    assert [u.stop_id for u in plan.unassigned] == ["late"]
    again = cheapest_insertion(problem, plan, "late")
    assert again.unassigned == (Unassigned("late"),)
    assert again.routes == plan.routes
    assert_valid(problem, again)


def test_a_stop_already_on_a_route_is_refused() -> None:
    """Inserting a served stop is a caller's mistake, not a second visit."""
    problem = line_problem(stop("a", 1))
    with pytest.raises(ValueError, match="already on a route"):
        cheapest_insertion(problem, _plan(problem), "a")


def test_a_stop_can_go_before_the_break_that_follows_it() -> None:
    """A stop whose window closes before the break window opens is served before the break."""
    van = Vehicle("v1", (100, 100, 10), shift=DAY, break_=Break(Window(12 * HOUR, 13 * HOUR), 1800))
    problem = line_problem(
        stop("a", 1, windows=(Window(11 * HOUR, 12 * HOUR),)),
        stop("b", 2, windows=(Window(13 * HOUR, 14 * HOUR),)),
        stop("c", 3, windows=(Window(11 * HOUR, 12 * HOUR),)),
        vehicles=(van,),
    )
    before = _plan(_without(problem, "c"))
    assert before.routes[0].break_after == 0
    after = cheapest_insertion(problem, before, "c")
    assert after.routes[0].stop_ids == ("a", "c", "b")
    assert after.routes[0].break_after == 1
    assert_valid(problem, after)


def test_a_stop_that_makes_a_short_route_owe_its_break_adds_the_break() -> None:
    """A route done by 07:32 goes without the break owed past 6 h; a stop due at 15:00 makes
    it long, so it gets the break in its window, frozen first visit or not."""
    brk = Break(Window(10 * HOUR, 13 * HOUR), 1800, after_work_s=6 * HOUR)
    van = Vehicle("v1", (100, 100, 10), shift=Window(7 * HOUR, 17 * HOUR), break_=brk)
    problem = line_problem(
        stop("a", 1, windows=(Window(7 * HOUR, 7 * HOUR + 1800),)),
        stop("late", 2, windows=(Window(15 * HOUR, 16 * HOUR),)),
        vehicles=(van,),
    )
    before = _plan(_without(problem, "late"))
    assert before.routes[0].break_start_s is None
    for frozen in (0, 1):
        after = cheapest_insertion(problem, before, "late", frozen={"v1": frozen})
        route = after.routes[0]
        assert route.stop_ids == ("a", "late")
        assert route.break_start_s is not None
        assert brk.window.contains(route.break_start_s)
        assert_valid(problem, after)


@settings(max_examples=120, deadline=None)
@given(problems, st.data())
def test_inserting_one_new_order_never_changes_a_completed_or_locked_stop(
    problem: Problem, data: st.DataObject
) -> None:
    """Acceptance: frozen and locked visits keep vehicle, index and times; the plan validates."""
    new = problem.stops[-1]
    plan = _plan(_without(problem, new.id))
    locked, frozen = [], {}
    for route in plan.routes:
        keep = data.draw(st.integers(0, len(route.visits)), label=f"locked on {route.vehicle_id}")
        closed = keep == len(route.visits) and data.draw(st.booleans())
        locked.append(LockedRoute(route.vehicle_id, route.stop_ids[:keep], closed))
        frozen[route.vehicle_id] = data.draw(st.integers(keep, len(route.visits)), label="frozen")
    problem = replace(problem, locked=tuple(locked))
    after = cheapest_insertion(problem, plan, new.id, frozen=frozen)
    for route in plan.routes:
        kept = next(r for r in after.routes if r.vehicle_id == route.vehicle_id)
        n = len(route.visits) if _closed(problem, route.vehicle_id) else frozen[route.vehicle_id]
        for old, now in zip(route.visits[:n], kept.visits[:n], strict=True):
            assert (now.stop_id, now.arrival_s, now.start_s, now.departure_s) == (
                old.stop_id,
                old.arrival_s,
                old.start_s,
                old.departure_s,
            )
        if _closed(problem, route.vehicle_id):
            assert kept.stop_ids == route.stop_ids
    assert_valid(problem, after)


def _closed(problem: Problem, vehicle_id: str) -> bool:
    return any(lock.closed for lock in problem.locked if lock.vehicle_id == vehicle_id)


@settings(max_examples=60, deadline=None)
@given(problems, st.integers(0, 3))
def test_the_constant_time_check_agrees_with_simulating_each_place(
    problem: Problem, frozen: int
) -> None:
    """Per gap the O(1) verdict equals 'the simulated route validates' (max duration and
    owed breaks aside)."""
    # The allowed differences, as the insertion module's docstring says: a route with nothing
    # frozen and a max duration, or one without its vehicle's break (the new stop may make it
    # owed), may pass the O(1) test and still fail once simulated.
    new = problem.stops[-1]
    plan = _plan(_without(problem, new.id))
    for index, route in enumerate(plan.routes):
        if not new.skills <= problem.vehicle(route.vehicle_id).skills:
            continue  # survey() never offers such a route
        first = min(frozen, len(route.visits))
        gaps = route_gaps(problem, plan, index, first)
        verdict = check(problem, gaps, new)
        for g in range(len(gaps.insert_at)):
            made = insert_in_gap(problem, plan, gaps, g, new)
            routes = (*plan.routes[:index], made, *plan.routes[index + 1 :])
            valid = made is not None and not validate(
                problem,
                replace(plan, routes=routes, cost=plan_cost(problem, routes, plan.unassigned)),
            )
            promised = bool(verdict.in_time[g] and verdict.fits[g])
            loose = first == 0 and gaps.vehicle.max_duration_s is not None
            loose |= gaps.break_after is None and gaps.vehicle.break_ is not None
            assert valid == promised or (loose and promised and not valid)


# Days whose vehicles mostly have breaks, with enough stops for a break to be hard to place.
with_breaks = st.builds(
    random_problem,
    st.integers(0, 2**32 - 1),
    shapes(most_stops=12).map(lambda shape: replace(shape, breaks=True)),
)


@settings(max_examples=150, deadline=None)
@given(with_breaks, st.data())
def test_the_linear_break_test_agrees_with_trying_every_place(
    problem: Problem, data: st.DataObject
) -> None:
    """``break_fits`` says exactly whether some place for the break keeps the sequence on
    time (without a max duration; with one it may only say yes where no place works)."""
    for vehicle in problem.vehicles:
        if vehicle.break_ is None:
            continue
        count = data.draw(st.integers(0, len(problem.stops)), label="stops")
        chosen = data.draw(st.permutations(problem.stops), label="order")[:count]
        # In window order, so that some sequences are on time and the test is not all "no".
        stops = sorted(chosen, key=lambda s: min((w.start_s for w in s.windows), default=0))
        fits = break_fits(problem, vehicle, stops, earliest_leave(problem, vehicle), None)
        tried = any(
            settle(problem, vehicle, stops, break_after=b).fault is None
            for b in range(-1, len(stops))
        )
        if vehicle.max_duration_s is None:
            assert fits == tried
        else:
            assert fits or not tried


@settings(max_examples=100, deadline=None)
@given(with_breaks, st.integers(0, 3))
def test_the_linear_break_test_changes_no_insertion(problem: Problem, frozen: int) -> None:
    """Every gap's inserted route is the one the full search for the break's place gives."""
    new = problem.stops[-1]
    plan = _plan(_without(problem, new.id))
    for index, route in enumerate(plan.routes):
        gaps = route_gaps(problem, plan, index, min(frozen, len(route.visits)))
        for g in range(len(gaps.insert_at)):
            fast = insert_in_gap(problem, plan, gaps, g, new)
            with patch("doorstep.planning.insertion.break_fits", return_value=True):
                assert insert_in_gap(problem, plan, gaps, g, new) == fast


def _lunch_day(b_window: Window) -> tuple[Problem, Vehicle]:
    """A van 08:00-18:00 owing a 30 min break to start 12:00-12:20; stop a 1 km out (100 s
    away) open 11:00-12:00, stop b 2 km out with ``b_window``; 60 s service each."""
    brk = Break(Window(12 * HOUR, 12 * HOUR + 1200), 1800)
    van = Vehicle("v1", (100, 100, 10), shift=DAY, break_=brk)
    problem = line_problem(
        stop("a", 1, windows=(Window(11 * HOUR, 12 * HOUR),)),
        stop("b", 2, windows=(b_window,)),
        vehicles=(van,),
    )
    return problem, van


def _places(problem: Problem, van: Vehicle) -> list[bool]:
    """Per place of the break (before a, after a, after b): whether the route is on time."""
    stops = list(problem.stops)
    return [settle(problem, van, stops, break_after=b).fault is None for b in (-1, 0, 1)]


def test_the_break_fits_when_only_one_place_works() -> None:
    """b open 12:31:00-12:31:40. Before a: the break waits for 12:00 and a is reached at
    12:31:40, past 12:00. After a (served 11:00-11:01): break 12:00-12:30, b reached at
    12:31:40, the last second of its window. After b: b is served from 12:31, so the break
    would start at 12:32, past 12:20."""
    problem, van = _lunch_day(Window(12 * HOUR + 31 * 60, 12 * HOUR + 31 * 60 + 40))
    assert _places(problem, van) == [False, True, False]
    assert break_fits(problem, van, list(problem.stops), 8 * HOUR, None)


def test_the_break_fits_nowhere_when_each_place_breaks_a_window() -> None:
    """b open 12:25-12:29: after a the break ends 12:30, too late for b; after b (served
    12:25-12:26) it would start at 12:26, past 12:20; before a, a is missed as above."""
    problem, van = _lunch_day(Window(12 * HOUR + 25 * 60, 12 * HOUR + 29 * 60))
    assert _places(problem, van) == [False, False, False]
    assert not break_fits(problem, van, list(problem.stops), 8 * HOUR, None)


def test_the_break_fits_nowhere_after_a_stop_already_missed() -> None:
    """a open only 08:00-08:01 is reached at 08:01:40 from the depot: late wherever the break
    goes, though b alone and the break would fit."""
    problem, van = _lunch_day(Window(14 * HOUR, 15 * HOUR))
    problem = replace(
        problem, stops=(stop("a", 1, windows=(Window(8 * HOUR, 8 * HOUR + 60),)), problem.stops[1])
    )
    assert _places(problem, van) == [False, False, False]
    assert not break_fits(problem, van, list(problem.stops), 8 * HOUR, None)
    assert break_fits(problem, van, [problem.stops[1]], 8 * HOUR, None)
