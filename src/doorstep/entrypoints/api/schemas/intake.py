"""Bodies for order import, data-quality flags, geocoding and the needs-attention queue."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from doorstep.domain.order_fixes import FixAction, OrderFix
from doorstep.domain.order_status import OrderStatus
from doorstep.entrypoints.api.schemas.base import EntityIn, PatchIn, patch_model
from doorstep.entrypoints.api.schemas.orders import FlagOut, OrderIn
from doorstep.entrypoints.api.schemas.values import LocationIn
from doorstep.services.intake.attention import EDITABLE_FIELDS
from doorstep.services.intake.importer import MAX_API_ROWS, ImportReport, RowResult

Cell = str | int | float | bool | None


class ImportIn(EntityIn):
    shipper: str = Field(min_length=1, max_length=100, description="who sends these orders")
    station: str | None = Field(
        default=None, description="station code or id for rows without a station field"
    )
    default_date: date | None = Field(
        default=None, description="the day of windows given as times of day only"
    )
    mapping: dict[str, str] | None = Field(
        default=None, description="field names of your rows -> doorstep's fields, as --mapping"
    )
    rows: list[dict[str, Cell]] = Field(
        min_length=1,
        max_length=MAX_API_ROWS,
        description="orders as flat objects keyed like spreadsheet columns (reference, name, "
        "address, postcode, city, lat, lon, window_start, window_end, weight, barcode ...); "
        f"at most {MAX_API_ROWS} per request; send larger files to /orders:import-file",
    )


class ProblemOut(BaseModel):
    field: str
    message: str
    fix: str


class RowOut(BaseModel):
    row: int = Field(description="as numbered in the request: the first row is 2, as in a sheet")
    reference: str
    outcome: str
    order_id: str | None
    status: OrderStatus | None
    changed: list[str]
    problems: list[ProblemOut]
    flags: list[FlagOut]

    @classmethod
    def of(cls, r: RowResult) -> RowOut:
        return cls(
            row=r.row,
            reference=r.reference,
            outcome=r.outcome.value,
            order_id=r.order_id,
            status=r.status,
            changed=list(r.changed),
            problems=[ProblemOut(field=p.field, message=p.message, fix=p.fix) for p in r.problems],
            flags=[FlagOut.of(f) for f in r.flags],
        )


class ImportOut(BaseModel):
    summary: dict[str, int] = Field(
        description="created, updated, unchanged, rejected (each row once) and needs_attention"
    )
    rows: list[RowOut]

    @classmethod
    def of(cls, report: ImportReport) -> ImportOut:
        return cls(summary=report.counts, rows=[RowOut.of(r) for r in report.rows])


class NoteIn(EntityIn):
    note: str = Field(default="", max_length=1000, description="why; kept with the fix")


class ChooseCandidateIn(NoteIn):
    candidate: int = Field(ge=0, le=20, description="index in GET /orders/{id}/candidates")


class MovePinIn(NoteIn):
    location: LocationIn


# An edit takes the same fields as PATCH /orders/{id}, checked the same way.
if TYPE_CHECKING:
    EditFieldsIn = PatchIn
else:
    EditFieldsIn = patch_model(
        OrderIn, exclude=frozenset(OrderIn.model_fields) - EDITABLE_FIELDS, name="EditFieldsIn"
    )


class EditIn(NoteIn):
    changes: EditFieldsIn


class FixOut(BaseModel):
    id: str
    at: datetime
    actor: str
    action: FixAction
    changes: dict[str, list[str]] = Field(description="field: [before, after]")
    note: str

    @classmethod
    def of(cls, f: OrderFix) -> FixOut:
        return cls(
            id=f.id,
            at=f.at,
            actor=f.actor,
            action=f.action,
            changes={name: list(pair) for name, pair in f.changes.items()},
            note=f.note,
        )
