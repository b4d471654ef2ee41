"""Building regions from extracts: the bundled Helsinki, a second extract, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import osmium
import pytest

from doorstep.adapters.roads.regions import RegionStore
from doorstep.adapters.roads.road_travel import RoadGraphTravelTimes
from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import Location
from doorstep.planning.travel import TravelUnavailable, UnroutablePoint

# Kamppi and the railway station, a corner of the bundled extract.
CUT = (60.1680, 24.9360, 60.1730, 24.9440)


def cut_box(source: Path, target: Path, box: tuple[float, float, float, float]) -> None:
    """Cut ``box`` (min_lat, min_lon, max_lat, max_lon) out of an extract with osmium."""
    min_lat, min_lon, max_lat, max_lon = box
    inside: set[int] = set()
    with osmium.SimpleWriter(str(target)) as writer:
        for obj in osmium.FileProcessor(str(source)):
            if isinstance(obj, osmium.osm.Node):
                loc = obj.location
                if loc.valid() and min_lat <= loc.lat <= max_lat and min_lon <= loc.lon <= max_lon:
                    inside.add(obj.id)
                    writer.add_node(obj)
            elif isinstance(obj, osmium.osm.Way):
                refs = [n.ref for n in obj.nodes if n.ref in inside]
                if len(refs) >= 2:
                    writer.add_way(obj.replace(nodes=refs))
            elif isinstance(obj, osmium.osm.Relation):
                writer.add_relation(obj)


def test_default_build_is_central_helsinki_and_is_reused(tmp_path: Path) -> None:
    store = RegionStore(tmp_path)
    info, built = store.build()
    assert built
    assert info.name == "helsinki"
    assert info.timezone == "Europe/Helsinki"
    min_lat, min_lon, max_lat, max_lon = info.bbox
    assert 60.16 < min_lat < max_lat < 60.18
    assert 24.93 < min_lon < max_lon < 24.96
    assert set(info.profiles) == {"van", "truck", "cargo_bike"}
    assert info.profiles["van"].edges > 500
    assert info.addresses > 1000
    assert store.names() == ["helsinki"]
    # The same extract again: nothing is rebuilt.
    again, rebuilt = store.build()
    assert not rebuilt
    assert again == info
    _, forced = store.build(force=True)
    assert forced
    on_disk = json.loads((tmp_path / "helsinki" / "region.json").read_text())
    assert on_disk["source_sha256"] == info.source_sha256


def test_a_second_extract_cut_with_osmium_builds_a_working_region(
    tmp_path: Path, helsinki_pbf: Path
) -> None:
    small = tmp_path / "kamppi.osm.pbf"
    cut_box(helsinki_pbf, small, CUT)
    store = RegionStore(tmp_path / "regions")
    info, built = store.build(small, timezone="Europe/Helsinki")
    assert built
    assert info.name == "kamppi"
    min_lat, min_lon, max_lat, max_lon = info.bbox
    assert CUT[0] <= min_lat < max_lat <= CUT[2]
    assert CUT[1] <= min_lon < max_lon <= CUT[3]
    full, _ = RegionStore(tmp_path / "full").build(helsinki_pbf)
    assert info.profiles["van"].edges < full.profiles["van"].edges / 2

    travel = RoadGraphTravelTimes(store, "kamppi")
    addresses = store.addresses("kamppi")
    assert len(addresses) > 50
    points = [
        Location(float(a), float(b))
        for a, b in zip(addresses.lat[::5], addresses.lon[::5], strict=True)
    ]
    matrix = travel.matrix(points, profile=SpeedProfile.VAN)
    assert (np.diag(matrix.durations_s) == 0).all()
    assert matrix.durations_s.max() > 0
    # Points of the full city outside the cut are refused, by name and with the reason.
    with pytest.raises(UnroutablePoint, match="outside region 'kamppi'"):
        travel.matrix([points[0], Location(60.1790, 24.9530)])
    with pytest.raises(UnroutablePoint, match=r"origin 1 .* about 8\d\d m away"):
        travel.matrix([points[0], Location(60.1770, 24.9500)])


def test_bad_input_is_named(tmp_path: Path, helsinki_pbf: Path) -> None:
    store = RegionStore(tmp_path)
    with pytest.raises(InvalidValue, match="source"):
        store.build(tmp_path / "missing.osm.pbf")
    with pytest.raises(InvalidValue, match="name"):
        store.build(helsinki_pbf, name="Not A Name")
    with pytest.raises(InvalidValue, match="timezone"):
        store.build(helsinki_pbf, timezone="Mars/Olympus")
    empty = tmp_path / "empty.osm.pbf"
    cut_box(helsinki_pbf, empty, (10.0, 10.0, 10.1, 10.1))
    with pytest.raises(InvalidValue, match="holds no roads"):
        store.build(empty)
    with pytest.raises(NotFound, match="doorstep region build"):
        store.info("nowhere")


def test_travel_times_on_a_region_not_built_say_how_to_build_it(tmp_path: Path) -> None:
    travel = RoadGraphTravelTimes(RegionStore(tmp_path), "helsinki")
    with pytest.raises(TravelUnavailable, match="doorstep region build"):
        travel.matrix([Location(60.17, 24.94)])


def test_matrices_are_cached_by_points_profile_and_hour(helsinki_region: RegionStore) -> None:
    travel = RoadGraphTravelTimes(helsinki_region, "helsinki")
    points = [Location(60.1700, 24.9410), Location(60.1712, 24.9445), Location(60.1668, 24.9480)]
    first = travel.matrix(points)
    assert travel.matrix(list(points)) is first
    assert travel.matrix(points, profile=SpeedProfile.CARGO_BIKE) is not first
    other = travel.matrix(points[:2])
    assert other is not first
    assert np.array_equal(other.durations_s, first.durations_s[:2, :2])
