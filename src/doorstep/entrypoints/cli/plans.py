"""``doorstep plan``: plan a station's day, then list, show, compare, publish and lock versions."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from doorstep import bootstrap
from doorstep.domain.stations import Station
from doorstep.entrypoints.api.schemas.allocations import AllocationRunOut, HandOffOut
from doorstep.entrypoints.api.schemas.plans import (
    ComparisonOut,
    OrderExplanationOut,
    PlanListOut,
    PlanOut,
    PlanSummaryOut,
    money,
)
from doorstep.entrypoints.cli import allocations, output, plan_tables
from doorstep.entrypoints.cli.options import service_day
from doorstep.entrypoints.cli.records import FieldPath, rejecting
from doorstep.entrypoints.cli.scope import OrgOption, Scope, organisation_scope
from doorstep.entrypoints.cli.stations import codes, lookup
from doorstep.planning import optimizer as solving
from doorstep.services import fleet
from doorstep.services.carriers import allocation
from doorstep.services.planning import runs

# Enough for PyVRP to settle a day of a few hundred stops; bigger days improve with more.
DEFAULT_TIME_LIMIT_S = 30.0

app = typer.Typer(
    help="Plan a station's day; list, show, compare, publish and lock its plan versions.",
    invoke_without_command=True,
    no_args_is_help=True,
)

JsonFlag = Annotated[
    bool, typer.Option("--json", help="Print the JSON the HTTP API answers with instead.")
]
PlanId = Annotated[str, typer.Argument(metavar="PLAN_ID", help="A plan version's id (pln_...).")]
StationOption = Annotated[str | None, typer.Option(help="The station, by code (HEL1) or id.")]
DayOption = Annotated[
    str | None, typer.Option("--date", metavar="YYYY-MM-DD", help="The day, e.g. 2026-11-23.")
]


@app.callback()
def plan(
    ctx: typer.Context,
    station: StationOption = None,
    day: DayOption = None,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            metavar="SECONDS",
            help="Wall time the search may take; longer finds cheaper plans, with diminishing "
            "returns.",
        ),
    ] = DEFAULT_TIME_LIMIT_S,
    seed: Annotated[int, typer.Option(help="Random seed; one seed repeats a search.")] = 0,
    allocate: Annotated[
        bool,
        typer.Option(
            "--allocate",
            help="Decide per order own fleet or a partner (cheapest within its service level, "
            "partners' capacity and the organisation's rules), record the reasons and plan the "
            "own fleet on what stays; --time-limit is per planning round.",
        ),
    ] = False,
    hand_off: Annotated[
        bool,
        typer.Option(
            "--hand-off",
            help="With --allocate: then book the partners' orders with them, one by one.",
        ),
    ] = False,
    as_json: JsonFlag = False,
    org: OrgOption = None,
) -> None:
    """Plan the station's ready orders for a day and store the plan as its next version.

    `doorstep plan --station HEL1 --date 2026-11-23` plans; the subcommands below work on the
    stored versions. The latest version's locked routes are kept and its plan is the start.
    With --allocate, orders go to partners where cheaper or where the fleet has no room;
    --hand-off then books them with the partners.
    """
    if ctx.invoked_subcommand is not None:
        return  # the subcommand does the work
    if not (math.isfinite(time_limit) and time_limit > 0):
        output.usage_error(f"--time-limit: must be seconds above 0, e.g. 30; got {time_limit:g}")
    if station is None or day is None:
        output.usage_error(
            "--station and --date are needed to plan, e.g. --station HEL1 --date 2026-11-23 "
            "(or give a subcommand; see --help)"
        )
    if hand_off and not allocate:
        output.usage_error("--hand-off books what --allocate decided: give both")
    when = service_day(day)
    if allocate:
        _allocate(station, when, time_limit, seed, as_json, org, hand_off=hand_off)
        return
    with organisation_scope(org) as s:
        stations = lookup(s)
        chosen = _station(stations, station)
        label = f"planning {chosen.code} {when.isoformat()}"
        with _solving(label, time_limit, quiet=as_json) as report:
            version = runs.plan_day(
                s.principal, chosen.id, when,
                uow=s.uow(), reader=s.container.reader(), travel=s.container.travel(),
                optimizer=bootstrap.optimizer(s.container.planning_executor()),
                clock=s.container.clock, ids=s.container.ids,
                time_limit_s=time_limit, seed=seed, progress=report,
            )  # fmt: skip
        names = _vehicle_names(s)
    if as_json:
        output.json(PlanOut.of(version))
        return
    plan_tables.show_plan(version, stations, names)
    output.note(f"publish it with: doorstep plan publish {version.id}")


def _allocate(
    station: str,
    when: date,
    time_limit: float,
    seed: int,
    as_json: bool,
    org: str | None,
    *,
    hand_off: bool = False,
) -> None:
    with organisation_scope(org) as s:
        chosen = _station(lookup(s), station)
        c = s.container
        ports = allocation.AllocationPorts(
            s.uow(), c.travel(), bootstrap.optimizer(c.planning_executor()), c.clock, c.ids,
            reader=c.reader(),
        )  # fmt: skip
        label = f"allocating {chosen.code} {when.isoformat()}"
        with _solving(label, time_limit, quiet=as_json) as report:
            found = allocation.run(
                s.principal, chosen.id, when, ports=ports, time_limit_s=time_limit, seed=seed,
                progress=report,
            )  # fmt: skip
        handed = None
        if hand_off:
            handed = allocation.hand_off_allocated(
                s.principal, chosen.id, when, ports=c.handoff_ports()
            )
    if as_json:
        out = AllocationRunOut.of(found)
        if handed is not None:
            out = out.model_copy(update={"hand_off": HandOffOut.of(handed)})
        output.json(out)
        return
    allocations.show_run(found)
    if handed is not None:
        allocations.show_hand_off(handed)
    if found.version is not None:
        output.note(f"publish the own fleet's plan with: doorstep plan publish {found.version.id}")
    if handed is not None and handed.refused:
        raise typer.Exit(code=output.EXIT_FAILED)


def _station(stations: dict[str, Station], reference: str) -> Station:
    return stations.get(reference) or output.usage_error(
        f"--station: no station with id or code {reference!r}; there are: {codes(stations)}"
    )


@contextmanager
def _solving(label: str, time_limit: float, *, quiet: bool) -> Iterator[solving.ProgressCallback]:
    """A spinner and a bar over the time limit on stderr, showing the best plan's cost so far
    (its routes' cost and the stops it leaves out; the search's objective when the planner
    does not tell them)."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=output.errors(),
        disable=quiet,
        transient=True,
    ) as bar:
        task = bar.add_task(f"{label}: reading orders and travel times", total=time_limit)

        def report(progress: solving.Progress) -> None:
            best, cost = progress.best_cost, progress.route_cost
            if cost is not None:
                found = f"cost {money(cost):,.2f}, {progress.left_out or 0} left out"
            elif best is not None:
                found = f"search objective {money(best):,.2f}"
            else:
                found = "no feasible plan yet"
            elapsed = min(progress.elapsed_s, time_limit)
            bar.update(task, completed=elapsed, description=f"{label}: {found}")

        yield report


def _vehicle_names(s: Scope) -> dict[str, str]:
    return {v.id: v.name for v in fleet.list_vehicles(s.principal, uow=s.uow())}


@app.command("list")
def list_(
    station: Annotated[str, typer.Option(help="The station, by code (HEL1) or id.")],
    day: Annotated[str, typer.Option("--date", metavar="YYYY-MM-DD", help="The day.")],
    as_json: JsonFlag = False,
    org: OrgOption = None,
) -> None:
    """List the plan versions of a station's day, oldest first."""
    when = service_day(day)
    with organisation_scope(org) as s:
        chosen = _station(lookup(s), station)
        _, versions = runs.list_plans(s.principal, chosen.id, when, uow=s.uow())
    if as_json:
        output.json(PlanListOut(items=[PlanSummaryOut.of(v) for v in versions]))
        return
    plan_tables.show_versions(versions, f"Plans of {chosen.code} on {when.isoformat()}")


@app.command("show")
def show(plan_id: PlanId, as_json: JsonFlag = False, org: OrgOption = None) -> None:
    """Show a plan version: its figures, routes and the orders it left out."""
    with organisation_scope(org) as s:
        version = runs.get_plan(s.principal, plan_id, uow=s.uow())
        stations, names = lookup(s), _vehicle_names(s)
    if as_json:
        output.json(PlanOut.of(version))
        return
    plan_tables.show_plan(version, stations, names)


@app.command("explain")
def explain(
    order_id: Annotated[str, typer.Argument(metavar="ORDER", help="The order's id (ord_...).")],
    as_json: JsonFlag = False,
    org: OrgOption = None,
) -> None:
    """Say where the newest plan holding an order puts it, or why it left the order out."""
    with organisation_scope(org) as s:
        found = runs.explain_order(s.principal, order_id, uow=s.uow())
        stations, names = lookup(s), _vehicle_names(s)
    if as_json:
        output.json(OrderExplanationOut.of(found))
        return
    plan_tables.show_explanation(found, stations, names)


@app.command("compare")
def compare(
    a: Annotated[str, typer.Argument(metavar="A", help="The first plan version's id.")],
    b: Annotated[str, typer.Argument(metavar="B", help="The second plan version's id.")],
    as_json: JsonFlag = False,
    org: OrgOption = None,
) -> None:
    """Compare two plan versions: cost, distance, lateness, routes and the orders that moved."""
    with organisation_scope(org) as s:
        result = runs.compare_versions(s.principal, a, b, uow=s.uow())
        names = _vehicle_names(s)
    if as_json:
        output.json(ComparisonOut.of(result))
        return
    plan_tables.show_comparison(result, names)


@app.command("publish")
def publish(plan_id: PlanId, org: OrgOption = None) -> None:
    """Publish a plan version; the day's previously published one is superseded."""
    with organisation_scope(org) as s:
        version = runs.publish(s.principal, plan_id, uow=s.uow(), clock=s.container.clock)
        stations = lookup(s)
    output.done(f"{plan_tables.title(version, stations)} published ({version.id})")


_LOCK_FIELDS = {"vehicle_id": "VEHICLE", "stop_ids": "--stop", "plan_id": "PLAN_ID"}


def _lock_field(path: FieldPath) -> str | None:
    return _LOCK_FIELDS.get(path[0]) if path else None


@app.command("lock")
def lock(
    plan_id: PlanId,
    vehicle: Annotated[str, typer.Argument(metavar="VEHICLE", help="The vehicle, by name or id.")],
    stop: Annotated[
        list[str] | None,
        typer.Option(help="Lock the route up to and including this order; repeat for several."),
    ] = None,
    closed: Annotated[
        bool, typer.Option("--closed", help="The route also takes no new orders.")
    ] = False,
    org: OrgOption = None,
) -> None:
    """Lock a vehicle's route so the next `doorstep plan` of the day keeps it.

    Locks are route prefixes, as the planner keeps them: without --stop the whole route,
    else the route from its first order up to the last --stop given on it.
    """
    with organisation_scope(org) as s, rejecting(_lock_field):
        names = _vehicle_names(s)
        by_name = {name: vehicle_id for vehicle_id, name in names.items()}
        vehicle_id = by_name.get(vehicle, vehicle)
        version = runs.lock(
            s.principal, plan_id, vehicle_id, stop_ids=stop, closed=closed, uow=s.uow()
        )
    held = next(k for k in version.locked if k.vehicle_id == vehicle_id)
    shut = "; it takes no new orders" if held.closed else ""
    output.done(
        f"{len(held.stop_ids)} orders of {names.get(vehicle_id, vehicle_id)} locked on plan "
        f"{version.number}{shut}; the next `doorstep plan` of the day keeps them"
    )
