"""Allocation of a station's day between the own fleet and partners, each decision recorded
with its reasons (issue 10). The rules of the choice are ``domain.allocation``'s.

**The method**, a few rounds of plan-then-decide (at most ``rounds``, 3 by default):

1. Every plannable order of the day is rate-shopped with the partners (``judge``: coverage,
   the service level it needs, size, tags, and each partner's parcels left on the day, this
   batch's own earlier allocations not counted), and the organisation's rules are applied.
2. The own fleet plans the day (the optimizer on the day's problem, as ``plan_day``) with
   each order's penalty for being left out lowered to its cheapest allowed partner price
   (kept as it is when no partner may take it). The solver then itself weighs serving an
   order against handing it over: it leaves an order out when its marginal cost to the fleet
   exceeds its partner price or when the fleet has no room, and when room is short it keeps
   the orders that are dearest to outsource. If this plan uses less than the organisation's
   ``own_fleet_share`` of the fleet's working time while leaving out orders, the fleet is
   planned again with the usual penalty plus the partner price (the own fleet preferred: it
   keeps whatever fits, and still leaves out the cheapest to outsource when room is short).
3. ``decide`` gives each order left out the cheapest partner with capacity (hardest orders
   first), moves planned orders whose removal saving exceeds a partner price (while the fleet
   stays at the preferred share), and keeps the rest with the fleet.
4. The fleet is planned again on what stays; what that plan leaves out is decided again
   (a forced order, one no partner could take, keeps its full penalty), until a round moves
   nothing or the rounds are spent. The last plan's marginal costs are the reasons' figures.

Why this is a sound heuristic: with unlimited partner capacity, step 2 is exactly the joint
problem (minimise route cost plus the partner prices of the orders handed over, within
each order's service level), solved by the same VRP solver that plans the day; the later
rounds only repair what the penalties cannot express (partner capacity, the utilisation
preference, removal savings that are not additive), each time re-planning the fleet so its
costs are real, and never undoing a decision, so it ends. It is not an exact MIP: a partner
capacity shortage is resolved greedily by regret rather than jointly.

**Locks**: as ``runs.plan_day``, the day's latest version lends its locked routes
(``versions.carry_locks``). A locked stop is never handed to a partner, whatever its price: it
keeps its full penalty, the solver keeps it on its van, and its decision says "kept: locked on
Van 1 by the planner". The stored version carries the locks forward.

The plan of the orders that stay is stored as the day's next version (a draft, as
``doorstep plan`` makes); each order's decision replaces its earlier allocation.

**Cancelling**: a ``progress`` callback raising ``planning.optimizer.Cancelled`` stops the
solver, and then the whole run: ``run`` raises ``Cancelled`` and stores nothing (neither a
version nor decisions), so the day's earlier allocations stand. A half-searched round would
hand orders to partners on a plan that is not the fleet's best.

**Carrying it out** (``hand_off_allocated``): each partner-allocated order of the day that is
still plannable and not handed off is booked with its carrier at the service level it was
allocated for (stored with the decision; read from the reasons of decisions stored before
migration 0014), through ``handoff.hand_off``, one order at a time; each order's outcome is
collected (booked with its tracking number, or refused with the reason), so one failure does
not stop the rest, and a rerun books only what is left.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from doorstep.domain.allocation import (
    AllocationRules,
    Candidate,
    Decision,
    FleetFacts,
    OwnFleet,
    Round,
    Utilisation,
    decide,
    stored_level,
    summarise,
)
from doorstep.domain.carriers import Carrier, CarrierKind, ServiceLevel, order_tags
from doorstep.domain.errors import Conflict, DomainError, InvalidValue, PlanInvalid
from doorstep.domain.order_status import PLANNABLE
from doorstep.domain.orders import Order
from doorstep.domain.permissions import Permission
from doorstep.domain.rate_shopping import Allocation, Option, Pricing, judge, needed_level
from doorstep.domain.rates import RateCard, Shipment, price, show_money
from doorstep.domain.stations import Station
from doorstep.planning.explanation import explain
from doorstep.planning.insertion import cheapest_insertion, retimed
from doorstep.planning.optimizer import Cancelled, Progress, ProgressCallback, RouteOptimizer
from doorstep.planning.plan import Plan, ReasonCode, Route, Unassigned
from doorstep.planning.problem import LockedRoute, Problem
from doorstep.planning.repair import put_back
from doorstep.planning.schedule import plan_cost
from doorstep.planning.travel import TravelTimes
from doorstep.planning.validation import validate
from doorstep.planning.versions import PlanStatus, PlanVersion, carry_locks
from doorstep.planning.wording import Words
from doorstep.services.authorization import Principal, require
from doorstep.services.carriers import handoff
from doorstep.services.carriers.rate_shopping import UNITS_PER_CENT, to_cents
from doorstep.services.planning.day import COST_UNITS, Day, load_day
from doorstep.services.ports import Clock, IdGenerator, UnitOfWork
from doorstep.services.stations import resolve_station

DEFAULT_ROUNDS = 3
# Reasons for which the plan has no place for an order: no insertion is tried again (on a
# full day with breaks each try re-times whole routes).
_NO_ROOM = frozenset(
    {
        ReasonCode.NO_SKILL,
        ReasonCode.TOO_BIG,
        ReasonCode.WINDOW_UNREACHABLE,
        ReasonCode.SHIFTS_FULL,
        ReasonCode.CAPACITY_FULL,
    }
)


@dataclass(frozen=True)
class AllocationPorts:
    """``reader``, when given, reads the day: a read-only unit leaves the write lock free
    while the road network computes the day's travel matrices (on SQLite a writing unit
    holds it from its start, and scans, sign-outs and every other write would wait)."""

    uow: UnitOfWork
    travel: TravelTimes
    optimizer: RouteOptimizer
    clock: Clock
    ids: IdGenerator
    reader: UnitOfWork | None = None


@dataclass(frozen=True)
class AllocationRun:
    """A batch allocation: every plannable order's decision, and the own fleet's plan."""

    station: Station
    day: date
    decisions: tuple[Decision, ...]
    version: PlanVersion | None  # the own fleet's plan of what stays (None: nothing stays)
    rounds: int
    utilisation: Utilisation
    rules: AllocationRules
    notes: tuple[str, ...] = ()
    carrier_names: Mapping[str, str] = field(default_factory=dict)  # by code, for people

    def totals(self) -> dict[str, int]:
        return summarise(self.decisions)

    def outcome(self) -> str:
        """In words: "312 orders to the own fleet, 73 to partners (Kaupunkikuriiri 60,
        Ikkunakuriiri 13), 1 no carrier can serve"."""
        totals = self.totals()
        per: dict[str, int] = {}
        for d in self.decisions:
            if d.kind is CarrierKind.PARTNER:
                per[d.carrier_code] = per.get(d.carrier_code, 0) + 1
        named = sorted(((self.carrier_names.get(c, c), n) for c, n in per.items()),
                       key=lambda cn: (-cn[1], cn[0]))  # fmt: skip
        own = totals["own_fleet"]
        words = f"{own} order{'' if own == 1 else 's'} to the own fleet, {totals['partner']} to "
        words += "partners" + (f" ({', '.join(f'{c} {n}' for c, n in named)})" if named else "")
        if totals["not_served"]:
            words += f", {totals['not_served']} no carrier can serve"
        return words


def run(
    principal: Principal,
    station_ref: str,
    day: date,
    *,
    ports: AllocationPorts,
    time_limit_s: float,
    seed: int = 0,
    rounds: int = DEFAULT_ROUNDS,
    progress: ProgressCallback | None = None,
) -> AllocationRun:
    """Allocate the station's plannable orders of ``day``; see the module docstring."""
    require(principal, Permission.PLANS_WRITE)
    require(principal, Permission.ORDERS_WRITE)
    if not (math.isfinite(time_limit_s) and time_limit_s > 0):
        raise InvalidValue("time_limit_s", f"must be seconds above 0, got {time_limit_s:g}")
    if rounds < 1:
        raise InvalidValue("rounds", f"must be 1 or more, got {rounds}")
    org = principal.organisation_id
    with ports.reader or ports.uow as uow:
        station = resolve_station(uow, org, "station", station_ref)
        loaded = load_day(uow, org, station, day, ports.travel)
        carriers = [c for c in uow.carriers.list(org) if c.active]
        cards = uow.rate_cards.list(org)
        rules = uow.carriers.rules(org)
        organisation = uow.organisations.get(org)
        earlier = uow.carriers.allocations(org, day)
        latest = uow.plans.latest(org, station.id, day)
    if not loaded.orders:
        raise Conflict(
            f"station {station.code} on {day.isoformat()} has no ready orders with a location: "
            "nothing to allocate"
        )
    currency = organisation.currency if organisation is not None else "EUR"
    now = ports.clock.now()
    zone: tzinfo = ZoneInfo(station.timezone)
    own_carrier = next((c for c in carriers if c.kind is CarrierKind.OWN_FLEET), None)
    own = OwnFleet(
        own_carrier.id if own_carrier else None,
        own_carrier.code if own_carrier else "own_fleet",
        own_carrier.name if own_carrier else "Own fleet",
        currency,
    )
    partners = [c for c in carriers if c.kind is CarrierKind.PARTNER]
    locks, lock_notes = carry_locks(latest.locked if latest else (), loaded.problem)
    base = replace(loaded.problem, locked=locks)
    names = _names(loaded)
    locked_on = {s: names.get(k.vehicle_id, k.vehicle_id) for k in locks for s in k.stop_ids}
    batch = set(loaded.orders)
    used: dict[str, int] = {}
    for allocation in earlier:
        if allocation.order_id not in batch and allocation.carrier_id is not None:
            used[allocation.carrier_id] = used.get(allocation.carrier_id, 0) + allocation.parcels
    shopped = _shop(loaded, partners, cards, used, now, zone)
    capacity: dict[str, int | None] = {
        c.id: None if c.capacity_per_day is None else max(c.capacity_per_day - used.get(c.id, 0), 0)
        for c in partners
    }
    words = Words(loaded.epoch, COST_UNITS, names)
    solve = _Solver(ports.optimizer, time_limit_s, seed, progress, words)
    final: dict[str, Decision] = {}
    forced: set[str] = set(locked_on)  # a locked stop keeps its full penalty: never outsourced
    active = [s.id for s in base.stops]
    notes: list[str] = list(lock_notes)
    done = 0
    utilisation = Utilisation(0, 0)
    problem = base
    plan = Plan(())
    prefer = False  # once the fleet is preferred, it stays preferred in later rounds

    def candidates(problem: Problem, plan: Plan) -> list[Candidate]:
        """The orders still in play, each with what the fleet's ``plan`` says of it."""
        return [
            _candidate(
                loaded.orders[i],
                shopped[i],
                _facts(problem, plan, i, words, currency),
                locked_on.get(i, ""),
            )
            for i in active
        ]

    for number in range(1, rounds + 1):
        done = number
        problem = _problem(base, active, shopped, rules, forced, prefer=prefer)
        plan = solve(problem)
        utilisation = _utilisation(problem, plan)
        dropped_for_price = [
            u.stop_id for u in plan.unassigned if _cheapest(shopped[u.stop_id], rules) is not None
        ]
        if not prefer and utilisation.share < rules.own_fleet_share and dropped_for_price:
            prefer = True
            problem = _problem(base, active, shopped, rules, forced, prefer=True)
            plan = solve(problem)
            utilisation = _utilisation(problem, plan)
            notes.append(
                f"the fleet was under {rules.own_fleet_share:.0%} of its working time with "
                "orders handed over, so it was planned again with the own fleet preferred"
            )
        found: Round = decide(candidates(problem, plan), capacity, rules, utilisation, own)
        moved = [d for d in found.decisions if d.kind is CarrierKind.PARTNER]
        for d in moved:
            final[d.order_id] = d
            if d.carrier_id is not None and capacity.get(d.carrier_id) is not None:
                capacity[d.carrier_id] = max((capacity[d.carrier_id] or 0) - d.parcels, 0)
        forced |= set(found.back_to_fleet)
        staying = {d.order_id for d in found.decisions if d.kind is CarrierKind.OWN_FLEET}
        if not moved or number == rounds:
            if moved:  # the last round moved orders: plan the fleet once more on what stays
                active = [i for i in active if i in staying]
                problem = _problem(base, active, shopped, rules, forced, prefer=True)
                plan = solve(problem) if active else Plan(())
                utilisation = _utilisation(problem, plan)
                last = decide(
                    candidates(problem, plan), capacity, rules, utilisation, own,
                    move_planned=False,
                )  # fmt: skip
                for d in last.decisions:
                    final[d.order_id] = d
            else:
                for d in found.decisions:
                    final[d.order_id] = d
            break
        active = [i for i in active if i in staying]
        if not active:
            plan, problem = Plan(()), _problem(base, [], shopped, rules, forced, True)
            break
    decisions = tuple(final[o] for o in sorted(final))
    version = None
    if plan.routes:
        version = _store(principal, loaded, problem, plan, decisions, ports, solve, locks)
    _record(principal, day, decisions, ports)
    carrier_names = {c.code: c.name for c in carriers}
    return AllocationRun(
        station, day, decisions, version, done, utilisation, rules, tuple(notes), carrier_names
    )


@dataclass(frozen=True)
class _Shopped:
    order: Order
    need: str
    options: tuple[Option, ...]
    level: ServiceLevel


def _shop(
    loaded: Day,
    partners: Sequence[Carrier],
    cards: Mapping[tuple[str, ServiceLevel], RateCard],
    used: Mapping[str, int],
    now: datetime,
    zone: tzinfo,
) -> dict[str, _Shopped]:
    travel = next(iter(loaded.problem.matrices.values()), None)
    found: dict[str, _Shopped] = {}
    for stop in loaded.problem.stops:
        order = loaded.orders[stop.id]
        need = needed_level(order, now, zone)
        km = None if travel is None else int(travel.distances_m[0, stop.location]) / 1000
        options = []
        for carrier in partners:
            card = cards.get((carrier.id, need.level))
            pricing: Pricing = None
            if card is not None and order.parcels:
                pricing = price(card, Shipment(order.parcels, order.address.postcode or None, km))
            options.append(
                judge(
                    carrier,
                    order,
                    need,
                    pricing,
                    used_parcels=used.get(carrier.id, 0),
                    booked_at=now,
                    zone=zone,
                )
            )
        need_words = f"{need.level.value}: {need.reason}"
        found[stop.id] = _Shopped(order, need_words, tuple(options), need.level)
    return found


def _cheapest(shopped: _Shopped, rules: AllocationRules) -> int | None:
    tags = order_tags(shopped.order)
    prices = [
        o.price_cents
        for o in shopped.options
        if o.feasible and o.price_cents is not None and not rules.excluded(o, tags)
    ]
    return min(prices) if prices else None


def _problem(
    day: Problem,
    active: Sequence[str],
    shopped: Mapping[str, _Shopped],
    rules: AllocationRules,
    forced: set[str],
    prefer: bool,
) -> Problem:
    keep = set(active)
    cheapest = {
        s.id: None if s.id in forced else _cheapest(shopped[s.id], rules)
        for s in day.stops
        if s.id in keep
    }
    # An order no partner may take is the dearest of all to leave out. With the fleet
    # preferred, each order a partner could take weighs its usual penalty plus its price, so
    # one such order must outweigh all of them together: else a van full of light orders
    # that partners could carry keeps them and leaves it unserved (the peak day's heavy
    # lift-gate order, before this). Without the preference a partner's price is all an
    # order weighs, and its usual penalty already outweighs the few it displaces.
    dearest = sum(
        s.penalty + price * UNITS_PER_CENT
        for s in day.stops
        if (price := cheapest.get(s.id)) is not None
    )
    stops = []
    for stop in day.stops:
        if stop.id not in keep:
            continue
        price = cheapest[stop.id]
        if price is not None:
            units = price * UNITS_PER_CENT
            # Preferred: kept whenever it fits, the dearest to outsource first; else left
            # out whenever a partner is cheaper than serving it.
            penalty = stop.penalty + units if prefer else min(stop.penalty, units)
            stop = replace(stop, penalty=penalty)
        elif prefer:
            stop = replace(stop, penalty=stop.penalty + dearest + 1)
        stops.append(stop)
    return replace(day, stops=tuple(stops))


class _Solver:
    def __init__(
        self,
        optimizer: RouteOptimizer,
        time_limit_s: float,
        seed: int,
        progress: ProgressCallback | None,
        words: Words,
    ) -> None:
        self.optimizer, self.time_limit_s, self.seed = optimizer, time_limit_s, seed
        self.progress, self.words = progress, words
        self.cancelled: Cancelled | None = None

    def _report(self, progress: Progress) -> None:
        if self.progress is None:
            return
        try:
            self.progress(progress)
        except Cancelled as stop:  # the optimizer swallows it and returns its best so far
            self.cancelled = stop
            raise

    def __call__(self, problem: Problem) -> Plan:
        if not problem.stops:
            return Plan(())
        if not problem.vehicles:
            left = tuple(Unassigned(s.id) for s in problem.stops)
            return explain(problem, Plan((), left, plan_cost(problem, (), left)), self.words)
        found = self.optimizer.optimize(
            problem,
            time_limit_s=self.time_limit_s,
            seed=self.seed,
            progress=self._report if self.progress is not None else None,
        )
        if self.cancelled is not None:
            raise self.cancelled  # the whole run stops and stores nothing
        plan = explain(problem, put_back(problem, found), self.words)
        violations = validate(problem, plan)
        if violations:
            raise PlanInvalid(tuple(f"[{v.code}] {v.message}" for v in violations))
        return plan


def _utilisation(problem: Problem, plan: Plan) -> Utilisation:
    available = sum(max(v.shift.end_s - v.shift.start_s, 0) for v in problem.vehicles)
    used = sum(r.duration_s for r in plan.routes if r.visits)
    return Utilisation(used, available)


def _facts(problem: Problem, plan: Plan, stop_id: str, words: Words, currency: str) -> FleetFacts:
    route = plan.route_of(stop_id)
    if route is not None:
        saving, work = _removal(problem, route, stop_id)
        cents = to_cents(saving)
        position = route.stop_ids.index(stop_id) + 1
        name = words.names.get(route.vehicle_id, route.vehicle_id)
        return FleetFacts(
            True,
            cents,
            f"{name}, stop {position} of {len(route.visits)}, saves "
            f"{show_money(cents, currency)} without it",
            work,
        )
    left = next((u for u in plan.unassigned if u.stop_id == stop_id), None)
    why = left.reason.message if left is not None and left.reason is not None else ""
    if left is not None and left.reason is not None and left.reason.code in _NO_ROOM:
        return FleetFacts(False, None, why)  # the explainer tried it against every route
    inserted = cheapest_insertion(problem, plan, stop_id)
    into = inserted.route_of(stop_id)
    if into is None:
        return FleetFacts(False, None, why or "no van can take it")
    extra = sum(r.cost for r in inserted.routes) - sum(r.cost for r in plan.routes)
    cents = to_cents(extra)
    return FleetFacts(False, cents, why or "left out by the planner")


def _removal(problem: Problem, route: Route, stop_id: str) -> tuple[int, int]:
    """The route's cost and working time saved without ``stop_id`` (cost units, seconds)."""
    stops = [problem.stop(s) for s in route.stop_ids if s != stop_id]
    if not stops:
        return route.cost, route.duration_s
    shorter = retimed(problem, route, stops, 0)
    return route.cost - shorter.cost, max(route.duration_s - shorter.duration_s, 0)


def _candidate(order: Order, shopped: _Shopped, facts: FleetFacts, locked_on: str) -> Candidate:
    return Candidate(
        order.id,
        f"{order.shipper}/{order.shipper_reference}",
        len(order.parcels),
        order_tags(order),
        facts,
        shopped.options,
        shopped.need,
        locked_on,
        shopped.level,
    )


def _names(day: Day) -> dict[str, str]:
    return {v.id: v.name for v in day.vehicles.values()} | {day.station.id: day.station.code}


def _store(
    principal: Principal,
    loaded: Day,
    problem: Problem,
    plan: Plan,
    decisions: Sequence[Decision],
    ports: AllocationPorts,
    solve: _Solver,
    locks: tuple[LockedRoute, ...],
) -> PlanVersion:
    handed = tuple(
        (d.order_id, f"allocated to {d.carrier_code}: {d.summary}")
        for d in decisions
        if d.kind is CarrierKind.PARTNER
    )
    version = PlanVersion(
        id=ports.ids.new_id("pln"),
        organisation_id=principal.organisation_id,
        station_id=loaded.station.id,
        service_date=loaded.epoch.date(),
        number=0,
        created_at=ports.clock.now(),
        created_by=f"{principal.kind.value}:{principal.actor_id}",
        status=PlanStatus.DRAFT,
        epoch=loaded.epoch,
        time_limit_s=solve.time_limit_s,
        seed=solve.seed,
        plan=replace(plan, notes=(*plan.notes, "allocation: partners' orders left out")),
        inputs=replace(problem, matrices={}),
        left_out=(*loaded.left_out, *handed),
        locked=locks,
    )
    with ports.uow as uow:
        day = (version.organisation_id, version.station_id, version.service_date)
        stored = replace(version, number=uow.plans.next_number(*day))
        uow.plans.add(stored)
        uow.commit()
    return stored


def _record(
    principal: Principal, day: date, decisions: Sequence[Decision], ports: AllocationPorts
) -> None:
    now = ports.clock.now()
    with ports.uow as uow:
        for d in decisions:
            uow.carriers.allocate(
                Allocation(
                    principal.organisation_id,
                    d.order_id,
                    d.carrier_id,
                    day,
                    d.parcels,
                    now,
                    price_cents=d.price_cents,
                    currency=d.currency,
                    promised_by=d.promised_by,
                    within_level=d.within_level,
                    summary=d.summary,
                    reasons=d.reasons,
                    kind=d.kind.value,
                    service_level=d.service_level,
                    fleet_cost_cents=d.fleet_cost_cents,
                )
            )
        uow.commit()


def list_allocations(
    principal: Principal, station_ref: str | None, day: date, *, uow: UnitOfWork
) -> list[tuple[Allocation, Order | None, Carrier | None]]:
    """The day's allocations with their orders and carriers (only the station's, if given)."""
    require(principal, Permission.ORDERS_READ)
    org = principal.organisation_id
    with uow:
        station = resolve_station(uow, org, "station", station_ref) if station_ref else None
        carriers = {c.id: c for c in uow.carriers.list(org)}
        found = []
        for allocation in uow.carriers.allocations(org, day):
            order = uow.orders.get(org, allocation.order_id)
            if station is not None and (order is None or order.station_id != station.id):
                continue
            carrier = carriers.get(allocation.carrier_id) if allocation.carrier_id else None
            found.append((allocation, order, carrier))
    return found


@dataclass(frozen=True)
class HandOffOutcome:
    """One partner-allocated order's hand-off: booked (with its tracking number) or refused."""

    order_id: str
    label: str  # shipper/reference
    carrier_code: str
    service_level: ServiceLevel | None
    booked: bool
    tracking_number: str | None = None
    handoff_id: str | None = None
    reason: str = ""  # why it was refused


@dataclass(frozen=True)
class HandOffReport:
    """The orders a hand-off tried, and those it left alone because they need none."""

    station: Station
    day: date
    outcomes: tuple[HandOffOutcome, ...]
    already_handed_off: int = 0
    not_plannable: int = 0  # on a van, delivered, cancelled... since the allocation

    @property
    def booked(self) -> int:
        return sum(1 for o in self.outcomes if o.booked)

    @property
    def refused(self) -> int:
        return sum(1 for o in self.outcomes if not o.booked)


def hand_off_allocated(
    principal: Principal, station_ref: str, day: date, *, ports: handoff.HandoffPorts
) -> HandOffReport:
    """Book each partner-allocated order of the station's day with its allocated carrier and
    service level, one at a time; see the module docstring. Orders already handed off or no
    longer plannable are counted, not tried; every other order's outcome is in the report."""
    require(principal, Permission.ORDERS_WRITE)
    org = principal.organisation_id
    todo: list[tuple[Allocation, Order, Carrier]] = []
    already = gone = 0
    with ports.uow as uow:
        station = resolve_station(uow, org, "station", station_ref)
        carriers = {c.id: c for c in uow.carriers.list(org)}
        for allocation in uow.carriers.allocations(org, day):
            carrier = carriers.get(allocation.carrier_id) if allocation.carrier_id else None
            if carrier is None or carrier.kind is not CarrierKind.PARTNER:
                continue
            order = uow.orders.get(org, allocation.order_id)
            if order is None or order.station_id != station.id:
                continue
            if uow.handoffs.open_of_order(org, order.id) is not None:
                already += 1
            elif order.status not in PLANNABLE:
                gone += 1
            else:
                todo.append((allocation, order, carrier))
    outcomes = [_hand_off_one(principal, a, o, c, ports) for a, o, c in todo]
    return HandOffReport(station, day, tuple(outcomes), already, gone)


def _hand_off_one(
    principal: Principal,
    allocation: Allocation,
    order: Order,
    carrier: Carrier,
    ports: handoff.HandoffPorts,
) -> HandOffOutcome:
    label = f"{order.shipper}/{order.shipper_reference}"
    # The level stored with the decision; a row stored before migration 0014 has none, and
    # its reasons name it (``stored_level`` reads them, for those rows only).
    level = stored_level(allocation)
    try:
        made = handoff.hand_off(principal, order.id, carrier.id, level, ports=ports)
    except DomainError as error:  # refused here or by the partner: the rest still go
        return HandOffOutcome(order.id, label, carrier.code, level, False, reason=str(error))
    return HandOffOutcome(
        order.id, label, carrier.code, made.service_level, True, made.tracking_number, made.id
    )


def get_rules(principal: Principal, *, uow: UnitOfWork) -> AllocationRules:
    require(principal, Permission.NETWORK_READ)
    with uow:
        return uow.carriers.rules(principal.organisation_id)


def set_rules(principal: Principal, rules: AllocationRules, *, uow: UnitOfWork) -> AllocationRules:
    """Replace the organisation's allocation rules."""
    require(principal, Permission.NETWORK_WRITE)
    with uow:
        uow.carriers.save_rules(principal.organisation_id, rules)
        uow.commit()
    return rules
