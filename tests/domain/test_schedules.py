"""Time windows, daily shifts and weekly opening hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone

import pytest

from doorstep.domain.errors import InvalidValue
from doorstep.domain.schedules import (
    DailyWindow,
    OpeningHours,
    TimeWindow,
    Weekday,
    check_windows,
)

PLUS2 = timezone(timedelta(hours=2))
NINE = datetime(2026, 11, 21, 9, 0, tzinfo=PLUS2)


def test_window_ending_before_it_starts_is_refused() -> None:
    """A window whose end is at or before its start names end_at."""
    for end in (NINE - timedelta(minutes=1), NINE):
        with pytest.raises(InvalidValue) as raised:
            TimeWindow(NINE, end)
        assert raised.value.field == "end_at"


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (NINE.replace(tzinfo=None), NINE + timedelta(hours=1), "start_at"),
        (NINE, NINE.replace(hour=10, tzinfo=None), "end_at"),
    ],
)
def test_naive_window_times_are_refused(start: datetime, end: datetime, field: str) -> None:
    """Both ends of a window must carry an offset; the naive one is named."""
    with pytest.raises(InvalidValue) as raised:
        TimeWindow(start, end)
    assert raised.value.field == field


def test_windows_compare_instants_across_offsets() -> None:
    """09:00+02:00 is 07:00 UTC: a window contains instants given in any offset."""
    window = TimeWindow(NINE, NINE + timedelta(hours=2))
    assert window.contains(datetime(2026, 11, 21, 7, 30, tzinfo=UTC))
    assert not window.contains(datetime(2026, 11, 21, 9, 30, tzinfo=UTC))


def test_overlapping_windows_are_refused() -> None:
    """Alternative windows of one stop may touch but not overlap, whatever order they come in."""
    morning = TimeWindow(NINE, NINE + timedelta(hours=2))
    touching = TimeWindow(NINE + timedelta(hours=2), NINE + timedelta(hours=3))
    overlapping = TimeWindow(NINE + timedelta(hours=1), NINE + timedelta(hours=3))
    check_windows("time_windows", (touching, morning))
    with pytest.raises(InvalidValue) as raised:
        check_windows("time_windows", (overlapping, morning))
    assert raised.value.field == "time_windows"


@pytest.mark.parametrize(
    ("start", "end", "duration_s"),
    [
        (time(7), time(17), 10 * 3600),
        (time(22), time(6), 8 * 3600),
        (time(23, 59, 30), time(0, 0, 15), 45),
        (time(0), time(23, 59), 24 * 3600 - 60),
    ],
)
def test_daily_window_duration_spans_midnight(start: time, end: time, duration_s: int) -> None:
    """An end before the start means the window runs past midnight into the next day."""
    assert DailyWindow(start, end).duration_s == duration_s


def test_empty_daily_window_is_refused() -> None:
    """A shift that starts when it ends is ambiguous (nothing or all day) and is refused."""
    with pytest.raises(InvalidValue) as raised:
        DailyWindow(time(8), time(8))
    assert raised.value.field == "end"


def test_opening_hours_list_each_weekday_once() -> None:
    """A weekday given twice is refused; absent weekdays are closed."""
    day = DailyWindow(time(8), time(16))
    with pytest.raises(InvalidValue) as raised:
        OpeningHours(((Weekday.MONDAY, day), (Weekday.MONDAY, day)))
    assert raised.value.field == "opening_hours"
    weekdays = OpeningHours(((Weekday.MONDAY, day),))
    assert (weekdays.on(Weekday.MONDAY), weekdays.on(Weekday.SUNDAY)) == (day, None)
    assert all(OpeningHours.every_day(day).on(d) == day for d in Weekday)
