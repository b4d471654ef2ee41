"""A driver's route for the day, as the driver app shows it: stop by stop, with what to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from doorstep.domain.errors import NotFound
from doorstep.domain.fleet import Vehicle
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Order
from doorstep.domain.permissions import Permission
from doorstep.domain.scans import ParcelState
from doorstep.planning.versions import PlanVersion
from doorstep.services.authorization import Principal, require
from doorstep.services.dispatch import drivers_of_day
from doorstep.services.fleet import find_driver, find_vehicle
from doorstep.services.ports import UnitOfWork


@dataclass(frozen=True)
class RouteStop:
    number: int
    order: Order
    arrival_at: datetime
    start_at: datetime
    departure_at: datetime
    parcels: tuple[tuple[str, OrderStatus], ...]  # barcode, where it stands


@dataclass(frozen=True)
class DriverRoute:
    vehicle: Vehicle
    version: PlanVersion
    starts_at: datetime
    ends_at: datetime
    distance_m: int
    stops: tuple[RouteStop, ...]

    @property
    def open_stops(self) -> tuple[RouteStop, ...]:
        """Stops with a parcel not yet delivered or failed: what is left to do."""
        done = {OrderStatus.DELIVERED, OrderStatus.FAILED_ATTEMPT}
        return tuple(s for s in self.stops if any(st not in done for _, st in s.parcels))


def driver_route(
    principal: Principal, vehicle_ref: str, day: date, *, uow: UnitOfWork
) -> DriverRoute:
    """The published route of ``vehicle`` on ``day``: stops in order with planned times, the
    recipient, address, access notes, windows, the proof required and each parcel's status."""
    require(principal, Permission.SCANS_WRITE)
    org = principal.organisation_id
    with uow:
        vehicle = find_vehicle(uow, org, vehicle_ref)
        version = _published(uow, org, vehicle, day)
        route = version.route_of_vehicle(vehicle.id)
        if route is None or not route.visits:
            raise NotFound("route", f"{vehicle.name} {day.isoformat()}", "it has no stops today")
        orders = uow.orders.get_many(org, list(route.stop_ids))
        barcodes = [p.barcode for o in orders.values() for p in o.parcels]
        states = {b: s for b, (_, s) in uow.scans.states(org, barcodes).items()}
    stops = tuple(
        RouteStop(
            n,
            orders[v.stop_id],
            version.at(v.arrival_s),
            version.at(v.start_s),
            version.at(v.departure_s),
            _parcels(orders[v.stop_id], states),
        )
        for n, v in enumerate(route.visits, start=1)
    )
    return DriverRoute(
        vehicle, version, version.at(route.start_s), version.at(route.end_s), route.distance_m,
        stops,
    )  # fmt: skip


def route_of_driver(
    principal: Principal, driver_ref: str, day: date, *, uow: UnitOfWork
) -> DriverRoute:
    """The route the driver drives on ``day`` at their home station (planned or assigned)."""
    require(principal, Permission.SCANS_WRITE)
    org = principal.organisation_id
    with uow:
        driver = find_driver(uow, org, driver_ref)
        station = uow.stations.get(org, driver.home_station_id)
        version = uow.plans.published(org, driver.home_station_id, day) if station else None
        if version is None:
            raise NotFound("published plan", day.isoformat(), "the planner publishes the day first")
        mine = [v for v, d in drivers_of_day(uow, version).items() if d == driver.id]
        routed = [r.vehicle_id for r in version.plan.routes if r.visits and r.vehicle_id in mine]
        if not routed:
            raise NotFound("route", f"{driver.name} {day.isoformat()}", "no route is assigned")
    return driver_route(principal, routed[0], day, uow=uow)


def _published(uow: UnitOfWork, org: str, vehicle: Vehicle, day: date) -> PlanVersion:
    version = uow.plans.published(org, vehicle.station_id, day)
    if version is None:
        raise NotFound("published plan", day.isoformat(), "the planner publishes the day first")
    return version


def _parcels(order: Order, states: dict[str, ParcelState]) -> tuple[tuple[str, OrderStatus], ...]:
    return tuple(
        (p.barcode, states[p.barcode].status if p.barcode in states else OrderStatus.READY)
        for p in order.parcels
    )
