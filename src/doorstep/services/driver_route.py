"""A driver's route for the day, as the driver app shows it: stop by stop, with what to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from doorstep.domain import breaks
from doorstep.domain.breaks import BreakStatus, PlannedBreak
from doorstep.domain.errors import NotFound, PermissionDenied
from doorstep.domain.fleet import Vehicle
from doorstep.domain.hours import RULES, periods_of
from doorstep.domain.hours import clock as duty_clock
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Order
from doorstep.domain.permissions import Permission
from doorstep.domain.scans import ParcelState
from doorstep.planning.plan import Route
from doorstep.planning.versions import PlanVersion
from doorstep.services.authorization import Principal, require
from doorstep.services.dispatch import drivers_of_day
from doorstep.services.fleet import find_driver, find_vehicle, only_own, own_driver
from doorstep.services.hours import LOOK_BACK, rules_of
from doorstep.services.ports import Clock, UnitOfWork


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
    breaks: tuple[PlannedBreak, ...] = ()  # the plan's, in route order
    break_status: BreakStatus | None = None  # None: nobody drives the route

    @property
    def open_stops(self) -> tuple[RouteStop, ...]:
        """Stops with a parcel not yet delivered or failed: what is left to do."""
        done = {OrderStatus.DELIVERED, OrderStatus.FAILED_ATTEMPT}
        return tuple(s for s in self.stops if any(st not in done for _, st in s.parcels))


def driver_route(
    principal: Principal, vehicle_ref: str, day: date, *, uow: UnitOfWork, clock: Clock
) -> DriverRoute:
    """The published route of ``vehicle`` on ``day``: stops in order with planned times, the
    recipient, address, access notes, windows, the proof required and each parcel's status;
    the planned break, and the driver's breaks so far from their duty changes."""
    require(principal, Permission.SCANS_WRITE)
    org = principal.organisation_id
    with uow:
        vehicle = find_vehicle(uow, org, vehicle_ref)
        version = _published(uow, org, vehicle, day)
        if only_own(principal):
            own = own_driver(uow, principal)
            if drivers_of_day(uow, version).get(vehicle.id) != own.id:
                raise PermissionDenied(
                    f"{vehicle.name}'s route is not yours today; a driver sees only their own"
                )
        route = version.route_of_vehicle(vehicle.id)
        if route is None or not route.visits:
            raise NotFound("route", f"{vehicle.name} {day.isoformat()}", "it has no stops today")
        orders = uow.orders.get_many(org, list(route.stop_ids))
        barcodes = [p.barcode for o in orders.values() for p in o.parcels]
        states = {b: s for b, (_, s) in uow.scans.states(org, barcodes).items()}
        planned = _planned_breaks(version, route)
        status = _break_status(uow, version, vehicle, planned, clock.now())
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
        stops, planned, status,
    )  # fmt: skip


def route_of_driver(
    principal: Principal, driver_ref: str, day: date, *, uow: UnitOfWork, clock: Clock
) -> DriverRoute:
    """The route the driver drives on ``day`` at their home station (planned or assigned)."""
    require(principal, Permission.SCANS_WRITE)
    org = principal.organisation_id
    with uow:
        driver = find_driver(uow, org, driver_ref)
        if only_own(principal) and own_driver(uow, principal).id != driver.id:
            raise PermissionDenied(
                f"{driver.name}'s route is not yours; a driver sees only their own"
            )
        station = uow.stations.get(org, driver.home_station_id)
        version = uow.plans.published(org, driver.home_station_id, day) if station else None
        if version is None:
            raise NotFound("published plan", day.isoformat(), "the planner publishes the day first")
        mine = [v for v, d in drivers_of_day(uow, version).items() if d == driver.id]
        routed = [r.vehicle_id for r in version.plan.routes if r.visits and r.vehicle_id in mine]
        if not routed:
            raise NotFound("route", f"{driver.name} {day.isoformat()}", "no route is assigned")
    return driver_route(principal, routed[0], day, uow=uow, clock=clock)


def my_route(principal: Principal, day: date, *, uow: UnitOfWork, clock: Clock) -> DriverRoute:
    """The route of the driver whose login this is (``Driver.user_id``)."""
    require(principal, Permission.SCANS_WRITE)
    with uow:
        driver = own_driver(uow, principal)
    return route_of_driver(principal, driver.id, day, uow=uow, clock=clock)


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


def _planned_breaks(version: PlanVersion, route: Route) -> tuple[PlannedBreak, ...]:
    """The break the plan placed on the route (a route has at most one), after its stop."""
    vehicle = next((v for v in version.inputs.vehicles if v.id == route.vehicle_id), None)
    if route.break_start_s is None or vehicle is None or vehicle.break_ is None:
        return ()
    after = (route.break_after if route.break_after is not None else -1) + 1
    return (PlannedBreak(after, version.at(route.break_start_s), vehicle.break_.duration_s),)


def _break_status(
    uow: UnitOfWork,
    version: PlanVersion,
    vehicle: Vehicle,
    planned: tuple[PlannedBreak, ...],
    now: datetime,
) -> BreakStatus | None:
    """The route's driver's breaks on its day up to now (the whole day once it is over)."""
    org = version.organisation_id
    driver_id = drivers_of_day(uow, version).get(vehicle.id)
    driver = uow.drivers.get(org, driver_id) if driver_id else None
    if driver is None:
        return None
    midnight = version.at(0)  # the day's epoch: local midnight at the station
    at = min(max(now, midnight), midnight + timedelta(days=1))
    changes = uow.duty.of_driver(org, driver.id, at - LOOK_BACK, at)
    periods = periods_of(changes, at)
    rules = RULES[rules_of(driver)]
    min_s = planned[0].duration_s if planned else rules.break_s
    return breaks.status(
        driver.id, periods, midnight, planned, duty_clock(periods, rules, at), min_s
    )
