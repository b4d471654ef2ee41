"""The Valhalla adapter: wire format against a fake server, then a real valhalla_service."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

import httpx2
import numpy as np
import pytest

from doorstep.adapters.roads.haversine import great_circle_m
from doorstep.adapters.roads.regions import RegionStore
from doorstep.adapters.roads.road_travel import RoadGraphTravelTimes
from doorstep.adapters.roads.valhalla import ValhallaTravelTimes, decode_polyline
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import Location
from doorstep.planning.travel import TravelUnavailable, UnroutablePoint
from tests.support.engines import implausibilities

BASE = "http://valhalla.test:8002"
STATION = Location(60.1710, 24.9414)
SQUARE = Location(60.1695, 24.9523)
KAMPPI = Location(60.1699, 24.9384)

Handler = Callable[[httpx2.Request], httpx2.Response]


def valhalla(handler: Handler, **kwargs: Any) -> ValhallaTravelTimes:
    client = httpx2.Client(transport=httpx2.MockTransport(handler))
    return ValhallaTravelTimes(BASE + "/", client=client, **kwargs)


def encode_polyline(points: list[tuple[float, float]], precision: int = 6) -> str:
    """Google's polyline encoding, written independently of the decoder under test."""
    out: list[str] = []
    previous = (0, 0)
    for lat, lon in points:
        current = (round(lat * 10**precision), round(lon * 10**precision))
        for value in (current[0] - previous[0], current[1] - previous[1]):
            value = ~(value << 1) if value < 0 else value << 1
            while value >= 0x20:
                out.append(chr((0x20 | (value & 0x1F)) + 63))
                value >>= 5
            out.append(chr(value + 63))
        previous = current
    return "".join(out)


def origin(k: int) -> Location:
    return Location(60.0 + k * 1e-4, 24.0)


def destination(k: int) -> Location:
    return Location(61.0 + k * 1e-4, 25.0)


def point_id(point: dict[str, float]) -> int:
    """Origins are 0..9999, destinations 10000.. (see ``origin`` and ``destination``)."""
    if point["lat"] < 60.9:
        return round((point["lat"] - 60.0) / 1e-4)
    return 10_000 + round((point["lat"] - 61.0) / 1e-4)


def seconds(a: int, b: int) -> int:
    return 0 if a == b else a * 1000 + b % 10_000


def metres(a: int, b: int) -> int:
    return 0 if a == b else (b % 10_000) * 1000 + a


#: How far north of each input the fake places it on its "road" (about 1.1 m).
SNAP_DEGREES = 1e-5


class FakeValhalla:
    """Answers /sources_to_targets with ``seconds``/``metres`` of the points' ids.

    ``verbose`` picks the answer's shape: rows of objects (with correlated locations) or the
    concise object of arrays. Points in ``no_exit``/``no_entry`` have no route out/in; a
    block without any route is answered with error 442, as Valhalla does. Points in ``far``
    are off every road: any request with one gets error 171, and /locate finds no edges.
    """

    def __init__(
        self,
        max_size: int,
        *,
        verbose: bool = True,
        no_exit: Collection[int] = (),
        no_entry: Collection[int] = (),
        far: Collection[int] = (),
    ) -> None:
        self.max_size = max_size
        self.verbose = verbose
        self.no_exit, self.no_entry, self.far = set(no_exit), set(no_entry), set(far)
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        assert request.method == "POST"
        body = json.loads(request.content)
        if request.url.path == "/locate":
            edges = [[] if point_id(p) in self.far else [{"way_id": 1}] for p in body["locations"]]
            return httpx2.Response(200, json=[{"edges": e} for e in edges])
        assert request.url.path == "/sources_to_targets"
        self.requests.append(body)
        assert body["units"] == "kilometers"
        sources = [point_id(p) for p in body["sources"]]
        targets = [point_id(p) for p in body["targets"]]
        assert len(sources) <= self.max_size
        assert len(targets) <= self.max_size
        if self.far & {*sources, *targets}:
            return error(171, "No suitable edges near location")

        def routed(a: int, b: int) -> bool:
            return a == b or (a not in self.no_exit and b not in self.no_entry)

        if not any(routed(a, b) for a in sources for b in targets):
            return error(442, "No path could be found for input")
        times = [[seconds(a, b) if routed(a, b) else None for b in targets] for a in sources]
        kms = [[metres(a, b) / 1000 if routed(a, b) else None for b in targets] for a in sources]
        if not self.verbose:
            table = {"durations": times, "distances": kms}
            return httpx2.Response(200, json={"sources_to_targets": table, "units": "kilometers"})
        rows = [
            [
                {"from_index": i, "to_index": j, "time": times[i][j], "distance": kms[i][j]}
                for j in range(len(targets))
            ]
            for i in range(len(sources))
        ]

        def placed(points: list[dict[str, float]]) -> list[dict[str, float]]:
            return [{"lat": p["lat"] + SNAP_DEGREES, "lon": p["lon"]} for p in points]

        return httpx2.Response(
            200,
            json={
                "sources_to_targets": rows,
                "sources": placed(body["sources"]),
                "targets": placed(body["targets"]),
                "units": "kilometers",
            },
        )


def error(code: int, message: str) -> httpx2.Response:
    return httpx2.Response(
        400,
        json={"error_code": code, "error": message, "status_code": 400, "status": "Bad Request"},
    )


# --- wire format --------------------------------------------------------------------------


def test_matrix_request_body_and_answer() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        table = {"durations": [[0, 240]], "distances": [[0.0, 1.874]]}
        return httpx2.Response(200, json={"sources_to_targets": table})

    matrix = valhalla(handler).matrix(
        [STATION],
        [STATION, SQUARE],
        profile=SpeedProfile.CARGO_BIKE,
        departure=datetime(2026, 3, 2, 8, 30, 59),
    )
    (request,) = seen
    assert str(request.url) == f"{BASE}/sources_to_targets"
    assert request.method == "POST"
    assert json.loads(request.content) == {
        "sources": [{"lat": 60.1710, "lon": 24.9414}],
        "targets": [{"lat": 60.1710, "lon": 24.9414}, {"lat": 60.1695, "lon": 24.9523}],
        "costing": "bicycle",
        "units": "kilometers",
        "date_time": {"type": 1, "value": "2026-03-02T08:30"},
    }
    assert matrix.durations_s.tolist() == [[0, 240]]
    assert matrix.distances_m.tolist() == [[0, 1874]]
    assert matrix.durations_s.dtype == matrix.distances_m.dtype == np.int32


def test_no_departure_sends_no_date_time_and_costing_follows_the_profile() -> None:
    fake = FakeValhalla(max_size=50)
    provider = valhalla(fake, costing={SpeedProfile.TRUCK: "truck"})
    provider.matrix([origin(0), origin(1)], profile=SpeedProfile.TRUCK)
    (body,) = fake.requests
    assert "date_time" not in body
    assert body["costing"] == "truck"
    with pytest.raises(TravelUnavailable, match="van"):
        provider.matrix([origin(0)], profile=SpeedProfile.VAN)


@pytest.mark.parametrize("verbose", [True, False], ids=["rows-of-objects", "object-of-arrays"])
@pytest.mark.parametrize("square", [True, False], ids=["square", "rectangular"])
def test_chunked_250_point_matrix_in_either_answer_shape(verbose: bool, square: bool) -> None:
    fake = FakeValhalla(max_size=50, verbose=verbose)
    origins = [origin(k) for k in range(250)]
    if square:
        matrix = valhalla(fake).matrix(origins)
        cols = list(range(250))
    else:
        matrix = valhalla(fake).matrix(origins, [destination(k) for k in range(130)])
        cols = [10_000 + k for k in range(130)]
    assert len(fake.requests) == (25 if square else 15)
    rows = range(250)
    assert np.array_equal(matrix.durations_s, [[seconds(a, b) for b in cols] for a in rows])
    assert np.array_equal(matrix.distances_m, [[metres(a, b) for b in cols] for a in rows])
    snap = float(great_circle_m(60.0, 24.0, 60.0 + SNAP_DEGREES, 24.0)) if verbose else 0.0
    assert matrix.origin_snap_m == pytest.approx([snap] * 250)
    assert matrix.destination_snap_m == pytest.approx([snap] * len(cols))


@pytest.mark.parametrize("verbose", [True, False], ids=["rows-of-objects", "object-of-arrays"])
@pytest.mark.parametrize(
    ("no_exit", "no_entry", "role", "index"),
    [({3}, set(), "origin", 3), (set(), {1}, "destination", 1)],
)
def test_missing_routes_name_the_point_to_blame(
    verbose: bool, no_exit: set[int], no_entry: set[int], role: str, index: int
) -> None:
    points = [origin(k) for k in range(5)]
    fake = FakeValhalla(max_size=2, verbose=verbose, no_exit=no_exit, no_entry=no_entry)
    with pytest.raises(UnroutablePoint) as raised:
        valhalla(fake, max_matrix_size=2).matrix(points)
    assert (raised.value.role, raised.value.index) == (role, index)
    assert raised.value.location == points[index]
    assert "Valhalla" in raised.value.reason


def test_error_442_counts_as_a_block_without_routes() -> None:
    """Every origin fails the lone destination: Valhalla says 442; the destination is blamed."""
    fake = FakeValhalla(max_size=2, no_entry={10_000})
    with pytest.raises(UnroutablePoint) as raised:
        valhalla(fake, max_matrix_size=2).matrix([origin(k) for k in range(5)], [destination(0)])
    assert (raised.value.role, raised.value.index) == ("destination", 0)


def test_point_off_every_road_is_found_with_locate() -> None:
    fake = FakeValhalla(max_size=2, far={10_002})
    provider = valhalla(fake, max_matrix_size=2)
    with pytest.raises(UnroutablePoint) as raised:
        provider.matrix([origin(k) for k in range(3)], [destination(k) for k in range(3)])
    assert (raised.value.role, raised.value.index) == ("destination", 2)
    assert "No suitable edges" in raised.value.reason


def test_error_171_that_locate_cannot_explain_is_travel_unavailable() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/locate":
            return httpx2.Response(200, json=[{"edges": [{"way_id": 1}]}] * 2)
        return error(171, "No suitable edges near location")

    with pytest.raises(TravelUnavailable, match="error 171: No suitable edges"):
        valhalla(handler).matrix([STATION, SQUARE])


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (error(154, "Path distance exceeds the max distance limit"), "error 154: Path distance"),
        (httpx2.Response(500, text="Internal Server Error"), "HTTP 500"),
        (httpx2.Response(200, json={"sources_to_targets": "?"}), "malformed matrix"),
        (httpx2.Response(200, json={"sources_to_targets": [[{"time": 1}]]}), "malformed"),
    ],
)
def test_server_errors_are_travel_unavailable(response: httpx2.Response, message: str) -> None:
    with pytest.raises(TravelUnavailable, match=message):
        valhalla(lambda request: response).matrix([STATION, SQUARE])


def test_unreachable_server_is_travel_unavailable() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused", request=request)

    with pytest.raises(TravelUnavailable, match=r"did not answer.*connection refused"):
        valhalla(handler).matrix([STATION, SQUARE])


def test_path_request_and_answer() -> None:
    shape = [(60.171, 24.9414), (60.1712, 24.9450), (60.1695, 24.9523)]
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        summary = {"time": 401.818, "length": 2.977}
        leg = {"shape": encode_polyline(shape), "summary": summary}
        return httpx2.Response(200, json={"trip": {"legs": [leg], "summary": summary}})

    path = valhalla(handler).path(STATION, SQUARE, departure=datetime(2026, 3, 2, 17, 5))
    (request,) = seen
    assert str(request.url) == f"{BASE}/route"
    assert json.loads(request.content) == {
        "locations": [{"lat": 60.1710, "lon": 24.9414}, {"lat": 60.1695, "lon": 24.9523}],
        "costing": "auto",
        "units": "kilometers",
        "directions_type": "none",
        "date_time": {"type": 1, "value": "2026-03-02T17:05"},
    }
    assert path.points == tuple(shape)
    assert (path.duration_s, path.distance_m) == (402, 2977)


def test_path_without_route_is_unroutable() -> None:
    with pytest.raises(UnroutablePoint) as raised:
        valhalla(lambda request: error(442, "No path could be found for input")).path(
            STATION, SQUARE
        )
    assert raised.value.role == "origin"


def test_decode_polyline() -> None:
    # The example of Google's polyline documentation, at precision 5.
    assert decode_polyline("_p~iF~ps|U_ulLnnqC_mqNvxq`@", precision=5) == (
        (38.5, -120.2),
        (40.7, -120.95),
        (43.252, -126.453),
    )
    points = [(60.169797, 24.952063), (60.164891, 24.939682), (-33.8688, 151.2093)]
    assert decode_polyline(encode_polyline(points)) == tuple(points)
    assert decode_polyline("") == ()
    with pytest.raises(ValueError, match="ends inside"):
        decode_polyline("_p~iF~ps|")


# --- snap: /locate ------------------------------------------------------------------------


def located(point: dict[str, float], *offsets_deg: float) -> dict[str, Any]:
    """A concise /locate result, as Valhalla's documentation shows it: one edge per offset,
    correlated that many degrees north of the input; no offsets means no road near it."""
    edges = [
        {
            "way_id": 100 + k,
            "correlated_lat": point["lat"] + offset,
            "correlated_lon": point["lon"],
            "side_of_street": "neither",
            "percent_along": 0.5,
        }
        for k, offset in enumerate(offsets_deg)
    ]
    return {"input_lat": point["lat"], "input_lon": point["lon"], "edges": edges, "nodes": []}


def north_m(degrees: float) -> float:
    return float(great_circle_m(60.0, 24.0, 60.0 + degrees, 24.0))


def test_snap_posts_locate_in_blocks_and_takes_the_nearest_edge() -> None:
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        assert request.method == "POST"
        assert str(request.url) == f"{BASE}/locate"
        body = json.loads(request.content)
        bodies.append(body)
        # Every point has two edges near it, 2e-5 and 1e-5 degrees north; point 3 has none.
        answer = [
            located(p, *(() if point_id(p) == 3 else (2e-5, 1e-5))) for p in body["locations"]
        ]
        return httpx2.Response(200, json=answer)

    points = [origin(k) for k in range(450)]
    snapped = valhalla(handler).snap(points, profile=SpeedProfile.CARGO_BIKE)
    assert [len(b["locations"]) for b in bodies] == [200, 200, 50]
    assert bodies[0]["locations"][:2] == [{"lat": 60.0, "lon": 24.0}, {"lat": 60.0001, "lon": 24.0}]
    assert {b["costing"] for b in bodies} == {"bicycle"}
    assert {b["verbose"] for b in bodies} == {False}
    expected = [north_m(1e-5)] * 450
    expected[3] = math.inf
    assert snapped == pytest.approx(expected, rel=1e-3)


def test_snap_null_edges_and_empty_input() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        (point,) = json.loads(request.content)["locations"]
        return httpx2.Response(200, json=[{**located(point), "edges": None, "nodes": None}])

    provider = valhalla(handler)
    assert provider.snap([STATION]).tolist() == [math.inf]
    assert provider.snap([]).shape == (0,)


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (error(130, "Failed to parse location"), "error 130: Failed to parse location"),
        (httpx2.Response(500, text="Internal Server Error"), "HTTP 500"),
        (httpx2.Response(200, json={"edges": []}), "without a JSON array"),
        (httpx2.Response(200, json=[{"edges": []}]), "1 /locate results for 2 points"),
        (httpx2.Response(200, json=[None, None]), "malformed /locate result"),
        (httpx2.Response(200, text="<html>"), "without JSON"),
    ],
)
def test_snap_failures_are_travel_unavailable(response: httpx2.Response, message: str) -> None:
    with pytest.raises(TravelUnavailable, match=message):
        valhalla(lambda request: response).snap([STATION, SQUARE])


def test_snap_against_an_unreachable_server_is_travel_unavailable() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("timed out", request=request)

    with pytest.raises(TravelUnavailable, match=r"did not answer.*timed out"):
        valhalla(handler).snap([STATION])


# --- a real valhalla_service on Helsinki --------------------------------------------------


def test_helsinki_matrix_is_plausible(
    valhalla_helsinki: str, helsinki_points: list[Location]
) -> None:
    with ValhallaTravelTimes(valhalla_helsinki) as provider:
        matrix = provider.matrix(helsinki_points)
    assert implausibilities(matrix, helsinki_points) == []
    assert (matrix.origin_snap_m < 5).all()  # the points are street nodes


def test_helsinki_chunked_matrix_equals_one_request(
    valhalla_helsinki: str, helsinki_points: list[Location]
) -> None:
    with (
        ValhallaTravelTimes(valhalla_helsinki) as whole,
        ValhallaTravelTimes(valhalla_helsinki, max_matrix_size=7) as chunked,
    ):
        one = whole.matrix(helsinki_points[:15], helsinki_points[5:])
        many = chunked.matrix(helsinki_points[:15], helsinki_points[5:])
    assert np.array_equal(one.durations_s, many.durations_s)
    assert np.array_equal(one.distances_m, many.distances_m)


@pytest.mark.parametrize("profile", [SpeedProfile.TRUCK, SpeedProfile.CARGO_BIKE])
def test_helsinki_other_profiles(
    valhalla_helsinki: str, helsinki_points: list[Location], profile: SpeedProfile
) -> None:
    points = helsinki_points[::4]
    with ValhallaTravelTimes(valhalla_helsinki) as provider:
        matrix = provider.matrix(points, profile=profile, departure=datetime(2026, 3, 2, 8, 0))
    assert implausibilities(matrix, points, max_duration_s=3600) == []


def test_helsinki_path_follows_the_streets(
    valhalla_helsinki: str, helsinki_points: list[Location]
) -> None:
    start, end = helsinki_points[0], helsinki_points[-1]
    with ValhallaTravelTimes(valhalla_helsinki) as provider:
        path = provider.path(start, end)
        leg = provider.matrix([start], [end])
    assert len(path.points) > 2
    assert great_circle_m(*path.points[0], start.lat, start.lon) < 10
    assert great_circle_m(*path.points[-1], end.lat, end.lon) < 10
    assert path.duration_s == pytest.approx(int(leg.durations_s[0, 0]), rel=0.15, abs=15)
    assert path.distance_m == pytest.approx(int(leg.distances_m[0, 0]), rel=0.15, abs=50)


def test_helsinki_point_at_sea_is_unroutable(
    valhalla_helsinki: str, helsinki_points: list[Location]
) -> None:
    """70 km south, in the Gulf of Finland: Valhalla snaps it nowhere and the adapter says so."""
    at_sea = Location(59.5, 24.9)
    with (
        ValhallaTravelTimes(valhalla_helsinki) as provider,
        pytest.raises(UnroutablePoint) as raised,
    ):
        provider.matrix(helsinki_points[:3], [*helsinki_points[3:6], at_sea])
    assert (raised.value.role, raised.value.index) == ("destination", 3)


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
    valhalla_helsinki: str, helsinki_points: list[Location]
) -> None:
    with ValhallaTravelTimes(valhalla_helsinki) as provider:
        snapped = provider.snap(helsinki_points)
    assert snapped.shape == (len(helsinki_points),)
    assert (snapped < 5).all()  # the points are street nodes


def test_helsinki_snap_at_sea_is_inf(valhalla_helsinki: str) -> None:
    """70 km south, beyond Valhalla's search cutoff: no edge at all, so it cannot be routed."""
    with ValhallaTravelTimes(valhalla_helsinki) as provider:
        snapped = provider.snap([Location(59.5, 24.9), SQUARE])
    assert snapped[0] == math.inf
    assert snapped[1] < 100


def test_helsinki_snap_agrees_with_the_road_graph(
    valhalla_helsinki: str, helsinki_region: RegionStore, helsinki_points: list[Location]
) -> None:
    points = beside(helsinki_points)
    with ValhallaTravelTimes(valhalla_helsinki) as provider:
        theirs = provider.snap(points)
    ours = RoadGraphTravelTimes(helsinki_region, "helsinki").snap(points)
    assert (theirs < 13).all()
    assert (ours < 13).all()
    difference = np.abs(theirs - ours)
    # Mostly the same street and the same foot of the perpendicular; where the networks'
    # geometry differs a little (a junction modelled apart, a service road) by a few metres.
    assert float(np.median(difference)) < 1.0
    assert float(np.mean(difference < 3.0)) >= 0.8
