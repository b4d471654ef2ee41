"""Repairing and explaining a full day whose routes owe a break: the O(n) break test against
searching every place for the break at every gap.

    python bench/repair_breaks.py                  # the allocation benchmark's peak day
    python bench/repair_breaks.py --orders 200     # a quick look

After the solver, ``planning.repair.put_back`` tries to insert every stop left out, and
``planning.explanation.explain`` tries again for each stop still out to say why. On a full
day with 10-hour shifts most routes stop just short of six hours of work, where the break
becomes owed: a new stop makes the route owe it, so each gap that passes the O(1) test is
simulated with the break at every place (``schedule.placed``, O(n^2)), and almost all fail.
``insertion.break_fits`` rules such a route out in O(n) first.

The day is ``bench/allocation.py``'s (the twin's Helsinki day, 400 orders, two vans on
08:00-18:00 shifts, the sample partners). Allocation runs on it as the product does, and
every (problem, plan) the solver hands to the repair is kept. Each is then repaired and
explained twice, outside the allocation:

1. doorstep: ``put_back`` then ``explain`` as shipped;
2. the baseline, the full search: the same with ``break_fits`` answering "maybe" always, so
   every owed break is searched for at every place (what insertion did before).

It prints each pass's time, the ratio, and whether both gave the same plan and the same
reasons (they must: the test only skips searches that cannot succeed). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time as timing
from datetime import datetime, time
from pathlib import Path
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from doorstep.bootstrap import optimizer  # noqa: E402
from doorstep.planning.explanation import explain  # noqa: E402
from doorstep.planning.plan import Plan  # noqa: E402
from doorstep.planning.problem import Problem  # noqa: E402
from doorstep.planning.repair import put_back  # noqa: E402
from doorstep.services.carriers import allocation  # noqa: E402
from doorstep.simulation.world import SimClock  # noqa: E402


def _bench(name: str) -> Any:
    """``bench/<name>.py`` as a module (``allocation``: its day, fleet and partners;
    ``breakdown``: its scratch container)."""
    path = ROOT / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"{name}_bench", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[f"{name}_bench"] = module
    spec.loader.exec_module(module)
    return module


def repaired(problem: Problem, plan: Plan) -> tuple[Plan, Plan, float, float]:
    started = timing.perf_counter()
    fixed = put_back(problem, plan)
    middle = timing.perf_counter()
    told = explain(problem, fixed)
    return fixed, told, middle - started, timing.perf_counter() - middle


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--vans", type=int, default=2)
    parser.add_argument("--shift-hours", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=10.0, help="PyVRP s per plan")
    args = parser.parse_args()
    bench = _bench("allocation")
    scratch = Path(tempfile.mkdtemp(prefix="doorstep-repair-"))
    c = _bench("breakdown").container(scratch, "repair.db")
    zone = c.regions.info("helsinki").timezone
    places = [a.location for a in c.regions.addresses("helsinki").known()]
    print(f"{args.orders} orders, {args.vans} vans on {args.shift_hours} h shifts, seed "
          f"{args.seed}, {args.time_limit:g} s per plan; machine: {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}")  # fmt: skip
    principal = bench.setup(c, "repair", args, places, zone)
    kept: list[tuple[Problem, Plan]] = []

    def keep(problem: Problem, plan: Plan) -> Plan:
        kept.append((problem, plan))
        return put_back(problem, plan)

    morning = SimClock(datetime.combine(bench.DAY, time(6), ZoneInfo(zone)))
    ports = allocation.AllocationPorts(c.uow(), c.travel(), optimizer(), morning, c.ids)
    with patch.object(allocation, "put_back", keep):
        allocation.run(
            principal, "SYN1", bench.DAY, ports=ports, time_limit_s=args.time_limit,
            seed=args.seed,
        )  # fmt: skip
    print()
    print("| plan | left out | doorstep repair | explain | full search repair | explain "
          "| ratio | same plan and reasons |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    ours_total = base_total = 0.0
    for n, (problem, plan) in enumerate(kept, 1):
        fixed, told, repair_s, explain_s = repaired(problem, plan)
        with patch("doorstep.planning.insertion.break_fits", return_value=True):
            fixed_b, told_b, repair_b, explain_b = repaired(problem, plan)
        ours, base = repair_s + explain_s, repair_b + explain_b
        ours_total, base_total = ours_total + ours, base_total + base
        same = fixed == fixed_b and told == told_b
        print(f"| {n} | {len(plan.unassigned)} | {repair_s:.1f} s | {explain_s:.1f} s "
              f"| {repair_b:.1f} s | {explain_b:.1f} s | x{base / ours:.1f} "
              f"| {'yes' if same else 'NO'} |")  # fmt: skip
    print(f"all passes: doorstep {ours_total:.1f} s, full search {base_total:.1f} s, "
          f"x{base_total / ours_total:.1f} faster")  # fmt: skip
    c.close()


if __name__ == "__main__":
    main()
