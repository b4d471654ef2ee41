"""Travel times from OSRM servers over OSRM's HTTP API (v1 services: table, route and nearest).

An OSRM server answers for the one Lua profile its data was built with, so a speed profile maps
to a server URL. OSRM models no time of day: ``departure`` is accepted and ignored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import httpx2
import numpy as np

from doorstep.adapters.http_client import EngineClient
from doorstep.adapters.roads._matrix import (
    FloatArray,
    MatrixAssembly,
    as_float_rows,
    chunks,
    unroutable,
)
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import Location
from doorstep.planning.travel import Path, TravelMatrix, TravelUnavailable, UnroutablePoint

_COORDINATE_INDEX = re.compile(r"coordinate (\d+)")
#: The nearest service's verdict that a point has no road segment of the profile near it. Its
#: other error codes (InvalidUrl, InvalidOptions, TooBig, ...) fault the request or the server,
#: not the point: ``Location`` already guarantees valid coordinates.
_NO_SEGMENT = "NoSegment"


def _coordinate(location: Location) -> str:
    # OSRM stores coordinates with 6 decimals; it wants longitude first.
    return f"{location.lon:.6f},{location.lat:.6f}"


class OsrmTravelTimes(EngineClient):
    """``TravelTimes`` from OSRM servers, one URL per speed profile (``http://host:5000``).

    ``matrix()`` asks the table service in blocks of at most ``max_table_size`` sources by
    ``max_table_size`` destinations (keep it at most the server's ``--max-table-size``); the
    snap distances are the waypoints' ``distance``. A profile without a URL, a server that does
    not answer or answers an error raise ``TravelUnavailable``; pairs without a route raise
    ``UnroutablePoint`` naming the point to blame.

    ``snap()`` asks the nearest service once per point (it takes one coordinate per request),
    at most ``snap_concurrency`` requests at a time.
    """

    def __init__(
        self,
        urls: Mapping[SpeedProfile, str],
        *,
        max_table_size: int = 100,
        snap_concurrency: int = 8,
        timeout_s: float = 30,
        client: httpx2.Client | None = None,
    ) -> None:
        if max_table_size < 1:
            raise ValueError(f"max_table_size must be at least 1, got {max_table_size}")
        if snap_concurrency < 1:
            raise ValueError(f"snap_concurrency must be at least 1, got {snap_concurrency}")
        self._urls = {profile: url.rstrip("/") for profile, url in urls.items()}
        self._max_table_size = max_table_size
        self._snap_concurrency = snap_concurrency
        super().__init__(timeout_s=timeout_s, client=client)

    def matrix(
        self,
        origins: Sequence[Location],
        destinations: Sequence[Location] | None = None,
        *,
        profile: SpeedProfile = SpeedProfile.VAN,
        departure: datetime | None = None,
    ) -> TravelMatrix:
        base = self._base(profile)
        targets = origins if destinations is None else destinations
        assembly = MatrixAssembly(origins, targets)
        for rows in chunks(len(origins), self._max_table_size):
            for cols in chunks(len(targets), self._max_table_size):
                self._block(base, profile, assembly, rows, cols)
        return assembly.finish(f"OSRM ({profile} at {base})")

    def _block(
        self,
        base: str,
        profile: SpeedProfile,
        assembly: MatrixAssembly,
        rows: range,
        cols: range,
    ) -> None:
        # Each distinct point is sent once; sources and destinations index into that list.
        coordinates: list[Location] = []
        where: dict[Location, int] = {}
        roles: list[tuple[str, int]] = []  # the first origin or destination at each coordinate

        def index_of(location: Location, role: str, index: int) -> int:
            if location not in where:
                where[location] = len(coordinates)
                coordinates.append(location)
                roles.append((role, index))
            return where[location]

        sources = [index_of(assembly.origins[i], "origin", i) for i in rows]
        destinations = [index_of(assembly.destinations[j], "destination", j) for j in cols]
        url = (
            f"{base}/table/v1/driving/{';'.join(_coordinate(c) for c in coordinates)}"
            f"?annotations=duration,distance"
            f"&sources={';'.join(map(str, sources))}"
            f"&destinations={';'.join(map(str, destinations))}"
        )
        body = self._get(base, url)
        code = body.get("code")
        if code != "Ok":
            raise self._error(base, profile, body, roles, assembly)
        shape = (len(rows), len(cols))
        try:
            durations = as_float_rows(body.get("durations"), shape, "durations")
            distances = as_float_rows(body.get("distances"), shape, "distances")
            source_snap = _snap_distances(body.get("sources"), len(rows), "sources")
            destination_snap = _snap_distances(body.get("destinations"), len(cols), "destinations")
        except ValueError as exc:
            raise TravelUnavailable(f"OSRM at {base} sent a malformed table: {exc}") from exc
        assembly.put(rows, cols, durations, distances)
        assembly.origin_snap_m[rows.start : rows.stop] = source_snap
        assembly.destination_snap_m[cols.start : cols.stop] = destination_snap

    def path(
        self,
        origin: Location,
        destination: Location,
        *,
        profile: SpeedProfile = SpeedProfile.VAN,
        departure: datetime | None = None,
    ) -> Path:
        base = self._base(profile)
        url = (
            f"{base}/route/v1/driving/{_coordinate(origin)};{_coordinate(destination)}"
            "?overview=full&geometries=geojson"
        )
        body = self._get(base, url)
        code = body.get("code")
        if code == "NoRoute":
            raise unroutable(
                np.ones((1, 1), dtype=np.bool_),
                [origin],
                [destination],
                f"OSRM ({profile} at {base})",
            )
        if code != "Ok":
            pair = MatrixAssembly([origin], [destination])
            raise self._error(base, profile, body, [("origin", 0), ("destination", 0)], pair)
        try:
            route = body["routes"][0]
            points = tuple(
                (float(lat), float(lon)) for lon, lat in route["geometry"]["coordinates"]
            )
            duration_s = round(float(route["duration"]))
            distance_m = round(float(route["distance"]))
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise TravelUnavailable(f"OSRM at {base} sent a malformed route: {exc!r}") from exc
        return Path(points=points, duration_s=duration_s, distance_m=distance_m)

    def snap(
        self, points: Sequence[Location], *, profile: SpeedProfile = SpeedProfile.VAN
    ) -> FloatArray:
        """Metres from each point to where OSRM places it (the nearest service's ``distance``).

        ``inf`` where OSRM refuses the point (``NoSegment``: no road of the profile near it).
        OSRM itself sets no snapping limit, so a point far outside the data gets a large finite
        distance, as the engine reports it; judging that is the caller's business. A server that
        does not answer, or answers something other than a verdict on the point, raises
        ``TravelUnavailable``.
        """
        base = self._base(profile)
        if not points:
            return np.zeros(0)
        # One request per point: a thread pool overlaps their round trips (httpx2's client is
        # safe to share between threads) and its size bounds the load put on the server.
        pool = ThreadPoolExecutor(
            max_workers=min(self._snap_concurrency, len(points)), thread_name_prefix="osrm-snap"
        )
        try:
            distances = list(pool.map(lambda point: self._nearest(base, point), points))
        finally:
            # After a failure, do not send the requests still queued (each could wait out its
            # timeout against a dead server); the ones in flight finish on their own.
            pool.shutdown(wait=True, cancel_futures=True)
        return np.asarray(distances, dtype=np.float64)

    def _nearest(self, base: str, location: Location) -> float:
        url = f"{base}/nearest/v1/driving/{_coordinate(location)}?number=1"
        body = self._get(base, url)
        code = body.get("code")
        if code == _NO_SEGMENT:
            return math.inf
        if code != "Ok":
            message = body.get("message") or "(no message)"
            raise TravelUnavailable(f"OSRM at {base} answered {code} to {url}: {message}")
        waypoints = body.get("waypoints")
        if waypoints == []:
            return math.inf  # "Ok" yet nothing near: the same verdict as NoSegment
        first = waypoints[0] if isinstance(waypoints, list) else None
        distance = first.get("distance") if isinstance(first, dict) else None
        if isinstance(distance, bool) or not isinstance(distance, int | float):
            raise TravelUnavailable(
                f"OSRM at {base} sent a nearest answer without a waypoint distance: "
                f"{str(body)[:300]}"
            )
        return float(distance)

    def _base(self, profile: SpeedProfile) -> str:
        try:
            return self._urls[profile]
        except KeyError:
            configured = ", ".join(str(p) for p in self._urls) or "none"
            raise TravelUnavailable(
                f"no OSRM server is configured for the {profile} profile (configured: {configured})"
            ) from None

    def _get(self, base: str, url: str) -> dict[str, Any]:
        try:
            response = self._client.get(url, timeout=self._timeout_s)
        except httpx2.HTTPError as exc:
            raise TravelUnavailable(f"OSRM at {base} did not answer: {exc!r}") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise TravelUnavailable(
                f"OSRM at {base} answered HTTP {response.status_code} without a JSON object: "
                f"{response.text[:300]!r}"
            )
        return body

    def _error(
        self,
        base: str,
        profile: SpeedProfile,
        body: dict[str, Any],
        roles: Sequence[tuple[str, int]],
        assembly: MatrixAssembly,
    ) -> Exception:
        code = body.get("code")
        message = body.get("message") or "(no message)"
        if code == "NoSegment":
            # "Could not find a matching segment for coordinate 3": name that point.
            found = _COORDINATE_INDEX.search(str(message))
            if found and int(found.group(1)) < len(roles):
                role, index = roles[int(found.group(1))]
                location = (
                    assembly.origins[index] if role == "origin" else assembly.destinations[index]
                )
                return UnroutablePoint(
                    role, index, location, f"OSRM ({profile} at {base}): {message}"
                )
        return TravelUnavailable(f"OSRM at {base} answered {code}: {message}")


def _snap_distances(waypoints: object, count: int, what: str) -> list[float]:
    if not isinstance(waypoints, list) or len(waypoints) != count:
        raise ValueError(f"{what}: expected {count} waypoints")
    snaps = []
    for waypoint in waypoints:
        distance = waypoint.get("distance", 0.0) if isinstance(waypoint, dict) else None
        if isinstance(distance, bool) or not isinstance(distance, int | float):
            raise ValueError(f"{what}: a waypoint has no numeric distance: {waypoint!r}")
        snaps.append(float(distance))
    return snaps
