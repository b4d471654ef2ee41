"""Geocoding with a Nominatim server (OpenStreetMap's geocoder), for regions without a local index.

Forward geocoding asks ``/search`` with structured parameters (``street``, ``city``,
``postalcode``) when the address names its street, else with the free text (``q``); reverse
geocoding asks ``/reverse`` at building zoom. Answers are read in the ``jsonv2`` format with
address details.

Nominatim gives no match score (``importance`` ranks how prominent a place is, not how well it
matches), so the confidence is derived here: the match level caps it, and it drops where the
street or house number found disagrees with the one asked for (see ``_remote``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import httpx2

from doorstep.adapters.geocoding._remote import (
    DEFAULT_USER_AGENT,
    LEVEL_CEILING,
    NUMBERED,
    RemoteGeocoder,
    check_limit,
    check_radius,
    clamp,
    decimal,
    distance_factor,
    mention,
    number_agreement,
    number_in_text,
    similarity,
)
from doorstep.adapters.roads.haversine import great_circle_m
from doorstep.domain.geo import EARTH_RADIUS_M, Location
from doorstep.domain.geocoding import Candidate, GeocoderUnavailable, MatchLevel
from doorstep.domain.orders import Address

#: Nominatim returns at most this many results per search.
MAX_RESULTS = 50

# Address-detail keys, in order of preference. Nominatim labels the parts of an address by
# their OSM tag: the street is usually "road", but a pedestrian street or square keeps its own
# key; a small place has a town or village instead of a city.
_STREET_KEYS = ("road", "pedestrian", "square", "footway", "path", "cycleway", "construction")
_CITY_KEYS = ("city", "town", "village", "municipality", "hamlet")


class NominatimGeocoder(RemoteGeocoder):
    """A ``Geocoder`` over a Nominatim server's HTTP API (``http://host:8080``).

    ``country_codes`` (ISO 3166-1 alpha-2, comma-separated, e.g. ``"fi"``) limits every search
    to those countries; without it a search is limited to the address's own ``country`` when it
    has one. Every request carries ``user_agent``, as Nominatim's usage policy requires.
    """

    service = "Nominatim"

    def __init__(
        self,
        base_url: str,
        *,
        country_codes: str | None = None,
        timeout_s: float = 10,
        client: httpx2.Client | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
    ) -> None:
        super().__init__(base_url, timeout_s=timeout_s, client=client, user_agent=user_agent)
        codes = [code.strip().lower() for code in (country_codes or "").split(",")]
        self._country_codes = ",".join(code for code in codes if code)

    # -- forward ----------------------------------------------------------------------------

    def forward(self, address: Address, *, limit: int = 5) -> list[Candidate]:
        check_limit(limit)
        params: dict[str, str] = {
            "format": "jsonv2",
            "addressdetails": "1",
            "limit": str(min(limit, MAX_RESULTS)),
        }
        # Structured search needs the street: without it the house number means nothing, and
        # the free text most likely holds the street unparsed.
        if address.street:
            number = address.house_number or number_in_text(address.as_given, address.street)
            params["street"] = f"{number} {address.street}".strip()
            if address.city:
                params["city"] = address.city
            if address.postcode:
                params["postalcode"] = address.postcode
            what = f"the search for {params['street']!r}"
        else:
            params["q"] = address.as_given
            what = f"the search for {address.as_given!r}"
        countries = self._country_codes or address.country.lower()
        if countries:
            params["countrycodes"] = countries
        body = self.get_json("/search", params, what)
        if not isinstance(body, list):
            raise self.unparseable("/search", f"expected a list of places, got {_kind(body)}")
        candidates = [self._forward_candidate(place, address) for place in body]
        # Most confident first; Nominatim's own order breaks ties (sort is stable).
        candidates.sort(key=lambda c: -c.confidence)
        return candidates[:limit]

    def _forward_candidate(self, place: object, address: Address) -> Candidate:
        found = _Place.read(place, lambda detail: self.unparseable("/search", detail))
        confidence = LEVEL_CEILING[found.level]
        if found.level in NUMBERED or found.level is MatchLevel.STREET:
            if address.street:
                agreement = similarity(address.street, found.street) if found.street else 0.7
                asked_number = address.house_number or number_in_text(
                    address.as_given, address.street
                )
            else:  # free text: does the text name the street found, and its number?
                agreement = mention(address.as_given, found.street) if found.street else 0.7
                asked_number = number_in_text(address.as_given, found.street)
            # Squared, so a near miss costs little and another street costs a lot.
            confidence *= agreement**2
            if found.level in NUMBERED:
                confidence *= number_agreement(asked_number, found.house_number)
        if address.postcode and found.postcode and similarity(address.postcode, found.postcode) < 1:
            confidence *= 0.8  # the same street name in another postcode area: maybe elsewhere
        if address.city and found.city and similarity(address.city, found.city) < 0.8:
            confidence *= 0.85  # or a name the service writes otherwise (Helsingfors)
        return found.candidate(confidence)

    # -- reverse ----------------------------------------------------------------------------

    def reverse(
        self, location: Location, *, limit: int = 1, radius_m: float = 200.0
    ) -> list[Candidate]:
        """The one place Nominatim finds at ``location`` (its reverse API answers exactly one),
        if it is an address or a street within ``radius_m``; ``limit`` above 1 adds nothing.

        ``distance_m`` is measured to the place's outline (``polygon_geojson``), 0 inside a
        building; the confidence is the level's ceiling, reduced with the distance.
        """
        check_limit(limit)
        check_radius(radius_m)
        params = {
            "lat": decimal(location.lat, 7),
            "lon": decimal(location.lon, 7),
            "zoom": "18",  # building level: the nearest house, else the nearest street
            "format": "jsonv2",
            "addressdetails": "1",
            # The outline, to measure the distance to a street rather than to its centroid,
            # which can be hundreds of metres along a street that passes right by the point.
            "polygon_geojson": "1",
        }
        what = f"the reverse lookup at {params['lat']},{params['lon']}"
        body = self.get_json("/reverse", params, what)
        if isinstance(body, dict) and "error" in body and "lat" not in body:
            # Nominatim answers HTTP 200 {"error": "Unable to geocode"} when nothing is near.
            if str(body["error"]).strip().lower() == "unable to geocode":
                return []
            raise GeocoderUnavailable(
                f"Nominatim at {self._base}/reverse could not do {what}: {body['error']!r}"
            )
        found = _Place.read(body, lambda detail: self.unparseable("/reverse", detail))
        if found.level in (MatchLevel.POSTCODE, MatchLevel.CITY):
            return []  # only the suburb or city around the point: no address near it
        distance, nearest = _distance_to(location, found.geometry, found.location)
        if distance > radius_m:
            return []
        # A street's centroid is no place to stand; the point of it nearest the asked one is.
        placed = nearest if found.level is MatchLevel.STREET else found.location
        confidence = LEVEL_CEILING[found.level] * distance_factor(distance)
        return [found.candidate(confidence, location=placed, distance_m=round(distance, 1))]

    def error_message(self, response: httpx2.Response) -> str:
        # Nominatim explains a refusal as {"error": {"code": 400, "message": "..."}}, older
        # versions as {"error": "..."}; anything else is shown as it came.
        try:
            body = response.json()
        except ValueError:
            return super().error_message(response)
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if isinstance(error, str) and error:
            return error
        return super().error_message(response)


class _Place:
    """One place of a jsonv2 answer, read and classified."""

    def __init__(
        self,
        location: Location,
        level: MatchLevel,
        address: Mapping[str, Any],
        geometry: object,
    ) -> None:
        self.location = location
        self.level = level
        self.street = _first(address, _STREET_KEYS)
        self.house_number = str(address.get("house_number") or "")
        self.postcode = str(address.get("postcode") or "")
        self.city = _first(address, _CITY_KEYS)
        self.geometry = geometry

    @classmethod
    def read(cls, place: object, fail: Callable[[str], GeocoderUnavailable]) -> _Place:
        if not isinstance(place, dict):
            raise fail(f"a place is {_kind(place)}, not an object")
        try:
            location = Location(float(place["lat"]), float(place["lon"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise fail(f"a place has no usable lat/lon ({exc!r}): {str(place)[:200]}") from None
        address = place.get("address")
        address = address if isinstance(address, dict) else {}
        return cls(location, _level(place, address), address, place.get("geojson"))

    def candidate(
        self,
        confidence: float,
        *,
        location: Location | None = None,
        distance_m: float | None = None,
    ) -> Candidate:
        return Candidate(
            location=location or self.location,
            street=self.street if self.level is not MatchLevel.CITY else "",
            house_number=self.house_number if self.level in NUMBERED else "",
            postcode=self.postcode,
            city=self.city,
            confidence=clamp(confidence),
            level=self.level,
            distance_m=distance_m,
            source="nominatim",
        )


def _level(place: Mapping[str, Any], address: Mapping[str, Any]) -> MatchLevel:
    """The match level from the place's main tag (``category``/``type``) and search rank.

    Ranks (Nominatim's place ranking): 30 is a house or point of interest, 26-27 a street,
    below that areas: postcodes, suburbs, cities and larger.
    """
    category, kind = str(place.get("category") or ""), str(place.get("type") or "")
    addresstype = str(place.get("addresstype") or "")
    try:
        rank = int(place.get("place_rank") or 0)
    except (TypeError, ValueError):
        rank = 0
    if (category, kind) == ("place", "postcode") or addresstype == "postcode":
        return MatchLevel.POSTCODE
    if rank >= 28 or (category, kind) == ("place", "house"):
        if not address.get("house_number"):
            # A point of interest without a number: somewhere on its street at best.
            return MatchLevel.STREET if _first(address, _STREET_KEYS) else MatchLevel.CITY
        if (category, kind) == ("place", "house") and place.get("osm_type") == "way":
            # Nominatim's documented shape of an interpolated number (from an interpolation
            # line, or TIGER): place=house on a way. A real address drawn as a bare outline
            # looks the same but is rare; calling it interpolated only costs confidence.
            return MatchLevel.INTERPOLATED
        return MatchLevel.ADDRESS
    if rank >= 26 or category == "highway" or addresstype == "road":
        return MatchLevel.STREET
    return MatchLevel.CITY


def _first(address: Mapping[str, Any], keys: Iterable[str]) -> str:
    for key in keys:
        value = address.get(key)
        if value:
            return str(value)
    return ""


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


# -- distance to a GeoJSON geometry ----------------------------------------------------------


def _distance_to(origin: Location, geometry: object, fallback: Location) -> tuple[float, Location]:
    """Metres from ``origin`` to ``geometry`` (GeoJSON) and the nearest point of it.

    Inside a polygon the distance is 0. Measured in a plane tangent at ``origin``: exact enough
    over the few hundred metres a reverse lookup spans. Without a usable geometry, the distance
    to ``fallback`` (the place's centroid).
    """
    lines = _lines(geometry)
    if not lines:
        return float(great_circle_m(origin.lat, origin.lon, fallback.lat, fallback.lon)), fallback
    metres_per_degree = EARTH_RADIUS_M * math.pi / 180.0
    scale_x = metres_per_degree * math.cos(math.radians(origin.lat))

    def plane(lon: float, lat: float) -> tuple[float, float]:
        return (lon - origin.lon) * scale_x, (lat - origin.lat) * metres_per_degree

    best, best_xy = math.inf, (0.0, 0.0)
    for line in lines:
        points = [plane(lon, lat) for lon, lat in line]
        for (ax, ay), (bx, by) in zip(points, points[1:] or points, strict=False):
            dx, dy = bx - ax, by - ay
            length2 = dx * dx + dy * dy
            t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
            x, y = ax + t * dx, ay + t * dy
            if (d := math.hypot(x, y)) < best:
                best, best_xy = d, (x, y)
    if _inside(geometry, origin):
        return 0.0, origin
    nearest = Location(
        origin.lat + best_xy[1] / metres_per_degree, origin.lon + best_xy[0] / scale_x
    )
    return best, nearest


def _lines(geometry: object) -> list[list[tuple[float, float]]]:
    """The (lon, lat) vertex lists of a Point, LineString, Polygon or their Multi- forms."""
    if not isinstance(geometry, dict):
        return []
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    try:
        if kind == "Point":
            return [[_pair(coordinates)]]
        if kind == "LineString":
            return [[_pair(p) for p in _seq(coordinates)]]
        if kind in ("MultiLineString", "Polygon"):
            return [[_pair(p) for p in _seq(line)] for line in _seq(coordinates)]
        if kind == "MultiPolygon":
            return [
                [_pair(p) for p in _seq(ring)] for poly in _seq(coordinates) for ring in _seq(poly)
            ]
    except (TypeError, ValueError):
        return []
    return []


def _seq(value: object) -> Sequence[Any]:
    if not isinstance(value, list):
        raise TypeError("not a list")
    return value


def _pair(value: object) -> tuple[float, float]:
    lon, lat = _seq(value)[:2]
    return float(lon), float(lat)


def _inside(geometry: object, origin: Location) -> bool:
    """Whether ``origin`` lies inside a (Multi)Polygon: in an outer ring, not in its holes."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return False
    polygons = _seq(geometry["coordinates"])
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    for polygon in polygons:
        rings = [[_pair(p) for p in _seq(ring)] for ring in _seq(polygon)]
        if rings and _in_ring(rings[0], origin) and not any(_in_ring(r, origin) for r in rings[1:]):
            return True
    return False


def _in_ring(ring: Sequence[tuple[float, float]], origin: Location) -> bool:
    """Even-odd rule: a ray from ``origin`` crosses the ring's edges an odd number of times."""
    inside = False
    x, y = origin.lon, origin.lat
    for (x1, y1), (x2, y2) in zip(ring, [*ring[1:], ring[0]], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside
