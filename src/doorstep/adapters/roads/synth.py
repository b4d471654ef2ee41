"""A synthetic city written as a real OpenStreetMap file, to test routing and geocoding at scale.

The city is drawn on a street lattice, because a lattice gives the one property every road
network must have for free: streets only ever meet at shared nodes. Everything that makes the
city look real is layered on top of it:

* Lines of the lattice are about 108 m apart. Every sixth line bounds a *superblock* (about
  650 m square) and is a collector (tertiary), every twelfth a secondary road, every
  thirty-sixth a primary arterial; the central arterials are dual carriageways (two one-way
  ways 18 m apart). Inside a superblock only every line (dense centre, ~110 m blocks), every
  second (~215 m) or every third (~325 m, suburbs) is a residential street; some superblocks
  are parks or forest with no streets but a cycleway, and a share of residential segments is
  removed so that the network is not a perfect grid. The dense centre reaches 3 km out in a
  25 km city; smaller (test) cities shrink the zones so that they still have all three.
* Cul-de-sacs and service roads are short stubs into the larger suburban blocks.
* Node positions are jittered and the whole plane is gently sheared, so streets are not ruler
  straight. Shared jitter keeps the two carriageways of a dual road parallel.
* A meandering river crosses the whole city; every street that would cross it (or pass within
  a few metres) is removed on both banks except for a handful of bridges on arterials.
* Streets are named per line and district, addresses run odd/even along each street, and a
  few turn restrictions, access restrictions, one-ways and signals complete the picture.
* For the geocoder, about one street in six also has a Swedish name (``name:sv``, "Birch Lane"
  is also "Birchgränden"), as Helsinki's streets do, and about one address in eight is a block
  of flats (``building=apartments`` with ``building:flats``).

Everything is drawn from ``numpy.random.default_rng(seed)`` and written with fixed metadata,
so the same seed always gives a byte-identical ``.osm.pbf``. The default centre lies in the
open Atlantic off West Africa (0.5 N, 0.5 E), where no real city can be confused with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import osmium
from osmium.osm import mutable
from scipy.sparse import csr_array
from scipy.sparse.csgraph import breadth_first_order

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# --- Geometry of the lattice ---------------------------------------------------------------------
BLOCK_M = (98.0, 118.0)  # spacing between neighbouring lattice lines
SUPER = 6  # lattice cells per superblock side
SECONDARY_EVERY = 12  # lattice lines between secondary roads
PRIMARY_EVERY = 36  # lattice lines between primary arterials (also district borders)
DUAL_WITHIN = 36  # arterials this many lines from the centre are dual carriageways
DUAL_HALF_M = 9.0  # half the distance between the two carriageways
JITTER_M = 3.0  # standard deviation of the node jitter (clipped at 2.3 sigma)
WARP_M = 35.0  # amplitude of the smooth shear applied to the whole plane
DENSE_RADIUS_M = 3000.0  # superblocks closer than this to the centre have ~110 m blocks
RIVER_CLEARANCE_M = 15.0  # streets keep this far (across the river) from its centre line
EARTH_RADIUS_M = 6_371_008.8

# --- Road classes, in order of importance (lower is more important) ------------------------------
NONE, PRIMARY, SECONDARY, TERTIARY, RESIDENTIAL, LIVING, SERVICE, PEDESTRIAN, CYCLEWAY = range(9)
HIGHWAY = {
    PRIMARY: "primary",
    SECONDARY: "secondary",
    TERTIARY: "tertiary",
    RESIDENTIAL: "residential",
    LIVING: "living_street",
    SERVICE: "service",
    PEDESTRIAN: "pedestrian",
    CYCLEWAY: "cycleway",
}
CAR_CLASSES = (PRIMARY, SECONDARY, TERTIARY, RESIDENTIAL, LIVING, SERVICE)
ADDRESSED_CLASSES = (SECONDARY, TERTIARY, RESIDENTIAL, LIVING)

# --- Per-edge flags ------------------------------------------------------------------------------
BRIDGE, PRIVATE, NO_MOTOR, MAXWEIGHT, MAXHEIGHT, DUAL, STUB, MINUS_STYLE = (
    1 << i for i in range(8)
)
NO_CARS = PRIVATE | NO_MOTOR

# Channels of the lattice edge arrays (one int64 plane per attribute).
CLS, STREET, ONEWAY, FLAGS, ZONE, LAND = range(6)
N_CHANNELS = 6

# Street keys: which line (and which district of it) a street is, so that each gets one name.
KEY_LINE = 1_000
KEY_ORIENT = 100_000_000
STUB_KEYS = 3 * KEY_ORIENT

# Fixed metadata: the file must not depend on when or by whom it was written.
TIMESTAMP = "2024-01-01T00:00:00Z"
META: dict[str, Any] = {
    "version": 1,
    "changeset": 1,
    "uid": 1,
    "user": "doorstep-synth",
    "timestamp": TIMESTAMP,
}

# --- Street names --------------------------------------------------------------------------------
_WORD_GROUPS = (
    "Acorn Alder Apple Ash Aspen Bay Beech Birch Bramble Briar Cedar Cherry Chestnut Clover "
    "Cypress Elder Elm Fern Fir Hawthorn Hazel Heather Holly Juniper Larch Laurel Lilac Linden "
    "Maple Myrtle Oak Olive Orchard Pine Poplar Primrose Rowan Sage Spruce Sycamore Thistle "
    "Walnut Willow Yew",
    "Heron Kestrel Lark Magpie Martin Nightingale Osprey Raven Robin Sparrow Starling Swallow "
    "Swan Wren Falcon Finch Kingfisher Plover",
    "Abbey Anchor Baker Bell Brook Canal Castle Chapel Church Cooper Dock Fisher Forge Foundry "
    "Garden Glass Granary Harbour Haven Kiln Lock Market Meadow Mill Mint Quarry Queen King Rope "
    "Salt School Smith Spring Station Tanner Temple Tower Weaver Well Wharf Windmill",
    "Bank Beacon Cliff Coast Dale Dune Field Ford Glen Grange Green Heath Hollow Lake Marsh Moor "
    "Pond Ridge Shore Stone Summit Vale Valley Water Wood",
    "Ada Albert Alice Byron Clara Darwin Edison Elgar Faraday Hardy Irving Keats Kepler Milton "
    "Newton Nobel Shelley Turing Victoria Wesley",
)
WORDS = tuple(word for group in _WORD_GROUPS for word in group.split())
PREFIXES = ("", "North ", "South ", "East ", "West ", "Upper ", "Lower ", "Old ", "New ")
# Suffix groups are disjoint, so names drawn from different groups can never collide.
SUFFIXES = {
    "major": ("Avenue", "Boulevard", "Road", "Parkway"),
    "tertiary": ("Street", "Way", "Drive"),
    "residential": (
        "Lane",
        "Grove",
        "Terrace",
        "Gardens",
        "Walk",
        "Row",
        "Place",
        "Crescent",
        "Rise",
        "Hill",
    ),
    "stub": ("Close", "Court", "Mews", "End", "Yard", "Circle"),
}


# Swedish forms of the name parts, for the streets that get a name:sv. Each suffix has its own
# form, so two streets never share a Swedish name unless they share the English one.
SWEDISH_PREFIXES = {
    "North ": "Norra ",
    "South ": "Södra ",
    "East ": "Östra ",
    "West ": "Västra ",
    "Upper ": "Övre ",
    "Lower ": "Nedre ",
    "Old ": "Gamla ",
    "New ": "Nya ",
}
SWEDISH_SUFFIXES = {
    "Avenue": "allén",
    "Boulevard": "bulevarden",
    "Road": "vägen",
    "Parkway": "parkvägen",
    "Street": "gatan",
    "Way": "leden",
    "Drive": "stråket",
    "Lane": "gränden",
    "Grove": "lunden",
    "Terrace": "terrassen",
    "Gardens": "trädgården",
    "Walk": "promenaden",
    "Row": "raden",
    "Place": "platsen",
    "Crescent": "bågen",
    "Rise": "backen",
    "Hill": "kullen",
    "Close": "slingan",
    "Court": "gården",
    "Mews": "stallarna",
    "End": "änden",
    "Yard": "planen",
    "Circle": "ringen",
}
SWEDISH_EVERY = 6  # about one street in this many has a Swedish name
FLATS_EVERY = 8  # about one address in this many is a block of flats


def _mix(*values: int) -> int:
    """A well-spread hash of integers: picks streets and houses without drawing from the
    city's random generator, so adding these tags left every other part of the city as it was."""
    h = 0x9E3779B9
    for v in values:
        h = ((h ^ (v & 0xFFFFFFFF)) * 0x85EBCA6B) & 0xFFFFFFFF
        h ^= h >> 13
    return h


def _swedish_name(name: str) -> str:
    """The Swedish form of a synthetic street name: "North Birch Lane" -> "Norra Birchgränden"."""
    prefix = next((p for p in SWEDISH_PREFIXES if name.startswith(p)), "")
    rest = name[len(prefix) :]
    word, _, suffix = rest.rpartition(" ")
    number = ""
    if suffix.isdigit():  # a qualified repeat, "Birch Lane 2"
        number = f" {suffix}"
        word, _, suffix = word.rpartition(" ")
    return f"{SWEDISH_PREFIXES.get(prefix, '')}{word}{SWEDISH_SUFFIXES[suffix]}{number}"


@dataclass(frozen=True)
class SynthSummary:
    """What was written. ``intersections`` counts highway nodes where three or more edges meet."""

    path: Path
    size_km: float
    seed: int
    nodes: int
    ways: int
    intersections: int
    addresses: int
    bridges: int  # bridge=yes ways (a dual-carriageway bridge is two ways)
    bbox: tuple[float, float, float, float]  # (min_lat, min_lon, max_lat, max_lon)


def write_synthetic_city(
    path: Path,
    *,
    name: str,
    size_km: float = 25.0,
    seed: int = 0,
    center: tuple[float, float] = (0.5, 0.5),
) -> SynthSummary:
    """Write a ``size_km`` x ``size_km`` city around ``center`` (lat, lon) to ``path`` as PBF."""
    if not 1.0 <= size_km <= 200.0:
        raise ValueError(f"size_km must be between 1 and 200, not {size_km}")
    if not name.strip():
        raise ValueError("the city needs a name (it becomes addr:city)")
    if not (-80.0 <= center[0] <= 80.0 and -180.0 <= center[1] <= 180.0):
        raise ValueError(f"center must be (lat, lon) with |lat| <= 80, not {center}")
    rng = np.random.default_rng(seed)
    size_m = size_km * 1000.0
    city = _build_city(size_m, rng)
    return _write(Path(path), city, name=name, size_km=size_km, seed=seed, center=center)


# =================================================================================================
# The lattice
# =================================================================================================


@dataclass(frozen=True)
class _Axis:
    """The lattice lines along one axis (x: columns, y: rows), positions centred on the city."""

    pos: FloatArray  # position of each line (m)
    kc: IntArray  # line index counted from the central line
    sb_of_cell: IntArray  # superblock (0-based) of each cell between line k and k + 1
    district_of_cell: IntArray  # district (between two arterials) of each cell
    line_cls: IntArray  # class a present line has: arterial, collector or residential
    dual: BoolArray  # the line is a dual carriageway
    n_sb: int

    @property
    def phase(self) -> IntArray:
        """Position of each line inside its superblock; 0 for superblock boundaries."""
        return np.mod(self.kc, SUPER)

    def line_sb(self) -> tuple[IntArray, IntArray]:
        """The superblocks before and after each line (the same one for interior lines)."""
        n = self.pos.size
        before = self.sb_of_cell[np.clip(np.arange(n) - 1, 0, n - 2)]
        after = self.sb_of_cell[np.clip(np.arange(n), 0, n - 2)]
        return before, after

    def sb_centre(self) -> FloatArray:
        mid = (self.pos[:-1] + self.pos[1:]) / 2
        counts = np.bincount(self.sb_of_cell, minlength=self.n_sb)
        return np.bincount(self.sb_of_cell, weights=mid, minlength=self.n_sb) / np.maximum(
            counts, 1
        )


def _axis(size_m: float, rng: np.random.Generator) -> _Axis:
    """Lattice lines with slightly irregular spacing, one line exactly through the centre."""
    spacing = rng.uniform(*BLOCK_M, size=int(size_m / BLOCK_M[0]) + 2)
    pos = np.concatenate(([0.0], np.cumsum(spacing)))
    pos = pos[pos <= size_m]
    centre = int(np.argmin(np.abs(pos - size_m / 2)))
    pos = pos - pos[centre]
    kc = np.arange(pos.size, dtype=np.int64) - centre
    sb = np.floor_divide(kc[:-1], SUPER)
    district = np.floor_divide(kc[:-1], PRIMARY_EVERY)
    line_cls = np.full(pos.size, RESIDENTIAL, dtype=np.int64)
    line_cls[np.mod(kc, SUPER) == 0] = TERTIARY
    line_cls[np.mod(kc, SECONDARY_EVERY) == 0] = SECONDARY
    line_cls[np.mod(kc, PRIMARY_EVERY) == 0] = PRIMARY
    interior = (np.arange(pos.size) > 0) & (np.arange(pos.size) < pos.size - 1)
    dual = (line_cls == PRIMARY) & (np.abs(kc) <= DUAL_WITHIN) & interior
    return _Axis(
        pos=pos,
        kc=kc,
        sb_of_cell=sb - sb.min(),
        district_of_cell=district - district.min(),
        line_cls=line_cls,
        dual=dual,
        n_sb=int(sb.max() - sb.min() + 1),
    )


@dataclass(frozen=True)
class _Zones:
    """Per superblock (rows = y, columns = x): street stride 1/2/3, green (park or forest)."""

    stride: IntArray
    green: BoolArray
    dense_radius: float


def _zones(ax: _Axis, ay: _Axis, size_m: float, rng: np.random.Generator) -> _Zones:
    """Dense centre, medium ring, sparse suburbs; irregular borders; parks more common outside."""
    # Small test cities still get all three zones: the radii shrink with the city.
    dense = min(DENSE_RADIUS_M, 0.25 * size_m)
    sparse = max(1.5 * dense, 0.3 * size_m)
    cx, cy = ax.sb_centre(), ay.sb_centre()
    dist = np.hypot(cy[:, None], cx[None, :])
    noisy = dist + rng.normal(0.0, 0.1 * dense, size=dist.shape)
    stride = np.where(noisy < dense, 1, np.where(noisy < sparse, 2, 3)).astype(np.int64)
    p_green = np.array([0.0, 0.05, 0.10, 0.16])[stride]
    green = (rng.random(dist.shape) < p_green) & (dist > 700.0)  # the centre stays built up
    return _Zones(stride=stride, green=green, dense_radius=dense)


def _edges_along(a: _Axis, b: _Axis, stride: IntArray, green: BoolArray, orient: int) -> IntArray:
    """Edges along the lines of axis ``a`` through the cells of axis ``b``: shape (C, na, nb-1).

    ``stride`` and ``green`` are indexed [superblock of a, superblock of b].
    """
    before, after = a.line_sb()
    sb_b = b.sb_of_cell[None, :]
    lo, hi = before[:, None], after[:, None]
    boundary = (a.phase == 0)[:, None]
    major = (a.line_cls <= SECONDARY)[:, None]
    g_lo, g_hi = green[lo, sb_b], green[hi, sb_b]
    s_lo, s_hi = stride[lo, sb_b], stride[hi, sb_b]
    # Superblock boundaries are streets unless they separate two parks (arterials always are).
    on_boundary = boundary & (major | ~(g_lo & g_hi))
    # Inside a superblock every line, every second or every third is a street.
    inside = ~boundary & ~g_hi & (np.mod(a.phase[:, None], s_hi) == 0)
    # Parks get a cycleway along their middle lines.
    path = ~boundary & g_hi & (a.phase[:, None] == SUPER // 2)

    shape = (a.pos.size, b.pos.size - 1)
    ch = np.zeros((N_CHANNELS, *shape), dtype=np.int64)
    ch[CLS] = np.where(
        on_boundary,
        a.line_cls[:, None],
        np.where(inside, RESIDENTIAL, np.where(path, CYCLEWAY, NONE)),
    )
    ch[ZONE] = np.where(boundary, np.minimum(s_lo, s_hi), s_hi)
    ch[LAND] = np.where(boundary, g_lo & g_hi, g_hi)
    # One street per arterial line; collectors and residential lines get one per district.
    line_key = orient * KEY_ORIENT + np.arange(a.pos.size)[:, None] * KEY_LINE
    district = np.broadcast_to(b.district_of_cell[None, :] + 1, shape)
    ch[STREET] = np.where(major, line_key, line_key + district)
    ch[STREET][ch[CLS] == CYCLEWAY] = -1
    return ch


def _remove_segments(ch: IntArray, rng: np.random.Generator) -> None:
    """Drop a share of residential segments (more in the suburbs) so the grid is not a lattice."""
    share = np.array([0.0, 0.05, 0.10, 0.14])[ch[ZONE]]
    drop = (ch[CLS] == RESIDENTIAL) & (rng.random(ch[CLS].shape) < share)
    ch[CLS][drop] = NONE


def _occupied(h: IntArray, v: IntArray) -> tuple[BoolArray, BoolArray]:
    """Nodes (rows, columns) touched by a horizontal edge, and by a vertical edge."""
    hp, vp = h[CLS] > 0, v[CLS] > 0
    by_h = np.zeros((hp.shape[0], hp.shape[1] + 1), dtype=np.bool_)
    by_h[:, :-1] |= hp
    by_h[:, 1:] |= hp
    by_v = np.zeros((vp.shape[0], vp.shape[1] + 1), dtype=np.bool_)
    by_v[:, :-1] |= vp
    by_v[:, 1:] |= vp
    return by_h, by_v.T


def _stub_candidates(ch: IntArray, from_perp: BoolArray, occupied: BoolArray) -> IntArray:
    """Absent edges that could become a one-cell stub from a street into an empty block.

    Returns (line, cell, free-end cell index) rows for stubs pointing forward and backward.
    ``from_perp`` marks nodes on a perpendicular street; ``occupied`` nodes touched by anything.
    """
    free = (ch[CLS] == NONE) & (ch[LAND] == 0) & (ch[ZONE] >= 2)
    forward = free & from_perp[:, :-1] & ~occupied[:, 1:]
    backward = free & from_perp[:, 1:] & ~occupied[:, :-1]
    fl, fc = np.nonzero(forward)
    bl, bc = np.nonzero(backward)
    return np.concatenate(
        (np.stack((fl, fc, fc + 1), axis=1), np.stack((bl, bc, bc), axis=1))
    ).astype(np.int64)


def _add_stubs(h: IntArray, v: IntArray, rng: np.random.Generator) -> None:
    """Cul-de-sacs and service roads: short dead ends into the larger suburban blocks."""
    by_h, by_v = _occupied(h, v)
    occupied = by_h | by_v
    ny, nx = occupied.shape
    cand_h = _stub_candidates(h, by_v, occupied)
    cand_v = _stub_candidates(v, by_h.T, occupied.T)
    # Free ends as flat node indices (row * nx + column) so both orientations can be compared.
    end_h = cand_h[:, 0] * nx + cand_h[:, 2]
    end_v = cand_v[:, 2] * nx + cand_v[:, 0]
    zone = np.concatenate(
        (h[ZONE][cand_h[:, 0], cand_h[:, 1]], v[ZONE][cand_v[:, 0], cand_v[:, 1]])
    )
    chosen = rng.random(zone.size) < np.array([0.0, 0.0, 0.06, 0.12])[zone]
    ends = np.concatenate((end_h, end_v))
    # Two stubs meeting at a free end would make a through street, not a dead end: drop both.
    hits = np.bincount(ends[chosen], minlength=ny * nx)
    chosen &= hits[ends] == 1
    service = rng.random(zone.size) < np.array([0.0, 0.0, 0.3, 0.15])[zone]
    keys = STUB_KEYS + np.arange(zone.size, dtype=np.int64)
    for ch, cand, sl in ((h, cand_h, slice(0, len(cand_h))), (v, cand_v, slice(len(cand_h), None))):
        pick = chosen[sl]
        line, cell = cand[pick, 0], cand[pick, 1]
        is_service = service[sl][pick]
        ch[CLS][line, cell] = np.where(is_service, SERVICE, RESIDENTIAL)
        ch[FLAGS][line, cell] |= STUB
        ch[STREET][line, cell] = np.where(is_service, -1, keys[sl][pick])


def _expand(
    along: IntArray, across: IntArray, dual: BoolArray, forward_side: int
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Split every dual line into two one-way carriageways, one each side of it.

    ``along``: (C, n_lines, cells) edges along this axis's lines; ``across``: (C, other lines,
    n_lines - 1) edges crossing them. Returns the new arrays, the base line of every new line and
    its side (-1, 0, +1). A street crossing a dual road gets a short median edge between the
    carriageways only if it continues on both sides; otherwise it meets one carriageway in a T.
    """
    n = dual.size
    copies = np.where(dual, 2, 1)
    base = np.repeat(np.arange(n, dtype=np.int64), copies)
    first = np.cumsum(copies) - copies
    side = np.zeros(base.size, dtype=np.int64)
    side[first[dual]] = -1
    side[first[dual] + 1] = 1

    new_along = along[:, base, :].copy()
    carriageway = (side != 0)[:, None] & (new_along[CLS] > 0)
    # Right-hand traffic: each carriageway carries the direction on its side.
    new_along[ONEWAY] = np.where(carriageway, forward_side * side[:, None], new_along[ONEWAY])
    new_along[FLAGS] = np.where(carriageway, new_along[FLAGS] | DUAL, new_along[FLAGS])

    gap_base = base[:-1]
    median = base[:-1] == base[1:]
    new_across = across[:, :, np.minimum(gap_base, n - 2)].copy()
    if median.any():
        k = gap_base[median]
        before = across[:, :, np.clip(k - 1, 0, n - 2)]
        after = across[:, :, np.clip(k, 0, n - 2)]
        through = (before[CLS] > 0) & (after[CLS] > 0) & ((k >= 1) & (k <= n - 2))[None, :]
        new_across[:, :, median] = np.where(through[None], before, 0)
    return new_along, new_across, base, side


# =================================================================================================
# Flat edges
# =================================================================================================


@dataclass
class _Edges:
    """Street segments between lattice nodes; ``u`` comes before ``v`` along the line."""

    u: IntArray
    v: IntArray
    orient: IntArray  # 0: along a row (west to east), 1: along a column (south to north)
    line: IntArray  # row or column of the expanded lattice
    along: IntArray  # cell index along that line
    base_line: IntArray  # line of the base lattice (both carriageways of a dual road share it)
    base_cell: IntArray  # cell of the base lattice along the line
    cls: IntArray
    street: IntArray  # street key, -1 for unnamed ways
    oneway: IntArray  # +1: only u -> v, -1: only v -> u, 0: both
    flags: IntArray
    zone: IntArray

    def take(self, keep: BoolArray | IntArray) -> _Edges:
        return _Edges(**{f.name: getattr(self, f.name)[keep] for f in fields(self)})

    def drivable(self) -> BoolArray:
        car: BoolArray = np.isin(self.cls, CAR_CLASSES) & ((self.flags & NO_CARS) == 0)
        return car


def _flatten(h: IntArray, v: IntArray, nx: int, bx: IntArray, by: IntArray) -> _Edges:
    hr, hc = np.nonzero(h[CLS] > 0)
    vc, vr = np.nonzero(v[CLS] > 0)
    hu = hr * nx + hc
    vu = vr * nx + vc

    def channel(c: int) -> IntArray:
        return np.concatenate((h[c][hr, hc], v[c][vc, vr]))

    return _Edges(
        u=np.concatenate((hu, vu)),
        v=np.concatenate((hu + 1, vu + nx)),
        orient=np.concatenate((np.zeros(hr.size, np.int64), np.ones(vr.size, np.int64))),
        line=np.concatenate((hr, vc)),
        along=np.concatenate((hc, vr)),
        base_line=np.concatenate((by[hr], bx[vc])),
        base_cell=np.concatenate((bx[hc], by[vr])),
        cls=channel(CLS),
        street=channel(STREET),
        oneway=channel(ONEWAY),
        flags=channel(FLAGS),
        zone=channel(ZONE),
    )


def _node_positions(
    ax: _Axis,
    ay: _Axis,
    bx: IntArray,
    sx: IntArray,
    by: IntArray,
    sy: IntArray,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray, _Warp]:
    """Positions of all expanded lattice nodes: line position + shared jitter + smooth shear."""
    clip = 2.3 * JITTER_M
    jx = np.clip(rng.normal(0.0, JITTER_M, (ay.pos.size, ax.pos.size)), -clip, clip)
    jy = np.clip(rng.normal(0.0, JITTER_M, (ay.pos.size, ax.pos.size)), -clip, clip)
    warp = _Warp.draw(rng)
    gx = ax.pos[bx] + sx * DUAL_HALF_M
    gy = ay.pos[by] + sy * DUAL_HALF_M
    x = gx[None, :] + jx[by[:, None], bx[None, :]]
    y = gy[:, None] + jy[by[:, None], bx[None, :]]
    wx, wy = warp.apply(x.ravel(), y.ravel())
    return wx, wy, warp


@dataclass(frozen=True)
class _Warp:
    """A gentle shear x += f(y), y += g(x): streets curve a little but can never cross."""

    wavelength: tuple[float, float]
    phase: tuple[float, float]

    @staticmethod
    def draw(rng: np.random.Generator) -> _Warp:
        lam = rng.uniform(1800.0, 3500.0, 2)
        ph = rng.uniform(0.0, 2 * math.pi, 2)
        return _Warp((float(lam[0]), float(lam[1])), (float(ph[0]), float(ph[1])))

    def apply(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        wx = x + WARP_M * np.sin(2 * math.pi * y / self.wavelength[0] + self.phase[0])
        wy = y + WARP_M * np.sin(2 * math.pi * wx / self.wavelength[1] + self.phase[1])
        return wx, wy


# =================================================================================================
# The river
# =================================================================================================


@dataclass(frozen=True)
class _River:
    """A meandering centre line t = f(s) in a frame rotated by ``angle`` (s along, t across)."""

    angle: float
    s: FloatArray
    t: FloatArray

    def to_frame(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        c, s = math.cos(self.angle), math.sin(self.angle)
        return x * c + y * s, -x * s + y * c

    def xy(self) -> tuple[FloatArray, FloatArray]:
        c, s = math.cos(self.angle), math.sin(self.angle)
        return self.s * c - self.t * s, self.s * s + self.t * c

    @property
    def runs_east_west(self) -> bool:
        return abs(math.cos(self.angle)) > abs(math.sin(self.angle))

    def near(
        self, x1: FloatArray, y1: FloatArray, x2: FloatArray, y2: FloatArray, margin: float
    ) -> BoolArray:
        """Segments that cross the river or come within ``margin`` of it (measured across it).

        Along a segment the gap g(s) = t_segment(s) - f(s) is piecewise linear with breaks at
        the river's vertices, so its extremes are at the ends or at those vertices.
        """
        s1, t1 = self.to_frame(x1, y1)
        s2, t2 = self.to_frame(x2, y2)
        g1 = t1 - np.interp(s1, self.s, self.t)
        g2 = t2 - np.interp(s2, self.s, self.t)
        gmin, gmax = np.minimum(g1, g2), np.maximum(g1, g2)
        first = np.searchsorted(self.s, np.minimum(s1, s2), side="right")
        stop = np.searchsorted(self.s, np.maximum(s1, s2), side="left")
        width = int((stop - first).max()) if stop.size else 0
        if width > 0:
            idx = first[:, None] + np.arange(width)
            valid = idx < stop[:, None]
            idx = np.minimum(idx, self.s.size - 1)
            ds = s2 - s1
            safe = np.where(np.abs(ds) > 1e-9, ds, 1.0)
            w = (self.s[idx] - s1[:, None]) / safe[:, None]
            g = t1[:, None] + w * (t2 - t1)[:, None] - self.t[idx]
            gmin = np.minimum(gmin, np.where(valid, g, np.inf).min(axis=1))
            gmax = np.maximum(gmax, np.where(valid, g, -np.inf).max(axis=1))
        near: BoolArray = (gmin < margin) & (gmax > -margin)
        return near


def _river(size_m: float, rng: np.random.Generator) -> _River:
    """A river across the whole city, roughly east-west or north-south.

    The meander's slope stays below 0.45 and the axis within 20 degrees of the lattice, so a
    street perpendicular to the river's axis crosses it exactly once: a clean bridge site.
    """
    axis = math.pi / 2 if rng.random() < 0.5 else 0.0
    angle = axis + float(rng.uniform(-0.35, 0.35))
    lam1 = float(np.clip(size_m / 4, 1500.0, 6000.0))
    lam2 = lam1 * float(rng.uniform(0.33, 0.42))
    phase = rng.uniform(0.0, 2 * math.pi, 2)
    offset = float(rng.uniform(-0.15, 0.15)) * size_m
    s = np.arange(-0.75 * size_m, 0.75 * size_m + 1.0, 40.0)
    t = (
        offset
        + 0.05 * lam1 * np.sin(2 * math.pi * s / lam1 + phase[0])
        + 0.02 * lam2 * np.sin(2 * math.pi * s / lam2 + phase[1])
    )
    river = _River(angle=angle, s=s, t=t)
    # Keep the part over the city plus one vertex either side.
    x, y = river.xy()
    inside = np.flatnonzero((np.abs(x) <= size_m / 2 + 150) & (np.abs(y) <= size_m / 2 + 150))
    lo, hi = max(int(inside[0]) - 1, 0), min(int(inside[-1]) + 2, s.size)
    return _River(angle=angle, s=s[lo:hi], t=t[lo:hi])


def _cut_at_river(
    edges: _Edges,
    x: FloatArray,
    y: FloatArray,
    river: _River,
    axis: _Axis,
    size_m: float,
    rng: np.random.Generator,
) -> _Edges:
    """Remove every street near the river except the bridges chosen on a few arterial lines."""
    near = river.near(x[edges.u], y[edges.u], x[edges.v], y[edges.v], RIVER_CLEARANCE_M)
    across = 1 if river.runs_east_west else 0  # columns cross an east-west river
    site = near & (edges.orient == across) & (edges.cls <= TERTIARY) & (edges.cls > NONE)
    lines = np.unique(edges.base_line[site])
    # A line is a bridge site if only arterials/collectors of that line come near the river.
    on_line = near & (edges.orient == across)
    ok = [bool(np.all(edges.cls[on_line & (edges.base_line == k)] <= TERTIARY)) for k in lines]
    lines = lines[np.asarray(ok, dtype=np.bool_)] if lines.size else lines
    line_cls = axis.line_cls[lines]
    order = np.lexsort((rng.random(lines.size), line_cls))
    wanted = int(np.clip(round(size_m / 6000.0) + 1, 2, 5))
    min_gap = 0.6 * size_m / wanted
    chosen: list[int] = []
    for k in lines[order]:
        if len(chosen) < wanted and all(abs(axis.pos[k] - axis.pos[c]) >= min_gap for c in chosen):
            chosen.append(int(k))
    bridge = on_line & np.isin(edges.base_line, chosen)
    edges.flags[bridge] |= BRIDGE
    keep = ~near | bridge
    # Nothing may join a bridge half way: it is a layer above the streets around it.
    counts = np.bincount(np.concatenate((edges.u[bridge], edges.v[bridge])), minlength=x.size)
    on_deck = counts >= 2
    keep &= bridge | ~(on_deck[edges.u] | on_deck[edges.v])
    return edges.take(keep)


# =================================================================================================
# Streets: classes, one-ways, access, connectivity
# =================================================================================================


def _pick(
    candidates: BoolArray, share: float, at_least: int, rng: np.random.Generator
) -> BoolArray:
    """A random ``share`` of the candidates, topped up to ``at_least`` where there are enough."""
    draw = rng.random(candidates.size)
    chosen = candidates & (draw < share)
    missing = at_least - int(chosen.sum())
    if missing > 0:
        spare = np.flatnonzero(candidates & ~chosen)
        chosen[spare[np.argsort(draw[spare], kind="stable")][:missing]] = True
    return chosen


def _street_attributes(edges: _Edges, rng: np.random.Generator) -> None:
    """Decide per street: living street, one-way (alternating on parallel lines), access limits."""
    named = edges.street >= 0
    keys, inverse = np.unique(edges.street[named], return_inverse=True)
    n = keys.size
    cls = np.full(n, 99, dtype=np.int64)
    np.minimum.at(cls, inverse, edges.cls[named])
    zone = np.full(n, 9, dtype=np.int64)
    np.minimum.at(zone, inverse, edges.zone[named])
    stub = keys >= STUB_KEYS
    residential = (cls == RESIDENTIAL) & ~stub
    parity = np.mod(keys // KEY_LINE, 2)

    living = _pick(residential & (zone <= 2), 0.05, 2, rng)
    oneway = _pick(residential & ~living & (zone == 1), 0.55, 4, rng) | _pick(
        residential & ~living & (zone == 2), 0.12, 0, rng
    )
    # Neighbouring parallel streets run in opposite directions, so every block can be circled.
    direction = np.where(parity == 0, 1, -1) * oneway
    minus_style = _pick(direction == -1, 0.25, 2, rng)
    two_way = residential & ~oneway & ~living
    private = _pick(stub & (cls == RESIDENTIAL), 0.02, 2, rng)
    if not private.any():
        private = _pick(two_way, 0.0, 2, rng)
    no_motor = _pick(two_way & (zone == 1) & ~private, 0.02, 1, rng)
    maxweight = _pick(two_way & (zone >= 2) & ~private & ~no_motor, 0.01, 2, rng)
    maxheight = _pick(cls == TERTIARY, 0.02, 2, rng)

    street_flags = (
        private * PRIVATE
        + no_motor * NO_MOTOR
        + maxweight * MAXWEIGHT
        + maxheight * MAXHEIGHT
        + minus_style * MINUS_STYLE
    ).astype(np.int64)
    idx = np.flatnonzero(named)
    edges.flags[idx] |= street_flags[inverse]
    carriageway = (edges.flags[idx] & DUAL) != 0
    edges.oneway[idx] = np.where(carriageway, edges.oneway[idx], direction[inverse])
    is_residential = edges.cls[idx] == RESIDENTIAL
    edges.cls[idx] = np.where(is_residential & living[inverse], LIVING, edges.cls[idx])


def _pedestrian_zone(edges: _Edges, x: FloatArray, y: FloatArray, radius: float) -> None:
    """The residential streets right around the central crossing become a pedestrian zone."""
    inner = (np.hypot(x[edges.u], y[edges.u]) < radius) & (
        np.hypot(x[edges.v], y[edges.v]) < radius
    )
    ped = inner & (edges.cls == RESIDENTIAL) & ((edges.flags & STUB) == 0)
    edges.cls[ped] = PEDESTRIAN
    edges.oneway[ped] = 0


def _reach(n: int, src: IntArray, dst: IntArray, root: int) -> BoolArray:
    """Nodes reachable from ``root`` over arcs src -> dst (SciPy's breadth-first search)."""
    graph = csr_array((np.ones(src.size, dtype=np.int8), (src, dst)), shape=(n, n))
    seen = np.zeros(n, dtype=np.bool_)
    seen[breadth_first_order(graph, root, directed=True, return_predecessors=False)] = True
    return seen


def _arcs(edges: _Edges, mask: BoolArray, directed: bool) -> tuple[IntArray, IntArray]:
    u, v, ow = edges.u[mask], edges.v[mask], edges.oneway[mask]
    if not directed:
        ow = np.zeros_like(ow)
    fwd, back = ow >= 0, ow <= 0
    return np.concatenate((u[fwd], v[back])), np.concatenate((v[fwd], u[back]))


def _connect(edges: _Edges, x: FloatArray, y: FloatArray) -> _Edges:
    """Keep the car network connected and strongly connected, like a cleaned-up real extract.

    1. Drop car islands (pieces cut off by the river or by removed segments) and anything only
       they connect to.
    2. Any one-way edge that is not in the strongly connected core (a one-way leading into a
       dead end, say) becomes two-way; one pass suffices because every node left is joined to
       the core by a path whose edges then all become two-way.
    """
    n = x.size
    car = edges.drivable()
    car_nodes = np.unique(np.concatenate((edges.u[car], edges.v[car])))
    root = int(car_nodes[np.argmin(np.hypot(x[car_nodes], y[car_nodes]))])
    main = _reach(n, *_arcs(edges, car, directed=False), root)
    edges = edges.take(~car | main[edges.u])
    everything = _reach(n, *_arcs(edges, np.ones(edges.u.size, np.bool_), directed=False), root)
    edges = edges.take(everything[edges.u])

    car = edges.drivable()
    src, dst = _arcs(edges, car, directed=True)
    core = _reach(n, src, dst, root) & _reach(n, dst, src, root)
    stray = car & (edges.oneway != 0) & ~(core[edges.u] & core[edges.v])
    edges.oneway[stray] = 0
    edges.flags[stray] &= ~MINUS_STYLE
    return edges


# =================================================================================================
# Nodes: signals, turning circles; turn restrictions; ways
# =================================================================================================


def _best_class(edges: _Edges, n: int) -> IntArray:
    """For each node, the most important car class among its edges of each orientation."""
    best = np.full((2, n), 99, dtype=np.int64)
    car = edges.drivable()
    for o in (0, 1):
        m = car & (edges.orient == o)
        np.minimum.at(best[o], edges.u[m], edges.cls[m])
        np.minimum.at(best[o], edges.v[m], edges.cls[m])
    return best


def _signals(
    best: IntArray, base_node: IntArray, n_base: int, rng: np.random.Generator
) -> BoolArray:
    """Traffic signals at most arterial/arterial and arterial/collector crossings.

    The draw is per base-lattice node, so all nodes of a dual-carriageway crossing agree.
    """
    lo, hi = np.minimum(best[0], best[1]), np.maximum(best[0], best[1])
    arterial = (lo == PRIMARY) & (hi <= TERTIARY)
    secondary = (lo == SECONDARY) & (hi == SECONDARY)
    draw = rng.random(n_base)[base_node]
    signals: BoolArray = (arterial & (draw < 0.9)) | (secondary & (draw < 0.5))
    return signals


def _turning_circles(edges: _Edges, n: int, rng: np.random.Generator) -> BoolArray:
    degree = np.bincount(np.concatenate((edges.u, edges.v)), minlength=n)
    stub = ((edges.flags & STUB) != 0) & (edges.cls == RESIDENTIAL)
    ends = np.zeros(n, dtype=np.bool_)
    ends[edges.u[stub]] = True
    ends[edges.v[stub]] = True
    circles: BoolArray = ends & (degree == 1) & (rng.random(n) < 0.6)
    return circles


@dataclass(frozen=True)
class _Restriction:
    kind: str
    from_edge: int
    via: int
    to_edge: int


def _restrictions(
    edges: _Edges,
    x: FloatArray,
    y: FloatArray,
    best: IntArray,
    signals: BoolArray,
    wanted: int,
    rng: np.random.Generator,
) -> list[_Restriction]:
    """A few turn bans at plain four-way crossings of collectors (two-way, no signals)."""
    n = x.size
    plain = edges.drivable() & (edges.oneway == 0) & ((edges.flags & (BRIDGE | NO_CARS)) == 0)
    ends = np.concatenate((edges.u, edges.v))
    degree = np.bincount(ends, minlength=n)
    plain_degree = np.bincount(ends, weights=np.tile(plain, 2), minlength=n)
    lo, hi = np.minimum(best[0], best[1]), np.maximum(best[0], best[1])
    candidate = (
        (degree == 4)
        & (plain_degree == 4)
        & (lo >= SECONDARY)
        & (lo <= TERTIARY)
        & (hi <= RESIDENTIAL)
        & ~signals
    )
    vias = np.flatnonzero(candidate)
    vias = vias[rng.permutation(vias.size)][:wanted]
    kinds = ("no_left_turn", "no_right_turn", "no_straight_on", "only_straight_on", "no_u_turn")
    found: list[_Restriction] = []
    for i, via in enumerate(sorted(int(v) for v in vias)):
        arms = np.flatnonzero((edges.u == via) | (edges.v == via))
        far = np.where(edges.u[arms] == via, edges.v[arms], edges.u[arms])
        out_x, out_y = x[far] - x[via], y[far] - y[via]
        k = int(rng.integers(arms.size))
        in_x, in_y = -out_x[k], -out_y[k]  # direction of travel arriving at the via node
        cross = in_x * out_y - in_y * out_x
        dot = in_x * out_x + in_y * out_y
        others = np.array([j for j in range(arms.size) if j != k])
        kind = kinds[i % len(kinds)]
        if kind == "no_left_turn":
            to = int(others[np.argmax(cross[others])])
        elif kind == "no_right_turn":
            to = int(others[np.argmin(cross[others])])
        elif kind == "no_u_turn":
            to = k
        else:
            to = int(others[np.argmax(dot[others])])
        found.append(_Restriction(kind, int(arms[k]), via, int(arms[to])))
    return found


@dataclass(frozen=True)
class _Ways:
    edge_of: IntArray  # the first edge of each way (carries the way's attributes)
    nodes: list[list[int]]  # lattice node indices, along the line
    way_of_edge: IntArray


def _ways(edges: _Edges, best: IntArray, vias: BoolArray) -> _Ways:
    """Chain edges into ways along each line, split where attributes change, at gaps, at
    crossings with collectors and arterials (as OSM usually is), and at restriction vias."""
    order = np.lexsort((edges.along, edges.line, edges.orient))
    e = edges.take(order)
    same = np.ones(max(e.u.size - 1, 0), dtype=np.bool_)
    same &= (e.orient[1:] == e.orient[:-1]) & (e.line[1:] == e.line[:-1])
    same &= e.along[1:] == e.along[:-1] + 1
    for attr in (e.cls, e.street, e.oneway, e.flags):
        same &= attr[1:] == attr[:-1]
    joint = e.u[1:]
    crossing_major = best[1 - e.orient[1:], joint] <= TERTIARY
    same &= ~crossing_major & ~vias[joint]
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    stops = np.append(starts[1:], e.u.size)
    u, v = e.u.tolist(), e.v.tolist()
    nodes = [[u[a], *v[a:b]] for a, b in zip(starts.tolist(), stops.tolist(), strict=True)]
    way_sorted = np.cumsum(np.concatenate(([True], ~same))) - 1
    way_of_edge = np.empty_like(way_sorted)
    way_of_edge[order] = way_sorted
    return _Ways(edge_of=order[starts], nodes=nodes, way_of_edge=way_of_edge)


# =================================================================================================
# Names and addresses
# =================================================================================================


def _street_names(edges: _Edges, rng: np.random.Generator) -> dict[int, str]:
    """A unique name per street key, the suffix fitting its class (Avenue, Street, Lane, Close)."""
    named = edges.street >= 0
    keys, inverse = np.unique(edges.street[named], return_inverse=True)
    cls = np.full(keys.size, 99, dtype=np.int64)
    np.minimum.at(cls, inverse, edges.cls[named])
    group = np.where(
        keys >= STUB_KEYS,
        "stub",
        np.where(cls <= SECONDARY, "major", np.where(cls == TERTIARY, "tertiary", "residential")),
    )
    names: dict[int, str] = {}
    for g, suffixes in SUFFIXES.items():
        members = keys[group == g]
        if not members.size:
            continue
        # Plain names first ("Birch Lane"), then qualified ones ("North Birch Lane").
        pool = [f"{p}{w} {s}" for p in PREFIXES for w in WORDS for s in suffixes]
        plain = len(WORDS) * len(suffixes)
        shuffled = [pool[i] for i in rng.permutation(plain)]
        shuffled += [pool[plain + i] for i in rng.permutation(len(pool) - plain)]
        for i, key in enumerate(members.tolist()):
            round_, j = divmod(i, len(shuffled))
            names[key] = shuffled[j] if round_ == 0 else f"{shuffled[j]} {round_ + 1}"
    return names


@dataclass(frozen=True)
class _Addresses:
    """House positions (m), their street key, house number, side (+1 left, -1 right) and
    district; ``position`` orders them along the street."""

    x: FloatArray
    y: FloatArray
    street: IntArray
    number: IntArray
    side: IntArray
    district: IntArray
    position: FloatArray

    @staticmethod
    def concat(parts: list[_Addresses]) -> _Addresses:
        return _Addresses(
            **{
                f.name: np.concatenate([getattr(p, f.name) for p in parts])
                for f in fields(_Addresses)
            }
        )

    def take(self, keep: BoolArray | IntArray) -> _Addresses:
        return _Addresses(**{f.name: getattr(self, f.name)[keep] for f in fields(self)})


HOUSE_SPACING_M = np.array([0.0, 30.0, 40.0, 52.0])  # between houses on one side, by zone
CORNER_CLEAR_M = 14.0  # no house nearer a street corner than this (along the street)


def _addresses(
    edges: _Edges,
    x: FloatArray,
    y: FloatArray,
    ax: _Axis,
    ay: _Axis,
    zones: _Zones,
    river: _River,
    rng: np.random.Generator,
) -> _Addresses:
    """Houses 10-25 m beside residential streets and collectors, odd numbers on the left
    (seen along the line), even on the right, increasing along the street; none in parks or
    across the river, and each nearer to its own street than to any other."""
    ok = np.isin(edges.cls, ADDRESSED_CLASSES) & (edges.street >= 0)
    e = np.flatnonzero(ok & ((edges.flags & BRIDGE) == 0))
    sides = [_houses_on_side(edges, e, x, y, side, ax, ay, zones, river, rng) for side in (1, -1)]
    return _number_houses(_Addresses.concat(sides))


def _houses_on_side(
    edges: _Edges,
    e: IntArray,
    x: FloatArray,
    y: FloatArray,
    side: int,
    ax: _Axis,
    ay: _Axis,
    zones: _Zones,
    river: _River,
    rng: np.random.Generator,
) -> _Addresses:
    """Evenly spaced (slightly jittered) houses along one side of the edges ``e``."""
    x1, y1, x2, y2 = x[edges.u[e]], y[edges.u[e]], x[edges.v[e]], y[edges.v[e]]
    length = np.hypot(x2 - x1, y2 - y1)
    dx, dy = (x2 - x1) / length, (y2 - y1) / length
    spacing = HOUSE_SPACING_M[edges.zone[e]]
    usable = length - 2 * CORNER_CLEAR_M
    count = np.where(usable > 0, np.floor(usable / spacing) + 1, 0).astype(np.int64)
    rep = np.repeat(np.arange(e.size), count)
    i = np.arange(rep.size) - np.repeat(np.cumsum(count) - count, count)
    start = CORNER_CLEAR_M + (usable - (count - 1) * spacing) / 2
    t = start[rep] + (i + rng.uniform(-0.2, 0.2, rep.size)) * spacing[rep]
    t = np.clip(t, CORNER_CLEAR_M, length[rep] - CORNER_CLEAR_M)
    # Near a corner a house stands closer to its own street than to the cross street, with
    # room for a cross street that meets up to ~12 degrees off square.
    corner = (np.minimum(t, length[rep] - t) - 6.0) / 1.25
    offset = np.minimum(rng.uniform(10.0, 25.0, rep.size), corner)
    bx, by = x1[rep] + dx[rep] * t, y1[rep] + dy[rep] * t
    px, py = bx - side * dy[rep] * offset, by + side * dx[rep] * offset

    # The lattice cell the house stands in decides park and postcode exactly (no rounding).
    edge = e[rep]
    vertical = edges.orient[edge] == 1
    beside = edges.base_line[edge] - np.where(vertical, side > 0, side < 0)
    cx = np.where(vertical, beside, edges.base_cell[edge])
    cy = np.where(vertical, edges.base_cell[edge], beside)
    inside = (cx >= 0) & (cx < ax.pos.size - 1) & (cy >= 0) & (cy < ay.pos.size - 1)
    cx, cy = np.clip(cx, 0, ax.pos.size - 2), np.clip(cy, 0, ay.pos.size - 2)
    green = zones.green[ay.sb_of_cell[cy], ax.sb_of_cell[cx]]
    wet = river.near(bx, by, px, py, 5.0)
    n_dx = int(ax.district_of_cell.max()) + 1
    houses = _Addresses(
        x=px,
        y=py,
        street=edges.street[edge],
        number=np.zeros(rep.size, dtype=np.int64),
        side=np.full(rep.size, side, dtype=np.int64),
        district=ay.district_of_cell[cy] * n_dx + ax.district_of_cell[cx],
        position=edges.along[edge] * 1e4 + t,
    )
    return houses.take(inside & ~green & ~wet & (offset >= 10.0))


def _number_houses(houses: _Addresses) -> _Addresses:
    """Number each side of each street 1, 3, 5... (left) or 2, 4, 6... (right) along the line."""
    h = houses.take(np.lexsort((houses.position, houses.side, houses.street)))
    group_start = np.concatenate(
        ([True], (h.street[1:] != h.street[:-1]) | (h.side[1:] != h.side[:-1]))
    )
    first = np.maximum.accumulate(np.where(group_start, np.arange(h.street.size), 0))
    rank = np.arange(h.street.size) - first
    number = 2 * rank + np.where(h.side > 0, 1, 2)
    return _Addresses(
        x=h.x,
        y=h.y,
        street=h.street,
        number=number,
        side=h.side,
        district=h.district,
        position=h.position,
    )


# =================================================================================================
# Assembly and writing
# =================================================================================================


@dataclass(frozen=True)
class _City:
    x: FloatArray  # lattice node positions (m from the centre)
    y: FloatArray
    edges: _Edges
    ways: _Ways
    names: dict[int, str]
    signals: BoolArray
    circles: BoolArray
    restrictions: list[_Restriction]
    addresses: _Addresses
    river: _River
    parks: list[tuple[FloatArray, FloatArray, str]]
    speed: IntArray  # maxspeed per edge (0: no tag)
    postcode_prefix: int
    river_name: str


def _build_city(size_m: float, rng: np.random.Generator) -> _City:
    ax, ay = _axis(size_m, rng), _axis(size_m, rng)
    zones = _zones(ax, ay, size_m, rng)
    h = _edges_along(ay, ax, zones.stride, zones.green, orient=0)
    v = _edges_along(ax, ay, zones.stride.T, zones.green.T, orient=1)
    _remove_segments(h, rng)
    _remove_segments(v, rng)
    _add_stubs(h, v, rng)
    # Columns first (their carriageways run north-south), then rows.
    v, h, bx, sx = _expand(v, h, ax.dual, forward_side=1)
    h, v, by, sy = _expand(h, v, ay.dual, forward_side=-1)
    nx = bx.size
    x, y, warp = _node_positions(ax, ay, bx, sx, by, sy, rng)
    edges = _flatten(h, v, nx, bx, by)
    base_node = (by[:, None] * ax.pos.size + bx[None, :]).ravel()

    river = _river(size_m, rng)
    axis_across = ax if river.runs_east_west else ay
    edges = _cut_at_river(edges, x, y, river, axis_across, size_m, rng)
    _street_attributes(edges, rng)
    _pedestrian_zone(edges, x, y, radius=min(330.0, 0.12 * size_m))
    edges = _connect(edges, x, y)
    speed = _speeds(edges, x, y, zones.dense_radius, rng)

    best = _best_class(edges, x.size)
    signals = _signals(best, base_node, ax.pos.size * ay.pos.size, rng)
    circles = _turning_circles(edges, x.size, rng)
    wanted = int(np.clip(round(size_m / 2500.0), 3, 10))
    restrictions = _restrictions(edges, x, y, best, signals, wanted, rng)
    vias = np.zeros(x.size, dtype=np.bool_)
    vias[[r.via for r in restrictions]] = True
    ways = _ways(edges, best, vias)
    names = _street_names(edges, rng)
    addresses = _addresses(edges, x, y, ax, ay, zones, river, rng)
    parks = _parks(ax, ay, zones, warp)
    return _City(
        x=x,
        y=y,
        edges=edges,
        ways=ways,
        names=names,
        signals=signals,
        circles=circles,
        restrictions=restrictions,
        addresses=addresses,
        river=river,
        parks=parks,
        speed=speed,
        postcode_prefix=int(rng.integers(10, 90)),
        river_name=f"{WORDS[int(rng.integers(len(WORDS)))]} River",
    )


def _speeds(
    edges: _Edges, x: FloatArray, y: FloatArray, dense_radius: float, rng: np.random.Generator
) -> IntArray:
    """maxspeed: arterials 50 in the centre, 60 outside, 70 on dual carriageways outside;
    secondary 50; tertiary 40 or 50 per street; residential 30 or untagged per street."""
    mid = np.hypot((x[edges.u] + x[edges.v]) / 2, (y[edges.u] + y[edges.v]) / 2)
    dense = mid < dense_radius
    dual = (edges.flags & DUAL) != 0
    _, street_index = np.unique(edges.street, return_inverse=True)
    street_draw = rng.random(int(street_index.max()) + 1)[street_index]
    speed = np.zeros(edges.u.size, dtype=np.int64)
    speed[edges.cls == PRIMARY] = 60
    speed[(edges.cls == PRIMARY) & dual & ~dense] = 70
    speed[(edges.cls == PRIMARY) & dense] = 50
    speed[edges.cls == SECONDARY] = 50
    speed[edges.cls == TERTIARY] = np.where(street_draw[edges.cls == TERTIARY] < 0.5, 40, 50)
    res = edges.cls == RESIDENTIAL
    speed[res] = np.where(street_draw[res] < 0.7, 30, 0)
    return speed


def _parks(
    ax: _Axis, ay: _Axis, zones: _Zones, warp: _Warp
) -> list[tuple[FloatArray, FloatArray, str]]:
    """An outline 30 m inside each green superblock: a park near the centre, forest outside."""
    inset = 30.0
    out: list[tuple[FloatArray, FloatArray, str]] = []
    for sy, sx in zip(*np.nonzero(zones.green), strict=True):
        cols = np.flatnonzero(ax.sb_of_cell == sx)
        rows = np.flatnonzero(ay.sb_of_cell == sy)
        xs = ax.pos[cols[0] : cols[-1] + 2].copy()
        ys = ay.pos[rows[0] : rows[-1] + 2].copy()
        xs[0], xs[-1] = xs[0] + inset, xs[-1] - inset
        ys[0], ys[-1] = ys[0] + inset, ys[-1] - inset
        # Walk the outline through every lattice position so it follows the warp.
        ring_x = np.concatenate(
            (xs[:-1], np.full(ys.size - 1, xs[-1]), xs[::-1][:-1], np.full(ys.size - 1, xs[0]))
        )
        ring_y = np.concatenate(
            (np.full(xs.size - 1, ys[0]), ys[:-1], np.full(xs.size - 1, ys[-1]), ys[::-1][:-1])
        )
        wx, wy = warp.apply(ring_x, ring_y)
        kind = "forest" if zones.stride[sy, sx] == 3 else "park"
        out.append((wx, wy, kind))
    return out


def _to_lat_lon(
    x: FloatArray, y: FloatArray, center: tuple[float, float]
) -> tuple[FloatArray, FloatArray]:
    """Metres east/north of the centre to degrees, rounded as OSM stores them (1e-7)."""
    lat0, lon0 = center
    lat = lat0 + np.degrees(y / EARTH_RADIUS_M)
    lon = lon0 + np.degrees(x / (EARTH_RADIUS_M * math.cos(math.radians(lat0))))
    return np.round(lat, 7), np.round(lon, 7)


def _way_tags(city: _City, edge: int) -> dict[str, str]:
    e = city.edges
    cls, flags, street = int(e.cls[edge]), int(e.flags[edge]), int(e.street[edge])
    tags = {"highway": HIGHWAY[cls]}
    if street >= 0:
        tags["name"] = city.names[street]
        if _mix(street) % SWEDISH_EVERY == 0:
            tags["name:sv"] = _swedish_name(city.names[street])
    if e.oneway[edge] != 0:
        tags["oneway"] = "-1" if flags & MINUS_STYLE and e.oneway[edge] < 0 else "yes"
    if city.speed[edge]:
        tags["maxspeed"] = str(int(city.speed[edge]))
    if flags & DUAL:
        tags["lanes"] = "2"
    if flags & BRIDGE:
        tags["bridge"] = "yes"
        tags["layer"] = "1"
    if flags & PRIVATE:
        tags["access"] = "private"
    if flags & NO_MOTOR:
        tags["motor_vehicle"] = "no"
    if flags & MAXWEIGHT:
        tags["maxweight"] = "3.5"
    if flags & MAXHEIGHT:
        tags["maxheight"] = "3"
    if cls == SERVICE:
        tags["service"] = "driveway"
    return tags


def _write(
    path: Path, city: _City, *, name: str, size_km: float, seed: int, center: tuple[float, float]
) -> SynthSummary:
    e = city.edges
    # Street nodes first (ids 1..n in lattice order), then the place, river, parks and houses.
    used = np.unique(np.concatenate((e.u, e.v)))
    node_id = np.zeros(city.x.size, dtype=np.int64)
    node_id[used] = np.arange(1, used.size + 1)
    river_x, river_y = city.river.xy()
    all_x = np.concatenate(
        [city.x[used], np.zeros(1), river_x, *[p[0] for p in city.parks], city.addresses.x]
    )
    all_y = np.concatenate(
        [city.y[used], np.zeros(1), river_y, *[p[1] for p in city.parks], city.addresses.y]
    )
    lat, lon = _to_lat_lon(all_x, all_y, center)
    bbox = (float(lat.min()), float(lon.min()), float(lat.max()), float(lon.max()))

    header = osmium.io.Header()
    header.set("generator", "doorstep synthetic city")
    header.add_box(osmium.osm.Box(bbox[1], bbox[0], bbox[3], bbox[2]))
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = osmium.SimpleWriter(osmium.io.File(str(path), "pbf"), header=header, overwrite=True)
    try:
        river_nodes, park_nodes = _write_nodes(writer, city, name, used, lat, lon)
        n_ways = _write_ways(writer, city, node_id, river_nodes, park_nodes)
        _write_restrictions(writer, city, node_id)
    finally:
        writer.close()

    degree = np.bincount(np.concatenate((e.u, e.v)), minlength=city.x.size)
    return SynthSummary(
        path=path,
        size_km=size_km,
        seed=seed,
        nodes=int(lat.size),
        ways=n_ways,
        intersections=int(np.count_nonzero(degree >= 3)),
        addresses=int(city.addresses.x.size),
        bridges=int(np.count_nonzero(e.flags[city.ways.edge_of] & BRIDGE)),
        bbox=bbox,
    )


def _write_nodes(
    writer: osmium.SimpleWriter,
    city: _City,
    name: str,
    used: IntArray,
    lat: FloatArray,
    lon: FloatArray,
) -> tuple[list[int], list[list[int]]]:
    """All nodes in id order; returns the ids of the river's and the parks' nodes."""
    locations = iter(zip(lon.tolist(), lat.tolist(), strict=True))
    next_id = 1

    def add(tags: dict[str, str]) -> int:
        nonlocal next_id
        writer.add_node(mutable.Node(id=next_id, location=next(locations), tags=tags, **META))
        next_id += 1
        return next_id - 1

    for signal, circle in zip(
        city.signals[used].tolist(), city.circles[used].tolist(), strict=True
    ):
        if signal:
            add({"highway": "traffic_signals"})
        elif circle:
            add({"highway": "turning_circle"})
        else:
            add({})
    add({"place": "city", "name": name})
    river_nodes = [add({}) for _ in range(city.river.s.size)]
    park_nodes = [[add({}) for _ in range(p[0].size)] for p in city.parks]
    a = city.addresses
    prefix = city.postcode_prefix
    for number, street, district in zip(
        a.number.tolist(), a.street.tolist(), a.district.tolist(), strict=True
    ):
        tags = {
            "addr:housenumber": str(number),
            "addr:street": city.names[street],
            "addr:postcode": f"{(prefix * 1000 + 10 * district) % 100_000:05d}",
            "addr:city": name,
        }
        draw = _mix(street, number)
        if draw % FLATS_EVERY == 0:
            tags["building"] = "apartments"
            tags["building:flats"] = str(4 + (draw >> 8) % 45)
        add(tags)
    return river_nodes, park_nodes


def _write_ways(
    writer: osmium.SimpleWriter,
    city: _City,
    node_id: IntArray,
    river_nodes: list[int],
    park_nodes: list[list[int]],
) -> int:
    """Streets, then the river, then park and forest outlines; returns the number of ways."""
    e = city.edges
    way_id = 0
    for first, nodes in zip(city.ways.edge_of.tolist(), city.ways.nodes, strict=True):
        way_id += 1
        refs = node_id[nodes].tolist()
        if e.oneway[first] < 0 and not e.flags[first] & MINUS_STYLE:
            refs.reverse()  # draw the way in its direction of travel and tag oneway=yes
        writer.add_way(mutable.Way(id=way_id, nodes=refs, tags=_way_tags(city, first), **META))
    way_id += 1
    river_tags = {"waterway": "river", "name": city.river_name}
    writer.add_way(mutable.Way(id=way_id, nodes=river_nodes, tags=river_tags, **META))
    for ring, (_, _, kind) in zip(park_nodes, city.parks, strict=True):
        way_id += 1
        tags = {"landuse": "forest"} if kind == "forest" else {"leisure": "park"}
        writer.add_way(mutable.Way(id=way_id, nodes=[*ring, ring[0]], tags=tags, **META))
    return way_id


def _write_restrictions(writer: osmium.SimpleWriter, city: _City, node_id: IntArray) -> None:
    for rel_id, r in enumerate(city.restrictions, start=1):
        members = [
            ("w", int(city.ways.way_of_edge[r.from_edge]) + 1, "from"),
            ("n", int(node_id[r.via]), "via"),
            ("w", int(city.ways.way_of_edge[r.to_edge]) + 1, "to"),
        ]
        tags = {"type": "restriction", "restriction": r.kind}
        writer.add_relation(mutable.Relation(id=rel_id, members=members, tags=tags, **META))
