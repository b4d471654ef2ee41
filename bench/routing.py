"""Routing quality on public benchmarks: doorstep's planner against PyVRP, OR-Tools and VROOM.

    python bench/routing.py --set solomon                          # 56 instances, 10 s each
    python bench/routing.py --set solomon --instances R101,C101 --time-limit 2   # a quick look
    python bench/routing.py --set gh1000 --solvers doorstep,pyvrp --json-out gh1000.json

On instances from ../shared/benchmarks (see its README for the conventions), in one run and at
the same wall-time budget, one solve at a time, each in a fresh process (`spawn`) on one
thread: (a) doorstep's planner (`bootstrap.optimizer()` on the problem of
`vrplib_instances.read_instance`), (b) plain PyVRP (`pyvrp.read` + `pyvrp.solve`), (c) OR-Tools
routing (PATH_CHEAPEST_ARC, then GUIDED_LOCAL_SEARCH) and (d) VROOM (exploration level 5, the
budget as its timeout). Solvers and their settings are in `bench/routing_baselines.py`.

No solver's own cost or feasibility is used. Every solver's routes are checked twice: by a
convention checker here, which recomputes distances from the file's coordinates in integer
arithmetic (capacity, windows with waiting, return before the depot closes, each customer
once, at most VEHICLES routes), and by doorstep's validator on the routes made into a doorstep
plan. Per instance it prints the BKS, each solver's cost, gap to the BKS, routes used, time to
its first feasible solution where the solver shows it, run time, peak memory of the solving
process and whether the routes are feasible; at the end mean gaps per solver and class, and how
the first solver listed compares with each other one. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import multiprocessing
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import vrplib  # type: ignore[import-untyped]  # noqa: E402

from doorstep.adapters.solvers.vrplib_instances import read_instance, to_plan  # noqa: E402
from routing_baselines import SOLVERS, limit_threads, measured  # noqa: E402
from routing_report import report  # noqa: E402

DATA = ROOT.parent / "shared" / "benchmarks"
DEFAULT_LIMIT_S = {"solomon": 10.0, "gh200": 30.0, "gh1000": 60.0, "x": 30.0}

Record = dict[str, Any]


def check(path: Path, routes: Sequence[Sequence[int]]) -> tuple[int, list[str]]:
    """The routes' integer cost and what breaks the convention, straight from the file."""
    data = vrplib.read_instance(path, compute_edge_weights=False)
    xy = [(int(x), int(y)) for x, y in data["node_coord"]]
    if any((x, y) != tuple(c) for (x, y), c in zip(xy, data["node_coord"], strict=True)):
        sys.exit(f"{path}: non-integer coordinates; the checker computes in integers")
    windowed = "time_window" in data
    n, capacity = int(data["dimension"]) - 1, int(data["capacity"])

    def dist(a: int, b: int) -> int:
        squared = (xy[a][0] - xy[b][0]) ** 2 + (xy[a][1] - xy[b][1]) ** 2
        if windowed:  # DIMACS: floor(10 * euclid), in tenths
            return math.isqrt(100 * squared)
        root = math.isqrt(squared)  # TSPLIB: nearest integer
        return root + (squared > root * root + root)

    problems, seen, total = [], [0] * (n + 1), 0
    routes = [r for r in routes if r]
    fleet = int(data.get("vehicles", n))
    if len(routes) > fleet:
        problems.append(f"{len(routes)} routes, VEHICLES is {fleet}")
    service = round(10 * float(data.get("service_time", 0)))
    for k, route in enumerate(routes, start=1):
        if any(not 1 <= c <= n for c in route):
            problems.append(f"route {k} visits a customer outside 1..{n}")
            continue
        load = sum(int(data["demand"][c]) for c in route)
        if load > capacity:
            problems.append(f"route {k} carries {load} > capacity {capacity}")
        t, at = round(10 * float(data["time_window"][0][0])) if windowed else 0, 0
        for c in [*route, 0]:
            leg = dist(at, c)
            total, at = total + leg, c
            seen[c] += c != 0
            if windowed:
                early, late = (round(10 * float(v)) for v in data["time_window"][c])
                t = max(t + leg, early)
                if t > late:
                    where = "returns to the depot" if c == 0 else f"reaches {c}"
                    problems.append(f"route {k} {where} at {t / 10:g} > {late / 10:g}")
                t += service if c else 0
    missing = [c for c in range(1, n + 1) if seen[c] == 0]
    repeated = [c for c in range(1, n + 1) if seen[c] > 1]
    if missing:
        problems.append(f"{len(missing)} customers on no route (first {missing[0]})")
    if repeated:
        problems.append(f"{len(repeated)} customers served twice (first {repeated[0]})")
    return total, problems


def validator_problems(path: Path, routes: Sequence[Sequence[int]]) -> list[str] | None:
    """doorstep's validator on the routes as a plan; None while it does not exist yet."""
    try:
        from doorstep.planning.validation import validate
    except ImportError:
        return None
    instance = read_instance(path)
    try:
        plan = to_plan(instance, routes)
    except ValueError as error:
        return [str(error)]
    found = [f"[{v.code}] {v.message}" for v in validate(instance.problem, plan)]
    return found + [f"customer {u.stop_id} on no route" for u in plan.unassigned]


def solve(solver: str, path: Path, limit: float, seed: int) -> Record:
    """One solve in a fresh process; a crash or a hang becomes a record without routes."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        pending = pool.apply_async(measured, (solver, str(path), limit, seed))
        try:
            result: Record = pending.get(timeout=3 * limit + 120)
        except multiprocessing.TimeoutError:
            pool.terminate()
            return {"routes": [], "error": f"no answer within {3 * limit + 120:g} s"}
        except Exception as error:
            return {"routes": [], "error": f"{type(error).__name__}: {error}"}
    return result


def judged(record: Record, path: Path, bks: float, scale: int) -> Record:
    """The record with its recomputed cost, gap and both checks."""
    routes = record.get("routes") or []
    total, problems = check(path, routes)
    validated = validator_problems(path, routes) if routes else None
    if record.get("error"):
        problems = [record["error"], *problems]
    cost = total / scale
    record |= {
        "cost": cost if routes else None,
        "gap": 100 * (cost - bks) / bks if routes else None,
        "vehicles": len([r for r in routes if r]),
        "feasible": bool(routes) and not problems and not validated,
        "problems": problems,
        "validator": validated,
    }
    if validated is not None and bool(validated) != bool(problems):
        print(f"    ! checker and validator disagree: {problems[:2]} vs {validated[:2]}")
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(DEFAULT_LIMIT_S), default="solomon")
    parser.add_argument("--instances", help="a comma-separated subset, e.g. R101,C101")
    parser.add_argument("--time-limit", type=float, help="seconds per solve (default by set)")
    parser.add_argument("--solvers", default=",".join(SOLVERS), help="the first is compared")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json-out", type=Path, help="write every record here as it comes")
    parser.add_argument(
        "--resume", action="store_true", help="keep records from --json-out, but not failed ones"
    )
    parser.add_argument("--fresh", default="", help="with --resume: run these solvers again")
    parser.add_argument("--data", type=Path, default=DATA, help="the benchmarks folder")
    args = parser.parse_args()
    limit = args.time_limit or DEFAULT_LIMIT_S[args.set]
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    if unknown := set(solvers) - set(SOLVERS):
        sys.exit(f"--solvers: unknown {sorted(unknown)}; choose from {', '.join(SOLVERS)}")
    with (args.data / "bks.csv").open(newline="") as handle:
        table = [row for row in csv.DictReader(handle) if row["set"] == args.set]
    if args.instances:
        wanted = {name.strip() for name in args.instances.split(",")}
        if missing := wanted - {row["instance"] for row in table}:
            sys.exit(f"--instances: not in the {args.set} set: {sorted(missing)}")
        table = [row for row in table if row["instance"] in wanted]
    done: dict[tuple[str, str], Record] = {}
    if args.resume and args.json_out and args.json_out.exists():
        fresh = set(args.fresh.split(","))
        for old in json.loads(args.json_out.read_text())["records"]:
            if not old.get("error") and old["solver"] not in fresh:
                done[old["instance"], old["solver"]] = old
    limit_threads()
    command = "python " + " ".join(sys.argv)
    print(f"{command}\n{len(table)} instances, {limit:g} s per solve, seed {args.seed}")
    records: list[Record] = []
    for row in table:
        name, bks = row["instance"], float(row["bks_cost"])
        path = args.data / args.set / f"{name}.vrp"
        scale = read_instance(path).scale
        print(f"{name}: BKS {bks:g} ({row['bks_routes']} routes, fleet {row['fleet_in_file']})")
        for solver in solvers:
            record = done.get((name, solver))
            if record is None:
                record = solve(solver, path, limit, args.seed)
                record |= {"instance": name, "solver": solver, "bks": bks}
                record["class"] = instance_class(name)
                record["bks_routes"] = int(row["bks_routes"])
                record = judged(record, path, bks, scale)
            records.append(record)
            print("  " + line(record))
            if args.json_out:
                _write(args.json_out, command, args, limit, records, done)
    report(records, solvers)


def instance_class(name: str) -> str:
    """Solomon R101 -> R1, Gehring & Homberger RC2_10_3 -> RC2, X-n101-k25 -> X."""
    if name.startswith("X-"):
        return "X"
    head = name.split("_")[0]
    letters = head.rstrip("0123456789")
    return letters + head[len(letters)]


def line(r: Record) -> str:
    if r.get("cost") is None:
        return f"{r['solver']:<9} no routes: {'; '.join(r['problems'])}"
    first = r.get("first_feasible_s")
    return (
        f"{r['solver']:<9} {r['cost']:>10.1f} {r['gap']:+7.2f} %  {r['vehicles']:>3} routes  "
        f"first feasible {'-' if first is None else f'{first:.2f} s':>7}  "
        f"ran {r.get('runtime_s', 0):6.1f} s  cpu {r.get('cpu_s', 0):6.1f} s  "
        f"peak {r.get('peak_mb', 0):6.0f} MB  "
        + ("feasible" if r["feasible"] else "INFEASIBLE: " + "; ".join(r["problems"][:3]))
    )


def _write(
    out: Path,
    command: str,
    args: argparse.Namespace,
    limit: float,
    records: list[Record],
    done: dict[tuple[str, str], Record],
) -> None:
    kept = {(r["instance"], r["solver"]): r for r in [*done.values(), *records]}
    body = {
        "command": command,
        "set": args.set,
        "time_limit_s": limit,
        "seed": args.seed,
        "written": time.strftime("%Y-%m-%d %H:%M:%S"),
        "records": list(kept.values()),
    }
    out.write_text(json.dumps(body, indent=1))


if __name__ == "__main__":
    main()
