"""A station's day in KPIs: the facts gathered from storage, the numbers from ``domain.kpis``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from doorstep.domain import kpis
from doorstep.domain.day_facts import DayFacts, OrderFacts, RouteFacts, outcomes
from doorstep.domain.errors import NotFound
from doorstep.domain.exceptions import ExceptionCase
from doorstep.domain.fleet import VehicleCosts
from doorstep.domain.geo import distance_m
from doorstep.domain.orders import Order
from doorstep.domain.permissions import Permission
from doorstep.domain.stations import Station
from doorstep.planning.plan import Route
from doorstep.planning.problem import OPEN_END_S
from doorstep.planning.versions import PlanVersion
from doorstep.services import partner_deliveries
from doorstep.services.authorization import Principal, require
from doorstep.services.dispatch import drivers_of_day
from doorstep.services.ports import UnitOfWork
from doorstep.services.stations import resolve_station

DAY_S = 24 * 3600


@dataclass(frozen=True)
class KpiReport:
    station: Station
    day: date
    plan_number: int
    kpis: kpis.DayKpis
    vehicles: Mapping[str, str]  # vehicle id -> name
    drivers: Mapping[str, str]  # driver id -> name


def day_kpis(
    principal: Principal,
    station_ref: str,
    day: date,
    *,
    uow: UnitOfWork,
    co2_g_per_km: Mapping[str, float] = kpis.CO2_G_PER_KM,
) -> KpiReport:
    """The KPIs of a station's published day: the day, each route and each driver.

    The day runs from local midnight to midnight at the station (the plan's epoch). Works
    on a day under way as well as a finished one: what has not happened yet counts nowhere.
    """
    require(principal, Permission.ORDERS_READ)
    org = principal.organisation_id
    with uow:
        station = resolve_station(uow, org, "station", station_ref)
        version = uow.plans.published(org, station.id, day)
        if version is None:
            raise NotFound("published plan", f"{station.code} {day.isoformat()}")
        facts = day_facts(uow, version)
        vehicles = {v.id: v.name for v in uow.vehicles.list(org, station.id)}
        crew = {r.driver_id for r in facts.routes if r.driver_id}
        drivers = {d: who.name for d in crew if (who := uow.drivers.get(org, d))}
    numbers = kpis.day_kpis(facts, co2_g_per_km)
    return KpiReport(station, day, version.number, numbers, vehicles, drivers)


def day_facts(uow: UnitOfWork, version: PlanVersion) -> DayFacts:
    """What the day of ``version`` left behind, read inside the caller's unit of work."""
    org = version.organisation_id
    start, end = version.at(0), version.at(DAY_S)
    routes = [r for r in version.plan.routes if r.visits]
    orders = uow.orders.get_many(org, [s for r in routes for s in r.stop_ids])
    orders.update(handed_off(uow, org, version.station_id, version.service_date))
    codes = [p.barcode for o in orders.values() for p in o.parcels]
    events = tuple(r.event for found in uow.scans.of_barcodes(org, codes).values() for r in found)
    crew = drivers_of_day(uow, version)
    return DayFacts(
        day=version.service_date,
        start=start,
        end=end,
        routes=tuple(_route(uow, version, r, crew.get(r.vehicle_id), end) for r in routes),
        orders={o.id: _order(o) for o in orders.values()},
        events=events,
        cases=_cases(uow, version, start, end, orders, routes),
        dimensions=version.inputs.dimensions,
    )


def handed_off(uow: UnitOfWork, org: str, station_id: str, day: date) -> dict[str, Order]:
    """The station's orders handed to partner carriers for ``day`` (not cancelled): they
    count in the order KPIs (on time against their windows, first attempt, failure reasons,
    cases) by the partner's events as scans, and in no route KPI (no van of ours drove them)."""
    return {o.id: o for _, o in partner_deliveries.handed_off(uow, org, station_id, day)}


@dataclass(frozen=True)
class OrderKpis:
    """The order KPIs of some orders on a day: the part of a day's report that does not need
    routes, so own-fleet and partner deliveries can be compared order for order."""

    on_time: kpis.Ratio
    first_attempt: kpis.Ratio
    failure_reasons: tuple[tuple[str, kpis.Ratio], ...]
    cases: Mapping[str, int]  # opened on the day, by type


def order_kpis(
    principal: Principal, order_ids: Sequence[str], day: date, *, uow: UnitOfWork
) -> OrderKpis:
    """On time, first attempt, failure reasons and cases of ``order_ids`` on ``day`` (local
    midnight to midnight at the first order's station; UTC without one)."""
    require(principal, Permission.ORDERS_READ)
    org = principal.organisation_id
    with uow:
        orders = uow.orders.get_many(org, list(order_ids))
        station_ids = sorted({o.station_id for o in orders.values() if o.station_id})
        station = uow.stations.get(org, station_ids[0]) if station_ids else None
        zone = ZoneInfo(station.timezone) if station is not None else ZoneInfo("UTC")
        start = datetime.combine(day, time(0), tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        codes = {p.barcode for o in orders.values() for p in o.parcels}
        found = uow.scans.of_barcodes(org, sorted(codes))
        events = tuple(r.event for records in found.values() for r in records)
        cases = tuple(
            c
            for c in uow.exceptions.opened_between(org, start, end)
            if c.order_id in orders or c.barcode in codes
        )
    facts = DayFacts(
        day=day,
        start=start,
        end=end,
        orders={o.id: _order(o) for o in orders.values()},
        events=events,
        cases=cases,
    )
    seen = outcomes(facts)
    opened = kpis.cases(facts).opened
    return OrderKpis(
        on_time=kpis.on_time(facts, seen),
        first_attempt=kpis.first_attempt(facts, seen),
        failure_reasons=tuple(kpis.failure_reasons(seen)),
        cases={kind.value: n for kind, n in opened.items()},
    )


def _order(order: Order) -> OrderFacts:
    windows = tuple((w.start_at, w.end_at) for w in order.time_windows)
    return OrderFacts(
        order.id, tuple(p.barcode for p in order.parcels), windows, order.service_date
    )


def _route(
    uow: UnitOfWork, version: PlanVersion, route: Route, driver: str | None, day_end: datetime
) -> RouteFacts:
    org = version.organisation_id
    planned = version.inputs.vehicles_by_id.get(route.vehicle_id)
    vehicle = uow.vehicles.get(org, route.vehicle_id)
    departure = uow.departures.of_vehicle(
        org, version.station_id, version.service_date, route.vehicle_id
    )
    end = uow.route_ends.of_departure(org, departure.id) if departure else None
    left = departure.departed_at if departure else None
    ended = end.ended_at if end else None
    shift = planned.shift if planned else None
    return RouteFacts(
        vehicle_id=route.vehicle_id,
        stop_ids=route.stop_ids,
        planned_start=version.at(route.start_s),
        planned_end=version.at(route.end_s),
        planned_distance_m=route.distance_m,
        capacity=planned.capacity if planned else (),
        peak_load=_peak(route),
        shift_s=shift.end_s - shift.start_s if shift and shift.end_s < OPEN_END_S else None,
        vehicle_kind=vehicle.vehicle_type.value if vehicle else "van",
        costs=vehicle.costs if vehicle else VehicleCosts(),
        driver_id=driver,
        departed_at=left,
        ended_at=ended,
        gps_distance_m=_gps_m(uow, org, route.vehicle_id, left, ended or day_end),
    )


def _peak(route: Route) -> tuple[int, ...]:
    """The most on board in each dimension: at departure, or after a pickup later on."""
    loads = [route.load_at_start, *(v.load_after for v in route.visits)]
    loads = [load for load in loads if load]
    return tuple(max(d) for d in zip(*loads, strict=True)) if loads else ()


def _gps_m(
    uow: UnitOfWork, org: str, vehicle_id: str, left: datetime | None, until: datetime
) -> float | None:
    """Metres along the vehicle's breadcrumbs from departure; None without two pings."""
    if left is None:
        return None
    pings = uow.positions.between(org, vehicle_id, left, until)
    if len(pings) < 2:
        return None
    return sum(distance_m(a.location, b.location) for a, b in pairwise(pings))


def _cases(
    uow: UnitOfWork,
    version: PlanVersion,
    start: datetime,
    end: datetime,
    orders: Mapping[str, Order],
    routes: list[Route],
) -> tuple[ExceptionCase, ...]:
    """The organisation's cases of the day that concern this station's orders, parcels or
    vehicles (cases carry no station)."""
    codes = {p.barcode for o in orders.values() for p in o.parcels}
    vehicles = {f":{r.vehicle_id}:" for r in routes}
    return tuple(
        c
        for c in uow.exceptions.opened_between(version.organisation_id, start, end)
        if c.order_id in orders
        or (c.barcode and c.barcode in codes)
        or (c.order_id is None and not c.barcode and any(v in c.key for v in vehicles))
    )
