"""The station (depot): where parcels arrive, are sorted and loaded, and where routes start."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from doorstep.domain.checks import non_negative, text
from doorstep.domain.errors import InvalidValue
from doorstep.domain.geo import Location, distance_m
from doorstep.domain.schedules import DailyWindow, OpeningHours, Weekday

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,15}$")


def check_timezone(field: str, name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidValue(
            field, f"must be an IANA time zone like Europe/Helsinki, got {name!r}"
        ) from None


@dataclass
class Station:
    id: str
    organisation_id: str
    code: str
    name: str
    location: Location
    address: str
    timezone: str
    opening_hours: OpeningHours
    loading_time_s: int = 900
    # Where the station delivers: a polygon (lat, lon corners), a radius around it, both or
    # neither (no limit). Orders outside are held for a person, not silently planned.
    service_area: tuple[Location, ...] = ()
    service_radius_km: float | None = None
    # Delivery slots offered to recipients who reschedule (domain.slots): orders per slot and
    # the slot's length. A plain number, not derived from the fleet: vans and drivers change
    # by the day, and a station knows how many drops a slot of its area absorbs.
    slot_capacity: int = 40
    slot_length_min: int = 120

    def __post_init__(self) -> None:
        if self.service_area and len(self.service_area) < 3:
            raise InvalidValue(
                "service_area", "needs at least 3 corners (lat, lon); leave it empty for no limit"
            )
        if self.service_radius_km is not None and not (
            math.isfinite(self.service_radius_km) and self.service_radius_km > 0
        ):
            raise InvalidValue(
                "service_radius_km", f"must be a number of km > 0, got {self.service_radius_km}"
            )
        if not _CODE.match(self.code):
            raise InvalidValue(
                "code", "must be 1-16 upper-case letters, digits, '-' or '_', e.g. HEL1"
            )
        text("name", self.name)
        text("address", self.address, max_length=300, required=False)
        check_timezone("timezone", self.timezone)
        non_negative("loading_time_s", self.loading_time_s)
        if not 1 <= self.slot_capacity <= 100_000:
            raise InvalidValue("slot_capacity", "must be 1-100000 orders per slot")
        if not 30 <= self.slot_length_min <= 720:
            raise InvalidValue("slot_length_min", "must be 30-720 minutes")

    def hours_on(self, day: Weekday) -> DailyWindow | None:
        return self.opening_hours.on(day)

    def serves(self, point: Location) -> bool:
        """Whether ``point`` lies in the service area (inside the polygon and the radius)."""
        radius = self.service_radius_km
        if radius is not None and distance_m(self.location, point) > radius * 1000:
            return False
        return not self.service_area or _inside(point, self.service_area)


def _inside(point: Location, polygon: tuple[Location, ...]) -> bool:
    """Even-odd ray casting in degrees: exact enough for areas a few tens of km across."""
    inside = False
    j = len(polygon) - 1
    for i, corner in enumerate(polygon):
        other = polygon[j]
        if (corner.lat > point.lat) != (other.lat > point.lat):
            crossing = (other.lon - corner.lon) * (point.lat - corner.lat) / (
                other.lat - corner.lat
            ) + corner.lon
            if point.lon < crossing:
                inside = not inside
        j = i
    return inside
