"""Ending a route: the post-trip inspection sent with it, and what the end recorded."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from doorstep.entrypoints.api.schemas.inspections import ItemIn
from doorstep.services.route_ends import RouteEnded


class RouteEndIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[ItemIn] | None = Field(
        None,
        description="the post-trip checklist, every item answered once; leave out to use the "
        "latest post-trip inspection submitted since the departure",
    )
    odometer_km: int | None = Field(None, ge=0, le=10_000_000)


class RouteEndOut(BaseModel):
    id: str
    vehicle_id: str
    vehicle_name: str
    departure_id: str
    service_date: dt.date
    ended_at: dt.datetime
    ended_by: str
    odometer_km: int | None
    inspection_id: str
    defects: list[str] = Field(description="what the post-trip inspection found")
    maintenance_id: str | None = Field(
        description="opened by an unsafe defect: the vehicle is grounded until it is closed"
    )
    on_board: list[str] = Field(
        description="barcodes still on the vehicle at the end: scan them back in at the "
        "station; each has a missed_scan case until then"
    )

    @classmethod
    def of(cls, ended: RouteEnded) -> RouteEndOut:
        e, i = ended.end, ended.inspection
        return cls(
            id=e.id,
            vehicle_id=e.vehicle_id,
            vehicle_name=ended.vehicle.name,
            departure_id=e.departure_id,
            service_date=e.service_date,
            ended_at=e.ended_at,
            ended_by=e.actor_id,
            odometer_km=e.odometer_km,
            inspection_id=e.inspection_id,
            defects=[f"{d.item}: {d.defect}" for d in i.defects],
            maintenance_id=e.maintenance_id,
            on_board=list(e.on_board),
        )
