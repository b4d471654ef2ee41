"""What an import says about each row, and the options it runs with."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from doorstep.domain.flags import Flag
from doorstep.domain.order_status import OrderStatus
from doorstep.services.intake.rows import Problem
from doorstep.services.intake.values import Formats


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True)
class RowResult:
    """What became of one row: its order, what changed, what is wrong with it."""

    row: int
    reference: str
    outcome: Outcome
    order_id: str | None = None
    status: OrderStatus | None = None
    changed: tuple[str, ...] = ()  # fields an update changed
    problems: tuple[Problem, ...] = ()  # why a row was rejected
    flags: tuple[Flag, ...] = ()  # what the checks found on its order


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """created, updated, unchanged, needs_attention and rejected; each row counted once
        in the first four, and needs_attention counts the file's orders waiting for a person."""
        counts = Counter(r.outcome.value for r in self.rows)
        summary = {o.value: counts[o.value] for o in Outcome}
        summary["needs_attention"] = sum(r.status is OrderStatus.NEEDS_ATTENTION for r in self.rows)
        return summary


@dataclass(frozen=True)
class ImportOptions:
    shipper: str
    station: str | None = None  # code or id, for rows without a station column
    default_date: date | None = None  # for windows given as times of day without a date
    timezone: str = "UTC"  # for times without an offset when no station says otherwise
    formats: Formats | None = None  # units and date order the file's header declares
