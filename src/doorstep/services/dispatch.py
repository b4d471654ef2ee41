"""The dispatch board of a station's day, and the watch that opens cases for what slips."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from doorstep.domain.dispatch import PlannedStop, RouteProgress, RouteState, progress
from doorstep.domain.errors import NotFound
from doorstep.domain.exceptions import ExceptionType
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Order
from doorstep.domain.permissions import Permission
from doorstep.domain.scans import ParcelState
from doorstep.domain.stations import Station
from doorstep.planning.plan import Route
from doorstep.planning.versions import PlanStatus, PlanVersion
from doorstep.services import exceptions
from doorstep.services.authorization import Principal, require
from doorstep.services.ports import Clock, UnitOfWork
from doorstep.services.stations import resolve_station

DONE = frozenset({OrderStatus.DELIVERED, OrderStatus.FAILED_ATTEMPT})


@dataclass(frozen=True)
class Board:
    station: Station
    version: PlanVersion
    at: datetime
    routes: tuple[RouteProgress, ...]
    names: dict[str, str]  # vehicle id -> name


def board(
    principal: Principal, station_ref: str, day: date, *, uow: UnitOfWork, clock: Clock
) -> Board:
    """Each published route's state now: departed or late, stops done, delay, stops at risk."""
    require(principal, Permission.ORDERS_READ)
    with uow:
        return _board(uow, principal.organisation_id, station_ref, day, clock.now())


def watch(
    principal: Principal, station_ref: str, day: date, *, uow: UnitOfWork, clock: Clock
) -> Board:
    """The board, opening a case for each late departure, route behind and stop at risk (once
    each); meant to run every few minutes through the day."""
    require(principal, Permission.ORDERS_WRITE)
    org = principal.organisation_id
    with uow:
        found = _board(uow, org, station_ref, day, clock.now())
        exceptions.raise_cases(uow, org, _troubles(found, day), found.at)
        uow.commit()
    return found


def _board(uow: UnitOfWork, org: str, station_ref: str, day: date, now: datetime) -> Board:
    station = resolve_station(uow, org, "station", station_ref)
    version = next(
        (v for v in uow.plans.list(org, station.id, day) if v.status is PlanStatus.PUBLISHED),
        None,
    )
    if version is None:
        raise NotFound("published plan", f"{station.code} {day.isoformat()}")
    routes = [r for r in version.plan.routes if r.visits]
    orders = uow.orders.get_many(org, [s for r in routes for s in r.stop_ids])
    barcodes = [p.barcode for o in orders.values() for p in o.parcels]
    states = {b: s for b, (_, s) in uow.scans.states(org, barcodes).items()}
    names = {v.id: v.name for v in uow.vehicles.list(org, station.id)}
    found = []
    for route in routes:
        departure = uow.departures.of_vehicle(org, station.id, day, route.vehicle_id)
        left = departure.departed_at if departure else None
        stops = [
            _planned(version, v.stop_id, v.start_s, v.departure_s, orders) for v in route.visits
        ]
        done = _done(route, orders, states)
        arrived = _arrived(route, orders, states, done)
        start = version.at(route.start_s)
        found.append(progress(route.vehicle_id, start, stops, left, done, now, arrived))
    return Board(station, version, now, tuple(found), names)


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


def _troubles(found: Board, day: date) -> list[exceptions.Trouble]:
    key_day = day.isoformat()
    troubles = []
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
        troubles += [
            exceptions.Trouble(
                ExceptionType.LATE_RISK, f"late_risk:{order_id}:{key_day}",
                f"{name} is {minutes} min behind: this stop may miss its window",
                order_id=order_id,
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
