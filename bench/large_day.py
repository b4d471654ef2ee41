"""A 10,000-stop station day on real roads: the decomposing planner against plain PyVRP.

    python bench/large_day.py                                   # 10,000 stops, 300 s each
    python bench/large_day.py --stops 2000 --time-limit 60      # a quick look
    python bench/large_day.py --straight                        # the straight-line day

The day (default) is ``simulation.station_day.synthetic_station_day`` on a synthetic city of
--synth-km (written and built as a region in --work, reused on the next run): orders at the
city's address points around a station in its centre, a fifth with a two-hour window and some
with two alternatives, pickups, a lift-gate skill, priorities, one van per 100 orders on
10-hour shifts, all through the product's ``build_day`` with full road matrices (van profile,
both cores). ``--straight`` is the older day instead: random points in a 25 km square with
straight-line matrices at 10 m/s, required stops, no roads.

Each planner runs in a fresh subprocess that builds the day itself and then plans it for
--time-limit seconds: (a) ``DecomposingOptimizer`` over a local process pool of --workers
(started before the day is built, as the product's pool is), (b) plain ``PyVRPOptimizer`` on
the whole day. This script samples the memory of each subprocess and all its descendants
(matrix workers, planning workers) every 0.1 s: PSS (shared pages counted once, split
between the processes sharing them) and, for reference, the sum of RSS (shared pages
counted in every process). Printed per planner: day build time (the matrices), time to the
first feasible whole plan and its cost, the best cost reported through progress by 30 / 60 /
120 s (plain PyVRP reports its own objective, before the read-back), final cost,
vehicles, stops left out, validator violations, peak memory while building and while
planning, then the cost ratio decomposed / plain. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from doorstep.adapters.roads.regions import RegionStore
from doorstep.adapters.roads.road_travel import RoadGraphTravelTimes
from doorstep.adapters.roads.synth import write_synthetic_city
from doorstep.adapters.solvers.pyvrp_optimizer import PyVRPOptimizer
from doorstep.planning.decomposing import DecomposingOptimizer
from doorstep.planning.optimizer import Progress, RouteOptimizer
from doorstep.planning.problem import Depot, Problem, Stop, Travel, Vehicle, Window
from doorstep.planning.validation import validate
from doorstep.simulation.station_day import synthetic_station_day

HOUR = 3600
SIDE_M = 25_000
SPEED_MPS = 10
CHECKPOINTS_S = (30, 60, 120)


def day(stops: int, vehicles: int, seed: int) -> Problem:
    """The straight-line day (``--straight``); matrices built in row blocks."""
    rng = np.random.default_rng(seed)
    xy = np.vstack([[0.0, 0.0], rng.uniform(-SIDE_M / 2, SIDE_M / 2, size=(stops, 2))])
    size = len(xy)
    metres = np.empty((size, size), dtype=np.int32)
    for row in range(0, size, 1000):  # a float64 matrix at once would need 800 MB more
        block = xy[row : row + 1000, None, :] - xy[None, :, :]
        metres[row : row + 1000] = np.rint(np.hypot(block[..., 0], block[..., 1]))
    travel = Travel(metres // SPEED_MPS, metres)
    lat0, lon0 = 60.17, 24.94
    shrink = math.cos(math.radians(lat0))
    coordinates = tuple((lat0 + y / 111_000, lon0 + x / (111_000 * shrink)) for x, y in xy)
    windowed = rng.random(stops) < 0.2
    starts = rng.integers(9, 16, size=stops)
    weights, parcels = rng.integers(500, 10_000, size=stops), rng.integers(1, 4, size=stops)
    services = rng.choice([60, 90, 120], size=stops)
    day_stops = tuple(
        Stop(
            f"s{k}",
            k + 1,
            service_s=int(services[k]),
            windows=(Window(int(starts[k]) * HOUR, int(starts[k] + 2) * HOUR),)
            if windowed[k]
            else (),
            delivery=(int(weights[k]), int(parcels[k])),
        )
        for k in range(stops)
    )
    fleet = tuple(
        Vehicle(f"v{k}", (700_000, 260), shift=Window(8 * HOUR, 18 * HOUR), fixed_cost=10_000)
        for k in range(vehicles)
    )
    depot = Depot("d0", 0, Window(7 * HOUR, 19 * HOUR))
    return Problem(
        (depot,),
        fleet,
        day_stops,
        {"van": travel},
        dimensions=("weight_g", "parcels"),
        coordinates=coordinates,
    )


def region(work: Path, km: float) -> tuple[RegionStore, str]:
    """The synthetic city as a built region in ``work`` (written and built once, then reused)."""
    name = f"synth{km:g}km".replace(".", "_")
    pbf = work / f"{name}.osm.pbf"
    if not pbf.exists():
        work.mkdir(parents=True, exist_ok=True)
        write_synthetic_city(pbf, name=name, size_km=km, seed=0)
    store = RegionStore(work / "regions")
    store.build(pbf, name=name, timezone="UTC")
    return store, name


def road_day(args: argparse.Namespace) -> Problem:
    store, name = region(Path(args.work), args.synth_km)
    travel = RoadGraphTravelTimes(store, name, cache_bytes=0)
    places = [a.location for a in store.addresses(name).known()]
    day = synthetic_station_day(
        args.stops, seed=args.seed, travel=travel, places=places, vehicles=args.vehicles
    )
    return day.problem


def child(args: argparse.Namespace) -> dict[str, Any]:
    """One planner on the day, in this (fresh) process; the record as JSON."""
    pool = None
    if args.child == "decomposed":
        pool = ProcessPoolExecutor(args.workers)
        for _ in pool.map(abs, range(args.workers)):
            pass  # start the workers now, before the day's matrices fill this process
    started_build = time.time()
    if args.straight:
        problem = day(args.stops, args.vehicles or max(1, args.stops // 100), args.seed)
    else:
        problem = road_day(args)
    planning_at = time.time()
    build_s = planning_at - started_build
    trace: list[tuple[float, int, bool]] = []

    def watch(report: Progress) -> None:
        if report.best_cost is not None:
            trace.append((report.elapsed_s, report.best_cost, report.feasible))

    optimizer: RouteOptimizer = PyVRPOptimizer()
    if pool is not None:
        optimizer = DecomposingOptimizer(
            PyVRPOptimizer, pool, threshold=args.stops_per_part, stops_per_part=args.stops_per_part
        )
    started = time.perf_counter()
    plan = optimizer.optimize(problem, time_limit_s=args.time_limit, seed=args.seed, progress=watch)
    wall = time.perf_counter() - started
    if pool is not None:
        pool.shutdown()
    violations = validate(problem, plan)
    feasible = [(at, cost) for at, cost, ok in trace if ok]
    required_out = sum(1 for u in plan.unassigned if problem.stop(u.stop_id).required)
    return {
        "planner": args.child,
        "stops": len(problem.stops),
        "fleet": len(problem.vehicles),
        "locations": problem.num_locations,
        "build_s": round(build_s, 1),
        "planning_at": planning_at,
        "wall_s": round(wall, 1),
        "first_feasible_s": round(feasible[0][0], 1) if feasible else None,
        "first_feasible_cost": feasible[0][1] if feasible else None,
        "at": {
            str(c): min((cost for at, cost in feasible if at <= c), default=None)
            for c in CHECKPOINTS_S
        },
        "cost": plan.cost,
        "distance_km": round(plan.distance_m / 1000, 1),
        "vehicles": len(plan.routes),
        "unassigned": len(plan.unassigned),
        "required_unassigned": required_out,
        "violations": len(violations),
        "workers": args.workers if pool is not None else 0,
        "notes": list(plan.notes),
    }


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _memory(root: int) -> tuple[int, int]:
    """PSS and RSS (bytes) summed over ``root`` and its descendants."""
    pss = rss = 0
    for pid in _tree(root):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1]) * 1024
                elif line.startswith("Rss:"):
                    rss += int(line.split()[1]) * 1024
    return pss, rss


def run_child(planner: str) -> dict[str, Any] | None:
    """This script with ``--child``, its process tree sampled while it runs."""
    command = [sys.executable, str(Path(__file__).resolve()), *sys.argv[1:], "--child", planner]
    samples: list[tuple[float, int, int]] = []
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        # This script with its own arguments: nothing untrusted reaches the command line.
        process = subprocess.Popen(command, stdout=out, stderr=err)  # noqa: S603
        while process.poll() is None:
            samples.append((time.time(), *_memory(process.pid)))
            time.sleep(0.1)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            print(f"{planner} failed:\n{err.read().decode()[-3000:]}")
            return None
        record: dict[str, Any] = json.loads(out.read().decode().strip().splitlines()[-1])
    planning = [s for s in samples if s[0] >= record["planning_at"]]
    building = [s for s in samples if s[0] < record["planning_at"]]
    gib = 2**30
    record["peak_pss_gb"] = round(max(s[1] for s in samples) / gib, 2)
    record["peak_rss_sum_gb"] = round(max(s[2] for s in samples) / gib, 2)
    record["build_peak_pss_gb"] = round(max((s[1] for s in building), default=0) / gib, 2)
    record["plan_peak_pss_gb"] = round(max((s[1] for s in planning), default=0) / gib, 2)
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, default=10_000)
    parser.add_argument("--vehicles", type=int, help="default: one per 100 stops")
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds per planner")
    parser.add_argument("--workers", type=int, default=2, help="processes of the local pool")
    parser.add_argument("--stops-per-part", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--straight", action="store_true", help="the straight-line day")
    parser.add_argument("--synth-km", type=float, default=25.0)
    parser.add_argument(
        "--work",
        default=str(Path(tempfile.gettempdir()) / "doorstep-large-day"),
        help="where the synthetic city is built (reused)",
    )
    parser.add_argument("--planners", default="decomposed,plain")
    parser.add_argument("--child", choices=["decomposed", "plain"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return
    if not args.straight:
        started = time.perf_counter()
        region(Path(args.work), args.synth_km)  # once, before the timed children
        print(f"synthetic city {args.synth_km:g} km ready in {time.perf_counter() - started:.1f} s")
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    records = []
    for planner in args.planners.split(","):
        record = run_child(planner)
        if record is None:
            return
        records.append(record)
        at = ", ".join(f"{c} s {record['at'][str(c)]}" for c in CHECKPOINTS_S)
        print(
            f"{planner:10} {record['stops']} stops, {record['fleet']} vehicles, "
            f"{record['locations']} locations; day built in {record['build_s']} s "
            f"(peak {record['build_peak_pss_gb']} GB)\n"
            f"{'':10} first feasible {record['first_feasible_s']} s "
            f"(cost {record['first_feasible_cost']}); best reported at {at}\n"
            f"{'':10} final cost {record['cost']} ({record['distance_km']} km), "
            f"vehicles {record['vehicles']}, unassigned {record['unassigned']} "
            f"({record['required_unassigned']} required), violations {record['violations']}, "
            f"wall {record['wall_s']} s\n"
            f"{'':10} peak memory while planning {record['plan_peak_pss_gb']} GB PSS, "
            f"overall {record['peak_pss_gb']} GB PSS ({record['peak_rss_sum_gb']} GB summed RSS), "
            f"process tree with {record['workers']} workers; notes {record['notes']}"
        )
    print(f"load after: {os.getloadavg()[0]:.2f}")
    if len(records) == 2:
        print(f"cost ratio decomposed / plain: {records[0]['cost'] / records[1]['cost']:.3f}")


if __name__ == "__main__":
    main()
