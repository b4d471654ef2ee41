"""The Nominatim adapter against Nominatim's documented wire format.

No Nominatim server can run here (it needs a PostgreSQL import of OpenStreetMap), so the answers
below are the examples of Nominatim's API documentation (docs/api/Search.md, Reverse.md,
Output.md: the jsonv2 fields, address details, place ranks), moved to Helsinki, served from an
``httpx2.MockTransport``; each test checks the exact request the adapter sends.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest

from doorstep.adapters.geocoding.nominatim import NominatimGeocoder
from doorstep.adapters.roads.haversine import great_circle_m
from doorstep.domain.geo import Location
from doorstep.domain.geocoding import ACCEPT_CONFIDENCE, GeocoderUnavailable, MatchLevel
from doorstep.domain.orders import Address

BASE = "http://nominatim.test:8080"
LICENCE = "Data © OpenStreetMap contributors, ODbL 1.0. https://osm.org/copyright"

#: Mannerheimintie 5, where the adapter is asked to look; the house node and the street.
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
    """Answers every request with one response and keeps the requests it saw."""

    def __init__(self, answer: object, status: int = 200) -> None:
        self.answer, self.status = answer, status
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        return httpx2.Response(self.status, json=self.answer)

    @property
    def request(self) -> httpx2.Request:
        (request,) = self.requests
        return request


def nominatim(handler: Handler, **kwargs: Any) -> NominatimGeocoder:
    client = httpx2.Client(transport=httpx2.MockTransport(handler))
    return NominatimGeocoder(BASE + "/", client=client, **kwargs)


def house(
    number: str = "5",
    *,
    road: str = "Mannerheimintie",
    postcode: str = "00100",
    city: str = "Helsinki",
    location: Location = HOUSE,
    osm_type: str = "node",
    category: str = "place",
    kind: str = "house",
) -> dict[str, Any]:
    """A house as /search answers it in jsonv2 with addressdetails=1 (the docs' example of a
    place=house node, rank 30, with the address parts of a Helsinki address)."""
    return {
        "place_id": 35811445,
        "licence": LICENCE,
        "osm_type": osm_type,
        "osm_id": 2846295644,
        "lat": str(location.lat),
        "lon": str(location.lon),
        "category": category,
        "type": kind,
        "place_rank": 30,
        "importance": 0.00000999999999995449,
        "addresstype": "place",
        "name": None,
        "display_name": f"{number}, {road}, Kluuvi, Eteläinen suurpiiri, {city}, "
        f"Helsingin seutukunta, Uusimaa, Manner-Suomi, {postcode}, Suomi / Finland",
        "address": {
            "house_number": number,
            "road": road,
            "neighbourhood": "Kluuvi",
            "city_district": "Eteläinen suurpiiri",
            "city": city,
            "municipality": "Helsingin seutukunta",
            "state": "Manner-Suomi",
            "ISO3166-2-lvl4": "FI-18",
            "postcode": postcode,
            "country": "Suomi / Finland",
            "country_code": "fi",
        },
        "boundingbox": [
            str(location.lat - 5e-5),
            str(location.lat + 5e-5),
            str(location.lon - 5e-5),
            str(location.lon + 5e-5),
        ],
    }


def street(road: str = "Mannerheimintie", **extra: Any) -> dict[str, Any]:
    """A street as jsonv2 answers it (the docs' reverse example: category highway, rank 26,
    addresstype road), in Helsinki."""
    return {
        "place_id": 134140761,
        "licence": LICENCE,
        "osm_type": "way",
        "osm_id": 280940520,
        "lat": "60.1711230",
        "lon": "24.9397180",
        "place_rank": 26,
        "category": "highway",
        "type": "primary",
        "importance": 0.1,
        "addresstype": "road",
        "name": road,
        "display_name": f"{road}, Kluuvi, Helsinki, 00100, Suomi / Finland",
        "address": {
            "road": road,
            "neighbourhood": "Kluuvi",
            "city": "Helsinki",
            "postcode": "00100",
            "country": "Suomi / Finland",
            "country_code": "fi",
        },
        "boundingbox": ["60.1686", "60.1736", "24.9390", "24.9412"],
        **extra,
    }


def area(category: str, kind: str, rank: int, addresstype: str, **address: str) -> dict[str, Any]:
    return {
        "place_id": 1,
        "licence": LICENCE,
        "lat": "60.1698557",
        "lon": "24.9383791",
        "category": category,
        "type": kind,
        "place_rank": rank,
        "addresstype": addresstype,
        "display_name": ", ".join(address.values()),
        "address": {**address, "country": "Suomi / Finland", "country_code": "fi"},
    }


# --- forward: the request -----------------------------------------------------------------


def test_structured_search_request_and_answer() -> None:
    server = Server([house()])
    (found,) = nominatim(server, country_codes="FI").forward(STRUCTURED)

    request = server.request
    assert request.method == "GET"
    assert request.url.scheme == "http"
    assert request.url.host == "nominatim.test"
    assert request.url.path == "/search"
    assert dict(request.url.params) == {
        "format": "jsonv2",
        "addressdetails": "1",
        "limit": "5",
        "street": "5 Mannerheimintie",  # Nominatim's structured form: <housenumber> <streetname>
        "city": "Helsinki",
        "postalcode": "00100",
        "countrycodes": "fi",
    }
    # Nominatim's usage policy: a User-Agent naming the application, never the library's.
    assert request.headers["User-Agent"].startswith("doorstep/")
    assert "python-httpx" not in request.headers["User-Agent"]

    assert found.location == HOUSE
    assert (found.street, found.house_number, found.postcode, found.city) == (
        "Mannerheimintie",
        "5",
        "00100",
        "Helsinki",
    )
    assert found.level is MatchLevel.ADDRESS
    assert found.source == "nominatim"
    assert found.distance_m is None
    assert found.confidence == pytest.approx(0.95)
    assert found.accepted
    assert found.label == "Mannerheimintie 5, 00100 Helsinki"


def test_free_text_search_request_and_country_of_the_address() -> None:
    server = Server([house()])
    address = Address(as_given="Mannerheimintie 5 A 12, Helsinki", country="FI")
    (found,) = nominatim(server, user_agent="acme-deliveries/2.1 (ops@acme.test)").forward(
        address, limit=3
    )
    assert dict(server.request.url.params) == {
        "format": "jsonv2",
        "addressdetails": "1",
        "limit": "3",
        "q": "Mannerheimintie 5 A 12, Helsinki",
        "countrycodes": "fi",  # the installation sets none: the address's country limits it
    }
    assert server.request.headers["User-Agent"] == "acme-deliveries/2.1 (ops@acme.test)"
    # "5 A" asked, "5" found: the staircase letter of the same building.
    assert found.house_number == "5"
    assert found.confidence == pytest.approx(0.855)
    assert found.accepted


def test_house_number_only_in_the_free_text_joins_the_structured_street() -> None:
    server = Server([house()])
    address = Address(as_given="Mannerheimintie 5, Helsinki", street="Mannerheimintie")
    nominatim(server).forward(address)
    params = dict(server.request.url.params)
    assert params["street"] == "5 Mannerheimintie"
    assert "countrycodes" not in params
    assert "q" not in params


def test_limit_is_capped_at_nominatims_maximum_and_must_be_positive() -> None:
    server = Server([])
    assert nominatim(server).forward(STRUCTURED, limit=500) == []
    assert server.request.url.params["limit"] == "50"
    with pytest.raises(ValueError, match="limit"):
        nominatim(server).forward(STRUCTURED, limit=0)


# --- forward: levels and confidence -------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "answer", "level", "confidence"),
    [
        pytest.param(STRUCTURED, house(), MatchLevel.ADDRESS, 0.95, id="exact-address"),
        pytest.param(
            STRUCTURED,
            house(category="building", kind="commercial"),
            MatchLevel.ADDRESS,
            0.95,
            id="building-with-the-number",
        ),
        pytest.param(
            Address(as_given="Toolonkatu 3", street="Toolonkatu", house_number="3"),
            house("3", road="Töölönkatu"),
            MatchLevel.ADDRESS,
            0.95,
            id="typed-without-accents",
        ),
        pytest.param(
            Address(as_given="Mannerheimintie 5 A", street="Mannerheimintie", house_number="5 A"),
            house(),
            MatchLevel.ADDRESS,
            0.855,
            id="staircase-letter",
        ),
        pytest.param(STRUCTURED, house("7"), MatchLevel.ADDRESS, 0.475, id="another-house"),
        pytest.param(
            Address(as_given="Mannerheimintie, Helsinki", street="Mannerheimintie"),
            house(),
            MatchLevel.ADDRESS,
            0.665,
            id="no-number-asked",
        ),
        pytest.param(
            STRUCTURED, house(postcode="00250"), MatchLevel.ADDRESS, 0.76, id="other-postcode"
        ),
        pytest.param(
            STRUCTURED,
            house(osm_type="way"),
            MatchLevel.INTERPOLATED,
            0.75,
            id="interpolated-number",
        ),
        pytest.param(STRUCTURED, street(), MatchLevel.STREET, 0.6, id="street-only"),
        pytest.param(
            STRUCTURED,
            house(category="amenity", kind="cafe") | {"address": {"road": "Mannerheimintie"}},
            MatchLevel.STREET,
            0.6,
            id="place-without-number",
        ),
        pytest.param(
            STRUCTURED,
            street("Mechelininkatu"),
            MatchLevel.STREET,
            0.18,  # 0.6 x (name similarity 0.55)^2
            id="another-street",
        ),
        pytest.param(
            Address(as_given="Mannerheimintie 5, Helsinki"),
            house(),
            MatchLevel.ADDRESS,
            0.95,
            id="free-text-exact",
        ),
        pytest.param(
            Address(as_given="Mannerheimintie 5, Helsinki"),
            house("7"),
            MatchLevel.ADDRESS,
            0.475,
            id="free-text-another-house",
        ),
        pytest.param(
            STRUCTURED,
            area("place", "postcode", 21, "postcode", postcode="00100"),
            MatchLevel.POSTCODE,
            0.35,
            id="postcode-area",
        ),
        pytest.param(
            STRUCTURED,
            area("boundary", "administrative", 16, "city", city="Helsinki"),
            MatchLevel.CITY,
            0.15,
            id="city",
        ),
    ],
)
def test_levels_and_confidence(
    address: Address, answer: dict[str, Any], level: MatchLevel, confidence: float
) -> None:
    (found,) = nominatim(Server([answer])).forward(address)
    assert found.level is level
    assert found.confidence == pytest.approx(confidence, abs=0.02)
    assert found.accepted == (confidence >= ACCEPT_CONFIDENCE)


def test_only_a_building_with_the_asked_number_is_accepted() -> None:
    """The rule the whole table above follows: >= 0.8 only at address level with the street
    and number asked for; a street, however exact its name, stays below."""
    exact = nominatim(Server([house()])).forward(STRUCTURED)[0]
    on_street = nominatim(Server([street()])).forward(
        Address(as_given="Mannerheimintie", street="Mannerheimintie")
    )[0]
    assert exact.confidence >= ACCEPT_CONFIDENCE
    assert on_street.confidence < ACCEPT_CONFIDENCE
    assert on_street.house_number == ""


def test_candidates_come_most_confident_first() -> None:
    answer = [street(), house("7"), house()]  # Nominatim's own order
    found = nominatim(Server(answer)).forward(STRUCTURED)
    assert [(c.level, c.house_number) for c in found] == [
        (MatchLevel.ADDRESS, "5"),
        (MatchLevel.STREET, ""),
        (MatchLevel.ADDRESS, "7"),
    ]


def test_nothing_found_is_an_empty_list() -> None:
    assert nominatim(Server([])).forward(STRUCTURED) == []


# --- forward: errors ----------------------------------------------------------------------


def raising(error: type[httpx2.TransportError], message: str) -> Handler:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise error(message, request=request)

    return handler


@pytest.mark.parametrize(
    ("handler", "message"),
    [
        pytest.param(
            raising(httpx2.ReadTimeout, "timed out"),
            r"Nominatim at http://nominatim\.test:8080/search did not answer within 10 s",
            id="timeout",
        ),
        pytest.param(
            raising(httpx2.ConnectError, "connection refused"),
            r"Nominatim at http://nominatim\.test:8080/search did not answer.*connection refused",
            id="unreachable",
        ),
        pytest.param(
            lambda request: httpx2.Response(500, text="Internal Server Error"),
            r"Nominatim at http://nominatim\.test:8080/search failed with HTTP 500",
            id="500",
        ),
        pytest.param(
            lambda request: httpx2.Response(503, text="<html>Service Unavailable</html>"),
            r"failed with HTTP 503: '<html>Service Unavailable</html>'",
            id="503",
        ),
        pytest.param(
            lambda request: httpx2.Response(200, text="<html>maintenance</html>"),
            r"Nominatim at http://nominatim\.test:8080/search sent an answer that is not JSON",
            id="bad-json",
        ),
        pytest.param(
            lambda request: httpx2.Response(200, json={"places": []}),
            r"cannot read: expected a list of places, got dict",
            id="not-a-list",
        ),
        pytest.param(
            lambda request: httpx2.Response(200, json=[{"lat": "north", "lon": "24.9"}]),
            r"cannot read: a place has no usable lat/lon",
            id="bad-coordinates",
        ),
        pytest.param(
            lambda request: httpx2.Response(
                400, json={"error": {"code": 400, "message": "Parameter 'limit' must be a number"}}
            ),
            r"refused the search for '5 Mannerheimintie' with HTTP 400: "
            r"Parameter 'limit' must be a number",
            id="400",
        ),
        pytest.param(
            lambda request: httpx2.Response(403, text="Access blocked"),
            r"refused the search for '5 Mannerheimintie' with HTTP 403 \(blocked or "
            r"rate-limited: check the service's usage policy or API key\): 'Access blocked'",
            id="403-usage-policy",
        ),
    ],
)
def test_errors_are_geocoder_unavailable_naming_service_and_url(
    handler: Handler, message: str
) -> None:
    with pytest.raises(GeocoderUnavailable, match=message):
        nominatim(handler).forward(STRUCTURED)


@pytest.fixture
def slow_server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 that takes a second to answer anything."""

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(1.0)
            try:
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"[]")
            except OSError:
                pass  # the client gave up first, as intended

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_timeout_against_a_real_slow_server(slow_server: str) -> None:
    """The timeout holds over a real socket, with the client the adapter makes itself."""
    with NominatimGeocoder(slow_server, timeout_s=0.2) as geocoder:
        started = time.monotonic()
        with pytest.raises(GeocoderUnavailable, match=r"did not answer within 0\.2 s"):
            geocoder.forward(STRUCTURED)
    assert time.monotonic() - started < 0.9


# --- reverse ------------------------------------------------------------------------------


#: Where the reverse lookups ask: inside Mannerheimintie 5, a little east of its address point.
ASKED = Location(60.16868, 24.9412)


def building(number: str = "5") -> dict[str, Any]:
    """Reverse's answer with polygon_geojson=1: the house with its outline (a building way)."""
    lat, lon = HOUSE.lat, HOUSE.lon
    outline = [
        [lon - 1e-4, lat - 5e-5],
        [lon + 1e-4, lat - 5e-5],
        [lon + 1e-4, lat + 5e-5],
        [lon - 1e-4, lat + 5e-5],
        [lon - 1e-4, lat - 5e-5],
    ]
    place = house(number, osm_type="way", category="building", kind="commercial")
    return place | {
        "addresstype": "building",
        "geojson": {"type": "Polygon", "coordinates": [outline]},
    }


def test_reverse_request_and_answer() -> None:
    server = Server(building())
    (found,) = nominatim(server).reverse(ASKED)
    request = server.request
    assert request.url.path == "/reverse"
    assert dict(request.url.params) == {
        "lat": "60.16868",
        "lon": "24.9412",
        "zoom": "18",
        "format": "jsonv2",
        "addressdetails": "1",
        "polygon_geojson": "1",
    }
    assert request.headers["User-Agent"].startswith("doorstep/")
    # The asked point is inside the building's outline.
    assert found.distance_m == 0.0
    assert found.location == HOUSE
    assert (found.street, found.house_number, found.level) == (
        "Mannerheimintie",
        "5",
        MatchLevel.ADDRESS,
    )
    assert found.confidence == pytest.approx(0.95)


def test_reverse_distance_to_a_house_point() -> None:
    """Without an outline (a house node) the distance is to the point Nominatim gives."""
    asked = Location(HOUSE.lat + 0.0003, HOUSE.lon)  # 33 m north
    (found,) = nominatim(Server(house())).reverse(asked)
    assert found.distance_m == pytest.approx(
        great_circle_m(asked.lat, asked.lon, HOUSE.lat, HOUSE.lon), abs=0.1
    )
    assert found.distance_m == pytest.approx(33.4, abs=0.5)
    # 33 m off: still the house, but not a point at its door.
    assert found.confidence == pytest.approx(0.95 * (1 - (33.4 - 10) / 400), abs=0.005)


def test_reverse_street_distance_is_to_the_street_not_its_centroid() -> None:
    """A street that passes 30 m from the point while its centroid is 500 m away."""
    line = [[24.9300, 60.1700], [24.9500, 60.1700]]  # west-east, 2 km long
    asked = Location(60.1700 + 30 / 111_195, 24.9400)
    answer = street(geojson={"type": "LineString", "coordinates": line}) | {
        "lat": "60.1700",
        "lon": "24.9310",  # the centroid Nominatim reports, ~500 m west of the point
    }
    (found,) = nominatim(Server(answer)).reverse(asked)
    assert found.distance_m == pytest.approx(30.0, abs=0.5)
    assert found.level is MatchLevel.STREET
    assert found.location.lat == pytest.approx(60.1700, abs=1e-6)
    assert found.location.lon == pytest.approx(24.9400, abs=1e-6)
    assert found.confidence < ACCEPT_CONFIDENCE


def test_reverse_beyond_the_radius_is_nothing() -> None:
    asked = Location(HOUSE.lat + 0.0003, HOUSE.lon)  # 33 m from the house
    assert nominatim(Server(house())).reverse(asked, radius_m=20) == []
    assert len(nominatim(Server(house())).reverse(asked, radius_m=40)) == 1


def test_reverse_with_nothing_near() -> None:
    """Nominatim answers HTTP 200 {"error": "Unable to geocode"}, e.g. out at sea."""
    unable = Server({"error": "Unable to geocode"})
    assert nominatim(unable).reverse(Location(59.5, 24.9)) == []
    suburb = area("place", "suburb", 19, "suburb", suburb="Kluuvi", city="Helsinki")
    assert nominatim(Server(suburb)).reverse(ASKED) == []  # an area is no address


def test_reverse_checks_its_arguments_and_errors() -> None:
    geocoder = nominatim(Server(house()))
    with pytest.raises(ValueError, match="radius_m"):
        geocoder.reverse(ASKED, radius_m=0)
    with pytest.raises(ValueError, match="limit"):
        geocoder.reverse(ASKED, limit=0)
    with pytest.raises(
        GeocoderUnavailable,
        match=r"Nominatim at http://nominatim\.test:8080/reverse failed with HTTP 502",
    ):
        nominatim(lambda request: httpx2.Response(502, text="Bad Gateway")).reverse(ASKED)
    with pytest.raises(GeocoderUnavailable, match="reverse could not do the reverse lookup"):
        nominatim(Server({"error": "Internal error"})).reverse(ASKED)
