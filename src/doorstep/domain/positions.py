"""GPS positions ("pings") from drivers' phones and vehicles' telematics units.

A ping is identified by its device and the device's clock: a device never takes two fixes at
the same instant, so a batch sent again after a lost answer names the same pings and stores
nothing twice, whatever order they arrive in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from doorstep.domain.errors import InvalidValue
from doorstep.domain.geo import Location

_DEVICE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
MAX_ACCURACY_M = 10_000.0  # worse than this is a cell-tower guess, not a position
MAX_SPEED_MPS = 100.0  # 360 km/h: anything faster is a bad fix, not a delivery van
DEFAULT_RETENTION_DAYS = 90
MAX_RETENTION_DAYS = 3660


class PingSource(StrEnum):
    APP = "app"  # the driver app on a phone
    TELEMATICS = "telematics"  # a unit built into the vehicle


@dataclass(frozen=True)
class Ping:
    """One position fix; units are in the names, ``heading_deg`` clockwise from north."""

    device_id: str
    vehicle_id: str
    device_time: datetime
    lat: float
    lon: float
    accuracy_m: float
    # None: the device did not know (iOS reports -1 then, which is read as None).
    speed_mps: float | None = None
    heading_deg: float | None = None
    source: PingSource = PingSource.APP

    def __post_init__(self) -> None:
        if not _DEVICE_ID.match(self.device_id):
            raise InvalidValue("device_id", "must be 1-64 letters, digits or . _ : -")
        if not self.vehicle_id or len(self.vehicle_id) > 40:
            raise InvalidValue("vehicle_id", "must name the vehicle by its id (1-40 characters)")
        if self.device_time.tzinfo is None:
            raise InvalidValue("device_time", "needs a time zone, e.g. 2026-11-21T09:30:00+02:00")
        Location(self.lat, self.lon)  # raises InvalidValue naming lat or lon
        _check_range("accuracy_m", self.accuracy_m, 0.0, MAX_ACCURACY_M)
        if self.speed_mps is not None and self.speed_mps < 0:
            object.__setattr__(self, "speed_mps", None)  # the device's "unknown"
        if self.speed_mps is not None:
            _check_range("speed_mps", self.speed_mps, 0.0, MAX_SPEED_MPS)
        if self.heading_deg is not None:
            _check_range("heading_deg", self.heading_deg, 0.0, 360.0)

    @property
    def location(self) -> Location:
        return Location(self.lat, self.lon)


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not math.isfinite(value) or not low <= value <= high:
        raise InvalidValue(name, f"must be between {low:g} and {high:g}, got {value}")


@dataclass(frozen=True)
class PositionSettings:
    """An organisation's choices: how long pings are kept, and its geofence at stops."""

    retention_days: int = DEFAULT_RETENTION_DAYS
    geofence_radius_m: float = 50.0
    geofence_dwell_s: float = 60.0

    def __post_init__(self) -> None:
        if not 1 <= self.retention_days <= MAX_RETENTION_DAYS:
            raise InvalidValue(
                "retention_days",
                f"must be between 1 and {MAX_RETENTION_DAYS} days, got {self.retention_days}",
            )
        _check_range("geofence_radius_m", self.geofence_radius_m, 1.0, 5000.0)
        _check_range("geofence_dwell_s", self.geofence_dwell_s, 0.0, 3600.0)


def thinned(pings: Sequence[Ping], min_interval_s: float) -> list[Ping]:
    """Time-ordered ``pings`` with each kept one at least ``min_interval_s`` after the one kept
    before it; the last ping is kept too, so a thinned trail still ends where the vehicle is."""
    if min_interval_s <= 0 or len(pings) < 3:
        return list(pings)
    kept = [pings[0]]
    for ping in pings[1:-1]:
        if (ping.device_time - kept[-1].device_time).total_seconds() >= min_interval_s:
            kept.append(ping)
    kept.append(pings[-1])
    return kept
