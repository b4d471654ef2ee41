"""The synthetic city: a real .osm.pbf, read back with pyosmium and checked like a real extract."""

from __future__ import annotations

import itertools
import math
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import osmium
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from doorstep.adapters.roads.synth import SynthSummary, write_synthetic_city

CITY = "Testhaven"
CAR = {"primary", "secondary", "tertiary", "residential", "living_street", "service"}
HIERARCHY = {
    "primary",
    "secondary",
    "tertiary",
    "residential",
    "living_street",
    "service",
    "pedestrian",
    "cycleway",
}


@dataclass
class Osm:
    """Everything in a file, in file order."""

    nodes: dict[int, tuple[float, float]] = field(default_factory=dict)  # id -> (lat, lon)
    node_tags: dict[int, dict[str, str]] = field(default_factory=dict)
    ways: dict[int, list[int]] = field(default_factory=dict)
    way_tags: dict[int, dict[str, str]] = field(default_factory=dict)
    relations: dict[int, tuple[list[tuple[str, int, str]], dict[str, str]]] = field(
        default_factory=dict
    )
    order: list[tuple[str, int]] = field(default_factory=list)

    def highways(self) -> dict[int, dict[str, str]]:
        return {w: t for w, t in self.way_tags.items() if "highway" in t}

    @cached_property
    def _lon_scale(self) -> float:
        lat0 = math.radians(float(np.mean([p[0] for p in self.nodes.values()])))
        return 111_320 * math.cos(lat0)

    def xy(self, ids: list[int] | np.ndarray) -> np.ndarray:
        """Node positions in metres (local equirectangular projection), shape (n, 2)."""
        ll = np.array([self.nodes[int(i)] for i in ids])
        return np.column_stack((ll[:, 1] * self._lon_scale, ll[:, 0] * 111_320))

    def segments(self, ways: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Start and end points (metres) of every segment of the given ways, and its way id."""
        a_ids, b_ids, owner = [], [], []
        for w in ways:
            refs = self.ways[w]
            a_ids += refs[:-1]
            b_ids += refs[1:]
            owner += [w] * (len(refs) - 1)
        return self.xy(a_ids), self.xy(b_ids), np.array(owner)


def read(path: Path) -> Osm:
    osm = Osm()
    for obj in osmium.FileProcessor(path):
        tags = {t.k: t.v for t in obj.tags}
        if obj.is_node():
            osm.nodes[obj.id] = (obj.location.lat, obj.location.lon)
            if tags:
                osm.node_tags[obj.id] = tags
            osm.order.append(("n", obj.id))
        elif obj.is_way():
            osm.ways[obj.id] = [n.ref for n in obj.nodes]
            osm.way_tags[obj.id] = tags
            osm.order.append(("w", obj.id))
        elif obj.is_relation():
            members = [(m.type, m.ref, m.role) for m in obj.members]
            osm.relations[obj.id] = (members, tags)
            osm.order.append(("r", obj.id))
    return osm


def crossings(a1: np.ndarray, a2: np.ndarray, b1: np.ndarray, b2: np.ndarray) -> np.ndarray:
    """Pairs (i, j) where segment a_i properly crosses segment b_j (touching ends excluded)."""

    def orient(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
        return (q[..., 0] - p[..., 0]) * (r[..., 1] - p[..., 1]) - (q[..., 1] - p[..., 1]) * (
            r[..., 0] - p[..., 0]
        )

    found = []
    for start in range(0, len(a1), 500):
        p1, p2 = a1[start : start + 500, None, :], a2[start : start + 500, None, :]
        q1, q2 = b1[None, :, :], b2[None, :, :]
        hit = (orient(p1, p2, q1) * orient(p1, p2, q2) < 0) & (
            orient(q1, q2, p1) * orient(q1, q2, p2) < 0
        )
        i, j = np.nonzero(hit)
        found.append(np.column_stack((i + start, j)))
    return np.concatenate(found) if found else np.zeros((0, 2), dtype=np.int64)


def car_ways(osm: Osm) -> dict[int, dict[str, str]]:
    return {
        w: t
        for w, t in osm.highways().items()
        if t["highway"] in CAR and t.get("access") != "private" and t.get("motor_vehicle") != "no"
    }


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[SynthSummary, Osm]:
    path = tmp_path_factory.mktemp("synth") / "city.osm.pbf"
    summary = write_synthetic_city(path, name=CITY, size_km=4.0, seed=3)
    return summary, read(path)


def test_the_same_seed_gives_the_same_bytes_and_another_seed_another_city(tmp_path: Path) -> None:
    first = write_synthetic_city(tmp_path / "a.osm.pbf", name=CITY, size_km=2.0, seed=7)
    again = write_synthetic_city(tmp_path / "b.osm.pbf", name=CITY, size_km=2.0, seed=7)
    other = write_synthetic_city(tmp_path / "c.osm.pbf", name=CITY, size_km=2.0, seed=8)

    assert first.path.read_bytes() == again.path.read_bytes()
    assert first.path.read_bytes() != other.path.read_bytes()
    assert (first.nodes, first.ways, first.addresses) != (other.nodes, other.ways, other.addresses)


def test_objects_come_nodes_then_ways_then_relations_sorted_by_positive_id(
    city: tuple[SynthSummary, Osm],
) -> None:
    _, osm = city
    kinds = [kind for kind, _ in osm.order]
    assert kinds == sorted(kinds, key="nwr".index)
    for kind in "nwr":
        ids = [i for k, i in osm.order if k == kind]
        assert ids == sorted(ids)
        assert len(set(ids)) == len(ids)
        assert min(ids) > 0


def test_the_summary_describes_the_file(city: tuple[SynthSummary, Osm]) -> None:
    summary, osm = city
    addresses = [n for n, t in osm.node_tags.items() if "addr:housenumber" in t]
    bridges = [w for w, t in osm.highways().items() if t.get("bridge") == "yes"]

    assert summary.nodes == len(osm.nodes)
    assert summary.ways == len(osm.ways)
    assert summary.addresses == len(addresses)
    assert summary.bridges == len(bridges)
    lats = [p[0] for p in osm.nodes.values()]
    lons = [p[1] for p in osm.nodes.values()]
    assert summary.bbox == (min(lats), min(lons), max(lats), max(lons))
    # 4 km around (0.5, 0.5): about 0.036 degrees each way, in the open sea.
    for low in summary.bbox[:2]:
        assert 0.47 < low < 0.485
    for high in summary.bbox[2:]:
        assert 0.515 < high < 0.53


def test_every_way_node_exists_and_ways_have_two_nodes(city: tuple[SynthSummary, Osm]) -> None:
    _, osm = city
    for refs in osm.ways.values():
        assert len(refs) >= 2
        assert all(ref in osm.nodes for ref in refs)


def test_the_road_hierarchy_is_tagged_as_a_car_profile_expects(
    city: tuple[SynthSummary, Osm],
) -> None:
    _, osm = city
    kinds = Counter(t["highway"] for t in osm.highways().values())
    assert set(kinds) == HIERARCHY
    for tags in osm.highways().values():
        speed = tags.get("maxspeed")
        if tags["highway"] == "primary":
            assert speed in {"50", "60", "70"}
        elif tags["highway"] in {"secondary", "tertiary"}:
            assert speed in {"40", "50"}
        elif tags["highway"] == "residential":
            assert speed in {None, "30"}
        else:
            assert speed is None
    assert kinds["residential"] > kinds["tertiary"] > kinds["primary"] / 2


def test_there_are_one_way_streets_dual_carriageways_and_reversed_one_ways(
    city: tuple[SynthSummary, Osm],
) -> None:
    _, osm = city
    oneway = Counter((t["highway"], t["oneway"]) for t in osm.highways().values() if "oneway" in t)
    assert oneway["primary", "yes"] >= 4  # both carriageways of the central arterials
    assert all(
        t.get("lanes") == "2"
        for t in osm.highways().values()
        if t["highway"] == "primary" and "oneway" in t
    )
    assert oneway["residential", "yes"] >= 10
    assert oneway["residential", "-1"] >= 1
    assert set(oneway) <= {("primary", "yes"), ("residential", "yes"), ("residential", "-1")}


def test_dual_carriageways_keep_right(city: tuple[SynthSummary, Osm]) -> None:
    _, osm = city
    carriageways: defaultdict[str, list[int]] = defaultdict(list)
    for w, t in osm.highways().items():
        if t["highway"] == "primary" and t.get("oneway") == "yes":
            carriageways[t["name"]].append(w)
    checked = 0
    for ways in carriageways.values():
        points = {w: osm.xy(osm.ways[w]) for w in ways}
        for p in points.values():
            # A node in the middle of the way and the local direction of travel there.
            i = len(p) // 2
            middle, heading = p[i], p[min(i + 1, len(p) - 1)] - p[i - 1]
            oncoming = [q for q in points.values() if np.dot(q[-1] - q[0], p[-1] - p[0]) < 0]
            if not oncoming:
                continue
            near = np.concatenate(oncoming) - middle
            closest = near[np.hypot(*near.T).argmin()]
            if np.hypot(*closest) > 40:
                continue  # the other carriageway ends before this point (river, city edge)
            # Right-hand traffic: the oncoming carriageway is on the left.
            assert heading[0] * closest[1] - heading[1] * closest[0] > 0
            checked += 1
    assert checked >= 4


def test_suburbs_have_cul_de_sacs_some_with_turning_circles(city: tuple[SynthSummary, Osm]) -> None:
    _, osm = city
    degree: Counter[int] = Counter()
    for w in osm.highways():
        refs = osm.ways[w]
        degree.update(refs[:-1])
        degree.update(refs[1:])
    dead_ends = {n for n, d in degree.items() if d == 1}
    circles = {n for n, t in osm.node_tags.items() if t.get("highway") == "turning_circle"}
    assert len(dead_ends) >= 20
    assert circles
    assert circles <= dead_ends


def test_streets_meet_only_at_shared_nodes(city: tuple[SynthSummary, Osm]) -> None:
    _, osm = city
    a, b, _ = osm.segments(list(osm.highways()))
    assert len(crossings(a, b, a, b)) == 0


def test_the_river_is_crossed_only_by_a_few_bridges(city: tuple[SynthSummary, Osm]) -> None:
    summary, osm = city
    rivers = [w for w, t in osm.way_tags.items() if t.get("waterway") == "river"]
    assert len(rivers) == 1
    assert "highway" not in osm.way_tags[rivers[0]]
    ra, rb, _ = osm.segments(rivers)
    # The river spans the whole city: it is longer than the city is wide.
    assert np.hypot(*(rb - ra).T).sum() > summary.size_km * 1000

    a, b, owner = osm.segments(list(osm.highways()))
    crossing_ways = set(owner[crossings(a, b, ra, rb)[:, 0]].tolist())
    bridges = {w for w, t in osm.highways().items() if t.get("bridge") == "yes"}
    assert crossing_ways
    assert crossing_ways <= bridges
    assert 2 <= len(bridges) <= 10
    for w in bridges:
        tags = osm.way_tags[w]
        assert tags["layer"] == "1"
        assert tags["highway"] in {"primary", "secondary", "tertiary"}


def test_traffic_signals_stand_on_arterials(city: tuple[SynthSummary, Osm]) -> None:
    _, osm = city
    signals = {n for n, t in osm.node_tags.items() if t.get("highway") == "traffic_signals"}
    arterial_nodes = {
        n
        for w, t in osm.highways().items()
        if t["highway"] in {"primary", "secondary"}
        for n in osm.ways[w]
    }
    assert len(signals) >= 4
    assert signals <= arterial_nodes


def test_access_varies(city: tuple[SynthSummary, Osm]) -> None:
    _, osm = city
    tags = list(osm.highways().values())
    assert any(t.get("access") == "private" for t in tags)
    assert any(t.get("motor_vehicle") == "no" for t in tags)
    assert any(t.get("maxweight") == "3.5" for t in tags)
    assert any(t.get("maxheight") == "3" for t in tags)
    assert sum(t.get("access") == "private" for t in tags) < 0.05 * len(tags)


def test_named_streets_keep_one_name_along_one_line(city: tuple[SynthSummary, Osm]) -> None:
    _, osm = city
    by_name: defaultdict[str, list[int]] = defaultdict(list)
    for w, t in osm.highways().items():
        if t["highway"] not in {"service", "cycleway"}:
            assert "name" in t
            by_name[t["name"]].append(w)
    assert len(by_name) >= 50
    for ways in by_name.values():
        a, b, _ = osm.segments(ways)
        d = b - a
        # One street runs along one (slightly wavy) lattice line: all east-west or all north-south.
        east_west = np.abs(d[:, 0]) > np.abs(d[:, 1])
        long_enough = np.hypot(*d.T) > 30  # the short median crossings of dual roads aside
        assert east_west[long_enough].all() or not east_west[long_enough].any()


def test_addresses_are_complete_and_lie_beside_their_street(city: tuple[SynthSummary, Osm]) -> None:
    summary, osm = city
    streets: defaultdict[str, list[int]] = defaultdict(list)
    for w, t in osm.highways().items():
        if "name" in t:
            streets[t["name"]].append(w)
    houses: defaultdict[str, list[tuple[int, int]]] = defaultdict(list)
    for n, t in osm.node_tags.items():
        if "addr:housenumber" not in t:
            continue
        assert t["addr:city"] == CITY
        assert re.fullmatch(r"\d{5}", t["addr:postcode"])
        assert t["addr:street"] in streets
        houses[t["addr:street"]].append((n, int(t["addr:housenumber"])))
    assert summary.addresses >= 300
    assert len({t["addr:postcode"] for t in osm.node_tags.values() if "addr:postcode" in t}) >= 2

    for street, found in houses.items():
        numbers = [number for _, number in found]
        assert len(set(numbers)) == len(numbers), street
        a, b, _ = osm.segments(streets[street])
        p = osm.xy([n for n, _ in found])
        # Nearest segment of the street and the side of it the house stands on.
        d = b - a
        t = np.clip(
            np.einsum("pik,ik->pi", p[:, None, :] - a[None], d) / np.einsum("ik,ik->i", d, d), 0, 1
        )
        foot = a[None] + t[..., None] * d[None]
        dist = np.hypot(*(p[:, None, :] - foot).transpose(2, 0, 1))
        nearest = dist.argmin(axis=1)
        assert np.all((dist.min(axis=1) > 9.0) & (dist.min(axis=1) < 26.0)), street
        # Orient every segment west->east or south->north; odd and even sit on opposite sides.
        seg = d[nearest]
        flip = np.where(np.abs(seg[:, 0]) > np.abs(seg[:, 1]), seg[:, 0] < 0, seg[:, 1] < 0)
        seg = np.where(flip[:, None], -seg, seg)
        rel = p - foot[np.arange(len(p)), nearest]
        left = seg[:, 0] * rel[:, 1] - seg[:, 1] * rel[:, 0] > 0
        odd = np.array(numbers) % 2 == 1
        assert (left == odd).all() or (left == ~odd).all(), street
        # Numbers increase along the street on each side.
        axis = 0 if np.abs(d[:, 0]).sum() > np.abs(d[:, 1]).sum() else 1
        for side in (odd, ~odd):
            order = np.argsort(p[side, axis])
            assert np.all(np.diff(np.array(numbers)[side][order]) > 0), street


def test_the_nearest_street_to_every_address_is_its_own(city: tuple[SynthSummary, Osm]) -> None:
    _, osm = city
    named = [w for w, t in osm.highways().items() if "name" in t]
    a, b, owner = osm.segments(named)
    street_of = np.array([osm.way_tags[w]["name"] for w in owner])
    houses = [(n, t["addr:street"]) for n, t in osm.node_tags.items() if "addr:street" in t]
    p = osm.xy([n for n, _ in houses])
    d = b - a
    dd = np.einsum("ik,ik->i", d, d)
    for start in range(0, len(p), 500):
        q = p[start : start + 500, None, :]
        t = np.clip(np.einsum("pik,ik->pi", q - a[None], d) / dd, 0, 1)
        dist = np.hypot(*(q - (a[None] + t[..., None] * d[None])).transpose(2, 0, 1))
        nearest = street_of[dist.argmin(axis=1)]
        expected = np.array([s for _, s in houses[start : start + 500]])
        assert (nearest == expected).all()


def test_turn_restrictions_join_two_ways_at_a_shared_via_node(
    city: tuple[SynthSummary, Osm],
) -> None:
    _, osm = city
    assert len(osm.relations) >= 3
    for members, tags in osm.relations.values():
        assert tags["type"] == "restriction"
        assert tags["restriction"] in {
            "no_left_turn",
            "no_right_turn",
            "no_straight_on",
            "only_straight_on",
            "no_u_turn",
        }
        roles = {role: (kind, ref) for kind, ref, role in members}
        assert sorted(roles) == ["from", "to", "via"]
        (fk, from_way), (vk, via), (tk, to_way) = roles["from"], roles["via"], roles["to"]
        assert (fk, vk, tk) == ("w", "n", "w")
        assert from_way in osm.highways()
        assert to_way in osm.highways()
        for way in (from_way, to_way):
            assert via in (osm.ways[way][0], osm.ways[way][-1])


def test_the_car_network_is_one_piece_and_one_ways_leave_no_traps(
    city: tuple[SynthSummary, Osm],
) -> None:
    _, osm = city
    ways = car_ways(osm)
    nodes = sorted({n for w in ways for n in osm.ways[w]})
    index = {n: i for i, n in enumerate(nodes)}
    src, dst, both_src, both_dst = [], [], [], []
    for w, t in ways.items():
        refs = [index[n] for n in osm.ways[w]]
        if t.get("oneway") == "-1":
            refs.reverse()
        for a, b in itertools.pairwise(refs):
            src.append(a)
            dst.append(b)
            if t.get("oneway") not in {"yes", "-1"}:
                both_src.append(b)
                both_dst.append(a)
    n = len(nodes)
    ones = np.ones(len(src) + len(both_src))
    graph = coo_matrix((ones, (src + both_src, dst + both_dst)), shape=(n, n)).tocsr()

    _, weak = connected_components(graph, directed=False)
    assert np.bincount(weak).max() > 0.95 * n
    _, strong = connected_components(graph, directed=True, connection="strong")
    assert np.bincount(strong).max() > 0.95 * n


def test_a_small_city_still_has_a_few_hundred_addresses(tmp_path: Path) -> None:
    summary = write_synthetic_city(tmp_path / "small.osm.pbf", name=CITY, size_km=2.0, seed=1)
    assert 300 <= summary.addresses <= 10_000
    assert summary.bridges >= 2


def test_a_25_km_city_is_quick_and_large_enough_for_a_day_of_stops(tmp_path: Path) -> None:
    # Measured for seed 0: 1.2-1.9 s, 13,023 intersections, 135,143 addresses, 6 bridge ways.
    started = time.perf_counter()
    summary = write_synthetic_city(tmp_path / "big.osm.pbf", name=CITY, size_km=25.0, seed=0)
    elapsed = time.perf_counter() - started

    assert elapsed < 30
    assert 8_000 <= summary.intersections <= 25_000
    assert 60_000 <= summary.addresses <= 300_000
    assert 2 <= summary.bridges <= 10
    lat_span = summary.bbox[2] - summary.bbox[0]
    assert 0.2 < lat_span < 0.25  # 25 km is about 0.225 degrees


@pytest.mark.parametrize("size_km", [0.5, 500.0])
def test_an_unreasonable_size_is_refused(tmp_path: Path, size_km: float) -> None:
    with pytest.raises(ValueError, match="size_km"):
        write_synthetic_city(tmp_path / "x.osm.pbf", name=CITY, size_km=size_km)
