"""Public VRP benchmark instances (VRPLIB files) as doorstep problems, under each set's convention.

Two conventions, chosen by the file: an instance with a ``TIME_WINDOW_SECTION`` (Solomon,
Gehring & Homberger) follows DIMACS: the distance is the Euclidean distance truncated to one
decimal, travel time equals distance, and the objective is total distance. Doorstep's problems
are integer, so every distance, duration, service time and window is stored times 10 (``scale``):
the integer objective divided by 10 is the DIMACS cost exactly. An instance without windows
(CVRP, the X set) follows TSPLIB: Euclidean distance rounded to the nearest integer (scale 1)
and an unlimited fleet. Customers keep their VRPLIB numbers: customer ``i`` (1..n) is location
``i`` and stop id ``str(i)``; the depot is location 0, as in ``.sol`` files.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import vrplib  # type: ignore[import-untyped]

from doorstep.planning import schedule
from doorstep.planning.plan import Plan, Route, Unassigned
from doorstep.planning.problem import OPEN_END_S, Depot, Problem, Stop, Travel, Vehicle, Window
from doorstep.planning.travel import IntMatrix

DIMACS = "dimacs"
TSPLIB = "tsplib"
PROFILE = "van"

FloatArray = npt.NDArray[np.float64]
LongArray = npt.NDArray[np.int64]


class NotAnInstance(ValueError):
    """The file cannot be read as a VRPLIB instance; the message says what is wrong."""


@dataclass(frozen=True)
class Instance:
    """A benchmark instance: its doorstep problem and how to read costs back in its convention."""

    name: str
    problem: Problem
    convention: str  # DIMACS or TSPLIB
    scale: int  # integer objective / scale = the convention's cost
    num_clients: int
    fleet: int  # vehicles available: VEHICLES for VRPTW, one per customer for CVRP

    @property
    def distances(self) -> IntMatrix:
        return self.problem.matrices[PROFILE].distances_m


def read_instance(path: str | Path) -> Instance:
    """The instance in ``path`` as a doorstep problem; raises ``NotAnInstance`` if it is not one."""
    path = Path(path)
    try:
        data: dict[str, Any] = vrplib.read_instance(path, compute_edge_weights=False)
    except (OSError, UnicodeDecodeError) as error:
        raise NotAnInstance(f"{path} cannot be read: {error}") from None
    except (ValueError, RuntimeError, IndexError, TypeError) as error:
        raise NotAnInstance(f"{path} is not in VRPLIB format ({str(error).rstrip('.')})") from None
    for key in ("dimension", "node_coord", "demand", "capacity"):
        if key not in data:
            raise NotAnInstance(f"{path} is not a VRPLIB routing instance: no {key.upper()}")
    try:
        return _instance(path, data)
    except (ValueError, TypeError, IndexError) as error:
        raise NotAnInstance(f"{path} holds inconsistent VRPLIB data ({error})") from None


def _instance(path: Path, data: Mapping[str, Any]) -> Instance:
    size = int(data["dimension"])
    depots = np.atleast_1d(data.get("depot", np.array([0])))
    if size < 2 or depots.size != 1 or int(depots[0]) != 0:
        # Customer numbers in .sol files are node ids minus one only with the depot first.
        raise NotAnInstance(f"{path}: only one depot, node 1, is supported (DEPOT_SECTION)")
    coords = np.asarray(data["node_coord"], dtype=np.float64).reshape(size, 2)
    demand = np.asarray(data["demand"], dtype=np.int64).reshape(size)
    windowed = "time_window" in data
    convention, scale = (DIMACS, 10) if windowed else (TSPLIB, 1)
    distances = _distances(coords, convention)
    n, capacity = size - 1, int(data["capacity"])
    fleet = int(data.get("vehicles", n))  # CVRP files name none: unlimited, one per customer
    if windowed:
        windows = np.asarray(data["time_window"], dtype=np.float64).reshape(size, 2)
        spans = [Window(_scaled(a, scale), _scaled(b, scale)) for a, b in windows]
        service = _service_times(data.get("service_time", 0), size, scale)
        depot_window = spans[0]
    else:
        spans, service = [], [0] * size
        # No windows: the depot stays open longer than any route can take.
        depot_window = Window(0, max(OPEN_END_S, int(distances.max(axis=1).sum()) + 1))
    stops = tuple(
        Stop(
            id=str(i),
            location=i,
            service_s=service[i],
            windows=(spans[i],) if spans else (),
            delivery=(int(demand[i]),),
        )
        for i in range(1, size)
    )
    vehicles = tuple(
        Vehicle(id=f"v{k + 1}", capacity=(capacity,), shift=depot_window, profile=PROFILE)
        for k in range(fleet)
    )
    problem = Problem(
        depots=(Depot(id="depot", location=0, window=depot_window),),
        vehicles=vehicles,
        stops=stops,
        # Travel time equals distance in both conventions.
        matrices={PROFILE: Travel(durations_s=distances, distances_m=distances.copy())},
        dimensions=("demand",),
        # Planar x, y rather than lat, lon: only decomposition looks at them, by proximity.
        coordinates=tuple((float(x), float(y)) for x, y in coords),
    )
    name = str(data.get("name", path.stem)).strip()
    return Instance(name, problem, convention, scale, n, fleet)


def _distances(coords: FloatArray, convention: str) -> IntMatrix:
    """Pairwise distances in the convention, exact for integer coordinates.

    vrplib and PyVRP compute Euclidean distances in floating point, where a distance of
    exactly 5 can come out as 4.9999999 and truncate to 4.9; on integer coordinates the
    truncation (and the rounding) is done in integer arithmetic instead.
    """
    # Below 10**7 the squared (and x100) differences stay far inside int64.
    if np.all(coords == np.round(coords)) and np.abs(coords).max() < 10**7:
        xy = coords.astype(np.int64)
        squared: LongArray = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)
        if convention == DIMACS:
            return np.asarray(_isqrt(100 * squared), dtype=np.int32)
        root = _isqrt(squared)
        # nint(sqrt(s)) = r + 1 exactly when s > r^2 + r (sqrt(s) is never exactly r + 0.5).
        return np.asarray(root + (squared > root * root + root), dtype=np.int32)
    euclid: FloatArray = np.sqrt(((coords[:, None, :] - coords[None, :, :]) ** 2).sum(axis=2))
    if convention == DIMACS:
        return np.asarray(np.floor(10 * euclid + 1e-9), dtype=np.int32)
    return np.asarray(np.floor(euclid + 0.5), dtype=np.int32)


def _isqrt(values: LongArray) -> LongArray:
    """Elementwise integer square root (floor), exact for non-negative int64."""
    root: LongArray = np.floor(np.sqrt(values.astype(np.float64))).astype(np.int64)
    # The float root can be one off either way; step it onto the exact floor.
    root -= root * root > values
    root += (root + 1) * (root + 1) <= values
    return root


def _scaled(value: float, scale: int) -> int:
    return round(float(value) * scale)


def _service_times(raw: Any, size: int, scale: int) -> list[int]:
    """A global SERVICE_TIME (the depot has none) or a per-node SERVICE_TIME_SECTION."""
    if isinstance(raw, int | float):
        return [0] + [_scaled(raw, scale)] * (size - 1)
    return [_scaled(v, scale) for v in np.asarray(raw, dtype=np.float64).reshape(size)]


def format_routes(problem: Problem, plan: Plan) -> list[list[int]]:
    """The plan's routes as in ``.sol`` files: customer numbers 1..n, depot implicit."""
    return [[problem.stop(v.stop_id).location for v in r.visits] for r in plan.routes if r.visits]


def cost_of(instance: Instance, routes: Sequence[Sequence[int]]) -> float:
    """The convention's cost of ``routes``, recomputed from the distances (no solver trusted)."""
    return distance_of(instance, routes) / instance.scale


def distance_of(instance: Instance, routes: Sequence[Sequence[int]]) -> int:
    """The integer objective: total scaled distance, depot to depot, of the non-empty routes."""
    d = instance.distances
    total = 0
    for route in routes:
        if route:
            path = [0, *route, 0]
            total += sum(int(d[a, b]) for a, b in itertools.pairwise(path))
    return total


@dataclass(frozen=True)
class Solution:
    routes: list[list[int]]
    cost: float | None  # the file's ``Cost`` line, if it has one


def read_solution(path: str | Path) -> Solution:
    """A ``.sol`` file: its routes (customers 1..n) and the cost it states."""
    try:
        data: dict[str, Any] = vrplib.read_solution(Path(path))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise NotAnInstance(f"{path} is not a VRPLIB solution ({error})") from None
    cost = data.get("cost")
    return Solution(
        [list(map(int, r)) for r in data["routes"]],
        float(cost) if isinstance(cost, int | float) else None,
    )


def to_plan(
    instance: Instance, routes: Sequence[Sequence[int]], *, solver: str = "", runtime_s: float = 0.0
) -> Plan:
    """Routes in ``.sol`` numbering as a doorstep plan, each visit at its earliest start.

    Vehicles leave when the depot opens and wait where they arrive early. Nothing is judged
    here (a late arrival, an overload or a repeat is kept as it is), so that the validator
    judges another solver's routes exactly as it judges doorstep's. Customers on no route are
    listed as unassigned. Raises ``ValueError`` for more routes than vehicles or a customer
    number outside 1..n.
    """
    problem = instance.problem
    used = [list(r) for r in routes if r]
    if len(used) > len(problem.vehicles):
        raise ValueError(f"{len(used)} routes but only {len(problem.vehicles)} vehicles")
    planned: list[Route] = []
    for vehicle, route in zip(problem.vehicles, used, strict=False):
        if not all(1 <= number <= instance.num_clients for number in route):
            raise ValueError(f"a customer number outside 1..{instance.num_clients}: {route}")
        stops = [problem.stop(str(number)) for number in route]
        timed = schedule.timeline(problem, vehicle, stops)
        planned.append(schedule.route_of(problem, vehicle, stops, timed))
    served = {number for route in used for number in route}
    customers = range(1, instance.num_clients + 1)
    return Plan(
        routes=tuple(planned),
        unassigned=tuple(Unassigned(str(i)) for i in customers if i not in served),
        cost=sum(r.cost for r in planned),
        solver=solver,
        runtime_s=runtime_s,
    )
