"""The summary `bench/routing.py` prints: a Markdown table per instance, means, comparisons."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from typing import Any

Record = dict[str, Any]


def _mean(values: Iterable[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return statistics.fmean(kept) if kept else None


def _fmt(value: float | None, spec: str, unit: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{unit}"


def _cell(r: Record | None) -> str:
    if r is None:
        return ""
    if r.get("cost") is None:
        return "no routes"
    text = f"{r['cost']:.1f} ({r['gap']:+.2f} %, {r['vehicles']})"
    return text if r["feasible"] else f"**infeasible** {text}"


def report(records: Sequence[Record], solvers: Sequence[str]) -> None:
    """Print everything as Markdown, ready for docs/benchmarks.md."""
    by = {(r["instance"], r["solver"]): r for r in records}
    names = list(dict.fromkeys(r["instance"] for r in records))
    print("\n| instance | BKS (routes) | " + " | ".join(solvers) + " |")
    print("|---|---:|" + "---:|" * len(solvers))
    for name in names:
        first = next(r for r in records if r["instance"] == name)
        cells = " | ".join(_cell(by.get((name, s))) for s in solvers)
        print(f"| {name} | {first['bks']:g} ({first.get('bks_routes', '?')}) | {cells} |")
    print("\ncell: cost (gap to BKS, routes used); costs recomputed from the routes\n")
    _means(records, names, solvers)
    _classes(records, solvers)
    if len(solvers) > 1:
        _versus(by, names, solvers)


def _feasible(records: Iterable[Record], solver: str) -> list[Record]:
    return [r for r in records if r["solver"] == solver and r["feasible"]]


def _means(records: Sequence[Record], names: Sequence[str], solvers: Sequence[str]) -> None:
    everyone = [
        n for n in names if all(r["instance"] != n or r["feasible"] for r in records)
    ]  # instances where every solver listed came back feasible
    print(
        "| solver | feasible | mean gap | mean gap, all feasible "
        f"({len(everyone)}) | routes (BKS) | first feasible | run time | CPU / wall | "
        "peak memory (mean / max; idle) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for solver in solvers:
        mine = [r for r in records if r["solver"] == solver]
        ok = _feasible(records, solver)
        common = [r for r in ok if r["instance"] in everyone]
        peaks = [r["peak_mb"] for r in mine if r.get("peak_mb")]
        walls = sum(r.get("runtime_s") or 0 for r in mine)
        cpu = sum(r.get("cpu_s") or 0 for r in mine)
        idle = _mean(r.get("idle_mb") for r in mine)
        peak = f"{_fmt(_mean(peaks), '.0f')} / {_fmt(max(peaks, default=None), '.0f', ' MB')}"
        peak += f"; {_fmt(idle, '.0f', ' MB')}"
        print(
            f"| {solver} | {len(ok)}/{len(mine)}"
            f" | {_fmt(_mean(r['gap'] for r in ok), '+.2f', ' %')}"
            f" | {_fmt(_mean(r['gap'] for r in common), '+.2f', ' %')}"
            f" | {_fmt(_mean(r['vehicles'] for r in ok), '.2f')}"
            f" ({_fmt(_mean(r.get('bks_routes') for r in ok), '.2f')})"
            f" | {_fmt(_mean(r.get('first_feasible_s') for r in ok), '.2f', ' s')}"
            f" | {_fmt(_mean(r.get('runtime_s') for r in mine), '.1f', ' s')}"
            f" | {_fmt(cpu / walls if walls else None, '.2f')}"
            f" | {peak} |"
        )
    print()


def _classes(records: Sequence[Record], solvers: Sequence[str]) -> None:
    classes = list(dict.fromkeys(r["class"] for r in records))
    if len(classes) < 2:
        return
    print("| class | " + " | ".join(f"{s} mean gap" for s in solvers) + " |")
    print("|---|" + "---:|" * len(solvers))
    for name in classes:
        cells = [
            _fmt(_mean(r["gap"] for r in _feasible(records, s) if r["class"] == name), "+.2f", " %")
            for s in solvers
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()


def _versus(
    by: dict[tuple[str, str], Record], names: Sequence[str], solvers: Sequence[str]
) -> None:
    """The first solver against each other one, on instances both solved feasibly."""
    ours = solvers[0]
    print(
        f"| {ours} vs | instances | mean gap {ours} | mean gap other | difference (pp) | "
        f"total cost ratio | {ours} better / equal / worse | other infeasible, {ours} feasible |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for other in solvers[1:]:
        pairs = [
            (by[n, ours], by[n, other])
            for n in names
            if (n, ours) in by
            and (n, other) in by
            and by[n, ours]["feasible"]
            and by[n, other]["feasible"]
        ]
        rescued = sum(
            1
            for n in names
            if (n, ours) in by
            and (n, other) in by
            and by[n, ours]["feasible"]
            and not by[n, other]["feasible"]
        )
        if not pairs:
            print(f"| {other} | 0 | | | | | | {rescued} |")
            continue
        a = statistics.fmean(p["gap"] for p, _ in pairs)
        b = statistics.fmean(q["gap"] for _, q in pairs)
        ratio = sum(p["cost"] for p, _ in pairs) / sum(q["cost"] for _, q in pairs)
        better = sum(p["cost"] < q["cost"] - 1e-9 for p, q in pairs)
        equal = sum(abs(p["cost"] - q["cost"]) <= 1e-9 for p, q in pairs)
        print(
            f"| {other} | {len(pairs)} | {a:+.2f} % | {b:+.2f} % | {a - b:+.2f} | {ratio:.4f} | "
            f"{better} / {equal} / {len(pairs) - better - equal} | {rescued} |"
        )
    print()
