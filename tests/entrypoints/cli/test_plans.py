"""`doorstep plan`: plan a day with PyVRP, explain an order, publish, lock, compare; bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.entrypoints.cli.runner import Cli, one_line_error

DAY = "2026-11-23"
# Four orders around the station; the van carries three parcels, so one is left out.
ORDERS = """reference,name,address,lat,lon,weight,date,station
A-1,Aino,Mannerheimintie 1,60.171,24.941,2,{day},HEL1
A-2,Bertta,Runeberginkatu 5,60.175,24.930,3,{day},HEL1
A-3,Cecilia,Fredrikinkatu 20,60.165,24.935,1,{day},HEL1
A-4,Doris,Hameentie 3,60.182,24.955,4,{day},HEL1
"""
VAN = (
    "--type", "van", "--weight-kg", "800", "--volume-l", "9000", "--shift", "07:00-17:00",
)  # fmt: skip


@pytest.fixture
def day(cli: Cli, station: str, tmp_path: Path) -> dict[str, str]:
    """Van 1 (three parcels) and four ready orders at HEL1; returns order ids by reference."""
    cli.env["DOORSTEP_TRAVEL_PROVIDER"] = "haversine"  # no road network to build
    cli.ok("vehicles", "add", "--station", station, "--name", "Van 1", "--parcels", "3", *VAN)
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS.format(day=DAY), encoding="utf-8")
    cli.ok("orders", "import", str(path))
    listed = json.loads(cli.ok("orders", "list", "--json").stdout)["items"]
    return {item["shipper_reference"]: item["id"] for item in listed}


def plan(cli: Cli) -> dict[str, Any]:
    result = cli.ok("plan", "--station", "HEL1", "--date", DAY, "--time-limit", "1", "--json")
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def test_plan_explain_and_publish(cli: Cli, day: dict[str, str]) -> None:
    """A run prints its routes and left-out orders; explain and publish then work on it."""
    result = cli.ok("plan", "--station", "HEL1", "--date", DAY, "--time-limit", "1")
    assert f"Plan 1 of HEL1 on {DAY}" in result.stdout
    assert "Van 1" in result.stdout
    assert "3 planned, 1 left out" in result.stdout
    assert "capacity_full" in result.stdout
    plan_id = next(w for w in result.stderr.split() if w.startswith("pln_"))
    shown = json.loads(cli.ok("plan", "show", plan_id, "--json").stdout)
    routed = shown["routes"][0]["visits"][1]["order_id"]
    explained = cli.ok("plan", "explain", routed).stdout
    assert "Vehicle   Van 1" in explained
    assert "Position  2 of 3" in explained
    left = shown["unassigned"][0]["order_id"]
    assert "Left out  capacity_full: " in cli.ok("plan", "explain", left).stdout
    published = cli.ok("plan", "publish", plan_id)
    assert f"plan 1 of HEL1 on {DAY} published ({plan_id})" in published.stdout
    assert "published" in cli.ok("plan", "list", "--station", "HEL1", "--date", DAY).stdout


def test_a_locked_route_is_kept_and_the_comparison_shows_moves(
    cli: Cli, day: dict[str, str]
) -> None:
    """Van 1's locked route survives a bigger van; compare lists the orders that moved."""
    first = plan(cli)
    route = first["routes"][0]
    locked = cli.ok("plan", "lock", first["id"], "Van 1")
    assert "3 orders of Van 1 locked on plan 1" in locked.stdout
    cli.ok("vehicles", "add", "--station", "HEL1", "--name", "Van 2", "--parcels", "9", *VAN)
    second = plan(cli)
    assert second["number"] == 2
    assert second["locked"] == [
        {"vehicle_id": route["vehicle_id"], "order_ids": [v["order_id"] for v in route["visits"]],
         "closed": False},
    ]  # fmt: skip
    kept = next(r for r in second["routes"] if r["vehicle_id"] == route["vehicle_id"])
    held = second["locked"][0]["order_ids"]
    assert [v["order_id"] for v in kept["visits"]][: len(held)] == held
    compared = json.loads(cli.ok("plan", "compare", first["id"], second["id"], "--json").stdout)
    moved = {m["order_id"]: (m["vehicle_a"], m["vehicle_b"]) for m in compared["moved"]}
    left = first["unassigned"][0]["order_id"]
    assert moved[left][0] is None, "the order left out in plan 1 is on a route in plan 2"
    assert set(moved) == {left}, "the locked orders did not move"
    assert (compared["a"]["unassigned"], compared["b"]["unassigned"]) == (1, 0)


def test_explaining_an_order_before_planning_says_what_to_run(
    cli: Cli, day: dict[str, str]
) -> None:
    """An order in no plan yet is not found, and the error names the command to plan its day."""
    result = cli("plan", "explain", day["A-1"])
    assert result.exit_code == 1
    assert one_line_error(result).endswith(
        f"plan its day first: doorstep plan --station HEL1 --date {DAY}"
    )


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("--station", "NOPE", "--date", DAY), "--station: no station with id or code 'NOPE'"),
        (("--station", "HEL1", "--date", "23.11.2026"), "--date: must be a day as YYYY-MM-DD"),
        (("--station", "HEL1", "--date", DAY, "--time-limit", "-1"), "--time-limit: must be"),
        (("--station", "HEL1"), "--station and --date are needed"),
    ],
)
def test_bad_input_is_a_usage_error_naming_the_option(
    cli: Cli, station: str, args: tuple[str, ...], option: str
) -> None:
    """Unknown station, bad date, a time limit not above 0: exit 2 naming the option."""
    result = cli("plan", *args)
    assert result.exit_code == 2
    assert one_line_error(result).startswith(f"Error: {option}")


def test_live_changes_add_an_order_preview_a_move_and_take_a_van_off_the_road(
    cli: Cli, day: dict[str, str], tmp_path: Path
) -> None:
    """Van 1 is full: a new order is left out with why; moving it there shows the overload."""
    first = plan(cli)
    path = tmp_path / "late.csv"
    late = ORDERS.splitlines()[0] + "\nA-5,Eeva,Aleksanterinkatu 9,60.169,24.947,1,{day},HEL1\n"
    path.write_text(late.format(day=DAY), encoding="utf-8")
    cli.ok("orders", "import", str(path))
    listed = json.loads(cli.ok("orders", "list", "--json").stdout)["items"]
    new = next(item["id"] for item in listed if item["shipper_reference"] == "A-5")

    added = cli.ok("plan", "add-order", first["id"], new, "--improve", "0")
    assert f"order {new} added" in added.stdout
    assert f"{new} left out: " in added.stderr + added.stdout
    second = json.loads(cli.ok("plan", "list", "--station", "HEL1", "--date", DAY, "--json").stdout)
    latest = second["items"][-1]
    assert latest["number"] == 2

    preview = cli.ok("plan", "move", latest["id"], new, "--to", "Van 1")
    shown = preview.stdout + preview.stderr
    assert "would break [capacity]" in shown
    assert "Preview, not saved" in shown
    refused = cli("plan", "move", latest["id"], new, "--to", "Van 1", "--save")
    assert refused.exit_code == 1
    assert "the move breaks" in one_line_error(refused)

    off = cli.ok("plan", "off-road", latest["id"], "Van 1", "--improve", "0", "--json")
    result = json.loads(off.stdout)
    assert result["plan"]["routes"] == []
    assert result["plan"]["number"] == 3
    assert len(result["plan"]["unassigned"]) == 5
