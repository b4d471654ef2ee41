"""Drivers' hours of service: FMCSA and EU daily limits, warnings and violations."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from doorstep.domain.errors import InvalidValue
from doorstep.domain.hours import (
    EU_561,
    FMCSA_PROPERTY,
    DutyPeriod,
    DutyStatus,
    FindingKind,
    Limit,
    Rules,
    clock,
    findings,
    periods_of,
)

PLUS1 = timezone(timedelta(hours=1))
SIX = datetime(2026, 11, 23, 6, 0, tzinfo=PLUS1)
OFF, ON, DRIVE = DutyStatus.OFF_DUTY, DutyStatus.ON_DUTY, DutyStatus.DRIVING
H = 60  # minutes in an hour, so steps read "4 * H + 30"


def day(*steps: tuple[DutyStatus, int], start: datetime = SIX) -> list[DutyPeriod]:
    """Contiguous periods from ``start``, each step (status, minutes)."""
    periods = []
    for status, minutes in steps:
        end = start + timedelta(minutes=minutes)
        periods.append(DutyPeriod(status, start, end))
        start = end
    return periods


def at(hour: int, minute: int = 0, *, days: int = 0) -> datetime:
    return SIX.replace(hour=hour, minute=minute) + timedelta(days=days)


def violations(
    periods: list[DutyPeriod], rules: Rules, when: datetime
) -> list[tuple[str, datetime]]:
    found = findings(periods, rules, at=when)
    return [(f.rule, f.at) for f in found if f.kind is FindingKind.VIOLATION]


# --- FMCSA property-carrying -------------------------------------------------------------------


def test_fmcsa_eight_hours_driving_exactly_is_no_breach_but_a_break_is_due() -> None:
    """Driving that stops at exactly 8 h breaks nothing; the clock says a break is due."""
    periods = day((DRIVE, 8 * H))  # 06:00-14:00
    state = clock(periods, FMCSA_PROPERTY, at(14))
    assert violations(periods, FMCSA_PROPERTY, at(14)) == []
    assert state.break_due
    assert state.until_break_s == 0
    assert state.driving_left_s == 3 * 3600  # 11 h - 8 h


def test_fmcsa_driving_on_past_eight_hours_is_a_break_violation_at_the_eight_hour_mark() -> None:
    """Driving 8 h 30 min straight from 06:00 breaches the break rule at 14:00, 30 min over."""
    periods = day((DRIVE, 8 * H + 30))  # 06:00-14:30
    [finding] = findings(periods, FMCSA_PROPERTY, at=at(14, 30))
    assert (finding.kind, finding.rule, finding.at) == (FindingKind.VIOLATION, Limit.BREAK, at(14))
    assert finding.message == (
        "8 h of driving without a 30 min break reached at 14:00; 30 min over"
    )


def test_fmcsa_short_interruption_moves_the_violation_to_when_driving_resumes() -> None:
    """8 h driving, 10 min on duty (too short), driving again: the breach starts at 14:10."""
    periods = day((DRIVE, 8 * H), (ON, 10), (DRIVE, H))  # resumes 14:10, 1 h over
    [finding] = findings(periods, FMCSA_PROPERTY, at=at(15, 10))
    assert (finding.rule, finding.at) == (Limit.BREAK, at(14, 10))
    assert finding.message.endswith("; 1 h over")


def test_fmcsa_thirty_minutes_on_duty_not_driving_counts_as_the_break() -> None:
    """Since 2020 any 30-min non-driving interruption resets the 8 h count, work included."""
    periods = day((DRIVE, 4 * H), (ON, 30), (DRIVE, 5 * H))  # 06:00-15:30
    state = clock(periods, FMCSA_PROPERTY, at(15, 30))
    assert violations(periods, FMCSA_PROPERTY, at(15, 30)) == []
    assert state.until_break_s == 3 * 3600  # 8 h - 5 h since the interruption
    assert state.driving_s == 9 * 3600  # the interruption does not reset the daily total


def test_fmcsa_eleven_hour_driving_limit() -> None:
    """6 h + 5 h 12 min of driving: the limit is passed at 17:30 and the driver is 12 min over."""
    # 06:00-12:00 drive 6 h; 12:00-12:30 off; 12:30-17:42 drive. 6 h + 5 h = 11 h at 17:30.
    periods = day((DRIVE, 6 * H), (OFF, 30), (DRIVE, 5 * H + 12))
    [finding] = findings(periods, FMCSA_PROPERTY, at=at(17, 42))
    assert (finding.rule, finding.at) == (Limit.DRIVING_LIMIT, at(17, 30))
    assert finding.message == "11 h of driving reached at 17:30; 12 min over"
    assert clock(periods, FMCSA_PROPERTY, at(17, 42)).driving_left_s == 0


def test_fmcsa_fourteen_hour_window_even_with_driving_hours_left() -> None:
    """Driving after 06:00 + 14 h = 20:00 is a violation though only 9 h were driven."""
    # drive 06-11 (5 h), on duty 11-16, drive 16-18 (2 h), off 18-19, drive 19-21 (2 h) = 9 h.
    periods = day((DRIVE, 5 * H), (ON, 5 * H), (DRIVE, 2 * H), (OFF, H), (DRIVE, 2 * H))
    [finding] = findings(periods, FMCSA_PROPERTY, at=at(21))
    assert (finding.rule, finding.at) == (Limit.WINDOW, at(20))
    assert finding.message.endswith("from 20:00; 1 h over")
    state = clock(periods, FMCSA_PROPERTY, at(21))
    assert (state.driving_left_s, state.window_left_s) == (2 * 3600, 0)


def test_fmcsa_window_opens_with_on_duty_work_and_off_duty_does_not_stop_it() -> None:
    """On duty from 06:00 opens the window; at 10:00, after 2 h off, 10 h of it are left."""
    periods = day((ON, 2 * H), (OFF, 2 * H))
    assert clock(periods, FMCSA_PROPERTY, at(10)).window_left_s == 10 * 3600


@pytest.mark.parametrize(
    ("rest_min", "expected"),
    [
        (10 * H, []),
        # one minute short: the next day's first hour of driving (03:29-04:29) is still "today",
        # already at 11 h and after the window that closed 20:00 the day before.
        (10 * H - 1, [(Limit.DRIVING_LIMIT, at(3, 29, days=1)), (Limit.WINDOW, at(3, 29, days=1))]),
    ],
)
def test_fmcsa_ten_hours_off_duty_start_a_new_day(
    rest_min: int, expected: list[tuple[str, datetime]]
) -> None:
    """10 h off duty reset the driving total, the window and the break count; 9 h 59 min do not."""
    # 06:00-12:00 drive, 12:00-12:30 off, 12:30-17:30 drive: 11 h, exactly the limit.
    periods = day((DRIVE, 6 * H), (OFF, 30), (DRIVE, 5 * H), (OFF, rest_min), (DRIVE, H))
    end = periods[-1].end
    assert violations(periods, FMCSA_PROPERTY, end) == expected
    if not expected:
        state = clock(periods, FMCSA_PROPERTY, end)  # 04:30 the next day, 1 h into the day
        assert state.driving_s == 3600
        assert state.window_left_s == 13 * 3600
        assert state.until_break_s == 7 * 3600


def test_gaps_between_periods_count_as_off_duty() -> None:
    """A 10 h gap with no period in it is a rest like 10 h recorded off duty."""
    evening = DutyPeriod(DRIVE, at(12, 30), at(17, 30))
    morning = DutyPeriod(DRIVE, at(3, 30, days=1), at(4, 30, days=1))
    periods = [*day((DRIVE, 6 * H)), evening, morning]
    assert clock(periods, FMCSA_PROPERTY, at(4, 30, days=1)).driving_s == 3600


# --- EU 561/2006 -------------------------------------------------------------------------------


def test_eu_forty_five_minute_break_after_four_and_a_half_hours() -> None:
    """4 h 30 min driving, 45 min off, 4 h 30 min driving: 9 h exactly, nothing breached."""
    periods = day((DRIVE, 4 * H + 30), (OFF, 45), (DRIVE, 4 * H + 30))  # ends 15:45
    state = clock(periods, EU_561, at(15, 45))
    assert violations(periods, EU_561, at(15, 45)) == []
    assert (state.driving_left_s, state.until_break_s, state.break_due) == (0, 0, True)
    assert state.window_left_s is None


def test_eu_split_break_fifteen_then_thirty_is_valid() -> None:
    """3 h, 15 min off, 1 h 30 min, 30 min off, 4 h: the split break resets the 4 h 30 min count."""
    periods = day((DRIVE, 3 * H), (OFF, 15), (DRIVE, 90), (OFF, 30), (DRIVE, 4 * H))
    end = periods[-1].end  # 06:00 + 9 h 15 min = 15:15
    assert violations(periods, EU_561, end) == []
    assert clock(periods, EU_561, end).until_break_s == 30 * 60  # 4 h 30 min - 4 h


def test_eu_split_break_thirty_then_fifteen_is_not_a_break() -> None:
    """30 min then 15 min is the wrong order: driving on after 4 h 30 min is a violation."""
    # drive 06:00-09:00, off -09:30, drive -11:00 (4 h 30 min), off -11:15, drive -12:15.
    periods = day((DRIVE, 3 * H), (OFF, 30), (DRIVE, 90), (OFF, 15), (DRIVE, H))
    [finding] = findings(periods, EU_561, at=at(12, 15))
    assert (finding.rule, finding.at) == (Limit.BREAK, at(11, 15))
    assert finding.message == (
        "4 h 30 min of driving without a 45 min break reached at 11:15; 1 h over"
    )


def test_eu_other_work_is_not_a_break() -> None:
    """45 min of loading after 4 h 30 min of driving is no break: driving on breaches at 11:15."""
    periods = day((DRIVE, 4 * H + 30), (ON, 45), (DRIVE, 30))  # 06:00-10:30, -11:15, -11:45
    assert violations(periods, EU_561, at(11, 45)) == [(Limit.BREAK, at(11, 15))]
    fmcsa = day((DRIVE, 7 * H), (ON, 45), (DRIVE, 2 * H))  # the same shape is fine in the US
    assert violations(fmcsa, FMCSA_PROPERTY, fmcsa[-1].end) == []


def test_eu_nine_hour_daily_driving_limit() -> None:
    """4 h 30 + 4 h + 1 h of driving with proper breaks: 9 h is passed at 16:30, 30 min over."""
    # 06:00-10:30 drive, -11:15 off, -15:15 drive (8 h 30), -16:00 off, 16:00-17:00 drive.
    periods = day((DRIVE, 4 * H + 30), (OFF, 45), (DRIVE, 4 * H), (OFF, 45), (DRIVE, H))
    [finding] = findings(periods, EU_561, at=at(17))
    assert (finding.rule, finding.at) == (Limit.DRIVING_LIMIT, at(16, 30))
    assert finding.message == "9 h of driving reached at 16:30; 30 min over"


# --- Warnings ----------------------------------------------------------------------------------


def test_warning_twenty_five_minutes_before_the_fmcsa_break_is_due() -> None:
    """At 13:35, 7 h 35 min into driving, the driver is told to break within 25 min."""
    periods = day((DRIVE, 10 * H))  # planned to 16:00; the clock cuts it at 13:35
    [finding] = findings(periods, FMCSA_PROPERTY, at=at(13, 35))
    assert (finding.kind, finding.rule, finding.at) == (
        FindingKind.WARNING,
        Limit.BREAK,
        at(13, 35),
    )
    assert finding.message == "take a 30-minute break within 25 min"


def test_no_warning_when_not_driving() -> None:
    """Stopped (off duty) at 13:40 with 25 min of driving left before the break: no warning."""
    periods = day((DRIVE, 7 * H + 35), (OFF, 5))
    assert findings(periods, FMCSA_PROPERTY, at=at(13, 40)) == []
    assert clock(periods, FMCSA_PROPERTY, at(13, 40)).until_break_s == 25 * 60


def test_eu_warning_names_the_split_and_a_breached_limit_is_not_also_warned() -> None:
    """EU warning offers the split; once the break is breached only the violation remains."""
    periods = day((DRIVE, 5 * H))
    [warning] = findings(periods, EU_561, at=at(10, 10))
    assert warning.message == "take a 45-minute break (or 15 min then 30 min) within 20 min"
    assert [f.kind for f in findings(periods, EU_561, at=at(11))] == [FindingKind.VIOLATION]


# --- Bad input ---------------------------------------------------------------------------------


def test_overlapping_periods_are_refused() -> None:
    """Two periods sharing time name the periods field, whatever order they are given in."""
    first = DutyPeriod(DRIVE, at(6), at(8))
    second = DutyPeriod(ON, at(7, 30), at(9))
    with pytest.raises(InvalidValue) as raised:
        clock([second, first], FMCSA_PROPERTY, at(9))
    assert raised.value.field == "periods"


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (SIX.replace(tzinfo=None), SIX + timedelta(hours=1), "start"),
        (SIX, (SIX + timedelta(hours=1)).replace(tzinfo=None), "end"),
        (SIX, SIX - timedelta(minutes=1), "end"),
        (SIX, SIX, "end"),
    ],
)
def test_bad_periods_are_refused(start: datetime, end: datetime, field: str) -> None:
    """Naive times and an end at or before the start name the offending field."""
    with pytest.raises(InvalidValue) as raised:
        DutyPeriod(DRIVE, start, end)
    assert raised.value.field == field


def test_naive_at_is_refused() -> None:
    """The instant asked about must carry an offset too."""
    with pytest.raises(InvalidValue) as raised:
        findings(day((DRIVE, H)), EU_561, at=at(7).replace(tzinfo=None))
    assert raised.value.field == "at"


# --- Properties --------------------------------------------------------------------------------

steps_strategy = st.lists(
    st.tuples(st.sampled_from(list(DutyStatus)), st.integers(1, 5 * H), st.integers(0, 2 * H)),
    min_size=1,
    max_size=12,
)
rules_strategy = st.sampled_from([FMCSA_PROPERTY, EU_561])


def with_gaps(steps: list[tuple[DutyStatus, int, int]]) -> list[DutyPeriod]:
    """Periods from (status, minutes, gap minutes before it), starting at midnight UTC."""
    start = datetime(2026, 11, 23, tzinfo=UTC)
    periods = []
    for status, minutes, gap in steps:
        start += timedelta(minutes=gap)
        periods.append(DutyPeriod(status, start, start + timedelta(minutes=minutes)))
        start += timedelta(minutes=minutes)
    return periods


def longest_off_min(steps: list[tuple[DutyStatus, int, int]]) -> int:
    longest = run = 0
    for status, minutes, gap in steps:
        run += gap
        longest = max(longest, run)
        run = run + minutes if status is OFF else 0
        longest = max(longest, run)
    return longest


@given(steps_strategy, rules_strategy)
def test_driving_left_never_increases_within_a_day(
    steps: list[tuple[DutyStatus, int, int]], rules: Rules
) -> None:
    """Without a daily rest, driving left only falls, by exactly the time driven until 0."""
    assume(longest_off_min(steps) < rules.daily_rest_s // 60)
    periods = with_gaps(steps)
    instants = sorted({p.start for p in periods} | {p.end for p in periods})
    instants += [p.start + (p.end - p.start) / 2 for p in periods]
    left = {t: clock(periods, rules, t).driving_left_s for t in sorted(instants)}
    ordered = sorted(left)
    assert all(left[a] >= left[b] for a, b in itertools.pairwise(ordered))
    for p in (p for p in periods if p.status is DRIVE):
        driven_s = (p.end - p.start).total_seconds()
        assert left[p.end] == max(0.0, left[p.start] - driven_s)


@given(steps_strategy, rules_strategy, st.integers(0, 12 * H))
def test_every_violation_lies_within_a_driving_period(
    steps: list[tuple[DutyStatus, int, int]], rules: Rules, after_min: int
) -> None:
    """Only driving breaks a limit: each violation's instant falls inside a driving period."""
    periods = with_gaps(steps)
    when = periods[-1].end + timedelta(minutes=after_min)
    driving = [p for p in periods if p.status is DRIVE]
    for rule, instant in violations(periods, rules, when):
        assert any(p.start <= instant < p.end for p in driving), (rule, instant)


def test_a_driver_without_duty_changes_has_no_periods() -> None:
    """No change reported yet (a new driver, or none in the window read): no periods, off duty."""
    until = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert periods_of([], until) == []
    assert clock([], EU_561, until).status is DutyStatus.OFF_DUTY
