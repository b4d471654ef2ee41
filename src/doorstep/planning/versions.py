"""Plan versions: every planning run of a station's day, numbered, kept, locked and compared."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from doorstep.domain.errors import InvalidTransition, InvalidValue
from doorstep.planning.plan import Binding, Plan, Route
from doorstep.planning.problem import LockedRoute, Problem, local_time


class PlanStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


# The one transition table of a plan version. A superseded plan is not brought back: its
# orders may have changed since it was made, so the way back is to plan again.
TRANSITIONS: dict[PlanStatus, frozenset[PlanStatus]] = {
    PlanStatus.DRAFT: frozenset({PlanStatus.PUBLISHED}),
    PlanStatus.PUBLISHED: frozenset({PlanStatus.SUPERSEDED}),
    PlanStatus.SUPERSEDED: frozenset(),
}


@dataclass(frozen=True)
class PlanVersion:
    """One planning run of a station's day; ``number`` counts 1, 2, ... per station and date.

    ``inputs`` is the problem as planned without its travel matrices (they dwarf the rest and
    can be asked for again); ``left_out`` holds the orders that could not enter it, with why.
    ``locked`` are routes a person fixed on this version: the next run keeps them. Times in
    ``plan`` are seconds from ``epoch``, local midnight at the station.
    """

    id: str
    organisation_id: str
    station_id: str
    service_date: date
    number: int
    created_at: datetime
    created_by: str
    status: PlanStatus
    epoch: datetime
    time_limit_s: float
    seed: int
    plan: Plan
    inputs: Problem
    left_out: tuple[tuple[str, str], ...] = ()
    locked: tuple[LockedRoute, ...] = ()
    published_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.epoch.tzinfo is None or self.created_at.tzinfo is None:
            raise ValueError("a plan version's epoch and created_at must be time-zone aware")

    def at(self, seconds: int) -> datetime:
        """``seconds`` after the epoch in the station's time (``problem.local_time``)."""
        return local_time(self.epoch, seconds)

    def route_of_vehicle(self, vehicle_id: str) -> Route | None:
        return next((r for r in self.plan.routes if r.vehicle_id == vehicle_id), None)

    def move_to(self, status: PlanStatus, at: datetime) -> PlanVersion:
        """This version in ``status`` if the transition table allows it, else InvalidTransition."""
        allowed = TRANSITIONS[self.status]
        if status not in allowed:
            raise InvalidTransition("plan", self.status, status, frozenset(allowed))
        published = at if status is PlanStatus.PUBLISHED else self.published_at
        return replace(self, status=status, published_at=published)


def lock_route(
    version: PlanVersion,
    vehicle_id: str,
    stop_ids: tuple[str, ...] = (),
    *,
    closed: bool = False,
) -> PlanVersion:
    """``version`` with the route of ``vehicle_id`` locked, replacing that vehicle's earlier lock.

    Locks are route *prefixes*, as solvers take them (PyVRP fixes a route's first visits and
    may only add after them): without ``stop_ids`` the whole route is locked; with them, the
    route from its first stop up to and including the last of them on the route. ``closed``
    also forbids adding stops after the prefix.
    """
    route = version.route_of_vehicle(vehicle_id)
    if route is None:
        known = vehicle_id in version.inputs.vehicles_by_id
        why = "has no route" if known else "is not a vehicle"
        raise InvalidValue("vehicle_id", f"{vehicle_id} {why} in plan {version.number}")
    foreign = [s for s in stop_ids if s not in route.stop_ids]
    if foreign:
        raise InvalidValue(
            "stop_ids",
            f"not on the route of {vehicle_id} in plan {version.number}: {', '.join(foreign)}",
        )
    end = max((route.stop_ids.index(s) for s in stop_ids), default=len(route.stop_ids) - 1)
    lock = LockedRoute(vehicle_id, route.stop_ids[: end + 1], closed)
    others = tuple(kept for kept in version.locked if kept.vehicle_id != vehicle_id)
    return replace(version, locked=(*others, lock))


def carry_locks(
    locks: tuple[LockedRoute, ...], problem: Problem
) -> tuple[tuple[LockedRoute, ...], tuple[str, ...]]:
    """The locks that still apply to ``problem``, and a note for each stop or vehicle dropped.

    A locked order that is no longer ready (delivered, cancelled) leaves the lock, the rest
    keep their order; a vehicle no longer available loses its lock.
    """
    kept: list[LockedRoute] = []
    notes: list[str] = []
    for lock in locks:
        if lock.vehicle_id not in problem.vehicles_by_id:
            notes.append(f"lock of {lock.vehicle_id} dropped: the vehicle is not available")
            continue
        present = tuple(s for s in lock.stop_ids if s in problem.stops_by_id)
        gone = [s for s in lock.stop_ids if s not in problem.stops_by_id]
        if gone:
            notes.append(f"locked stops of {lock.vehicle_id} no longer planned: {', '.join(gone)}")
        if present or lock.closed:
            kept.append(replace(lock, stop_ids=present))
    return tuple(kept), tuple(notes)


@dataclass(frozen=True)
class RouteFigures:
    """A route as a dispatcher reads it: times in the station's zone, the fullest load share."""

    vehicle_id: str
    stops: int
    distance_m: int
    start_at: datetime
    end_at: datetime
    peak_load: float  # the fullest the vehicle gets, in its tightest dimension (1.0 = full)
    binding: Binding


def route_figures(version: PlanVersion, route: Route) -> RouteFigures:
    return RouteFigures(
        route.vehicle_id,
        len(route.visits),
        route.distance_m,
        version.at(route.start_s),
        version.at(route.end_s),
        peak_load(version.inputs, route),
        route.binding,
    )


def peak_load(inputs: Problem, route: Route) -> float:
    """The highest load on ``route`` as a share of capacity, in its tightest dimension."""
    vehicle = inputs.vehicles_by_id.get(route.vehicle_id)
    if vehicle is None:
        return 0.0
    loads = [route.load_at_start, *(v.load_after for v in route.visits)]
    shares = [
        max((load[d] for load in loads if len(load) > d), default=0) / capacity
        for d, capacity in enumerate(vehicle.capacity)
        if capacity > 0
    ]
    return max(shares, default=0.0)


def lateness_s(inputs: Problem, plan: Plan) -> int:
    """Seconds by which visits start after the window they missed, summed (0 for valid plans)."""
    total = 0
    for route in plan.routes:
        for visit in route.visits:
            stop = inputs.stops_by_id.get(visit.stop_id)
            if stop is None or any(w.contains(visit.start_s) for w in stop.windows):
                continue
            missed = [w.end_s for w in stop.windows if w.end_s < visit.start_s]
            total += visit.start_s - max(missed) if missed else 0
    return total


@dataclass(frozen=True)
class Figures:
    """One version's totals, for a comparison."""

    plan_id: str
    number: int
    cost: int
    distance_m: int
    lateness_s: int
    routes_used: int
    unassigned: int

    @classmethod
    def of(cls, version: PlanVersion) -> Figures:
        plan = version.plan
        return cls(
            version.id,
            version.number,
            plan.cost,
            plan.distance_m,
            lateness_s(version.inputs, plan),
            sum(1 for r in plan.routes if r.visits),
            len(plan.unassigned),
        )


@dataclass(frozen=True)
class Move:
    """A stop planned in both versions on different vehicles; ``None`` means left out."""

    stop_id: str
    vehicle_a: str | None
    vehicle_b: str | None


@dataclass(frozen=True)
class Comparison:
    a: Figures
    b: Figures
    moved: tuple[Move, ...]
    added: tuple[str, ...]  # stops only in b
    dropped: tuple[str, ...]  # stops only in a


def compare(a: PlanVersion, b: PlanVersion) -> Comparison:
    """Totals of both versions and the stops that changed vehicle, came in or went away."""
    where_a, where_b = _vehicles(a.plan), _vehicles(b.plan)
    both = sorted(where_a.keys() & where_b.keys())
    moved = tuple(Move(s, where_a[s], where_b[s]) for s in both if where_a[s] != where_b[s])
    added = tuple(sorted(where_b.keys() - where_a.keys()))
    dropped = tuple(sorted(where_a.keys() - where_b.keys()))
    return Comparison(Figures.of(a), Figures.of(b), moved, added, dropped)


def _vehicles(plan: Plan) -> dict[str, str | None]:
    """Each stop of the plan with its vehicle, ``None`` for those left out."""
    found: dict[str, str | None] = {u.stop_id: None for u in plan.unassigned}
    for route in plan.routes:
        found |= dict.fromkeys(route.stop_ids, route.vehicle_id)
    return found
