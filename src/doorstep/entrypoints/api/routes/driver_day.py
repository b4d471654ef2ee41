"""The driver's side of dispatch: the day's route, inspections, duty, and ending the route."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import AwareDatetime

from doorstep.domain.hours import RuleSet
from doorstep.domain.inspections import ItemResult
from doorstep.entrypoints.api.deps import ContainerDep, Day, PrincipalDep
from doorstep.entrypoints.api.schemas.driver_route import (
    DriverRouteOut,
    DutyIn,
    DutyOut,
    HoursOut,
    RouteEtasOut,
)
from doorstep.entrypoints.api.schemas.inspections import (
    CloseIn,
    InspectionIn,
    InspectionOut,
    MaintenanceOut,
)
from doorstep.entrypoints.api.schemas.route_ends import RouteEndIn, RouteEndOut
from doorstep.services import driver_route, eta, hours, inspections, route_ends

router = APIRouter(tags=["dispatch"])


@router.get(
    "/vehicles/{vehicle}/route",
    summary="The vehicle's published route of the day, stop by stop, for the driver app",
)
def route(
    vehicle: str,
    day: Day,
    principal: PrincipalDep,
    c: ContainerDep,
) -> DriverRouteOut:
    found = driver_route.driver_route(principal, vehicle, day, uow=c.reader(), clock=c.clock)
    return DriverRouteOut.of(found)


@router.get(
    "/vehicles/{vehicle}/etas",
    summary="Live ETA of each open stop of the vehicle's route, with a p10-p90 window",
)
def etas(vehicle: str, day: Day, principal: PrincipalDep, c: ContainerDep) -> RouteEtasOut:
    found = eta.route_etas(
        principal, vehicle, day, uow=c.reader(), travel=c.travel(), clock=c.clock
    )
    return RouteEtasOut.of(found)


@router.get(
    "/drivers/{driver}/route",
    summary="The route the driver drives today (the plan's pairing, or as dispatch assigned)",
)
def route_of_driver(
    driver: str,
    day: Day,
    principal: PrincipalDep,
    c: ContainerDep,
) -> DriverRouteOut:
    found = driver_route.route_of_driver(principal, driver, day, uow=c.reader(), clock=c.clock)
    return DriverRouteOut.of(found)


@router.get(
    "/me/route",
    summary="The caller's own route today: the driver record linked to this login drives it",
)
def my_route(day: Day, principal: PrincipalDep, c: ContainerDep) -> DriverRouteOut:
    found = driver_route.my_route(principal, day, uow=c.reader(), clock=c.clock)
    return DriverRouteOut.of(found)


@router.post(
    "/vehicles/{vehicle}/inspections",
    status_code=status.HTTP_201_CREATED,
    summary="Record a pre- or post-trip inspection; an unsafe defect grounds the vehicle",
)
def inspect(
    vehicle: str,
    day: Day,
    body: InspectionIn,
    principal: PrincipalDep,
    c: ContainerDep,
) -> InspectionOut:
    items = [ItemResult(**i.model_dump()) for i in body.items]
    done, record = inspections.inspect(
        principal, vehicle, day, body.kind, items, uow=c.uow(), clock=c.clock, ids=c.ids
    )
    return InspectionOut.of(done, record)


@router.post(
    "/vehicles/{vehicle}/route:end",
    summary="End the day's route back at the station, with the post-trip inspection; "
    "lists the parcels still on board (each opens a missed-scan case until scanned back in)",
)
def end_route(
    vehicle: str,
    day: Day,
    body: RouteEndIn,
    principal: PrincipalDep,
    c: ContainerDep,
) -> RouteEndOut:
    items = None if body.items is None else [ItemResult(**i.model_dump()) for i in body.items]
    ended = route_ends.end_route(
        principal, vehicle, day, items, odometer_km=body.odometer_km,
        uow=c.uow(), clock=c.clock, ids=c.ids,
    )  # fmt: skip
    return RouteEndOut.of(ended)


@router.post("/maintenance/{record_id}:close", summary="The vehicle is repaired")
def close(
    record_id: str, body: CloseIn, principal: PrincipalDep, c: ContainerDep
) -> MaintenanceOut:
    record = inspections.close_maintenance(
        principal, record_id, body.note, uow=c.uow(), clock=c.clock
    )
    return MaintenanceOut.of(record)


@router.post("/drivers/{driver}/duty", summary="The driver's duty-status changes from the app")
def duty(driver: str, body: DutyIn, principal: PrincipalDep, c: ContainerDep) -> DutyOut:
    changes = [(ch.id, ch.status, ch.at) for ch in body.changes]
    report = hours.record_duty(principal, driver, changes, uow=c.uow())
    return DutyOut(stored=report.stored, duplicates=report.duplicates)


@router.get(
    "/drivers/{driver}/hours",
    summary="Hours of service now (or at): time left, breaks due, warnings and violations",
)
def driver_hours(
    driver: str,
    principal: PrincipalDep,
    c: ContainerDep,
    rules: RuleSet | None = None,
    at: AwareDatetime | None = None,
) -> HoursOut:
    found = hours.hours(principal, driver, rules, at=at, uow=c.reader(), now=c.clock)
    return HoursOut.of(found)
