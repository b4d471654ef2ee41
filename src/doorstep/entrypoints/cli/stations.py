"""``doorstep stations``: register and list the depots where parcels are sorted and routes start."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated

import typer

from doorstep.domain.stations import Station
from doorstep.entrypoints.api.schemas.network import StationIn
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.records import Layout, Problem, Rejected, rejecting
from doorstep.entrypoints.cli.scope import OrgOption, Scope, organisation_scope
from doorstep.services import stations

app = typer.Typer(help="Register and list stations (depots).", no_args_is_help=True)

STATION = Layout(
    {
        "code": ("code",),
        "name": ("name",),
        "lat": ("location", "lat"),
        "lon": ("location", "lon"),
        "address": ("address",),
        "timezone": ("timezone",),
        "loading_time_s": ("loading_time_s",),
        "service_radius_km": ("service_radius_km",),
    }
)


@app.command("add")
def add(
    code: Annotated[
        str, typer.Option(help="Short upper-case code people use for the station, e.g. HEL1.")
    ],
    name: Annotated[str, typer.Option(help="Full name, e.g. 'Helsinki West'.")],
    lat: Annotated[float, typer.Option(help="Latitude in WGS 84 degrees.")],
    lon: Annotated[float, typer.Option(help="Longitude in WGS 84 degrees.")],
    address: Annotated[str | None, typer.Option(help="Street address, for people.")] = None,
    timezone: Annotated[
        str | None, typer.Option(help="IANA time zone, e.g. Europe/Helsinki; UTC if left out.")
    ] = None,
    loading_time_s: Annotated[
        int | None, typer.Option(help="Seconds needed to load one vehicle; 900 if left out.")
    ] = None,
    service_radius_km: Annotated[
        float | None,
        typer.Option(help="Deliver only this far (km, straight line); no limit if left out."),
    ] = None,
    org: OrgOption = None,
) -> None:
    """Register a station; it opens 06:00-22:00 every day until changed through the API."""
    flat = {
        "code": code,
        "name": name,
        "lat": lat,
        "lon": lon,
        "address": address,
        "timezone": timezone,
        "loading_time_s": loading_time_s,
        "service_radius_km": service_radius_km,
    }
    with organisation_scope(org) as s, rejecting(STATION.option):
        fields = STATION.read(StationIn, flat).domain_fields()
        station = stations.add_station(s.principal, fields, uow=s.uow(), ids=s.container.ids)
    output.done(f"station {station.code} ({station.name}) added with id {station.id}")


@app.command("list")
def list_(org: OrgOption = None) -> None:
    """List the organisation's stations."""
    with organisation_scope(org) as s:
        found = stations.list_stations(s.principal, uow=s.uow())
    output.table(
        "Stations",
        ["Code", "Name", "Lat, lon", "Time zone", "Address", "Id"],
        (
            [
                st.code,
                st.name,
                f"{st.location.lat}, {st.location.lon}",
                st.timezone,
                st.address,
                st.id,
            ]
            for st in found
        ),
    )


def lookup(scope: Scope) -> dict[str, Station]:
    """The organisation's stations by id and by code, so an option may name a station either way."""
    found = stations.list_stations(scope.principal, uow=scope.uow())
    return {**{st.id: st for st in found}, **{st.code: st for st in found}}


def resolve(index: Mapping[str, Station], reference: str, flag: str) -> Station:
    """The station ``reference`` names, or a rejection listing the codes that exist."""
    station = index.get(reference)
    if station is None:
        raise Rejected(
            [Problem(flag, f"no station with id or code {reference!r}; there are: {codes(index)}")]
        )
    return station


def codes(index: Mapping[str, Station]) -> str:
    known: Sequence[str] = sorted({st.code for st in index.values()})
    return ", ".join(known) or "none yet (add one with `doorstep stations add`)"
