"""The routable road graph of one vehicle profile, edge-based so that turns have a cost.

Ways are cut into *streets*: chains of OSM nodes between junctions, with one road class and
one direction of travel pattern, so degree-2 shape nodes never become graph nodes. Each street
gives up to two *directed edges* (forward, backward). The search graph has one vertex per
directed edge and one arc per allowed turn ``edge -> edge`` through a junction; an arc costs
the turn (OSRM's angle curve, signals, stop signs, U-turn penalty) plus driving the next edge.
This is how OSRM and Valhalla model turns; it also makes turn restrictions exact.

Only the largest strongly connected part of the graph is routable: a point placed anywhere
else could be reached but never left (or the reverse), which would poison a whole plan.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

from doorstep.adapters.roads.haversine import great_circle_m
from doorstep.adapters.roads.osm import RoadData
from doorstep.adapters.roads.profiles import VehicleProfile, road_class
from doorstep.domain.fleet import SpeedProfile

FORMAT_VERSION = 3

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
I8 = npt.NDArray[np.int8]
B = npt.NDArray[np.bool_]


def bearing_deg(lat1: F64, lon1: F64, lat2: F64, lon2: F64) -> F64:
    """Compass bearing of each step, clockwise from north (a local flat approximation)."""
    dx = np.radians(lon2 - lon1) * np.cos(np.radians((lat1 + lat2) / 2))
    dy = np.radians(lat2 - lat1)
    bearing: F64 = np.degrees(np.arctan2(dx, dy))
    return bearing


@dataclass
class RoadGraph:
    """Arrays only, so that a graph saves to one ``.npz`` and loads without parsing OSM again."""

    node_lat: F64
    node_lon: F64
    # Streets: the node chain of street s is street_nodes[street_ptr[s]:street_ptr[s + 1]].
    street_ptr: I64
    street_nodes: I64
    street_len_m: F64
    street_class: I8
    # Directed edges (the search graph's vertices).
    edge_street: I32
    edge_forward: B
    edge_dur_s: F64  # free flow, including signals and stop signs along the street
    edge_routable: B  # in the largest strongly connected part
    edge_restricted: B  # destination / delivery only: no through traffic
    # Turns (the search graph's arcs), sorted by turn_from.
    turn_from: I32
    turn_to: I32
    turn_s: F64
    turn_entry: B  # the turn enters a restricted street from an open one
    profile: npt.NDArray[np.str_]  # 0-d, the SpeedProfile value
    version: npt.NDArray[np.int64]  # 0-d, FORMAT_VERSION

    @property
    def speed_profile(self) -> SpeedProfile:
        return SpeedProfile(str(self.profile))

    @property
    def street_count(self) -> int:
        return len(self.street_len_m)

    @property
    def edge_count(self) -> int:
        return len(self.edge_street)

    def street_edges(self) -> I32:
        """(streets, 2) directed edge index forward and backward, -1 where not drivable."""
        table = np.full((self.street_count, 2), -1, dtype=np.int32)
        table[self.edge_street, np.where(self.edge_forward, 0, 1)] = np.arange(
            self.edge_count, dtype=np.int32
        )
        return table

    def street_points(self, street: int) -> I64:
        return self.street_nodes[self.street_ptr[street] : self.street_ptr[street + 1]]

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **{f.name: getattr(self, f.name) for f in fields(self)})
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> RoadGraph:
        with np.load(path, allow_pickle=False) as data:
            if int(data["version"]) != FORMAT_VERSION:
                raise ValueError(f"{path} has graph format {int(data['version'])}")
            return cls(**{f.name: data[f.name] for f in fields(cls)})


@dataclass
class _Street:
    nodes: list[int]
    forward_s: float  # inf where not drivable that way
    backward_s: float
    length_m: float
    road_class: int
    restricted: bool
    first_way: int  # OSM id of the way at the street's start, for turn restrictions
    last_way: int


def build_graph(data: RoadData, profile: VehicleProfile) -> RoadGraph:
    """Compile ``data`` into the edge-based graph that ``profile`` drives on."""
    seg = _segments(data, profile)
    streets = list(_streets(data, profile, seg))
    edges = _directed_edges(data, streets)
    turns = _turns(data, profile, streets, edges)
    routable = _largest_strong_component(len(edges.street), turns)
    ptr = np.zeros(len(streets) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(s.nodes) for s in streets])
    flat = [n for s in streets for n in s.nodes]
    return RoadGraph(
        node_lat=data.node_lat,
        node_lon=data.node_lon,
        street_ptr=ptr,
        street_nodes=np.asarray(flat, dtype=np.int64),
        street_len_m=np.asarray([s.length_m for s in streets], dtype=np.float64),
        street_class=np.asarray([s.road_class for s in streets], dtype=np.int8),
        edge_street=edges.street,
        edge_forward=edges.forward,
        edge_dur_s=edges.duration_s,
        edge_routable=routable,
        edge_restricted=edges.restricted,
        turn_from=turns.source,
        turn_to=turns.target,
        turn_s=turns.cost_s,
        turn_entry=turns.entry,
        profile=np.asarray(profile.name.value),
        version=np.asarray(FORMAT_VERSION, dtype=np.int64),
    )


@dataclass
class _Segments:
    """Consecutive node pairs of drivable ways, with per-way speeds (km/h; 0 = closed)."""

    a: I64
    b: I64
    way: I64  # index into data.ways
    restricted: B  # per way index: destination / delivery only
    forward_kmh: F64
    backward_kmh: F64
    length_m: F64
    adjacency_ptr: I64  # CSR over nodes: segments touching each node
    adjacency: I64


def _segments(data: RoadData, profile: VehicleProfile) -> _Segments:
    starts: list[I64] = []
    ends: list[I64] = []
    way_index: list[I64] = []
    fwd: list[float] = []
    bwd: list[float] = []
    restricted = np.asarray([profile.restricted(way.tags) for way in data.ways], dtype=bool)
    for index, way in enumerate(data.ways):
        forward, backward = profile.way_speeds(way.tags)
        if forward <= 0 and backward <= 0:
            continue
        starts.append(way.nodes[:-1])
        ends.append(way.nodes[1:])
        n = len(way.nodes) - 1
        way_index.append(np.full(n, index, dtype=np.int64))
        fwd.extend([forward] * n)
        bwd.extend([backward] * n)
    if not starts:
        raise ValueError(f"the extract has no road a {profile.name.value} may use")
    a = np.concatenate(starts)
    b = np.concatenate(ends)
    keep = a != b  # a way that repeats a node has a zero-length step
    a, b = a[keep], b[keep]
    length = great_circle_m(data.node_lat[a], data.node_lon[a], data.node_lat[b], data.node_lon[b])
    both = np.concatenate([a, b])
    order = np.argsort(both, kind="stable")
    counts = np.bincount(both, minlength=len(data.node_lat))
    ptr = np.zeros(len(data.node_lat) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(counts)
    return _Segments(
        a=a,
        b=b,
        way=np.concatenate(way_index)[keep],
        restricted=restricted,
        forward_kmh=np.asarray(fwd, dtype=np.float64)[keep],
        backward_kmh=np.asarray(bwd, dtype=np.float64)[keep],
        length_m=np.maximum(length, 0.01),
        adjacency_ptr=ptr,
        adjacency=order % len(a),
    )


def _junctions(data: RoadData, profile: VehicleProfile, seg: _Segments) -> B:
    """Nodes where a street must end: not exactly two neighbours, barriers, restriction vias."""
    n = len(data.node_lat)
    pairs = np.unique(np.stack([np.minimum(seg.a, seg.b), np.maximum(seg.a, seg.b)]), axis=1)
    degree = np.bincount(pairs.ravel(), minlength=n)
    junction: B = degree != 2
    junction[degree == 0] = False
    for node, tags in data.node_tags.items():
        if profile.node_blocks(tags) or tags.get("barrier") in ("gate", "lift_gate"):
            junction[node] = True
    for restriction in data.restrictions:
        junction[restriction.via_node] = True
    return junction


def _streets(data: RoadData, profile: VehicleProfile, seg: _Segments) -> Iterator[_Street]:
    """Walk chains of segments from junction to junction (or to a change of road attributes)."""
    walker = _StreetWalker(data, profile, seg)
    for start in np.flatnonzero(walker.junction).tolist():
        touching = seg.adjacency[seg.adjacency_ptr[start] : seg.adjacency_ptr[start + 1]]
        for s in touching.tolist():
            if not walker.visited[s]:
                yield walker.walk(s, start)
    # What is left are closed loops without any junction (an isolated roundabout, say).
    # Nothing else reaches them, so they are dropped.


class _StreetWalker:
    def __init__(self, data: RoadData, profile: VehicleProfile, seg: _Segments) -> None:
        self.seg = seg
        self.ways = data.ways
        self.junction = _junctions(data, profile, seg)
        self.visited = np.zeros(len(seg.a), dtype=bool)
        self.delays = {node: profile.node_delay_s(tags) for node, tags in data.node_tags.items()}

    def oriented(self, s: int, at: int) -> tuple[int, float, float]:
        """Segment s leaving node ``at``: (its other end, speed along, speed against)."""
        seg = self.seg
        if seg.a[s] == at:
            return int(seg.b[s]), float(seg.forward_kmh[s]), float(seg.backward_kmh[s])
        return int(seg.a[s]), float(seg.backward_kmh[s]), float(seg.forward_kmh[s])

    def signature(self, s: int, at: int) -> tuple[bool, bool, int, bool]:
        """What must stay the same along one street: directions open, class, access."""
        _, along, against = self.oriented(s, at)
        way = int(self.seg.way[s])
        highway = self.ways[way].tags.get("highway", "")
        return along > 0, against > 0, road_class(highway), bool(self.seg.restricted[way])

    def walk(self, first: int, start: int) -> _Street:
        seg = self.seg
        nodes = [start]
        forward_s = backward_s = length = 0.0
        current, s = start, first
        signature = self.signature(s, start)
        first_way = last_way = int(seg.way[s])
        while True:
            self.visited[s] = True
            nxt, along, against = self.oriented(s, current)
            step = float(seg.length_m[s])
            length += step
            forward_s += step / (along / 3.6) if along > 0 else math.inf
            backward_s += step / (against / 3.6) if against > 0 else math.inf
            last_way = int(seg.way[s])
            nodes.append(nxt)
            current = nxt
            if self.junction[current] or current == start:
                break
            around = seg.adjacency[seg.adjacency_ptr[current] : seg.adjacency_ptr[current + 1]]
            onward = [int(t) for t in around if not self.visited[t]]
            if len(onward) != 1 or self.signature(onward[0], current) != signature:
                self.junction[current] = True  # attributes change: the next street starts here
                break
            delay = self.delays.get(current, 0.0)  # a signal or stop sign along the street
            forward_s += delay
            backward_s += delay
            s = onward[0]
        return _Street(
            nodes=nodes,
            forward_s=forward_s,
            backward_s=backward_s,
            length_m=length,
            road_class=signature[2],
            restricted=signature[3],
            first_way=self.ways[first_way].osm_id,
            last_way=self.ways[last_way].osm_id,
        )


@dataclass
class _Edges:
    street: I32
    forward: B
    duration_s: F64
    restricted: B
    tail: I64  # node the edge leaves
    head: I64  # node the edge reaches
    out_bearing: F64  # heading when leaving the tail
    in_bearing: F64  # heading when arriving at the head
    first_way: I64
    last_way: I64


def _directed_edges(data: RoadData, streets: list[_Street]) -> _Edges:
    lat, lon = data.node_lat, data.node_lon
    first = np.asarray([s.nodes[0] for s in streets])
    second = np.asarray([s.nodes[1] for s in streets])
    before_last = np.asarray([s.nodes[-2] for s in streets])
    last = np.asarray([s.nodes[-1] for s in streets])
    start_bearing = bearing_deg(lat[first], lon[first], lat[second], lon[second])
    end_bearing = bearing_deg(lat[before_last], lon[before_last], lat[last], lon[last])
    fwd_s = np.asarray([s.forward_s for s in streets])
    bwd_s = np.asarray([s.backward_s for s in streets])
    first_way = np.asarray([s.first_way for s in streets], dtype=np.int64)
    last_way = np.asarray([s.last_way for s in streets], dtype=np.int64)
    restricted = np.asarray([s.restricted for s in streets], dtype=bool)
    ids = np.arange(len(streets), dtype=np.int32)
    f = np.isfinite(fwd_s)
    r = np.isfinite(bwd_s)
    return _Edges(
        street=np.concatenate([ids[f], ids[r]]),
        forward=np.concatenate([np.ones(f.sum(), bool), np.zeros(r.sum(), bool)]),
        duration_s=np.concatenate([fwd_s[f], bwd_s[r]]),
        restricted=np.concatenate([restricted[f], restricted[r]]),
        tail=np.concatenate([first[f], last[r]]),
        head=np.concatenate([last[f], first[r]]),
        out_bearing=np.concatenate([start_bearing[f], (end_bearing[r] + 180) % 360]),
        in_bearing=np.concatenate([end_bearing[f], (start_bearing[r] + 180) % 360]),
        first_way=np.concatenate([first_way[f], last_way[r]]),
        last_way=np.concatenate([last_way[f], first_way[r]]),
    )


@dataclass
class _Turns:
    source: I32
    target: I32
    cost_s: F64
    entry: B


def _turns(
    data: RoadData, profile: VehicleProfile, streets: list[_Street], edges: _Edges
) -> _Turns:
    n = len(data.node_lat)
    # Roads meeting at each node (a loop street counts twice), as OSRM counts them.
    ends = np.concatenate([[s.nodes[0] for s in streets], [s.nodes[-1] for s in streets]])
    roads = np.bincount(np.asarray(ends, dtype=np.int64), minlength=n)

    # Every (incoming edge, outgoing edge) pair at every node, without Python loops.
    out_order = np.argsort(edges.tail, kind="stable")
    out_count = np.bincount(edges.tail, minlength=n)
    out_start = np.concatenate([[0], np.cumsum(out_count)[:-1]])
    fanout = out_count[edges.head]
    incoming = np.repeat(np.arange(len(edges.head)), fanout)
    offset = np.arange(len(incoming)) - np.repeat(np.cumsum(fanout) - fanout, fanout)
    outgoing = out_order[out_start[edges.head[incoming]] + offset]
    via = edges.head[incoming]

    u_turn = (edges.street[incoming] == edges.street[outgoing]) & (
        edges.forward[incoming] != edges.forward[outgoing]
    )
    blocked = np.zeros(n, dtype=bool)
    delay = np.zeros(n, dtype=np.float64)
    for node, tags in data.node_tags.items():
        blocked[node] = profile.node_blocks(tags)
        delay[node] = profile.node_delay_s(tags)
    # U-turns only where there is no way on (a dead end or a barrier), as OSRM does.
    allowed = np.where(u_turn, (roads[via] == 1) | blocked[via], ~blocked[via])
    allowed &= _restriction_mask(data, profile, edges, incoming, outgoing, via)

    incoming, outgoing, via, u_turn = (
        incoming[allowed],
        outgoing[allowed],
        via[allowed],
        u_turn[allowed],
    )
    angle = (edges.out_bearing[outgoing] - edges.in_bearing[incoming] + 180.0) % 360.0 - 180.0
    turn_cost = (
        np.vectorize(profile.turn_cost_s, otypes=[np.float64])(angle)
        if len(angle)
        else (np.zeros(0))
    )
    penalised = (roads[via] > 2) | u_turn
    cost = delay[via] + np.where(penalised, turn_cost, 0.0)
    cost += np.where(u_turn, profile.u_turn_penalty_s, 0.0)
    entry = ~edges.restricted[incoming] & edges.restricted[outgoing]
    order = np.lexsort((outgoing, incoming))
    return _Turns(
        source=incoming[order].astype(np.int32),
        target=outgoing[order].astype(np.int32),
        cost_s=cost[order],
        entry=entry[order],
    )


def _restriction_mask(
    data: RoadData,
    profile: VehicleProfile,
    edges: _Edges,
    incoming: I64,
    outgoing: I64,
    via: I64,
) -> B:
    allowed = np.ones(len(incoming), dtype=bool)
    if not data.restrictions:
        return allowed
    by_via: dict[int, list[int]] = {}
    for position, node in enumerate(via.tolist()):
        by_via.setdefault(node, []).append(position)
    for restriction in data.restrictions:
        if not profile.restricted_by(restriction.applies_to, restriction.exempt):
            continue
        for position in by_via.get(restriction.via_node, ()):
            if edges.last_way[incoming[position]] != restriction.from_way:
                continue
            to_match = edges.first_way[outgoing[position]] == restriction.to_way
            forbidding = restriction.kind.startswith("no_")
            if to_match == forbidding:  # "no_" bans the to-way, "only_" bans all others
                allowed[position] = False
    return allowed


def _largest_strong_component(edge_count: int, turns: _Turns) -> B:
    matrix = csr_array(
        (np.ones(len(turns.source)), (turns.source, turns.target)), shape=(edge_count, edge_count)
    )
    _, labels = connected_components(matrix, directed=True, connection="strong")
    sizes = np.bincount(labels)
    return np.asarray(labels == int(np.argmax(sizes)))
