"""``doorstep region``: build road networks from OpenStreetMap extracts, and show them."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from doorstep.adapters.roads.regions import RegionInfo, check_region_name
from doorstep.adapters.roads.synth import write_synthetic_city
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.scope import opened

app = typer.Typer(help="Build and inspect regions (road networks).", no_args_is_help=True)

NameOption = Annotated[
    str | None,
    typer.Option(help="Region name (lower case); from the file name if left out, e.g. helsinki."),
]
TimezoneOption = Annotated[
    str | None,
    typer.Option(help="IANA time zone for rush hours, e.g. Europe/Helsinki; UTC if unknown."),
]


@app.command("build")
def build(
    pbf: Annotated[
        Path | None,
        typer.Argument(
            help="OpenStreetMap extract (.osm.pbf); central Helsinki, bundled, if left out."
        ),
    ] = None,
    name: NameOption = None,
    timezone: TimezoneOption = None,
    force: Annotated[bool, typer.Option(help="Rebuild even if the extract is unchanged.")] = False,
) -> None:
    """Turn an extract into road graphs (van, truck, cargo bike) and an address table."""
    with opened() as container:
        output.note("reading the extract and building road graphs...")
        info, built = container.regions.build(pbf, name=name, timezone=timezone, force=force)
    if not built:
        output.note(f"region {info.name} is up to date (built {info.built_at}); --force rebuilds")
    _show(info)


@app.command("synth")
def synth(
    name: Annotated[str, typer.Option(help="Region name, e.g. synth25.")],
    size_km: Annotated[float, typer.Option(min=1.0, max=60.0, help="Side of the square city.")] = (
        25.0
    ),
    seed: Annotated[int, typer.Option(help="Same seed, same city.")] = 0,
    force: Annotated[bool, typer.Option(help="Rebuild even if unchanged.")] = False,
) -> None:
    """Generate a synthetic city as an OpenStreetMap file and build it like any other region."""
    check_region_name(name)
    with opened() as container:
        source_dir = container.settings.data_dir / "sources"
        source_dir.mkdir(parents=True, exist_ok=True)
        target = source_dir / f"{name}.osm.pbf"
        output.note(f"generating a {size_km:g} km city (seed {seed})...")
        with tempfile.TemporaryDirectory(dir=source_dir) as scratch:
            fresh = Path(scratch) / target.name
            summary = write_synthetic_city(fresh, name=name, size_km=size_km, seed=seed)
            if not target.exists() or target.read_bytes() != fresh.read_bytes():
                fresh.replace(target)
        output.note(
            f"{summary.intersections:,} intersections, {summary.addresses:,} addresses, "
            f"{summary.bridges} bridges"
        )
        info, built = container.regions.build(target, name=name, timezone="UTC", force=force)
    if not built:
        output.note(f"region {info.name} is up to date (built {info.built_at})")
    _show(info)


@app.command("info")
def info(
    name: Annotated[
        str | None, typer.Argument(help="Region to show; the configured one if left out.")
    ] = None,
) -> None:
    """Bounding box, node and edge counts, profiles and build date of a region."""
    with opened() as container:
        chosen = name or container.settings.region
        _show(container.regions.info(chosen))


@app.command("list")
def list_regions() -> None:
    """The regions built in this data directory."""
    with opened() as container:
        names = container.regions.names()
        configured = container.settings.region
    if not names:
        output.note("no region built yet: run `doorstep region build`")
        return
    for found in names:
        marker = " (configured)" if found == configured else ""
        output.console().print(f"{found}{marker}")


def _show(info: RegionInfo) -> None:
    console = output.console()
    min_lat, min_lon, max_lat, max_lon = info.bbox
    console.print(f"region      {info.name}")
    console.print(f"source      {info.source}")
    console.print(f"built       {info.built_at} in {info.build_seconds:.1f} s ({info.builder})")
    console.print(f"time zone   {info.timezone}")
    console.print(f"bbox        {min_lat:.5f},{min_lon:.5f} .. {max_lat:.5f},{max_lon:.5f}")
    console.print(
        f"OSM         {info.nodes:,} road nodes, {info.ways:,} road ways, "
        f"{info.restrictions} turn restrictions, {info.addresses:,} addresses"
    )
    table = Table("profile", "streets", "km", "edges", "routable", "turns")
    for profile, counts in info.profiles.items():
        table.add_row(
            profile,
            f"{counts.streets:,}",
            f"{counts.length_km:,.1f}",
            f"{counts.edges:,}",
            f"{counts.routable_edges:,} ({counts.routable_edges / max(counts.edges, 1):.0%})",
            f"{counts.turns:,}",
        )
    console.print(table)
