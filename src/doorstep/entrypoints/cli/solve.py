"""``doorstep solve``: plan a public benchmark instance (VRPLIB file) and check the plan."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Annotated

import typer

from doorstep import bootstrap
from doorstep.adapters.solvers.vrplib_instances import (
    DIMACS,
    Instance,
    NotAnInstance,
    cost_of,
    format_routes,
    read_instance,
    read_solution,
)
from doorstep.entrypoints.cli import output
from doorstep.planning.plan import Plan
from doorstep.planning.validation import validate

_CONVENTIONS = {
    DIMACS: "DIMACS (distance = time, truncated to 0.1; total distance)",
}
_TSPLIB = "TSPLIB (distance rounded to an integer; total distance; unlimited fleet)"


def solve(
    instance: Annotated[
        Path,
        typer.Argument(
            metavar="INSTANCE",
            show_default=False,
            help="A VRPLIB instance: VRPTW (Solomon, Gehring & Homberger) or CVRP (X).",
        ),
    ],
    time_limit: Annotated[
        float, typer.Option("--time-limit", metavar="S", help="Wall-time budget in seconds.")
    ] = 10.0,
    seed: Annotated[int, typer.Option(help="Random seed; runs with one seed can be compared.")] = 0,
    as_json: Annotated[
        bool,
        typer.Option("--json", help='Print {"cost", "feasible", "routes", ...} as JSON instead.'),
    ] = False,
) -> None:
    """Plan routes for a benchmark instance with doorstep's planner and check them.

    Costs follow the instance's convention: DIMACS for instances with time windows, TSPLIB
    rounding for CVRP. Routes list customers 1..n as in .sol files (the depot is implicit).
    Feasibility is checked by doorstep's plan validator, not taken from the solver.
    """
    if not (math.isfinite(time_limit) and time_limit > 0):
        output.usage_error(
            f"--time-limit must be a number of seconds above 0, e.g. --time-limit 10; "
            f"got {time_limit:g}"
        )
    if not instance.is_file():
        output.usage_error(
            f"INSTANCE: {instance} is not a file; give the path to a VRPLIB .vrp file"
        )
    try:
        loaded = read_instance(instance)
    except NotAnInstance as error:
        output.usage_error(f"INSTANCE: {error}; give a VRPLIB .vrp file (CVRP or VRPTW)")
    if not as_json:
        output.note(
            f"Solving {loaded.name}: {loaded.num_clients} customers, {loaded.fleet} vehicles, "
            f"{time_limit:g} s"
        )
    started = time.perf_counter()
    plan = bootstrap.optimizer().optimize(loaded.problem, time_limit_s=time_limit, seed=seed)
    runtime = time.perf_counter() - started
    routes = format_routes(loaded.problem, plan)
    violations = [f"[{v.code}] {v.message}" for v in validate(loaded.problem, plan)]
    feasible = not violations and not plan.unassigned
    cost = cost_of(loaded, routes)
    reference = _reference_cost(instance)
    if as_json:
        answer: dict[str, object] = {
            "instance": loaded.name,
            "cost": cost,
            "feasible": feasible,
            "routes": routes,
            "vehicles": len(routes),
            "unassigned": [loaded.problem.stop(u.stop_id).location for u in plan.unassigned],
            "violations": violations,
            "runtime_s": round(runtime, 3),
            "reference_cost": reference,
        }
        typer.echo(json.dumps(answer))
        return
    _show(loaded, plan, routes, cost, violations, runtime, reference)


def _reference_cost(instance: Path) -> float | None:
    """The cost stated in a ``.sol`` file next to the instance, if there is one to compare with."""
    solution = instance.with_suffix(".sol")
    if not solution.is_file():
        return None
    try:
        return read_solution(solution).cost
    except NotAnInstance:
        return None  # a broken reference file only loses the comparison


def _show(
    loaded: Instance,
    plan: Plan,
    routes: list[list[int]],
    cost: float,
    violations: list[str],
    runtime: float,
    reference: float | None,
) -> None:
    problems = len(violations) + len(plan.unassigned)
    fields: list[tuple[str, object]] = [
        ("Instance", loaded.name),
        ("Convention", _CONVENTIONS.get(loaded.convention, _TSPLIB)),
        ("Cost", f"{cost:.1f}" if loaded.scale > 1 else f"{cost:.0f}"),
        ("Routes", f"{len(routes)} of {loaded.fleet} vehicles"),
        ("Feasible", "yes" if problems == 0 else f"no ({problems} problems, listed below)"),
        ("Runtime", f"{runtime:.1f} s"),
    ]
    if reference is not None:
        gap = 100 * (cost - reference) / reference if reference else 0.0
        fields.append(("Reference (.sol)", f"{reference:g} (gap {gap:+.2f} %)"))
    output.details(f"Plan for {loaded.name}", fields)
    used = [r for r in plan.routes if r.visits]  # format_routes drops empty routes too
    rows = [
        [
            number,
            route.vehicle_id,
            len(customers),
            sum(loaded.problem.stop(str(c)).delivery[0] for c in customers),
            f"{cost_of(loaded, [customers]):g}",  # recomputed, like the total
            " ".join(map(str, customers)),
        ]
        for number, (route, customers) in enumerate(zip(used, routes, strict=True), start=1)
    ]
    output.table("Routes", ["#", "Vehicle", "Stops", "Load", "Distance", "Customers"], rows)
    if problems:
        listed = violations + [f"customer {u.stop_id} is on no route" for u in plan.unassigned]
        output.table("Problems", ["Problem"], [[text] for text in listed])
