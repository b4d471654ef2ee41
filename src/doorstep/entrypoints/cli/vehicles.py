"""``doorstep vehicles``: register, list and import from CSV the vehicles that carry parcels."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from doorstep.domain.fleet import Vehicle, VehicleType
from doorstep.entrypoints.api.schemas.network import VehicleIn
from doorstep.entrypoints.cli import csv_import, output
from doorstep.entrypoints.cli.options import ShiftOption, SkillOption, StationRef
from doorstep.entrypoints.cli.records import Layout, rejecting
from doorstep.entrypoints.cli.scope import OrgOption, Scope, organisation_scope
from doorstep.entrypoints.cli.stations import lookup, resolve
from doorstep.services import fleet

app = typer.Typer(help="Register, list and import vehicles.", no_args_is_help=True)

# The CSV columns, in the order `vehicles import` documents them.
VEHICLE = Layout(
    {
        "station": ("station_id",),
        "name": ("name",),
        "vehicle_type": ("vehicle_type",),
        "weight_kg": ("capacity", "weight_kg"),
        "volume_l": ("capacity", "volume_l"),
        "parcels": ("capacity", "parcels"),
        "shift_start": ("shift", "start"),
        "shift_end": ("shift", "end"),
        "per_km": ("costs", "per_km"),
        "per_hour": ("costs", "per_hour"),
        "fixed_per_use": ("costs", "fixed_per_use"),
        "skills": ("skills",),
        "registration": ("registration",),
        "max_route_duration_s": ("max_route_duration_s",),
    },
    lists=frozenset({"skills"}),
    options={
        "vehicle_type": "--type",
        "shift_start": "--shift",
        "shift_end": "--shift",
        "fixed_per_use": "--fixed",
        "skills": "--skill",
    },
)


@app.command("add")
def add(
    station: StationRef,
    name: Annotated[
        str, typer.Option(help="Unique name people use for the vehicle, e.g. 'Van 7'.")
    ],
    type_: Annotated[
        VehicleType, typer.Option("--type", help="Kind of vehicle; decides its speed profile.")
    ],
    weight_kg: Annotated[float, typer.Option(help="Most weight it carries, in kilograms.")],
    volume_l: Annotated[float, typer.Option(help="Most volume it carries, in litres.")],
    parcels: Annotated[int, typer.Option(help="Most parcels it carries.")],
    shift: ShiftOption,
    per_km: Annotated[
        float | None, typer.Option(help="Cost per kilometre driven; 0 if left out.")
    ] = None,
    per_hour: Annotated[
        float | None, typer.Option(help="Cost per hour on the road; 0 if left out.")
    ] = None,
    fixed: Annotated[
        float | None, typer.Option(help="Fixed cost each day the vehicle is used; 0 if left out.")
    ] = None,
    skill: SkillOption = None,
    registration: Annotated[str | None, typer.Option(help="Licence plate.")] = None,
    max_route_duration_s: Annotated[
        int | None, typer.Option(help="Longest route allowed, in seconds.")
    ] = None,
    org: OrgOption = None,
) -> None:
    """Register a vehicle at a station."""
    flat = {
        "station": station,
        "name": name,
        "vehicle_type": type_,
        "weight_kg": weight_kg,
        "volume_l": volume_l,
        "parcels": parcels,
        "shift_start": shift.start,
        "shift_end": shift.end,
        "per_km": per_km,
        "per_hour": per_hour,
        "fixed_per_use": fixed,
        "skills": skill,
        "registration": registration,
        "max_route_duration_s": max_route_duration_s,
    }
    with organisation_scope(org) as s, rejecting(VEHICLE.option):
        fields = VEHICLE.read(VehicleIn, flat).domain_fields()
        vehicle = fleet.add_vehicle(s.principal, fields, uow=s.uow(), ids=s.container.ids)
    output.done(f"vehicle {vehicle.name!r} added with id {vehicle.id}")


@app.command("list")
def list_(
    station: Annotated[
        str | None, typer.Option(help="Only this station's vehicles, by code or id.")
    ] = None,
    org: OrgOption = None,
) -> None:
    """List vehicles, optionally of one station."""
    with organisation_scope(org) as s:
        index = lookup(s)
        station_id = resolve(index, station, "--station").id if station else None
        found = fleet.list_vehicles(s.principal, station_id, uow=s.uow())
    codes = {st.id: st.code for st in index.values()}
    headers = ["Name", "Type", "Station", "Capacity kg / l / parcels", "Shift", "Skills", "Active"]
    output.table("Vehicles", [*headers, "Id"], (_row(v, codes) for v in found))


def _row(v: Vehicle, codes: Mapping[str, str]) -> list[object]:
    capacity = f"{v.capacity.weight_kg:g} / {v.capacity.volume_l:g} / {v.capacity.parcels}"
    shift = f"{v.shift.start:%H:%M}-{v.shift.end:%H:%M}"
    station = codes.get(v.station_id, v.station_id)
    skills = ", ".join(sorted(v.skills))
    active = "yes" if v.active else "no"
    return [v.name, v.vehicle_type.value, station, capacity, shift, skills, active, v.id]


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
    """Create or update vehicles from CSV, matched by name; each row is checked on its own.

    Columns: station, name, vehicle_type, weight_kg, volume_l, parcels, shift_start, shift_end,
    per_km, per_hour, fixed_per_use, skills (separated by ';'), registration, max_route_duration_s.
    A column left out keeps each existing vehicle's value; a blank cell resets it to the default.
    """
    with organisation_scope(org) as s:
        results = csv_import.run_import(file, VEHICLE, _upsert(s))
    csv_import.report(results, "vehicle")


def _upsert(s: Scope) -> csv_import.NamedImport[Vehicle]:
    return csv_import.NamedImport(
        layout=VEHICLE,
        model=VehicleIn,
        existing={v.name: v for v in fleet.list_vehicles(s.principal, uow=s.uow())},
        stations=lookup(s),
        station_field="station_id",
        record=record,
        add=lambda fields: fleet.add_vehicle(s.principal, fields, uow=s.uow(), ids=s.container.ids),
        update=lambda vehicle_id, changes: fleet.update_vehicle(
            s.principal, vehicle_id, changes, uow=s.uow()
        ),
    )


def record(v: Vehicle) -> dict[str, str]:
    """A vehicle as a CSV row, so columns a file leaves out keep their current values."""
    cells = {
        "station": v.station_id,
        "name": v.name,
        "vehicle_type": v.vehicle_type.value,
        "weight_kg": repr(v.capacity.weight_kg),
        "volume_l": repr(v.capacity.volume_l),
        "parcels": str(v.capacity.parcels),
        "shift_start": v.shift.start.isoformat(),
        "shift_end": v.shift.end.isoformat(),
        "per_km": repr(v.costs.per_km),
        "per_hour": repr(v.costs.per_hour),
        "fixed_per_use": repr(v.costs.fixed_per_use),
        "skills": ";".join(sorted(v.skills)),
        "registration": v.registration,
        "max_route_duration_s": str(v.max_route_duration_s or ""),
    }
    return {column: value for column, value in cells.items() if value}
