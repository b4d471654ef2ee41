"""Routing at station scale: doorstep's planner against plain PyVRP, OR-Tools and VROOM.

    python bench/station_days.py --sizes 200 --time-limit 10                       # a quick look
    python bench/station_days.py --sizes 1000,5000,10000 --time-limit 60,120,300 \\
        --solvers doorstep,pyvrp,ortools,vroom --json-out station_days.json

A station day of each size is built once as a doorstep ``Problem``: by
``doorstep.simulation.station_day.synthetic_station_day`` (the synthetic city's roads) when it
exists, or with ``--straight`` (or without it) by ``bench/large_day.day`` (random points in a
25 km square, straight-line matrices at 10 m/s, one van per 100 stops). ``common`` then takes
it to what all four solvers can express, the same for all (see its docstring). In one run and
at the same wall-time budget per size, one solve at a time, each in a fresh process (`spawn`)
under a memory cap: (a) doorstep's planner, ``bootstrap.optimizer`` over a process pool of
--workers (the DecomposingOptimizer: one PyVRP solve below 2,000 stops, parts in parallel
above), (b) plain PyVRP on the whole day (``PyVRPOptimizer``, no decomposition), (c) OR-Tools
routing and (d) VROOM (both in `bench/station_baselines.py`, settings as in
`bench/routing_baselines.py`).

No solver's own cost or feasibility is used. Every solver's routes (vehicle, stop order) are
rebuilt with doorstep's schedule arithmetic (``schedule.placed``: each route leaves as late as
costs no waiting) into a ``Plan`` and judged by ``validation.validate``; the cost is
``schedule.plan_cost`` of the rebuilt routes. Per size and solver it prints that cost, the
gap to the cheapest plan without violations among those serving the most stops, vehicles used,
unassigned stops, violations, time to the first feasible plan where the solver shows it, run
time, CPU time and peak memory (resident set of the solving process; doorstep's pool workers
apart).
A solver that has not answered within twice its budget plus 600 s is killed and recorded
without routes (VROOM's timeout does not bound its construction phase). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import importlib
import json
import multiprocessing
import os
import pickle
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from doorstep.planning import schedule  # noqa: E402
from doorstep.planning.plan import Plan, Unassigned  # noqa: E402
from doorstep.planning.problem import Problem, Window  # noqa: E402
from doorstep.planning.validation import validate  # noqa: E402
from routing_baselines import cpu_s, peak_kib  # noqa: E402

SOLVERS = ("doorstep", "pyvrp", "ortools", "vroom")
# Native libraries read these when they start: one thread each (doorstep's pool aside).
ONE_THREAD = dict.fromkeys(
    ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"), "1"
)
# Imported before the clocks and the memory baseline start, so neither counts imports.
PRELOAD = {
    "doorstep": ("doorstep.bootstrap", "doorstep.adapters.solvers.pyvrp_optimizer"),
    "pyvrp": ("doorstep.adapters.solvers.pyvrp_optimizer",),
    "ortools": ("ortools.constraint_solver.pywrapcp",),
    "vroom": ("vroom",),
}

# Where the synthetic city is built once and kept between runs.
CITY = Path(tempfile.gettempdir()) / "station_days_city"
CITY_KM = 25.0

Record = dict[str, Any]
Routes = list[tuple[str, list[str]]]


# -- the day ---------------------------------------------------------------------------------


def straight_day(stops: int, seed: int) -> Problem:
    """``bench/large_day.day``: straight lines in a 25 km square, one van per 100 stops."""
    from large_day import day

    return day(stops, max(1, stops // 100), seed)


def road_day(stops: int, seed: int) -> Problem:
    """A station day on the 25 km synthetic city's roads (``simulation.station_day``).

    The city (``doorstep region synth``, seed 0) is built once into CITY and kept there.
    """
    from doorstep.adapters.roads.regions import RegionStore
    from doorstep.adapters.roads.road_travel import RoadGraphTravelTimes
    from doorstep.adapters.roads.synth import write_synthetic_city
    from doorstep.simulation.station_day import synthetic_station_day

    store = RegionStore(CITY / "regions")
    if "synth" not in store.names():
        pbf = CITY / "synth.osm.pbf"
        write_synthetic_city(pbf, name="synth", size_km=CITY_KM, seed=0)
        store.build(pbf, name="synth", timezone="UTC")
    places = [a.location for a in store.addresses("synth").known()]
    travel = RoadGraphTravelTimes(store, "synth")
    return synthetic_station_day(stops, seed=seed, travel=travel, places=places).problem


def day_source(straight: bool) -> tuple[str, Callable[[int, int], Problem]]:
    """The road day when it exists and is wanted, else the straight-line one."""
    if not straight:
        try:
            importlib.import_module("doorstep.simulation.station_day")
        except ImportError:
            print("doorstep.simulation.station_day is not there yet: straight-line days")
        else:
            return "road", road_day
    return "straight", straight_day


def common(problem: Problem) -> tuple[Problem, list[str]]:
    """The day as all four solvers can take it, for every solver alike; what changed, in words.

    - Breaks are dropped: the "owed only past 6 h of work" rule is doorstep's alone, and
      OR-Tools' break intervals are slow on days this size.
    - A maximum route duration becomes an earlier shift end (earliest leave + the maximum):
      VROOM has no bound on the route's duration, only its time window.
    - Optional stops become required (their penalty unused): VROOM serves whatever it can and
      has no price for leaving a stop out.
    Kept: several capacities, delivery and pickup amounts, alternative windows, service times,
    skills, travel profiles, depot hours, fixed cost, cost per metre and per second.
    """
    if problem.locked:
        raise ValueError("a station day has no locked routes")
    changed: Counter[str] = Counter()
    vehicles = []
    for v in problem.vehicles:
        if v.break_ is not None:
            changed["breaks dropped"] += 1
            v = replace(v, break_=None)
        if v.max_duration_s is not None:
            changed["max durations folded into the shift"] += 1
            leave = schedule.earliest_leave(problem, v)
            end = max(v.shift.start_s, min(v.shift.end_s, leave + v.max_duration_s))
            v = replace(v, shift=Window(v.shift.start_s, end), max_duration_s=None)
        vehicles.append(v)
    stops = []
    for s in problem.stops:
        if not s.required:
            changed["optional stops made required"] += 1
            s = replace(s, required=True, penalty=0)
        stops.append(s)
    notes = [f"{what}: {count}" for what, count in changed.items()]
    return replace(problem, vehicles=tuple(vehicles), stops=tuple(stops)), notes


def describe(problem: Problem) -> str:
    size = len(problem.dimensions)
    windows = Counter(len(s.windows) for s in problem.stops)
    pickups = sum(any(schedule.padded(s.pickup, size)) for s in problem.stops)
    skilled = sum(bool(s.skills) for s in problem.stops)
    profiles = Counter(v.profile for v in problem.vehicles)
    return (
        f"{len(problem.stops)} stops, {len(problem.vehicles)} vehicles "
        f"({', '.join(f'{n} {p}' for p, n in profiles.items())}), {len(problem.depots)} depot(s),"
        f" dimensions {', '.join(problem.dimensions)}; windows per stop "
        f"{dict(sorted(windows.items()))}, {pickups} with pickups, {skilled} needing skills"
    )


# -- one solve, in a fresh process -------------------------------------------------------------


def _planner(optimizer: Any, problem: Problem, limit: float, seed: int) -> Record:
    """A doorstep ``RouteOptimizer`` on the day, with its first feasible report."""
    from doorstep.planning.optimizer import Progress

    first: list[float] = []
    started = time.perf_counter()

    def progress(report: Progress) -> None:
        if report.feasible and not first:
            first.append(time.perf_counter() - started)

    plan = optimizer.optimize(problem, time_limit_s=limit, seed=seed, progress=progress)
    runtime = time.perf_counter() - started
    return {
        "routes": [(r.vehicle_id, list(r.stop_ids)) for r in plan.routes if r.visits],
        "runtime_s": runtime,
        "first_feasible_s": first[0] if first else None,
        "own_cost": plan.cost,
        "own_violations": len(validate(problem, plan)),
        "notes": list(plan.notes),
    }


def run_doorstep(problem: Problem, limit: float, seed: int, workers: int) -> Record:
    from concurrent.futures import ProcessPoolExecutor

    from doorstep import bootstrap

    with ProcessPoolExecutor(max_workers=workers) as pool:
        result = _planner(bootstrap.optimizer(pool), problem, limit, seed)
    return result | {"workers": workers}


def run_pyvrp(problem: Problem, limit: float, seed: int, workers: int) -> Record:
    from doorstep.adapters.solvers.pyvrp_optimizer import PyVRPOptimizer

    del workers
    return _planner(PyVRPOptimizer(), problem, limit, seed)


def run_baseline(solver: str) -> Callable[[Problem, float, int, int], Record]:
    def run(problem: Problem, limit: float, seed: int, workers: int) -> Record:
        import station_baselines

        del workers
        runner = (
            station_baselines.run_ortools if solver == "ortools" else station_baselines.run_vroom
        )
        return runner(problem, limit, seed)

    return run


RUNNERS: dict[str, Callable[[Problem, float, int, int], Record]] = {
    "doorstep": run_doorstep,
    "pyvrp": run_pyvrp,
    "ortools": run_baseline("ortools"),
    "vroom": run_baseline("vroom"),
}


def child(
    conn: Any, solver: str, day_file: str, limit: float, seed: int, workers: int, cap_gb: float
) -> None:
    """One solver on the pickled day in this fresh process; the record goes down ``conn``."""
    if cap_gb > 0:
        cap = int(cap_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    try:
        for module in PRELOAD[solver]:
            importlib.import_module(module)
        with open(day_file, "rb") as handle:
            problem = pickle.load(handle)  # noqa: S301  # written by this script's parent
        before = peak_kib()
        cpu0 = cpu_s()
        result = RUNNERS[solver](problem, limit, seed, workers)
        result |= {
            # "idle" is the interpreter with the solver imported and the day loaded.
            "peak_mb": peak_kib() / 1024,
            "idle_mb": before / 1024,
            "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "cpu_s": cpu_s() - cpu0,
        }
    except BaseException as error:  # MemoryError above all: report it rather than die mute
        result = {"routes": [], "error": f"{type(error).__name__}: {error}"[:500]}
        result["peak_mb"] = peak_kib() / 1024
    conn.send(result)
    conn.close()


def solve(solver: str, day_file: Path, limit: float, args: argparse.Namespace) -> Record:
    """One solve in a fresh process; a crash, a kill or a hang becomes a record without routes."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    work = (send, solver, str(day_file), limit, args.seed, args.workers, args.memory_cap_gb)
    process = context.Process(target=child, args=work)
    started = time.perf_counter()
    process.start()
    send.close()
    patience = 2 * limit + 600
    result: Record | None = None
    while time.perf_counter() - started < patience:
        if receive.poll(1.0):
            try:
                result = receive.recv()
            except EOFError:
                result = None
            break
        if not process.is_alive():
            break
    if result is None:
        if process.is_alive():
            process.kill()
            why = f"no answer within {patience:g} s"
        else:
            why = f"the solving process died (exit code {process.exitcode})"
        process.join()
        return {"routes": [], "error": why, "wall_s": time.perf_counter() - started}
    process.join()
    return result | {"wall_s": time.perf_counter() - started}


# -- judging -----------------------------------------------------------------------------------


def plan_of(problem: Problem, routes: Routes) -> Plan:
    """The routes as a doorstep plan, timed by ``schedule.placed``; nothing judged here."""
    planned = []
    for vehicle_id, ids in routes:
        vehicle = problem.vehicle(vehicle_id)
        stops = [problem.stop(i) for i in ids]
        timed = schedule.placed(problem, vehicle, stops)
        planned.append(schedule.route_of(problem, vehicle, stops, timed))
    served = {i for _, ids in routes for i in ids}
    unassigned = [Unassigned(s.id) for s in problem.stops if s.id not in served]
    cost = schedule.plan_cost(problem, planned, unassigned)
    return Plan(tuple(planned), tuple(unassigned), cost=cost)


def judged(problem: Problem, record: Record) -> Record:
    routes = record.get("routes") or []
    if not routes:
        return record | {"cost": None, "vehicles": 0, "unassigned": len(problem.stops)}
    try:
        plan = plan_of(problem, routes)
    except KeyError as error:
        return record | {"cost": None, "error": f"unknown vehicle or stop {error}"}
    violations = validate(problem, plan)
    return record | {
        "cost": plan.cost,
        "distance_m": plan.distance_m,
        "route_h": sum(r.duration_s for r in plan.routes) / 3600,
        "waiting_h": sum(v.wait_s for r in plan.routes for v in r.visits) / 3600,
        "vehicles": len(plan.routes),
        "unassigned": len(plan.unassigned),
        "violations": len(violations),
        "violation_kinds": dict(Counter(str(v.code) for v in violations)),
        "first_violations": [v.message for v in violations[:3]],
    }


def judged_ok(r: Record) -> bool:
    return r.get("cost") is not None and not r.get("violations")


def with_gaps(records: list[Record]) -> None:
    """Gap to the cheapest plan without violations among those leaving the fewest stops out.

    A plan leaving more stops out (every stop is required) gets no gap: its cost is lower
    for serving less.
    """
    for size in {r["size"] for r in records}:
        same = [r for r in records if r["size"] == size and judged_ok(r)]
        fewest = min((r["unassigned"] for r in same), default=None)
        best = min((r["cost"] for r in same if r["unassigned"] == fewest), default=None)
        for r in records:
            if r["size"] != size:
                continue
            r["best_cost"], r["gap"] = best, None
            if best is not None and judged_ok(r) and r["unassigned"] == fewest:
                r["gap"] = 100 * (r["cost"] - best) / best


# -- the run -----------------------------------------------------------------------------------

HEADER = (  # gap: to the best plan without violations that serves the most stops
    f"{'stops':>6} {'solver':<9} {'cost':>13} {'gap %':>7} {'veh':>4} {'unas':>5} {'viol':>5} "
    f"{'first s':>8} {'ran s':>6} {'cpu s':>6} {'peak MB':>8}  note"
)


def line(r: Record) -> str:
    def num(value: Any, form: str) -> str:
        return "-" if value is None else format(value, form)

    note = r.get("error") or ""
    if r.get("violations"):
        note = ", ".join(f"{k} {n}" for k, n in r["violation_kinds"].items())
    if r.get("worker_peak_mb"):
        note = f"+{r['workers']} workers up to {r['worker_peak_mb']:.0f} MB each {note}".strip()
    return (
        f"{r['size']:>6} {r['solver']:<9} {num(r.get('cost'), ',d'):>13} "
        f"{num(r.get('gap'), '+.2f'):>7} {r.get('vehicles', 0):>4} "
        f"{num(r.get('unassigned'), 'd'):>5} {num(r.get('violations'), 'd'):>5} "
        f"{num(r.get('first_feasible_s'), '.1f'):>8} {num(r.get('runtime_s'), '.1f'):>6} "
        f"{num(r.get('cpu_s'), '.1f'):>6} {num(r.get('peak_mb'), ',.0f'):>8}  {note}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,10000", help="stops per day")
    parser.add_argument("--time-limit", default="60,120,300", help="seconds, one or per size")
    parser.add_argument("--solvers", default=",".join(SOLVERS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2, help="doorstep's process pool")
    parser.add_argument("--memory-cap-gb", type=float, default=10.0, help="address space cap")
    parser.add_argument("--straight", action="store_true", help="straight-line days")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    limits = [float(t) for t in args.time_limit.split(",")]
    if len(limits) == 1:
        limits *= len(sizes)
    if len(limits) != len(sizes):
        sys.exit("--time-limit: one value, or one per size")
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    if unknown := set(solvers) - set(SOLVERS):
        sys.exit(f"--solvers: unknown {sorted(unknown)}; choose from {', '.join(SOLVERS)}")
    os.environ.update(ONE_THREAD)
    kind, source = day_source(args.straight)
    command = "python " + " ".join(sys.argv)
    print(f"{command}\n{kind} days, seed {args.seed}, memory cap {args.memory_cap_gb:g} GB")
    records: list[Record] = []
    days: dict[int, Record] = {}
    with tempfile.TemporaryDirectory(prefix="station_days") as scratch:
        for size, limit in zip(sizes, limits, strict=True):
            began = time.perf_counter()
            problem, notes = common(source(size, args.seed))
            built = time.perf_counter() - began
            day_file = Path(scratch) / f"day{size}.pickle"
            with day_file.open("wb") as handle:
                pickle.dump(problem, handle, protocol=pickle.HIGHEST_PROTOCOL)
            days[size] = {"built_s": built, "day": describe(problem), "common": notes}
            print(
                f"\n{size} stops, {limit:g} s each (day built in {built:.0f} s): "
                f"{describe(problem)}; {'; '.join(notes) or 'nothing simplified'}"
            )
            print(HEADER)
            for solver in solvers:
                record = solve(solver, day_file, limit, args)
                record = judged(problem, record | {"size": size, "solver": solver})
                record["time_limit_s"] = limit
                records.append(record)
                with_gaps(records)
                print(line(record), flush=True)
                if args.json_out:
                    _write(args.json_out, command, kind, days, records)
            day_file.unlink()
    print("\nall sizes (gap: to the cheapest plan without violations serving the most stops)")
    print(HEADER)
    for r in records:
        print(line(r))


def _write(
    out: Path, command: str, kind: str, days: dict[int, Record], records: list[Record]
) -> None:
    body = {
        "command": command,
        "days": kind,
        "written": time.strftime("%Y-%m-%d %H:%M:%S"),
        "sizes": days,
        "records": [{k: v for k, v in r.items() if k != "routes"} for r in records],
    }
    out.write_text(json.dumps(body, indent=1))


if __name__ == "__main__":
    main()
