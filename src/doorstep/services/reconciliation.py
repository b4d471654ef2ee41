"""A station's day accounted for: receiving against the manifests, and every parcel at day end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from doorstep.domain.orders import Order, OrderKind
from doorstep.domain.permissions import Permission
from doorstep.domain.reconciliation import DayEnd, Expected, Receiving, day_end, receiving
from doorstep.domain.scans import ParcelState
from doorstep.domain.stations import Station
from doorstep.services.authorization import Principal, require
from doorstep.services.ports import OrderFilter, Position, UnitOfWork
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
    where = OrderFilter(station_id=station_id, service_date=day)
    found: list[Order] = []
    after: Position | None = None
    while True:
        page = uow.orders.list(org, where, after=after, limit=1000)
        found.extend(page)
        if len(page) < 1000:
            return found
        after = Position(page[-1].created_at, page[-1].id)
