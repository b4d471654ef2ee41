"""``doorstep positions``: purge old GPS pings; show and change how long they are kept."""

from __future__ import annotations

from typing import Annotated

import typer

from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.scope import OrgOption, migrate, opened, organisation_scope
from doorstep.services import accounts, positions

app = typer.Typer(no_args_is_help=True)


@app.command("purge")
def purge(
    chunk: Annotated[
        int, typer.Option(min=100, help="Pings deleted per transaction (short locks).")
    ] = positions.PURGE_CHUNK,
) -> None:
    """Delete the pings older than each organisation's retention (run it daily, e.g. cron)."""
    with opened() as container:
        migrate(container)
        gone = positions.purge(uow=container.uow(), clock=container.clock, chunk=chunk)
        slugs = {o.id: o.slug for o in accounts.list_organisations(uow=container.uow())}
    for org_id, count in sorted(gone.items(), key=lambda item: slugs.get(item[0], item[0])):
        output.plain(f"{slugs.get(org_id, org_id)}: {count} pings deleted")


@app.command("settings")
def settings(
    org: OrgOption = None,
    retention_days: Annotated[
        int | None, typer.Option(help="Keep pings this many days (default 90).")
    ] = None,
    radius_m: Annotated[
        float | None, typer.Option(help="Within this many metres of a stop is at the stop.")
    ] = None,
    dwell_s: Annotated[
        float | None, typer.Option(help="Seconds within the radius that make an arrival.")
    ] = None,
) -> None:
    """Show the organisation's position settings, changing those given first."""
    changes = {
        name: value
        for name, value in (
            ("retention_days", retention_days),
            ("geofence_radius_m", radius_m),
            ("geofence_dwell_s", dwell_s),
        )
        if value is not None
    }
    with organisation_scope(org) as s:
        if changes:
            found = positions.change_position_settings(s.principal, changes, uow=s.uow())
        else:
            found = positions.position_settings(s.principal, uow=s.uow())
    output.plain(
        f"retention: {found.retention_days} days; geofence: {found.geofence_radius_m:g} m "
        f"for {found.geofence_dwell_s:g} s"
    )
