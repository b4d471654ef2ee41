"""Delivery slots: the windows a station offers a recipient, and how many orders each holds.

A station cuts each day's opening hours into windows of ``slot_length_min`` (two hours by
default) from its opening time; a last piece shorter than a window is not offered. Each
window takes ``slot_capacity`` orders. An order counts in the slot its earliest time window
starts in, so every order counts once; orders without a window count in none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from doorstep.domain.schedules import TimeWindow, Weekday
from doorstep.domain.stations import Station


@dataclass(frozen=True)
class Slot:
    day: date  # the service day it belongs to (a night slot may start after midnight)
    window: TimeWindow
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


def day_windows(station: Station, day: date) -> list[TimeWindow]:
    """The station's slot windows on ``day``, in its time zone; none on a closed day."""
    hours = station.hours_on(Weekday(day.weekday()))
    if hours is None:
        return []
    zone = ZoneInfo(station.timezone)
    opens = datetime.combine(day, hours.start, tzinfo=zone)
    length = timedelta(minutes=station.slot_length_min)
    count = hours.duration_s // int(length.total_seconds())
    # Wall-clock steps: a slot keeps its local hours on the days the clocks change.
    starts = [opens + n * length for n in range(count)]
    return [TimeWindow(start, start + length) for start in starts]


def slots(station: Station, days: Iterable[date], booked_starts: Sequence[datetime]) -> list[Slot]:
    """Every slot of ``days`` with what is booked in it (``booked_starts``: each order's earliest
    window start)."""
    found: list[Slot] = []
    for day in days:
        for window in day_windows(station, day):
            booked = sum(1 for s in booked_starts if window.start_at <= s < window.end_at)
            found.append(Slot(day, window, station.slot_capacity, booked))
    return found


def next_free(candidates: Sequence[Slot], after: datetime, limit: int = 3) -> list[Slot]:
    """The first ``limit`` slots with room that start at or after ``after``, earliest first."""
    ahead = sorted(
        (s for s in candidates if s.free and s.window.start_at >= after),
        key=lambda s: s.window.start_at,
    )
    return ahead[:limit]
