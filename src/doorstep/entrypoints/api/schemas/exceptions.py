"""Exception cases as the API shows them, and the bodies that assign and resolve them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from doorstep.domain.exceptions import CaseStatus, ExceptionCase, ExceptionType, Resolution


class CaseOut(BaseModel):
    id: str
    type: ExceptionType
    summary: str
    barcode: str
    order_id: str | None
    owner_id: str | None
    status: CaseStatus
    opened_at: datetime
    due_at: datetime
    overdue: bool
    resolution: Resolution | None
    resolved_at: datetime | None
    resolved_by: str | None
    note: str

    @classmethod
    def of(cls, case: ExceptionCase, now: datetime) -> CaseOut:
        return cls(
            id=case.id,
            type=case.type,
            summary=case.summary,
            barcode=case.barcode,
            order_id=case.order_id,
            owner_id=case.owner_id,
            status=case.status,
            opened_at=case.opened_at,
            due_at=case.due_at,
            overdue=case.overdue(now),
            resolution=case.resolution,
            resolved_at=case.resolved_at,
            resolved_by=case.resolved_by,
            note=case.note,
        )


class CasePageOut(BaseModel):
    items: list[CaseOut]
    next_cursor: str | None


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner_id: str = Field(description="the user who takes the case")


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resolution: Resolution = Field(description="how it was resolved (not 'cleared')")
    note: str = Field("", max_length=1000)
