"""Splitting a big day into regional parts with their own vehicles, and merging their plans."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from doorstep.planning.plan import Plan, Route, Unassigned
from doorstep.planning.problem import Problem, Stop, Travel, Vehicle
from doorstep.planning.schedule import padded, plan_cost

# About the size PyVRP still solves well in seconds; 10,000 stops make ten parts.
STOPS_PER_PART = 1000


@dataclass(frozen=True)
class Part:
    """A region of the day: its stops and the vehicles that serve them (global ids)."""

    index: int
    stop_ids: tuple[str, ...]
    vehicle_ids: tuple[str, ...]


def split(problem: Problem, *, stops_per_part: int = STOPS_PER_PART) -> list[Part]:
    """Contiguous sectors of about ``stops_per_part`` stops, each with a share of the fleet.

    Stops are ordered by polar angle around the first depot (starting after the widest empty
    angle, so no sector straddles it) when the problem has coordinates, else along a
    nearest-neighbour chain through the duration matrix. A locked route's stops move as one
    unit (at its first stop) and its vehicle goes to their part. Each part gets vehicles in
    proportion to its share of the demand (the larger of its share of stops and of load), at
    least one; the free vehicles are dealt round-robin from the biggest down, so each part gets
    a mix of the kinds.
    """
    units = _units(problem)
    if not units:
        return []
    ordered = _sweep(problem, units)
    size = sum(len(u) for u in units)
    count = min(math.ceil(size / max(1, stops_per_part)), len(problem.vehicles))
    while True:
        groups = _cut(ordered, max(1, count))
        parts = _fleet(problem, groups)
        if parts is not None or count <= 1:
            break
        count -= 1  # locked vehicles bunched in a few parts leave too few for the rest
    return parts or [Part(0, tuple(s.id for s in problem.stops), _ids(problem.vehicles))]


def _ids(vehicles: Sequence[Vehicle]) -> tuple[str, ...]:
    return tuple(v.id for v in vehicles)


def _units(problem: Problem) -> list[tuple[Stop, ...]]:
    """Stops that must stay together: each locked route's stops, then every other stop alone."""
    units = [tuple(problem.stop(i) for i in lock.stop_ids) for lock in problem.locked]
    taken = {s.id for unit in units for s in unit}
    units = [u for u in units if u]
    return units + [(s,) for s in problem.stops if s.id not in taken]


def _sweep(problem: Problem, units: list[tuple[Stop, ...]]) -> list[tuple[Stop, ...]]:
    """The units in sweep order: by angle around the first depot, or along a chain."""
    depot = problem.depots[0].location
    where = [u[0].location for u in units]
    if len(problem.coordinates) == problem.num_locations:
        lat0, lon0 = problem.coordinates[depot]
        shrink = math.cos(math.radians(lat0))  # a degree of longitude is shorter than of latitude
        places = np.asarray(problem.coordinates, dtype=np.float64)[where]
        angles = np.arctan2(places[:, 0] - lat0, (places[:, 1] - lon0) * shrink)
        order = np.argsort(angles, kind="stable")
        turn = np.append(angles[order], angles[order[0]] + 2 * math.pi)
        start = int(np.argmax(np.diff(turn))) + 1
        chosen = [int(i) for i in np.roll(order, -start)]
    else:
        chosen = _chain(problem, depot, where)
    return [units[i] for i in chosen]


def _chain(problem: Problem, depot: int, where: list[int]) -> list[int]:
    """Unit indices along a nearest-neighbour chain from the depot (both directions' times)."""
    durations = next(iter(problem.matrices.values())).durations_s
    places = np.asarray(where, dtype=np.intp)
    left = np.ones(len(where), dtype=bool)
    order: list[int] = []
    here = depot
    for _ in range(len(where)):
        near = durations[here, places].astype(np.int64) + durations[places, here]
        near[~left] = np.iinfo(np.int64).max
        nxt = int(np.argmin(near))
        order.append(nxt)
        left[nxt] = False
        here = int(places[nxt])
    return order


def _cut(ordered: list[tuple[Stop, ...]], count: int) -> list[list[Stop]]:
    """``count`` contiguous groups of about equal numbers of stops (units are never cut)."""
    total = sum(len(u) for u in ordered)
    groups: list[list[Stop]] = [[] for _ in range(count)]
    seen = 0
    for unit in ordered:
        index = min(count - 1, seen * count // max(1, total))
        groups[index].extend(unit)
        seen += len(unit)
    return [g for g in groups if g]


def _demand(problem: Problem, groups: list[list[Stop]]) -> list[float]:
    """Each group's share of the day: the larger of its share of stops and of any load."""
    size = len(problem.dimensions)
    per_dim = np.zeros((len(groups), size), dtype=np.float64)
    for k, group in enumerate(groups):
        for s in group:
            per_dim[k] += np.add(padded(s.delivery, size), padded(s.pickup, size))
    totals = per_dim.sum(axis=0)
    shares = np.array([len(g) for g in groups], dtype=np.float64) / max(1, sum(map(len, groups)))
    for d in range(size):
        if totals[d] > 0:
            shares = np.maximum(shares, per_dim[:, d] / totals[d])
    return list(shares / shares.sum())


def _fleet(problem: Problem, groups: list[list[Stop]]) -> list[Part] | None:
    """Parts with vehicles for ``groups``, or None if some part would be left without one."""
    where = {s.id: k for k, g in enumerate(groups) for s in g}
    fixed: list[list[Vehicle]] = [[] for _ in groups]
    locked = {lock.vehicle_id: lock for lock in problem.locked if lock.stop_ids}
    for vehicle_id, lock in locked.items():
        fixed[where[lock.stop_ids[0]]].append(problem.vehicle(vehicle_id))
    free = [v for v in problem.vehicles if v.id not in locked]
    want = [max(0, 1 - len(f)) for f in fixed]
    spare = len(free) - sum(want)
    if spare < 0:
        return None
    shares = _demand(problem, groups)
    for _ in range(spare):  # each spare vehicle to the part furthest below its fair count
        have = [len(f) + w for f, w in zip(fixed, want, strict=True)]
        gaps = [s * len(problem.vehicles) - h for s, h in zip(shares, have, strict=True)]
        want[int(np.argmax(gaps))] += 1
    biggest = sorted(free, key=lambda v: tuple(v.capacity), reverse=True)
    k = 0
    for vehicle in biggest:
        while want[k % len(groups)] == 0:
            k += 1
        fixed[k % len(groups)].append(vehicle)
        want[k % len(groups)] -= 1
        k += 1
    order = {v.id: n for n, v in enumerate(problem.vehicles)}
    return [
        Part(k, tuple(s.id for s in g), tuple(sorted(_ids(f), key=order.__getitem__)))
        for k, (g, f) in enumerate(zip(groups, fixed, strict=True))
    ]


def subproblem(problem: Problem, part: Part) -> Problem:
    """The part alone: its stops and vehicles over compact matrices (depots first).

    The matrices are the parent's entries at the part's locations, so every time and distance
    a plan of the part reports is also the parent's; only location indices change.
    """
    index: dict[int, int] = {}
    for depot in problem.depots:
        index.setdefault(depot.location, len(index))
    stops = [problem.stop(i) for i in part.stop_ids]
    for stop in stops:
        index.setdefault(stop.location, len(index))
    chosen = np.fromiter(index, dtype=np.intp, count=len(index))
    cells = np.ix_(chosen, chosen)
    matrices = {
        name: Travel(
            np.ascontiguousarray(t.durations_s[cells]), np.ascontiguousarray(t.distances_m[cells])
        )
        for name, t in problem.matrices.items()
    }
    coordinates = tuple(problem.coordinates[i] for i in index) if problem.coordinates else ()
    vehicles = set(part.vehicle_ids)
    return replace(
        problem,
        depots=tuple(replace(d, location=index[d.location]) for d in problem.depots),
        vehicles=tuple(v for v in problem.vehicles if v.id in vehicles),
        stops=tuple(replace(s, location=index[s.location]) for s in stops),
        matrices=matrices,
        coordinates=coordinates,
        locked=tuple(lock for lock in problem.locked if lock.vehicle_id in vehicles),
    )


def merge(problem: Problem, parts: Sequence[Part], plans: Sequence[Plan]) -> Plan:
    """One plan of the whole day from the parts' plans (ids are global, numbers unchanged)."""
    order = {v.id: n for n, v in enumerate(problem.vehicles)}
    routes = sorted((r for p in plans for r in p.routes), key=lambda r: order[r.vehicle_id])
    unassigned = tuple(u for p in plans for u in p.unassigned)
    notes = (f"decomposed into {len(parts)} parts",)
    return Plan(tuple(routes), unassigned, plan_cost(problem, routes, unassigned), notes=notes)


def regroup(plan: Plan, parts: Sequence[Part]) -> list[Part]:
    """The parts as ``plan`` now has them: the stops on their vehicles' routes or left out.

    After stops moved between parts (insertion), a part must take its routes' stops along.
    """
    on: dict[str, tuple[str, ...]] = {r.vehicle_id: r.stop_ids for r in plan.routes}
    left = {u.stop_id for u in plan.unassigned}
    found = []
    for part in parts:
        served = [i for v in part.vehicle_ids for i in on.get(v, ())]
        out = [i for i in part.stop_ids if i in left]
        found.append(replace(part, stop_ids=tuple(served + out)))
    return found


def join(index: int, parts: Sequence[Part]) -> Part:
    """Several parts as one (for re-solving across their borders)."""
    stops = tuple(i for p in parts for i in p.stop_ids)
    return Part(index, stops, tuple(v for p in parts for v in p.vehicle_ids))


def restrict(problem: Problem, plan: Plan, part: Part) -> Plan:
    """The share of ``plan`` that ``part`` holds: its vehicles' routes and its stops left out."""
    vehicles, stops = set(part.vehicle_ids), set(part.stop_ids)
    routes: tuple[Route, ...] = tuple(r for r in plan.routes if r.vehicle_id in vehicles)
    unassigned: tuple[Unassigned, ...] = tuple(u for u in plan.unassigned if u.stop_id in stops)
    return Plan(routes, unassigned, plan_cost(problem, routes, unassigned))
