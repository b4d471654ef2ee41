"""Arrival at and departure from stops, read from a vehicle's pings (geofencing).

A stop is *arrived at* when the pings stay within ``radius_m`` of it for ``dwell_s``: driving
past is no arrival. It is *departed* when ``exit_pings`` pings in a row are clearly outside,
beyond ``radius_m + hysteresis_m``. Each ping's own accuracy widens the fence (up to one more
radius), so a fix the phone itself calls rough is not taken as proof of being elsewhere; pings
worse than ``max_accuracy_m`` are ignored. Pings in the band between the two distances change
nothing, so GPS jitter around the fence neither ends a visit nor starts another.

Each stop is followed on its own: several stops at one address (a block of flats) are visited
together. Only pings near a stop are measured exactly; a grid of cells finds them, so a day of
thousands of pings and hundreds of stops stays fast.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from doorstep.domain.errors import InvalidValue
from doorstep.domain.geo import METRES_PER_DEGREE, Location, distance_m
from doorstep.domain.positions import Ping


@dataclass(frozen=True)
class GeofenceRules:
    radius_m: float = 50.0
    dwell_s: float = 60.0
    hysteresis_m: float = 25.0
    exit_pings: int = 3
    max_accuracy_m: float = 100.0

    def __post_init__(self) -> None:
        for name in ("radius_m", "hysteresis_m", "max_accuracy_m"):
            value = getattr(self, name)
            if not math.isfinite(value) or not 0 < value <= 5000:
                raise InvalidValue(name, f"must be between 0 and 5000 m, got {value}")
        if not math.isfinite(self.dwell_s) or not 0 <= self.dwell_s <= 3600:
            raise InvalidValue("dwell_s", f"must be between 0 and 3600 s, got {self.dwell_s}")
        if not 1 <= self.exit_pings <= 100:
            raise InvalidValue("exit_pings", f"must be between 1 and 100, got {self.exit_pings}")

    @property
    def reach_m(self) -> float:
        """Beyond this distance no ping is anything but outside."""
        return self.radius_m * 2 + self.hysteresis_m


@dataclass(frozen=True)
class Stop:
    id: str
    location: Location


@dataclass(frozen=True)
class Visit:
    stop_id: str
    arrived_at: datetime
    departed_at: datetime | None  # None: still there at the last ping


class _Where(Enum):
    INSIDE = "inside"
    BAND = "band"  # neither clearly in nor clearly out: changes nothing
    OUTSIDE = "outside"


def in_time_order(pings: Iterable[Ping]) -> list[Ping]:
    """Pings by device time (then device), however they arrived."""
    return sorted(pings, key=lambda p: (p.device_time, p.device_id))


def visits(
    pings: Iterable[Ping], stops: Sequence[Stop], rules: GeofenceRules = GeofenceRules()
) -> list[Visit]:
    """Every visit to ``stops`` the pings show, by arrival time (then stop order)."""
    usable = [p for p in in_time_order(pings) if p.accuracy_m <= rules.max_accuracy_m]
    if not usable or not stops:
        return []
    grid = _Grid(usable, rules.reach_m * 1.25)  # a margin for the cells' flat-earth widths
    found: list[Visit] = []
    for stop in stops:
        near = grid.near(stop.location)
        classified = [(i, _where(usable[i], stop.location, rules)) for i in near]
        found += _follow(stop.id, usable, classified, rules)
    rank = {stop.id: n for n, stop in enumerate(stops)}
    return sorted(found, key=lambda v: (v.arrived_at, rank[v.stop_id]))


SAME_PLACE_M = 10.0  # stops this much closer or farther than another count as one place


def one_at_a_time(
    found: Sequence[Visit],
    pings: Iterable[Ping],
    stops: Sequence[Stop],
    rules: GeofenceRules = GeofenceRules(),
) -> list[Visit]:
    """``found`` less the visits a van parked at one stop made to its neighbours.

    Each visit is judged by the pings near its stop (within ``rules.reach_m``): from the
    first to the last of them, and how far they lie on average. Of visits whose near pings
    overlap in time, those whose stop lies more than ``SAME_PLACE_M`` farther from its pings
    than another's does are dropped: in a dense street several stops lie within one fence,
    and the van is serving the one it stands at. Orders in one building (one place) are
    still all visited.
    """
    ordered = in_time_order(pings)
    where = {s.id: s.location for s in stops}
    near: dict[int, tuple[datetime, datetime, float]] = {}
    for v in found:
        end = v.departed_at or (ordered[-1].device_time if ordered else v.arrived_at)
        metres = [
            (p.device_time, m)
            for p in ordered
            if v.arrived_at <= p.device_time <= end
            and (m := distance_m(p.location, where[v.stop_id])) <= rules.reach_m
        ]
        if metres:
            mean = sum(m for _, m in metres) / len(metres)
            near[id(v)] = (metres[0][0], metres[-1][0], mean)
        else:
            near[id(v)] = (v.arrived_at, v.arrived_at, math.inf)
    kept: list[Visit] = []
    for v in sorted(found, key=lambda v: (near[id(v)][2], v.arrived_at)):
        first, last, mean = near[id(v)]
        rivals = [near[id(k)] for k in kept if first <= near[id(k)][1] and near[id(k)][0] <= last]
        if all(mean <= rival[2] + SAME_PLACE_M for rival in rivals):
            kept.append(v)
    return [v for v in found if any(v is k for k in kept)]


def _where(ping: Ping, stop: Location, rules: GeofenceRules) -> _Where:
    away_m = distance_m(ping.location, stop) - min(ping.accuracy_m, rules.radius_m)
    if away_m <= rules.radius_m:
        return _Where.INSIDE
    if away_m > rules.radius_m + rules.hysteresis_m:
        return _Where.OUTSIDE
    return _Where.BAND


class _Grid:
    """Ping indices by square cell of ``cell_m``, so a stop measures only its neighbours."""

    def __init__(self, pings: Sequence[Ping], cell_m: float) -> None:
        self._lat_step = cell_m / METRES_PER_DEGREE
        # Cells narrow towards the poles; one width from the first ping is plenty for a
        # vehicle's day (cos changes by < 1% over 50 km at 60 degrees north).
        cos = max(math.cos(math.radians(pings[0].lat)), 0.01)
        self._lon_step = cell_m / (METRES_PER_DEGREE * cos)
        self._cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i, ping in enumerate(pings):
            self._cells[self._cell(ping.lat, ping.lon)].append(i)

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / self._lat_step), math.floor(lon / self._lon_step)

    def near(self, location: Location) -> list[int]:
        """Indices (ascending) of every ping within a cell of ``location``, and some more."""
        row, col = self._cell(location.lat, location.lon)
        found: list[int] = []
        for d_row in (-1, 0, 1):
            for d_col in (-1, 0, 1):
                found += self._cells.get((row + d_row, col + d_col), ())
        return sorted(found)


def _follow(
    stop_id: str, pings: Sequence[Ping], near: Sequence[tuple[int, _Where]], rules: GeofenceRules
) -> list[Visit]:
    """Run one stop's fence over the pings; pings not in ``near`` are far, so outside."""
    fence = _Fence(stop_id, rules)
    last = -1
    for i, where in near:
        if i > last + 1:
            fence.outside(pings[last + 1].device_time, i - last - 1)
        if where is _Where.OUTSIDE:
            fence.outside(pings[i].device_time, 1)
        elif where is _Where.INSIDE:
            fence.inside(pings[i].device_time)
        last = i
    if last + 1 < len(pings):
        fence.outside(pings[last + 1].device_time, len(pings) - last - 1)
    return fence.finish()


class _Fence:
    """One stop's state: away, entered (waiting out the dwell), or arrived."""

    def __init__(self, stop_id: str, rules: GeofenceRules) -> None:
        self._stop_id, self._rules = stop_id, rules
        self._entered: datetime | None = None  # first ping inside since last away
        self._arrived: datetime | None = None
        self._out_since: datetime | None = None  # first of the latest pings outside in a row
        self._outs = 0
        self.visits: list[Visit] = []

    def inside(self, at: datetime) -> None:
        self._outs, self._out_since = 0, None
        if self._entered is None:
            self._entered = at
        if self._arrived is None and (at - self._entered).total_seconds() >= self._rules.dwell_s:
            self._arrived = self._entered

    def outside(self, first_at: datetime, count: int) -> None:
        """``count`` pings in a row outside, the first at ``first_at``."""
        if self._entered is None:
            return
        if self._outs == 0:
            self._out_since = first_at
        self._outs += count
        if self._outs >= self._rules.exit_pings:
            if self._arrived is not None:
                self.visits.append(Visit(self._stop_id, self._arrived, self._out_since))
            self._entered = self._arrived = self._out_since = None
            self._outs = 0

    def finish(self) -> list[Visit]:
        if self._arrived is not None:
            self.visits.append(Visit(self._stop_id, self._arrived, None))
        return self.visits
