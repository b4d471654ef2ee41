"""Inspection bodies: a checklist answered, and what it found."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from doorstep.domain.inspections import CHECKLIST, Inspection, InspectionKind, MaintenanceRecord


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: str = Field(description="one of: " + ", ".join(CHECKLIST))
    ok: bool
    defect: str = Field("", max_length=500, description="what is wrong, when not ok")
    unsafe: bool = Field(False, description="the vehicle must not be driven")


class InspectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: InspectionKind
    items: list[ItemIn] = Field(description="every checklist item, answered once")


class MaintenanceOut(BaseModel):
    id: str
    vehicle_id: str
    inspection_id: str
    opened_at: dt.datetime
    defects: list[str]
    closed_at: dt.datetime | None
    closed_by: str | None
    note: str

    @classmethod
    def of(cls, r: MaintenanceRecord) -> MaintenanceOut:
        return cls(
            id=r.id,
            vehicle_id=r.vehicle_id,
            inspection_id=r.inspection_id,
            opened_at=r.opened_at,
            defects=list(r.defects),
            closed_at=r.closed_at,
            closed_by=r.closed_by,
            note=r.note,
        )


class InspectionOut(BaseModel):
    id: str
    vehicle_id: str
    service_date: dt.date
    kind: InspectionKind
    inspected_at: dt.datetime
    defects: list[str]
    unsafe: bool
    maintenance: MaintenanceOut | None

    @classmethod
    def of(cls, i: Inspection, record: MaintenanceRecord | None) -> InspectionOut:
        return cls(
            id=i.id,
            vehicle_id=i.vehicle_id,
            service_date=i.service_date,
            kind=i.kind,
            inspected_at=i.inspected_at,
            defects=[f"{d.item}: {d.defect}" for d in i.defects],
            unsafe=bool(i.unsafe),
            maintenance=MaintenanceOut.of(record) if record else None,
        )


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=1000, description="what was repaired")
