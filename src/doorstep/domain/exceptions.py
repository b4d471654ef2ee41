"""Exception cases: what went wrong in the day, who owns it, by when, and how it was resolved.

A case is opened once per thing that went wrong (its ``key``: the event, parcel or order and
day it is about), so detecting the same trouble again never opens a second case. Cases that
a later scan clears (a mis-sort followed by the right sort) resolve themselves with
``CLEARED``; the rest wait in the dispatchers' queue for a person and a resolution code.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from doorstep.domain.errors import InvalidTransition, InvalidValue


class ExceptionType(StrEnum):
    UNKNOWN_BARCODE = "unknown_barcode"
    MIS_SORT = "mis_sort"
    MIS_LOAD = "mis_load"
    SCAN_OUT_OF_SEQUENCE = "scan_out_of_sequence"  # a step missing before it
    FAILED_ATTEMPT = "failed_attempt"
    DAMAGED = "damaged"
    MISSING_PARCEL = "missing_parcel"  # left behind at departure
    MISSED_SCAN = "missed_scan"  # on a vehicle at day end: never delivered nor scanned back
    LATE_DEPARTURE = "late_departure"
    ROUTE_BEHIND = "route_behind"
    LATE_RISK = "late_risk"  # a stop projected to miss its window
    LONG_DWELL = "long_dwell"  # at a stop too long without delivering or failing


# How long each may stay open before it is overdue.
SLA = {
    ExceptionType.UNKNOWN_BARCODE: timedelta(hours=2),
    ExceptionType.MIS_SORT: timedelta(minutes=15),
    ExceptionType.MIS_LOAD: timedelta(minutes=15),
    ExceptionType.SCAN_OUT_OF_SEQUENCE: timedelta(hours=4),
    ExceptionType.FAILED_ATTEMPT: timedelta(hours=4),
    ExceptionType.DAMAGED: timedelta(hours=2),
    ExceptionType.MISSING_PARCEL: timedelta(hours=1),
    ExceptionType.MISSED_SCAN: timedelta(hours=12),
    ExceptionType.LATE_DEPARTURE: timedelta(minutes=15),
    ExceptionType.ROUTE_BEHIND: timedelta(minutes=30),
    ExceptionType.LATE_RISK: timedelta(minutes=30),
    ExceptionType.LONG_DWELL: timedelta(minutes=15),
}


class Resolution(StrEnum):
    CLEARED = "cleared"  # a later scan put it right (set by doorstep, not by people)
    FIXED = "fixed"
    RESCHEDULED = "rescheduled"
    RETURNED_TO_SENDER = "returned_to_sender"
    FOUND = "found"
    LOST = "lost"
    DAMAGED_CLAIM = "damaged_claim"
    NO_ACTION = "no_action"


class CaseStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


def problem_type(problem: str) -> ExceptionType:
    """The type of a scan's problem, from the message's stable opening (``domain.scans``)."""
    if problem.startswith("mis-sort:"):
        return ExceptionType.MIS_SORT
    if problem.startswith("mis-load:"):
        return ExceptionType.MIS_LOAD
    if problem.startswith("no parcel of this organisation"):
        return ExceptionType.UNKNOWN_BARCODE
    return ExceptionType.SCAN_OUT_OF_SEQUENCE


@dataclass(frozen=True)
class ExceptionCase:
    id: str
    organisation_id: str
    type: ExceptionType
    key: str  # what it is about, unique per organisation: "event:...", "order:...:day"
    summary: str
    opened_at: datetime
    due_at: datetime
    barcode: str = ""
    order_id: str | None = None
    owner_id: str | None = None
    status: CaseStatus = CaseStatus.OPEN
    resolution: Resolution | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    note: str = ""

    @classmethod
    def open(
        cls,
        id: str,
        organisation_id: str,
        type: ExceptionType,
        key: str,
        summary: str,
        at: datetime,
        *,
        barcode: str = "",
        order_id: str | None = None,
    ) -> ExceptionCase:
        return cls(
            id, organisation_id, type, key, summary[:500], at, at + SLA[type], barcode, order_id
        )

    def overdue(self, now: datetime) -> bool:
        return self.status is CaseStatus.OPEN and now > self.due_at

    def assigned(self, owner_id: str) -> ExceptionCase:
        self._still_open()
        return replace(self, owner_id=owner_id)

    def resolved(
        self, resolution: Resolution, at: datetime, by: str, note: str = ""
    ) -> ExceptionCase:
        self._still_open()
        if len(note) > 1000:
            raise InvalidValue("note", "up to 1000 characters")
        return replace(
            self,
            status=CaseStatus.RESOLVED,
            resolution=resolution,
            resolved_at=at,
            resolved_by=by,
            note=note,
        )

    def _still_open(self) -> None:
        if self.status is not CaseStatus.OPEN:
            raise InvalidTransition(
                f"exception {self.id}", self.status.value, "changed", frozenset()
            )
