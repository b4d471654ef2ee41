"""The PyVRP translation both ways: Problem -> ProblemData, Solution -> Plan, and schedules."""

from __future__ import annotations

import numpy as np
import pyvrp

from doorstep.adapters.solvers.pyvrp_model import translate
from doorstep.adapters.solvers.pyvrp_plan import to_plan
from doorstep.adapters.solvers.pyvrp_schedule import Leg, settle, with_break
from doorstep.adapters.solvers.pyvrp_shortfall import relax, unservable
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


def line(*xs: int) -> Travel:
    """Places on a line: travel time and distance are both the gap between positions."""
    matrix = square([[abs(a - b) for b in xs] for a in xs])
    return Travel(matrix, matrix)


def problem(
    stops: tuple[Stop, ...],
    vehicles: tuple[Vehicle, ...] = (Vehicle("v", (10,)),),
    *,
    travel: Travel | None = None,
    dimensions: tuple[str, ...] = ("parcels",),
    locked: tuple[LockedRoute, ...] = (),
) -> Problem:
    """A one-depot problem at location 0 on ``line(0, 10, 20, 30)`` unless told otherwise."""
    matrices = {"van": travel or line(0, 10, 20, 30)}
    return Problem((Depot("d", 0),), vehicles, stops, matrices, dimensions, locked=locked)


def test_locations_index_the_problem_matrices_one_per_client() -> None:
    """Each client gets its own PyVRP location whose matrix row/column is its stop's location."""
    travel = Travel(
        square([[0, 7, 9], [8, 0, 5], [6, 4, 0]]), square([[0, 70, 90], [80, 0, 50], [60, 40, 0]])
    )
    stops = (Stop("a", 2), Stop("b", 1), Stop("c", 2))
    data = translate(problem(stops, travel=travel)).solver_data
    durations, distances = data.duration_matrix(0), data.distance_matrix(0)
    assert durations.dtype == np.int64
    assert [c.location for c in data.clients()] == [1, 2, 3]  # depot is PyVRP location 0
    assert durations[0].tolist() == [0, 9, 7, 9]
    assert distances[:, 0].tolist() == [0, 60, 80, 60]
    assert durations[1, 3] == 0  # a and c share a problem location


def test_loads_map_to_dimensions_with_empty_tuples_as_zero() -> None:
    """Stop delivery/pickup and vehicle capacity fill every load dimension, zeros where empty."""
    stops = (Stop("a", 1, delivery=(3,), pickup=(0, 2)), Stop("b", 2))
    vehicles = (Vehicle("v", (10, 20)), Vehicle("w", ()))
    p = problem(stops, vehicles, dimensions=("parcels", "weight_g"))
    data = translate(p).solver_data
    assert [(c.delivery, c.pickup) for c in data.clients()] == [([3, 0], [0, 2]), ([0, 0], [0, 0])]
    assert [t.capacity for t in data.vehicle_types()] == [[10, 20], [0, 0]]


def test_windows_become_client_windows_or_the_horizon() -> None:
    """One window -> tw_early/tw_late; no window -> from 0 to the horizon."""
    stops = (Stop("a", 1, windows=(Window(100, 200),)), Stop("b", 2))
    vehicles = (Vehicle("v", (10,), shift=Window(0, 900_000)),)
    clients = translate(problem(stops, vehicles)).solver_data.clients()
    assert (clients[0].tw_early, clients[0].tw_late) == (100, 200)
    assert (clients[1].tw_early, clients[1].tw_late) == (0, 900_000)


def test_several_windows_become_a_mutually_exclusive_group() -> None:
    """A stop with two windows is two optional clients in a group that is required iff it is."""
    two = (Window(0, 50), Window(300, 400))
    stops = (Stop("must", 1, windows=two), Stop("may", 2, windows=two, required=False, penalty=9))
    translation = translate(problem(stops))
    data = translation.solver_data
    assert [(c.name, c.tw_early, c.required, c.group) for c in data.clients()] == [
        ("must", 0, False, 0),
        ("must", 300, False, 0),
        ("may", 0, False, 1),
        ("may", 300, False, 1),
    ]
    assert [(g.clients, g.required, g.mutually_exclusive) for g in data.groups()] == [
        ([0, 1], True, True),
        ([2, 3], False, True),
    ]
    assert [c.prize for c in data.clients()] == [0, 0, 9, 9]
    assert translation.stop_clients["must"] == (0, 1)


def test_optional_stop_is_an_optional_client_with_its_penalty_as_prize() -> None:
    """required=False -> client required=False, prize=penalty; required stops have no prize."""
    stops = (Stop("a", 1, required=False, penalty=500), Stop("b", 2, penalty=7))
    clients = translate(problem(stops)).solver_data.clients()
    assert [(c.required, c.prize) for c in clients] == [(False, 500), (True, 0)]


def test_vehicle_becomes_a_vehicle_type_with_its_shift_costs_and_depots() -> None:
    """Shift, max duration, costs, depots and depot opening hours carry over one to one."""
    depots = (Depot("north", 0, Window(100, 5000)), Depot("south", 3, Window(0, 4000)))
    vehicle = Vehicle(
        "v",
        (10,),
        start_depot=0,
        end_depot=1,
        shift=Window(200, 6000),
        max_duration_s=3000,
        fixed_cost=40,
        cost_per_m=2,
        cost_per_s=3,
    )
    p = Problem(depots, (vehicle,), (Stop("a", 1),), {"van": line(0, 10, 20, 30)}, ("parcels",))
    data = translate(p).solver_data
    kind = data.vehicle_types()[0]
    assert (kind.num_available, kind.start_depot, kind.end_depot) == (1, 0, 1)
    assert (kind.tw_early, kind.tw_late, kind.shift_duration) == (200, 4000, 3000)
    assert (kind.fixed_cost, kind.unit_distance_cost, kind.unit_duration_cost) == (40, 2, 3)
    assert [(d.tw_early, d.tw_late) for d in data.depots()] == [(100, 5000), (0, 4000)]


def test_break_is_taken_off_the_shift_end_and_max_duration() -> None:
    """The solver plans with the break's duration less: shift end and max duration shrink."""
    brk = Break(Window(100, 200), 45)
    vehicle = Vehicle("v", (10,), shift=Window(0, 1000), max_duration_s=600, break_=brk)
    kind = translate(problem((Stop("a", 1),), (vehicle,))).solver_data.vehicle_types()[0]
    assert (kind.tw_late, kind.shift_duration) == (955, 555)


def test_skills_cut_arcs_into_clients_a_profile_may_not_serve() -> None:
    """One profile per (roads, relevant skills); arcs into barred clients exceed the horizon."""
    stops = (Stop("cold", 1, skills=frozenset({"fridge"})), Stop("plain", 2))
    vehicles = (
        Vehicle("a", (10,)),
        Vehicle("b", (10,), skills=frozenset({"fridge", "tail-lift"})),
        Vehicle("c", (12,), skills=frozenset({"tail-lift"})),  # same stops as a: same profile
    )
    data = translate(problem(stops, vehicles)).solver_data
    assert [t.profile for t in data.vehicle_types()] == [0, 1, 0]
    plain, skilled = data.duration_matrix(0), data.duration_matrix(1)
    horizon = max(c.tw_late for c in data.clients())
    assert min(plain[0, 1], plain[2, 1]) > 2 * horizon
    assert data.distance_matrix(0)[0, 1] > 100 * data.distance_matrix(1)[0, 1]
    assert (skilled[0, 1], plain[0, 2], plain[1, 1]) == (10, 20, 0)


def test_vehicles_pyvrp_cannot_tell_apart_share_one_vehicle_type() -> None:
    """Alike vehicles become one type with num_available = their number; routes map back."""
    stops = (Stop("a", 1, delivery=(8,)), Stop("b", 3, delivery=(8,)))
    vehicles = (
        Vehicle("v1", (10,), skills=frozenset({"unused"}), driver_id="x"),
        Vehicle("big", (20,)),
        Vehicle("v2", (10,)),
    )
    translation = translate(problem(stops, vehicles))
    data = translation.solver_data
    assert [(t.num_available, t.capacity, t.name) for t in data.vehicle_types()] == [
        (2, [10], "v1,v2"),
        (1, [20], "big"),
    ]
    routes = [pyvrp.Route(data, [0], 0), pyvrp.Route(data, [1], 0)]
    plan = to_plan(translation, pyvrp.Solution(data, routes))
    assert [(r.vehicle_id, r.stop_ids) for r in plan.routes] == [("v1", ("a",)), ("v2", ("b",))]


def test_stop_nobody_may_serve_is_not_offered() -> None:
    """A stop needing a skill no vehicle has never reaches the solver."""
    stops = (Stop("cold", 1, skills=frozenset({"fridge"})), Stop("plain", 2))
    translation = translate(problem(stops))
    assert [c.name for c in translation.solver_data.clients()] == ["plain"]
    assert translation.left_out == {"cold"}


def test_locked_vehicle_resumes_at_its_last_locked_stop() -> None:
    """The solver's vehicle starts where and exactly when the locked stops end, pickups aboard."""
    stops = (
        Stop("l1", 1, service_s=5, windows=(Window(50, 60),), delivery=(2,)),
        Stop("l2", 2, service_s=5, pickup=(3,)),
        Stop("free", 3),
    )
    locked = (LockedRoute("v", ("l1", "l2")),)
    translation = translate(problem(stops, locked=locked))
    data = translation.solver_data
    start = translation.starts["v"]
    assert (start.start_s, start.free_s, start.on_board, start.peak) == (40, 70, (3,), (3,))
    assert [c.name for c in data.clients()] == ["free"]
    extra = data.depots()[1]
    assert data.duration_matrix(0)[extra.location, data.clients()[0].location] == 10
    kind = data.vehicle_types()[0]
    assert (kind.start_depot, kind.tw_early, kind.start_late) == (1, 70, 70)
    assert (kind.initial_load, kind.capacity) == ([3], [10])


def test_closed_locked_vehicle_is_not_given_to_the_solver() -> None:
    """closed=True: the vehicle takes no new stops, so PyVRP never sees it."""
    stops = (Stop("l1", 1), Stop("free", 2))
    vehicles = (Vehicle("v", (10,)), Vehicle("w", (10,)))
    translation = translate(problem(stops, vehicles, locked=(LockedRoute("v", ("l1",), True),)))
    assert [t.name for t in translation.solver_data.vehicle_types()] == ["w"]


def test_unservable_finds_stops_no_vehicle_can_serve_alone() -> None:
    """Too big for every van, or unreachable in its window: found before solving."""
    stops = (
        Stop("big", 1, delivery=(11,)),
        Stop("late", 3, windows=(Window(0, 20),)),
        Stop("fine", 2, delivery=(10,)),
    )
    assert unservable(translate(problem(stops))) == {"big", "late"}


def test_plan_cost_is_pyvrp_cost_plus_penalties_of_left_out_optional_stops() -> None:
    """Costs read back: distance, duration and fixed costs as PyVRP counts them, plus penalties."""
    vehicle = Vehicle("v", (10,), fixed_cost=100, cost_per_m=2, cost_per_s=1)
    stops = (
        Stop("a", 1, windows=(Window(40, 90),)),
        Stop("b", 2),
        Stop("opt", 3, required=False, penalty=77),
    )
    translation = translate(problem(stops, (vehicle,)))
    data = translation.solver_data
    solution = pyvrp.Solution(data, [pyvrp.Route(data, [0, 1], 0)])
    plan = to_plan(translation, solution)
    assert plan.cost == pyvrp.CostEvaluator([0], 0, 0).cost(solution)
    assert plan.cost == 100 + 2 * 40 + 1 * (70 - 30) + 77
    assert [u.stop_id for u in plan.unassigned] == ["opt"]


def test_infeasible_route_loses_the_stop_that_breaks_it() -> None:
    """A route with time warp is cut down to a feasible one; the removed stop is unassigned."""
    stops = (
        Stop("a", 1, windows=(Window(10, 10),)),
        Stop("b", 2, windows=(Window(20, 20),)),
        Stop("c", 3, windows=(Window(10, 10),)),  # cannot also be reached at 10
    )
    translation = translate(problem(stops))
    data = translation.solver_data
    plan = to_plan(translation, pyvrp.Solution(data, [pyvrp.Route(data, [0, 1, 2], 0)]))
    assert plan.routes[0].stop_ids == ("a", "b")
    assert [u.stop_id for u in plan.unassigned] == ["c"]


def test_overloaded_route_loses_stops_until_it_fits() -> None:
    """Excess load is repaired too: the plan never carries more than capacity."""
    stops = (Stop("a", 1, delivery=(4,)), Stop("b", 2, delivery=(8,)), Stop("c", 3, delivery=(5,)))
    translation = translate(problem(stops))
    data = translation.solver_data
    plan = to_plan(translation, pyvrp.Solution(data, [pyvrp.Route(data, [0, 1, 2], 0)]))
    assert plan.routes[0].stop_ids == ("a", "c")
    assert plan.routes[0].load_at_start == (9,)


def test_stop_on_a_vehicle_without_its_skills_is_unassigned() -> None:
    """If a solution still uses a barred arc, that stop is left out, not served unlawfully."""
    stops = (Stop("cold", 1, skills=frozenset({"fridge"})), Stop("plain", 2))
    vehicles = (Vehicle("a", (10,)), Vehicle("b", (10,), skills=frozenset({"fridge"})))
    translation = translate(problem(stops, vehicles))
    data = translation.solver_data
    plan = to_plan(translation, pyvrp.Solution(data, [pyvrp.Route(data, [0, 1], 0)]))
    assert [(r.vehicle_id, r.stop_ids) for r in plan.routes] == [("a", ("plain",))]
    assert [u.stop_id for u in plan.unassigned] == ["cold"]


def test_break_takes_the_place_where_the_van_waits_anyway() -> None:
    """Waiting absorbs the break: it goes where the van would wait, and the return is not later."""
    stops = (Stop("a", 1, windows=(Window(0, 20),)), Stop("b", 2, windows=(Window(100, 200),)))
    vehicle = Vehicle("v", (10,), break_=Break(Window(30, 60), 30))
    p = problem(stops, (vehicle,))
    timeline = with_break(p, vehicle, 0, [Leg(s, s.windows) for s in stops])
    assert timeline is not None
    assert (timeline.break_after, timeline.break_start_s, timeline.end_s) == (0, 30, 120)
    assert timeline.visits[1].arrival_s == 30 + 30 + 10


def test_break_goes_where_it_delays_the_rest_least() -> None:
    """Without waiting, the break delays the return by its duration and as few visits as can be."""
    stops = (Stop("a", 1), Stop("b", 2))
    vehicle = Vehicle("v", (10,), break_=Break(Window(0, 1000), 30))
    timeline = with_break(problem(stops, (vehicle,)), vehicle, 0, [Leg(s, ()) for s in stops])
    assert timeline is not None
    assert (timeline.break_after, timeline.break_start_s, timeline.end_s) == (1, 20, 70)


def test_break_that_fits_nowhere_drops_the_last_unlocked_stops() -> None:
    """No position keeps the route legal: stops go from the end until the break fits."""
    stops = (Stop("a", 1), Stop("b", 2, windows=(Window(0, 55),)))
    vehicle = Vehicle("v", (10,), shift=Window(0, 85), break_=Break(Window(40, 50), 30))
    timeline, dropped = settle(
        problem(stops, (vehicle,)), vehicle, 0, [Leg(s, s.windows) for s in stops]
    )
    assert timeline is not None
    assert [v.stop_id for v in timeline.visits] == ["a"]
    assert [leg.stop.id for leg in dropped] == ["b"]
    assert (timeline.break_after, timeline.break_start_s) == (0, 40)


def test_locked_stops_are_never_dropped_to_fit() -> None:
    """Only unlocked stops are dropped; locked ones that still do not fit give no timeline."""
    stops = (Stop("a", 1, windows=(Window(0, 5),)),)  # unreachable in time, but locked
    vehicle = Vehicle("v", (10,))
    timeline, dropped = settle(
        problem(stops, (vehicle,)), vehicle, 0, [Leg(stops[0], stops[0].windows, True)]
    )
    assert (timeline, dropped) == (None, ())


def test_relaxed_model_makes_every_stop_optional_required_ones_worth_most() -> None:
    """The soft model: all clients and groups optional; required stops outbid any penalty."""
    two = (Window(0, 50), Window(300, 400))
    stops = (Stop("must", 1, windows=two), Stop("may", 2, required=False, penalty=900))
    translation = translate(problem(stops, (Vehicle("v", (10,), fixed_cost=5, cost_per_s=1),)))
    soft, penalties = relax(translation)
    clients, groups = soft.solver_data.clients(), soft.solver_data.groups()
    assert [(c.name, c.required) for c in clients] == [("must", False)] * 2 + [("may", False)]
    assert [g.required for g in groups] == [False]
    detour = 5 + 2 * 30 + 2 * 30
    assert [c.prize for c in clients] == [2 * detour + 900 + 1] * 2 + [900]
    assert penalties.max_penalty >= 10 * clients[0].prize
