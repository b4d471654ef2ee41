"""Matrices, snapping and paths on the real Helsinki road graph."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.adapters.roads import router as router_module
from doorstep.adapters.roads.graph import RoadGraph
from doorstep.adapters.roads.haversine import great_circle_m
from doorstep.adapters.roads.regions import RegionStore
from doorstep.adapters.roads.router import Router
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import Location
from doorstep.planning.travel import UnroutablePoint


@pytest.fixture(scope="module")
def graph(helsinki_region: RegionStore) -> RoadGraph:
    return helsinki_region.graph("helsinki", SpeedProfile.VAN)


@pytest.fixture(scope="module")
def router(graph: RoadGraph) -> Router:
    return Router(graph)


def _points(lat: np.ndarray, lon: np.ndarray) -> list[Location]:
    return [Location(float(a), float(b)) for a, b in zip(lat, lon, strict=True)]


def _one_way_streets(graph: RoadGraph, min_length_m: float) -> list[int]:
    table = graph.street_edges()
    found = []
    for street in range(graph.street_count):
        fwd, bwd = int(table[street, 0]), int(table[street, 1])
        one_way = fwd >= 0 and bwd < 0 and graph.edge_routable[fwd]
        if one_way and graph.street_len_m[street] >= min_length_m:
            found.append(street)
    return found


def test_one_way_streets_are_driven_one_way(graph: RoadGraph, router: Router) -> None:
    streets = _one_way_streets(graph, 120.0)
    assert len(streets) >= 5
    for street in streets[:10]:
        a = router.point_on_street(street, 0.25)
        b = router.point_on_street(street, 0.75)
        durations, distances, _, _ = router.matrix([a, b], [a, b])
        half = graph.street_len_m[street] / 2
        # With the traffic: straight along half the street.
        assert distances[0, 1] == pytest.approx(half, abs=2.0)
        # Against it: round the block, so longer in time and in distance.
        assert durations[1, 0] > durations[0, 1]
        assert distances[1, 0] > distances[0, 1] + 50


def test_matrix_diagonal_is_zero_and_values_plausible(
    router: Router, helsinki_region: RegionStore
) -> None:
    addresses = helsinki_region.addresses("helsinki")
    points = _points(addresses.lat[::10], addresses.lon[::10])
    durations, distances, snap_o, snap_d = router.matrix(points, points)
    assert durations.dtype == np.int32
    assert distances.dtype == np.int32
    assert (np.diag(durations) == 0).all()
    assert (np.diag(distances) == 0).all()
    assert (durations >= 0).all()
    assert durations.max() < 1800  # nothing in a 1 x 1.7 km centre takes half an hour
    assert (durations != durations.T).any()  # one-way streets make it asymmetric
    assert np.array_equal(snap_o, snap_d)


coordinate = st.tuples(
    st.floats(min_value=60.1650, max_value=60.1785), st.floats(min_value=24.9360, max_value=24.9525)
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(coordinate, min_size=2, max_size=12))
def test_no_road_distance_is_shorter_than_the_straight_line(
    router: Router, raw: list[tuple[float, float]]
) -> None:
    points = [Location(lat, lon) for lat, lon in raw]
    _, distances, snap_o, snap_d = router.matrix(points, points)
    lat = np.asarray([p.lat for p in points])
    lon = np.asarray([p.lon for p in points])
    straight = great_circle_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    # The road path runs between the snapped points; each snap is at most its own distance.
    bound = straight - snap_o[:, None] - snap_d[None, :]
    assert (distances >= np.floor(bound) - 1).all()


def test_a_point_too_far_from_any_road_is_named(graph: RoadGraph) -> None:
    strict = Router(graph, max_snap_m=5.0)
    points = [Location(60.1700, 24.9410), Location(60.1712, 24.9445)]
    snaps = Router(graph).snap(points, "origin")
    far = int(np.argmax(snaps.distance_m))
    assert snaps.distance_m[far] > 5.0
    with pytest.raises(UnroutablePoint) as raised:
        strict.matrix(points, points)
    assert raised.value.index == far
    assert raised.value.role == "origin"
    assert "nearest road" in raised.value.reason
    assert "limit is 5 m" in raised.value.reason


def test_points_snap_only_to_the_routable_part(graph: RoadGraph, router: Router) -> None:
    cut_off = np.flatnonzero(~graph.edge_routable)
    assert len(cut_off)
    table = graph.street_edges()
    for edge in cut_off[:20].tolist():
        street = int(graph.edge_street[edge])
        if any(int(e) >= 0 and graph.edge_routable[int(e)] for e in table[street]):
            continue
        point = router.point_on_street(street, 0.5)
        snap = router.snap([point], "origin")
        assert int(snap.street[0]) != street
        return
    pytest.fail("no street lies wholly outside the routable part")


def test_path_matches_the_matrix_and_follows_streets(
    router: Router, helsinki_region: RegionStore
) -> None:
    addresses = helsinki_region.addresses("helsinki")
    points = _points(addresses.lat[::97], addresses.lon[::97])
    durations, distances, _, _ = router.matrix(points, points)
    for i, j in [(0, 5), (3, 1), (7, 2), (4, 9)]:
        path = router.path(points[i], points[j])
        assert path.duration_s == durations[i, j]
        assert path.distance_m == distances[i, j]
        lat = np.asarray([p[0] for p in path.points])
        lon = np.asarray([p[1] for p in path.points])
        drawn = great_circle_m(lat[:-1], lon[:-1], lat[1:], lon[1:]).sum()
        # The polyline runs from the origin's snapped point to the destination's, on roads.
        assert drawn == pytest.approx(path.distance_m, rel=0.01, abs=3.0)
        snapped = router.snap([points[i], points[j]], "origin")
        assert path.points[0] == pytest.approx((snapped.lat[0], snapped.lon[0]))
        assert path.points[-1] == pytest.approx((snapped.lat[1], snapped.lon[1]))
        assert len(path.points) > 2


def test_rush_hour_is_slower_than_free_flow(router: Router, helsinki_region: RegionStore) -> None:
    addresses = helsinki_region.addresses("helsinki")
    points = _points(addresses.lat[::40], addresses.lon[::40])
    free, _, _, _ = router.matrix(points, points)
    rush, _, _, _ = router.matrix(points, points, hour=8)
    night, _, _, _ = router.matrix(points, points, hour=3)
    assert (rush >= free).all()
    assert (rush > free).mean() > 0.5
    assert np.array_equal(night, free)


def test_worker_processes_give_the_same_answer(
    router: Router, helsinki_region: RegionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    addresses = helsinki_region.addresses("helsinki")
    points = _points(addresses.lat[::3], addresses.lon[::3])
    serial = router.matrix(points, points, workers=1)
    monkeypatch.setattr(router_module, "MAX_CHUNK_BYTES", 2**20)  # several chunks, small graph
    pooled = router.matrix(points, points, workers=2)
    assert np.array_equal(serial[0], pooled[0])
    assert np.array_equal(serial[1], pooled[1])
