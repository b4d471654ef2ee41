"""The OSRM adapter: its wire format against a fake server, then a real osrm-routed on Helsinki."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Collection
from typing import Any

import httpx2
import numpy as np
import pytest

from doorstep.adapters.roads.haversine import great_circle_m
from doorstep.adapters.roads.osrm import OsrmTravelTimes
from doorstep.adapters.roads.regions import RegionStore
from doorstep.adapters.roads.road_travel import RoadGraphTravelTimes
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import Location
from doorstep.planning.travel import TravelUnavailable, UnroutablePoint
from tests.support.engines import implausibilities

BASE = "http://osrm.test:5000"
STATION = Location(60.1710, 24.9414)
SQUARE = Location(60.1695, 24.9523)
KAMPPI = Location(60.1699, 24.9384)

Handler = Callable[[httpx2.Request], httpx2.Response]


def osrm(handler: Handler, **kwargs: Any) -> OsrmTravelTimes:
    client = httpx2.Client(transport=httpx2.MockTransport(handler))
    return OsrmTravelTimes({SpeedProfile.VAN: BASE + "/"}, client=client, **kwargs)


def origin(k: int) -> Location:
    return Location(60.0 + k * 1e-4, 24.0)


def destination(k: int) -> Location:
    return Location(61.0 + k * 1e-4, 25.0)


def point_id(lon_lat: str) -> int:
    """Origins are 0..9999, destinations 10000.. (see ``origin`` and ``destination``)."""
    _lon, lat = (float(v) for v in lon_lat.split(","))
    if lat < 60.9:
        return round((lat - 60.0) / 1e-4)
    return 10_000 + round((lat - 61.0) / 1e-4)


def duration(a: int, b: int) -> float:
    return 0.0 if a == b else a * 1000 + b % 10_000 + 0.4  # .4 rounds down


def distance(a: int, b: int) -> float:
    return 0.0 if a == b else (b % 10_000) * 1000 + a + 0.6  # .6 rounds up


class FakeOsrm:
    """Answers the table service with ``duration``/``distance`` of the points' ids.

    Points in ``no_exit`` have no route out, points in ``no_entry`` none in (except to
    themselves), like islands and one-way traps.
    """

    def __init__(
        self, max_size: int, no_exit: Collection[int] = (), no_entry: Collection[int] = ()
    ) -> None:
        self.max_size = max_size
        self.no_exit = set(no_exit)
        self.no_entry = set(no_entry)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        assert request.method == "GET"
        prefix = "/table/v1/driving/"
        assert request.url.path.startswith(prefix)
        ids = [point_id(c) for c in request.url.path[len(prefix) :].split(";")]
        assert len(ids) == len(set(ids)), "a coordinate was sent twice"
        assert request.url.params["annotations"] == "duration,distance"
        sources = [ids[int(k)] for k in request.url.params["sources"].split(";")]
        targets = [ids[int(k)] for k in request.url.params["destinations"].split(";")]
        assert len(sources) <= self.max_size
        assert len(targets) <= self.max_size

        def cell(a: int, b: int, value: Callable[[int, int], float]) -> float | None:
            if a != b and (a in self.no_exit or b in self.no_entry):
                return None
            return value(a, b)

        return httpx2.Response(
            200,
            json={
                "code": "Ok",
                "durations": [[cell(a, b, duration) for b in targets] for a in sources],
                "distances": [[cell(a, b, distance) for b in targets] for a in sources],
                "sources": [{"location": [0, 0], "distance": a * 0.25} for a in sources],
                "destinations": [{"location": [0, 0], "distance": b * 0.25} for b in targets],
            },
        )


def expected(rows: list[int], cols: list[int]) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.array([[round(duration(a, b)) for b in cols] for a in rows], dtype=np.int32),
        np.array([[math.ceil(distance(a, b)) for b in cols] for a in rows], dtype=np.int32),
    )


# --- wire format --------------------------------------------------------------------------


def test_table_request_sends_each_point_once_with_index_lists() -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(str(request.url))
        return httpx2.Response(
            200,
            json={
                "code": "Ok",
                "durations": [[10.0, 20.5], [0, 30.0]],
                "distances": [[100.0, 200.0], [0, 300.0]],
                "sources": [{"distance": 1.5}, {"distance": 2.5}],
                "destinations": [{"distance": 2.5}, {"distance": 3.5}],
            },
        )

    matrix = osrm(handler).matrix([STATION, SQUARE], [SQUARE, KAMPPI])
    assert seen == [
        f"{BASE}/table/v1/driving/24.941400,60.171000;24.952300,60.169500;24.938400,60.169900"
        "?annotations=duration,distance&sources=0;1&destinations=1;2"
    ]
    assert matrix.durations_s.tolist() == [[10, 20], [0, 30]]
    assert matrix.durations_s.dtype == np.int32
    assert matrix.distances_m.tolist() == [[100, 200], [0, 300]]
    assert matrix.origin_snap_m.tolist() == [1.5, 2.5]
    assert matrix.destination_snap_m.tolist() == [2.5, 3.5]


def test_square_matrix_sends_the_points_once() -> None:
    fake = FakeOsrm(max_size=100)
    osrm(fake).matrix([origin(0), origin(1), origin(2)])
    (request,) = fake.requests
    assert request.url.params["sources"] == "0;1;2"
    assert request.url.params["destinations"] == "0;1;2"


@pytest.mark.parametrize("square", [True, False], ids=["square", "rectangular"])
def test_chunked_250_point_matrix_is_assembled_in_place(square: bool) -> None:
    """9 (or 6) requests of at most 100 x 100, each block landing where it belongs."""
    fake = FakeOsrm(max_size=100)
    origins = [origin(k) for k in range(250)]
    if square:
        matrix = osrm(fake).matrix(origins)
        cols = list(range(250))
    else:
        matrix = osrm(fake).matrix(origins, [destination(k) for k in range(130)])
        cols = [10_000 + k for k in range(130)]
    assert len(fake.requests) == (9 if square else 6)
    durations, distances = expected(list(range(250)), cols)
    assert np.array_equal(matrix.durations_s, durations)
    assert np.array_equal(matrix.distances_m, distances)
    assert matrix.origin_snap_m.tolist() == [k * 0.25 for k in range(250)]
    assert matrix.destination_snap_m.tolist() == [c * 0.25 for c in cols]


@pytest.mark.parametrize(
    ("no_exit", "no_entry", "role", "index"),
    [({3}, set(), "origin", 3), (set(), {1}, "destination", 1), ({4}, {2}, "origin", 4)],
)
def test_missing_routes_name_the_point_to_blame(
    no_exit: set[int], no_entry: set[int], role: str, index: int
) -> None:
    """A row of nulls blames the origin, a column the destination, across chunks."""
    points = [origin(k) for k in range(5)]
    provider = osrm(FakeOsrm(max_size=2, no_exit=no_exit, no_entry=no_entry), max_table_size=2)
    with pytest.raises(UnroutablePoint) as raised:
        provider.matrix(points)
    assert (raised.value.role, raised.value.index) == (role, index)
    assert raised.value.location == points[index]
    assert "OSRM" in raised.value.reason


def test_one_unreachable_destination_is_blamed_not_every_origin() -> None:
    """Five origins that all fail the single destination: the destination is at fault."""
    provider = osrm(FakeOsrm(max_size=100, no_entry={10_000}))
    with pytest.raises(UnroutablePoint) as raised:
        provider.matrix([origin(k) for k in range(5)], [destination(0)])
    assert (raised.value.role, raised.value.index) == ("destination", 0)


def test_no_segment_names_the_coordinate() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        message = "Could not find a matching segment for coordinate 2"
        return httpx2.Response(400, json={"code": "NoSegment", "message": message})

    with pytest.raises(UnroutablePoint) as raised:
        osrm(handler).matrix([STATION, SQUARE], [SQUARE, KAMPPI])
    assert (raised.value.role, raised.value.index) == ("destination", 1)
    assert "matching segment" in raised.value.reason


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (
            httpx2.Response(400, json={"code": "TooBig", "message": "Too many table coordinates"}),
            "TooBig: Too many table coordinates",
        ),
        (httpx2.Response(502, text="<html>Bad Gateway</html>"), "HTTP 502"),
        (httpx2.Response(200, json={"code": "Ok"}), "malformed table"),
    ],
)
def test_server_errors_are_travel_unavailable(response: httpx2.Response, message: str) -> None:
    with pytest.raises(TravelUnavailable, match=message):
        osrm(lambda request: response).matrix([STATION, SQUARE])


def test_unreachable_server_is_travel_unavailable() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused", request=request)

    with pytest.raises(TravelUnavailable, match=r"did not answer.*connection refused"):
        osrm(handler).matrix([STATION, SQUARE])


def test_profile_without_a_server_is_travel_unavailable() -> None:
    with pytest.raises(TravelUnavailable, match="truck"):
        osrm(FakeOsrm(max_size=100)).matrix([STATION], profile=SpeedProfile.TRUCK)


def test_path_request_and_answer() -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(str(request.url))
        geometry = {"type": "LineString", "coordinates": [[24.9414, 60.171], [24.9523, 60.1695]]}
        route = {"geometry": geometry, "duration": 288.4, "distance": 1695.6}
        return httpx2.Response(200, json={"code": "Ok", "routes": [route], "waypoints": []})

    path = osrm(handler).path(STATION, SQUARE)
    assert seen == [
        f"{BASE}/route/v1/driving/24.941400,60.171000;24.952300,60.169500"
        "?overview=full&geometries=geojson"
    ]
    assert path.points == ((60.171, 24.9414), (60.1695, 24.9523))
    assert (path.duration_s, path.distance_m) == (288, 1696)


def test_path_without_route_is_unroutable() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(400, json={"code": "NoRoute", "message": "Impossible route"})

    with pytest.raises(UnroutablePoint) as raised:
        osrm(handler).path(STATION, SQUARE)
    assert raised.value.role == "origin"


# --- snap: the nearest service ------------------------------------------------------------


def nearest(distance: float | None) -> httpx2.Response:
    """An answer of the nearest service, as OSRM's documentation shows it."""
    if distance is None:
        message = "Could not find a matching segment for coordinate"
        return httpx2.Response(400, json={"code": "NoSegment", "message": message})
    waypoint = {"nodes": [1, 2], "location": [24.9414, 60.171], "name": "", "distance": distance}
    return httpx2.Response(200, json={"code": "Ok", "waypoints": [waypoint]})


def test_snap_asks_the_nearest_service_once_per_point() -> None:
    seen: list[str] = []
    distance_by_lon = {"24.941400": 1.5, "24.952300": 0.0, "24.938400": 12.25}

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(str(request.url))
        lon = request.url.path.rsplit("/", 1)[1].split(",")[0]
        return nearest(distance_by_lon[lon])

    snapped = osrm(handler).snap([STATION, SQUARE, KAMPPI])
    assert snapped.dtype == np.float64
    assert snapped.tolist() == [1.5, 0.0, 12.25]  # in the order of the points, whatever came first
    assert sorted(seen) == sorted(
        f"{BASE}/nearest/v1/driving/{lon_lat}?number=1"
        for lon_lat in ("24.941400,60.171000", "24.952300,60.169500", "24.938400,60.169900")
    )


def test_snap_without_points_asks_nothing() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise AssertionError("no request expected")

    assert osrm(handler).snap([]).shape == (0,)


def test_snap_no_segment_is_inf_for_that_point_only() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("24.952300,60.169500"):
            return nearest(None)
        if request.url.path.endswith("24.938400,60.169900"):
            return httpx2.Response(200, json={"code": "Ok", "waypoints": []})
        return nearest(3.0)

    assert osrm(handler).snap([STATION, SQUARE, KAMPPI]).tolist() == [3.0, math.inf, math.inf]


def test_snap_requests_overlap_but_stay_bounded() -> None:
    lock = threading.Lock()
    in_flight = peak = 0

    def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.02)
        with lock:
            in_flight -= 1
        return nearest(float(point_id(request.url.path.rsplit("/", 1)[1])))

    snapped = osrm(handler, snap_concurrency=3).snap([origin(k) for k in range(12)])
    assert snapped.tolist() == [float(k) for k in range(12)]
    assert 1 < peak <= 3


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx2.Response(502, text="<html>Bad Gateway</html>"), "HTTP 502"),
        (
            httpx2.Response(400, json={"code": "InvalidUrl", "message": "URL string malformed"}),
            "InvalidUrl",
        ),
        (
            httpx2.Response(200, json={"code": "Ok", "waypoints": [{"name": "x"}]}),
            "without a waypoint distance",
        ),
    ],
)
def test_snap_failures_that_say_nothing_about_the_point_are_travel_unavailable(
    response: httpx2.Response, message: str
) -> None:
    with pytest.raises(TravelUnavailable, match=message):
        osrm(lambda request: response).snap([STATION, SQUARE])


def test_snap_against_an_unreachable_server_is_travel_unavailable() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectTimeout("timed out", request=request)

    with pytest.raises(TravelUnavailable, match=r"did not answer.*timed out"):
        osrm(handler).snap([STATION, SQUARE, KAMPPI])


def test_snap_profile_without_a_server_is_travel_unavailable() -> None:
    with pytest.raises(TravelUnavailable, match="cargo_bike"):
        osrm(lambda request: nearest(0.0)).snap([STATION], profile=SpeedProfile.CARGO_BIKE)


# --- a real osrm-routed on Helsinki -------------------------------------------------------


def test_helsinki_matrix_is_plausible(osrm_helsinki: str, helsinki_points: list[Location]) -> None:
    with OsrmTravelTimes({SpeedProfile.VAN: osrm_helsinki}) as provider:
        matrix = provider.matrix(helsinki_points)
    assert implausibilities(matrix, helsinki_points) == []
    assert (matrix.origin_snap_m < 5).all()  # the points are street nodes


def test_helsinki_chunked_matrix_equals_one_request(
    osrm_helsinki: str, helsinki_points: list[Location]
) -> None:
    urls = {SpeedProfile.VAN: osrm_helsinki}
    with OsrmTravelTimes(urls) as whole, OsrmTravelTimes(urls, max_table_size=7) as chunked:
        one = whole.matrix(helsinki_points[:15], helsinki_points[5:])
        many = chunked.matrix(helsinki_points[:15], helsinki_points[5:])
    assert np.array_equal(one.durations_s, many.durations_s)
    assert np.array_equal(one.distances_m, many.distances_m)


def test_helsinki_path_follows_the_streets(
    osrm_helsinki: str, helsinki_points: list[Location]
) -> None:
    start, end = helsinki_points[0], helsinki_points[-1]
    with OsrmTravelTimes({SpeedProfile.VAN: osrm_helsinki}) as provider:
        path = provider.path(start, end)
        leg = provider.matrix([start], [end])
    assert len(path.points) > 2
    assert great_circle_m(*path.points[0], start.lat, start.lon) < 10
    assert great_circle_m(*path.points[-1], end.lat, end.lon) < 10
    assert abs(path.duration_s - int(leg.durations_s[0, 0])) <= 1
    assert abs(path.distance_m - int(leg.distances_m[0, 0])) <= 1


def beside(points: list[Location]) -> list[Location]:
    """Each point moved 12 m north, 12 m east and 12.7 m south-east: off the street node, but
    never farther than that from a street, so every provider should find the same street."""
    moved = []
    for p in points:
        metres_per_lon_degree = 111_195 * math.cos(math.radians(p.lat))
        for north_m, east_m in ((12, 0), (0, 12), (-9, 9)):
            moved.append(
                Location(p.lat + north_m / 111_195, p.lon + east_m / metres_per_lon_degree)
            )
    return moved


def test_helsinki_snap_of_street_points_is_a_few_metres(
    osrm_helsinki: str, helsinki_points: list[Location]
) -> None:
    with OsrmTravelTimes({SpeedProfile.VAN: osrm_helsinki}) as provider:
        snapped = provider.snap(helsinki_points)
    assert snapped.shape == (len(helsinki_points),)
    assert (snapped < 5).all()  # the points are street nodes


def test_helsinki_snap_far_out_at_sea_is_what_osrm_reports(osrm_helsinki: str) -> None:
    """70 km south, in the Gulf of Finland: OSRM has no snapping limit and places it on the
    nearest street of the extract anyway; the adapter passes that distance on."""
    at_sea = Location(59.5, 24.9)
    with OsrmTravelTimes({SpeedProfile.VAN: osrm_helsinki}) as provider:
        (snapped,) = provider.snap([at_sea])
    assert snapped > 50_000 or snapped == math.inf


def test_helsinki_snap_agrees_with_the_road_graph(
    osrm_helsinki: str, helsinki_region: RegionStore, helsinki_points: list[Location]
) -> None:
    points = beside(helsinki_points)
    with OsrmTravelTimes({SpeedProfile.VAN: osrm_helsinki}) as provider:
        theirs = provider.snap(points)
    ours = RoadGraphTravelTimes(helsinki_region, "helsinki").snap(points)
    assert (theirs < 13).all()
    assert (ours < 13).all()
    difference = np.abs(theirs - ours)
    # Mostly the same street and the same foot of the perpendicular; where the networks'
    # geometry differs a little (a junction modelled apart, a service road) by a few metres.
    assert float(np.median(difference)) < 1.0
    assert float(np.mean(difference < 3.0)) >= 0.8
