"""A stand-in geocoder for installations without one: it parses, and says why it cannot place."""

from __future__ import annotations

from doorstep.adapters.geocoding.parse import parse_address
from doorstep.domain.geo import Location
from doorstep.domain.geocoding import Candidate, GeocoderUnavailable
from doorstep.domain.orders import Address


class UnavailableGeocoder:
    """Raises ``GeocoderUnavailable(reason)`` on every lookup, so the checks hold the order
    with that reason instead of refusing it (an order must never be lost at the door)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def forward(self, address: Address, *, limit: int = 5) -> list[Candidate]:
        raise GeocoderUnavailable(self.reason)

    def reverse(
        self, location: Location, *, limit: int = 1, radius_m: float = 200.0
    ) -> list[Candidate]:
        raise GeocoderUnavailable(self.reason)

    def parse(self, text: str) -> Address:
        return parse_address(text)
