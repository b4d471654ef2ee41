"""``doorstep orders sample``: a realistic order file at real addresses, for demos and tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from doorstep.adapters.spreadsheets import TABLE_SUFFIXES, write_table
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.scope import opened
from doorstep.simulation.sample_orders import sample_orders


def sample(
    out: Annotated[
        Path,
        typer.Option(
            "--out", metavar="FILE", help="Where to write the orders: a .csv or .xlsx file."
        ),
    ],
    count: Annotated[int, typer.Option(min=1, max=1_000_000, help="How many orders.")] = 100,
    seed: Annotated[int, typer.Option(help="Same seed, same file.")] = 0,
    region: Annotated[
        str | None,
        typer.Option(help="Region whose addresses to use; the configured one if left out."),
    ] = None,
    day: Annotated[
        datetime | None,
        typer.Option(
            "--date",
            formats=["%Y-%m-%d"],
            help="Delivery date, e.g. 2026-11-23; tomorrow in the region's time zone if left out.",
        ),
    ] = None,
    mistakes: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Share of rows with one realistic mistake (a typo, a missing house number, a "
            "wrong postcode, a pin in the wrong street, a bad phone number).",
        ),
    ] = 0.08,
    station: Annotated[
        str | None,
        typer.Option(help="Station code to write in a Station column on every row."),
    ] = None,
) -> None:
    """Write sample orders at real addresses of the region, some with typical mistakes."""
    if out.suffix.lower() not in TABLE_SUFFIXES:
        output.usage_error(f"--out {out.name}: use a .csv or .xlsx file name")
    with opened() as container:
        name = region or container.settings.region
        zone = container.regions.info(name).timezone
        # Straight from the table, not LocalGeocoder.addresses(): the sampler needs none of
        # the geocoder's index, and --region may name a region the geocoder does not serve.
        addresses = container.regions.addresses(name).known()
        service_day = day.date() if day is not None else _tomorrow(container.clock.now(), zone)
    samples = sample_orders(
        addresses,
        count=count,
        seed=seed,
        day=service_day,
        timezone=zone,
        mistakes=mistakes,
        station_code=station,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    written = write_table(out, samples.header, samples.rows)
    counts = samples.mistake_counts()
    counts.pop("none", None)
    kinds = ", ".join(f"{kind} {n:,}" for kind, n in counts.items()) or "none"
    output.done(
        f"{written:,} orders for {service_day.isoformat()} in {name} -> {out}; "
        f"{sum(counts.values()):,} with mistakes ({kinds})"
    )


def _tomorrow(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date() + timedelta(days=1)
