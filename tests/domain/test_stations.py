"""Stations: codes, time zones and opening hours."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from doorstep.domain.errors import InvalidValue
from doorstep.domain.geo import Location
from doorstep.domain.schedules import DailyWindow, OpeningHours, Weekday
from doorstep.domain.stations import Station

DAY = DailyWindow(time(6), time(22))


def station(**changes: Any) -> Station:
    fields: dict[str, Any] = {
        "id": "stn_1",
        "organisation_id": "org_1",
        "code": "HEL1",
        "name": "Helsinki",
        "location": Location(60.17, 24.94),
        "address": "Main St 1",
        "timezone": "Europe/Helsinki",
        "opening_hours": OpeningHours.every_day(DAY),
    }
    return Station(**(fields | changes))


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "Europe/../etc/passwd", "+02:00"])
def test_bad_time_zones_are_refused(zone: str) -> None:
    """Only IANA time zone names are accepted; the field is named."""
    with pytest.raises(InvalidValue) as raised:
        station(timezone=zone)
    assert raised.value.field == "timezone"


@pytest.mark.parametrize("code", ["", "hel1", "HEL 1", "-HEL", "H" * 17, "HÄM"])
def test_bad_station_codes_are_refused(code: str) -> None:
    """Codes are 1-16 upper-case letters, digits, '-' or '_' and start with a letter or digit."""
    with pytest.raises(InvalidValue) as raised:
        station(code=code)
    assert raised.value.field == "code"


def test_good_station_and_its_hours() -> None:
    """A valid station answers its hours per weekday; a missing weekday is closed."""
    weekdays = OpeningHours(tuple((d, DAY) for d in Weekday if d < Weekday.SATURDAY))
    helsinki = station(code="HEL-1_B", timezone="UTC", opening_hours=weekdays)
    assert (helsinki.hours_on(Weekday.MONDAY), helsinki.hours_on(Weekday.SUNDAY)) == (DAY, None)


def test_negative_loading_time_is_refused() -> None:
    """Loading time is a duration >= 0."""
    with pytest.raises(InvalidValue) as raised:
        station(loading_time_s=-1)
    assert raised.value.field == "loading_time_s"
