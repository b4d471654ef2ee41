"""The station's sort plan: written when a day's plan is published, read by sorters and labels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from doorstep.domain.errors import NotFound
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Order, OrderKind
from doorstep.domain.permissions import Permission
from doorstep.domain.sorting import Assignment, SortLine, assign, lanes
from doorstep.domain.stations import Station
from doorstep.planning.versions import PlanVersion
from doorstep.services import scan_replay
from doorstep.services.authorization import Principal, require
from doorstep.services.ports import Clock, UnitOfWork
from doorstep.services.stations import resolve_station

AWAY_FROM_STATION = frozenset(
    {
        OrderStatus.OUT_FOR_DELIVERY,
        OrderStatus.DELIVERED,
        OrderStatus.FAILED_ATTEMPT,
        OrderStatus.RETURNING_TO_STATION,
    }
)


@dataclass(frozen=True)
class SortPlan:
    station: Station
    version: PlanVersion
    lines: tuple[SortLine, ...]


def on_publish(uow: UnitOfWork, version: PlanVersion, clock: Clock) -> None:
    """Make ``version`` (being published, in ``uow``'s transaction) the day's sort plan.

    Parcels scanned already at the station are replayed against their new places, so a sort
    scan that was right for the old plan but not the new one shows as a mis-sort. Parcels on
    the road keep their places.
    """
    org = version.organisation_id
    routes = [(r.vehicle_id, r.stop_ids) for r in version.plan.routes if r.visits]
    order_ids = [order_id for _, stops in routes for order_id in stops]
    orders = uow.orders.get_many(org, order_ids)
    parcels = {
        order_id: [p.barcode for p in order.parcels]
        for order_id, order in orders.items()
        if order.kind is OrderKind.DELIVERY
    }
    barcodes = [b for found in parcels.values() for b in found]
    states = {b: s for b, (_, s) in uow.scans.states(org, barcodes).items()}
    attempts = {b: s.trips for b, s in states.items()}
    earlier = uow.assignments.of_day(org, version.station_id, version.service_date)
    lane_of = lanes([v for v, _ in routes], {a.vehicle_id: a.lane for a in earlier})
    fresh = assign(routes, parcels, attempts, lane_of)
    # A parcel out on the road keeps the place it was sorted and loaded by: its station scans
    # were right for the plan of their time, and a van taking it over in the street (after a
    # breakdown) sorts nothing. Only parcels still at the station move to their new lanes.
    gone = {b for b, s in states.items() if s.status in AWAY_FROM_STATION}
    before = uow.assignments.of_barcodes(org, sorted(gone)) if gone else {}
    assignments = [
        before[a.barcode] if a.barcode in before and before[a.barcode].attempt == a.attempt else a
        for a in fresh
    ]
    uow.assignments.replace_day(
        org, version.station_id, version.service_date, version.id, assignments
    )
    scan_replay.refresh(uow, org, [a.barcode for a in assignments], clock.now())


def sort_plan(principal: Principal, station_ref: str, day: date, *, uow: UnitOfWork) -> SortPlan:
    """The published sort plan of a station's day, by lane then stop, with what labels show."""
    require(principal, Permission.PLANS_READ)
    org = principal.organisation_id
    with uow:
        station = resolve_station(uow, org, "station", station_ref)
        version = uow.plans.published(org, station.id, day)
        if version is None:
            raise NotFound(
                "published plan",
                f"{station.code} {day.isoformat()}",
                "plan the day and publish a version first (`doorstep plan publish`)",
            )
        assignments = uow.assignments.of_day(org, station.id, day)
        orders = uow.orders.get_many(org, sorted({a.order_id for a in assignments}))
        names = {v.id: v.name for v in uow.vehicles.list(org, station.id)}
    lines = _lines(station, version, assignments, orders, names)
    return SortPlan(station, version, tuple(lines))


def _lines(
    station: Station,
    version: PlanVersion,
    assignments: Sequence[Assignment],
    orders: dict[str, Order],
    names: dict[str, str],
) -> list[SortLine]:
    stops = {r.vehicle_id: len(r.visits) for r in version.plan.routes}
    starts = {v.stop_id: v.start_s for r in version.plan.routes for v in r.visits}
    lines = []
    for a in assignments:
        order = orders[a.order_id]
        start = starts.get(a.order_id)
        planned = version.at(start).strftime("%H:%M") if start is not None else ""
        lines.append(
            SortLine(
                assignment=a,
                station_code=station.code,
                service_date=version.service_date,
                vehicle_name=names.get(a.vehicle_id, a.vehicle_id),
                stops_on_route=stops.get(a.vehicle_id, 0),
                shipper_reference=order.shipper_reference,
                recipient_name=order.recipient.name,
                address=order.address.as_given,
                window=planned,
            )
        )
    return lines
