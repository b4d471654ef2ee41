"""What the routing-engine adapters share: chunking, assembling blocks, naming the point at fault.

An engine answers a big matrix in blocks (its servers cap the size of one request). The
adapters collect the blocks into float arrays with NaN where the engine found no route, and only
then decide who is at fault, because a point's whole row or column is needed to tell an origin
that cannot leave from a destination that cannot be reached.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from doorstep.domain.geo import Location
from doorstep.planning.travel import TravelMatrix, UnroutablePoint

FloatArray = npt.NDArray[np.float64]


def chunks(count: int, size: int) -> list[range]:
    """``range(count)`` cut into consecutive pieces of at most ``size``."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, got {size}")
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


def as_float_rows(rows: object, shape: tuple[int, int], what: str) -> FloatArray:
    """A JSON array of arrays of numbers or nulls as floats, NaN for null; checks the shape."""
    if not isinstance(rows, list) or len(rows) != shape[0]:
        raise ValueError(f"{what}: expected {shape[0]} rows, got {_describe(rows)}")
    # Fast path: NumPy reads null as NaN, so a block of a million values parses in a fraction
    # of the time of the loop below. Ragged rows or strings fall through to the loop, which
    # names the bad value.
    with contextlib.suppress(TypeError, ValueError):
        fast = np.array(rows, dtype=np.float64)
        if fast.shape == shape:
            return fast
    out = np.full(shape, np.nan)
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != shape[1]:
            raise ValueError(f"{what}: row {i} should hold {shape[1]} values, got {_describe(row)}")
        for j, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{what}[{i}][{j}] is not a number: {value!r}")
            out[i, j] = float(value)
    return out


def _describe(value: object) -> str:
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return type(value).__name__


def locations_array(points: Sequence[Location]) -> tuple[FloatArray, FloatArray]:
    """Latitudes and longitudes of ``points`` as two arrays."""
    lats = np.fromiter((p.lat for p in points), dtype=np.float64, count=len(points))
    lons = np.fromiter((p.lon for p in points), dtype=np.float64, count=len(points))
    return lats, lons


class MatrixAssembly:
    """Blocks of an engine's answer put together, then checked and turned into a TravelMatrix."""

    def __init__(self, origins: Sequence[Location], destinations: Sequence[Location]) -> None:
        self.origins = origins
        self.destinations = destinations
        shape = (len(origins), len(destinations))
        self.durations_s: FloatArray = np.full(shape, np.nan)
        self.distances_m: FloatArray = np.full(shape, np.nan)
        self.origin_snap_m: FloatArray = np.zeros(len(origins))
        self.destination_snap_m: FloatArray = np.zeros(len(destinations))

    def put(
        self, rows: range, cols: range, durations_s: FloatArray, distances_m: FloatArray
    ) -> None:
        self.durations_s[rows.start : rows.stop, cols.start : cols.stop] = durations_s
        self.distances_m[rows.start : rows.stop, cols.start : cols.stop] = distances_m

    def finish(self, engine: str) -> TravelMatrix:
        """The matrix, or ``UnroutablePoint`` for the point the missing entries blame."""
        missing = np.isnan(self.durations_s) | np.isnan(self.distances_m)
        if missing.any():
            raise unroutable(missing, self.origins, self.destinations, engine)
        return TravelMatrix(
            durations_s=np.rint(self.durations_s).astype(np.int32),
            distances_m=np.rint(self.distances_m).astype(np.int32),
            origin_snap_m=self.origin_snap_m,
            destination_snap_m=self.destination_snap_m,
        )


def unroutable(
    missing: npt.NDArray[np.bool_],
    origins: Sequence[Location],
    destinations: Sequence[Location],
    engine: str,
) -> UnroutablePoint:
    """The point to blame for the entries in ``missing`` (True where no route was found).

    Pairs of a point with itself are left out: engines answer 0 for them even on an island. An
    origin whose every other entry is missing cannot leave; a destination whose every other
    entry is missing cannot be reached. When both kinds exist the side with more evidence wins
    (an origin failing 19 destinations beats 19 origins each failing one lone destination, and
    the other way round); a tie names the origin. Without a full row or column, the first missing
    entry's row or column, whichever is emptier, is named.
    """
    o_lat, o_lon = locations_array(origins)
    d_lat, d_lon = locations_array(destinations)
    same = (o_lat[:, None] == d_lat[None, :]) & (o_lon[:, None] == d_lon[None, :])
    counted = ~same
    blamed = missing & counted
    if not blamed.any():  # only a point to itself is missing: blame it as an origin
        i, j = (int(k) for k in np.argwhere(missing)[0])
        return UnroutablePoint(
            "origin", i, origins[i], f"{engine} found no route from it to itself"
        )
    row_missing, row_total = blamed.sum(axis=1), counted.sum(axis=1)
    col_missing, col_total = blamed.sum(axis=0), counted.sum(axis=0)
    full_rows = np.flatnonzero((row_missing == row_total) & (row_total > 0))
    full_cols = np.flatnonzero((col_missing == col_total) & (col_total > 0))
    row_evidence = int(row_total[full_rows].max()) if full_rows.size else 0
    col_evidence = int(col_total[full_cols].max()) if full_cols.size else 0
    if row_evidence and row_evidence >= col_evidence:
        i = int(full_rows[0])
        return UnroutablePoint(
            "origin",
            i,
            origins[i],
            f"{engine} found no route from it to any of {int(row_total[i])} destination(s)",
        )
    if col_evidence:
        j = int(full_cols[0])
        return UnroutablePoint(
            "destination",
            j,
            destinations[j],
            f"{engine} found no route to it from any of {int(col_total[j])} origin(s)",
        )
    i, j = (int(k) for k in np.argwhere(blamed)[0])
    if col_missing[j] / col_total[j] > row_missing[i] / row_total[i]:
        return UnroutablePoint(
            "destination",
            j,
            destinations[j],
            f"{engine} found no route to it from {int(col_missing[j])} of {int(col_total[j])} "
            f"origins, e.g. origin {i}",
        )
    return UnroutablePoint(
        "origin",
        i,
        origins[i],
        f"{engine} found no route from it to {int(row_missing[i])} of {int(row_total[i])} "
        f"destinations, e.g. destination {j}",
    )
