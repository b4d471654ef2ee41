"""The ``doorstep`` command: set up, serve, and manage one organisation's network and orders."""

from __future__ import annotations

from typing import Any

import typer
from pydantic import ValidationError
from typer.core import TyperGroup

from doorstep.domain.errors import DomainError
from doorstep.entrypoints.cli import (
    allocations,
    carrier_connections,
    carriers,
    demo,
    driver_day,
    drivers,
    geocode,
    handoffs,
    kpis,
    matrix,
    orders,
    outbox,
    output,
    plan_live,
    plans,
    positions,
    region,
    server,
    setup,
    solve,
    station_day,
    stations,
    users,
    vehicles,
    whatif,
)
from doorstep.entrypoints.cli.records import Rejected, plain, problems_of


class Shell(TyperGroup):
    """The root command; like the API's exception handler, it turns doorstep's errors into answers.

    Every subcommand runs inside ``invoke``, so refused input and broken rules end as one line on
    stderr with exit code 1, never as a traceback.
    """

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Rejected as rejected:
            output.fail(str(rejected))
        except (DomainError, ValidationError) as error:
            output.fail(str(Rejected(problems_of(error, plain))))


app = typer.Typer(
    cls=Shell,
    name="doorstep",
    help="Last-mile delivery operations. Set up with `doorstep init`, then run `doorstep serve`.",
    no_args_is_help=True,
    add_completion=False,
    # Locals would put passwords from `init` on screen if a bug ever raised a traceback.
    pretty_exceptions_show_locals=False,
)
app.command("init")(setup.init)
app.command("serve")(server.serve)
stations.app.command("sortplan")(station_day.sortplan)
stations.app.command("receiving")(station_day.receiving)
stations.app.command("day-end")(station_day.day_end)
stations.app.command("loadout")(station_day.load_out)
stations.app.command("depart")(station_day.depart)
stations.app.command("close-day")(station_day.close_day)
app.add_typer(
    stations.app, name="stations", help="Register and list stations (depots) where routes start."
)
# `doorstep station sortplan` reads better for the station's own work; same commands.
app.add_typer(stations.app, name="station", hidden=True)
app.add_typer(
    vehicles.app,
    name="vehicles",
    help="Register, list and import from CSV the vehicles that carry parcels.",
)
app.add_typer(
    drivers.app,
    name="drivers",
    help="Register, list and import from CSV the drivers who run the routes.",
)
app.add_typer(
    driver_day.app,
    name="driver",
    help="A driver's day without the app: inspect the vehicle, change duty status, read the "
    "hours of service, end the route.",
)
app.add_typer(
    orders.app,
    name="orders",
    help="Create, list, show, change and cancel delivery and pickup orders.",
)
app.add_typer(
    users.app, name="users", help="Add and list the people who log in to the organisation."
)
app.add_typer(
    region.app,
    name="region",
    help="Build road networks from OpenStreetMap extracts (Helsinki is bundled) and show them.",
)
plan_live.register(plans.app)
app.add_typer(
    plans.app,
    name="plan",
    help="Plan a station's day (`doorstep plan --station HEL1 --date 2026-11-23`), then list, "
    "show, compare, publish and lock its plan versions, and change the running plan live.",
)
app.add_typer(
    outbox.app,
    name="outbox",
    help="Send the customer messages and integrators' webhooks that are due (serve does it too).",
)
app.add_typer(
    positions.app,
    name="positions",
    help="GPS pings: purge those past retention (daily), show and change the settings.",
)
carriers.app.command("connect")(carrier_connections.connect)
app.add_typer(
    carriers.app,
    name="carriers",
    help="Import (CSV), list and deactivate carriers: the own fleet and partners, with rate cards.",
)
app.command("rates")(carriers.rates)
app.add_typer(
    allocations.app,
    name="allocations",
    help="A day's allocations between the own fleet and partners, with reasons; the rules.",
)
app.command("handoff")(handoffs.handoff)
app.command("demo")(demo.demo)
app.command("matrix")(matrix.matrix)
app.command("geocode")(geocode.geocode)
app.command("solve")(solve.solve)
app.command("kpis")(kpis.kpis_command)
app.command("whatif")(whatif.whatif)

if __name__ == "__main__":
    app()
