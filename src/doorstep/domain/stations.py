"""The station (depot): where parcels arrive, are sorted and loaded, and where routes start."""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from doorstep.domain.checks import non_negative, text
from doorstep.domain.errors import InvalidValue
from doorstep.domain.geo import Location
from doorstep.domain.schedules import DailyWindow, OpeningHours, Weekday

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,15}$")


def check_timezone(field: str, name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidValue(
            field, f"must be an IANA time zone like Europe/Helsinki, got {name!r}"
        ) from None


@dataclass
class Station:
    id: str
    organisation_id: str
    code: str
    name: str
    location: Location
    address: str
    timezone: str
    opening_hours: OpeningHours
    loading_time_s: int = 900

    def __post_init__(self) -> None:
        if not _CODE.match(self.code):
            raise InvalidValue(
                "code", "must be 1-16 upper-case letters, digits, '-' or '_', e.g. HEL1"
            )
        text("name", self.name)
        text("address", self.address, max_length=300, required=False)
        check_timezone("timezone", self.timezone)
        non_negative("loading_time_s", self.loading_time_s)

    def hours_on(self, day: Weekday) -> DailyWindow | None:
        return self.opening_hours.on(day)
