"""A station's day accounted for: receiving against the manifests, and every parcel at day end."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from doorstep.domain.errors import NotFound
from doorstep.domain.exceptions import ExceptionType, Resolution
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Order, OrderKind, StatusChange
from doorstep.domain.permissions import Permission
from doorstep.domain.reconciliation import (
    DayEnd,
    Expected,
    Receiving,
    Retry,
    Whereabouts,
    day_end,
    next_delivery_day,
    receiving,
    retries,
    whereabouts,
)
from doorstep.domain.scans import ParcelState
from doorstep.domain.stations import Station
from doorstep.services import exceptions
from doorstep.services.authorization import Principal, require
from doorstep.services.orders import orders_matching
from doorstep.services.ports import Clock, OrderFilter, UnitOfWork
from doorstep.services.stations import resolve_station


@dataclass(frozen=True)
class ReceivingReport:
    station: Station
    day: date
    receiving: Receiving


@dataclass(frozen=True)
class DayEndReport:
    station: Station
    day: date
    day_end: DayEnd


def receiving_report(
    principal: Principal, station_ref: str, day: date, *, uow: UnitOfWork
) -> ReceivingReport:
    """Each shipper's deliveries of the day: received, missing, damaged; and what was scanned
    in at the station that day but is on no manifest of it."""
    require(principal, Permission.ORDERS_READ)
    org = principal.organisation_id
    with uow:
        station = resolve_station(uow, org, "station", station_ref)
        orders = [o for o in _orders_of_day(uow, org, station.id, day) if _delivery(o)]
        expected = _expected(orders)
        states = _states(uow, org, expected)
        start, end = _local_day(station, day)
        scanned_in = uow.scans.received_between(org, start, end)
    known = {e.barcode for e in expected}
    unexpected = [
        (r.event.barcode, _why_unexpected(r.order_id))
        for r in scanned_in
        if r.event.barcode not in known
    ]
    return ReceivingReport(station, day, receiving(expected, states, unexpected))


def day_end_report(
    principal: Principal, station_ref: str, day: date, *, uow: UnitOfWork
) -> DayEndReport:
    """Every parcel of the station's day by where its scans leave it."""
    require(principal, Permission.ORDERS_READ)
    org = principal.organisation_id
    with uow:
        station = resolve_station(uow, org, "station", station_ref)
        expected = _expected(_orders_of_day(uow, org, station.id, day))
        states = _states(uow, org, expected)
    return DayEndReport(station, day, day_end(expected, states))


def _delivery(order: Order) -> bool:
    return order.kind is OrderKind.DELIVERY


def _expected(orders: list[Order]) -> list[Expected]:
    return [
        Expected(p.barcode, o.shipper, o.id, o.shipper_reference, o.status)
        for o in orders
        for p in o.parcels
    ]


def _states(uow: UnitOfWork, org: str, expected: list[Expected]) -> dict[str, ParcelState]:
    found = uow.scans.states(org, [e.barcode for e in expected])
    return {barcode: state for barcode, (_, state) in found.items()}


def _why_unexpected(order_id: str | None) -> str:
    if order_id is None:
        return "no order has this barcode: an unknown label"
    return f"belongs to order {order_id}, of another day or station"


def _local_day(station: Station, day: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(station.timezone)
    start = datetime.combine(day, time(0), zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), zone)


def _orders_of_day(uow: UnitOfWork, org: str, station_id: str, day: date) -> list[Order]:
    return orders_matching(uow, org, OrderFilter(station_id=station_id, service_date=day))


@dataclass(frozen=True)
class DayClosed:
    station: Station
    day: date
    next_day: date
    retried: tuple[Retry, ...]  # each order moved to next_day, or returned to the sender
    unaccounted: tuple[Expected, ...]


def close_day(
    principal: Principal, station_ref: str, day: date, *, uow: UnitOfWork, clock: Clock
) -> DayClosed:
    """Send failed deliveries back into planning on the next delivery day, or to the sender.

    An order whose parcels all came back after a failed attempt moves to the station's next
    open day and is planned again with its attempt count; after the organisation's
    ``max_delivery_attempts`` it is returned to the sender instead. Closing a day twice
    changes nothing more: the moved orders are no longer that day's.
    """
    require(principal, Permission.ORDERS_WRITE)
    org = principal.organisation_id
    with uow:
        station = resolve_station(uow, org, "station", station_ref)
        organisation = uow.organisations.get(org)
        if organisation is None:
            raise NotFound("organisation", org)
        orders = {o.id: o for o in _orders_of_day(uow, org, station.id, day)}
        expected = _expected(list(orders.values()))
        states = _states(uow, org, expected)
        open_on = [int(w) for w, _ in station.opening_hours.days]
        ahead = next_delivery_day(day, open_on)
        found = retries(expected, states, organisation.max_delivery_attempts)
        now = clock.now()
        for retry in found:
            uow.orders.update(_retried(orders[retry.order_id], retry, ahead, now))
        _settle_failed(uow, org, found, now)
        unaccounted = day_end(expected, states).unaccounted
        missed = [
            exceptions.Trouble(
                ExceptionType.MISSED_SCAN,
                f"missed_scan:{e.barcode}:{day.isoformat()}",
                f"not delivered nor scanned back at {station.code} on {day.isoformat()}",
                e.barcode,
                e.order_id,
            )
            for e in unaccounted
            if whereabouts(e, states.get(e.barcode)) is Whereabouts.ON_A_VEHICLE
        ]
        exceptions.raise_cases(uow, org, missed, now)
        uow.commit()
    return DayClosed(station, day, ahead, tuple(found), unaccounted)


def _settle_failed(uow: UnitOfWork, org: str, found: list[Retry], now: datetime) -> None:
    """The failed-attempt cases of retried orders are handled by the retry itself."""
    for returned in (False, True):
        ids = [r.order_id for r in found if r.returned is returned]
        cases = uow.exceptions.open_of_orders(org, ids, ExceptionType.FAILED_ATTEMPT) if ids else []
        done = Resolution.RETURNED_TO_SENDER if returned else Resolution.RESCHEDULED
        exceptions.settle(uow, org, cases, done, now)


def _retried(order: Order, retry: Retry, ahead: date, now: datetime) -> Order:
    if order.status is OrderStatus.SORTED:
        order.move_to(OrderStatus.RECEIVED, now, "back on the shelf at day end")
    if retry.returned:
        reason = f"{retry.attempts} failed attempts: returned to the sender"
        order.move_to(OrderStatus.RETURNED_TO_SENDER, now, reason)
        return order
    # The recipient's hours hold on the new day too: the windows move with the order.
    shift = ahead - (order.service_date or ahead)
    windows = tuple(
        replace(w, start_at=w.start_at + shift, end_at=w.end_at + shift) for w in order.time_windows
    )
    moved = replace(order, service_date=ahead, time_windows=windows, updated_at=now)
    note = f"attempt {retry.attempts + 1} on {ahead}" if retry.attempts else f"planned on {ahead}"
    moved.history.append(StatusChange(now, order.status, order.status, note))
    return moved
