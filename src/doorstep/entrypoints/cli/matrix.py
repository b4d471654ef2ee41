"""``doorstep matrix``: travel times and distances between points read from a CSV file."""

from __future__ import annotations

import csv
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from doorstep.domain.errors import InvalidValue
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import Location
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.scope import opened


def matrix(
    points: Annotated[Path, typer.Argument(help="CSV file with columns lat,lon (a header row).")],
    out: Annotated[Path, typer.Option(help="Where to write the .npz (durations_s, distances_m).")],
    profile: Annotated[SpeedProfile, typer.Option(help="Vehicle profile.")] = SpeedProfile.VAN,
    departure: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z"],
            help="Departure with UTC offset, e.g. 2026-11-23T08:00+02:00, for rush-hour "
            "speeds; free flow if left out.",
        ),
    ] = None,
) -> None:
    """All-to-all durations (s) and distances (m) on the configured region's roads."""
    locations = read_points(points)
    with opened() as container:
        travel = container.travel()
        started = time.perf_counter()
        result = travel.matrix(locations, profile=profile, departure=departure)
        elapsed = time.perf_counter() - started
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:
        np.savez_compressed(
            handle,
            durations_s=result.durations_s,
            distances_m=result.distances_m,
            origin_snap_m=result.origin_snap_m,
        )
    n = len(locations)
    output.note(f"{n} x {n} matrix ({profile.value}) in {elapsed:.1f} s -> {out}")


def read_points(path: Path) -> list[Location]:
    """Points from a CSV file with ``lat`` and ``lon`` columns, each row checked."""
    if not path.is_file():
        raise InvalidValue("POINTS", f"{path} is not a file")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = {name.strip().lower(): name for name in reader.fieldnames or []}
        lat_key = columns.get("lat") or columns.get("latitude")
        lon_key = columns.get("lon") or columns.get("lng") or columns.get("longitude")
        if lat_key is None or lon_key is None:
            raise InvalidValue(
                "POINTS", f"{path} needs a header with lat and lon columns, got {reader.fieldnames}"
            )
        locations: list[Location] = []
        for row_number, row in enumerate(reader, start=2):
            try:
                locations.append(Location(float(row[lat_key]), float(row[lon_key])))
            except (TypeError, ValueError) as bad:
                raise InvalidValue(
                    "POINTS", f"row {row_number}: lat and lon must be numbers ({bad})"
                ) from None
            except InvalidValue as bad:
                raise InvalidValue(
                    "POINTS", f"row {row_number}: {bad.field} {bad.message}"
                ) from None
    if not locations:
        raise InvalidValue("POINTS", f"{path} holds no points")
    return locations
