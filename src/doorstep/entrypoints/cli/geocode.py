"""``doorstep geocode``: where an address is (or which addresses are at a point), and how sure."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import TypeAdapter

from doorstep.domain.errors import InvalidValue
from doorstep.domain.geo import Location
from doorstep.domain.geocoding import Candidate
from doorstep.domain.orders import Address
from doorstep.entrypoints.api.schemas.orders import CandidateOut
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.scope import opened

_AS_JSON = TypeAdapter(list[CandidateOut])


def geocode(
    address: Annotated[
        str | None,
        typer.Argument(
            help="The address as a shipper writes it, e.g. 'Mannerheimintie 5 A 12, 00100 "
            "Helsinki'; leave out with --reverse."
        ),
    ] = None,
    reverse: Annotated[
        str | None,
        typer.Option(
            metavar="LAT,LON",
            help="Find the addresses nearest this point instead, e.g. 60.1699,24.9384.",
        ),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=50, help="Most candidates to show.")] = 5,
    radius_m: Annotated[
        float, typer.Option(min=1.0, max=5000.0, help="With --reverse: how far to look (m).")
    ] = 200.0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON (as the HTTP API answers) instead.")
    ] = False,
) -> None:
    """Candidates for an address, most confident first, from the configured geocoder.

    A candidate at or above 0.8 confidence is taken without a person when orders are
    imported; units counts the flats or staircases known at the address.
    """
    if (address is None) == (reverse is None):
        output.usage_error("give an ADDRESS, or a point with --reverse LAT,LON (not both)")
    with opened() as container:
        geocoder = container.geocoder()
        if reverse is not None:
            point = parse_point(reverse)
            found = geocoder.reverse(point, limit=limit, radius_m=radius_m)
            title = f"Addresses within {radius_m:g} m of {point.lat:.6f},{point.lon:.6f}"
        else:
            text = (address or "").strip()
            if not text:
                raise InvalidValue("ADDRESS", "must not be empty")
            found = geocoder.forward(Address(text), limit=limit)
            title = f"Candidates for {text!r}"
    if as_json:
        typer.echo(_AS_JSON.dump_json([CandidateOut.of(c) for c in found], indent=2).decode())
        return
    show(title, found, distances=reverse is not None)


def parse_point(text: str) -> Location:
    """``"60.1699,24.9384"`` (or with a space or semicolon between) as a ``Location``."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        output.usage_error(
            f"--reverse must be LAT,LON in degrees, e.g. 60.1699,24.9384; got {text!r}"
        )
    return Location(lat, lon)


def show(title: str, candidates: list[Candidate], *, distances: bool) -> None:
    headers = ["Address", "Lat", "Lon", "Confidence", "Level", "Units"]
    if distances:
        headers.append("Distance (m)")
    rows = []
    for c in candidates:
        row: list[object] = [
            c.label,
            f"{c.location.lat:.6f}",
            f"{c.location.lon:.6f}",
            f"{c.confidence:.2f}" + (" ✓" if c.accepted else ""),
            c.level.value,
            c.units or "",
        ]
        if distances:
            row.append("" if c.distance_m is None else f"{c.distance_m:.0f}")
        rows.append(row)
    output.table(title, headers, rows)
