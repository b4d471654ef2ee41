"""The dispatch board of a station's day, and the watch that opens cases for what slips.

The board covers the own fleet's published routes and the station's partner deliveries of the
day (orders handed to partner carriers, ``services.partner_deliveries``): a station with no
published plan but with hand-offs still has a board, with no routes. The watch opens a
``late_risk`` case for a stop at risk and for an overdue partner delivery alike, once per
order and day. Once the partner settles the delivery (delivered, failed, returned), the watch
resolves its still open late-risk case as ``cleared``, with a note saying what settled it; a
failed attempt has its own case by then. A stop's late-risk case is not cleared so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from doorstep.domain.dispatch import (
    DayProgress,
    PlannedStop,
    RouteProgress,
    RouteState,
    day_progress,
    progress,
)
from doorstep.domain.errors import Conflict, DomainError, InvalidValue, NotFound
from doorstep.domain.exceptions import CaseStatus, ExceptionType, Resolution
from doorstep.domain.fleet import Driver, Vehicle
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Order
from doorstep.domain.partner_progress import (
    OPEN_STAGES,
    CarrierTotals,
    PartnerDelivery,
    Stage,
    totals,
)
from doorstep.domain.permissions import Permission
from doorstep.domain.scans import ParcelState
from doorstep.domain.stations import Station
from doorstep.planning.plan import Route
from doorstep.planning.travel import TravelTimes
from doorstep.planning.versions import PlanVersion
from doorstep.services import broadcasts, eta, exceptions, messages, partner_deliveries, webhooks
from doorstep.services.authorization import Principal, require
from doorstep.services.fleet import find_driver, find_vehicle
from doorstep.services.ports import Broadcaster, Clock, UnitOfWork
from doorstep.services.stations import resolve_station

DONE = frozenset({OrderStatus.DELIVERED, OrderStatus.FAILED_ATTEMPT})


@dataclass(frozen=True)
class Board:
    """``version`` is None when the day has no published plan but has partner deliveries;
    ``partners`` come overdue first (``partner_progress.in_board_order``); ``day`` is the
    progress of the whole day, vans and partners (``dispatch.day_progress``)."""

    station: Station
    version: PlanVersion | None
    at: datetime
    routes: tuple[RouteProgress, ...]
    names: dict[str, str]  # vehicle id -> name
    drivers: dict[str, str]  # vehicle id -> driver id (planned, or as dispatch assigned)
    day: DayProgress
    partners: tuple[PartnerDelivery, ...] = ()

    @property
    def partner_totals(self) -> tuple[CarrierTotals, ...]:
        return totals(self.partners)


def drivers_of_day(uow: UnitOfWork, version: PlanVersion) -> dict[str, str]:
    """Who drives each vehicle: the plan's pairing, overridden by dispatch's assignments."""
    planned = {v.id: v.driver_id for v in version.inputs.vehicles if v.driver_id}
    org, station = version.organisation_id, version.station_id
    return planned | uow.route_assignments.of_day(org, station, version.service_date)


def assign_route(
    principal: Principal,
    station_ref: str,
    day: date,
    vehicle_ref: str,
    driver_ref: str,
    *,
    uow: UnitOfWork,
    clock: Clock,
) -> dict[str, str]:
    """Give a published route to a driver (with the skills its orders need, not driving
    another route that day); returns who drives what."""
    require(principal, Permission.ORDERS_WRITE)
    org = principal.organisation_id
    with uow:
        station = resolve_station(uow, org, "station", station_ref)
        version = _published(uow, org, station, day)
        vehicle = find_vehicle(uow, org, vehicle_ref)
        route = version.route_of_vehicle(vehicle.id)
        if route is None or not route.visits:
            raise NotFound("route", f"{vehicle.name} {day.isoformat()}", "it has no stops")
        driver = find_driver(uow, org, driver_ref)
        _check_driver(uow, org, version, driver, vehicle, route)
        uow.route_assignments.put(
            org, station.id, day, vehicle.id, driver.id, clock.now(), principal.actor_id
        )
        found = drivers_of_day(uow, version)
        uow.commit()
    return found


def _check_driver(
    uow: UnitOfWork, org: str, version: PlanVersion, driver: Driver, vehicle: Vehicle, route: Route
) -> None:
    if not driver.active:
        raise InvalidValue("driver", f"{driver.name} is not active")
    orders = uow.orders.get_many(org, list(route.stop_ids))
    needed = frozenset().union(*(o.required_skills for o in orders.values()))
    lacking = sorted(needed - vehicle.skills - driver.skills)
    if lacking:
        raise InvalidValue(
            "driver", f"{driver.name} lacks {', '.join(lacking)}, which orders on this route need"
        )
    busy = [
        v for v, d in drivers_of_day(uow, version).items() if d == driver.id and v != vehicle.id
    ]
    routed = {r.vehicle_id for r in version.plan.routes if r.visits}
    if any(v in routed for v in busy):
        raise Conflict(
            f"{driver.name} already drives another route that day ({busy[0]}); "
            "give that route to someone else first",
            "driver",
        )


def board(
    principal: Principal, station_ref: str, day: date, *, uow: UnitOfWork, clock: Clock
) -> Board:
    """Each published route's state now (departed or late, stops done, delay, stops at risk)
    and each partner delivery of the day (stage, overdue). ``NotFound`` when the day has
    neither a published plan nor a partner delivery."""
    require(principal, Permission.ORDERS_READ)
    with uow:
        return _board(uow, principal.organisation_id, station_ref, day, clock.now())


def watch(
    principal: Principal,
    station_ref: str,
    day: date,
    *,
    uow: UnitOfWork,
    clock: Clock,
    broadcast: Broadcaster | None = None,
    travel: TravelTimes | None = None,
) -> Board:
    """The board, opening a case for each late departure, route behind, stop at risk and
    overdue partner delivery (once each); meant to run every few minutes through the day.
    Open boards hear of it once committed.

    With ``travel``, routes on the road are also judged by their live ETAs (``services.eta``):
    a stop the live ETA puts past its window is at risk before the plan's delay says so, and
    "N stops away" tells the live window.
    """
    require(principal, Permission.ORDERS_WRITE)
    org = principal.organisation_id
    with uow:
        found = _board(uow, org, station_ref, day, clock.now())
        if travel is not None:
            found = _live(uow, org, found, travel)
        exceptions.raise_cases(uow, org, _troubles(found, day), found.at)
        _clear_settled_partners(uow, org, found, day)
        messages.queue_for_routes(uow, org, found.routes, found.at)  # "3 stops away", delays
        uow.commit()
    broadcasts.board_changed(broadcast, org, found.station.id, day)
    return found


def _live(uow: UnitOfWork, org: str, found: Board, travel: TravelTimes) -> Board:
    version = found.version
    if version is None:
        return found
    routes = []
    moving_routes = [r for r in found.routes if r.state is RouteState.ON_ROAD]
    # Learnt once for all routes, and only when some route is on the road.
    service = eta.learned_service_times(uow, org, found.at) if moving_routes else None
    for moving in found.routes:
        route = version.route_of_vehicle(moving.vehicle_id)
        if moving.state is not RouteState.ON_ROAD or route is None:
            routes.append(moving)
            continue
        try:
            live = eta.etas(uow, org, version, route, found.at, travel, service)
        except DomainError:  # no road network, a stop off the roads: the plan's view stands
            routes.append(moving)
            continue
        webhooks.publish_etas(uow, org, [(s.order_id, s.eta) for s in live.stops], found.at)
        risky = [s.order_id for s in live.stops if s.late_risk]
        at_risk = tuple(dict.fromkeys([*moving.at_risk, *risky]))
        ahead = tuple((s.order_id, s.eta) for s in live.stops)
        routes.append(replace(moving, at_risk=at_risk, ahead=ahead))
    return replace(found, routes=tuple(routes))


def _published(uow: UnitOfWork, org: str, station: Station, day: date) -> PlanVersion:
    version = uow.plans.published(org, station.id, day)
    if version is None:
        raise NotFound("published plan", f"{station.code} {day.isoformat()}")
    return version


def _board(uow: UnitOfWork, org: str, station_ref: str, day: date, now: datetime) -> Board:
    station = resolve_station(uow, org, "station", station_ref)
    partners = partner_deliveries.deliveries(uow, org, station, day, now)
    version = uow.plans.published(org, station.id, day)
    if version is None:
        if not partners:
            raise NotFound("published plan", f"{station.code} {day.isoformat()}")
        return Board(station, None, now, (), {}, {}, day_progress({}, partners), partners)
    routes = [r for r in version.plan.routes if r.visits]
    orders = uow.orders.get_many(org, [s for r in routes for s in r.stop_ids])
    barcodes = [p.barcode for o in orders.values() for p in o.parcels]
    states = {b: s for b, (_, s) in uow.scans.states(org, barcodes).items()}
    names = {v.id: v.name for v in uow.vehicles.list(org, station.id)}
    found = []
    van_stops: dict[str, bool] = {}  # each van stop: done or not, for the day's progress
    for route in routes:
        departure = uow.departures.of_vehicle(org, station.id, day, route.vehicle_id)
        left = departure.departed_at if departure else None
        end = uow.route_ends.of_departure(org, departure.id) if departure else None
        stops = [
            _planned(version, v.stop_id, v.start_s, v.departure_s, orders) for v in route.visits
        ]
        done = _done(route, orders, states)
        van_stops.update((order_id, order_id in done) for order_id in route.stop_ids)
        arrived = _arrived(route, orders, states, done)
        start = version.at(route.start_s)
        ended = end.ended_at if end else None
        found.append(progress(route.vehicle_id, start, stops, left, done, now, arrived, ended))
    crew = drivers_of_day(uow, version)
    day_done = day_progress(van_stops, partners)
    return Board(station, version, now, tuple(found), names, crew, day_done, partners)


def _planned(
    version: PlanVersion, order_id: str, start_s: int, departure_s: int, orders: dict[str, Order]
) -> PlannedStop:
    start = version.at(start_s)
    order = orders.get(order_id)
    ends = [w.end_at for w in order.time_windows if w.end_at >= start] if order else []
    return PlannedStop(order_id, start, version.at(departure_s), min(ends) if ends else None)


def _done(
    route: Route, orders: dict[str, Order], states: dict[str, ParcelState]
) -> dict[str, datetime]:
    """Stops whose every parcel was delivered or failed, with the time of the last scan."""
    done = {}
    for order_id in route.stop_ids:
        order = orders.get(order_id)
        found = [states.get(p.barcode) for p in order.parcels] if order else []
        if found and all(s is not None and s.status in DONE for s in found):
            times = [s.last_event_at for s in found if s is not None and s.last_event_at]
            if times:
                done[order_id] = max(times)
    return done


def _arrived(
    route: Route,
    orders: dict[str, Order],
    states: dict[str, ParcelState],
    done: dict[str, datetime],
) -> dict[str, datetime]:
    """Stops not done where the driver arrived, with the earliest arrival among the parcels."""
    found = {}
    for order_id in route.stop_ids:
        order = orders.get(order_id)
        if order is None or order_id in done:
            continue
        times = [
            s.arrived_at for p in order.parcels if (s := states.get(p.barcode)) and s.arrived_at
        ]
        if times:
            found[order_id] = min(times)
    return found


def risk_words(name: str, delay: timedelta, expected: datetime | None, zone: tzinfo) -> str:
    """Why a stop is at risk, in the station's time. A route a minute or more behind says so.
    Less than a minute behind is not "0 min behind": the stop is at risk by when it is
    expected (its live ETA, a slow street ahead; or the plan's time, past a window that
    closed meanwhile), so say that time, which holds whatever the route's delay."""
    minutes = int(delay.total_seconds() // 60)
    if minutes > 0:
        return f"{name} is {minutes} min behind: this stop may miss its window"
    if expected is None:
        return f"{name} may miss this stop's window"
    return f"{name} is expected at this stop at {expected.astimezone(zone):%H:%M}, after its window"


def partner_risk_words(delivery: PartnerDelivery, zone: tzinfo) -> str:
    """Why an overdue partner delivery has a case: who has it, what it was due by (in the
    station's time) and its tracking number, to ask the partner about it."""
    f = delivery.facts
    by = (
        f"{delivery.due_at.astimezone(zone):%H:%M}, the end of its window"
        if f.window_end
        else f"the end of {f.day:%d.%m.}"
    )
    return f"{f.carrier_name} has not delivered it by {by} (tracking number {f.tracking_number})"


def partner_settled_words(delivery: PartnerDelivery, zone: tzinfo) -> str:
    """What settled a partner delivery, for the note of the late-risk case it clears: who did
    what, at the partner's latest event (in the station's time) when it reported one."""
    f = delivery.facts
    did = _SETTLED_WORDS.get(delivery.stage, delivery.stage.value)
    at = f" at {f.last_event_at.astimezone(zone):%H:%M}" if f.last_event_at else ""
    return f"{f.carrier_name} {did}{at}"


_SETTLED_WORDS = {
    Stage.DELIVERED: "delivered it",
    Stage.FAILED: "failed to deliver it",
    Stage.RETURNED: "returned it",
}


def _clear_settled_partners(uow: UnitOfWork, org: str, found: Board, day: date) -> None:
    """Clear the open late-risk case of each order whose partner deliveries are all settled.
    An order handed off again after a return has an open delivery besides the returned one:
    its case stays. A case a person resolved is not touched (``exceptions.settle``)."""
    zone = ZoneInfo(found.station.timezone)
    still_open = {d.order_id for d in found.partners if d.stage in OPEN_STAGES}
    # Of an order settled twice (returned, then delivered on a second hand-off), the note
    # tells the latest.
    settled: dict[str, PartnerDelivery] = {}
    for d in found.partners:
        known = settled.get(d.order_id)
        if d.order_id not in still_open and (known is None or _later(d, known)):
            settled[d.order_id] = d
    if not settled:
        return
    key_day = day.isoformat()
    keys = {f"late_risk:{order_id}:{key_day}": d for order_id, d in settled.items()}
    cases = uow.exceptions.by_keys(org, list(keys))
    for key, case in sorted(cases.items()):
        if case.status is CaseStatus.OPEN:
            note = partner_settled_words(keys[key], zone)
            exceptions.settle(uow, org, [case], Resolution.CLEARED, found.at, note)


def _later(one: PartnerDelivery, other: PartnerDelivery) -> bool:
    first = datetime.min.replace(tzinfo=one.due_at.tzinfo)
    return (one.facts.last_event_at or first) > (other.facts.last_event_at or first)


def _troubles(found: Board, day: date) -> list[exceptions.Trouble]:
    key_day = day.isoformat()
    zone = ZoneInfo(found.station.timezone)
    # An overdue partner delivery shares the stop's key: one late-risk case per order and day,
    # whoever delivers it.
    troubles = [
        exceptions.Trouble(
            ExceptionType.LATE_RISK, f"late_risk:{d.order_id}:{key_day}",
            partner_risk_words(d, zone), order_id=d.order_id,
        )
        for d in found.partners
        if d.overdue
    ]  # fmt: skip
    for r in found.routes:
        name = found.names.get(r.vehicle_id, r.vehicle_id)
        minutes = int(r.delay.total_seconds() // 60)
        if r.state is RouteState.LATE_DEPARTURE:
            troubles.append(exceptions.Trouble(
                ExceptionType.LATE_DEPARTURE, f"late_departure:{r.vehicle_id}:{key_day}",
                f"{name} has not left; planned at {r.planned_start:%H:%M}",
            ))  # fmt: skip
        if r.behind:
            troubles.append(exceptions.Trouble(
                ExceptionType.ROUTE_BEHIND, f"route_behind:{r.vehicle_id}:{key_day}",
                f"{name} runs {minutes} min behind its plan",
            ))  # fmt: skip
        expected = dict(r.ahead)  # each stop's projected arrival, or its live ETA
        troubles += [
            exceptions.Trouble(
                ExceptionType.LATE_RISK, f"late_risk:{order_id}:{key_day}",
                risk_words(name, r.delay, expected.get(order_id), zone), order_id=order_id,
            )
            for order_id in r.at_risk
        ]  # fmt: skip
        troubles += [
            exceptions.Trouble(
                ExceptionType.LONG_DWELL, f"long_dwell:{order_id}:{key_day}",
                f"{name} has been at this stop over 20 min without delivering or failing",
                order_id=order_id,
            )
            for order_id in r.dwelling
        ]  # fmt: skip
    return troubles
