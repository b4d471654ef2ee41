"""Straight-line travel times: great-circle distance stretched by a circuity factor.

This is the explicit fallback, never the default: it knows no streets, one-way rules, bridges or
water, so its times are only as good as one average detour factor and one average speed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from doorstep.adapters.roads._matrix import locations_array
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import EARTH_RADIUS_M, Location
from doorstep.planning.travel import Path, TravelMatrix

#: Effective door-to-door urban speeds, stops, lights and parking included, in km/h: a van
#: averages about 30, a truck about 25 (wider turns, fewer streets it may use), a cargo bike
#: about 15.
DEFAULT_SPEEDS_KMH: Mapping[SpeedProfile, float] = MappingProxyType(
    {SpeedProfile.VAN: 30.0, SpeedProfile.TRUCK: 25.0, SpeedProfile.CARGO_BIKE: 15.0}
)

#: Typical ratio of road distance to straight-line distance in a city.
DEFAULT_CIRCUITY = 1.3

FloatArray = npt.NDArray[np.float64]


def great_circle_m(
    lat1: FloatArray | float,
    lon1: FloatArray | float,
    lat2: FloatArray | float,
    lon2: FloatArray | float,
) -> FloatArray:
    """Haversine distance in metres between points in degrees; arrays broadcast."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlambda = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2) ** 2
    return np.asarray(
        2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=np.float64
    )


class HaversineTravelTimes:
    """``TravelTimes`` from straight lines: the explicit fallback when no road data is available.

    Distance is the great-circle distance times ``circuity``; duration is that distance at the
    profile's effective speed (``speeds_kmh`` overrides some or all of ``DEFAULT_SPEEDS_KMH``).
    Symmetric, zero on the diagonal, no snapping (snap distances are 0), and ``departure`` is
    ignored. Use a road graph or a routing engine whenever one is available.
    """

    def __init__(
        self,
        circuity: float = DEFAULT_CIRCUITY,
        speeds_kmh: Mapping[SpeedProfile, float] | None = None,
    ) -> None:
        if not math.isfinite(circuity) or circuity < 1.0:
            raise ValueError(f"circuity must be a finite number >= 1, got {circuity}")
        speeds = dict(DEFAULT_SPEEDS_KMH)
        speeds.update(speeds_kmh or {})
        for profile, speed in speeds.items():
            if not math.isfinite(speed) or speed <= 0:
                raise ValueError(f"speed for {profile} must be a positive number, got {speed}")
        self.circuity = circuity
        self.speeds_kmh: Mapping[SpeedProfile, float] = MappingProxyType(speeds)

    def matrix(
        self,
        origins: Sequence[Location],
        destinations: Sequence[Location] | None = None,
        *,
        profile: SpeedProfile = SpeedProfile.VAN,
        departure: datetime | None = None,
    ) -> TravelMatrix:
        targets = origins if destinations is None else destinations
        o_lat, o_lon = locations_array(origins)
        d_lat, d_lon = locations_array(targets)
        distances = (
            great_circle_m(o_lat[:, None], o_lon[:, None], d_lat[None, :], d_lon[None, :])
            * self.circuity
        )
        durations = distances / (self.speeds_kmh[profile] / 3.6)
        return TravelMatrix(
            durations_s=np.rint(durations).astype(np.int32),
            distances_m=np.rint(distances).astype(np.int32),
            origin_snap_m=np.zeros(len(origins)),
            destination_snap_m=np.zeros(len(targets)),
        )

    def path(
        self,
        origin: Location,
        destination: Location,
        *,
        profile: SpeedProfile = SpeedProfile.VAN,
        departure: datetime | None = None,
    ) -> Path:
        """The straight segment from origin to destination, with the matrix's time and distance."""
        leg = self.matrix([origin], [destination], profile=profile)
        return Path(
            points=((origin.lat, origin.lon), (destination.lat, destination.lon)),
            duration_s=int(leg.durations_s[0, 0]),
            distance_m=int(leg.distances_m[0, 0]),
        )

    def snap(
        self, points: Sequence[Location], *, profile: SpeedProfile = SpeedProfile.VAN
    ) -> npt.NDArray[np.float64]:
        """Zeros: straight lines start wherever the point is."""
        return np.zeros(len(points))
