"""Read an OpenStreetMap extract into plain arrays: road ways, their nodes, and addresses.

One pass with pyosmium (node locations resolved in memory) collects everything any vehicle
profile might use; what a van, a truck or a cargo bike may actually drive is decided later in
``profiles``. Keeping the reader profile-free means a region is parsed once for all profiles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import osmium

# Tags the profiles read. Copying only these keeps memory flat on large extracts.
WAY_KEYS = frozenset(
    {
        "highway",
        "name",
        "oneway",
        "oneway:bicycle",
        "junction",
        "cycleway",
        "cycleway:left",
        "cycleway:right",
        "maxspeed",
        "maxspeed:forward",
        "maxspeed:backward",
        "access",
        "vehicle",
        "motor_vehicle",
        "motorcar",
        "hgv",
        "goods",
        "bicycle",
        "service",
        "surface",
        "maxweight",
        "maxheight",
        "area",
        "impassable",
        "construction",
        "bridge",
        "tunnel",
        "route",
        "ferry",
    }
)
NODE_KEYS = frozenset(
    {
        "highway",
        "barrier",
        "traffic_signals:direction",
        "direction",
        "access",
        "vehicle",
        "motor_vehicle",
        "motorcar",
        "bicycle",
        "hgv",
        "maxheight",
    }
)
RESTRICTION_KEYS = ("restriction", "restriction:motorcar", "restriction:hgv", "restriction:bicycle")


@dataclass
class Way:
    osm_id: int
    nodes: npt.NDArray[np.int64]  # indices into RoadData.node_lat / node_lon
    tags: dict[str, str]


@dataclass(frozen=True)
class Restriction:
    """A turn restriction ``from way -> via node -> to way`` (via-way restrictions are rare)."""

    kind: str  # e.g. no_left_turn, only_straight_on
    applies_to: str  # "" for all vehicles, else motorcar / hgv / bicycle
    from_way: int
    via_node: int  # index into RoadData nodes
    to_way: int
    exempt: frozenset[str]  # vehicles in the "except" tag


@dataclass
class Address:
    street: str
    housenumber: str
    postcode: str
    city: str
    lat: float
    lon: float
    entrance: bool = False


@dataclass
class RoadData:
    """Everything read from one extract, with node references turned into array indices."""

    node_osm_id: npt.NDArray[np.int64]
    node_lat: npt.NDArray[np.float64]
    node_lon: npt.NDArray[np.float64]
    node_tags: dict[int, dict[str, str]]  # node index -> tags, only for tagged road nodes
    ways: list[Way]
    restrictions: list[Restriction]
    addresses: list[Address] = field(default_factory=list)


def _subset(tags: osmium.osm.TagList, keys: frozenset[str]) -> dict[str, str]:
    return {tag.k: tag.v for tag in tags if tag.k in keys}


def _address(tags: osmium.osm.TagList, lat: float, lon: float, *, entrance: bool) -> Address | None:
    number = tags.get("addr:housenumber")
    street = tags.get("addr:street") or tags.get("addr:place")
    if not number or not street:
        return None
    return Address(
        street=street,
        housenumber=number,
        postcode=tags.get("addr:postcode") or "",
        city=tags.get("addr:city") or "",
        lat=lat,
        lon=lon,
        entrance=entrance,
    )


def read_osm(path: Path) -> RoadData:
    """Parse ``path`` (.osm.pbf or .osm) into road ways, road nodes, restrictions and addresses."""
    if not path.is_file():
        raise FileNotFoundError(f"OpenStreetMap file not found: {path}")
    osm_index: dict[int, int] = {}
    lats: list[float] = []
    lons: list[float] = []
    ways: list[Way] = []
    addresses: list[Address] = []
    tagged_nodes: dict[int, dict[str, str]] = {}
    raw_restrictions: list[tuple[str, str, int, int, int, frozenset[str]]] = []

    processor = osmium.FileProcessor(str(path)).with_locations()
    for obj in processor:
        if isinstance(obj, osmium.osm.Node):
            tags = obj.tags
            if len(tags) == 0:
                continue
            if "addr:housenumber" in tags and obj.location.valid():
                entrance = "entrance" in tags
                found = _address(tags, obj.location.lat, obj.location.lon, entrance=entrance)
                if found is not None:
                    addresses.append(found)
            wanted = _subset(tags, NODE_KEYS)
            if wanted:
                tagged_nodes[obj.id] = wanted
        elif isinstance(obj, osmium.osm.Way):
            tags = obj.tags
            if "addr:housenumber" in tags:
                _way_address(obj, addresses)
            if "highway" not in tags and tags.get("route") != "ferry":
                continue
            refs: list[int] = []
            for node in obj.nodes:
                if not node.location.valid():
                    continue  # a node cut off by the extract's boundary
                index = osm_index.get(node.ref)
                if index is None:
                    index = len(lats)
                    osm_index[node.ref] = index
                    lats.append(node.location.lat)
                    lons.append(node.location.lon)
                refs.append(index)
            if len(refs) >= 2:
                ways.append(Way(obj.id, np.asarray(refs, dtype=np.int64), _subset(tags, WAY_KEYS)))
        elif isinstance(obj, osmium.osm.Relation):
            tags = obj.tags
            if tags.get("type") != "restriction":
                continue
            found_restriction = _restriction(obj)
            if found_restriction is not None:
                raw_restrictions.append(found_restriction)

    node_tags = {osm_index[osm_id]: t for osm_id, t in tagged_nodes.items() if osm_id in osm_index}
    restrictions = [
        Restriction(kind, applies, frm, osm_index[via], to, exempt)
        for kind, applies, frm, via, to, exempt in raw_restrictions
        if via in osm_index
    ]
    node_osm_id = np.empty(len(osm_index), dtype=np.int64)
    for osm_id, index in osm_index.items():
        node_osm_id[index] = osm_id
    return RoadData(
        node_osm_id=node_osm_id,
        node_lat=np.asarray(lats, dtype=np.float64),
        node_lon=np.asarray(lons, dtype=np.float64),
        node_tags=node_tags,
        ways=ways,
        restrictions=restrictions,
        addresses=addresses,
    )


def _way_address(way: osmium.osm.Way, addresses: list[Address]) -> None:
    """A building outline with an address: its address point is the outline's mean position."""
    points = [(n.location.lat, n.location.lon) for n in way.nodes if n.location.valid()]
    if not points:
        return
    lat = sum(p[0] for p in points) / len(points)
    lon = sum(p[1] for p in points) / len(points)
    found = _address(way.tags, lat, lon, entrance=False)
    if found is not None:
        addresses.append(found)


def _restriction(
    relation: osmium.osm.Relation,
) -> tuple[str, str, int, int, int, frozenset[str]] | None:
    tags = relation.tags
    kind = ""
    applies = ""
    for key in RESTRICTION_KEYS:
        if key in tags:
            kind = tags[key]
            applies = key.partition(":")[2]
            break
    if not kind.startswith(("no_", "only_")):
        return None
    from_way = to_way = via_node = None
    for member in relation.members:
        if member.role == "from" and member.type == "w":
            from_way = member.ref
        elif member.role == "to" and member.type == "w":
            to_way = member.ref
        elif member.role == "via":
            if member.type != "n":
                return None  # via-way restrictions are not modelled (see docs/architecture.md)
            via_node = member.ref
    if from_way is None or to_way is None or via_node is None:
        return None
    exempt = frozenset(v.strip() for v in (tags.get("except") or "").split(";") if v.strip())
    return kind, applies, from_way, via_node, to_way, exempt
