"""API forms of the domain's value objects (places and windows of time)."""

from __future__ import annotations

from datetime import time

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from doorstep.domain.geo import Location
from doorstep.domain.schedules import DailyWindow, OpeningHours, TimeWindow, Weekday
from doorstep.entrypoints.api.schemas.base import ValueIn


class LocationIn(ValueIn):
    lat: float = Field(ge=-90, le=90, description="latitude, WGS 84 degrees")
    lon: float = Field(ge=-180, le=180, description="longitude, WGS 84 degrees")

    def to_domain(self) -> Location:
        return Location(self.lat, self.lon)


class LocationOut(BaseModel):
    lat: float
    lon: float

    @classmethod
    def of(cls, location: Location | None) -> LocationOut | None:
        return cls(lat=location.lat, lon=location.lon) if location else None


class DailyWindowIn(ValueIn):
    start: time = Field(description="local time of day, e.g. 07:00")
    end: time = Field(description="local time of day; before start means past midnight")

    @model_validator(mode="after")
    def _differs(self) -> DailyWindowIn:
        if self.start == self.end:
            raise ValueError("end must differ from start")
        return self

    def to_domain(self) -> DailyWindow:
        return DailyWindow(self.start, self.end)

    @classmethod
    def of(cls, window: DailyWindow) -> DailyWindowIn:
        return cls(start=window.start, end=window.end)


class TimeWindowIn(ValueIn):
    start_at: AwareDatetime
    end_at: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> TimeWindowIn:
        if self.end_at <= self.start_at:
            raise ValueError(f"end_at ({self.end_at.isoformat()}) must be after start_at")
        return self

    def to_domain(self) -> TimeWindow:
        return TimeWindow(self.start_at, self.end_at)

    @classmethod
    def of(cls, window: TimeWindow) -> TimeWindowIn:
        return cls(start_at=window.start_at, end_at=window.end_at)


class OpeningDayIn(DailyWindowIn):
    day: Weekday = Field(description="0 = Monday ... 6 = Sunday")


def opening_hours(days: list[OpeningDayIn]) -> OpeningHours:
    return OpeningHours(tuple((d.day, d.to_domain()) for d in days))


def opening_days(hours: OpeningHours) -> list[OpeningDayIn]:
    return [OpeningDayIn(day=day, start=w.start, end=w.end) for day, w in hours.days]
