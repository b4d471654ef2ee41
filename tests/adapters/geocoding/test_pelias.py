"""The Pelias adapter against Pelias' documented wire format.

No Pelias server can run here (it needs Elasticsearch and imported data), so the answers below
are the examples of Pelias' documentation (response.md: a GeoJSON FeatureCollection whose
features carry housenumber, street, postalcode, locality, layer, match_type, confidence;
reverse.md: distance in km, confidence by distance), moved to Helsinki, served from an
``httpx2.MockTransport``; each test checks the exact request the adapter sends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from doorstep.adapters.geocoding.pelias import PeliasGeocoder
from doorstep.domain.geo import Location
from doorstep.domain.geocoding import ACCEPT_CONFIDENCE, GeocoderUnavailable, MatchLevel
from doorstep.domain.orders import Address

BASE = "http://pelias.test:4000"
HOUSE = Location(60.1686604, 24.9411235)
STRUCTURED = Address(
    as_given="Mannerheimintie 5, 00100 Helsinki",
    street="Mannerheimintie",
    house_number="5",
    postcode="00100",
    city="Helsinki",
)

Handler = Callable[[httpx2.Request], httpx2.Response]


class Server:
    """Answers every request with one FeatureCollection and keeps the requests it saw."""

    def __init__(self, *features: dict[str, Any], status: int = 200) -> None:
        self.features, self.status = list(features), status
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        return httpx2.Response(self.status, json=collection(self.features))

    @property
    def request(self) -> httpx2.Request:
        (request,) = self.requests
        return request


def collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "geocoding": {
            "version": "0.2",
            "attribution": "https://pelias.test/attribution",
            "query": {},
            "engine": {"name": "Pelias", "author": "Mapzen", "version": "1.0"},
            "timestamp": 1494452713373,
        },
        "type": "FeatureCollection",
        "features": features,
        "bbox": [24.93, 60.16, 24.95, 60.18],
    }


def pelias(handler: Handler, **kwargs: Any) -> PeliasGeocoder:
    client = httpx2.Client(transport=httpx2.MockTransport(handler))
    return PeliasGeocoder(BASE, client=client, **kwargs)


def feature(
    layer: str = "address",
    *,
    number: str | None = "5",
    street: str | None = "Mannerheimintie",
    confidence: float | None = 1.0,
    match_type: str | None = "exact",
    location: Location = HOUSE,
    **extra: Any,
) -> dict[str, Any]:
    """A feature as the documentation's example shows it, at Mannerheimintie 5, Helsinki."""
    properties: dict[str, Any] = {
        "id": "node:2846295644",
        "gid": f"openstreetmap:{layer}:node:2846295644",
        "layer": layer,
        "source": "openstreetmap",
        "source_id": "node:2846295644",
        "name": " ".join(p for p in (street, number) if p) or "Helsinki",
        "postalcode": "00100",
        "accuracy": "point",
        "country": "Finland",
        "country_a": "FIN",
        "region": "Uusimaa",
        "localadmin": "Helsinki",
        "locality": "Helsinki",
        "neighbourhood": "Kluuvi",
        "label": "Mannerheimintie 5, Helsinki, Finland",
        **extra,
    }
    if number is not None:
        properties["housenumber"] = number
    if street is not None:
        properties["street"] = street
    if confidence is not None:
        properties["confidence"] = confidence
    if match_type is not None:
        properties["match_type"] = match_type
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [location.lon, location.lat]},
        "properties": properties,
    }


# --- forward: the request -----------------------------------------------------------------


def test_structured_search_request_and_answer() -> None:
    server = Server(feature())
    geocoder = pelias(server, api_key="secret-key", country_codes="fi")
    (found,) = geocoder.forward(STRUCTURED)

    request = server.request
    assert request.method == "GET"
    assert request.url.host == "pelias.test"
    assert request.url.path == "/v1/search/structured"
    assert dict(request.url.params) == {
        "address": "Mannerheimintie 5",
        "locality": "Helsinki",
        "postalcode": "00100",
        "size": "5",
        "boundary.country": "FI",
        "api_key": "secret-key",
    }
    assert request.headers["User-Agent"].startswith("doorstep/")

    assert found.location == HOUSE
    assert (found.street, found.house_number, found.postcode, found.city) == (
        "Mannerheimintie",
        "5",
        "00100",
        "Helsinki",
    )
    assert found.level is MatchLevel.ADDRESS
    assert found.source == "pelias"
    assert found.confidence == pytest.approx(0.95)  # Pelias says 1.0: no match is certain
    assert found.accepted


def test_free_text_search_request() -> None:
    server = Server(feature(confidence=0.9))
    address = Address(as_given="Mannerheimintie 5 A 12, Helsinki", country="FI")
    (found,) = pelias(server).forward(address, limit=100)
    assert server.request.url.path == "/v1/search"
    assert dict(server.request.url.params) == {
        "text": "Mannerheimintie 5 A 12, Helsinki",
        "size": "40",  # Pelias' maximum
        "boundary.country": "FI",
    }
    assert "api_key" not in server.request.url.params
    # Pelias' 0.9, and "5" found for "5 A" asked: the same building's staircase A.
    assert found.confidence == pytest.approx(0.81)


def test_base_url_may_end_in_v1() -> None:
    server = Server()
    client = httpx2.Client(transport=httpx2.MockTransport(server))
    PeliasGeocoder(BASE + "/v1/", client=client).forward(Address(as_given="Helsinki"))
    assert server.request.url.path == "/v1/search"


def test_nothing_found_is_an_empty_list() -> None:
    assert pelias(Server()).forward(STRUCTURED) == []


# --- forward: levels and confidence -------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "level", "confidence"),
    [
        pytest.param(feature(), MatchLevel.ADDRESS, 0.95, id="exact-address"),
        pytest.param(feature(confidence=0.7), MatchLevel.ADDRESS, 0.7, id="pelias-less-sure"),
        pytest.param(
            feature(number="7", confidence=0.8), MatchLevel.ADDRESS, 0.4, id="another-house"
        ),
        pytest.param(
            feature(match_type="interpolated"),
            MatchLevel.INTERPOLATED,
            0.75,
            id="interpolated",
        ),
        pytest.param(
            feature("street", number=None, match_type="fallback"),
            MatchLevel.STREET,
            0.6,
            id="street-fallback",
        ),
        pytest.param(
            feature("venue", number=None, name="Stockmann"),
            MatchLevel.STREET,
            0.6,
            id="venue-without-number",
        ),
        pytest.param(
            feature("venue", name="Stockmann"), MatchLevel.ADDRESS, 0.95, id="venue-with-number"
        ),
        pytest.param(
            feature("postalcode", number=None, street=None, match_type="fallback"),
            MatchLevel.POSTCODE,
            0.35,
            id="postcode",
        ),
        pytest.param(
            feature("locality", number=None, street=None, match_type="fallback"),
            MatchLevel.CITY,
            0.15,
            id="locality",
        ),
        pytest.param(
            feature(confidence=None),
            MatchLevel.ADDRESS,
            0.95,
            id="no-pelias-score-exact",
        ),
        pytest.param(
            feature(confidence=None, street="Mechelininkatu"),
            MatchLevel.ADDRESS,
            0.289,  # 0.95 x (name similarity 0.55)^2
            id="no-pelias-score-other-street",
        ),
    ],
)
def test_levels_and_confidence(
    answer: dict[str, Any], level: MatchLevel, confidence: float
) -> None:
    (found,) = pelias(Server(answer)).forward(STRUCTURED)
    assert found.level is level
    assert found.confidence == pytest.approx(confidence, abs=0.01)
    assert found.accepted == (confidence >= ACCEPT_CONFIDENCE)


def test_a_street_stays_below_acceptance_however_sure_pelias_is() -> None:
    """Pelias rates a street found for a street asked for as a perfect match (1.0); it still
    does not say which door, so a person must look."""
    answer = feature("street", number=None, confidence=1.0)
    address = Address(as_given="Mannerheimintie, Helsinki", street="Mannerheimintie")
    (found,) = pelias(Server(answer)).forward(address)
    assert found.level is MatchLevel.STREET
    assert found.house_number == ""
    assert found.confidence < ACCEPT_CONFIDENCE


def test_candidates_come_most_confident_first() -> None:
    answer = [
        feature("street", number=None, confidence=1.0),
        feature(number="7", confidence=0.9),
        feature(confidence=0.85),
    ]
    found = pelias(Server(*answer)).forward(STRUCTURED)
    assert [(c.level, c.house_number, c.confidence) for c in found] == [
        (MatchLevel.ADDRESS, "5", 0.85),
        (MatchLevel.STREET, "", 0.6),
        (MatchLevel.ADDRESS, "7", 0.45),
    ]


# --- errors -------------------------------------------------------------------------------


def raising(error: type[httpx2.TransportError], message: str) -> Handler:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise error(message, request=request)

    return handler


@pytest.mark.parametrize(
    ("handler", "message"),
    [
        pytest.param(
            raising(httpx2.ConnectTimeout, "timed out"),
            r"Pelias at http://pelias\.test:4000/v1/search/structured did not answer within 10 s",
            id="timeout",
        ),
        pytest.param(
            raising(httpx2.ConnectError, "connection refused"),
            r"Pelias at http://pelias\.test:4000/v1/search/structured did not answer",
            id="unreachable",
        ),
        pytest.param(
            lambda request: httpx2.Response(
                502, json=collection([]) | {"geocoding": {"errors": ["lost Elasticsearch"]}}
            ),
            r"Pelias at http://pelias\.test:4000/v1/search/structured failed with HTTP 502",
            id="502",
        ),
        pytest.param(
            lambda request: httpx2.Response(500, text=""),
            r"failed with HTTP 500: \(empty body\)",
            id="500",
        ),
        pytest.param(
            lambda request: httpx2.Response(200, text="{'features': ["),
            r"Pelias at http://pelias\.test:4000/v1/search/structured sent an answer that is "
            r"not JSON",
            id="bad-json",
        ),
        pytest.param(
            lambda request: httpx2.Response(200, json=[]),
            r"cannot read: expected a GeoJSON FeatureCollection",
            id="not-geojson",
        ),
        pytest.param(
            lambda request: httpx2.Response(
                200, json=collection([{"type": "Feature", "properties": {"layer": "address"}}])
            ),
            r"cannot read: a feature has no usable point",
            id="feature-without-geometry",
        ),
        pytest.param(
            lambda request: httpx2.Response(
                400,
                json=collection([])
                | {"geocoding": {"errors": ["postalcode: cannot be used by itself"]}},
            ),
            r"refused the search for 'Mannerheimintie 5' with HTTP 400: "
            r"postalcode: cannot be used by itself",
            id="400",
        ),
        pytest.param(
            lambda request: httpx2.Response(401, text="Unauthorized"),
            r"refused the search for 'Mannerheimintie 5' with HTTP 401: 'Unauthorized'",
            id="401",
        ),
        pytest.param(
            lambda request: httpx2.Response(429, text="Too Many Requests"),
            r"HTTP 429 \(blocked or rate-limited",
            id="429",
        ),
    ],
)
def test_errors_are_geocoder_unavailable_naming_service_and_url(
    handler: Handler, message: str
) -> None:
    with pytest.raises(GeocoderUnavailable, match=message) as raised:
        pelias(handler, api_key="secret-key").forward(STRUCTURED)
    assert "secret-key" not in str(raised.value)  # the key travels in the query: never shown


# --- reverse ------------------------------------------------------------------------------


ASKED = Location(60.16868, 24.94130)


def test_reverse_request_and_answer() -> None:
    # reverse.md: distance in km, confidence from the distance (< 10 m: 0.9).
    server = Server(feature(distance=0.009, confidence=0.9, match_type=None))
    (found,) = pelias(server, api_key="secret-key").reverse(ASKED)
    request = server.request
    assert request.url.path == "/v1/reverse"
    assert dict(request.url.params) == {
        "point.lat": "60.16868",
        "point.lon": "24.9413",
        "size": "1",
        "boundary.circle.radius": "0.2",
        "layers": "address,venue,street",
        "api_key": "secret-key",
    }
    assert request.headers["User-Agent"].startswith("doorstep/")
    assert found.distance_m == pytest.approx(9.0)
    assert found.level is MatchLevel.ADDRESS
    assert found.confidence == pytest.approx(0.9)
    assert found.house_number == "5"


def test_reverse_nearest_first_within_the_radius() -> None:
    answer = [
        feature(number="7", distance=0.045, confidence=0.8),
        feature("street", number=None, distance=0.012, confidence=0.8),
        feature(number="5", distance=0.006, confidence=0.9),
        feature(number="9", distance=0.31, confidence=0.6),  # outside the 200 m asked for
        feature("locality", number=None, street=None, distance=0.0, confidence=1.0),
    ]
    found = pelias(Server(*answer)).reverse(ASKED, limit=10, radius_m=200)
    assert [(c.level, c.house_number, c.distance_m) for c in found] == [
        (MatchLevel.ADDRESS, "5", 6.0),
        (MatchLevel.STREET, "", 12.0),
        (MatchLevel.ADDRESS, "7", 45.0),
    ]
    assert [c.confidence for c in found] == [0.9, 0.6, 0.8]
    assert len(pelias(Server(*answer)).reverse(ASKED, limit=2)) == 2


def test_reverse_without_distance_or_score() -> None:
    """A server that leaves them out: the distance is measured, the score follows it."""
    north_33m = Location(ASKED.lat + 0.0003, ASKED.lon)
    answer = feature(location=north_33m, confidence=None, match_type=None)
    (found,) = pelias(Server(answer)).reverse(ASKED, radius_m=50)
    assert found.distance_m == pytest.approx(33.4, abs=0.5)
    assert found.confidence == pytest.approx(1 - (33.4 - 10) / 400, abs=0.005)


def test_reverse_with_nothing_near_and_bad_arguments() -> None:
    assert pelias(Server()).reverse(Location(59.5, 24.9)) == []
    with pytest.raises(ValueError, match="radius_m"):
        pelias(Server()).reverse(ASKED, radius_m=-1)
    with pytest.raises(GeocoderUnavailable, match=r"/v1/reverse failed with HTTP 503"):
        pelias(lambda request: httpx2.Response(503, text="busy")).reverse(ASKED)
