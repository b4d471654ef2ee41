"""Breaks on a driver's route: the one the plan placed, and the pauses the driver took.

The driver app shows the planned break between the stops it follows and says "break due" when
it is time. A pause counts as a break taken when it is off duty, starts after the day's first
work (the night's rest before it is no break) and lasts at least the planned break, or the
rule set's whole break when the plan placed none. The hours-of-service clock (``hours``) stays
the judge of the law; this only answers whether the planned break happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from doorstep.domain.hours import Clock, DutyPeriod, DutyStatus


@dataclass(frozen=True)
class PlannedBreak:
    """The plan's break: after stop ``after_stop`` (0: before the first), from ``start_at``."""

    after_stop: int
    start_at: datetime
    duration_s: int

    @property
    def end_at(self) -> datetime:
        return self.start_at + timedelta(seconds=self.duration_s)


@dataclass(frozen=True)
class BreakStatus:
    """Where the driver stands with breaks at ``at``; ``due`` is what the app shows."""

    driver_id: str
    at: datetime
    taken: tuple[DutyPeriod, ...]  # pauses that count as a break, in time order
    on_break: bool  # off duty at ``at`` after the day's first work
    due: bool
    until_break_s: float  # driving left before the rule set requires a break


def taken(periods: Sequence[DutyPeriod], since: datetime, min_s: int) -> tuple[DutyPeriod, ...]:
    """Off-duty pauses from ``since`` of at least ``min_s`` seconds that follow the day's
    first work (on duty or driving); the last may still be running."""
    found = []
    working = False
    for period in sorted((p for p in periods if p.start >= since), key=lambda p: p.start):
        if period.status is not DutyStatus.OFF_DUTY:
            working = True
        elif working and (period.end - period.start).total_seconds() >= min_s:
            found.append(period)
    return tuple(found)


def status(
    driver_id: str,
    periods: Sequence[DutyPeriod],
    since: datetime,
    planned: Sequence[PlannedBreak],
    clock: Clock,
    min_s: int,
) -> BreakStatus:
    """The break status at ``clock.at``: due when the rule set's clock says so, or when a
    planned break's start has come and no break was taken since the day's work began.

    ``periods`` run up to ``clock.at``; ``min_s`` is how long a pause must last to count.
    """
    pauses = taken(periods, since, min_s)
    started = [p for p in periods if p.start >= since and p.status is not DutyStatus.OFF_DUTY]
    on_break = bool(started) and clock.status is DutyStatus.OFF_DUTY
    planned_due = any(b.start_at <= clock.at for b in planned) and not pauses
    return BreakStatus(
        driver_id,
        clock.at,
        pauses,
        on_break,
        due=(clock.break_due or planned_due) and not on_break,
        until_break_s=clock.until_break_s,
    )
