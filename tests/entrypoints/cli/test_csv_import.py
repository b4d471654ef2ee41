"""`doorstep vehicles|drivers import`: idempotent by name, row by row, with a report."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.entrypoints.cli.runner import Cli, one_line_error

HEADER = (
    "station,name,vehicle_type,weight_kg,volume_l,parcels,shift_start,shift_end,"
    "per_km,per_hour,fixed_per_use,skills,registration,max_route_duration_s"
)
VAN_1 = "HEL1,Van 1,van,800,9000,120,07:00,17:00,0.35,,,lift_gate;cold_chain,ABC-123,"
BAD = "HEL1,Van 2,van,-5,9000,120,07:00,17:00,,,,,,"
BIKE = "HEL1,Bike 1,cargo_bike,100,500,30,08:00,16:00,,,,,,28800"


def _csv(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "fleet.csv") -> str:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return str(path)


def test_bad_row_is_reported_and_the_others_imported(
    cli: Cli, station: str, tmp_path: Path
) -> None:
    """A negative weight rejects only its row, reported with row number and column; exit 1."""
    result = cli("vehicles", "import", _csv(tmp_path, VAN_1, BAD, BIKE))
    assert result.exit_code == 1
    report_line = next(line for line in result.stdout.splitlines() if "Van 2" in line)
    assert report_line.split()[1] == "3"  # as in a spreadsheet: the header is row 1
    assert "weight_kg" in report_line
    assert "greater than 0" in report_line
    assert "Summary: 2 created, 0 updated, 0 unchanged, 1 rejected" in result.stdout
    assert "1 of 3 rows were rejected" in one_line_error(result)
    listed = cli.ok("vehicles", "list").stdout
    assert "Van 1" in listed
    assert "Bike 1" in listed
    assert "Van 2" not in listed


def test_reimport_of_the_same_file_changes_nothing(cli: Cli, station: str, tmp_path: Path) -> None:
    """Importing a file twice creates once, then reports every row unchanged with exit 0."""
    path = _csv(tmp_path, VAN_1, BIKE)
    cli.ok("vehicles", "import", path)
    again = cli.ok("vehicles", "import", path)
    assert "Summary: 0 created, 0 updated, 2 unchanged, 0 rejected" in again.stdout
    assert "Imported" not in again.stdout, "unchanged rows are summed up, not listed"


def test_changed_row_updates_the_vehicle_of_that_name(
    cli: Cli, station: str, tmp_path: Path
) -> None:
    """A row whose values differ updates the existing vehicle instead of adding one."""
    cli.ok("vehicles", "import", _csv(tmp_path, VAN_1, BIKE))
    changed = VAN_1.replace(",800,", ",950,")
    result = cli.ok("vehicles", "import", _csv(tmp_path, changed, BIKE, name="changed.csv"))
    assert "Summary: 0 created, 1 updated, 1 unchanged, 0 rejected" in result.stdout
    listed = cli.ok("vehicles", "list").stdout
    assert "950 / 9000 / 120" in listed
    assert listed.count("Van 1") == 1


def test_vehicle_added_by_hand_is_matched_by_name(cli: Cli, station: str, tmp_path: Path) -> None:
    """An import row for a vehicle added with `vehicles add` and the same values is unchanged."""
    cli.ok(
        "vehicles", "add", "--station", station, "--name", "Bike 1", "--type", "cargo_bike",
        "--weight-kg", "100", "--volume-l", "500", "--parcels", "30", "--shift", "08:00-16:00",
        "--max-route-duration-s", "28800",
    )  # fmt: skip
    result = cli.ok("vehicles", "import", _csv(tmp_path, BIKE))
    assert "0 created, 0 updated, 1 unchanged" in result.stdout


def test_left_out_column_keeps_values_and_blank_cell_resets(
    cli: Cli, station: str, tmp_path: Path
) -> None:
    """Without a skills column skills stay; with a blank skills cell they are cleared."""
    cli.ok("vehicles", "import", _csv(tmp_path, VAN_1))
    narrow = "name,weight_kg\nVan 1,700"
    cli.ok("vehicles", "import", _csv(tmp_path, header=narrow, name="narrow.csv"))
    assert "cold_chain, lift_gate" in cli.ok("vehicles", "list").stdout
    cleared = "name,skills\nVan 1,"
    result = cli.ok("vehicles", "import", _csv(tmp_path, header=cleared, name="cleared.csv"))
    assert "1 updated" in result.stdout
    listed = cli.ok("vehicles", "list").stdout
    assert "lift_gate" not in listed
    assert "700 / 9000 / 120" in listed


def test_unknown_station_in_a_row_is_reported_against_its_column(
    cli: Cli, station: str, tmp_path: Path
) -> None:
    """A row naming a station that does not exist is rejected in the station column."""
    result = cli("vehicles", "import", _csv(tmp_path, BIKE.replace("HEL1", "XXX")))
    assert result.exit_code == 1
    line = next(line for line in result.stdout.splitlines() if "Bike 1" in line)
    assert "station" in line
    assert "XXX" in line


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("name,weight", "unknown column 'weight'"),
        ("station,weight_kg", "needs a 'name' column"),
        ("name,name", "appears more than once"),
    ],
)
def test_broken_header_is_a_usage_error(
    cli: Cli, station: str, tmp_path: Path, header: str, message: str
) -> None:
    """A header with unknown, missing or repeated columns stops the import before any row."""
    result = cli("vehicles", "import", _csv(tmp_path, "x,1", header=header))
    assert result.exit_code == 2
    assert message in one_line_error(result)


def test_drivers_import_creates_then_updates(cli: Cli, station: str, tmp_path: Path) -> None:
    """Drivers import like vehicles: created by name, then updated when a value changes."""
    header = "home_station,name,shift_start,shift_end,skills,hours_of_service,phone,email"
    row = "HEL1,Aino,07:00,15:00,forklift,,+358401234567,aino@couriers.test"
    first = cli.ok("drivers", "import", _csv(tmp_path, row, header=header))
    assert "Summary: 1 created" in first.stdout
    later = row.replace("15:00", "16:00")
    second = cli.ok("drivers", "import", _csv(tmp_path, later, header=header, name="d2.csv"))
    assert "0 created, 1 updated" in second.stdout
    assert "07:00-16:00" in cli.ok("drivers", "list").stdout


def test_rows_with_extra_cells_are_rejected(cli: Cli, station: str, tmp_path: Path) -> None:
    """A row longer than the header is rejected rather than silently cut."""
    result = cli("vehicles", "import", _csv(tmp_path, VAN_1 + ",surprise"))
    assert result.exit_code == 1
    assert "beyond the header" in result.stdout
