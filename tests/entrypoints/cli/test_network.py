"""`doorstep stations|vehicles|drivers add/list`, with input checked by the API's models."""

from __future__ import annotations

from tests.entrypoints.cli.runner import Cli, one_line_error

VAN = (
    "--name", "Van 1", "--type", "van", "--weight-kg", "800", "--volume-l", "9000",
    "--parcels", "120", "--shift", "07:00-17:00",
)  # fmt: skip


def test_station_add_then_list(cli: Cli, org: str) -> None:
    """A station added from the command line is listed with its code, name and time zone."""
    added = cli.ok(
        "stations", "add", "--code", "HEL1", "--name", "Helsinki West", "--lat", "60.17",
        "--lon", "24.9", "--timezone", "Europe/Helsinki",
    )  # fmt: skip
    assert "station HEL1 (Helsinki West) added" in added.stdout
    listed = cli.ok("stations", "list")
    assert "HEL1" in listed.stdout
    assert "Helsinki West" in listed.stdout
    assert "Europe/Helsinki" in listed.stdout


def test_station_refused_value_names_the_option(cli: Cli, org: str) -> None:
    """A latitude out of range is reported against --lat, on one line, exit code 1."""
    result = cli("stations", "add", "--code", "HEL1", "--name", "X", "--lat", "91", "--lon", "0")
    assert result.exit_code == 1
    assert one_line_error(result).startswith("Error: --lat: ")


def test_duplicate_station_code_is_a_clear_conflict(cli: Cli, station: str) -> None:
    """A second station with a taken code is refused naming --code."""
    result = cli(
        "stations", "add", "--code", station, "--name", "Again", "--lat", "1", "--lon", "1"
    )
    assert result.exit_code == 1
    assert "--code: station code HEL1 is taken" in one_line_error(result)


def test_vehicle_add_then_list(cli: Cli, station: str) -> None:
    """A vehicle is listed with its station's code, capacity, shift and skills."""
    cli.ok("vehicles", "add", "--station", station, *VAN, "--skill", "lift_gate", "--skill", "cold")
    listed = cli.ok("vehicles", "list").stdout
    assert "Van 1" in listed
    assert "HEL1" in listed
    assert "800 / 9000 / 120" in listed
    assert "07:00-17:00" in listed
    assert "cold, lift_gate" in listed


def test_vehicle_list_filters_by_station_code(cli: Cli, station: str) -> None:
    """--station takes a code; another station's vehicles are left out."""
    cli.ok("stations", "add", "--code", "HEL2", "--name", "East", "--lat", "60.2", "--lon", "25.1")
    cli.ok("vehicles", "add", "--station", station, *VAN)
    cli.ok("vehicles", "add", "--station", "HEL2", *VAN[:1], "Van 2", *VAN[2:])
    listed = cli.ok("vehicles", "list", "--station", "HEL2").stdout
    assert "Van 2" in listed
    assert "Van 1" not in listed


def test_negative_weight_is_refused_naming_the_option(cli: Cli, station: str) -> None:
    """The API model's rule (weight > 0) is reported against --weight-kg, not capacity.weight_kg."""
    args = list(VAN)
    args[args.index("800")] = "-5"
    result = cli("vehicles", "add", "--station", station, *args)
    assert result.exit_code == 1
    assert one_line_error(result) == "Error: --weight-kg: Input should be greater than 0"


def test_unknown_station_lists_the_known_codes(cli: Cli, station: str) -> None:
    """Naming a station that does not exist says which codes do."""
    result = cli("vehicles", "add", "--station", "NOPE", *VAN)
    assert result.exit_code == 1
    assert "--station: no station with id or code 'NOPE'" in one_line_error(result)
    listed = cli("vehicles", "list", "--station", "NOPE")
    assert "there are: HEL1" in one_line_error(listed)


def test_malformed_shift_is_a_usage_error(cli: Cli, station: str) -> None:
    """A shift that is not HH:MM-HH:MM is refused by the option parser with exit code 2."""
    args = list(VAN)
    args[args.index("07:00-17:00")] = "7 to 5"
    result = cli("vehicles", "add", "--station", station, *args)
    assert result.exit_code == 2
    assert "07:00-17:00" in result.stderr


def test_unknown_vehicle_type_is_a_usage_error(cli: Cli, station: str) -> None:
    """--type offers only the domain's vehicle types."""
    args = list(VAN)
    args[args.index("van")] = "rocket"
    assert cli("vehicles", "add", "--station", station, *args).exit_code == 2


def test_driver_add_then_list(cli: Cli, station: str) -> None:
    """A driver is listed with home station, shift and phone."""
    cli.ok(
        "drivers", "add", "--station", station, "--name", "Aino Virtanen", "--shift", "22:00-06:00",
        "--phone", "+358 40 123 4567", "--skill", "forklift",
    )  # fmt: skip
    listed = cli.ok("drivers", "list", "--station", station).stdout
    assert "Aino Virtanen" in listed
    assert "22:00-06:00" in listed
    assert "+358 40 123 4567" in listed
    assert "forklift" in listed


def test_duplicate_driver_name_is_refused(cli: Cli, station: str) -> None:
    """Names are unique: a second driver of the same name is refused naming --name."""
    args = ("drivers", "add", "--station", station, "--name", "Aino", "--shift", "07:00-15:00")
    cli.ok(*args)
    result = cli(*args)
    assert result.exit_code == 1
    assert "--name: a driver named 'Aino' exists already" in one_line_error(result)


def test_listing_before_init_points_to_init(cli: Cli) -> None:
    """On an empty data directory, commands say to run `doorstep init` first."""
    result = cli("stations", "list")
    assert result.exit_code == 1
    assert "doorstep init" in one_line_error(result)
