"""Snapping, travel-time matrices and paths on one profile's road graph.

Costs travel through SciPy's Dijkstra as one float64 per arc that packs three integers:
``weight_ds * 2**24 + entries * 2**20 + metres``. The weight is the duration in deciseconds
plus ``ROUTABILITY_PENALTY_S`` for every entry into a destination-only street; ``entries``
counts those, so the penalty is taken off again and reported durations stay true. Sums of
integers below 2**53 are exact in float64, so one search finds the best path (ties broken by
fewer entries, then fewer metres) and its duration and distance come back with it.

A point lies on a street at a fraction of its length. As an origin it may set off either way
the street allows; as a destination it may be reached along either direction. Origins become
extra search vertices with arcs onto their street; destinations are read off the searches
through the arcs that enter their street (``_Targets``), so nothing of the shared graph is
copied per request.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.context import BaseContext

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from doorstep.adapters.roads.graph import RoadGraph
from doorstep.adapters.roads.profiles import PROFILES
from doorstep.domain.geo import EARTH_RADIUS_M, Location
from doorstep.planning.travel import Path, UnroutablePoint

SCALE = float(2**24)  # one decisecond of weight
ENTRY = float(2**20)  # one entry into a restricted street; metres fit below it up to 1,048 km
ROUTABILITY_PENALTY_S = 900.0  # search weight of entering a destination-only street
SAMPLE_SPACING_M = 20.0  # snapping candidates: no point of a road is > 10 m from a sample
MAX_CHUNK_BYTES = 48 * 2**20  # one block of Dijkstra rows, per worker

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]


@dataclass(frozen=True)
class Snap:
    """Where points meet the road: street, fraction along it, and how far they were from it."""

    street: I64
    fraction: F64
    distance_m: F64
    lat: F64
    lon: F64


@dataclass(frozen=True)
class _Weights:
    """The search graph at one time of day: combined arc weights, and the parts kept apart."""

    indptr: I64
    indices: I32
    data: F64
    edge_cost: F64  # per directed edge: combined cost of driving all of it
    turn_cost: F64  # per turn arc (in turn order): combined cost of the turn alone


def _combine(weight_s: F64, metres: F64, entries: F64 | float = 0.0) -> F64:
    deciseconds = np.rint(np.asarray(weight_s) * 10.0)
    combined: F64 = deciseconds * SCALE + np.asarray(entries) * ENTRY + np.rint(metres)
    return combined


def _split(combined: F64) -> tuple[I32, I32]:
    """Duration (s) and distance (m) out of packed costs, the routability penalties removed."""
    deciseconds = np.floor(combined / SCALE)
    rest = combined - deciseconds * SCALE
    entries = np.floor(rest / ENTRY)
    metres = rest - entries * ENTRY
    true_ds = deciseconds - entries * ROUTABILITY_PENALTY_S * 10.0
    return np.rint(true_ds / 10.0).astype(np.int32), metres.astype(np.int32)


class Router:
    """Answers matrix and path questions on one ``RoadGraph``."""

    def __init__(self, graph: RoadGraph, *, max_snap_m: float = 500.0) -> None:
        self.graph = graph
        self.max_snap_m = max_snap_m
        self._street_edges = graph.street_edges()
        self._weights: dict[int, _Weights] = {}
        self._lat0 = float(np.mean(graph.node_lat)) if len(graph.node_lat) else 0.0
        self._lon0 = float(np.mean(graph.node_lon)) if len(graph.node_lon) else 0.0
        self._coslat = math.cos(math.radians(self._lat0))
        self._build_snapping()
        # Arcs into each edge, for reading destinations off a search.
        self._in_order = np.argsort(graph.turn_to, kind="stable")
        counts = np.bincount(graph.turn_to, minlength=graph.edge_count)
        self._in_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    # -- geometry helpers -------------------------------------------------------------------

    def _xy(self, lat: F64, lon: F64) -> tuple[F64, F64]:
        x = np.radians(lon - self._lon0) * self._coslat * EARTH_RADIUS_M
        y = np.radians(lat - self._lat0) * EARTH_RADIUS_M
        return x, y

    def _latlon(self, x: F64, y: F64) -> tuple[F64, F64]:
        lat = self._lat0 + np.degrees(y / EARTH_RADIUS_M)
        lon = self._lon0 + np.degrees(x / (EARTH_RADIUS_M * self._coslat))
        return lat, lon

    def _build_snapping(self) -> None:
        g = self.graph
        routable_street = np.zeros(g.street_count, dtype=bool)
        routable_street[g.edge_street[g.edge_routable]] = True
        # Every node of every street, projected once; step i joins street_nodes[i] and [i + 1].
        x, y = self._xy(g.node_lat[g.street_nodes], g.node_lon[g.street_nodes])
        step = np.hypot(np.diff(x), np.diff(y))
        boundary = g.street_ptr[1:-1] - 1  # the step from one street's end to the next's start
        step[boundary] = 0.0
        cumulative = np.concatenate([[0.0], np.cumsum(step)])
        street_start = cumulative[g.street_ptr[:-1]]
        self._flat_len = cumulative[g.street_ptr[1:] - 1] - street_start
        seg_street = np.repeat(np.arange(g.street_count), np.diff(g.street_ptr) - 1)
        starts = np.delete(np.arange(len(g.street_nodes) - 1), boundary)
        keep = routable_street[seg_street]
        seg_street, starts = seg_street[keep], starts[keep]
        ax, ay, bx, by = x[starts], y[starts], x[starts + 1], y[starts + 1]
        seg_len = step[starts]
        offset = cumulative[starts] - street_start[seg_street]  # along its street
        self._seg = (ax, ay, bx, by, seg_len, seg_street, offset)
        samples = np.maximum(np.ceil(seg_len / SAMPLE_SPACING_M), 1).astype(np.int64)
        owner = np.repeat(np.arange(len(seg_len)), samples)
        within = (
            np.arange(len(owner)) - np.repeat(np.cumsum(samples) - samples, samples) + 0.5
        ) / (samples[owner])
        px = ax[owner] + (bx - ax)[owner] * within
        py = ay[owner] + (by - ay)[owner] * within
        self._sample_owner = owner
        self._tree = cKDTree(np.column_stack([px, py])) if len(owner) else None
        self._half_spacing = float(np.max(seg_len / samples) / 2) if len(owner) else 0.0

    # -- snapping ---------------------------------------------------------------------------

    def snap(self, points: Sequence[Location], role: str) -> Snap:
        """Place each point on the nearest routable street, or raise ``UnroutablePoint``."""
        if self._tree is None:
            raise UnroutablePoint(role, 0, points[0], "the road graph has no routable street")
        snap, estimate = self._project(points)
        beyond = np.flatnonzero(~(snap.distance_m <= self.max_snap_m))
        if len(beyond):
            i = int(beyond[0])
            raise UnroutablePoint(
                role,
                i,
                points[i],
                f"the nearest road a vehicle may use is about {estimate[i]:.0f} m away "
                f"(the limit is {self.max_snap_m:.0f} m): check the coordinates",
            )
        return snap

    def snap_distances(self, points: Sequence[Location]) -> npt.NDArray[np.float64]:
        """Metres to the nearest routable street per point; ``inf`` beyond the snapping limit."""
        if not points:
            return np.zeros(0)
        if self._tree is None:
            return np.full(len(points), np.inf)
        distance = self._project(points)[0].distance_m
        return np.where(distance <= self.max_snap_m, distance, np.inf)

    def _project(self, points: Sequence[Location]) -> tuple[Snap, F64]:
        """Project every point onto its nearest routable street, with a distance estimate.

        Points whose nearest sample already lies beyond the limit are not projected: their
        distance is ``inf`` and the estimate (the nearest sample's distance) says how far.
        """
        assert self._tree is not None
        lat = np.asarray([p.lat for p in points], dtype=np.float64)
        lon = np.asarray([p.lon for p in points], dtype=np.float64)
        x, y = self._xy(lat, lon)
        nearest_raw, _ = self._tree.query(np.column_stack([x, y]), k=1)
        nearest = np.asarray(nearest_raw, dtype=np.float64)
        near = np.flatnonzero(nearest - self._half_spacing <= self.max_snap_m)
        street = np.zeros(len(points), dtype=np.int64)
        fraction = np.zeros(len(points))
        distance = np.full(len(points), np.inf)
        snap_lat, snap_lon = lat.copy(), lon.copy()
        if len(near) == 0:
            return Snap(street, fraction, distance, snap_lat, snap_lon), nearest
        nx, ny = x[near], y[near]
        # The nearest segment has a sample within its distance + half a spacing: search there.
        radius = nearest[near] + self._half_spacing + 1e-6
        hits: list[list[int]] = list(
            self._tree.query_ball_point(np.column_stack([nx, ny]), r=radius)
        )
        pairs_point = np.repeat(np.arange(len(near)), [len(h) for h in hits])
        pairs_seg = np.unique(
            np.stack([pairs_point, self._sample_owner[np.concatenate(hits).astype(np.int64)]]),
            axis=1,
        )
        pp, ss = pairs_seg
        ax, ay, bx, by, seg_len, seg_street, seg_offset = self._seg
        dx, dy = bx[ss] - ax[ss], by[ss] - ay[ss]
        safe = np.maximum(seg_len[ss] ** 2, 1e-12)
        t = np.clip(((nx[pp] - ax[ss]) * dx + (ny[pp] - ay[ss]) * dy) / safe, 0.0, 1.0)
        qx, qy = ax[ss] + t * dx, ay[ss] + t * dy
        dist = np.hypot(nx[pp] - qx, ny[pp] - qy)
        order = np.lexsort((dist, pp))
        first = order[np.concatenate([[True], pp[order][1:] != pp[order][:-1]])]
        best_seg = ss[first]
        street[near] = seg_street[best_seg]
        along = seg_offset[best_seg] + t[first] * seg_len[best_seg]
        fraction[near] = np.clip(along / np.maximum(self._flat_len[street[near]], 1e-9), 0.0, 1.0)
        snap_lat[near], snap_lon[near] = self._latlon(qx[first], qy[first])
        distance[near] = dist[first]
        estimate = np.where(np.isfinite(distance), distance, nearest)
        return Snap(street, fraction, distance, snap_lat, snap_lon), estimate

    # -- weights ----------------------------------------------------------------------------

    def weights(self, hour: int | None) -> _Weights:
        key = -1 if hour is None else hour % 24
        cached = self._weights.get(key)
        if cached is not None:
            return cached
        g = self.graph
        if hour is None:
            edge_factor = np.ones(g.edge_count)
        else:
            table = np.asarray(PROFILES[g.speed_profile].hourly_factors)
            edge_factor = table[g.street_class[g.edge_street], key]
        edge_s = g.edge_dur_s * edge_factor
        edge_m = g.street_len_m[g.edge_street]
        edge_cost = _combine(edge_s, edge_m)
        entry = g.turn_entry.astype(np.float64)
        turn_cost = _combine(
            g.turn_s * edge_factor[g.turn_to] + ROUTABILITY_PENALTY_S * entry,
            np.zeros(len(g.turn_s)),
            entry,
        )
        arc = np.maximum(turn_cost + edge_cost[g.turn_to], 1.0)  # zero would read as "no arc"
        counts = np.bincount(g.turn_from, minlength=g.edge_count)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        weights = _Weights(indptr, g.turn_to.astype(np.int32), arc, edge_cost, turn_cost)
        self._weights[key] = weights
        return weights

    # -- matrices ---------------------------------------------------------------------------

    def matrix(
        self,
        origins: Sequence[Location],
        destinations: Sequence[Location],
        *,
        hour: int | None = None,
        workers: int | None = None,
    ) -> tuple[I32, I32, F64, F64]:
        """Durations (s), distances (m), and snap distances of origins and destinations."""
        w = self.weights(hour)
        source = self.snap(origins, "origin")
        target = self.snap(destinations, "destination")
        graph, rows = self._with_sources(w, source)
        targets = self._targets(w, target)
        direct = self._same_street(w, source, target)
        seconds = np.empty((len(origins), len(destinations)), dtype=np.int32)
        metres = np.empty((len(origins), len(destinations)), dtype=np.int32)

        def absorb(start: int, block: F64) -> None:
            """Fold one block of rows into the answer, so no full float64 matrix ever exists."""
            inside = (direct.rows >= start) & (direct.rows < start + len(block))
            r, c = direct.rows[inside] - start, direct.cols[inside]
            block[r, c] = np.minimum(block[r, c], direct.costs[inside])
            unreachable = np.argwhere(~np.isfinite(block))
            if len(unreachable):
                i, j = (int(v) for v in unreachable[0])
                raise UnroutablePoint(
                    "destination",
                    j,
                    destinations[j],
                    f"no road path from origin {start + i} (a street cut off by a barrier "
                    "or a closure)",
                )
            stop = start + len(block)
            seconds[start:stop], metres[start:stop] = _split(block)

        rows_per_chunk = max(1, int(MAX_CHUNK_BYTES // (8 * graph.shape[0])))
        chunks = [rows[i : i + rows_per_chunk] for i in range(0, len(rows), rows_per_chunk)]
        workers = workers if workers is not None else _default_workers(len(rows), graph.shape[0])
        done = 0
        if workers > 1 and len(chunks) > 1:
            with ProcessPoolExecutor(
                max_workers=workers,
                mp_context=_pool_context(),
                initializer=_init_worker,
                initargs=(graph, targets),
            ) as pool:
                for block in pool.map(_worker_block, chunks):
                    absorb(done, block)
                    done += len(block)
        else:
            for chunk in chunks:
                absorb(done, _block(graph, targets, chunk))
                done += len(chunk)
        return seconds, metres, source.distance_m, target.distance_m

    def _with_sources(self, w: _Weights, source: Snap) -> tuple[csr_array, I64]:
        """The search graph plus one vertex per origin, with arcs onto its street."""
        edges = self._street_edges[source.street]  # (n, 2) forward, backward
        g = self.graph
        n_edges = g.edge_count
        heads: list[I64] = []
        costs: list[F64] = []
        rows: list[I64] = []
        for column, remaining in ((0, 1.0 - source.fraction), (1, source.fraction)):
            edge = edges[:, column].astype(np.int64)
            ok = edge >= 0
            ok[ok] = g.edge_routable[edge[ok]]
            idx = np.flatnonzero(ok)
            rows.append(idx)
            heads.append(edge[idx])
            costs.append(
                np.maximum(
                    np.rint(w.edge_cost[edge[idx]] * 0 + _partial(w, edge[idx], remaining[idx])),
                    1.0,
                )
            )
        row = np.concatenate(rows)
        order = np.argsort(row, kind="stable")
        row, head, cost = row[order], np.concatenate(heads)[order], np.concatenate(costs)[order]
        n = len(source.street)
        counts = np.bincount(row, minlength=n)
        # One extra vertex at the end with no arcs in or out pads the destination table.
        indptr = np.concatenate([w.indptr, w.indptr[-1] + np.cumsum(counts), [0]])
        indptr[-1] = indptr[-2]
        indices = np.concatenate([w.indices, head.astype(np.int32)])
        data = np.concatenate([w.data, cost])
        size = n_edges + n + 1
        graph = csr_array((data, indices, indptr), shape=(size, size))
        return graph, np.arange(n_edges, n_edges + n, dtype=np.int64)

    def _targets(self, w: _Weights, target: Snap) -> _Targets:
        """For each destination, the (vertex, added cost) pairs that reach it; min over them.

        A destination a fraction ``u`` along a street is reached by turning onto the street's
        forward edge (then driving ``u`` of it) or onto its backward edge (``1 - u``).
        """
        g = self.graph
        edges = self._street_edges[target.street]
        columns: list[list[int]] = [[] for _ in range(len(target.street))]
        adds: list[list[float]] = [[] for _ in range(len(target.street))]
        arrivals: list[list[int]] = [[] for _ in range(len(target.street))]
        for column, covered in ((0, target.fraction), (1, 1.0 - target.fraction)):
            edge = edges[:, column].astype(np.int64)
            for j in np.flatnonzero(edge >= 0).tolist():
                e = int(edge[j])
                if not g.edge_routable[e]:
                    continue
                part = float(_partial(w, np.asarray([e]), np.asarray([covered[j]]))[0])
                for k in range(int(self._in_ptr[e]), int(self._in_ptr[e + 1])):
                    arc = int(self._in_order[k])
                    columns[j].append(int(g.turn_from[arc]))
                    adds[j].append(float(w.turn_cost[arc]) + part)
                    arrivals[j].append(e)
        width = max((len(c) for c in columns), default=1) or 1
        col = np.full((len(columns), width), -1, dtype=np.int64)
        add = np.zeros((len(columns), width), dtype=np.float64)
        arrival = np.full((len(columns), width), -1, dtype=np.int64)
        for j in range(len(columns)):
            col[j, : len(columns[j])] = columns[j]
            add[j, : len(adds[j])] = adds[j]
            arrival[j, : len(arrivals[j])] = arrivals[j]
        return _Targets(col, add, arrival)

    def _same_street(self, w: _Weights, source: Snap, target: Snap) -> _Direct:
        """Origin and destination on one street: driving straight along it may be quickest.

        Returns every such (origin row, destination column) pair with the packed cost of the
        direct drive (the cheaper direction the street allows, +inf if neither does).
        """
        order = np.argsort(target.street, kind="stable")
        sorted_streets = target.street[order]
        first = np.searchsorted(sorted_streets, source.street, side="left")
        last = np.searchsorted(sorted_streets, source.street, side="right")
        counts = last - first
        rows = np.repeat(np.arange(len(source.street)), counts)
        offsets = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
        cols = order[np.repeat(first, counts) + offsets]
        street = source.street[rows]
        t, u = source.fraction[rows], target.fraction[cols]
        cost = np.full(len(rows), np.inf)
        for column, gap in ((0, u - t), (1, t - u)):
            edge = self._street_edges[street, column].astype(np.int64)
            usable = (edge >= 0) & (gap >= 0)
            usable[usable] = self.graph.edge_routable[edge[usable]]
            drive = np.full(len(rows), np.inf)
            drive[usable] = _partial(w, edge[usable], gap[usable])
            np.minimum(cost, drive, out=cost)
        keep = np.isfinite(cost)
        return _Direct(rows[keep], cols[keep], cost[keep])

    # -- paths ------------------------------------------------------------------------------

    def path(self, origin: Location, destination: Location, *, hour: int | None = None) -> Path:
        w = self.weights(hour)
        source = self.snap([origin], "origin")
        target = self.snap([destination], "destination")
        graph, rows = self._with_sources(w, source)
        found = dijkstra(graph, directed=True, indices=rows[:1], return_predecessors=True)
        dist, pred = found[0][0], found[1][0]
        targets = self._targets(w, target)
        best = math.inf
        best_via, best_edge = -1, -1
        for k in range(targets.columns.shape[1]):
            vertex = int(targets.columns[0, k])
            if vertex < 0:
                continue
            value = float(dist[vertex]) + float(targets.adds[0, k])
            if value < best:
                best, best_via, best_edge = value, vertex, int(targets.arrival[0, k])
        t, u = float(source.fraction[0]), float(target.fraction[0])
        direct = self._same_street(w, source, target)
        along_street = len(direct.costs) > 0 and float(direct.costs[0]) <= best
        if along_street:
            best = float(direct.costs[0])
        if not math.isfinite(best):
            raise UnroutablePoint("destination", 0, destination, "no road path from the origin")
        seconds, metres = _split(np.asarray([best]))
        start = (float(source.lat[0]), float(source.lon[0]))
        end = (float(target.lat[0]), float(target.lon[0]))
        if along_street:
            # Downstream means forward along the street; a drive back up it means backward.
            points = self._street_part(int(source.street[0]), u >= t, t, u)
        else:
            chain: list[int] = []
            vertex = best_via
            origin_row = int(rows[0])
            while vertex != origin_row and vertex >= 0:
                chain.append(vertex)
                vertex = int(pred[vertex])
            chain.reverse()
            points = []
            for position, edge in enumerate(chain):
                street = int(self.graph.edge_street[edge])
                forward = bool(self.graph.edge_forward[edge])
                begin = (t if forward else 1 - t) if position == 0 else 0.0
                points.extend(self._edge_part(street, forward, begin, 1.0))
            street = int(self.graph.edge_street[best_edge])
            forward = bool(self.graph.edge_forward[best_edge])
            stop = u if forward else 1 - u
            points.extend(self._edge_part(street, forward, 0.0, stop))
        polyline = _dedupe([start, *points, end])
        return Path(tuple(polyline), int(seconds[0]), int(metres[0]))

    def point_on_street(self, street: int, fraction: float) -> Location:
        """The point ``fraction`` of the way along ``street`` (from its first node)."""
        lat, lon = self._edge_part(street, True, fraction, fraction)[0]
        return Location(lat, lon)

    def _street_part(
        self, street: int, forward: bool, t: float, u: float
    ) -> list[tuple[float, float]]:
        if forward:
            return self._edge_part(street, True, t, u)
        return self._edge_part(street, False, 1 - t, 1 - u)

    def _edge_part(
        self, street: int, forward: bool, begin: float, end: float
    ) -> list[tuple[float, float]]:
        """The street's polyline between two fractions of its length, in driving direction."""
        g = self.graph
        nodes = g.street_points(street)
        if not forward:
            nodes = nodes[::-1]
        x, y = self._xy(g.node_lat[nodes], g.node_lon[nodes])
        step = np.hypot(np.diff(x), np.diff(y))
        cumulative = np.concatenate([[0.0], np.cumsum(step)])
        length = cumulative[-1]
        a, b = begin * length, end * length
        out_x = [float(np.interp(a, cumulative, x))]
        out_y = [float(np.interp(a, cumulative, y))]
        inside = np.flatnonzero((cumulative > a) & (cumulative < b))
        out_x.extend(x[inside].tolist())
        out_y.extend(y[inside].tolist())
        out_x.append(float(np.interp(b, cumulative, x)))
        out_y.append(float(np.interp(b, cumulative, y)))
        lat, lon = self._latlon(np.asarray(out_x), np.asarray(out_y))
        return list(zip(lat.tolist(), lon.tolist(), strict=True))


@dataclass(frozen=True)
class _Direct:
    """Pairs on a shared street, driven along it: origin rows, destination columns, costs."""

    rows: I64
    cols: I64
    costs: F64


@dataclass(frozen=True)
class _Targets:
    columns: npt.NDArray[np.int64]  # (destinations, width): vertex whose distance to read
    adds: F64  # (destinations, width): combined cost added to that vertex's distance
    arrival: npt.NDArray[np.int64]  # (destinations, width): the edge the arc turns onto


def _partial(w: _Weights, edge: I64, fraction: F64) -> F64:
    """Combined cost of driving ``fraction`` of each edge, rounded to whole units."""
    cost = w.edge_cost[edge]  # whole edges carry no entries: only turns do
    seconds_part = np.floor(cost / SCALE)
    metres_part = cost - seconds_part * SCALE
    result: F64 = np.rint(seconds_part * fraction) * SCALE + np.rint(metres_part * fraction)
    return result


def _dedupe(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for p in points:
        if not out or abs(out[-1][0] - p[0]) > 1e-9 or abs(out[-1][1] - p[1]) > 1e-9:
            out.append(p)
    return out


def _block(graph: csr_array, targets: _Targets, rows: I64) -> F64:
    dist = dijkstra(graph, directed=True, indices=rows)
    columns = np.where(targets.columns < 0, graph.shape[0] - 1, targets.columns)
    best = np.full((len(rows), columns.shape[0]), np.inf)
    for k in range(columns.shape[1]):
        np.minimum(best, dist[:, columns[:, k]] + targets.adds[:, k], out=best)
    return best


_WORKER: dict[str, object] = {}


def _init_worker(graph: csr_array, targets: _Targets) -> None:
    _WORKER["graph"] = graph
    _WORKER["targets"] = targets


def _worker_block(rows: I64) -> F64:
    graph = _WORKER["graph"]
    targets = _WORKER["targets"]
    assert isinstance(graph, csr_array)
    assert isinstance(targets, _Targets)
    return _block(graph, targets, rows)


def _pool_context() -> BaseContext:
    """Fork when this process runs one thread: quick, and callers need no ``__main__`` guard.

    With other threads running (a web server's pool), a forked child could inherit a lock held
    mid-operation, so spawn a clean interpreter instead.
    """
    return get_context("fork" if threading.active_count() == 1 else "spawn")


def _default_workers(sources: int, vertices: int) -> int:
    """Processes pay off once the searches take seconds (their start-up costs about one)."""
    if sources * vertices < 20_000_000:
        return 1
    return max(1, os.cpu_count() or 1)
