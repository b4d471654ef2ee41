"""Planning strategies compared on the digital twin: the same simulated days, planned three ways.

    python bench/twin.py                               # 300 orders, seeds 1-3, Helsinki
    python bench/twin.py --orders 100 --seeds 1 --ortools-s 10     # a quick look

Each seed makes one station day (``simulation.demo.prepare``: the same station, fleet and
orders at real Helsinki places for every strategy), planned by

1. doorstep: PyVRP through doorstep's planner, stopped after --iterations;
2. nearest neighbour: each van takes the nearest feasible stop next, a stand-in for planning
   by hand (``planning.nearest``);
3. OR-Tools: PATH_CHEAPEST_ARC then GUIDED_LOCAL_SEARCH for --ortools-s seconds, its routes
   timed by doorstep's schedule arithmetic (``bench/station_baselines.py``; breaks dropped
   and every stop required, as OR-Tools takes the day);

then played by the twin with the same seed (the same traffic, absences and mistakes, drawn
in the same order) and measured by the KPI engine exactly as a real day. Every plan goes
through doorstep's validator before it is published. Printed per strategy: planned metres
per stop, on-time rate, first-attempt rate, vans used and stops left unplanned, each the
mean over the seeds with the spread (min-max). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from doorstep.bootstrap import Container, build, optimizer  # noqa: E402
from doorstep.config import Settings  # noqa: E402
from doorstep.planning.nearest import NearestNeighbourOptimizer  # noqa: E402
from doorstep.planning.optimizer import ProgressCallback, RouteOptimizer  # noqa: E402
from doorstep.planning.plan import Plan  # noqa: E402
from doorstep.planning.problem import Problem  # noqa: E402
from doorstep.services import accounts, kpis  # noqa: E402
from doorstep.services.authorization import system_principal  # noqa: E402
from doorstep.simulation.demo import demo_day  # noqa: E402
from station_baselines import run_ortools  # noqa: E402
from station_days import common, plan_of  # noqa: E402

DAY = date(2026, 11, 23)  # a Monday


class OrTools:
    """OR-Tools as a ``RouteOptimizer``: its routes, timed and costed by doorstep."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def optimize(
        self,
        problem: Problem,
        *,
        time_limit_s: float,
        seed: int = 0,
        initial: Plan | None = None,
        progress: ProgressCallback | None = None,
    ) -> Plan:
        day, _ = common(problem)
        found = run_ortools(day, self.seconds, seed)
        return plan_of(problem, found.get("routes") or [])


@dataclass
class Outcome:
    m_per_stop: float
    on_time: float
    first_attempt: float
    vans: int
    unplanned: int
    seconds: float


def one(c: Container, strategy: str, planner: RouteOptimizer, seed: int, args: Any) -> Outcome:
    started = time.perf_counter()
    setup = accounts.ensure_organisation(
        f"twin {strategy} {seed}", f"{strategy.replace(' ', '-').lower()}{seed}@twin.example",
        "twin bench password",
        uow=c.uow(), clock=c.clock, ids=c.ids, hasher=c.hasher,
    )  # fmt: skip
    principal = system_principal(setup.organisation.id)
    played = demo_day(
        principal, uow=c.uow, travel=c.travel(), optimizer=planner, proofs=c.proofs(),
        places=[a.location for a in c.regions.addresses(args.region).known()],
        orders_count=args.orders, seed=seed, day=DAY,
        timezone=c.regions.info(args.region).timezone, iterations=args.iterations,
        tag=f"{strategy[:2]}{seed}",
    )  # fmt: skip
    version = played.version
    card = kpis.day_kpis(principal, played.station.code, DAY, uow=c.reader()).kpis.day
    return Outcome(
        card.road.planned_m_per_stop.value or 0.0,
        card.on_time.value or 0.0,
        card.first_attempt.value or 0.0,
        sum(1 for r in version.plan.routes if r.visits),
        len(version.plan.unassigned),
        time.perf_counter() - started,
    )


def spread(values: list[float], fmt: str) -> str:
    mean = statistics.fmean(values)
    return f"{mean:{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--iterations", type=int, default=1000, help="doorstep's PyVRP budget")
    parser.add_argument("--ortools-s", type=float, default=30.0, help="OR-Tools' time budget")
    parser.add_argument("--region", default="helsinki")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    scratch = Path(tempfile.mkdtemp(prefix="doorstep-twin-"))
    c = build(
        Settings(
            database_url=f"sqlite:///{scratch / 'twin.db'}",
            data_dir=scratch,
            fast_password_hashing=True,
            region=args.region,
        )
    )
    c.migrate()
    if args.region == "helsinki":
        c.regions.build(None)
    print(f"{args.orders} orders a day, seeds {seeds}, {args.region}; machine: "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")  # fmt: skip
    strategies: dict[str, RouteOptimizer] = {
        "doorstep": optimizer(),
        "nearest neighbour": NearestNeighbourOptimizer(),
        "OR-Tools": OrTools(args.ortools_s),
    }
    results: dict[str, list[Outcome]] = {name: [] for name in strategies}
    for seed in seeds:
        for name, planner in strategies.items():
            found = one(c, name, planner, seed, args)
            results[name].append(found)
            print(
                f"  seed {seed} {name:>17}: {found.m_per_stop:6.0f} m/stop, on time "
                f"{found.on_time:6.1%}, first attempt {found.first_attempt:6.1%}, "
                f"{found.vans} vans, {found.unplanned} unplanned ({found.seconds:.0f} s)"
            )
    print()
    print("| strategy | planned m per stop | on time | first attempt | vans | unplanned |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, found in results.items():
        print(
            f"| {name} | {spread([f.m_per_stop for f in found], '.0f')} "
            f"| {spread([100 * f.on_time for f in found], '.1f')} % "
            f"| {spread([100 * f.first_attempt for f in found], '.1f')} % "
            f"| {spread([float(f.vans) for f in found], '.1f')} "
            f"| {spread([float(f.unplanned) for f in found], '.1f')} |"
        )
    print(f"load after: {os.getloadavg()[0]:.2f}")
    c.close()


if __name__ == "__main__":
    main()
