"""``doorstep geocode``: candidates for an address, or the addresses at a point, on Helsinki."""

from __future__ import annotations

import json
import shutil

import pytest

from doorstep.adapters.roads.regions import RegionStore
from tests.entrypoints.cli.runner import Cli, one_line_error


@pytest.fixture
def built(cli: Cli, helsinki_region: RegionStore) -> Cli:
    """The data directory holding the Helsinki region (copied: building it again is slower)."""
    shutil.copytree(helsinki_region.directory("helsinki"), cli.data_dir / "regions" / "helsinki")
    return cli


def test_an_address_prints_its_candidates(built: Cli) -> None:
    result = built.ok("geocode", "Mannerheimvägen 5 A 12, Helsingfors")
    assert "Mannerheimintie 5, 00100 Helsinki" in result.stdout
    assert "entrance" in result.stdout
    assert "✓" in result.stdout  # taken without a person
    as_json = json.loads(built.ok("geocode", "Mannerheimintie 5", "--json").stdout)
    first = as_json[0]
    assert first["label"] == "Mannerheimintie 5, 00100 Helsinki"
    assert first["confidence"] >= 0.8
    assert {"lat", "lon", "level", "units", "source"} <= set(first)
    street = json.loads(built.ok("geocode", "Mannerheimintie", "--json", "--limit", "1").stdout)
    assert len(street) == 1
    assert street[0]["level"] == "street"
    assert street[0]["confidence"] < 0.8


def test_reverse_prints_the_nearest_addresses_with_distances(built: Cli) -> None:
    forward = json.loads(built.ok("geocode", "Mannerheimintie 5", "--json").stdout)[0]
    point = f"{forward['lat']},{forward['lon']}"
    table = built.ok("geocode", "--reverse", point, "--limit", "3")
    assert "Distance (m)" in table.stdout
    assert "Mannerheimintie 5" in table.stdout
    found = json.loads(built.ok("geocode", "--reverse", point, "--json").stdout)
    assert found[0]["label"] == forward["label"]
    assert found[0]["distance_m"] < 1


def test_nothing_found_says_so(built: Cli) -> None:
    result = built.ok("geocode", "Xyzzyntie 5")
    assert "none" in result.stdout
    assert json.loads(built.ok("geocode", "Xyzzyntie 5", "--json").stdout) == []


def test_bad_calls_are_named(built: Cli) -> None:
    neither = built("geocode")
    assert neither.exit_code == 2
    assert "--reverse" in one_line_error(neither)
    both = built("geocode", "Mannerheimintie 5", "--reverse", "60.17,24.94")
    assert both.exit_code == 2
    point = built("geocode", "--reverse", "sixty,twenty")
    assert point.exit_code == 2
    assert "LAT,LON" in one_line_error(point)
    far = built("geocode", "--reverse", "91,24.94")
    assert far.exit_code == 1
    assert "lat" in one_line_error(far)


def test_unavailable_geocoders_say_what_to_do(cli: Cli) -> None:
    unbuilt = cli("geocode", "Mannerheimintie 5")
    assert unbuilt.exit_code == 1
    assert "doorstep region build" in one_line_error(unbuilt)
    remote = cli("geocode", "Mannerheimintie 5", DOORSTEP_GEOCODER="nominatim")
    assert remote.exit_code == 1
    assert "DOORSTEP_GEOCODER_URL" in one_line_error(remote)
