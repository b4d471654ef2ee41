"""JSON endpoints the station page needs beyond the public API: the floor, lane by lane.

The public API gives the sort plan (where parcels belong), receiving per shipper and one
vehicle's load-out; the station screens also count what is left to sort in every lane and to
load on every vehicle at once, which this gives in one read.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel, Field

from doorstep.entrypoints.api.deps import ContainerDep, Day, PrincipalDep
from doorstep.services import station_floor

router = APIRouter(prefix="/api/v1", tags=["pages"])


class FloorParcelOut(BaseModel):
    barcode: str
    order_id: str
    lane: str = Field(description="the lane the sort plan puts it in")
    vehicle_id: str = Field(description="the vehicle the sort plan puts it on")
    position: int
    load_index: int
    status: str = Field(description="the parcel's status from its scans")
    stage: str = Field(description="expected, received, sorted, loaded or gone")
    scanned_lane: str = Field(description="the lane its last applied sort scan named")
    scanned_vehicle_id: str = Field(description="the vehicle its last applied load scan named")


class FloorLaneOut(BaseModel):
    lane: str
    vehicle_id: str
    vehicle_name: str
    parcels: int
    counts: dict[str, int] = Field(description="parcels per stage: every stage, zero included")


class FloorOut(BaseModel):
    station_code: str
    service_date: dt.date
    plan_id: str
    plan_number: int
    lanes: list[FloorLaneOut]
    parcels: list[FloorParcelOut]

    @classmethod
    def of(cls, found: station_floor.Floor) -> FloorOut:
        return cls(
            station_code=found.station.code,
            service_date=found.day,
            plan_id=found.version.id,
            plan_number=found.version.number,
            lanes=[
                FloorLaneOut(
                    lane=lane.lane,
                    vehicle_id=lane.vehicle_id,
                    vehicle_name=lane.vehicle_name,
                    parcels=lane.parcels,
                    counts=lane.counts,
                )
                for lane in found.lanes
            ],
            parcels=[
                FloorParcelOut(
                    barcode=p.assignment.barcode,
                    order_id=p.assignment.order_id,
                    lane=p.assignment.lane,
                    vehicle_id=p.assignment.vehicle_id,
                    position=p.assignment.position,
                    load_index=p.assignment.load_index,
                    status=p.status.value,
                    stage=p.stage,
                    scanned_lane=p.lane,
                    scanned_vehicle_id=p.vehicle_id,
                )
                for p in found.parcels
            ],
        )


@router.get(
    "/stations/{station}/floor",
    summary="Each lane of the published sort plan with its parcels by stage, and each parcel's",
)
def floor(station: str, day: Day, principal: PrincipalDep, c: ContainerDep) -> FloorOut:
    return FloorOut.of(station_floor.floor(principal, station, day, uow=c.reader()))
