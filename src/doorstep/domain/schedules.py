"""Windows of time: absolute delivery windows, daily shifts and weekly opening hours."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, time
from enum import IntEnum

from doorstep.domain.checks import aware
from doorstep.domain.errors import InvalidValue


@dataclass(frozen=True)
class TimeWindow:
    """An absolute interval [start_at, end_at] during which a stop may be served."""

    start_at: datetime
    end_at: datetime

    def __post_init__(self) -> None:
        aware("start_at", self.start_at)
        aware("end_at", self.end_at)
        if self.end_at <= self.start_at:
            raise InvalidValue(
                "end_at",
                f"must be after start_at ({self.start_at.isoformat()}), "
                f"got {self.end_at.isoformat()}",
            )

    def contains(self, instant: datetime) -> bool:
        return self.start_at <= instant <= self.end_at


def check_windows(field: str, windows: tuple[TimeWindow, ...]) -> None:
    """Alternative windows of one stop must not overlap: overlapping ones are one window."""
    ordered = sorted(windows, key=lambda w: w.start_at)
    for earlier, later in itertools.pairwise(ordered):
        if later.start_at < earlier.end_at:
            raise InvalidValue(
                field,
                f"windows overlap ({earlier.start_at.isoformat()}-{earlier.end_at.isoformat()} and "
                f"{later.start_at.isoformat()}-{later.end_at.isoformat()}); merge them into one",
            )


@dataclass(frozen=True)
class DailyWindow:
    """A local time-of-day range such as a shift 07:00-17:00; an end before start spans midnight."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise InvalidValue("end", "must differ from start; use 00:00-23:59 for all day")

    @property
    def duration_s(self) -> int:
        start_s = self.start.hour * 3600 + self.start.minute * 60 + self.start.second
        end_s = self.end.hour * 3600 + self.end.minute * 60 + self.end.second
        return (end_s - start_s) % 86_400


class Weekday(IntEnum):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


@dataclass(frozen=True)
class OpeningHours:
    """When a station works, per weekday; a weekday absent from ``days`` is closed."""

    days: tuple[tuple[Weekday, DailyWindow], ...]

    def __post_init__(self) -> None:
        seen = [day for day, _ in self.days]
        if len(seen) != len(set(seen)):
            raise InvalidValue("opening_hours", "lists a weekday twice; give one range per day")

    def on(self, day: Weekday) -> DailyWindow | None:
        return next((window for d, window in self.days if d == day), None)

    @classmethod
    def every_day(cls, window: DailyWindow) -> OpeningHours:
        return cls(tuple((day, window) for day in Weekday))
