"""Planning a station's day: each run stored as a numbered version, then published or locked."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from doorstep.domain.errors import Conflict, InvalidValue, NotFound, PlanInvalid
from doorstep.domain.permissions import Permission
from doorstep.domain.stations import Station
from doorstep.planning.explanation import explain
from doorstep.planning.optimizer import ProgressCallback, RouteOptimizer
from doorstep.planning.plan import Binding, Plan, Reason, Route
from doorstep.planning.problem import Problem
from doorstep.planning.repair import put_back
from doorstep.planning.travel import TravelTimes
from doorstep.planning.validation import validate
from doorstep.planning.versions import (
    Comparison,
    PlanStatus,
    PlanVersion,
    carry_locks,
    compare,
    lock_route,
)
from doorstep.planning.wording import Words
from doorstep.services import broadcasts, sorting
from doorstep.services.authorization import Principal, require
from doorstep.services.planning.day import COST_UNITS, Day, load_day
from doorstep.services.planning.live import Matrices
from doorstep.services.ports import Broadcaster, Clock, IdGenerator, UnitOfWork
from doorstep.services.stations import resolve_station

# Tries at storing a finished run whose number a concurrent run of the same day took first
# (PostgreSQL; SQLite's writers queue): the plan took seconds to make, so it is not dropped.
STORE_ATTEMPTS = 3


@dataclass(frozen=True)
class Run:
    """How a run searches: its wall-time budget, seed and a callback for progress reports."""

    time_limit_s: float
    seed: int = 0
    progress: ProgressCallback | None = None


def plan_day(
    principal: Principal,
    station_ref: str,
    day: date,
    *,
    uow: UnitOfWork,
    travel: TravelTimes,
    optimizer: RouteOptimizer,
    clock: Clock,
    ids: IdGenerator,
    time_limit_s: float,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    reader: UnitOfWork | None = None,
    matrices: Matrices | None = None,
) -> PlanVersion:
    """Plan the station's ready orders for ``day`` and store the plan as the day's next version.

    The day is read in one transaction, through ``reader`` when given (a read-only unit leaves
    the write lock free while travel matrices are computed); the optimizer runs outside any
    transaction, as it takes seconds; the plan is explained, checked by the independent
    validator and stored in a second transaction. The day's latest version lends its locks
    and warm-starts the search. With ``matrices`` the day's travel matrices are kept there
    for the live changes that follow. Raises InvalidValue (``station``, ``time_limit_s``), Conflict
    for a day without orders or vehicles, and PlanInvalid if the optimizer broke a rule.
    """
    require(principal, Permission.PLANS_WRITE)
    if not (math.isfinite(time_limit_s) and time_limit_s > 0):
        raise InvalidValue("time_limit_s", f"must be seconds above 0, got {time_limit_s:g}")
    loaded, latest = _read_day(principal.organisation_id, station_ref, day, reader or uow, travel)
    locks, notes = carry_locks(latest.locked if latest else (), loaded.problem)
    problem = replace(loaded.problem, locked=locks)
    run = Run(time_limit_s, seed, progress)
    words = _words(loaded)
    plan = _solve(problem, optimizer, run, latest.plan if latest else None, notes, words)
    draft = PlanVersion(
        id=ids.new_id("pln"),
        organisation_id=principal.organisation_id,
        station_id=loaded.station.id,
        service_date=day,
        number=0,  # the next free one, taken when stored
        created_at=clock.now(),
        created_by=f"{principal.kind.value}:{principal.actor_id}",
        status=PlanStatus.DRAFT,
        epoch=loaded.epoch,
        time_limit_s=time_limit_s,
        seed=seed,
        plan=plan,
        inputs=replace(problem, matrices={}),
        left_out=loaded.left_out,
        locked=locks,
    )
    stored = _store(uow, draft)
    if matrices is not None:
        matrices.put(stored.id, problem.matrices)
    return stored


def _read_day(
    organisation_id: str, station_ref: str, day: date, uow: UnitOfWork, travel: TravelTimes
) -> tuple[Day, PlanVersion | None]:
    with uow:
        station = resolve_station(uow, organisation_id, "station", station_ref)
        loaded = load_day(uow, organisation_id, station, day, travel)
        latest = uow.plans.latest(organisation_id, station.id, day)
    where = f"station {station.code} on {day.isoformat()}"
    if not loaded.problem.stops:
        left = f" ({len(loaded.left_out)} without a location)" if loaded.left_out else ""
        raise Conflict(f"{where} has no ready orders with a location{left}: nothing to plan")
    if not loaded.problem.vehicles:
        raise Conflict(f"{where} has no active vehicles to plan with")
    return loaded, latest


def _solve(
    problem: Problem,
    optimizer: RouteOptimizer,
    run: Run,
    initial: Plan | None,
    notes: tuple[str, ...],
    words: Words | None = None,
) -> Plan:
    """The optimizer's plan with reasons and bindings; a plan breaking a rule is never kept."""
    found = optimizer.optimize(
        problem,
        time_limit_s=run.time_limit_s,
        seed=run.seed,
        initial=initial,
        progress=run.progress,
    )
    kept = replace(put_back(problem, found), notes=(*found.notes, *notes))
    plan = explain(problem, kept, words)
    violations = validate(problem, plan)
    if violations:
        raise PlanInvalid(tuple(f"[{v.code}] {v.message}" for v in violations))
    return plan


def _words(day: Day) -> Words:
    """Reasons in the station's clock, its currency and the names people use."""
    names = {v.id: v.name for v in day.vehicles.values()} | {day.station.id: day.station.code}
    return Words(day.epoch, COST_UNITS, names)


def _store(uow: UnitOfWork, version: PlanVersion) -> PlanVersion:
    day = (version.organisation_id, version.station_id, version.service_date)
    for attempt in range(1, STORE_ATTEMPTS + 1):
        try:
            with uow:
                stored = replace(version, number=uow.plans.next_number(*day))
                uow.plans.add(stored)
                uow.commit()
            return stored
        except Conflict:
            if attempt == STORE_ATTEMPTS:
                raise
    raise AssertionError("unreachable: the last attempt returns or raises")


def get_plan(principal: Principal, plan_id: str, *, uow: UnitOfWork) -> PlanVersion:
    require(principal, Permission.PLANS_READ)
    with uow:
        return _load(uow, principal.organisation_id, plan_id)


def list_plans(
    principal: Principal, station_ref: str, day: date, *, uow: UnitOfWork
) -> tuple[Station, Sequence[PlanVersion]]:
    """The station (by code or id) and its versions of ``day``, oldest first."""
    require(principal, Permission.PLANS_READ)
    with uow:
        station = resolve_station(uow, principal.organisation_id, "station", station_ref)
        return station, uow.plans.list(principal.organisation_id, station.id, day)


def publish(
    principal: Principal,
    plan_id: str,
    *,
    uow: UnitOfWork,
    clock: Clock,
    broadcast: Broadcaster | None = None,
) -> PlanVersion:
    """Publish a draft; the day's previously published version becomes superseded."""
    require(principal, Permission.PLANS_WRITE)
    with uow:
        version = _load(uow, principal.organisation_id, plan_id)
        now = clock.now()
        published = version.move_to(PlanStatus.PUBLISHED, now)  # refused before anything changes
        day = uow.plans.list(principal.organisation_id, version.station_id, version.service_date)
        for current in day:
            if current.status is PlanStatus.PUBLISHED:
                uow.plans.update(current.move_to(PlanStatus.SUPERSEDED, now))
        uow.plans.update(published)
        sorting.on_publish(uow, published, clock)
        uow.commit()
    broadcasts.plan_changed(
        broadcast, principal.organisation_id, published.station_id, published.service_date,
        published.id,
    )  # fmt: skip
    return published


def compare_versions(principal: Principal, a_id: str, b_id: str, *, uow: UnitOfWork) -> Comparison:
    require(principal, Permission.PLANS_READ)
    with uow:
        a = _load(uow, principal.organisation_id, a_id)
        b = _load(uow, principal.organisation_id, b_id)
    return compare(a, b)


def lock(
    principal: Principal,
    plan_id: str,
    vehicle_id: str,
    *,
    stop_ids: Sequence[str] | None = None,
    closed: bool = False,
    uow: UnitOfWork,
) -> PlanVersion:
    """Lock a vehicle's route on the day's latest version, so that the next run keeps it.

    Locks are route prefixes, as solvers take them (``versions.lock_route``): without
    ``stop_ids`` the whole route, else its stops up to and including the last one given. A
    ``closed`` route takes no new stops. Only the latest version takes locks, because the next
    run reads them from there; locking an older one would silently do nothing.
    """
    require(principal, Permission.PLANS_WRITE)
    with uow:
        version = _load(uow, principal.organisation_id, plan_id)
        latest = uow.plans.latest(version.organisation_id, version.station_id, version.service_date)
        if latest is not None and latest.id != version.id:
            raise Conflict(
                f"plan {version.number} is not the latest of its day (plan {latest.number} is, "
                f"id {latest.id}); lock routes on that one, the next run keeps only its locks",
                field="plan_id",
            )
        locked = lock_route(version, vehicle_id, tuple(stop_ids or ()), closed=closed)
        uow.plans.update(locked)
        uow.commit()
    return locked


@dataclass(frozen=True)
class OrderExplanation:
    """Where the newest plan holding an order has it: on a route, or left out and why."""

    order_id: str
    version: PlanVersion
    route: Route | None = None
    position: int | None = None  # 1 for the route's first stop
    arrival_at: datetime | None = None
    start_at: datetime | None = None
    reason: Reason | None = None  # the planner left it out
    left_out: str | None = None  # it could not enter the plan at all (e.g. no location)

    @property
    def binding(self) -> Binding | None:
        return None if self.route is None else self.route.binding


def explain_order(principal: Principal, order_id: str, *, uow: UnitOfWork) -> OrderExplanation:
    """The order's place in the newest plan that holds it; NotFound saying how to plan it."""
    require(principal, Permission.PLANS_READ)
    with uow:
        version = uow.plans.containing(principal.organisation_id, order_id)
        if version is None:
            raise _not_planned(uow, principal.organisation_id, order_id)
    route = version.plan.route_of(order_id)
    if route is not None:
        index = route.stop_ids.index(order_id)
        visit = route.visits[index]
        at, start = version.at(visit.arrival_s), version.at(visit.start_s)
        return OrderExplanation(order_id, version, route, index + 1, at, start)
    dropped = next((u for u in version.plan.unassigned if u.stop_id == order_id), None)
    if dropped is not None:
        return OrderExplanation(order_id, version, reason=dropped.reason)
    return OrderExplanation(order_id, version, left_out=dict(version.left_out).get(order_id, ""))


def _not_planned(uow: UnitOfWork, organisation_id: str, order_id: str) -> NotFound:
    order = uow.orders.get(organisation_id, order_id)
    if order is None:
        return NotFound("order", order_id)
    station = uow.stations.get(organisation_id, order.station_id) if order.station_id else None
    if station is None or order.service_date is None:
        return NotFound("plan with order", order_id, "it needs a station and a date to be planned")
    day = order.service_date.isoformat()
    hint = f"plan its day first: doorstep plan --station {station.code} --date {day}"
    return NotFound("plan with order", order_id, hint)


def _load(uow: UnitOfWork, organisation_id: str, plan_id: str) -> PlanVersion:
    version = uow.plans.get(organisation_id, plan_id)
    if version is None:
        raise NotFound("plan", plan_id)
    return version
