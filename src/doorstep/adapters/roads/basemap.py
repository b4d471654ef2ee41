"""The map's base layer from the region's own road graph: vector tiles with no tile server.

A tile is the usual Web Mercator ``z/x/y`` square. It answers the streets crossing it as
polylines in tile pixels (0..256, in 1/16 pixel steps, like a vector tile's extent of
4,096), which the page's canvas layer strokes by road class. Zoomed out, only the bigger
classes are drawn and each line keeps only the points at least a pixel apart, so a tile of
the whole city stays small; zoomed in, every street and every bend is there.

Streets are bucketed once into a grid of zoom-14 tiles, so a tile reads only the streets
of the buckets it covers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from doorstep.adapters.roads.graph import RoadGraph
from doorstep.adapters.roads.profiles import ARTERIAL, COLLECTOR, CYCLE, LOCAL

TILE_PX = 256
EXTENT = 4096  # coordinate steps per tile side (16 per pixel)
BUCKET_ZOOM = 14
MIN_ZOOM, MAX_ZOOM = 10, 19
# The smallest zoom at which each road class is drawn.
SHOWN_FROM = {ARTERIAL: 10, COLLECTOR: 12, LOCAL: 14, CYCLE: 16}
CLASS_NAMES = {ARTERIAL: "arterial", COLLECTOR: "collector", LOCAL: "local", CYCLE: "cycle"}

F64 = npt.NDArray[np.float64]


def mercator(lat: F64, lon: F64) -> tuple[F64, F64]:
    """World coordinates in [0, 1): x eastwards from 180 W, y southwards from 85.05 N."""
    x = (lon + 180.0) / 360.0
    s = np.sin(np.radians(np.clip(lat, -85.0511, 85.0511)))
    y = 0.5 - np.log((1 + s) / (1 - s)) / (4 * math.pi)
    return x, y


@dataclass(frozen=True)
class TileLine:
    road_class: str
    points: list[int]  # x0, y0, x1, y1, ... in 1/16 pixel of the tile


class Basemap:
    """A region's streets, ready to cut into tiles."""

    def __init__(self, graph: RoadGraph, paths: RoadGraph | None = None) -> None:
        """``graph``'s streets, plus the cycle paths of ``paths`` (the cargo-bike graph: the
        van's has none, and a map without the bike paths and squares looks empty)."""
        parts = [(graph, None)] + ([(paths, CYCLE)] if paths is not None else [])
        xs, ys, chains, classes, offset = [], [], [], [], 0
        for g, only in parts:
            x, y = mercator(g.node_lat, g.node_lon)
            xs.append(x)
            ys.append(y)
            for street in range(g.street_count):
                if only is None or g.street_class[street] == only:
                    chains.append(g.street_points(street) + offset)
                    classes.append(int(g.street_class[street]))
            offset += len(g.node_lat)
        self._x, self._y = np.concatenate(xs), np.concatenate(ys)
        self._chains = chains
        self._class = classes
        buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
        scale = 2**BUCKET_ZOOM
        for street, nodes in enumerate(chains):
            bxs, bys = self._x[nodes] * scale, self._y[nodes] * scale
            for bx in range(int(bxs.min()), int(bxs.max()) + 1):
                for by in range(int(bys.min()), int(bys.max()) + 1):
                    buckets[(bx, by)].append(street)
        self._buckets = {k: np.asarray(v, dtype=np.int64) for k, v in buckets.items()}
        self.tile = lru_cache(maxsize=4096)(self._tile)

    def _streets_in(self, z: int, x: int, y: int) -> npt.NDArray[np.int64]:
        if z >= BUCKET_ZOOM:
            shift = z - BUCKET_ZOOM
            found = self._buckets.get((x >> shift, y >> shift))
            return found if found is not None else np.empty(0, dtype=np.int64)
        span = 2 ** (BUCKET_ZOOM - z)
        parts = [
            self._buckets[(bx, by)]
            for bx in range(x * span, (x + 1) * span)
            for by in range(y * span, (y + 1) * span)
            if (bx, by) in self._buckets
        ]
        return np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)

    def _tile(self, z: int, x: int, y: int) -> tuple[TileLine, ...]:
        """The streets crossing tile ``z/x/y`` (an empty tuple off the region or out of
        the zoom range)."""
        if not MIN_ZOOM <= z <= MAX_ZOOM:
            return ()
        scale = 2**z * EXTENT
        margin = EXTENT // 16  # lines run a little past the edge, so joins do not show
        lines: list[TileLine] = []
        for street in self._streets_in(z, x, y):
            road_class = self._class[street]
            if z < SHOWN_FROM.get(road_class, MAX_ZOOM + 1):
                continue
            nodes = self._chains[street]
            px = np.rint(self._x[nodes] * scale - x * EXTENT).astype(np.int64)
            py = np.rint(self._y[nodes] * scale - y * EXTENT).astype(np.int64)
            if (
                px.max() < -margin
                or py.max() < -margin
                or px.min() > EXTENT + margin
                or py.min() > EXTENT + margin
            ):
                continue
            points = _thinned(px, py, step=16)
            if len(points) >= 4:
                lines.append(TileLine(CLASS_NAMES.get(road_class, "local"), points))
        return tuple(lines)


def _thinned(px: npt.NDArray[np.int64], py: npt.NDArray[np.int64], step: int) -> list[int]:
    """The line's points with those closer than ``step`` to the last kept one dropped (the
    last point always kept), so a line has no more points than pixels it crosses."""
    keep = [0]
    for i in range(1, len(px) - 1):
        last = keep[-1]
        if abs(int(px[i]) - int(px[last])) >= step or abs(int(py[i]) - int(py[last])) >= step:
            keep.append(i)
    if len(px) > 1:
        keep.append(len(px) - 1)
    out: list[int] = []
    for i in keep:
        out.extend((int(px[i]), int(py[i])))
    return out
