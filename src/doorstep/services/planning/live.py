"""Live changes to a station's running plan: each stored as the day's next version.

A change may carry more work for the same transaction (``take_out``'s ``also``: the order's
own move to another day), so the new version and what caused it commit together or not at all.

A change applies to the day's latest version (the one dispatch runs when it is published) and
is made from where the vans are now (``planning.live``): what drivers reported done, or what
the plan says has started, never moves. The new version takes the old one's status: a change
to the published plan is published at once and supersedes it.

Plan versions keep their inputs without travel matrices, so the matrices of recent versions
are held here (``Matrices``); a new order adds one row and one column, two one-to-many road
searches, instead of the whole day's matrix again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

import numpy as np

from doorstep.domain.errors import Conflict, InvalidValue, NotFound, PlanInvalid
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import Location
from doorstep.domain.order_status import PLANNABLE, OrderStatus
from doorstep.domain.orders import Order
from doorstep.domain.permissions import Permission
from doorstep.planning import live
from doorstep.planning.decomposition import Part, restrict, subproblem
from doorstep.planning.explanation import explain
from doorstep.planning.insertion import retimed
from doorstep.planning.optimizer import Progress, ProgressCallback, RouteOptimizer
from doorstep.planning.plan import Plan, Route
from doorstep.planning.problem import Problem, Travel, seconds_after
from doorstep.planning.schedule import plan_cost
from doorstep.planning.tails import improve_tail
from doorstep.planning.travel import TravelTimes
from doorstep.planning.validation import Violation, validate
from doorstep.planning.versions import PlanStatus, PlanVersion
from doorstep.planning.wording import Words
from doorstep.services import broadcasts, sorting
from doorstep.services.authorization import Principal, require
from doorstep.services.orders import orders_matching
from doorstep.services.planning.day import COST_UNITS, order_stop, round_trip_m
from doorstep.services.planning.move_words import worded
from doorstep.services.ports import Broadcaster, Clock, IdGenerator, OrderFilter, UnitOfWork

# Orders a driver has finished with: their stops are history whatever the plan's clock says.
DONE = frozenset(
    {
        OrderStatus.DELIVERED,
        OrderStatus.FAILED_ATTEMPT,
        OrderStatus.RETURNING_TO_STATION,
        OrderStatus.RETURNED_TO_SENDER,
    }
)


# What the cached matrices may hold in all: a 3,000-stop day's pair is 72 MB, a 10,000-stop
# day's 800 MB. The newest version is always kept, whatever its size.
MATRIX_CACHE_BYTES = 1 << 30


class Matrices:
    """Travel matrices of the most recent plan versions, by version id, in this process."""

    def __init__(self, most_bytes: int = MATRIX_CACHE_BYTES) -> None:
        self._most = most_bytes
        self._found: OrderedDict[str, Mapping[str, Travel]] = OrderedDict()
        self._lock = threading.Lock()  # request threads and planning jobs share the cache

    def get(self, version_id: str) -> Mapping[str, Travel] | None:
        with self._lock:
            found = self._found.get(version_id)
            if found is not None:
                self._found.move_to_end(version_id)
            return found

    def put(self, version_id: str, matrices: Mapping[str, Travel]) -> None:
        with self._lock:
            self._found[version_id] = matrices
            self._found.move_to_end(version_id)
            while len(self._found) > 1 and self._bytes() > self._most:
                self._found.popitem(last=False)  # the least recently used first

    def _bytes(self) -> int:
        return sum(
            t.durations_s.nbytes + t.distances_m.nbytes
            for found in self._found.values()
            for t in found.values()
        )


@dataclass(frozen=True)
class LivePorts:
    """What every live change needs."""

    uow: UnitOfWork
    travel: TravelTimes
    matrices: Matrices
    clock: Clock
    ids: IdGenerator
    broadcast: Broadcaster | None = None  # told when a published day changes


@dataclass(frozen=True)
class LiveChange:
    """A change's result: the version it made (or, for a preview, would make) and what it did."""

    base: PlanVersion
    version: PlanVersion
    affected: tuple[str, ...]  # vehicles whose routes changed
    violations: tuple[Violation, ...] = ()  # what a dispatcher's move would break
    saved: bool = True


def add_order(principal: Principal, plan_id: str, order_id: str, *, ports: LivePorts) -> LiveChange:
    """Put a new ready order into the running plan at its cheapest feasible place.

    The order must belong to the plan's station and day, have a location, and not be in the
    plan yet. It may end up unassigned, with the reason, when no van can take it.
    """
    require(principal, Permission.PLANS_LIVE)
    with ports.uow as uow:
        base = _latest(uow, principal.organisation_id, plan_id)
        order = uow.orders.get(principal.organisation_id, order_id)
        underway = _underway(uow, base, ports.clock.now())
        words = _words(uow, base)
    if order is None:
        raise NotFound("order", order_id)
    _fits_day(base, order.station_id, order.service_date, order.status, order_id)
    if order.location is None:
        raise InvalidValue("order_id", f"order {order_id} has no location: place it first")
    if order_id in base.inputs.stops_by_id:
        raise Conflict(f"order {order_id} is already in plan {base.number}", field="order_id")
    problem, location = _with_location(_problem(base, ports), order.location, ports.travel)
    round_trip = round_trip_m(next(iter(problem.matrices.values()), None), location)
    stop = order_stop(order, location, base.epoch, round_trip)
    problem = replace(problem, stops=(*problem.stops, stop))
    changed = live.insert_order(problem, base.plan, order_id, underway)
    note = f"live: order {order_id} added"
    return _store(principal, base, changed, note, words, ports)


@dataclass(frozen=True)
class Trial:
    """What the order does to its day's latest plan, stored nowhere: the plan without it
    (``before``) and with it at its cheapest feasible place (``after``), both explained and
    costed on ``problem`` (the day as of now, the order's stop included)."""

    base: PlanVersion
    problem: Problem
    before: Plan
    after: Plan
    order_id: str
    planned: bool  # the order was on a route of ``base`` already

    @property
    def route(self) -> Route | None:
        return self.after.route_of(self.order_id)

    @property
    def marginal_cost(self) -> int:
        """``after``'s cost less ``before``'s, in the plan's cost units (``COST_UNITS``)."""
        return self.after.cost - self.before.cost


def try_order(principal: Principal, order: Order, *, ports: LivePorts) -> Trial:
    """The cheapest feasible insertion of ``order`` into its station and day's latest plan
    version, as ``add_order`` would make it, stored nowhere (rate shopping asks this of every
    order). An order the plan has on a route already is taken off it (its route re-timed,
    history kept) to give the plan without it; one the plan left out is inserted again.
    NotFound when the day has no plan; InvalidValue for an order without a place."""
    require(principal, Permission.PLANS_READ)
    if order.station_id is None or order.service_date is None:
        raise InvalidValue("order_id", f"order {order.id} has no station and day to plan it on")
    if order.location is None:
        raise InvalidValue("order_id", f"order {order.id} has no location: place it first")
    with ports.uow as uow:
        base = uow.plans.latest(order.organisation_id, order.station_id, order.service_date)
        if base is None:
            raise NotFound("plan", f"{order.service_date.isoformat()}", "the day is not planned")
        underway = _underway(uow, base, ports.clock.now())
        words = _words(uow, base)
    problem = _problem(base, ports)
    plan = base.plan
    planned = plan.route_of(order.id) is not None
    if order.id not in problem.stops_by_id:
        problem, location = _with_location(problem, order.location, ports.travel)
        round_trip = round_trip_m(next(iter(problem.matrices.values()), None), location)
        stop = order_stop(order, location, base.epoch, round_trip)
        problem = replace(problem, stops=(*problem.stops, stop))
    elif planned:
        plan = _taken_off(problem, plan, order.id, underway)
    changed = live.insert_order(problem, plan, order.id, underway)
    before = replace(plan, cost=plan_cost(changed.problem, plan.routes, plan.unassigned))
    after = explain(changed.problem, changed.plan, words)
    return Trial(base, changed.problem, before, after, order.id, planned)


def _taken_off(problem: Problem, plan: Plan, order_id: str, underway: live.Underway) -> Plan:
    """``plan`` without ``order_id`` on its route (the rest re-timed); Conflict when the stop is
    history already (served, or being driven to)."""
    route = plan.route_of(order_id)
    assert route is not None
    first = live.frozen(plan, underway)[route.vehicle_id]
    at = route.stop_ids.index(order_id)
    if at < first:
        raise Conflict(f"order {order_id} is already served or under way", field="order_id")
    stops = [problem.stop(s) for s in route.stop_ids if s != order_id]
    routes = [r for r in plan.routes if r.vehicle_id != route.vehicle_id]
    if stops:
        routes.append(retimed(problem, route, stops, first))
    order = {v.id: n for n, v in enumerate(problem.vehicles)}
    routes.sort(key=lambda r: order[r.vehicle_id])
    return replace(plan, routes=tuple(routes), cost=plan_cost(problem, routes, plan.unassigned))


def take_out(
    principal: Principal,
    plan_id: str,
    order_id: str,
    *,
    note: str,
    ports: LivePorts,
    also: Callable[[UnitOfWork, PlanVersion], None] | None = None,
) -> LiveChange:
    """``order_id``'s stop out of the day's latest plan (``planning.live.remove_stops``).

    For an order whose parcel stays at the station (it moves to another day): nothing is
    re-planned around the gap, the routes after it just run earlier. ``also`` runs in the
    transaction that stores the new version, with the version, before it commits.
    """
    require(principal, Permission.PLANS_LIVE)
    base, underway, words = _standing(principal, plan_id, ports)
    if order_id not in base.inputs.stops_by_id:
        raise InvalidValue("order_id", f"order {order_id} is not in plan {base.number}")
    changed = live.remove_stops(_problem(base, ports), base.plan, [order_id], underway)
    return _store(principal, base, changed, note, words, ports, also=also)


def take_off_road(
    principal: Principal, plan_id: str, vehicle_id: str, *, ports: LivePorts
) -> LiveChange:
    """A vehicle is out for the rest of the day (a breakdown): its open stops go to the others."""
    require(principal, Permission.PLANS_LIVE)
    base, underway, words = _standing(principal, plan_id, ports)
    if vehicle_id not in base.inputs.vehicles_by_id:
        raise InvalidValue("vehicle_id", f"{vehicle_id} is not a vehicle of plan {base.number}")
    changed = live.take_off_road(_problem(base, ports), base.plan, vehicle_id, underway)
    note = f"live: vehicle {vehicle_id} off the road"
    return _store(principal, base, changed, note, words, ports)


def move_stops(
    principal: Principal,
    plan_id: str,
    stop_ids: Sequence[str],
    vehicle_id: str,
    *,
    position: int | None = None,
    save: bool = False,
    ports: LivePorts,
) -> LiveChange:
    """A dispatcher's move of ``stop_ids`` onto ``vehicle_id``; see ``planning.live.move_stops``.

    Without ``save`` it is a preview: the version it would make, unsaved, with what it would
    break. With ``save`` it is stored, unless it breaks a rule: then Conflict lists what.
    """
    require(principal, Permission.PLANS_LIVE if save else Permission.PLANS_READ)
    if not stop_ids:
        raise InvalidValue("stop_ids", "name at least one order to move")
    base, underway, words = _standing(principal, plan_id, ports)
    if vehicle_id not in base.inputs.vehicles_by_id:
        raise InvalidValue("vehicle_id", f"{vehicle_id} is not a vehicle of plan {base.number}")
    problem = _problem(base, ports)
    try:
        changed = live.move_stops(
            problem, base.plan, stop_ids, vehicle_id, underway, position=position
        )
    except ValueError as error:
        field = "position" if "position" in str(error) else "stop_ids"
        raise InvalidValue(field, str(error)) from None
    note = f"live: {', '.join(stop_ids)} moved to {vehicle_id}"
    # What it breaks, for the dispatcher: clock times, minutes and names, not seconds and ids.
    broken = tuple(worded(changed.problem, changed.plan, v, words) for v in changed.violations)
    if not save:
        plan = explain(changed.problem, changed.plan, words)
        draft = _draft(principal, base, replace(changed, plan=plan), note, ports)
        return LiveChange(base, draft, changed.affected, broken, saved=False)
    if broken:
        shown = "; ".join(v.message for v in broken[:5])
        more = len(broken) - 5
        tail = f" (and {more} more)" if more > 0 else ""
        raise Conflict(f"the move breaks {len(broken)} rule(s): {shown}{tail}")
    return _store(principal, base, changed, note, words, ports)


def improve_routes(
    principal: Principal,
    plan_id: str,
    vehicle_ids: Sequence[str],
    *,
    optimizer: RouteOptimizer,
    time_limit_s: float,
    ports: LivePorts,
    reorder_loaded: bool = False,
    station_vans: bool = False,
    progress: ProgressCallback | None = None,
) -> LiveChange | None:
    """Re-plan only ``vehicle_ids``'s routes after a change, history kept.

    Routes still at the station are solved again together by ``optimizer`` (warm-started),
    with the day's stops left out offered to them; a route on the road is improved alone
    after its history (``planning.tails``): its pickups may move, its deliveries only with
    ``reorder_loaded``. With ``station_vans`` (after a breakdown whose stops did not all fit),
    every van still at the station joins the re-solve while stops are left out, asked or not:
    their routes can be reordered to make room, which insertion never does. The result is
    stored as the next version only if it is better with nothing dropped (fewer required
    stops left out, then cheaper) and the day has not moved on; else None.
    """
    require(principal, Permission.PLANS_LIVE)
    base, underway, words = _standing(principal, plan_id, ports)
    counts = live.frozen(base.plan, underway)
    gone = live.on_the_road(base.plan, underway, counts)
    problem = live.as_of(_problem(base, ports), base.plan, underway, gone)
    locked = {lock.vehicle_id for lock in problem.locked if lock.stop_ids or lock.closed}
    routes = {r.vehicle_id: r for r in base.plan.routes}
    asked = [v for v in dict.fromkeys(vehicle_ids) if v in problem.vehicles_by_id]
    if station_vans and base.plan.unassigned:
        asked += [v.id for v in problem.vehicles if v.id not in asked and v.id not in gone]
    at_station = [v for v in asked if v not in gone | locked]
    on_road = [v for v in asked if v in gone and v in routes and v not in locked]
    shares = len(on_road) + (1 if at_station else 0)
    if not shares:
        return None
    each = time_limit_s / shares
    unassigned = base.plan.unassigned
    resolved = _resolved(problem, base.plan, at_station, optimizer, each, progress)
    if resolved is not None:
        for vehicle_id in at_station:
            routes.pop(vehicle_id, None)  # a vehicle the solver left unused has no route now
        routes |= {r.vehicle_id: r for r in resolved.routes}
        served = {s for r in resolved.routes for s in r.stop_ids}
        known = {u.stop_id for u in unassigned}
        # Now served: no longer left out; newly left out (traded for more stops): added.
        unassigned = (
            *(u for u in unassigned if u.stop_id not in served),
            *(u for u in resolved.unassigned if u.stop_id not in known),
        )
    for vehicle_id in on_road:
        old = routes[vehicle_id]
        new = improve_tail(
            problem, old, counts[vehicle_id], reorder_loaded=reorder_loaded, time_limit_s=each
        )
        routes[vehicle_id] = new if new.cost < old.cost else old
    changed_ids = tuple(v for v in asked if _moved(base.plan, v, routes.get(v)))
    if not changed_ids:
        return None
    order = {v.id: n for n, v in enumerate(problem.vehicles)}
    kept = sorted((r for r in routes.values() if r.visits), key=lambda r: order[r.vehicle_id])
    cost = plan_cost(problem, kept, unassigned)
    plan = replace(base.plan, routes=tuple(kept), unassigned=unassigned, cost=cost)
    changed = live.Changed(problem, plan, changed_ids)
    return _store(principal, base, changed, "live: routes improved", words, ports)


def _resolved(
    problem: Problem,
    plan: Plan,
    vehicle_ids: Sequence[str],
    optimizer: RouteOptimizer,
    time_limit_s: float,
    progress: ProgressCallback | None,
) -> Plan | None:
    """The routes of ``vehicle_ids`` solved again together, with the day's stops left out
    offered to them too; None unless that is better (the caller keeps the old routes).

    Better means fewer stops left out in all (the day delivers more: after a breakdown,
    nine stops of the broken van placed for three others left out is a gain of six
    deliveries); or as many left out, none of the stops they served among them (never trade
    a served stop for a cheaper day), and a lower cost (routes plus the penalties of
    optional stops left out). Offering the left-out stops is what lets an improvement after
    a breakdown place the stops insertion could not: insertion never reorders a route, the
    solver does; these vans have loaded nothing yet, so which stops they take is open."""
    if not vehicle_ids:
        return None
    stops = tuple(s for r in plan.routes if r.vehicle_id in vehicle_ids for s in r.stop_ids)
    left = tuple(u.stop_id for u in plan.unassigned if u.stop_id in problem.stops_by_id)
    part = Part(0, stops + left, tuple(vehicle_ids))
    share = restrict(problem, plan, part)
    found = optimizer.optimize(
        subproblem(problem, part),
        time_limit_s=time_limit_s,
        initial=share,
        progress=_of_whole_plan(plan, part, progress),
    )
    before, after = len(share.unassigned), len(found.unassigned)
    if after < before:
        return found
    dropped = {u.stop_id for u in found.unassigned}.intersection(stops)
    if after > before or dropped or found.cost >= share.cost:
        return None
    return found


def _of_whole_plan(
    plan: Plan, part: Part, progress: ProgressCallback | None
) -> ProgressCallback | None:
    """The solver reports on the part it re-plans; the job's watcher compares the figure
    with the stored plan's, so the routes left as they are (and the stops left out that the
    part does not hold) are added in. The search objective stays the solver's own."""
    if progress is None:
        return None
    others = sum(r.cost for r in plan.routes if r.vehicle_id not in part.vehicle_ids)
    held = set(part.stop_ids)
    outside = sum(1 for u in plan.unassigned if u.stop_id not in held)

    def report(p: Progress) -> None:
        progress(
            replace(
                p,
                route_cost=None if p.route_cost is None else p.route_cost + others,
                left_out=None if p.left_out is None else p.left_out + outside,
            )
        )

    return report


def _moved(before: Plan, vehicle_id: str, route: Route | None) -> bool:
    """Whether ``route`` serves other stops, or the same in another order, than in ``before``."""
    old = next((r for r in before.routes if r.vehicle_id == vehicle_id), None)
    return (old.stop_ids if old else ()) != (route.stop_ids if route else ())


def _standing(
    principal: Principal, plan_id: str, ports: LivePorts
) -> tuple[PlanVersion, live.Underway, Words]:
    """The day's latest version (``plan_id``), where the day stands now, and its wording."""
    with ports.uow as uow:
        base = _latest(uow, principal.organisation_id, plan_id)
        return base, _underway(uow, base, ports.clock.now()), _words(uow, base)


def _latest(uow: UnitOfWork, organisation_id: str, plan_id: str) -> PlanVersion:
    """The version, if it is the day's latest: a change to an older one would fork the day."""
    version = uow.plans.get(organisation_id, plan_id)
    if version is None:
        raise NotFound("plan", plan_id)
    latest = uow.plans.latest(organisation_id, version.station_id, version.service_date)
    if latest is not None and latest.id != version.id:
        raise Conflict(
            f"plan {version.number} is not the latest of its day (plan {latest.number} is, "
            f"id {latest.id}); change that one",
            field="plan_id",
        )
    if version.status is PlanStatus.SUPERSEDED:
        raise Conflict(f"plan {version.number} is superseded; plan the day again", "plan_id")
    return version


def _fits_day(
    base: PlanVersion,
    station_id: str | None,
    service_date: date | None,
    status: OrderStatus,
    order_id: str,
) -> None:
    if station_id != base.station_id or service_date != base.service_date:
        day = base.service_date.isoformat()
        raise InvalidValue(
            "order_id", f"order {order_id} is not for this plan's station and day ({day})"
        )
    if status not in PLANNABLE:
        raise InvalidValue(
            "order_id",
            f"order {order_id} is {status.value}; only orders that are ready, received or "
            "sorted can be planned (resolve its flags first)",
        )


def _underway(uow: UnitOfWork, base: PlanVersion, now: datetime) -> live.Underway:
    """Now in the plan's seconds, the plan's stops drivers have finished with, and the
    vehicles that have left the station and come back for good."""
    planned = set(base.inputs.stops_by_id)
    where = OrderFilter(statuses=DONE, station_id=base.station_id, service_date=base.service_date)
    finished = orders_matching(uow, base.organisation_id, where)
    done = frozenset(o.id for o in finished if o.id in planned)
    departed, ended = set(), set()
    for vehicle_id in base.inputs.vehicles_by_id:
        left = uow.departures.of_vehicle(
            base.organisation_id, base.station_id, base.service_date, vehicle_id
        )
        if left is not None:
            departed.add(vehicle_id)
            if uow.route_ends.of_departure(base.organisation_id, left.id) is not None:
                ended.add(vehicle_id)
    return live.Underway(
        seconds_after(base.epoch, now), done, frozenset(departed), frozenset(ended)
    )


def _problem(base: PlanVersion, ports: LivePorts) -> Problem:
    """The version's inputs with their matrices, from the cache or the road network again."""
    found = ports.matrices.get(base.id)
    if found is None:
        points = [Location(lat, lon) for lat, lon in base.inputs.coordinates]
        found = {}
        for profile in sorted({v.profile for v in base.inputs.vehicles}):
            matrix = ports.travel.matrix(points, profile=SpeedProfile(profile))
            found[profile] = Travel(matrix.durations_s, matrix.distances_m)
        ports.matrices.put(base.id, found)
    return as_problem(base, found)


def as_problem(version: PlanVersion, matrices: Mapping[str, Travel]) -> Problem:
    """The version's inputs with their travel matrices put back."""
    return replace(version.inputs, matrices=matrices)


def _with_location(problem: Problem, point: Location, travel: TravelTimes) -> tuple[Problem, int]:
    """``problem`` with ``point`` as a location (a new last row and column), and its index."""
    key = (round(point.lat, 6), round(point.lon, 6))
    for index, (lat, lon) in enumerate(problem.coordinates):
        if (round(lat, 6), round(lon, 6)) == key:
            return problem, index  # an address already on the plan
    points = [Location(lat, lon) for lat, lon in problem.coordinates]
    matrices: dict[str, Travel] = {}
    for name, old in problem.matrices.items():
        profile = SpeedProfile(name)
        there = travel.matrix(points, [point], profile=profile)
        back = travel.matrix([point], points, profile=profile)
        matrices[name] = Travel(
            _grown(old.durations_s, there.durations_s[:, 0], back.durations_s[0]),
            _grown(old.distances_m, there.distances_m[:, 0], back.distances_m[0]),
        )
    coordinates = (*problem.coordinates, (point.lat, point.lon))
    return replace(problem, matrices=matrices, coordinates=coordinates), len(points)


def _grown(old: np.ndarray, to_new: np.ndarray, from_new: np.ndarray) -> np.ndarray:
    size = old.shape[0]
    grown = np.zeros((size + 1, size + 1), dtype=old.dtype)
    grown[:size, :size] = old
    grown[:size, size] = to_new
    grown[size, :size] = from_new
    return grown


def _words(uow: UnitOfWork, base: PlanVersion) -> Words:
    vehicles = uow.vehicles.list(base.organisation_id, base.station_id)
    station = uow.stations.get(base.organisation_id, base.station_id)
    names = {v.id: v.name for v in vehicles} | ({station.id: station.code} if station else {})
    return Words(base.epoch, COST_UNITS, names)


def _draft(
    principal: Principal, base: PlanVersion, changed: live.Changed, note: str, ports: LivePorts
) -> PlanVersion:
    plan = replace(changed.plan, notes=(*base.plan.notes, note))
    planned = changed.problem.stops_by_id
    return replace(
        base,
        id=ports.ids.new_id("pln"),
        number=0,
        created_at=ports.clock.now(),
        created_by=f"{principal.kind.value}:{principal.actor_id}",
        status=PlanStatus.DRAFT,
        plan=plan,
        inputs=replace(changed.problem, matrices={}),
        left_out=tuple(item for item in base.left_out if item[0] not in planned),
        locked=changed.problem.locked,
        published_at=None,
    )


def _store(
    principal: Principal,
    base: PlanVersion,
    changed: live.Changed,
    note: str,
    words: Words,
    ports: LivePorts,
    also: Callable[[UnitOfWork, PlanVersion], None] | None = None,
) -> LiveChange:
    """Explain, validate and store ``changed`` as the day's next version; publish it if the
    base was published; run ``also`` before committing. Conflict if another version was
    stored meanwhile."""
    plan = explain(changed.problem, changed.plan, words)
    violations = validate(changed.problem, plan)
    if violations:
        raise PlanInvalid(tuple(f"[{v.code}] {v.message}" for v in violations))
    draft = _draft(principal, base, replace(changed, plan=plan), note, ports)
    now = ports.clock.now()
    with ports.uow as uow:
        latest = uow.plans.latest(base.organisation_id, base.station_id, base.service_date)
        if latest is None or latest.id != base.id:
            raise Conflict(
                f"plan {base.number} changed meanwhile (plan {latest.number if latest else '?'} "
                "is newer); look again and repeat the change",
                field="plan_id",
            )
        version = replace(draft, number=uow.plans.next_number(*_day(base)))
        if base.status is PlanStatus.PUBLISHED:
            # One published version per day: the old one steps down first.
            uow.plans.update(base.move_to(PlanStatus.SUPERSEDED, now))
            version = version.move_to(PlanStatus.PUBLISHED, now)
            uow.plans.add(version)
            sorting.on_publish(uow, version, ports.clock)
        else:
            uow.plans.add(version)
        if also is not None:
            also(uow, version)
        uow.commit()
    ports.matrices.put(version.id, changed.problem.matrices)
    if version.status is PlanStatus.PUBLISHED:
        broadcasts.plan_changed(ports.broadcast, *_day(version), version.id)
    return LiveChange(base, version, changed.affected)


def _day(version: PlanVersion) -> tuple[str, str, date]:
    return version.organisation_id, version.station_id, version.service_date
