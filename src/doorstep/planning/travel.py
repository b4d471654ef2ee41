"""Travel times and distances between places: the contract every provider keeps.

The planner, the ETA model and the simulator ask a ``TravelTimes`` provider for matrices and
paths and never learn where the numbers come from: the bundled road graph (the default), an
OSRM or Valhalla server, or haversine distance with a circuity factor (an explicit fallback).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import numpy as np
import numpy.typing as npt

from doorstep.domain.errors import DomainError
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import Location

IntMatrix = npt.NDArray[np.int32]


class UnroutablePoint(DomainError):
    """A point the provider cannot route from or to, with the reason a person can act on."""

    def __init__(self, role: str, index: int, location: Location, reason: str) -> None:
        self.role = role  # "origin" or "destination"
        self.index = index
        self.location = location
        self.reason = reason
        super().__init__(
            f"{role} {index} ({location.lat:.6f}, {location.lon:.6f}) cannot be routed: {reason}"
        )


class TravelUnavailable(DomainError):
    """The provider could not answer at all (a routing server down, a region not built)."""


@dataclass(frozen=True)
class TravelMatrix:
    """Durations (s) and distances (m) from every origin (row) to every destination (column).

    Asymmetric: one-way streets and turn restrictions make ``A -> B`` differ from ``B -> A``.
    ``snap_m`` holds, per origin then per destination, how far each point lay from the road
    it was placed on (0 where the provider does not snap).
    """

    durations_s: IntMatrix
    distances_m: IntMatrix
    origin_snap_m: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    destination_snap_m: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        if self.durations_s.shape != self.distances_m.shape:
            raise ValueError(
                f"durations {self.durations_s.shape} and distances {self.distances_m.shape} differ"
            )


@dataclass(frozen=True)
class Path:
    """The road path of one leg, as a polyline of (lat, lon) with its duration and distance."""

    points: tuple[tuple[float, float], ...]
    duration_s: int
    distance_m: int


class TravelTimes(Protocol):
    """Anything that answers travel-time questions for a speed profile."""

    def matrix(
        self,
        origins: Sequence[Location],
        destinations: Sequence[Location] | None = None,
        *,
        profile: SpeedProfile = SpeedProfile.VAN,
        departure: datetime | None = None,
    ) -> TravelMatrix:
        """All origins to all destinations (to the origins when ``destinations`` is None).

        ``departure`` selects the time-of-day speeds where the provider models them; None means
        free-flow. Raises ``UnroutablePoint`` naming the first point that cannot be routed.
        """
        ...

    def path(
        self,
        origin: Location,
        destination: Location,
        *,
        profile: SpeedProfile = SpeedProfile.VAN,
        departure: datetime | None = None,
    ) -> Path:
        """The road path of one leg, for maps and for moving vehicles along real streets."""
        ...

    def snap(
        self, points: Sequence[Location], *, profile: SpeedProfile = SpeedProfile.VAN
    ) -> npt.NDArray[np.float64]:
        """Metres from each point to the routable road it would be placed on.

        ``inf`` where the point cannot be routed (outside the region, or farther from any
        routable road than the provider allows), so callers can check many points without
        catching ``UnroutablePoint`` one at a time. Providers that do not snap return zeros.
        """
        ...
