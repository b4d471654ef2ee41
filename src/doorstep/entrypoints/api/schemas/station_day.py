"""The station's day as the API returns it: sort plan, receiving, day end."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from doorstep.domain.reconciliation import Expected, Whereabouts
from doorstep.domain.sorting import SortLine
from doorstep.services.reconciliation import DayEndReport, ReceivingReport
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


class ParcelRefOut(BaseModel):
    barcode: str
    order_id: str
    shipper: str
    shipper_reference: str

    @classmethod
    def of(cls, e: Expected) -> ParcelRefOut:
        return cls(
            barcode=e.barcode,
            order_id=e.order_id,
            shipper=e.shipper,
            shipper_reference=e.shipper_reference,
        )


class ManifestOut(BaseModel):
    shipper: str
    expected: int
    received: list[str]
    missing: list[ParcelRefOut]
    damaged: list[str]


class UnexpectedOut(BaseModel):
    barcode: str
    why: str


class ReceivingOut(BaseModel):
    station_code: str
    service_date: dt.date
    manifests: list[ManifestOut]
    unexpected: list[UnexpectedOut]

    @classmethod
    def of(cls, report: ReceivingReport) -> ReceivingOut:
        r = report.receiving
        manifests = [
            ManifestOut(
                shipper=m.shipper,
                expected=m.expected,
                received=list(m.received),
                missing=[ParcelRefOut.of(e) for e in m.missing],
                damaged=list(m.damaged),
            )
            for m in r.manifests
        ]
        unexpected = [UnexpectedOut(barcode=b, why=w) for b, w in r.unexpected]
        return cls(
            station_code=report.station.code,
            service_date=report.day,
            manifests=manifests,
            unexpected=unexpected,
        )


class DayEndOut(BaseModel):
    station_code: str
    service_date: dt.date
    counts: dict[Whereabouts, int]
    unaccounted: list[ParcelRefOut]

    @classmethod
    def of(cls, report: DayEndReport) -> DayEndOut:
        end = report.day_end
        return cls(
            station_code=report.station.code,
            service_date=report.day,
            counts={w: end.count(w) for w in Whereabouts},
            unaccounted=[ParcelRefOut.of(e) for e in end.unaccounted],
        )
