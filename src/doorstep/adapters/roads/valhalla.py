"""Travel times from a Valhalla server (``/sources_to_targets``, ``/route`` and ``/locate``).

One Valhalla server answers every profile: a speed profile maps to a costing model. Valhalla
models time of day where its tiles carry traffic speeds, so ``departure`` is passed on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any

import httpx2
import numpy as np

from doorstep.adapters.http_client import EngineClient
from doorstep.adapters.roads._matrix import (
    FloatArray,
    MatrixAssembly,
    as_float_rows,
    chunks,
    locations_array,
    unroutable,
)
from doorstep.adapters.roads.haversine import great_circle_m
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import Location
from doorstep.planning.travel import Path, TravelMatrix, TravelUnavailable, UnroutablePoint

#: Valhalla's costing model for each speed profile.
DEFAULT_COSTING: Mapping[SpeedProfile, str] = MappingProxyType(
    {SpeedProfile.VAN: "auto", SpeedProfile.TRUCK: "truck", SpeedProfile.CARGO_BIKE: "bicycle"}
)

#: Valhalla's error codes for "no path could be found" (the whole request had no route).
_NO_PATH = frozenset({442})
#: Error codes after which ``/locate`` can tell which point has no road nearby.
_LOCATE_AFTER = frozenset({170, 171})
#: Points per ``/locate`` request in ``snap()``: Valhalla sets no limit for locate, this keeps
#: one request and its answer (a few edges per point) small.
_LOCATE_CHUNK = 200


def decode_polyline(encoded: str, precision: int = 6) -> tuple[tuple[float, float], ...]:
    """Points (lat, lon) of an encoded polyline (Google's format; Valhalla uses precision 6)."""
    factor = 10.0**precision
    points: list[tuple[float, float]] = []
    index = lat = lon = 0
    length = len(encoded)
    while index < length:
        deltas = []
        for _ in range(2):
            result = shift = 0
            while True:
                if index >= length:
                    raise ValueError(f"polyline ends inside a value at character {index}")
                byte = ord(encoded[index]) - 63
                index += 1
                if not 0 <= byte < 64:
                    raise ValueError(f"character {index - 1} is not polyline data")
                result |= (byte & 0x1F) << shift
                shift += 5
                if byte < 0x20:
                    break
            deltas.append(~(result >> 1) if result & 1 else result >> 1)
        lat += deltas[0]
        lon += deltas[1]
        points.append((lat / factor, lon / factor))
    return tuple(points)


def _point(location: Location) -> dict[str, float]:
    return {"lat": location.lat, "lon": location.lon}


class _ValhallaError(Exception):
    def __init__(self, status: int, code: int | None, message: str) -> None:
        super().__init__(f"HTTP {status}, error {code}: {message}")
        self.code = code


class ValhallaTravelTimes(EngineClient):
    """``TravelTimes`` from one Valhalla server (``http://host:8002``).

    ``matrix()`` posts ``/sources_to_targets`` in blocks of at most ``max_matrix_size`` sources
    by ``max_matrix_size`` targets (their product must stay within the server's
    ``max_matrix_location_pairs``), in kilometres, converted to metres. Both answer shapes are
    read: the verbose list of rows of ``{time, distance}`` objects and the concise object of
    ``durations``/``distances`` arrays. Snap distances come from the correlated ``sources`` and
    ``targets`` of a verbose answer (0 where the answer has none).

    ``departure`` becomes ``date_time`` type 1 (departure at), its wall-clock value sent as
    "YYYY-MM-DDTHH:MM": Valhalla reads it in the local time of the place, so pass a departure in
    the region's local time.
    """

    def __init__(
        self,
        url: str,
        *,
        costing: Mapping[SpeedProfile, str] | None = None,
        max_matrix_size: int = 50,
        timeout_s: float = 30,
        client: httpx2.Client | None = None,
    ) -> None:
        if max_matrix_size < 1:
            raise ValueError(f"max_matrix_size must be at least 1, got {max_matrix_size}")
        self._url = url.rstrip("/")
        self._costing = MappingProxyType(dict(DEFAULT_COSTING if costing is None else costing))
        self._max_matrix_size = max_matrix_size
        super().__init__(timeout_s=timeout_s, client=client)

    def matrix(
        self,
        origins: Sequence[Location],
        destinations: Sequence[Location] | None = None,
        *,
        profile: SpeedProfile = SpeedProfile.VAN,
        departure: datetime | None = None,
    ) -> TravelMatrix:
        costing = self._costing_for(profile)
        targets = origins if destinations is None else destinations
        assembly = MatrixAssembly(origins, targets)
        for rows in chunks(len(origins), self._max_matrix_size):
            for cols in chunks(len(targets), self._max_matrix_size):
                self._block(assembly, rows, cols, costing, departure)
        return assembly.finish(f"Valhalla ({costing} costing at {self._url})")

    def _block(
        self,
        assembly: MatrixAssembly,
        rows: range,
        cols: range,
        costing: str,
        departure: datetime | None,
    ) -> None:
        sources = [assembly.origins[i] for i in rows]
        targets = [assembly.destinations[j] for j in cols]
        request: dict[str, Any] = {
            "sources": [_point(p) for p in sources],
            "targets": [_point(p) for p in targets],
            "costing": costing,
            "units": "kilometers",
        }
        if departure is not None:
            request["date_time"] = _date_time(departure)
        shape = (len(rows), len(cols))
        try:
            body = self._post("/sources_to_targets", request)
        except _ValhallaError as exc:
            if exc.code in _NO_PATH:  # not a single pair of the block has a route
                assembly.put(rows, cols, np.full(shape, np.nan), np.full(shape, np.nan))
                return
            raise self._explain(exc, costing, sources, rows.start, targets, cols.start) from None
        try:
            durations, distances_km = _matrix_arrays(body.get("sources_to_targets"), shape)
            source_snap = _snap_m(body.get("sources"), sources)
            target_snap = _snap_m(body.get("targets"), targets)
        except ValueError as exc:
            raise TravelUnavailable(
                f"Valhalla at {self._url} sent a malformed matrix: {exc}"
            ) from exc
        assembly.put(rows, cols, durations, distances_km * 1000.0)
        assembly.origin_snap_m[rows.start : rows.stop] = source_snap
        assembly.destination_snap_m[cols.start : cols.stop] = target_snap

    def path(
        self,
        origin: Location,
        destination: Location,
        *,
        profile: SpeedProfile = SpeedProfile.VAN,
        departure: datetime | None = None,
    ) -> Path:
        costing = self._costing_for(profile)
        request: dict[str, Any] = {
            "locations": [_point(origin), _point(destination)],
            "costing": costing,
            "units": "kilometers",
            "directions_type": "none",
        }
        if departure is not None:
            request["date_time"] = _date_time(departure)
        try:
            body = self._post("/route", request)
        except _ValhallaError as exc:
            if exc.code in _NO_PATH:
                raise unroutable(
                    np.ones((1, 1), dtype=np.bool_),
                    [origin],
                    [destination],
                    f"Valhalla ({costing} costing at {self._url})",
                ) from None
            raise self._explain(exc, costing, [origin], 0, [destination], 0) from None
        try:
            trip = body["trip"]
            points: list[tuple[float, float]] = []
            for leg in trip["legs"]:
                shape = decode_polyline(str(leg["shape"]), precision=6)
                points.extend(shape[1:] if points and shape and shape[0] == points[-1] else shape)
            duration_s = round(float(trip["summary"]["time"]))
            distance_m = round(float(trip["summary"]["length"]) * 1000.0)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise TravelUnavailable(
                f"Valhalla at {self._url} sent a malformed route: {exc!r}"
            ) from exc
        return Path(points=tuple(points), duration_s=duration_s, distance_m=distance_m)

    def snap(
        self, points: Sequence[Location], *, profile: SpeedProfile = SpeedProfile.VAN
    ) -> FloatArray:
        """Metres from each point to the nearest edge ``/locate`` finds for the profile's costing.

        ``/locate`` correlates points exactly as routing does (same costing, same search), and
        answers with the correlated point on each candidate edge; the snap distance is the
        great-circle distance to the closest of them, measured like the matrix's snap
        distances. A point with no edges (nothing usable within the server's search cutoff,
        35 km by default) is ``inf``. The concise answer (``verbose: false``) is enough: it
        holds the correlated points, without the dense edge attributes of a verbose one.
        """
        costing = self._costing_for(profile)
        snaps = np.full(len(points), np.inf)
        for block in chunks(len(points), _LOCATE_CHUNK):
            located = self._locate([points[k] for k in block], costing)
            snaps[block.start : block.stop] = located
        return snaps

    def _locate(self, points: Sequence[Location], costing: str) -> FloatArray:
        request = {"locations": [_point(p) for p in points], "costing": costing, "verbose": False}
        try:
            body = self._post_list("/locate", request)
        except _ValhallaError as exc:
            raise TravelUnavailable(f"Valhalla at {self._url} answered {exc} to /locate") from None
        if len(body) != len(points):
            raise TravelUnavailable(
                f"Valhalla at {self._url} sent {len(body)} /locate results for {len(points)} points"
            )
        lats, lons = locations_array(points)
        snaps = np.full(len(points), np.inf)
        for k, answer in enumerate(body):
            if not isinstance(answer, dict):
                raise TravelUnavailable(
                    f"Valhalla at {self._url} sent a malformed /locate result: {answer!r:.200}"
                )
            # No road usable by the costing near the point: "edges" is empty (or null).
            for edge in answer.get("edges") or ():
                lat = _as_float(edge.get("correlated_lat")) if isinstance(edge, dict) else None
                lon = _as_float(edge.get("correlated_lon")) if isinstance(edge, dict) else None
                if lat is not None and lon is not None:
                    snaps[k] = min(snaps[k], float(great_circle_m(lats[k], lons[k], lat, lon)))
        return snaps

    def _costing_for(self, profile: SpeedProfile) -> str:
        try:
            return self._costing[profile]
        except KeyError:
            raise TravelUnavailable(
                f"no Valhalla costing is configured for the {profile} profile"
            ) from None

    def _post(self, action: str, request: dict[str, Any]) -> dict[str, Any]:
        body = self._post_json(action, request)
        if not isinstance(body, dict):
            raise TravelUnavailable(
                f"Valhalla at {self._url} answered {action} without a JSON object: "
                f"{str(body)[:300]!r}"
            )
        return body

    def _post_list(self, action: str, request: dict[str, Any]) -> list[Any]:
        """For actions that answer a JSON array, such as ``/locate``."""
        body = self._post_json(action, request)
        if not isinstance(body, list):
            raise TravelUnavailable(
                f"Valhalla at {self._url} answered {action} without a JSON array: "
                f"{str(body)[:300]!r}"
            )
        return body

    def _post_json(self, action: str, request: dict[str, Any]) -> Any:
        """The decoded answer of a 200; ``_ValhallaError`` for an error Valhalla explains."""
        try:
            response = self._client.post(self._url + action, json=request, timeout=self._timeout_s)
        except httpx2.HTTPError as exc:
            raise TravelUnavailable(f"Valhalla at {self._url} did not answer: {exc!r}") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200:
            if isinstance(body, dict) and ("error_code" in body or "error" in body):
                code = body.get("error_code")
                raise _ValhallaError(
                    response.status_code,
                    code if isinstance(code, int) else None,
                    str(body.get("error") or body.get("status") or "(no message)"),
                )
            raise TravelUnavailable(
                f"Valhalla at {self._url} answered HTTP {response.status_code} to {action}: "
                f"{response.text[:300]!r}"
            )
        if body is None:
            raise TravelUnavailable(
                f"Valhalla at {self._url} answered {action} without JSON: {response.text[:300]!r}"
            )
        return body

    def _explain(
        self,
        error: _ValhallaError,
        costing: str,
        sources: Sequence[Location],
        source_offset: int,
        targets: Sequence[Location],
        target_offset: int,
    ) -> Exception:
        """UnroutablePoint for a point ``/locate`` finds no road near, else TravelUnavailable."""
        unavailable = TravelUnavailable(f"Valhalla at {self._url} answered {error}")
        if error.code not in _LOCATE_AFTER:
            return unavailable
        candidates = [("origin", source_offset + k, p) for k, p in enumerate(sources)]
        candidates += [("destination", target_offset + k, p) for k, p in enumerate(targets)]
        request = {
            "locations": [_point(p) for _, _, p in candidates],
            "costing": costing,
            "verbose": False,
        }
        try:
            response = self._client.post(
                self._url + "/locate", json=request, timeout=self._timeout_s
            )
            located = response.json()
        except (httpx2.HTTPError, ValueError):
            return unavailable
        if response.status_code != 200 or not isinstance(located, list):
            return unavailable
        for (role, index, location), answer in zip(candidates, located, strict=False):
            if isinstance(answer, dict) and not answer.get("edges"):
                return UnroutablePoint(
                    role,
                    index,
                    location,
                    f"Valhalla ({costing} costing at {self._url}) finds no road near it: {error}",
                )
        return unavailable


def _as_float(value: object) -> float | None:
    """A JSON number as a float; None for anything else (null, strings, booleans)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _date_time(departure: datetime) -> dict[str, Any]:
    return {"type": 1, "value": departure.strftime("%Y-%m-%dT%H:%M")}


def _matrix_arrays(table: object, shape: tuple[int, int]) -> tuple[FloatArray, FloatArray]:
    """Durations (s) and distances (in the request's units) from either answer shape."""
    if isinstance(table, dict):  # concise: {"durations": [[...]], "distances": [[...]]}
        return (
            as_float_rows(table.get("durations"), shape, "durations"),
            as_float_rows(table.get("distances"), shape, "distances"),
        )
    if isinstance(table, list):  # verbose: [[{"time": .., "distance": ..}, ...], ...]
        times: list[object] = []
        distances: list[object] = []
        for row in table:
            if not isinstance(row, list) or not all(isinstance(cell, dict) for cell in row):
                raise ValueError("sources_to_targets rows must be lists of objects")
            times.append([cell.get("time") for cell in row])
            distances.append([cell.get("distance") for cell in row])
        return (
            as_float_rows(times, shape, "time"),
            as_float_rows(distances, shape, "distance"),
        )
    raise ValueError(f"sources_to_targets is neither an object nor a list: {type(table).__name__}")


def _snap_m(correlated: object, inputs: Sequence[Location]) -> FloatArray:
    """How far each input lay from the point Valhalla placed it on; 0 where not reported."""
    if isinstance(correlated, list) and len(correlated) == 1 and isinstance(correlated[0], list):
        correlated = correlated[0]  # old servers nest the locations in one more array
    snaps = np.zeros(len(inputs))
    if not isinstance(correlated, list) or len(correlated) != len(inputs):
        return snaps
    lats, lons = locations_array(inputs)
    for k, point in enumerate(correlated):
        if isinstance(point, dict):
            lat, lon = point.get("lat"), point.get("lon")
            if isinstance(lat, int | float) and isinstance(lon, int | float):
                snaps[k] = float(great_circle_m(lats[k], lons[k], float(lat), float(lon)))
    return snaps
