"""Geocoding results: where an address is, how sure we are, and what it matched."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from doorstep.domain.errors import DomainError, InvalidValue
from doorstep.domain.geo import Location

# At or above this confidence a match is taken without a person looking at it. The geocoding
# benchmark (bench/geocode.py) reports how often a match this sure is wrong.
ACCEPT_CONFIDENCE = 0.8


class MatchLevel(StrEnum):
    """How precisely a candidate places the address, from best to worst."""

    ENTRANCE = "entrance"  # an entrance (door) of the building with this number
    ADDRESS = "address"  # the building or address point with this number
    INTERPOLATED = "interpolated"  # between known numbers of the same street
    STREET = "street"  # somewhere on the street: the number is missing or unknown
    POSTCODE = "postcode"  # only the postcode area was found
    CITY = "city"


@dataclass(frozen=True)
class Candidate:
    """One place an address may mean, with a confidence in [0, 1].

    ``units`` counts the dwellings or staircases known at the address (0 when unknown): a
    building with several needs a unit or staircase to find the right door.
    """

    location: Location
    street: str
    house_number: str
    postcode: str
    city: str
    confidence: float
    level: MatchLevel
    units: int = 0
    distance_m: float | None = None  # from the asked point, for reverse geocoding
    source: str = "local"  # which geocoder answered: local, nominatim, pelias

    def __post_init__(self) -> None:
        if not math.isfinite(self.confidence) or not 0.0 <= self.confidence <= 1.0:
            raise InvalidValue("confidence", f"must be between 0 and 1, got {self.confidence}")

    @property
    def label(self) -> str:
        """The address as a person writes it: ``Mannerheimintie 5, 00100 Helsinki``."""
        first = " ".join(part for part in (self.street, self.house_number) if part)
        second = " ".join(part for part in (self.postcode, self.city) if part)
        return ", ".join(part for part in (first, second) if part)

    @property
    def accepted(self) -> bool:
        return self.confidence >= ACCEPT_CONFIDENCE


@dataclass(frozen=True)
class KnownAddress:
    """One real address of a region, as its address index holds it."""

    street: str
    house_number: str
    postcode: str
    city: str
    location: Location
    units: int = 0
    entrance: bool = False


class GeocoderUnavailable(DomainError):
    """The geocoder could not answer (a remote service down, a region without an index)."""
