"""Read an OpenStreetMap extract into plain arrays: road ways, their nodes, and addresses.

One pass with pyosmium (node locations resolved in memory) collects everything any vehicle
profile might use; what a van, a truck or a cargo bike may actually drive is decided later in
``profiles``. Keeping the reader profile-free means a region is parsed once for all profiles.

The same pass collects what the geocoder needs: address points (nodes, building outlines and
their entrances) with how many dwellings or staircases each has, and the other names of every
named street (Helsinki's streets have a Finnish and a Swedish name; addresses carry only one).
"""

from __future__ import annotations

import re
from collections import defaultdict
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


# Street names besides ``name``: language forms first (equally valid), then names people may
# still use (an old name, a local or alternative one), which rank below a street's real name.
LANGUAGE_NAME_KEYS = ("name:fi", "name:sv")
OTHER_NAME_KEYS = ("alt_name", "old_name", "loc_name")
# Entrances that lead to dwellings; shop, service and garage doors do not.
DWELLING_ENTRANCES = frozenset({"staircase", "main", "yes"})
# Buildings that hold several dwellings even when nobody mapped how many.
MULTI_DWELLING_BUILDINGS = frozenset({"apartments", "residential", "dormitory"})
_HOUSE_NUMBER = re.compile(r"\d{1,5}(?: ?[A-Za-z])?(?: ?[-\u2013] ?\d{1,5}(?: ?[A-Za-z])?)?")
_RANGE_DASH = re.compile(r" ?[-\u2013] ?")
_TRAILING_NUMBER = re.compile(r"\s+\d[\w -]*$")


@dataclass
class Address:
    street: str
    housenumber: str
    postcode: str
    city: str
    lat: float
    lon: float
    entrance: bool = False
    units: int = 0  # dwellings or staircases known at street + number; 0 when unknown
    unit: str = ""  # for an entrance: the staircase it leads to (its ref or addr:unit)
    outline: bool = False  # the point is the centre of a building outline


@dataclass(frozen=True)
class StreetAlias:
    """Another name of a street: ``alias`` means the street whose ways are named ``street``."""

    street: str
    alias: str
    secondary: bool  # an alt_name, old_name or loc_name rather than a language form


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
    street_aliases: list[StreetAlias] = field(default_factory=list)


def _subset(tags: osmium.osm.TagList, keys: frozenset[str]) -> dict[str, str]:
    return {tag.k: tag.v for tag in tags if tag.k in keys}


def clean_housenumber(raw: str) -> str:
    """The house number in an ``addr:housenumber`` as mappers write it, or "" if there is none.

    Real tags carry more than the number: "2, 2. krs./Floor 2", "7 B, sisäpiha", "1;3",
    "Keskuskatu 5". The first number (with its letter or range, "5 A", "14-20") is kept.
    """
    first = re.split(r"[,;]", raw, maxsplit=1)[0].strip()
    for found in _HOUSE_NUMBER.finditer(first):
        before = first[found.start() - 1] if found.start() else " "
        after = first[found.end()] if found.end() < len(first) else " "
        # Whole tokens only: not the "12 B" of "12 Birch", not digits inside a word.
        if not before.isalnum() and not after.isalnum():
            return _RANGE_DASH.sub("-", found.group(0))
    return ""


def clean_street(raw: str) -> str:
    """The street of an ``addr:street``: "Kaivopiha, Mannerheimintie" names a building first,
    and "Pohjoisesplanadi 33" carries the number as well."""
    last = raw.rsplit(",", 1)[-1].strip()
    return _TRAILING_NUMBER.sub("", last).strip() or last


def _clean_city(raw: str) -> str:
    # A city without a letter ("7") is a mistake in the data; better none than a wrong one.
    city = raw.strip()
    return city if any(c.isalpha() for c in city) else ""


def _flats(tags: osmium.osm.TagList) -> int:
    """Dwellings a building tag tells of: building:flats, or 2 for a block of flats."""
    found = re.match(r"\s*(\d+)", tags.get("building:flats") or "")
    flats = int(found.group(1)) if found else 0
    if tags.get("building") in MULTI_DWELLING_BUILDINGS:
        flats = max(flats, 2)
    return flats


def _address(
    tags: osmium.osm.TagList,
    lat: float,
    lon: float,
    *,
    entrance: bool,
    unit: str = "",
    outline: bool = False,
) -> Address | None:
    number = clean_housenumber(tags.get("addr:housenumber") or "")
    street = clean_street(tags.get("addr:street") or tags.get("addr:place") or "")
    if not number or not street:
        return None
    return Address(
        street=street,
        housenumber=number,
        postcode=(tags.get("addr:postcode") or "").strip(),
        city=_clean_city(tags.get("addr:city") or ""),
        lat=lat,
        lon=lon,
        entrance=entrance,
        units=_flats(tags),
        unit=unit,
        outline=outline,
    )


@dataclass
class _AddressReader:
    """Collects address points while the extract streams past, then counts units per address.

    Units are the dwellings or staircases of an address: ``building:flats`` where mapped,
    else the staircases its entrances lead to (distinct by ``ref``/``addr:unit``; a staircase
    without a ref counts on its own), at least 2 for a block of flats.
    """

    addresses: list[Address] = field(default_factory=list)
    # Entrance nodes without an address of their own, by OSM id: kind, ref, lat, lon. They
    # come before the ways in a sorted extract, so a building outline can claim its doors.
    doors: dict[int, tuple[str, str, float, float]] = field(default_factory=dict)
    staircases: defaultdict[tuple[str, str], set[str]] = field(
        default_factory=lambda: defaultdict(set)
    )

    def node(self, node: osmium.osm.Node) -> None:
        tags = node.tags
        kind = tags.get("entrance")
        if not node.location.valid() or (kind is None and "addr:housenumber" not in tags):
            return
        lat, lon = node.location.lat, node.location.lon
        ref = (tags.get("ref") or tags.get("addr:unit") or "").strip() if kind else ""
        if "addr:housenumber" not in tags:
            assert kind is not None
            self.doors[node.id] = (kind, ref, lat, lon)
            return
        found = _address(tags, lat, lon, entrance=kind is not None, unit=ref)
        if found is not None:
            self.addresses.append(found)
            if kind is not None:
                self._door(found, kind, ref, node.id)

    def way(self, way: osmium.osm.Way) -> None:
        """A building outline with an address: its address point is the outline's mean
        position, and each entrance node on the outline is a door of the same address."""
        points = [(n.location.lat, n.location.lon) for n in way.nodes if n.location.valid()]
        if not points:
            return
        lat = sum(p[0] for p in points) / len(points)
        lon = sum(p[1] for p in points) / len(points)
        found = _address(way.tags, lat, lon, entrance=False, outline=True)
        if found is None:
            return
        self.addresses.append(found)
        for node in way.nodes:
            door = self.doors.get(node.ref)
            if door is None:
                continue
            kind, ref, door_lat, door_lon = door
            self.addresses.append(
                Address(
                    street=found.street,
                    housenumber=found.housenumber,
                    postcode=found.postcode,
                    city=found.city,
                    lat=door_lat,
                    lon=door_lon,
                    entrance=True,
                    units=found.units,
                    unit=ref,
                )
            )
            self._door(found, kind, ref, node.ref)

    def _door(self, address: Address, kind: str, ref: str, node_id: int) -> None:
        if kind not in DWELLING_ENTRANCES:
            return
        # A main door without a ref is just the way in; an unnamed staircase is one more.
        if ref or kind == "staircase":
            key = (address.street, address.housenumber)
            self.staircases[key].add(ref or f"node {node_id}")

    def finish(self) -> list[Address]:
        units: dict[tuple[str, str], int] = {}
        for a in self.addresses:
            key = (a.street, a.housenumber)
            units[key] = max(units.get(key, 0), a.units, len(self.staircases.get(key, ())))
        for a in self.addresses:
            a.units = units[(a.street, a.housenumber)]
        return self.addresses


def _street_aliases(tags: osmium.osm.TagList, found: set[StreetAlias]) -> None:
    """The other names of a named street way (language forms, old and local names)."""
    name = tags.get("name")
    if not name:
        return
    for keys, secondary in ((LANGUAGE_NAME_KEYS, False), (OTHER_NAME_KEYS, True)):
        for key in keys:
            for alias in (tags.get(key) or "").split(";"):
                if alias.strip() and alias.strip() != name:
                    found.add(StreetAlias(name, alias.strip(), secondary))


def read_osm(path: Path) -> RoadData:
    """Parse ``path`` (.osm.pbf or .osm) into road ways, road nodes, restrictions and addresses."""
    if not path.is_file():
        raise FileNotFoundError(f"OpenStreetMap file not found: {path}")
    osm_index: dict[int, int] = {}
    lats: list[float] = []
    lons: list[float] = []
    ways: list[Way] = []
    addresses = _AddressReader()
    aliases: set[StreetAlias] = set()
    tagged_nodes: dict[int, dict[str, str]] = {}
    raw_restrictions: list[tuple[str, str, int, int, int, frozenset[str]]] = []

    processor = osmium.FileProcessor(str(path)).with_locations()
    for obj in processor:
        if isinstance(obj, osmium.osm.Node):
            tags = obj.tags
            if len(tags) == 0:
                continue
            if "addr:housenumber" in tags or "entrance" in tags:
                addresses.node(obj)
            wanted = _subset(tags, NODE_KEYS)
            if wanted:
                tagged_nodes[obj.id] = wanted
        elif isinstance(obj, osmium.osm.Way):
            tags = obj.tags
            if "addr:housenumber" in tags:
                addresses.way(obj)
            if "highway" not in tags and tags.get("route") != "ferry":
                continue
            if "highway" in tags:
                _street_aliases(tags, aliases)
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
        addresses=addresses.finish(),
        street_aliases=sorted(aliases, key=lambda a: (a.street, a.alias, a.secondary)),
    )


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
