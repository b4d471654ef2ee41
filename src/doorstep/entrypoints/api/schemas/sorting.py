"""The sort plan as the API returns it."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from doorstep.domain.sorting import SortLine
from doorstep.services.sorting import SortPlan


class SortLineOut(BaseModel):
    barcode: str
    order_id: str
    lane: str
    position: int
    load_index: int
    vehicle_id: str
    vehicle_name: str
    stops_on_route: int
    shipper_reference: str
    recipient_name: str
    address: str
    planned: str

    @classmethod
    def of(cls, line: SortLine) -> SortLineOut:
        a = line.assignment
        return cls(
            barcode=a.barcode,
            order_id=a.order_id,
            lane=a.lane,
            position=a.position,
            load_index=a.load_index,
            vehicle_id=a.vehicle_id,
            vehicle_name=line.vehicle_name,
            stops_on_route=line.stops_on_route,
            shipper_reference=line.shipper_reference,
            recipient_name=line.recipient_name,
            address=line.address,
            planned=line.window,
        )


class SortPlanOut(BaseModel):
    station_id: str
    station_code: str
    service_date: dt.date
    plan_id: str
    plan_number: int
    lines: list[SortLineOut]

    @classmethod
    def of(cls, plan: SortPlan) -> SortPlanOut:
        return cls(
            station_id=plan.station.id,
            station_code=plan.station.code,
            service_date=plan.version.service_date,
            plan_id=plan.version.id,
            plan_number=plan.version.number,
            lines=[SortLineOut.of(line) for line in plan.lines],
        )
