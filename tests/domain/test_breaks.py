"""Breaks on a driver's route: which pauses count as the break, and when one is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from doorstep.domain.breaks import BreakStatus, PlannedBreak, status, taken
from doorstep.domain.hours import EU_561, DutyPeriod, DutyStatus, clock

MIDNIGHT = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
H, M = timedelta(hours=1), timedelta(minutes=1)
OFF, ON, DRIVE = DutyStatus.OFF_DUTY, DutyStatus.ON_DUTY, DutyStatus.DRIVING
LUNCH = PlannedBreak(after_stop=4, start_at=MIDNIGHT + 11 * H, duration_s=1800)


def day(*spans: tuple[DutyStatus, float, float]) -> list[DutyPeriod]:
    """Periods from (status, start hour, end hour) after midnight."""
    return [DutyPeriod(s, MIDNIGHT + a * H, MIDNIGHT + b * H) for s, a, b in spans]


def read(periods: list[DutyPeriod], hour: float, planned: tuple[PlannedBreak, ...] = (LUNCH,),
         min_s: int = 1800) -> BreakStatus:  # fmt: skip
    """The break status at ``hour`` after midnight, under the EU rules."""
    now = clock(periods, EU_561, MIDNIGHT + hour * H)
    return status("drv", periods, MIDNIGHT, planned, now, min_s)


def test_the_nights_rest_and_short_pauses_are_no_break() -> None:
    """Off duty until 7:00 is the rest before work; 10 minutes at 9:00 is too short."""
    short = 9 + 1 / 6
    periods = day((OFF, 0, 7), (ON, 7, 8), (DRIVE, 8, 9), (OFF, 9, short), (DRIVE, short, 11),
                  (OFF, 11, 11.5), (DRIVE, 11.5, 12))  # fmt: skip
    assert taken(periods, MIDNIGHT, 1800) == (periods[5],)
    assert taken(periods, MIDNIGHT, 3600) == ()
    assert taken(periods, MIDNIGHT + 11.25 * H, 1800) == ()  # only pauses from ``since`` count


def test_the_planned_break_is_due_once_its_time_comes_until_taken() -> None:
    """Lunch is planned at 11:00: not due at 10:30, due at 11:15, not while off duty, and
    not once a 30-minute pause was taken."""
    before = read(day((ON, 7, 8), (DRIVE, 8, 10.5)), 10.5)
    assert (before.due, before.on_break, before.taken) == (False, False, ())
    assert read(day((ON, 7, 8), (DRIVE, 8, 11.25)), 11.25).due
    pausing = read(day((ON, 7, 8), (DRIVE, 8, 11.25), (OFF, 11.25, 11.5)), 11.5)
    assert (pausing.due, pausing.on_break) == (False, True)
    back = day((ON, 7, 8), (DRIVE, 8, 11.25), (OFF, 11.25, 11.75), (DRIVE, 11.75, 12))
    done = read(back, 12)
    assert (done.due, done.on_break, done.taken) == (False, False, (back[2],))


def test_the_rules_make_a_break_due_without_a_planned_one() -> None:
    """EU: 4 h 30 min of driving without a break; nothing planned, yet a break is due."""
    found = read(day((ON, 7, 7.5), (DRIVE, 7.5, 12)), 12, planned=(), min_s=2700)
    assert found.due
    assert found.until_break_s == 0
    assert LUNCH.end_at == MIDNIGHT + 11.5 * H
