"""Geocoding with a Pelias server, for regions without a local index.

Forward geocoding asks ``/v1/search/structured`` (``address``, ``locality``, ``postalcode``)
when the address names its street, else ``/v1/search`` with the free text; reverse geocoding
asks ``/v1/reverse`` within a circle. Every answer is a GeoJSON FeatureCollection whose
features carry the address parts, the ``layer`` (address, venue, street, postalcode, locality,
...), the ``match_type`` (exact, interpolated, fallback) and Pelias' own ``confidence``.

Pelias' confidence measures how well the result matches the parsed query (on search) or how
near it is (on reverse); doorstep keeps it, but caps it by what the match level can promise:
Pelias scores a street found for a street asked for as an exact match, yet a street does not
say which door. A house number other than the one asked for is another house.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx2

from doorstep.adapters.geocoding._remote import (
    DEFAULT_USER_AGENT,
    LEVEL_CEILING,
    NUMBERED,
    RemoteGeocoder,
    as_number,
    check_limit,
    check_radius,
    clamp,
    decimal,
    distance_factor,
    mention,
    number_agreement,
    number_in_text,
    point,
    similarity,
)
from doorstep.adapters.roads.haversine import great_circle_m
from doorstep.domain.geo import Location
from doorstep.domain.geocoding import Candidate, MatchLevel
from doorstep.domain.orders import Address

#: Pelias returns at most this many results (``size``) per request.
MAX_RESULTS = 40

#: Layers a reverse lookup asks for: the ones that name an address or a street. Pelias would
#: otherwise answer with the neighbourhood or city that contains the point, which is no address.
REVERSE_LAYERS = "address,venue,street"

_AREA_LEVELS = frozenset({MatchLevel.POSTCODE, MatchLevel.CITY})


class PeliasGeocoder(RemoteGeocoder):
    """A ``Geocoder`` over a Pelias server's HTTP API (``http://host:4000``; a URL that already
    ends in ``/v1`` is accepted too).

    ``api_key`` is sent as the ``api_key`` parameter, as hosted Pelias services expect.
    ``country_codes`` (ISO 3166-1 alpha-2 or alpha-3) becomes ``boundary.country`` on every
    search; without it a search is limited to the address's own ``country`` when it has one.
    """

    service = "Pelias"

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        country_codes: str | None = None,
        timeout_s: float = 10,
        client: httpx2.Client | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
    ) -> None:
        base = base_url.strip().rstrip("/")
        base = base.removesuffix("/v1")
        super().__init__(base, timeout_s=timeout_s, client=client, user_agent=user_agent)
        self._api_key = api_key or ""
        self._country = ",".join(
            code.strip().upper() for code in (country_codes or "").split(",") if code.strip()
        )

    # -- forward ----------------------------------------------------------------------------

    def forward(self, address: Address, *, limit: int = 5) -> list[Candidate]:
        check_limit(limit)
        params: dict[str, str] = {}
        # Structured search needs the street: without it the house number means nothing, and
        # the free text most likely holds the street unparsed.
        if address.street:
            path = "/v1/search/structured"
            number = address.house_number or number_in_text(address.as_given, address.street)
            params["address"] = f"{address.street} {number}".strip()
            if address.city:
                params["locality"] = address.city
            if address.postcode:
                params["postalcode"] = address.postcode
            what = f"the search for {params['address']!r}"
        else:
            path = "/v1/search"
            params["text"] = address.as_given
            what = f"the search for {address.as_given!r}"
        params["size"] = str(min(limit, MAX_RESULTS))
        country = self._country or address.country
        if country:
            params["boundary.country"] = country
        features = self._features(path, params, what)
        candidates = [self._forward_candidate(path, feature, address) for feature in features]
        candidates.sort(key=lambda c: -c.confidence)  # stable: Pelias' order breaks ties
        return candidates[:limit]

    def _forward_candidate(self, path: str, feature: object, address: Address) -> Candidate:
        found = self._read(path, feature)
        confidence = min(found.confidence, LEVEL_CEILING[found.level])
        if found.level in NUMBERED:
            street = address.street or found.street
            asked = address.house_number or number_in_text(address.as_given, street)
            confidence *= number_agreement(asked, found.house_number)
        if found.confidence_missing:
            # An answer without Pelias' score: judge the street as for Nominatim.
            if address.street:
                confidence *= similarity(address.street, found.street) ** 2
            elif found.street:
                confidence *= mention(address.as_given, found.street) ** 2
        return found.candidate(confidence)

    # -- reverse ----------------------------------------------------------------------------

    def reverse(
        self, location: Location, *, limit: int = 1, radius_m: float = 200.0
    ) -> list[Candidate]:
        check_limit(limit)
        check_radius(radius_m)
        params = {
            "point.lat": decimal(location.lat, 7),
            "point.lon": decimal(location.lon, 7),
            "size": str(min(limit, MAX_RESULTS)),
            "boundary.circle.radius": decimal(radius_m / 1000.0, 4),  # Pelias wants km
            "layers": REVERSE_LAYERS,
        }
        what = f"the reverse lookup at {params['point.lat']},{params['point.lon']}"
        found = []
        for feature in self._features("/v1/reverse", params, what):
            place = self._read("/v1/reverse", feature)
            if place.distance_km is not None:
                distance = place.distance_km * 1000.0
            else:
                distance = float(
                    great_circle_m(
                        location.lat, location.lon, place.location.lat, place.location.lon
                    )
                )
            # The circle is asked for, but a server may ignore it; areas are no addresses.
            if distance > radius_m or place.level in _AREA_LEVELS:
                continue
            score = distance_factor(distance) if place.confidence_missing else place.confidence
            confidence = min(score, LEVEL_CEILING[place.level])
            found.append(place.candidate(confidence, distance_m=round(distance, 1)))
        found.sort(key=lambda c: c.distance_m if c.distance_m is not None else 0.0)
        return found[:limit]

    # -- the wire ---------------------------------------------------------------------------

    def _features(self, path: str, params: dict[str, str], what: str) -> list[object]:
        if self._api_key:
            params = {**params, "api_key": self._api_key}
        body = self.get_json(path, params, what)
        features = body.get("features") if isinstance(body, dict) else None
        if not isinstance(features, list):
            raise self.unparseable(path, "expected a GeoJSON FeatureCollection with features")
        return features

    def _read(self, path: str, feature: object) -> _Feature:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        lon = lat = None
        if isinstance(coordinates, list) and len(coordinates) >= 2:  # GeoJSON: [lon, lat]
            lon, lat = as_number(coordinates[0]), as_number(coordinates[1])
        location = point(lat, lon)
        if location is None:
            raise self.unparseable(path, f"a feature has no usable point: {str(feature)[:200]}")
        if not isinstance(properties, dict):
            raise self.unparseable(path, f"a feature has no properties: {str(feature)[:200]}")
        return _Feature(location, properties)

    def error_message(self, response: httpx2.Response) -> str:
        # Pelias explains a refusal in the GeoJSON body: {"geocoding": {"errors": [...]}}.
        try:
            body = response.json()
        except ValueError:
            return super().error_message(response)
        geocoding = body.get("geocoding") if isinstance(body, dict) else None
        errors = geocoding.get("errors") if isinstance(geocoding, dict) else None
        if isinstance(errors, list) and errors:
            return "; ".join(str(e) for e in errors)
        return super().error_message(response)


class _Feature:
    """One feature of a Pelias answer, read and classified."""

    def __init__(self, location: Location, properties: Mapping[str, Any]) -> None:
        self.location = location
        self.house_number = _text(properties.get("housenumber"))
        self.street = _text(properties.get("street"))
        self.postcode = _text(properties.get("postalcode"))
        self.city = _text(properties.get("locality")) or _text(properties.get("localadmin"))
        self.level = _level(properties, self.house_number, self.street)
        score = as_number(properties.get("confidence"))
        self.confidence_missing = score is None
        self.confidence = LEVEL_CEILING[self.level] if score is None else score
        self.distance_km = as_number(properties.get("distance"))

    def candidate(self, confidence: float, *, distance_m: float | None = None) -> Candidate:
        return Candidate(
            location=self.location,
            street=self.street if self.level is not MatchLevel.CITY else "",
            house_number=self.house_number if self.level in NUMBERED else "",
            postcode=self.postcode,
            city=self.city,
            confidence=clamp(confidence),
            level=self.level,
            distance_m=distance_m,
            source="pelias",
        )


def _level(properties: Mapping[str, Any], house_number: str, street: str) -> MatchLevel:
    """The match level from the feature's layer and match type."""
    layer = _text(properties.get("layer"))
    if layer in ("address", "venue"):
        if not house_number:
            # A venue (a shop, a museum) without a number: somewhere on its street at best.
            return MatchLevel.STREET if street else MatchLevel.CITY
        if _text(properties.get("match_type")) == "interpolated":
            return MatchLevel.INTERPOLATED
        return MatchLevel.ADDRESS
    if layer == "street":
        return MatchLevel.STREET
    if layer == "postalcode":
        return MatchLevel.POSTCODE
    # locality, localadmin, neighbourhood, borough, county, region, country, ...
    return MatchLevel.CITY


def _text(value: object) -> str:
    return str(value) if value not in (None, "") else ""
