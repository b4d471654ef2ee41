"""A 10,000-stop synthetic day: the decomposing planner against plain PyVRP on equal wall time.

    python bench/large_day.py                                   # 10,000 stops, 300 s each
    python bench/large_day.py --stops 2000 --time-limit 30      # a quick look

The day is random points in a 25 km square around a central depot with straight-line integer
matrices at 10 m/s, so it measures how the planner scales, not roads (a day on the road
network is a later step). One van per 100 stops (capacity for about 130), 10-hour shifts, a
fifth of the stops with a two-hour window. Each planner runs in a fresh subprocess that builds
the day itself: (a) ``DecomposingOptimizer`` over a local process pool of --workers, (b) plain
``PyVRPOptimizer`` on the whole day. Printed per planner: time to the first feasible plan
(the decomposed one is feasible only once every part is in), final cost, vehicles used,
unassigned stops and peak memory (resident set: the planning process, and its largest worker
with the worker count), then the cost ratio. Both plans are checked by the validator.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from doorstep.adapters.solvers.pyvrp_optimizer import PyVRPOptimizer
from doorstep.planning.decomposing import DecomposingOptimizer
from doorstep.planning.optimizer import Progress, RouteOptimizer
from doorstep.planning.problem import Depot, Problem, Stop, Travel, Vehicle, Window
from doorstep.planning.validation import validate

HOUR = 3600
SIDE_M = 25_000
SPEED_MPS = 10


def day(stops: int, vehicles: int, seed: int) -> Problem:
    """The synthetic day (see the module docstring); matrices built in row blocks."""
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


def child(args: argparse.Namespace) -> dict[str, Any]:
    """One planner on the day, in this (fresh) process; the record as JSON."""
    problem = day(args.stops, args.vehicles or max(1, args.stops // 100), args.seed)
    first: list[float] = []

    def watch(report: Progress) -> None:
        if report.feasible and not first:
            first.append(report.elapsed_s)

    pool = None
    optimizer: RouteOptimizer = PyVRPOptimizer()
    if args.child == "decomposed":
        pool = ProcessPoolExecutor(args.workers)
        optimizer = DecomposingOptimizer(
            PyVRPOptimizer, pool, threshold=args.stops_per_part, stops_per_part=args.stops_per_part
        )
    started = time.perf_counter()
    plan = optimizer.optimize(problem, time_limit_s=args.time_limit, seed=args.seed, progress=watch)
    wall = time.perf_counter() - started
    if pool is not None:
        pool.shutdown()  # the workers' peak is known once they are reaped
    violations = validate(problem, plan)
    return {
        "planner": args.child,
        "wall_s": round(wall, 1),
        "first_feasible_s": round(first[0], 1) if first else None,
        "cost": plan.cost,
        "vehicles": len(plan.routes),
        "unassigned": len(plan.unassigned),
        "violations": len(violations),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024,
        "workers": args.workers if pool is not None else 0,
        "notes": list(plan.notes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, default=10_000)
    parser.add_argument("--vehicles", type=int, help="default: one per 100 stops")
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds per planner")
    parser.add_argument("--workers", type=int, default=2, help="processes of the local pool")
    parser.add_argument("--stops-per-part", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", choices=["decomposed", "plain"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return
    records = []
    for planner in ("decomposed", "plain"):
        command = [sys.executable, str(Path(__file__).resolve()), *sys.argv[1:], "--child", planner]
        # This script with its own arguments: nothing untrusted reaches the command line.
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            print(f"{planner} failed:\n{done.stderr[-3000:]}")
            return
        record = json.loads(done.stdout.strip().splitlines()[-1])
        records.append(record)
        print(
            f"{planner:10} first feasible {record['first_feasible_s']} s, "
            f"cost {record['cost']}, vehicles {record['vehicles']}, "
            f"unassigned {record['unassigned']}, violations {record['violations']}, "
            f"peak {record['peak_mb']} MB (+ {record['workers']} workers "
            f"of up to {record['worker_peak_mb']} MB), wall {record['wall_s']} s"
        )
    print(f"cost ratio decomposed / plain: {records[0]['cost'] / records[1]['cost']:.3f}")


if __name__ == "__main__":
    main()
