"""``doorstep plan add-order | off-road | move``: live changes to the day's running plan.

Registered on ``doorstep plan`` by ``register``; each saved change is the day's next version.
The CLI is one process per command, so the routes a change touched are improved right away
(``--improve`` seconds) instead of in a background job as the API does.
"""

from __future__ import annotations

from typing import Annotated

import typer

from doorstep import bootstrap
from doorstep.entrypoints.api.schemas.live import LiveChangeOut
from doorstep.entrypoints.api.schemas.plans import money
from doorstep.entrypoints.cli import output, plan_tables
from doorstep.entrypoints.cli.plans import JsonFlag, PlanId, _vehicle_names
from doorstep.entrypoints.cli.scope import OrgOption, Scope, organisation_scope
from doorstep.entrypoints.cli.stations import lookup
from doorstep.services.planning import live

ReorderOption = Annotated[
    bool,
    typer.Option(
        "--reorder-loaded", help="The re-plan may reorder parcels loaded on vans on the road."
    ),
]
ImproveOption = Annotated[
    float,
    typer.Option(
        "--improve", min=0, help="Then re-plan the routes it touched for this many seconds (0: no)."
    ),
]


def _vehicle(s: Scope, text: str) -> str:
    """A vehicle id from its name or id."""
    by_name = {name: vehicle_id for vehicle_id, name in _vehicle_names(s).items()}
    return by_name.get(text, text)


def _report(s: Scope, change: live.LiveChange, what: str, as_json: bool) -> None:
    if as_json:
        output.json(LiveChangeOut.of(change))
        return
    names, version = _vehicle_names(s), change.version
    title = plan_tables.title(version, lookup(s))
    rows = []
    for vehicle_id in change.affected:
        a, b = change.base.route_of_vehicle(vehicle_id), version.route_of_vehicle(vehicle_id)
        rows.append(
            [
                names.get(vehicle_id, vehicle_id),
                f"{len(a.visits) if a else 0} -> {len(b.visits) if b else 0}",
                f"{plan_tables.km(a.distance_m if a else 0)} -> "
                f"{plan_tables.km(b.distance_m if b else 0)}",
            ]
        )
    if rows:
        output.table("Routes changed", ["vehicle", "stops", "km"], rows)
    for violation in change.violations:
        output.note(f"would break [{violation.code}]: {violation.message}")
    for left in version.plan.unassigned:
        if left.stop_id in what and left.reason is not None:
            output.note(f"{left.stop_id} left out: {left.reason.message}")
    delta = money(version.plan.cost - change.base.plan.cost)
    if change.saved:
        output.done(f"{title} ({version.id}): {what}; cost {delta:+.2f}")
    else:
        output.plain(f"Preview, not saved: {what}; cost {delta:+.2f}. Add --save to store it.")


def _improved(s: Scope, change: live.LiveChange, seconds: float, reorder: bool) -> None:
    if seconds <= 0 or not change.affected or not change.saved:
        return
    better = live.improve_routes(
        s.principal,
        change.version.id,
        change.affected,
        optimizer=bootstrap.optimizer(s.container.planning_executor()),
        time_limit_s=seconds,
        ports=s.container.live_ports(),
        reorder_loaded=reorder,
    )
    if better is None:
        output.plain("No cheaper order found for the routes it touched; the plan stays.")
        return
    saved = money(change.version.plan.cost - better.version.plan.cost)
    output.done(f"Improved as plan {better.version.number} ({better.version.id}): {saved:.2f} less")


def add_order(
    plan_id: PlanId,
    order_id: Annotated[str, typer.Argument(metavar="ORDER", help="A ready order's id.")],
    improve: ImproveOption = 5.0,
    reorder_loaded: ReorderOption = False,
    as_json: JsonFlag = False,
    org: OrgOption = None,
) -> None:
    """Put a new order into the day's running plan where it costs least, vans' history kept."""
    with organisation_scope(org) as s:
        change = live.add_order(s.principal, plan_id, order_id, ports=s.container.live_ports())
        _report(s, change, f"order {order_id} added", as_json)
        _improved(s, change, 0 if as_json else improve, reorder_loaded)


def off_road(
    plan_id: PlanId,
    vehicle: Annotated[str, typer.Argument(metavar="VEHICLE", help="By name or id.")],
    improve: ImproveOption = 5.0,
    reorder_loaded: ReorderOption = False,
    as_json: JsonFlag = False,
    org: OrgOption = None,
) -> None:
    """Take a vehicle off the road for the day (breakdown): the others take its open stops."""
    with organisation_scope(org) as s:
        vehicle_id = _vehicle(s, vehicle)
        change = live.take_off_road(
            s.principal, plan_id, vehicle_id, ports=s.container.live_ports()
        )
        _report(s, change, f"{vehicle} off the road", as_json)
        _improved(s, change, 0 if as_json else improve, reorder_loaded)


def move(
    plan_id: PlanId,
    order_ids: Annotated[list[str], typer.Argument(metavar="ORDER...", help="Orders to move.")],
    to: Annotated[str, typer.Option("--to", help="The vehicle taking them, by name or id.")],
    position: Annotated[
        int | None, typer.Option(min=0, help="0 = its first stop; default: the cheapest place.")
    ] = None,
    save: Annotated[
        bool, typer.Option("--save", help="Store it (refused if it breaks a rule).")
    ] = False,
    as_json: JsonFlag = False,
    org: OrgOption = None,
) -> None:
    """Move orders onto a route by hand: shows lateness, overload and cost first; --save stores."""
    with organisation_scope(org) as s:
        change = live.move_stops(
            s.principal,
            plan_id,
            order_ids,
            _vehicle(s, to),
            position=position,
            save=save,
            ports=s.container.live_ports(),
        )
        _report(s, change, f"{', '.join(order_ids)} moved to {to}", as_json)


def register(app: typer.Typer) -> None:
    """Add the live-change commands to ``doorstep plan``."""
    app.command("add-order")(add_order)
    app.command("off-road")(off_road)
    app.command("move")(move)
