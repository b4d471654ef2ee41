"""The road graph compiled from the real Helsinki extract: streets, directions, turns."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from doorstep.adapters.roads.graph import RoadGraph, build_graph
from doorstep.adapters.roads.haversine import great_circle_m
from doorstep.adapters.roads.osm import RoadData, read_osm
from doorstep.adapters.roads.profiles import CARGO_BIKE, TRUCK, VAN
from doorstep.adapters.roads.router import Router
from doorstep.domain.geo import Location


@pytest.fixture(scope="module")
def data(helsinki_pbf: Path) -> RoadData:
    return read_osm(helsinki_pbf)


@pytest.fixture(scope="module")
def van(data: RoadData) -> RoadGraph:
    return build_graph(data, VAN)


def test_the_extract_is_read_whole(data: RoadData) -> None:
    assert len(data.node_lat) > 5_000
    assert len(data.ways) > 2_000
    assert len(data.restrictions) >= 40  # central Helsinki has dozens of signed turn bans
    assert len(data.addresses) > 1_000
    assert {a.street for a in data.addresses} >= {"Mannerheimintie", "Aleksanterinkatu"}


def test_streets_join_junctions_and_keep_their_shape(van: RoadGraph) -> None:
    lengths = np.diff(van.street_ptr)
    assert (lengths >= 2).all()
    # A street's length is the sum of its node-to-node steps.
    s = int(np.argmax(lengths))
    nodes = van.street_points(s)
    steps = great_circle_m(
        van.node_lat[nodes[:-1]],
        van.node_lon[nodes[:-1]],
        van.node_lat[nodes[1:]],
        van.node_lon[nodes[1:]],
    )
    assert van.street_len_m[s] == pytest.approx(float(steps.sum()), rel=1e-6)
    # Shape nodes are folded into streets: far fewer streets than road nodes.
    assert van.street_count < len(van.node_lat) / 3


def test_one_way_streets_have_one_directed_edge(van: RoadGraph, data: RoadData) -> None:
    table = van.street_edges()
    one_way = (table[:, 0] >= 0) != (table[:, 1] >= 0)
    assert one_way.sum() > 50  # the centre is full of one-way streets
    # Durations are positive and finite, turns link existing edges.
    assert (van.edge_dur_s > 0).all()
    assert np.isfinite(van.edge_dur_s).all()
    assert van.turn_from.max() < van.edge_count
    assert van.turn_to.max() < van.edge_count
    assert (van.turn_s >= 0).all()


def test_most_of_the_network_is_one_strongly_connected_part(van: RoadGraph) -> None:
    share = van.edge_routable.mean()
    # The rest are stubs cut by the extract's boundary, one-way into or out of it.
    assert 0.8 < share < 1.0


def test_profiles_differ_where_the_tags_say_so(data: RoadData, van: RoadGraph) -> None:
    bike = build_graph(data, CARGO_BIKE)
    truck = build_graph(data, TRUCK)
    assert bike.street_len_m.sum() > 1.2 * van.street_len_m.sum()  # cycleways, bike contraflow
    # A 7.5 t truck may not use streets signed maxweight 4.5.
    assert truck.street_len_m.sum() < van.street_len_m.sum()


def test_graph_saves_and_loads_unchanged(van: RoadGraph, tmp_path: Path) -> None:
    path = tmp_path / "graph.npz"
    van.save(path)
    loaded = RoadGraph.load(path)
    for field in dataclasses.fields(RoadGraph):
        assert np.array_equal(getattr(loaded, field.name), getattr(van, field.name)), field.name


def _midpoint(data: RoadData, a: int, b: int) -> Location:
    return Location(
        float((data.node_lat[a] + data.node_lat[b]) / 2),
        float((data.node_lon[a] + data.node_lon[b]) / 2),
    )


def _around_via(data: RoadData, way_id: int, via: int) -> int:
    way = next(w for w in data.ways if w.osm_id == way_id)
    nodes = way.nodes.tolist()
    i = nodes.index(via)
    return int(nodes[i - 1] if i > 0 else nodes[i + 1])


def test_turn_restrictions_are_obeyed(data: RoadData, van: RoadGraph) -> None:
    free = build_graph(dataclasses.replace(data, restrictions=[]), VAN)
    assert len(free.turn_from) > len(van.turn_from)  # the bans removed turns
    with_bans, without = Router(van), Router(free)
    longer = 0
    checked = 0
    for r in data.restrictions:
        if not r.kind.startswith("no_"):
            continue
        try:
            before = _around_via(data, r.from_way, r.via_node)
            after = _around_via(data, r.to_way, r.via_node)
        except (StopIteration, ValueError):
            continue
        origin = _midpoint(data, before, r.via_node)
        destination = _midpoint(data, r.via_node, after)
        on_streets = [
            router.snap([origin, destination], "origin").distance_m.max() < 1.0
            for router in (with_bans, without)
        ]
        if not all(on_streets):
            continue  # a street cut off by the extract's boundary: not routable either way
        banned = with_bans.path(origin, destination)
        allowed = without.path(origin, destination)
        # Equal but for rounding where the ban does not touch the quickest path...
        assert banned.duration_s >= allowed.duration_s - 1
        # ...and a real detour where it does.
        longer += banned.duration_s > allowed.duration_s + 5
        checked += 1
    assert checked >= 5
    assert longer >= 1  # at least one banned turn was the quickest way before
