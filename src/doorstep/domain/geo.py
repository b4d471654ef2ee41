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
