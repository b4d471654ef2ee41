"""Schedule arithmetic: windows, loads, breaks, returns and leaving late rather than waiting."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings

from doorstep.planning.plan import Plan, Unassigned
from doorstep.planning.problem import Break, Problem, Vehicle, Window
from doorstep.planning.schedule import (
    NEVER,
    earliest_start,
    latest_start,
    loads,
    over,
    placed,
    plan_cost,
    route_of,
    settle,
    timeline,
)
from doorstep.planning.validation import validate
from tests.planning.factories import DAY, HOUR, line_problem, problems, stop

WINDOWS = (Window(100, 200), Window(300, 400))


def test_earliest_start_is_in_the_first_window_still_open() -> None:
    """Service starts on arrival inside a window, else waits for the next one; None if too late."""
    assert earliest_start(50, WINDOWS) == 100
    assert earliest_start(150, WINDOWS) == 150
    assert earliest_start(250, WINDOWS) == 300
    assert earliest_start(401, WINDOWS) is None
    assert earliest_start(7, ()) == 7


def test_latest_start_is_the_latest_window_point_not_after_the_bound() -> None:
    """The latest start at or before a bound falls in some window, or there is none (NEVER)."""
    assert latest_start(350, WINDOWS) == 350
    assert latest_start(250, WINDOWS) == 200
    assert latest_start(50, WINDOWS) == NEVER
    assert latest_start(9, ()) == 9


def test_loads_carry_deliveries_from_the_depot_and_pickups_to_the_end() -> None:
    """The van leaves with every delivery aboard; pickups accumulate after they are made."""
    problem = line_problem(
        stop("a", 1, delivery=(5, 0, 1)), stop("b", 2, delivery=(), pickup=(2, 3))
    )
    assert loads(problem, problem.stops) == [(5, 0, 1), (0, 0, 0), (2, 3, 0)]
    assert over((5, 3), (5, 2)) == 1
    assert over((5, 2), (5,)) == 1  # a missing capacity dimension holds nothing


def test_a_timeline_waits_for_a_window_and_reports_the_first_miss() -> None:
    """Arrival 100 s after leaving; waits until the window; a closed window is the fault."""
    problem = line_problem(
        stop("a", 1, windows=(Window(9 * HOUR, 10 * HOUR),)),
        stop("b", 2, windows=(Window(8 * HOUR, 8 * HOUR + 60),)),
    )
    timed = timeline(problem, problem.vehicles[0], problem.stops)
    assert timed.arrivals[0] == 8 * HOUR + 100
    assert timed.starts[0] == 9 * HOUR
    assert timed.fault is not None
    assert (timed.fault.kind, timed.fault.stop_index) == ("window", 1)
    assert "after its window @28800-@28860" in timed.fault.limit


def test_the_break_starts_when_the_van_is_free_and_its_window_open() -> None:
    """Free at 08:02:40 with a 12:00-13:00 break: it starts at 12:00 and delays the return."""
    van = Vehicle("v1", (9, 9, 9), shift=DAY, break_=Break(Window(12 * HOUR, 13 * HOUR), 1800))
    problem = line_problem(stop("a", 1), vehicles=(van,))
    timed = timeline(problem, van, problem.stops, break_after=0)
    assert timed.break_start_s == 12 * HOUR
    assert timed.end_s == 12 * HOUR + 1800 + 100
    assert timed.fault is None


def test_a_late_return_is_a_fault_naming_the_limit() -> None:
    """Back after the shift end is a 'return' fault that names the shift end."""
    van = Vehicle("v1", (9, 9, 9), shift=Window(8 * HOUR, 8 * HOUR + 200))
    problem = line_problem(stop("a", 1), vehicles=(van,))
    fault = timeline(problem, van, problem.stops).fault
    assert fault is not None
    assert (fault.kind, fault.at_s) == ("return", 8 * HOUR + 260)
    assert "shift end" in fault.limit


def test_settle_leaves_later_instead_of_waiting() -> None:
    """A first window at 10:00 makes the van leave at 09:58:20, within a 1000 s max duration."""
    van = Vehicle("v1", (9, 9, 9), shift=DAY, max_duration_s=1000)
    problem = line_problem(stop("a", 1, windows=(Window(10 * HOUR, 11 * HOUR),)), vehicles=(van,))
    assert timeline(problem, van, problem.stops).fault is not None
    timed = settle(problem, van, problem.stops)
    assert (timed.leave_s, timed.arrivals[0], timed.fault) == (10 * HOUR - 100, 10 * HOUR, None)


def test_settle_never_pushes_an_earlier_stop_past_its_window() -> None:
    """Leaving later may not absorb a later wait if an earlier window would then be missed."""
    problem = line_problem(
        stop("a", 1, windows=(Window(8 * HOUR, 8 * HOUR + 300),)),
        stop("b", 2, windows=(Window(12 * HOUR, 13 * HOUR),)),
    )
    timed = settle(problem, problem.vehicles[0], problem.stops)
    assert timed.starts[0] == 8 * HOUR + 300  # as late as a's window allows, no later
    assert timed.leave_s == 8 * HOUR + 200
    assert timed.fault is None


def test_placed_puts_the_break_where_the_route_ends_earliest() -> None:
    """With a long wait after the first stop, the break is taken there rather than at the end."""
    van = Vehicle("v1", (9, 9, 9), shift=DAY, break_=Break(Window(11 * HOUR, 14 * HOUR), 1800))
    problem = line_problem(
        stop("a", 1, windows=(Window(11 * HOUR, 12 * HOUR),)),
        stop("b", 2, windows=(Window(13 * HOUR, 14 * HOUR),)),
        vehicles=(van,),
    )
    timed = placed(problem, van, problem.stops)
    assert timed.break_after == 0
    assert timed.end_s == 13 * HOUR + 60 + 200


def test_a_short_route_goes_without_a_break_it_does_not_owe() -> None:
    """Owed only past 6 h of work: three stops near the depot are done by 08:07, no break."""
    brk = Break(Window(11 * HOUR, 14 * HOUR), 1800, after_work_s=6 * HOUR)
    van = Vehicle("v1", (9, 9, 9), shift=Window(7 * HOUR, 17 * HOUR), break_=brk)
    problem = line_problem(stop("a", 1), stop("b", 2), stop("c", 3), vehicles=(van,))
    timed = placed(problem, van, problem.stops)
    assert (timed.break_start_s, timed.break_after, timed.fault) == (None, None, None)
    assert timed.end_s == 7 * HOUR + 3 * 60 + 600


def test_a_route_owing_its_break_takes_it() -> None:
    """Past 6 h of work without the break (a last window at 15:00), the break is placed."""
    brk = Break(Window(11 * HOUR, 14 * HOUR), 1800, after_work_s=6 * HOUR)
    van = Vehicle("v1", (9, 9, 9), shift=Window(7 * HOUR, 17 * HOUR), break_=brk)
    problem = line_problem(
        stop("a", 1, windows=(Window(8 * HOUR, 9 * HOUR),)),
        stop("b", 2, windows=(Window(15 * HOUR, 16 * HOUR),)),
        vehicles=(van,),
    )
    timed = placed(problem, van, problem.stops)
    assert timed.break_after == 0
    assert timed.break_start_s == 11 * HOUR
    assert timed.fault is None
    # At exactly the limit the break is not owed yet: "exceeds" is strict.
    assert not brk.owed(6 * HOUR)
    assert brk.owed(6 * HOUR + 1)
    assert Break(brk.window, 1800).owed(0)  # after_work_s 0: every route owes it


@settings(max_examples=60, deadline=None)
@given(problems)
def test_any_fault_free_sweep_makes_a_valid_route(problem: Problem) -> None:
    """A route built from a sweep without fault passes the validator unless it is overloaded."""
    vehicle = problem.vehicles[0]
    stops = [s for s in problem.stops if s.skills <= vehicle.skills][:4]
    timed = placed(problem, vehicle, stops)
    if not stops or timed.fault is not None:
        return
    route = route_of(problem, vehicle, stops, timed)
    rest = tuple(Unassigned(s.id) for s in problem.stops if s not in stops)
    plan = Plan((route,), rest, plan_cost(problem, [route], rest))
    codes = {v.code for v in validate(replace(problem, locked=()), plan)}
    assert codes <= {"capacity"}
