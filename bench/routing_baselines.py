"""The solvers `bench/routing.py` compares, each run alone in a fresh process, routes out.

Every runner takes an instance file, a time budget and a seed, and returns the routes in
`.sol` numbering (customers 1..n, depot implicit) with its wall time and, where the solver
lets us see it, when its first feasible solution appeared. Nothing a solver says about its
own cost or feasibility is used: `bench/routing.py` checks the routes itself.

Every solver gets the same integers: doorstep, OR-Tools and VROOM the matrices of
`vrplib_instances.read_instance` (DIMACS x10 truncated, or TSPLIB rounded), plain PyVRP its own
`pyvrp.read(..., round_func="dimacs" | "round")`, which yields the same matrices. The clock
starts after the file is read and stops when the routes are out, so model building counts.
"""

from __future__ import annotations

import importlib
import math
import os
import resource
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from doorstep.adapters.solvers.vrplib_instances import (  # noqa: E402
    DIMACS,
    Instance,
    format_routes,
    read_instance,
)

SOLVERS = ("doorstep", "pyvrp", "ortools", "vroom")
# Native libraries read these when they start; one thread each keeps the comparison on one core.
ONE_THREAD = dict.fromkeys(
    ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"), "1"
)
# OR-Tools and VROOM slow down with every idle vehicle they carry; on CVRP (unlimited fleet)
# they get twice the capacity lower bound plus five: every X BKS in ../shared uses at most 56 %.
SPARE_FLEET = (2, 5)

# Imported before the clocks and the memory baseline start, so neither counts imports.
PRELOAD = {
    "doorstep": ("doorstep.bootstrap", "doorstep.adapters.solvers.pyvrp_optimizer"),
    "pyvrp": ("pyvrp",),
    "ortools": ("ortools.constraint_solver.pywrapcp",),
    "vroom": ("vroom",),
}

Result = dict[str, Any]


def measured(solver: str, path: str, time_limit: float, seed: int) -> Result:
    """Run one solver in this (fresh) process and add its peak memory and CPU time."""
    for module in PRELOAD[solver]:
        importlib.import_module(module)
    before = peak_kib()
    cpu0 = cpu_s()
    result = RUNNERS[solver](Path(path), time_limit, seed)
    helpers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result |= {
        # "idle" is the interpreter with the solver imported, before it reads the instance.
        "peak_mb": max(peak_kib(), helpers) / 1024,
        "idle_mb": before / 1024,
        "cpu_s": cpu_s() - cpu0,
    }
    return result


def peak_kib() -> int:
    """This process's peak resident memory in KiB.

    Linux keeps ``ru_maxrss`` across exec, so a spawned child would start from the parent's
    peak; VmHWM belongs to the process's own address space and starts afresh.
    """
    try:
        with open("/proc/self/status") as status:
            for row in status:
                if row.startswith("VmHWM:"):
                    return int(row.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_doorstep(path: Path, time_limit: float, seed: int) -> Result:
    from doorstep import bootstrap
    from doorstep.planning.optimizer import Progress

    instance = read_instance(path)
    optimizer = bootstrap.optimizer()
    first: list[float] = []
    started = time.perf_counter()

    def progress(report: Progress) -> None:
        if report.feasible and not first:
            first.append(time.perf_counter() - started)

    plan = optimizer.optimize(
        instance.problem, time_limit_s=time_limit, seed=seed, progress=progress
    )
    runtime = time.perf_counter() - started
    return {
        "routes": format_routes(instance.problem, plan),
        "runtime_s": runtime,
        "first_feasible_s": first[0] if first else None,
        "own_cost": plan.cost / instance.scale,
    }


def run_pyvrp(path: Path, time_limit: float, seed: int) -> Result:
    import pyvrp
    from pyvrp.stop import MaxRuntime

    windowed = read_instance(path).convention == DIMACS
    data = pyvrp.read(path, round_func="dimacs" if windowed else "round")
    started = time.perf_counter()
    result = pyvrp.solve(data, stop=MaxRuntime(time_limit), seed=seed, display=False)
    runtime = time.perf_counter() - started
    # The statistics time the search loop only; what came before it is the initial solution.
    elapsed = runtime - result.runtime
    first = None
    for step, datum in zip(result.stats.runtimes, result.stats.data, strict=True):
        elapsed += step
        if datum.best_feas:
            first = elapsed
            break
    best, clients = result.best, data.clients()
    # A route is a list of activities; a client's location index is its VRPLIB number - 1.
    routes = [[clients[a.idx].location for a in route if a.is_client()] for route in best.routes()]
    return {
        "routes": routes,
        "runtime_s": runtime,
        "first_feasible_s": first,
        "own_cost": best.distance() / (10 if windowed else 1),
    }


def run_ortools(path: Path, time_limit: float, seed: int) -> Result:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    instance = read_instance(path)
    problem, d = instance.problem, instance.distances
    started = time.perf_counter()
    fleet = _fleet(instance)
    size = problem.num_locations
    manager = pywrapcp.RoutingIndexManager(size, fleet, 0)
    routing = pywrapcp.RoutingModel(manager)
    # Matrices registered whole are evaluated in C++, not through a Python callback per arc.
    arcs = routing.RegisterTransitMatrix(d.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(arcs)
    stops = sorted(problem.stops, key=lambda s: s.location)
    demand = [0] + [s.delivery[0] for s in stops]
    load = routing.RegisterUnaryTransitVector(demand)
    capacity = problem.vehicles[0].capacity[0]
    routing.AddDimensionWithVehicleCapacity(load, 0, [capacity] * fleet, True, "Capacity")
    if instance.convention == DIMACS:
        service = [0] + [s.service_s for s in stops]
        # Leaving i for j takes the service at i and the drive; cumul = start of service.
        times = routing.RegisterTransitMatrix(
            [[int(d[i, j]) + service[i] for j in range(size)] for i in range(size)]
        )
        depot = problem.depots[0].window
        routing.AddDimension(times, depot.end_s, depot.end_s, False, "Time")
        clock = routing.GetDimensionOrDie("Time")
        for stop in stops:
            window = stop.windows[0]
            clock.CumulVar(manager.NodeToIndex(stop.location)).SetRange(
                window.start_s, window.end_s
            )
        for vehicle in range(fleet):
            clock.CumulVar(routing.Start(vehicle)).SetRange(depot.start_s, depot.end_s)
            clock.CumulVar(routing.End(vehicle)).SetRange(depot.start_s, depot.end_s)
    # With hard windows alone, PATH_CHEAPEST_ARC finds no first solution on the tight R1
    # instances within minutes. As OR-Tools' guide does, customers may be dropped at a penalty
    # far above any detour, so the search starts at once and reinserts them; a plan still
    # missing a customer at the end is reported infeasible by the checks.
    penalty = 100 * int(d.max())
    for stop in stops:
        routing.AddDisjunction([manager.NodeToIndex(stop.location)], penalty)
    found: list[float] = []
    nodes = [manager.NodeToIndex(stop.location) for stop in stops]

    def on_solution() -> None:
        # Feasible once nobody is dropped (a dropped node's successor is itself).
        if not found and all(routing.NextVar(i).Value() != i for i in nodes):
            found.append(time.perf_counter() - started)

    routing.AddAtSolutionCallback(on_solution)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    # The budget counts from the start of model building, like the others'.
    remaining = max(0.1, time_limit - (time.perf_counter() - started))
    params.time_limit.FromMilliseconds(int(remaining * 1000))
    solution = routing.SolveWithParameters(params)
    routes: list[list[int]] = []
    if solution is not None:
        for vehicle in range(fleet):
            index, route = solution.Value(routing.NextVar(routing.Start(vehicle))), []
            while not routing.IsEnd(index):
                route.append(manager.IndexToNode(index))
                index = solution.Value(routing.NextVar(index))
            if route:
                routes.append(route)
    return {
        "routes": routes,
        "runtime_s": time.perf_counter() - started,
        "first_feasible_s": found[0] if found else None,
        "own_cost": solution.ObjectiveValue() / instance.scale if solution else None,
    }


def run_vroom(path: Path, time_limit: float, seed: int) -> Result:
    """VROOM at exploration level 5 on one thread, with the budget as its timeout."""
    import vroom

    instance = read_instance(path)
    problem, d = instance.problem, instance.distances
    started = time.perf_counter()
    given = vroom.Input()
    depot = problem.depots[0].window
    capacity = problem.vehicles[0].capacity[0]
    for k in range(_fleet(instance)):
        given.add_vehicle(
            vroom.Vehicle(
                id=k + 1,
                start=0,
                end=0,
                capacity=[capacity],
                time_window=vroom.TimeWindow(depot.start_s, depot.end_s),
            )
        )
    for stop in problem.stops:
        windows = [vroom.TimeWindow(w.start_s, w.end_s) for w in stop.windows]
        given.add_job(
            vroom.Job(
                id=stop.location,
                location=stop.location,
                default_service=stop.service_s,
                delivery=[stop.delivery[0]],
                time_windows=windows,
            )
        )
    # Durations drive the windows, costs the objective: both the distance, as the convention says.
    given.set_durations_matrix("car", d)
    given.set_costs_matrix("car", d)
    remaining = max(0.1, time_limit - (time.perf_counter() - started))
    solution = given.solve(
        exploration_level=5, nb_threads=1, timeout=timedelta(seconds=remaining)
    ).to_dict()
    routes = [
        [step["location_index"] for step in route["steps"] if step["type"] == "job"]
        for route in solution["routes"]
    ]
    return {
        "routes": [r for r in routes if r],
        "runtime_s": time.perf_counter() - started,
        "first_feasible_s": None,  # VROOM reports only its final solution
        "own_cost": solution["summary"]["cost"] / instance.scale,
    }


def _fleet(instance: Instance) -> int:
    if instance.convention == DIMACS:
        return instance.fleet
    demand = sum(s.delivery[0] for s in instance.problem.stops)
    bound = math.ceil(demand / instance.problem.vehicles[0].capacity[0])
    factor, extra = SPARE_FLEET
    return min(instance.fleet, factor * bound + extra)


RUNNERS: dict[str, Callable[[Path, float, int], Result]] = {
    "doorstep": run_doorstep,
    "pyvrp": run_pyvrp,
    "ortools": run_ortools,
    "vroom": run_vroom,
}


def limit_threads() -> None:
    """Before any solver process starts: native thread pools of one."""
    os.environ.update(ONE_THREAD)
