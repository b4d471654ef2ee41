"""`doorstep orders sample`: sample order files at a region's addresses, as CSV or Excel."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner, Result

from doorstep.adapters.roads.regions import RegionStore
from doorstep.adapters.roads.synth import write_synthetic_city
from doorstep.entrypoints.cli.main import Shell
from doorstep.entrypoints.cli.sample import sample
from doorstep.simulation.sample_orders import HEADER, STATION_COLUMN
from tests.entrypoints.cli.runner import Cli, one_line_error

ZONE = "Europe/Helsinki"

# The command as the orders group will hold it, with the root command's error handling.
app = typer.Typer(cls=Shell)
app.command("sample")(sample)


@app.callback()
def _group() -> None:
    """Keeps ``sample`` a subcommand, as under ``doorstep orders``."""


def run(cli: Cli, *args: str) -> Result:
    result = CliRunner().invoke(app, ["sample", *args], env={**cli.env, "DOORSTEP_REGION": "town"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def build_town(cli: Cli, name: str = "town", seed: int = 1) -> None:
    sources = cli.data_dir / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    pbf = sources / f"{name}.osm.pbf"
    write_synthetic_city(pbf, name=name, size_km=2.0, seed=seed)
    RegionStore(cli.data_dir / "regions").build(pbf, name=name, timezone=ZONE)


@pytest.fixture
def town(cli: Cli) -> Cli:
    build_town(cli)
    return cli


def test_writes_a_csv_file_the_same_for_the_same_seed(town: Cli, tmp_path: Path) -> None:
    out = tmp_path / "orders.csv"
    result = run(town, "--count", "200", "--seed", "4", "--out", str(out), "--date", "2026-11-23")
    assert result.exit_code == 0, result.output
    assert "200 orders for 2026-11-23 in town" in result.stdout
    assert "16 with mistakes (" in result.stdout  # 8 % by default
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == HEADER
    assert len(rows) == 201
    assert {row[HEADER.index("Date")] for row in rows[1:]} == {"2026-11-23"}
    first = out.read_bytes()
    again = run(town, "--count", "200", "--seed", "4", "--out", str(out), "--date", "2026-11-23")
    assert again.exit_code == 0, again.output
    assert out.read_bytes() == first


def test_writes_an_excel_workbook_with_a_station_column(town: Cli, tmp_path: Path) -> None:
    out = tmp_path / "nested" / "orders.xlsx"
    result = run(town, "--count", "50", "--out", str(out), "--station", "HEL1", "--mistakes", "0.2")
    assert result.exit_code == 0, result.output
    assert "10 with mistakes" in result.stdout
    book = load_workbook(out, read_only=True)
    rows = [list(row) for row in book.worksheets[0].values]
    book.close()
    assert rows[0] == [*HEADER, STATION_COLUMN]
    assert len(rows) == 51
    assert {row[-1] for row in rows[1:]} == {"HEL1"}
    assert all(isinstance(row[HEADER.index("Parcels")], int) for row in rows[1:])


def test_the_date_defaults_to_tomorrow_in_the_regions_time_zone(town: Cli, tmp_path: Path) -> None:
    before = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=1)
    result = run(town, "--count", "5", "--out", str(tmp_path / "o.csv"))
    after = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=1)
    assert result.exit_code == 0, result.output
    assert any(f"orders for {day.isoformat()}" in result.stdout for day in (before, after))


def test_another_region_by_name(town: Cli, tmp_path: Path) -> None:
    build_town(town, "village", seed=2)
    out = tmp_path / "village.csv"
    result = run(town, "--count", "10", "--region", "village", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert " in village -> " in result.stdout
    with out.open(newline="", encoding="utf-8") as handle:
        assert {row[HEADER.index("City")] for row in list(csv.reader(handle))[1:]} == {"village"}


def test_refuses_an_unknown_format_or_region(town: Cli, tmp_path: Path) -> None:
    wrong = run(town, "--count", "5", "--out", str(tmp_path / "orders.ods"))
    assert wrong.exit_code == 2
    assert "use a .csv or .xlsx file name" in one_line_error(wrong)
    missing = run(town, "--count", "5", "--region", "nowhere", "--out", str(tmp_path / "o.csv"))
    assert missing.exit_code == 1
    assert "doorstep region build" in one_line_error(missing)
    assert not (tmp_path / "o.csv").exists()
