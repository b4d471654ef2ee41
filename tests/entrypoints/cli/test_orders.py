"""`doorstep orders`: add, list, show, update and cancel through the order services."""

from __future__ import annotations

import json

from tests.entrypoints.cli.runner import Cli, created_id, one_line_error

WINDOW = "2026-11-21T09:00:00+02:00/2026-11-21T12:00:00+02:00"


def _add(cli: Cli, ref: str, *extra: str) -> str:
    result = cli.ok(
        "orders", "add", "--shipper", "webshop", "--ref", ref, "--recipient", "Maija Meikäläinen",
        "--address", "Mannerheimintie 1, Helsinki", *extra,
    )  # fmt: skip
    return created_id(result, "ord")


def test_order_lifecycle_from_the_command_line(cli: Cli, station: str) -> None:
    """Add, list, show, update and cancel one order; each step shows the new state."""
    order_id = _add(
        cli, "A-1", "--station", station, "--lat", "60.17", "--lon", "24.94", "--window", WINDOW,
        "--parcel", "P-1:2.5", "--parcel", "P-2", "--priority", "high",
    )  # fmt: skip
    listed = cli.ok("orders", "list").stdout
    assert order_id in listed
    assert "ready" in listed
    shown = cli.ok("orders", "show", order_id).stdout
    assert "P-1 (2.5 kg), P-2 (0 kg)" in shown
    assert "2026-11-21T09:00:00+02:00" in shown
    updated = cli.ok(
        "orders", "update", order_id, "--priority", "urgent", "--recipient-phone", "+358401234567"
    )
    assert "updated: ready" in updated.stdout
    shown = cli.ok("orders", "show", order_id).stdout
    assert "urgent" in shown
    assert "Maija Meikäläinen +358401234567" in shown, "the name is kept when the phone changes"
    cancelled = cli.ok("orders", "cancel", order_id, "--reason", "customer moved")
    assert f"order {order_id} cancelled" in cancelled.stdout
    assert "customer moved" in cli.ok("orders", "show", order_id).stdout


def test_cancelling_twice_is_a_clear_error(cli: Cli, station: str) -> None:
    """The second cancel fails with the transition rule on one line, exit 1, no traceback."""
    order_id = _add(cli, "A-2", "--station", station)
    cli.ok("orders", "cancel", order_id)
    result = cli("orders", "cancel", order_id)
    assert result.exit_code == 1
    assert "cannot go from 'cancelled' to 'cancelled'" in one_line_error(result)


def test_order_without_location_needs_attention_until_completed(cli: Cli, station: str) -> None:
    """Missing a station and location, the order needs attention; adding them makes it ready."""
    order_id = _add(cli, "A-3")
    assert "needs_attention" in cli.ok("orders", "list", "--status", "needs_attention").stdout
    result = cli.ok(
        "orders", "update", order_id, "--station", station, "--lat", "60.2", "--lon", "24.9"
    )
    assert "updated: ready" in result.stdout
    assert order_id not in cli.ok("orders", "list", "--status", "needs_attention").stdout


def test_json_output_is_the_api_shape(cli: Cli, station: str) -> None:
    """--json prints the API's order and page bodies, parseable as JSON."""
    order_id = _add(cli, "A-4", "--station", station, "--parcel", "P-9:1")
    order = json.loads(cli.ok("orders", "show", order_id, "--json").stdout)
    assert order["id"] == order_id
    assert order["parcels"][0] == {
        "barcode": "P-9", "weight_kg": 1.0, "length_cm": 0.0, "width_cm": 0.0, "height_cm": 0.0,
        "volume_l": 0.0,
    }  # fmt: skip
    page = json.loads(cli.ok("orders", "list", "--json").stdout)
    assert [item["id"] for item in page["items"]] == [order_id]
    assert page["next_cursor"] is None


def test_list_pages_with_the_printed_cursor(cli: Cli, station: str) -> None:
    """--limit cuts the page and the cursor it prints fetches the rest."""
    first_id, second_id = _add(cli, "B-1"), _add(cli, "B-2")
    page = json.loads(cli.ok("orders", "list", "--limit", "1", "--json").stdout)
    assert [item["id"] for item in page["items"]] == [first_id]
    rest = cli.ok("orders", "list", "--limit", "1", "--cursor", page["next_cursor"]).stdout
    assert second_id in rest
    assert first_id not in rest


def test_list_filters_by_station_code(cli: Cli, station: str) -> None:
    """--station takes a code and keeps only that station's orders."""
    at_station = _add(cli, "C-1", "--station", station)
    elsewhere = _add(cli, "C-2")
    listed = cli.ok("orders", "list", "--station", station).stdout
    assert at_station in listed
    assert elsewhere not in listed


def test_window_without_offset_is_refused_naming_the_option(cli: Cli, org: str) -> None:
    """A naive time in --window is reported against that option and its position."""
    result = cli(
        "orders", "add", "--shipper", "s", "--ref", "r", "--recipient", "R", "--address", "A",
        "--window", "2026-11-21T09:00/2026-11-21T12:00",
    )  # fmt: skip
    assert result.exit_code == 1
    assert one_line_error(result).startswith("Error: --window #1: ")


def test_bad_parcel_weight_names_the_parcel(cli: Cli, org: str) -> None:
    """A negative weight on the second --parcel says which parcel it was."""
    result = cli(
        "orders", "add", "--shipper", "s", "--ref", "r", "--recipient", "R", "--address", "A",
        "--parcel", "P-1", "--parcel", "P-2:-1",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "--parcel #2: " in one_line_error(result)


def test_duplicate_reference_is_refused(cli: Cli, org: str) -> None:
    """A second order with the same shipper reference is a conflict naming --ref."""
    _add(cli, "D-1")
    result = cli(
        "orders",
        "add",
        "--shipper",
        "webshop",
        "--ref",
        "D-1",
        "--recipient",
        "R",
        "--address",
        "A",
    )
    assert result.exit_code == 1
    assert one_line_error(result).startswith("Error: --ref: order ")


def test_update_without_changes_is_a_usage_error(cli: Cli, org: str) -> None:
    """`orders update ID` with no option exits 2 instead of saving nothing."""
    order_id = _add(cli, "E-1")
    assert cli("orders", "update", order_id).exit_code == 2


def test_unknown_order_is_not_found(cli: Cli, org: str) -> None:
    """Showing an id that does not exist says so, exit 1."""
    result = cli("orders", "show", "ord_missing")
    assert result.exit_code == 1
    assert "order 'ord_missing' was not found" in one_line_error(result)
