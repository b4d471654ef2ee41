"""Points on the earth's surface."""

from __future__ import annotations

import math
from dataclasses import dataclass

from doorstep.domain.errors import InvalidValue


@dataclass(frozen=True)
class Location:
    """A WGS 84 point in decimal degrees."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not math.isfinite(self.lat) or not -90.0 <= self.lat <= 90.0:
            raise InvalidValue("lat", f"must be between -90 and 90 degrees, got {self.lat}")
        if not math.isfinite(self.lon) or not -180.0 <= self.lon <= 180.0:
            raise InvalidValue("lon", f"must be between -180 and 180 degrees, got {self.lon}")


EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG), as OSRM and Valhalla use
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180  # of latitude; of longitude times cos(lat)


def distance_m(a: Location, b: Location) -> float:
    """Great-circle distance in metres (haversine); for pins and areas, never for travel."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlon = math.radians(b.lon - a.lon)
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
