"""GPS positions: batches of pings from phones and telematics; a vehicle's trail and visits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from doorstep.entrypoints.api.deps import ContainerDep, Day, PrincipalDep
from doorstep.entrypoints.api.schemas.positions import (
    BreadcrumbsOut,
    PingBatchIn,
    PingBatchOut,
    PingOut,
    PositionSettingsOut,
    PositionSettingsPatch,
    VisitOut,
    VisitsOut,
)
from doorstep.services import positions

# Idempotent by each ping's device and device time, so a batch needs no Idempotency-Key:
# sending it again after a lost answer stores nothing twice and counts each as a duplicate.
router = APIRouter(tags=["positions"])


@router.post(
    "/positions",
    summary="Store a batch of GPS pings (up to 5,000); each is stored once, whatever the retries",
)
def ingest(body: PingBatchIn, principal: PrincipalDep, c: ContainerDep) -> PingBatchOut:
    batch = [ping.to_incoming() for ping in body.pings]
    found = positions.ingest(
        principal, batch, uow=c.uow(), clock=c.clock, broadcast=c.broadcaster()
    )
    return PingBatchOut.of(found)


@router.get(
    "/vehicles/{vehicle}/breadcrumbs",
    summary="The vehicle's pings of the day (the station's local day) in time order",
)
def breadcrumbs(
    vehicle: str,
    day: Day,
    principal: PrincipalDep,
    c: ContainerDep,
    min_interval_s: Annotated[
        float, Query(ge=0, description="keep at most one ping per this many seconds")
    ] = 0,
) -> BreadcrumbsOut:
    found = positions.breadcrumbs(
        principal, vehicle, day, uow=c.reader(), min_interval_s=min_interval_s
    )
    return BreadcrumbsOut(vehicle_id=vehicle, date=day, pings=[PingOut.of(p) for p in found])


@router.get(
    "/vehicles/{vehicle}/visits",
    summary="Arrivals at and departures from the stops of the vehicle's published route, "
    "read from its pings",
)
def visits(vehicle: str, day: Day, principal: PrincipalDep, c: ContainerDep) -> VisitsOut:
    found = positions.visits(principal, vehicle, day, uow=c.reader())
    return VisitsOut(vehicle_id=vehicle, date=day, visits=[VisitOut.of(v) for v in found])


@router.get("/positions/settings", summary="How long pings are kept; the geofence at stops")
def settings(principal: PrincipalDep, c: ContainerDep) -> PositionSettingsOut:
    return PositionSettingsOut.of(positions.position_settings(principal, uow=c.reader()))


@router.patch("/positions/settings", summary="Change the retention or the geofence")
def change_settings(
    body: PositionSettingsPatch, principal: PrincipalDep, c: ContainerDep
) -> PositionSettingsOut:
    changed = positions.change_position_settings(principal, body.changes(), uow=c.uow())
    return PositionSettingsOut.of(changed)
