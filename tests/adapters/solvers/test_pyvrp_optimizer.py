"""PyVRPOptimizer end to end on tiny hand-made problems, checked against the matrices."""

from __future__ import annotations

import inspect

import pytest

from doorstep.adapters.solvers.pyvrp_optimizer import PyVRPOptimizer
from doorstep.planning.optimizer import Cancelled, Progress, RouteOptimizer
from doorstep.planning.plan import Plan, Route, Visit
from doorstep.planning.problem import (
    Break,
    Depot,
    LockedRoute,
    Problem,
    Stop,
    Travel,
    Vehicle,
    Window,
    square,
)
from doorstep.planning.validation import validate

LIMIT_S = 0.2


def line(*xs: int) -> Travel:
    """Places on a line: travel time and distance are both the gap between positions."""
    matrix = square([[abs(a - b) for b in xs] for a in xs])
    return Travel(matrix, matrix)


def problem(
    stops: tuple[Stop, ...],
    vehicles: tuple[Vehicle, ...] = (Vehicle("v", (10,)),),
    locked: tuple[LockedRoute, ...] = (),
) -> Problem:
    """One depot at location 0 of ``line(0, 10, 20, 30, 40)``; one load dimension."""
    matrices = {"van": line(0, 10, 20, 30, 40)}
    return Problem((Depot("d", 0),), vehicles, stops, matrices, ("parcels",), locked=locked)


def solve(p: Problem, **options: object) -> Plan:
    plan = PyVRPOptimizer().optimize(p, time_limit_s=LIMIT_S, **options)  # type: ignore[arg-type]
    check(p, plan)
    return plan


def check(p: Problem, plan: Plan) -> None:
    """Recompute every route from the matrices, independently of PyVRP and of the adapter."""
    served = [stop_id for route in plan.routes for stop_id in route.stop_ids]
    left = [entry.stop_id for entry in plan.unassigned]
    assert sorted(served + left) == sorted(s.id for s in p.stops)
    for route in plan.routes:
        _check_route(p, route)
    penalties = sum(p.stop(i).penalty for i in left if not p.stop(i).required)
    assert plan.cost == sum(r.cost for r in plan.routes) + penalties
    assert plan.solver == "pyvrp 0.14"


def _check_route(p: Problem, route: Route) -> None:
    vehicle = p.vehicle(route.vehicle_id)
    travel, brk = p.travel(vehicle), vehicle.break_
    here, free, metres = p.depots[vehicle.start_depot].location, route.start_s, 0
    load = [sum(p.stop(v.stop_id).delivery[0] for v in route.visits if p.stop(v.stop_id).delivery)]
    assert route.visits
    assert list(route.load_at_start) == load
    if route.break_after == -1:
        assert brk is not None
        assert route.break_start_s is not None
        free = route.break_start_s + brk.duration_s
    for index, visit in enumerate(route.visits):
        free, here, metres = _check_visit(p, vehicle, visit, free, here, metres, load)
        if route.break_after == index:
            assert brk is not None
            assert route.break_start_s is not None
            assert route.break_start_s >= free
            free = route.break_start_s + brk.duration_s
    if brk is not None and route.break_start_s is None:
        assert not brk.owed(route.duration_s)  # short enough to go without it
    elif brk is not None:
        assert route.break_start_s is not None
        assert brk.window.contains(route.break_start_s)
    home = p.depots[vehicle.end_depot].location
    assert route.end_s == free + int(travel.durations_s[here, home])
    assert route.distance_m == metres + int(travel.distances_m[here, home])
    assert vehicle.shift.start_s <= route.start_s
    assert route.end_s <= vehicle.shift.end_s
    assert vehicle.max_duration_s is None or route.duration_s <= vehicle.max_duration_s
    expected = vehicle.fixed_cost + vehicle.cost_per_m * route.distance_m
    assert route.cost == expected + vehicle.cost_per_s * route.duration_s


def _check_visit(
    p: Problem, vehicle: Vehicle, visit: Visit, free: int, here: int, metres: int, load: list[int]
) -> tuple[int, int, int]:
    stop, travel = p.stop(visit.stop_id), p.travel(vehicle)
    assert visit.arrival_s == free + int(travel.durations_s[here, stop.location])
    assert visit.distance_from_previous_m == int(travel.distances_m[here, stop.location])
    assert visit.start_s >= visit.arrival_s
    assert not stop.windows or any(w.contains(visit.start_s) for w in stop.windows)
    assert visit.departure_s == visit.start_s + stop.service_s
    assert stop.skills <= vehicle.skills
    load[0] += (stop.pickup or (0,))[0] - (stop.delivery or (0,))[0]
    assert list(visit.load_after) == load
    assert load[0] <= (vehicle.capacity or (0,))[0]
    return visit.departure_s, stop.location, metres + visit.distance_from_previous_m


def test_optimizer_implements_the_protocol() -> None:
    """PyVRPOptimizer.optimize has exactly the RouteOptimizer signature."""
    optimizer: RouteOptimizer = PyVRPOptimizer()
    ours = inspect.signature(optimizer.optimize)
    theirs = inspect.signature(RouteOptimizer.optimize)
    assert list(ours.parameters.values()) == list(theirs.parameters.values())[1:]


def test_schedule_follows_the_matrices_with_windows_and_service() -> None:
    """Times come from the matrices: arrival = departure + travel, waiting up to the window."""
    stops = (
        Stop("a", 1, service_s=7, windows=(Window(100, 150),), delivery=(2,)),
        Stop("b", 3, service_s=3, delivery=(1,), pickup=(4,)),
        Stop("c", 4, service_s=5, windows=(Window(0, 400),)),
    )
    plan = solve(problem(stops))
    assert len(plan.routes) == 1
    assert plan.unassigned == ()
    assert plan.solver == "pyvrp 0.14"
    assert plan.runtime_s > 0


def test_van_leaves_late_rather_than_wait_at_its_first_stop() -> None:
    """The depot departure is trimmed: no waiting at the first stop when leaving later avoids it."""
    plan = solve(problem((Stop("a", 2, windows=(Window(500, 600),)),)))
    route = plan.routes[0]
    assert (route.start_s, route.visits[0].arrival_s, route.visits[0].wait_s) == (480, 500, 0)


def test_stop_with_two_windows_is_served_once_in_one_of_them() -> None:
    """Window alternatives: the stop appears once, starting inside the window it can reach."""
    stops = (Stop("a", 3, windows=(Window(0, 10), Window(200, 300))),)
    plan = solve(problem(stops))
    assert plan.routes[0].stop_ids == ("a",)
    assert plan.routes[0].visits[0].start_s == 200


def test_skilled_stop_goes_to_the_vehicle_with_the_skill() -> None:
    """A stop needing a skill is served only by a vehicle that has it, even at a higher cost."""
    stops = (Stop("cold", 1, skills=frozenset({"fridge"})), Stop("plain", 2))
    vehicles = (
        Vehicle("cheap", (10,)),
        Vehicle("fridge", (10,), fixed_cost=1000, skills=frozenset({"fridge"})),
    )
    plan = solve(problem(stops, vehicles))
    route = plan.route_of("cold")
    assert route is not None
    assert route.vehicle_id == "fridge"


def test_stop_no_vehicle_has_the_skills_for_is_unassigned() -> None:
    """Nobody may serve it: the stop is left out, the others are planned."""
    stops = (Stop("cold", 1, skills=frozenset({"fridge"})), Stop("plain", 2))
    plan = solve(problem(stops))
    assert [u.stop_id for u in plan.unassigned] == ["cold"]
    assert plan.routes[0].stop_ids == ("plain",)


@pytest.mark.parametrize(("penalty", "served"), [(10, False), (1000, True)])
def test_optional_stop_is_served_only_when_its_penalty_outweighs_the_detour(
    penalty: int, served: bool
) -> None:
    """An optional stop is dropped when serving it costs more than its penalty, which is paid."""
    stops = (Stop("near", 1), Stop("far", 4, required=False, penalty=penalty))
    plan = solve(problem(stops))
    assert (plan.route_of("far") is not None) is served
    assert plan.cost == (80 if served else 20 + penalty)


def test_required_stops_that_do_not_fit_are_unassigned_not_overloaded() -> None:
    """Too much for the fleet: some stops are left out and every route stays within capacity."""
    stops = tuple(Stop(f"s{i}", i, delivery=(6,)) for i in (1, 2, 3))
    plan = solve(problem(stops))
    assert len(plan.unassigned) == 2
    assert plan.routes[0].load_at_start == (6,)


def test_required_stops_that_clash_in_time_are_unassigned_not_late() -> None:
    """Two stops far apart in the same narrow window: one is served on time, one left out."""
    stops = (Stop("a", 1, windows=(Window(100, 100),)), Stop("b", 4, windows=(Window(100, 100),)))
    plan = solve(problem(stops))
    assert len(plan.unassigned) == 1
    assert len(plan.routes[0].visits) == 1


def test_over_subscribed_day_serves_required_stops_before_optional_ones() -> None:
    """Too much required work: a required stop is kept, not the optional one of high penalty."""
    stops = (
        Stop("r1", 1, delivery=(6,)),
        Stop("r2", 2, delivery=(6,)),
        Stop("o", 3, delivery=(6,), required=False, penalty=1_000_000),
    )
    plan = solve(problem(stops))
    assert plan.route_of("o") is None
    assert len(plan.routes[0].visits) == 1


def test_max_duration_bounds_the_route() -> None:
    """The solver respects the maximum duration: the far stop goes to the costlier spare van."""
    stops = (Stop("a", 1), Stop("b", 4))
    vehicles = (Vehicle("v", (10,), max_duration_s=30), Vehicle("spare", (10,), fixed_cost=1000))
    plan = solve(problem(stops, vehicles))
    route = plan.route_of("b")
    assert route is not None
    assert route.vehicle_id == "spare"


def test_stops_that_clash_in_time_go_to_two_vehicles() -> None:
    """The solver sees the windows: two far-apart stops due at once need two vans."""
    stops = (Stop("a", 1, windows=(Window(100, 100),)), Stop("b", 4, windows=(Window(100, 100),)))
    vehicles = (Vehicle("v", (10,)), Vehicle("spare", (10,), fixed_cost=1000))
    plan = solve(problem(stops, vehicles))
    assert (len(plan.routes), plan.unassigned) == (2, ())


def test_break_is_scheduled_inside_its_window() -> None:
    """A vehicle with a break gets it inside the break window; later times move by it."""
    stops = (Stop("a", 1), Stop("b", 2), Stop("c", 3))
    vehicle = Vehicle("v", (10,), break_=Break(Window(15, 25), 30))
    plan = solve(problem(stops, (vehicle,)))
    route = plan.routes[0]
    assert route.break_start_s is not None
    assert route.break_after is not None
    assert route.duration_s == 60 + 30


HOUR = 3600
# Owed only past six hours of work, 30 minutes between hours 3 and 6 of a 07:00-17:00 shift.
WORKDAY = Break(Window(10 * HOUR, 13 * HOUR), 1800, after_work_s=6 * HOUR)


def test_a_short_route_goes_without_the_break_it_does_not_owe() -> None:
    """Two nearby stops leaving at 07:00: back within minutes, long before the break window."""
    vehicle = Vehicle("v", (10,), shift=Window(7 * HOUR, 17 * HOUR), break_=WORKDAY)
    stops = (Stop("a", 1, service_s=300), Stop("b", 2, service_s=300))
    p = problem(stops, (vehicle,))
    plan = solve(p)
    route = plan.routes[0]
    assert set(route.stop_ids) == {"a", "b"}
    assert (route.break_start_s, route.break_after) == (None, None)
    assert route.end_s < 8 * HOUR < WORKDAY.window.start_s
    assert validate(p, plan) == []


def test_a_long_day_still_gets_its_break() -> None:
    """A stop due by 07:30 and one at 15:00 make over six hours of work: the break is taken."""
    vehicle = Vehicle("v", (10,), shift=Window(7 * HOUR, 17 * HOUR), break_=WORKDAY)
    stops = (
        Stop("a", 1, windows=(Window(7 * HOUR, 7 * HOUR + 1800),)),
        Stop("b", 2, windows=(Window(15 * HOUR, 16 * HOUR),)),
    )
    p = problem(stops, (vehicle,))
    plan = solve(p)
    route = plan.routes[0]
    assert route.stop_ids == ("a", "b")
    assert route.break_start_s is not None
    assert WORKDAY.window.contains(route.break_start_s)
    assert validate(p, plan) == []


def test_solver_plans_with_the_break_time_taken_off_the_shift() -> None:
    """With its break the van has no time for the stop, so the costlier spare van serves it."""
    vehicles = (
        Vehicle("v", (10,), shift=Window(0, 90), break_=Break(Window(0, 90), 40)),
        Vehicle("spare", (10,), fixed_cost=1000),
    )
    plan = solve(problem((Stop("b", 2, service_s=20),), vehicles))
    assert [r.vehicle_id for r in plan.routes] == ["spare"]


def test_locked_stops_come_first_in_their_order() -> None:
    """A locked route keeps its stops first and in order, though another order is shorter."""
    stops = (Stop("a", 1), Stop("b", 2), Stop("c", 3, windows=(Window(0, 200),)), Stop("d", 4))
    plan = solve(problem(stops, locked=(LockedRoute("v", ("c", "a")),)))
    assert plan.routes[0].stop_ids[:2] == ("c", "a")
    assert set(plan.routes[0].stop_ids) == {"a", "b", "c", "d"}


def test_closed_locked_route_takes_no_new_stops() -> None:
    """closed=True: exactly the locked stops; other work goes to other vehicles."""
    stops = (Stop("a", 1), Stop("b", 2), Stop("c", 3))
    vehicles = (Vehicle("v", (10,)), Vehicle("w", (10,), fixed_cost=500))
    plan = solve(problem(stops, vehicles, locked=(LockedRoute("v", ("b",), closed=True),)))
    assert [r.vehicle_id for r in plan.routes] == ["v", "w"]
    assert plan.routes[0].stop_ids == ("b",)
    assert set(plan.routes[1].stop_ids) == {"a", "c"}


@pytest.mark.parametrize(
    "van", [Vehicle("v", (10,), shift=Window(0, 250)), Vehicle("v", (10,), max_duration_s=250)]
)
def test_locked_stops_and_new_ones_share_the_shift(van: Vehicle) -> None:
    """Time on locked stops counts: a new stop that would make the day too long goes elsewhere."""
    stops = (Stop("l", 4, service_s=100), Stop("new", 1, service_s=100))
    vehicles = (van, Vehicle("spare", (10,), fixed_cost=1000))
    plan = solve(problem(stops, vehicles, locked=(LockedRoute("v", ("l",)),)))
    assert [(r.vehicle_id, r.stop_ids) for r in plan.routes] == [("v", ("l",)), ("spare", ("new",))]


@pytest.mark.parametrize(
    ("locked", "new", "vehicle"),
    [
        # the locked delivery (6) and the new one (5) leave the depot together: 11 > 10
        (Stop("l", 1, delivery=(6,)), Stop("n", 2, delivery=(5,)), "spare"),
        # the new delivery is still aboard when the locked pickup comes on: 5 + 6 > 10
        (Stop("l", 1, pickup=(6,)), Stop("n", 2, delivery=(5,)), "spare"),
        # the locked delivery is gone before the new pickup comes on: 6, then 0, then 5
        (Stop("l", 1, delivery=(6,)), Stop("n", 2, pickup=(5,)), "v"),
    ],
)
def test_capacity_counts_the_locked_part_of_the_route(
    locked: Stop, new: Stop, vehicle: str
) -> None:
    """The solver sees capacity over the whole locked route: no more strictly, no more loosely."""
    vehicles = (Vehicle("v", (10,)), Vehicle("spare", (10,), fixed_cost=1000))
    plan = solve(problem((locked, new), vehicles, locked=(LockedRoute("v", ("l",)),)))
    route = plan.route_of("n")
    assert route is not None
    assert route.vehicle_id == vehicle


def test_cancelling_returns_the_best_plan_so_far() -> None:
    """A progress callback raising Cancelled stops the search; a valid plan still comes back."""
    calls: list[Progress] = []

    def cancel(progress: Progress) -> None:
        calls.append(progress)
        raise Cancelled

    stops = tuple(Stop(f"s{i}", i) for i in (1, 2, 3, 4))
    p = problem(stops)
    plan = PyVRPOptimizer().optimize(p, time_limit_s=60, progress=cancel)
    check(p, plan)
    # The first report cancels; the second is the returned plan's own figures, and its
    # Cancelled (too late to matter) is swallowed.
    assert len(calls) == 2
    assert calls[-1].route_cost == sum(route.cost for route in plan.routes)
    assert plan.unassigned == ()


def test_progress_reports_the_best_cost() -> None:
    """Progress comes through the callback with the best cost and its feasibility."""
    reports: list[Progress] = []
    solve(problem((Stop("a", 1), Stop("b", 4))), progress=reports.append)
    assert reports
    assert reports[-1].feasible
    assert reports[-1].best_cost == 80


def test_progress_tells_the_route_cost_without_penalties_and_the_stops_left_out() -> None:
    """The objective counts the penalty of a stop left out; the route cost does not.

    Serving b at 40 takes the van 0 -> 10 -> 40 -> 0 = 80 instead of 0 -> 10 -> 0 = 20, so
    paying b's penalty of 5 is cheaper: objective 25, route cost 20, one stop left out.
    """
    reports: list[Progress] = []
    p = problem((Stop("a", 1), Stop("b", 4, required=False, penalty=5)))
    plan = solve(p, progress=reports.append)
    assert [entry.stop_id for entry in plan.unassigned] == ["b"]
    assert sum(route.cost for route in plan.routes) == 20
    last = reports[-1]
    assert (last.best_cost, last.route_cost, last.left_out, last.feasible) == (25, 20, 1, True)
    # Every report of the search read its best solution back, not just the last one.
    assert all(r.route_cost is not None and r.left_out is not None for r in reports)


def test_last_progress_is_the_plans_route_cost_with_locks_breaks_and_windows() -> None:
    """Read back as the plan is (locked stops driven first, the break taken), the last report's
    route cost is the returned plan's route cost sum to the unit."""
    matrices = {"van": line(0, 10, 20, 30, 40)}
    rest = Break(Window(0, 200), 15)
    vehicles = (
        Vehicle("v", (10,), fixed_cost=7, cost_per_s=2, break_=rest),
        Vehicle("w", (10,), fixed_cost=3),
    )
    stops = (
        Stop("l", 1),
        Stop("a", 2, windows=(Window(30, 60),)),
        Stop("b", 3, service_s=5),
        Stop("c", 4, required=False, penalty=1),
    )
    p = Problem((Depot("d", 0),), vehicles, stops, matrices, ("parcels",), locked=(
        LockedRoute("v", ("l",)),
    ))  # fmt: skip
    reports: list[Progress] = []
    plan = solve(p, progress=reports.append)
    assert reports[-1].route_cost == sum(route.cost for route in plan.routes)
    assert reports[-1].left_out == len(plan.unassigned)
    assert reports[-1].feasible


def test_warm_start_begins_from_the_initial_plan_without_stops_now_gone() -> None:
    """``initial`` seeds the search: with no time to improve it, its order comes back."""
    stops = (Stop("a", 1), Stop("b", 2), Stop("c", 3))
    p = problem(stops)
    visits = tuple(Visit(i, 0, 0, 0, (0,)) for i in ("c", "gone", "a", "b"))
    initial = Plan((Route("v", visits, 0, 0, 0, 0),))
    plan = PyVRPOptimizer().optimize(p, time_limit_s=0, initial=initial)
    check(p, plan)
    assert plan.routes[0].stop_ids == ("c", "a", "b")


def test_vehicles_without_stops_get_no_route() -> None:
    """Routes with no visits are omitted from the plan."""
    vehicles = (Vehicle("v", (10,)), Vehicle("w", (10,)))
    plan = solve(problem((Stop("a", 1),), vehicles))
    assert len(plan.routes) == 1


def test_problem_without_stops_gives_an_empty_plan() -> None:
    """No stops: no routes (routes without visits are omitted) and nothing unassigned."""
    plan = solve(problem(()))
    assert (plan.routes, plan.unassigned, plan.cost) == ((), (), 0)


def test_plan_passes_the_independent_validator() -> None:
    """Every feature at once: the plan satisfies planning.validation."""
    stops = (
        Stop("l1", 1, service_s=5, delivery=(2,)),
        Stop("a", 2, service_s=5, windows=(Window(40, 60), Window(200, 260)), delivery=(3,)),
        Stop("b", 3, service_s=5, pickup=(4,), skills=frozenset({"lift"})),
        Stop("c", 4, service_s=5, required=False, penalty=5),
        Stop("d", 3, service_s=5, delivery=(5,)),
    )
    vehicles = (
        Vehicle("v", (8,), shift=Window(0, 400), break_=Break(Window(50, 150), 20)),
        Vehicle("w", (8,), skills=frozenset({"lift"}), fixed_cost=50, cost_per_s=1),
    )
    p = problem(stops, vehicles, locked=(LockedRoute("v", ("l1",)),))
    plan = solve(p)
    assert validate(p, plan) == []
