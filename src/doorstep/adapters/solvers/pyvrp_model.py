"""A doorstep ``Problem`` as PyVRP ``ProblemData``, with the bookkeeping to read solutions back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pyvrp

from doorstep.adapters.solvers.pyvrp_fleet import depots, load_guards, vehicle_types
from doorstep.adapters.solvers.pyvrp_schedule import LockedStart, locked_start
from doorstep.planning.problem import OPEN_END_S, Problem, Stop, Vehicle, Window
from doorstep.planning.schedule import padded
from doorstep.planning.travel import IntMatrix

Matrix = npt.NDArray[np.int64]
ProfileKey = tuple[str, frozenset[str]]  # travel profile name, skills that matter
# Latest client time, s (~35,000 years): past any real horizon, and 10^4 cut arcs fit int64.
LATEST = 1 << 40


@dataclass(frozen=True)
class ClientRef:
    """What a PyVRP client stands for: a stop, served in one of its windows (None: any time)."""

    stop: Stop
    window: Window | None

    @property
    def windows(self) -> tuple[Window, ...]:
        return () if self.window is None else (self.window,)


@dataclass(frozen=True)
class Translation:
    """The PyVRP model of a problem and the way back from its indices to doorstep ids.

    ``data`` is None when no vehicle is left for the solver (PyVRP needs one vehicle type).
    """

    problem: Problem
    data: pyvrp.ProblemData | None
    clients: tuple[ClientRef, ...]  # by PyVRP client index
    fleets: tuple[tuple[Vehicle, ...], ...]  # by PyVRP vehicle type index: alike vehicles
    starts: Mapping[str, LockedStart]  # by vehicle id: its locked stops, driven
    left_out: frozenset[str]  # stops not offered to the solver

    @cached_property
    def vehicle_index(self) -> dict[str, int]:
        """The PyVRP vehicle type of each vehicle the solver has."""
        return {v.id: i for i, fleet in enumerate(self.fleets) for v in fleet}

    @cached_property
    def stop_clients(self) -> dict[str, tuple[int, ...]]:
        found: dict[str, tuple[int, ...]] = {}
        for index, ref in enumerate(self.clients):
            found[ref.stop.id] = (*found.get(ref.stop.id, ()), index)
        return found

    @property
    def solver_data(self) -> pyvrp.ProblemData:
        if self.data is None:
            raise ValueError("no vehicle is left for the solver")
        return self.data


def translate(problem: Problem, exclude: frozenset[str] = frozenset()) -> Translation:
    """Build the PyVRP model; stops in ``exclude`` are left out (found unservable earlier)."""
    starts = _locked_starts(problem)
    vehicles = tuple(v for v in problem.vehicles if not _closed(starts, v.id))
    offered = _offered(problem, vehicles, starts, exclude)
    free = {s.id for s in problem.stops} - {i for s in starts.values() for i in s.lock.stop_ids}
    left_out = frozenset(free - {s.id for s in offered})
    refs = tuple(ref for stop in offered for ref in _refs(stop))
    needed = frozenset[str]().union(*(ref.stop.skills for ref in refs))
    fleets = _fleets(vehicles, starts, needed)
    data = _data(problem, fleets, starts, refs, needed) if vehicles else None
    return Translation(problem, data, refs, fleets, starts, left_out)


def _fleets(
    vehicles: Sequence[Vehicle], starts: Mapping[str, LockedStart], needed: frozenset[str]
) -> tuple[tuple[Vehicle, ...], ...]:
    """Vehicles PyVRP cannot tell apart share one vehicle type.

    One type per vehicle would be correct too, but PyVRP's search slows down with the number
    of types: on a 1000-stop instance with 250 alike vans it ran about half the iterations.
    """
    fleets: dict[tuple[object, ...], list[Vehicle]] = {}
    for v in vehicles:
        own = v.id if v.id in starts else None  # a resumed vehicle starts where only it is
        kind: tuple[object, ...] = (own, _key(v, needed), v.capacity, v.start_depot)
        kind += (v.end_depot, v.shift, v.max_duration_s, v.fixed_cost, v.cost_per_m)
        kind += (v.cost_per_s, v.break_)
        fleets.setdefault(kind, []).append(v)
    return tuple(tuple(fleet) for fleet in fleets.values())


def _data(
    problem: Problem,
    fleets: Sequence[Sequence[Vehicle]],
    starts: Mapping[str, LockedStart],
    refs: Sequence[ClientRef],
    needed: frozenset[str],
) -> pyvrp.ProblemData:
    """Locations are the depots, one extra depot per resumed vehicle, then one per client."""
    resumed = [starts[f[0].id] for f in fleets if f[0].id in starts]
    guards = load_guards(problem, resumed)
    horizon = _horizon(problem, resumed)
    yards = depots(problem, resumed, horizon)
    places = [d.location for d in problem.depots] + [s.location for s in resumed]
    places += [ref.stop.location for ref in refs]
    clients, groups = _clients(problem, refs, len(yards), guards, horizon)
    keys = list(dict.fromkeys(_key(f[0], needed) for f in fleets))
    profiles = [keys.index(_key(fleet[0], needed)) for fleet in fleets]
    types = vehicle_types(problem, fleets, starts, guards, profiles)
    distances, durations = _matrices(problem, keys, places, refs, len(yards), horizon)
    locations = [_location(problem, place) for place in places]
    # The stub types matrices as ``np.ndarray[int]``, which no real array annotation matches.
    matrices: tuple[Any, Any] = (distances, durations)
    return pyvrp.ProblemData(locations, clients, yards, types, *matrices, groups)


def _locked_starts(problem: Problem) -> dict[str, LockedStart]:
    """Every locked route driven from its depot; inconsistent locks are the caller's bug."""
    vehicles = [lock.vehicle_id for lock in problem.locked]
    stops = [i for lock in problem.locked for i in lock.stop_ids]
    if len(set(vehicles)) < len(vehicles) or len(set(stops)) < len(stops):
        raise ValueError("a vehicle or a stop appears in more than one locked route")
    unknown = (
        set(vehicles) - problem.vehicles_by_id.keys() | set(stops) - problem.stops_by_id.keys()
    )
    if unknown:
        raise ValueError(f"locked routes name unknown vehicles or stops: {sorted(unknown)}")
    return {
        lock.vehicle_id: locked_start(problem, lock)
        for lock in problem.locked
        if lock.stop_ids or lock.closed
    }


def _closed(starts: Mapping[str, LockedStart], vehicle_id: str) -> bool:
    return vehicle_id in starts and starts[vehicle_id].lock.closed


def _offered(
    problem: Problem,
    vehicles: Sequence[Vehicle],
    starts: Mapping[str, LockedStart],
    exclude: frozenset[str],
) -> list[Stop]:
    """Stops for the solver: not locked, not excluded, and some vehicle has their skills."""
    locked = {i for start in starts.values() for i in start.lock.stop_ids}
    return [
        stop
        for stop in problem.stops
        if stop.id not in locked
        and stop.id not in exclude
        and any(stop.skills <= v.skills for v in vehicles)
    ]


def _refs(stop: Stop) -> list[ClientRef]:
    """One client per window; alternatives become a mutually exclusive group (_clients)."""
    if not stop.windows:
        return [ClientRef(stop, None)]
    return [ClientRef(stop, window) for window in stop.windows]


def _key(vehicle: Vehicle, needed: frozenset[str]) -> ProfileKey:
    """Vehicles share a PyVRP profile if they drive the same roads and may serve the same stops."""
    return vehicle.profile, vehicle.skills & needed


def _horizon(problem: Problem, resumed: Sequence[LockedStart]) -> int:
    """The latest time a client may be served, capped so that cut arcs (twice it) sum safely.

    Depot hours do not count: readers leave depots open "for ever" (int64's end).
    """
    ends = [OPEN_END_S, *(s.free_s for s in resumed), *(v.shift.end_s for v in problem.vehicles)]
    ends += [w.end_s for stop in problem.stops for w in stop.windows]
    return min(max(ends), LATEST)


def _clients(
    problem: Problem, refs: Sequence[ClientRef], first: int, guards: Sequence[int], horizon: int
) -> tuple[list[pyvrp.Client], list[pyvrp.ClientGroup]]:
    """Clients at locations from ``first`` on; a stop's window alternatives form a group."""
    groups: dict[str, pyvrp.ClientGroup] = {}
    for index, ref in enumerate(refs):
        if len(ref.stop.windows) > 1:
            group = groups.setdefault(
                ref.stop.id, pyvrp.ClientGroup(required=ref.stop.required, name=ref.stop.id)
            )
            group.add_client(index)
    order = list(groups)
    clients = [
        _client(problem, ref, first + i, guards, horizon, _index(order, ref.stop.id))
        for i, ref in enumerate(refs)
    ]
    return clients, list(groups.values())


def _index(order: list[str], stop_id: str) -> int | None:
    return order.index(stop_id) if stop_id in order else None


def _client(
    problem: Problem,
    ref: ClientRef,
    location: int,
    guards: Sequence[int],
    horizon: int,
    group: int | None,
) -> pyvrp.Client:
    stop, size = ref.stop, len(problem.dimensions)
    delivery, pickup = padded(stop.delivery, size), padded(stop.pickup, size)
    window = ref.window or Window(0, horizon)
    return pyvrp.Client(
        location,
        delivery=[*delivery, *(delivery[d] for d in guards)],
        pickup=[*pickup, *(0 for _ in guards)],
        service_duration=stop.service_s,
        tw_early=window.start_s,
        tw_late=window.end_s,
        prize=0 if stop.required else stop.penalty,
        # PyVRP wants the clients of a group optional; the group carries "required".
        required=stop.required and group is None,
        group=group,
        name=stop.id,
    )


def _matrices(
    problem: Problem,
    keys: Sequence[ProfileKey],
    places: Sequence[int],
    refs: Sequence[ClientRef],
    first: int,
    horizon: int,
) -> tuple[list[Matrix], list[Matrix]]:
    """Per profile, the problem's matrices over ``places`` with arcs into barred clients cut.

    PyVRP 0.14 cannot bar a client from a vehicle, so arcs into the clients a profile's
    vehicles may not serve take longer than the horizon: using one costs at least a horizon of
    time warp (infeasible), and a long way round in distance. The sums stay far from int64's end.
    """
    index = np.asarray(places, dtype=np.intp)
    distances, durations = [], []
    for name, skills in keys:
        travel = problem.matrices[name]
        barred = [first + i for i, ref in enumerate(refs) if not ref.stop.skills <= skills]
        far = 1000 * (int(travel.distances_m.max(initial=0)) + 1)
        durations.append(_cut(travel.durations_s, index, barred, 2 * horizon + 1))
        distances.append(_cut(travel.distances_m, index, barred, far))
    return distances, durations


def _cut(matrix: IntMatrix, index: npt.NDArray[np.intp], barred: list[int], value: int) -> Matrix:
    out = matrix[np.ix_(index, index)].astype(np.int64)  # PyVRP computes in int64
    out[:, barred] = value
    out[barred, barred] = 0  # staying at a client is still free
    return out


def _location(problem: Problem, place: int) -> pyvrp.Location:
    """Coordinates only label PyVRP's locations (plots); it never derives distances from them."""
    if place < len(problem.coordinates):
        lat, lon = problem.coordinates[place]
        return pyvrp.Location(lon, lat)
    return pyvrp.Location(0.0, 0.0)
