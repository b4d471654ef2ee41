"""Every data-quality flag: a case that raises it and a near miss that does not.

The geocoder and the road network are small fakes here (the real ones have their own tests);
what is under test is the rule each check applies and the status it leads to.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from doorstep.domain.flags import FlagCode, Severity
from doorstep.domain.geo import Location
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Address, LocationSource, Recipient
from doorstep.domain.schedules import DailyWindow, OpeningHours, TimeWindow, Weekday
from doorstep.domain.stations import Station
from doorstep.services import orders, stations
from doorstep.services.intake.checks import PIN_TOLERANCE_M
from tests.services.conftest import order_fields
from tests.services.intake.conftest import DOOR, World

HEL = ZoneInfo("Europe/Helsinki")


def codes(order: Any) -> set[FlagCode]:
    return {f.code for f in order.flags}


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=HEL)  # a Monday


def test_a_clean_order_is_ready_without_flags(world: World) -> None:
    order = world.create(address=Address("Mannerheimintie 5"))
    assert order.flags == ()
    assert order.status is OrderStatus.READY
    assert order.location == DOOR
    assert order.location_source is LocationSource.GEOCODED


def test_no_match_blocks(world: World) -> None:
    order = world.create(address=Address("Nowhere Road 1"))
    assert FlagCode.NO_MATCH in codes(order)
    assert order.status is OrderStatus.NEEDS_ATTENTION
    assert FlagCode.NO_MATCH not in codes(world.create("R-2", address=Address("Mannerheimintie 5")))


def test_low_confidence_blocks_and_names_the_alternatives(world: World) -> None:
    order = world.create(address=Address("Manerheimintie 5"))
    flag = next(f for f in order.flags if f.code is FlagCode.LOW_CONFIDENCE)
    assert flag.severity is Severity.BLOCKING
    assert "60%" in flag.message
    assert "Mannerheimintie 7" in flag.message
    assert order.status is OrderStatus.NEEDS_ATTENTION
    # Not raised when the match is sure.
    assert FlagCode.LOW_CONFIDENCE not in codes(
        world.create("R-2", address=Address("Mannerheimintie 5"))
    )


def test_missing_house_number_blocks(world: World) -> None:
    order = world.create(address=Address("Mannerheimintie"))
    assert FlagCode.MISSING_HOUSE_NUMBER in codes(order)
    assert FlagCode.LOW_CONFIDENCE not in codes(order)  # one flag for one problem
    assert order.status is OrderStatus.NEEDS_ATTENTION
    kept = world.create("R-2", address=Address("Mannerheimintie", house_number="5"))
    assert FlagCode.MISSING_HOUSE_NUMBER not in codes(kept)


def test_unit_missing_is_a_warning_at_a_building_with_several_flats(world: World) -> None:
    order = world.create(address=Address("Mannerheimintie 5 with units"))
    assert FlagCode.UNIT_MISSING in codes(order)
    assert order.status is OrderStatus.READY  # a warning: planned all the same
    given = world.create("R-2", address=Address("Mannerheimintie 5 with units", unit="A 12"))
    assert FlagCode.UNIT_MISSING not in codes(given)


def test_postcode_that_does_not_fit_the_street_is_flagged_with_the_right_one(world: World) -> None:
    order = world.create(address=Address("Mannerheimintie 5, 00990 Helsinki"))
    flag = next(f for f in order.flags if f.code is FlagCode.POSTCODE_MISMATCH)
    assert flag.fix == "use 00100"
    right = world.create("R-2", address=Address("Mannerheimintie 5, 00100 Helsinki"))
    assert FlagCode.POSTCODE_MISMATCH not in codes(right)


def test_given_coordinates_far_from_the_address_block(world: World) -> None:
    far = Location(DOOR.lat + 0.004, DOOR.lon)  # about 445 m north
    order = world.create(address=Address("Mannerheimintie 5"), location=far)
    assert FlagCode.PIN_FAR_FROM_ADDRESS in codes(order)
    assert order.status is OrderStatus.NEEDS_ATTENTION
    assert order.location == far  # kept: a person decides which one is right
    near = Location(DOOR.lat + (PIN_TOLERANCE_M / 2) / 111_000, DOOR.lon)
    kept = world.create("R-2", address=Address("Mannerheimintie 5"), location=near)
    assert FlagCode.PIN_FAR_FROM_ADDRESS not in codes(kept)
    assert kept.location_source is LocationSource.GIVEN


def test_outside_the_service_area_blocks(world: World) -> None:
    ports, admin = world.ports, world.admin
    small = stations.update_station(
        admin, world.station.id, {"service_radius_km": 0.5}, uow=ports.uow
    )
    assert not small.serves(DOOR)
    order = world.create(address=Address("Mannerheimintie 5"))
    assert FlagCode.OUTSIDE_SERVICE_AREA in codes(order)
    stations.update_station(admin, world.station.id, {"service_radius_km": 10.0}, uow=ports.uow)
    assert FlagCode.OUTSIDE_SERVICE_AREA not in codes(
        world.create("R-2", address=Address("Mannerheimintie 5"))
    )


def test_service_area_polygon() -> None:
    square = (
        Location(60.0, 24.0),
        Location(60.0, 25.0),
        Location(61.0, 25.0),
        Location(61.0, 24.0),
    )
    station = Station(
        "st",
        "org",
        "HEL1",
        "Helsinki",
        Location(60.5, 24.5),
        "",
        "Europe/Helsinki",
        OpeningHours(()),
        service_area=square,
    )
    assert station.serves(Location(60.2, 24.9))
    assert not station.serves(Location(59.9, 24.9))
    assert not station.serves(Location(60.2, 25.1))


def test_unreachable_by_road_blocks(world: World) -> None:
    world.travel.off_road.add(DOOR)
    order = world.create(address=Address("Mannerheimintie 5"))
    assert FlagCode.UNREACHABLE in codes(order)
    world.travel.off_road.clear()
    assert FlagCode.UNREACHABLE not in codes(
        world.create("R-2", address=Address("Mannerheimintie 5"))
    )


@pytest.mark.parametrize(
    ("phone", "flagged"),
    [("+358 40 123 4567", False), ("040 1234567", False), ("+358 40 12", True), ("123456", True)],
)
def test_invalid_phone_is_a_warning(world: World, phone: str, flagged: bool) -> None:
    order = world.create(address=Address("Mannerheimintie 5"), recipient=Recipient("Ann", phone))
    assert (FlagCode.INVALID_PHONE in codes(order)) is flagged
    assert order.status is OrderStatus.READY


@pytest.mark.parametrize(
    ("email", "flagged"),
    [("ann@example.fi", False), ("ann@example", True), ("ann..b@example.fi", True)],
)
def test_invalid_email_is_a_warning(world: World, email: str, flagged: bool) -> None:
    order = world.create(
        address=Address("Mannerheimintie 5"), recipient=Recipient("Ann", email=email)
    )
    assert (FlagCode.INVALID_EMAIL in codes(order)) is flagged


def test_duplicate_of_an_open_order_blocks_until_the_first_is_cancelled(world: World) -> None:
    first = world.create("R-1", address=Address("Mannerheimintie 5"))
    second = world.create("R-2", address=Address("mannerheimintie 5, 00100 helsinki"))
    assert FlagCode.DUPLICATE in codes(second)
    assert first.id in next(f.message for f in second.flags if f.code is FlagCode.DUPLICATE)
    other_person = world.create(
        "R-3", address=Address("Mannerheimintie 5"), recipient=Recipient("Bo")
    )
    assert FlagCode.DUPLICATE not in codes(other_person)
    p = world.ports
    orders.cancel_order(world.admin, first.id, "double", uow=p.uow, clock=p.clock)
    again = orders.update_order(
        world.admin,
        second.id,
        {"access_notes": "ring twice"},
        uow=p.uow,
        clock=p.clock,
        checks=world.checks,
    )
    assert FlagCode.DUPLICATE not in codes(again)
    assert again.status is OrderStatus.READY


def test_window_ending_before_the_earliest_arrival_blocks(world: World) -> None:
    # Opens 07:00 + 15 min loading + 10 min drive: 07:25 is the earliest arrival.
    early = (TimeWindow(at(7, 0), at(7, 20)),)
    order = world.create(address=Address("Mannerheimintie 5"), time_windows=early)
    flag = next(f for f in order.flags if f.code is FlagCode.WINDOW_UNREACHABLE)
    assert "07:25" in flag.message
    fine = (TimeWindow(at(7, 0), at(7, 30)),)
    ok = world.create("R-2", address=Address("Mannerheimintie 5"), time_windows=fine)
    assert FlagCode.WINDOW_UNREACHABLE not in codes(ok)


def test_window_after_closing_or_on_a_closed_day_blocks(world: World) -> None:
    late = (TimeWindow(at(20, 55), at(21, 30)),)
    order = world.create(address=Address("Mannerheimintie 5"), time_windows=late)
    assert FlagCode.WINDOW_UNREACHABLE in codes(order)
    # One reachable window among several is enough.
    both = (TimeWindow(at(9), at(10)), TimeWindow(at(20, 55), at(21, 30)))
    ok = world.create("R-2", address=Address("Mannerheimintie 5"), time_windows=both)
    assert FlagCode.WINDOW_UNREACHABLE not in codes(ok)
    p = world.ports
    weekdays = OpeningHours(tuple((Weekday(d), DailyWindow(time(7), time(21))) for d in range(5)))
    stations.update_station(world.admin, world.station.id, {"opening_hours": weekdays}, uow=p.uow)
    saturday = (TimeWindow(at(10) + timedelta(days=5), at(12) + timedelta(days=5)),)
    closed = world.create("R-3", address=Address("Mannerheimintie 5"), time_windows=saturday)
    flag = next(f for f in closed.flags if f.code is FlagCode.WINDOW_UNREACHABLE)
    assert "closed on Saturday" in flag.message


def test_no_station_blocks(world: World) -> None:
    values = order_fields("R-9", address=Address("Mannerheimintie 5"))
    p = world.ports
    order = orders.create_order(
        world.admin, values, uow=p.uow, clock=p.clock, ids=p.ids, checks=world.checks
    )
    assert FlagCode.NO_STATION in codes(order)
    assert order.status is OrderStatus.NEEDS_ATTENTION
    assert FlagCode.NO_STATION not in codes(
        world.create("R-2", address=Address("Mannerheimintie 5"))
    )


def test_every_flag_code_is_covered_here() -> None:
    """A new flag code must come with its tests in this module."""
    source = Path(__file__).read_text(encoding="utf-8")
    missing = [c.name for c in FlagCode if f"FlagCode.{c.name}" not in source]
    assert missing == []
