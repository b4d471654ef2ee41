"""`doorstep station sortplan`: the published day's CSV, labels and sheet; before it, a hint."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.entrypoints.cli.runner import Cli, one_line_error
from tests.entrypoints.cli.test_plans import DAY, day, plan

__all__ = ["day"]  # a fixture, used by name


def test_sortplan_writes_csv_labels_and_sheet(
    cli: Cli, day: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "print"
    refused = cli("station", "sortplan", "--station", "HEL1", "--date", DAY, "--out", str(out))
    assert refused.exit_code == 1
    assert "publish a version first" in one_line_error(refused)
    version = plan(cli)
    cli.ok("plan", "publish", version["id"])
    result = cli.ok("station", "sortplan", "--station", "HEL1", "--date", DAY, "--out", str(out))
    assert "L01" in result.stdout
    with (out / f"sortplan-HEL1-{DAY}.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    routed = [v["order_id"] for r in version["routes"] for v in r["visits"]]
    assert [row["order_id"] for row in rows] == routed
    assert [row["position"] for row in rows] == [str(n) for n in range(1, len(routed) + 1)]
    assert [row["load_index"] for row in rows] == [str(len(routed) - n) for n in range(len(routed))]
    for name in (f"labels-HEL1-{DAY}.pdf", f"sortplan-HEL1-{DAY}.pdf"):
        assert (out / name).read_bytes().startswith(b"%PDF")


def test_receiving_and_day_end_show_what_is_missing(cli: Cli, day: dict[str, str]) -> None:
    """Nothing scanned yet: every parcel missing at receiving, and day end exits 1 naming them."""
    shown = cli.ok("station", "receiving", "--station", "HEL1", "--date", DAY).stdout
    assert "Missing" in shown
    assert "A-1" in shown
    end = cli("station", "day-end", "--station", "HEL1", "--date", DAY)
    assert end.exit_code == 1
    assert "4 parcels unaccounted for" in one_line_error(end)
    assert "never received" in end.stdout


def test_loadout_lists_the_van_and_it_cannot_leave_uninspected(
    cli: Cli, day: dict[str, str]
) -> None:
    version = plan(cli)
    cli.ok("plan", "publish", version["id"])
    args = ("--station", "HEL1", "--date", DAY, "--vehicle", "Van 1")
    shown = cli.ok("station", "loadout", *args).stdout
    assert "MISSING (ready)" in shown
    refused = cli("station", "depart", *args)
    assert refused.exit_code != 0
    assert "no pre-trip inspection" in refused.output  # the driver app inspects first
