"""OR-Tools and VROOM models of a doorstep ``Problem``, for `bench/station_days.py`.

Each runner takes the whole problem (after ``station_days.common``: no breaks, every stop
required), a wall-time budget and a seed, and returns the routes as ``(vehicle id, [stop id,
...])`` with its wall time and, where the solver shows it, when its first feasible solution
appeared. Nothing the solver says about cost or feasibility is used: the caller rebuilds every
route with doorstep's schedule arithmetic and validates it. The clock starts before the model
is built, so building it counts against the budget, as it does for doorstep's translation.

Settings are those of `bench/routing_baselines.py`: OR-Tools PATH_CHEAPEST_ARC then
GUIDED_LOCAL_SEARCH on one thread, VROOM exploration level 5 on one thread with the budget as
its timeout. For experiments, STATION_DAYS_ORTOOLS_FIRST names another OR-Tools first
solution strategy (e.g. PARALLEL_CHEAPEST_INSERTION) and STATION_DAYS_LOG=1 turns on its
search log.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import numpy as np

from doorstep.planning.problem import Problem, Stop, Vehicle, Window
from doorstep.planning.schedule import padded

Result = dict[str, Any]
Routes = list[tuple[str, list[str]]]


def hours(problem: Problem, vehicle: Vehicle) -> tuple[int, int, int]:
    """Earliest leave, latest leave and latest return, as ``schedule`` has them."""
    start = problem.depots[vehicle.start_depot].window
    end = problem.depots[vehicle.end_depot].window
    leave = max(vehicle.shift.start_s, start.start_s)
    back = min(vehicle.shift.end_s, end.end_s)
    return leave, min(start.end_s, back), back


def horizon(problem: Problem) -> int:
    ends = [hours(problem, v)[2] for v in problem.vehicles]
    ends += [w.end_s for s in problem.stops for w in s.windows]
    return max(ends)


def _rows(matrix: np.ndarray, index: np.ndarray, add: np.ndarray | None = None) -> list[Any]:
    """``matrix[index][:, index] (+ add per row)`` as the nested lists OR-Tools takes.

    A list of 10^8 fresh Python ints needs about 3.6 GB; here equal values share one int
    object from a table, so each entry costs a pointer (0.8 GB at 10,000 stops).
    """
    table = np.array(list(range(int(matrix.max()) + int(0 if add is None else add.max()) + 1)))
    table = table.astype(object)
    rows = []
    for k, i in enumerate(index):
        row = matrix[i, index].astype(np.int64)
        if add is not None:
            row = row + add[k]
        rows.append(table[row].tolist())
    return rows


def run_ortools(problem: Problem, time_limit: float, seed: int) -> Result:
    """OR-Tools routing: depots then one node per stop, each vehicle its own arcs and hours."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2  # type: ignore[import-untyped]

    del seed  # OR-Tools' routing search is deterministic
    started = time.perf_counter()
    depots, stops, fleet = problem.depots, problem.stops, problem.vehicles
    first = len(depots)
    locations = np.array([d.location for d in depots] + [s.location for s in stops])
    manager = pywrapcp.RoutingIndexManager(
        len(locations), len(fleet), [v.start_depot for v in fleet], [v.end_depot for v in fleet]
    )
    routing = pywrapcp.RoutingModel(manager)
    # Arc cost per (profile, cost per metre, cost per second): metres and seconds of driving,
    # as VROOM prices them. Waiting is not priced (a span cost would, but slows the search).
    arcs: dict[tuple[str, int, int], int] = {}
    for k, v in enumerate(fleet):
        key = (v.profile, v.cost_per_m, v.cost_per_s)
        if key not in arcs:
            travel = problem.matrices[v.profile]
            price = v.cost_per_m * travel.distances_m.astype(np.int64)
            price += v.cost_per_s * travel.durations_s.astype(np.int64)
            arcs[key] = routing.RegisterTransitMatrix(_rows(price, locations))
            del price
        routing.SetArcCostEvaluatorOfVehicle(arcs[key], k)
        routing.SetFixedCostOfVehicle(v.fixed_cost, k)
    # Leaving node i for j takes the service at i and the drive: cumul = start of service.
    service = np.array([0] * first + [s.service_s for s in stops], dtype=np.int64)
    times: dict[str, int] = {}
    for v in fleet:
        if v.profile not in times:
            seconds = problem.matrices[v.profile].durations_s
            times[v.profile] = routing.RegisterTransitMatrix(_rows(seconds, locations, service))
    end = horizon(problem)
    routing.AddDimensionWithVehicleTransits(
        [times[v.profile] for v in fleet], end, end, False, "Time"
    )
    clock = routing.GetDimensionOrDie("Time")
    for k, v in enumerate(fleet):
        leave_from, leave_by, back_by = hours(problem, v)
        clock.CumulVar(routing.Start(k)).SetRange(leave_from, leave_by)
        clock.CumulVar(routing.End(k)).SetRange(leave_from, back_by)
        if v.max_duration_s is not None:
            clock.SetSpanUpperBoundForVehicle(v.max_duration_s, k)
    for n, stop in enumerate(stops, start=first):
        _windows(clock.CumulVar(manager.NodeToIndex(n)), stop.windows)
    _loads(problem, routing, manager, first)
    nodes = [manager.NodeToIndex(n) for n in range(first, len(locations))]
    # Every stop is required; like bench/routing_baselines.py, a dropped stop costs far more
    # than any route, so the search starts at once and reinserts it.
    big = 100 * (
        max(v.fixed_cost for v in fleet)
        + max(v.cost_per_m for v in fleet) * max(int(t.distances_m.max()) for t in _travel(problem))
        + max(v.cost_per_s for v in fleet) * end
        + 1
    )
    for stop, index in zip(stops, nodes, strict=True):
        routing.AddDisjunction([index], big if stop.required else stop.penalty)
        # SetAllowedVehiclesForIndex's SWIG binding takes no Python list in OR-Tools 9.15;
        # taking the others off the vehicle variable is the same (-1, unperformed, stays).
        unable = [k for k, v in enumerate(fleet) if not stop.skills <= v.skills]
        if unable:
            routing.VehicleVar(index).RemoveValues(unable)
    found: list[float] = []

    def on_solution() -> None:
        # Feasible in OR-Tools' eyes once nobody is dropped (a dropped node is its own next).
        if not found and all(routing.NextVar(i).Value() != i for i in nodes):
            found.append(time.perf_counter() - started)

    routing.AddAtSolutionCallback(on_solution)
    params = pywrapcp.DefaultRoutingSearchParameters()
    first_strategy = os.environ.get("STATION_DAYS_ORTOOLS_FIRST", "PATH_CHEAPEST_ARC")
    params.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, first_strategy
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.log_search = bool(os.environ.get("STATION_DAYS_LOG"))
    built = time.perf_counter() - started
    remaining = max(0.1, time_limit - built)
    params.time_limit.FromMilliseconds(int(remaining * 1000))
    solution = routing.SolveWithParameters(params)
    routes: Routes = []
    if solution is not None:
        for k, v in enumerate(fleet):
            index, visits = solution.Value(routing.NextVar(routing.Start(k))), []
            while not routing.IsEnd(index):
                visits.append(stops[manager.IndexToNode(index) - first].id)
                index = solution.Value(routing.NextVar(index))
            if visits:
                routes.append((v.id, visits))
    return {
        "routes": routes,
        "runtime_s": time.perf_counter() - started,
        "model_s": built,
        "first_feasible_s": found[0] if found else None,
        "own_cost": solution.ObjectiveValue() if solution else None,
        "status": routing.status(),
    }


def _travel(problem: Problem) -> list[Any]:
    return [problem.matrices[p] for p in {v.profile for v in problem.vehicles}]


def _windows(cumul: Any, windows: Sequence[Window]) -> None:
    """Alternative windows: the span from the first start to the last end, minus the gaps."""
    if not windows:
        return
    ordered = sorted(windows, key=lambda w: w.start_s)
    cumul.SetRange(ordered[0].start_s, max(w.end_s for w in ordered))
    reach = ordered[0].end_s
    for w in ordered[1:]:
        if w.start_s > reach + 1:
            cumul.RemoveInterval(reach + 1, w.start_s - 1)
        reach = max(reach, w.end_s)


def _loads(problem: Problem, routing: Any, manager: Any, first: int) -> None:
    """One dimension per capacity; with return pickups, doorstep's load arithmetic exactly.

    Deliveries only: the load at the end is what was loaded at the depot, one dimension does.
    With pickups the van leaves with all its route's deliveries (``schedule.loads``): "Load"
    counts from a free start down by deliveries and up by pickups, "Sent" sums the deliveries,
    and the start of "Load" must equal the end of "Sent".
    """
    size, fleet = len(problem.dimensions), problem.vehicles
    zero = [0] * first
    for d, name in enumerate(problem.dimensions):
        out = zero + [padded(s.delivery, size)[d] for s in problem.stops]
        back = zero + [padded(s.pickup, size)[d] for s in problem.stops]
        caps = [padded(v.capacity, size)[d] for v in fleet]
        if not any(back):
            sent = routing.RegisterUnaryTransitVector(out)
            routing.AddDimensionWithVehicleCapacity(sent, 0, caps, True, name)
            continue
        net = routing.RegisterUnaryTransitVector([b - o for o, b in zip(out, back, strict=True)])
        routing.AddDimensionWithVehicleCapacity(net, 0, caps, False, name)
        sent = routing.RegisterUnaryTransitVector(out)
        routing.AddDimensionWithVehicleCapacity(sent, 0, caps, True, f"{name}_sent")
        load = routing.GetDimensionOrDie(name)
        total = routing.GetDimensionOrDie(f"{name}_sent")
        for k in range(len(fleet)):
            routing.solver().Add(load.CumulVar(routing.Start(k)) == total.CumulVar(routing.End(k)))
    del manager


def run_vroom(problem: Problem, time_limit: float, seed: int) -> Result:
    """VROOM: one job per stop (delivery and pickup amounts, windows, skills), matrices per
    profile, vehicle costs fixed + per hour of driving + per km."""
    import vroom  # type: ignore[import-untyped]

    del seed  # VROOM takes none
    started = time.perf_counter()
    given = vroom.Input()
    size = len(problem.dimensions)
    skills = sorted({k for s in problem.stops for k in s.skills})
    number = {name: i + 1 for i, name in enumerate(skills)}
    for k, v in enumerate(problem.vehicles):
        leave_from, _, back_by = hours(problem, v)
        if v.max_duration_s is not None:
            raise ValueError("VROOM has no maximum route duration: fold it into the shift first")
        given.add_vehicle(
            vroom.Vehicle(
                id=k,
                start=problem.depots[v.start_depot].location,
                end=problem.depots[v.end_depot].location,
                profile=v.profile,
                capacity=list(padded(v.capacity, size)),
                skills={number[s] for s in v.skills if s in number},
                time_window=vroom.TimeWindow(leave_from, back_by),
                costs=vroom.VehicleCosts(
                    fixed=v.fixed_cost, per_hour=3600 * v.cost_per_s, per_km=1000 * v.cost_per_m
                ),
            )
        )
    for k, stop in enumerate(problem.stops):
        given.add_job(_job(vroom, k, stop, size, number))
    for profile in {v.profile for v in problem.vehicles}:
        travel = problem.matrices[profile]
        given.set_durations_matrix(profile, travel.durations_s.astype(np.uint32))
        given.set_distances_matrix(profile, travel.distances_m.astype(np.uint32))
    remaining = max(0.1, time_limit - (time.perf_counter() - started))
    solution = given.solve(
        exploration_level=5, nb_threads=1, timeout=timedelta(seconds=remaining)
    ).to_dict()
    routes: Routes = []
    for route in solution["routes"]:
        visits = [problem.stops[s["id"]].id for s in route["steps"] if s["type"] == "job"]
        if visits:
            routes.append((problem.vehicles[route["vehicle"]].id, visits))
    return {
        "routes": routes,
        "runtime_s": time.perf_counter() - started,
        "first_feasible_s": None,  # VROOM reports only its final solution
        "own_cost": solution["summary"]["cost"],
    }


def _job(vroom: Any, k: int, stop: Stop, size: int, number: dict[str, int]) -> Any:
    delivery, pickup = padded(stop.delivery, size), padded(stop.pickup, size)
    return vroom.Job(
        id=k,
        location=stop.location,
        default_service=stop.service_s,
        delivery=vroom.Amount(list(delivery)),
        pickup=vroom.Amount(list(pickup)),
        skills={number[s] for s in stop.skills},
        time_windows=[vroom.TimeWindow(w.start_s, w.end_s) for w in stop.windows],
    )
