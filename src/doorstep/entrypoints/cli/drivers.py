"""``doorstep drivers``: register, list and import from CSV the people who drive the routes."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from doorstep.domain.fleet import Driver
from doorstep.entrypoints.api.schemas.network import DriverIn
from doorstep.entrypoints.cli import csv_import, output
from doorstep.entrypoints.cli.options import ShiftOption, SkillOption, StationRef
from doorstep.entrypoints.cli.records import Layout, rejecting
from doorstep.entrypoints.cli.scope import OrgOption, Scope, organisation_scope
from doorstep.entrypoints.cli.stations import lookup, resolve
from doorstep.services import fleet

app = typer.Typer(help="Register, list and import drivers.", no_args_is_help=True)

# The CSV columns, in the order `drivers import` documents them.
DRIVER = Layout(
    {
        "home_station": ("home_station_id",),
        "name": ("name",),
        "shift_start": ("shift", "start"),
        "shift_end": ("shift", "end"),
        "skills": ("skills",),
        "hours_of_service": ("hours_of_service",),
        "phone": ("phone",),
        "email": ("email",),
    },
    lists=frozenset({"skills"}),
    options={
        "home_station": "--station",
        "shift_start": "--shift",
        "shift_end": "--shift",
        "skills": "--skill",
    },
)


@app.command("add")
def add(
    station: StationRef,
    name: Annotated[str, typer.Option(help="The driver's full name, unique in the organisation.")],
    shift: ShiftOption,
    skill: SkillOption = None,
    hours_of_service: Annotated[
        str | None, typer.Option(help="Driving-time rules that apply; eu-561-2006 if left out.")
    ] = None,
    phone: Annotated[str | None, typer.Option(help="Phone number dispatch can call.")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
    org: OrgOption = None,
) -> None:
    """Register a driver based at a station."""
    flat = {
        "home_station": station,
        "name": name,
        "shift_start": shift.start,
        "shift_end": shift.end,
        "skills": skill,
        "hours_of_service": hours_of_service,
        "phone": phone,
        "email": email,
    }
    with organisation_scope(org) as s, rejecting(DRIVER.option):
        fields = DRIVER.read(DriverIn, flat).domain_fields()
        driver = fleet.add_driver(s.principal, fields, uow=s.uow(), ids=s.container.ids)
    output.done(f"driver {driver.name!r} added with id {driver.id}")


@app.command("list")
def list_(
    station: Annotated[
        str | None, typer.Option(help="Only drivers based at this station, by code or id.")
    ] = None,
    org: OrgOption = None,
) -> None:
    """List drivers, optionally of one station."""
    with organisation_scope(org) as s:
        index = lookup(s)
        station_id = resolve(index, station, "--station").id if station else None
        found = fleet.list_drivers(s.principal, station_id, uow=s.uow())
    codes = {st.id: st.code for st in index.values()}
    headers = ["Name", "Station", "Shift", "Skills", "Phone", "Active", "Id"]
    output.table("Drivers", headers, (_row(d, codes) for d in found))


def _row(d: Driver, codes: Mapping[str, str]) -> list[object]:
    station = codes.get(d.home_station_id, d.home_station_id)
    shift = f"{d.shift.start:%H:%M}-{d.shift.end:%H:%M}"
    active = "yes" if d.active else "no"
    return [d.name, station, shift, ", ".join(sorted(d.skills)), d.phone, active, d.id]


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE.csv", exists=True, dir_okay=False, help="CSV file with a header row."
        ),
    ],
    org: OrgOption = None,
) -> None:
    """Create or update drivers from CSV, matched by name; each row is checked on its own.

    Columns: home_station, name, shift_start, shift_end, skills (separated by ';'),
    hours_of_service, phone, email. A column left out keeps each existing driver's value; a blank
    cell resets it to the default.
    """
    with organisation_scope(org) as s:
        results = csv_import.run_import(file, DRIVER, _upsert(s))
    csv_import.report(results, "driver")


def _upsert(s: Scope) -> csv_import.NamedImport[Driver]:
    return csv_import.NamedImport(
        layout=DRIVER,
        model=DriverIn,
        existing={d.name: d for d in fleet.list_drivers(s.principal, uow=s.uow())},
        stations=lookup(s),
        station_field="home_station_id",
        record=record,
        add=lambda fields: fleet.add_driver(s.principal, fields, uow=s.uow(), ids=s.container.ids),
        update=lambda driver_id, changes: fleet.update_driver(
            s.principal, driver_id, changes, uow=s.uow()
        ),
    )


def record(d: Driver) -> dict[str, str]:
    """A driver as a CSV row, so columns a file leaves out keep their current values."""
    cells = {
        "home_station": d.home_station_id,
        "name": d.name,
        "shift_start": d.shift.start.isoformat(),
        "shift_end": d.shift.end.isoformat(),
        "skills": ";".join(sorted(d.skills)),
        "hours_of_service": d.hours_of_service,
        "phone": d.phone,
        "email": d.email,
    }
    return {column: value for column, value in cells.items() if value}
