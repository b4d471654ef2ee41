"""``doorstep region`` and ``doorstep matrix`` end to end on the bundled Helsinki extract."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from doorstep.adapters.roads.regions import RegionStore
from tests.entrypoints.cli.runner import Cli, one_line_error


def test_region_build_info_and_list(cli: Cli) -> None:
    built = cli.ok("region", "build")
    assert "region      helsinki" in built.stdout
    assert "Europe/Helsinki" in built.stdout
    for profile in ("van", "truck", "cargo_bike"):
        assert profile in built.stdout
    again = cli.ok("region", "build")
    assert "up to date" in again.stderr
    info = cli.ok("region", "info")
    assert "bbox        60.16" in info.stdout
    assert "turn restrictions" in info.stdout
    listed = cli.ok("region", "list")
    assert listed.stdout.strip() == "helsinki (configured)"


def test_region_info_before_any_build_says_what_to_run(cli: Cli) -> None:
    result = cli("region", "info")
    assert result.exit_code == 1
    assert "doorstep region build" in one_line_error(result)


def test_region_build_of_a_missing_file_names_it(cli: Cli, tmp_path: Path) -> None:
    result = cli("region", "build", str(tmp_path / "nowhere.osm.pbf"))
    assert result.exit_code == 1
    assert "nowhere.osm.pbf is not a file" in one_line_error(result)


def test_matrix_writes_durations_and_distances(cli: Cli, tmp_path: Path) -> None:
    cli.ok("region", "build")
    addresses = RegionStore(cli.data_dir / "regions").addresses("helsinki")
    points = tmp_path / "points.csv"
    rows = [f"{lat},{lon}" for lat, lon in zip(addresses.lat[:40], addresses.lon[:40], strict=True)]
    points.write_text("lat,lon\n" + "\n".join(rows) + "\n")
    out = tmp_path / "m.npz"
    result = cli.ok("matrix", str(points), "--profile", "cargo_bike", "--out", str(out))
    assert "40 x 40 matrix (cargo_bike)" in result.stderr
    with np.load(out) as saved:
        assert saved["durations_s"].shape == (40, 40)
        assert saved["distances_m"].shape == (40, 40)
        assert (np.diag(saved["durations_s"]) == 0).all()
        assert saved["durations_s"].max() > 0
    rush = tmp_path / "rush.npz"
    cli.ok("matrix", str(points), "--out", str(rush), "--departure", "2026-11-23T08:00+02:00")
    free = tmp_path / "free.npz"
    cli.ok("matrix", str(points), "--out", str(free))
    with np.load(rush) as r, np.load(free) as f:
        assert (r["durations_s"] >= f["durations_s"]).all()
        assert (r["durations_s"] > f["durations_s"]).any()


def test_matrix_rejects_bad_rows_and_far_points(cli: Cli, tmp_path: Path) -> None:
    cli.ok("region", "build")
    bad = tmp_path / "bad.csv"
    bad.write_text("lat,lon\n60.17,24.94\n91,24.94\n")
    result = cli("matrix", str(bad), "--out", str(tmp_path / "x.npz"))
    assert result.exit_code == 1
    assert "row 3: lat must be between -90 and 90" in one_line_error(result)
    headless = tmp_path / "headless.csv"
    headless.write_text("60.17,24.94\n")
    result = cli("matrix", str(headless), "--out", str(tmp_path / "x.npz"))
    assert "needs a header with lat and lon" in one_line_error(result)
    far = tmp_path / "far.csv"
    far.write_text("lat,lon\n60.17,24.94\n60.30,25.10\n")
    result = cli("matrix", str(far), "--out", str(tmp_path / "x.npz"))
    assert "origin 1 (60.300000, 25.100000) cannot be routed: outside region" in one_line_error(
        result
    )
    assert not (tmp_path / "x.npz").exists()
