"""The default ``TravelTimes``: the region's own road graph, no server to install.

Routers (one per profile) load lazily from the region store. Answers are cached by the exact
set of points, profile and hour, bounded in bytes, because a planner asks the same question
again and again while a dispatcher edits a day.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from doorstep.adapters.roads.regions import RegionStore
from doorstep.adapters.roads.router import Router
from doorstep.domain.errors import NotFound
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import Location
from doorstep.planning.travel import Path, TravelMatrix, TravelUnavailable, UnroutablePoint


class RoadGraphTravelTimes:
    """Travel times on a built region's road graphs."""

    def __init__(
        self,
        store: RegionStore,
        region: str,
        *,
        max_snap_m: float = 500.0,
        workers: int | None = None,
        cache_bytes: int = 512 * 2**20,
    ) -> None:
        self.store = store
        self.region = region
        self.max_snap_m = max_snap_m
        self.workers = workers
        self.cache_bytes = cache_bytes
        self._routers: dict[SpeedProfile, Router] = {}
        self._zone: ZoneInfo | None = None
        self._bbox: tuple[float, float, float, float] | None = None
        self._cache: OrderedDict[bytes, TravelMatrix] = OrderedDict()
        self._cached_bytes = 0
        self._lock = threading.Lock()

    def router(self, profile: SpeedProfile) -> Router:
        with self._lock:
            found = self._routers.get(profile)
            if found is None:
                try:
                    info = self.store.info(self.region)
                    graph = self.store.graph(self.region, profile)
                except NotFound as missing:
                    raise TravelUnavailable(
                        f"region {self.region!r} is not built: run `doorstep region build`"
                    ) from missing
                self._zone = ZoneInfo(info.timezone)
                self._bbox = info.bbox
                found = Router(graph, max_snap_m=self.max_snap_m)
                self._routers[profile] = found
            return found

    def hour(self, departure: datetime | None) -> int | None:
        """The region's local hour at ``departure`` (an aware datetime), None for free flow."""
        if departure is None:
            return None
        if departure.tzinfo is None:
            raise ValueError("departure must carry a time zone")
        assert self._zone is not None
        return departure.astimezone(self._zone).hour

    def matrix(
        self,
        origins: Sequence[Location],
        destinations: Sequence[Location] | None = None,
        *,
        profile: SpeedProfile = SpeedProfile.VAN,
        departure: datetime | None = None,
    ) -> TravelMatrix:
        targets = origins if destinations is None else destinations
        if not origins or not targets:
            empty = np.zeros((len(origins), len(targets)), dtype=np.int32)
            return TravelMatrix(empty, empty.copy(), np.zeros(len(origins)), np.zeros(len(targets)))
        router = self.router(profile)
        hour = self.hour(departure)
        self._check_inside(origins, "origin")
        self._check_inside(targets, "destination")
        key = _key(origins, targets, profile, hour)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        seconds, metres, origin_snap, target_snap = router.matrix(
            origins, targets, hour=hour, workers=self.workers
        )
        result = TravelMatrix(seconds, metres, origin_snap, target_snap)
        self._remember(key, result)
        return result

    def path(
        self,
        origin: Location,
        destination: Location,
        *,
        profile: SpeedProfile = SpeedProfile.VAN,
        departure: datetime | None = None,
    ) -> Path:
        router = self.router(profile)
        self._check_inside([origin], "origin")
        self._check_inside([destination], "destination")
        return router.path(origin, destination, hour=self.hour(departure))

    def snap(
        self, points: Sequence[Location], *, profile: SpeedProfile = SpeedProfile.VAN
    ) -> npt.NDArray[np.float64]:
        router = self.router(profile)
        distance = router.snap_distances(points)
        inside = self._inside(points)
        return np.where(inside, distance, np.inf)

    def _inside(self, points: Sequence[Location]) -> npt.NDArray[np.bool_]:
        assert self._bbox is not None
        min_lat, min_lon, max_lat, max_lon = self._bbox
        margin_lat, margin_lon = self._margins()
        lat = np.asarray([p.lat for p in points], dtype=np.float64)
        lon = np.asarray([p.lon for p in points], dtype=np.float64)
        return (
            (lat >= min_lat - margin_lat)
            & (lat <= max_lat + margin_lat)
            & (lon >= min_lon - margin_lon)
            & (lon <= max_lon + margin_lon)
        )

    def _margins(self) -> tuple[float, float]:
        # A margin of about the snapping limit: the limit itself decides near the border.
        assert self._bbox is not None
        min_lat, _, max_lat, _ = self._bbox
        margin_lat = self.max_snap_m / 111_000
        margin_lon = margin_lat / max(0.01, np.cos(np.radians((min_lat + max_lat) / 2)))
        return margin_lat, margin_lon

    def _check_inside(self, points: Sequence[Location], role: str) -> None:
        """Points far outside the region would snap to its edge and get nonsense times."""
        assert self._bbox is not None
        min_lat, min_lon, max_lat, max_lon = self._bbox
        margin_lat, margin_lon = self._margins()
        for index, p in enumerate(points):
            if not (
                min_lat - margin_lat <= p.lat <= max_lat + margin_lat
                and min_lon - margin_lon <= p.lon <= max_lon + margin_lon
            ):
                raise UnroutablePoint(
                    role,
                    index,
                    p,
                    f"outside region {self.region!r} (lat {min_lat:.4f}..{max_lat:.4f}, "
                    f"lon {min_lon:.4f}..{max_lon:.4f})",
                )

    def _remember(self, key: bytes, result: TravelMatrix) -> None:
        size = result.durations_s.nbytes + result.distances_m.nbytes
        if size > self.cache_bytes:
            return
        with self._lock:
            if key in self._cache:
                return
            self._cache[key] = result
            self._cached_bytes += size
            while self._cached_bytes > self.cache_bytes:
                _, old = self._cache.popitem(last=False)
                self._cached_bytes -= old.durations_s.nbytes + old.distances_m.nbytes


def _key(
    origins: Sequence[Location],
    targets: Sequence[Location],
    profile: SpeedProfile,
    hour: int | None,
) -> bytes:
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{profile.value}|{hour}|{len(origins)}|".encode())
    digest.update(np.asarray([(p.lat, p.lon) for p in origins], dtype=np.float64).tobytes())
    digest.update(np.asarray([(p.lat, p.lon) for p in targets], dtype=np.float64).tobytes())
    return digest.digest()
