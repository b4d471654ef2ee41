"""Carriers: coverage by postcode and polygon, the entity's rules, and service-level promises."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from doorstep.domain.carriers import (
    Carrier,
    CarrierKind,
    Coverage,
    Promise,
    ServiceLevel,
    order_tags,
)
from doorstep.domain.errors import InvalidValue
from doorstep.domain.geo import Location
from doorstep.domain.orders import Address, Order, OrderKind, ProofKind, ProofRequirement, Recipient
from doorstep.domain.schedules import TimeWindow

HELSINKI = ZoneInfo("Europe/Helsinki")
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)

# Roughly Helsinki's peninsula (Kamppi, Kallio, Punavuori), as (lat, lon) corners.
CENTRE = ((60.150, 24.900), (60.150, 24.980), (60.190, 24.980), (60.190, 24.900))
# A concave "L": the notch at the top right is outside.
ELL = ((0.0, 0.0), (0.0, 2.0), (1.0, 2.0), (1.0, 1.0), (2.0, 1.0), (2.0, 0.0))


def carrier(**changes: Any) -> Carrier:
    fields: dict[str, Any] = {
        "id": "car_1",
        "organisation_id": "org_1",
        "code": "kaupunkikuriiri",
        "name": "Kaupunkikuriiri Oy",
        "kind": CarrierKind.PARTNER,
        "service_levels": frozenset({ServiceLevel.SAME_DAY, ServiceLevel.NEXT_DAY}),
        "coverage": Coverage(postcode_prefixes=frozenset({"00"})),
        "created_at": T0,
    }
    return Carrier(**(fields | changes))


def test_coverage_by_postcode_prefix() -> None:
    coverage = Coverage(postcode_prefixes=frozenset({"001", "005"}))
    assert coverage.covers("00530", None)
    assert coverage.covers(" 001 00", None)  # spaces are ignored
    assert not coverage.covers("00200", None)
    assert not coverage.covers(None, Location(60.17, 24.94))  # no polygon to fall into


def test_coverage_by_polygon() -> None:
    coverage = Coverage(polygons=(CENTRE,))
    assert coverage.covers(None, Location(60.1699, 24.9384))  # the railway station
    assert not coverage.covers(None, Location(60.2055, 24.6559))  # Espoo, west of the box
    assert not coverage.covers("00100", None)  # no prefixes and no point


def test_ray_casting_handles_a_concave_polygon() -> None:
    coverage = Coverage(polygons=(ELL,))
    assert coverage.covers(None, Location(0.5, 1.5))  # bottom arm
    assert coverage.covers(None, Location(1.5, 0.5))  # left arm
    assert not coverage.covers(None, Location(1.5, 1.5))  # the notch
    assert not coverage.covers(None, Location(3.0, 0.5))


def test_either_postcode_or_polygon_is_enough() -> None:
    coverage = Coverage(frozenset({"009"}), (CENTRE,))
    assert coverage.covers("00990", Location(60.3, 25.2))
    assert coverage.covers("02100", Location(60.17, 24.94))


def test_an_empty_coverage_covers_nothing() -> None:
    coverage = Coverage()
    assert coverage.empty
    assert not coverage.covers("00100", Location(60.17, 24.94))


def test_coverage_rules() -> None:
    with pytest.raises(InvalidValue, match="at least 3"):
        Coverage(polygons=(((60.0, 24.0), (60.1, 24.1)),))
    with pytest.raises(InvalidValue, match="lat"):
        Coverage(polygons=(((95.0, 24.0), (60.1, 24.1), (60.2, 24.0)),))
    with pytest.raises(InvalidValue, match="upper-case"):
        Coverage(postcode_prefixes=frozenset({"00 1"}))


def test_carrier_rules() -> None:
    assert carrier().serves(ServiceLevel.SAME_DAY)
    assert not carrier().serves(ServiceLevel.SCHEDULED)
    assert not carrier(active=False).serves(ServiceLevel.SAME_DAY)
    with pytest.raises(InvalidValue, match="code"):
        carrier(code="Kaupunki Kuriiri")
    with pytest.raises(InvalidValue, match="service_levels"):
        carrier(service_levels=frozenset())
    with pytest.raises(InvalidValue, match="capacity_per_day"):
        carrier(capacity_per_day=0)
    with pytest.raises(InvalidValue, match="capacity_per_day"):
        carrier(capacity_per_day=2.5)
    with pytest.raises(InvalidValue, match="max_weight_kg"):
        carrier(max_weight_kg=-1.0)
    with pytest.raises(InvalidValue, match="handles"):
        carrier(handles=frozenset({"Refrigerated"}))
    with pytest.raises(InvalidValue, match="created_at"):
        carrier(created_at=datetime(2026, 11, 20, 8, 0))
    own = carrier(kind=CarrierKind.OWN_FLEET, capacity_per_day=None, handles=frozenset({"adr"}))
    assert own.capacity_per_day is None


def test_order_tags_and_what_a_carrier_does_not_handle() -> None:
    order = Order(
        "ord_1",
        "org_1",
        "acme",
        "R-1",
        OrderKind.DELIVERY,
        Recipient("Ann"),
        Address("Mannerheimintie 5"),
        T0,
        required_skills=frozenset({"refrigerated"}),
        proof=ProofRequirement(ProofKind.MINIMUM_AGE, minimum_age_years=18),
    )
    tags = order_tags(order)
    assert tags == {"refrigerated", "age_check"}
    assert carrier(handles=frozenset({"age_check"})).unhandled(tags) == {"refrigerated"}
    assert not carrier(handles=frozenset({"age_check", "refrigerated", "adr"})).unhandled(tags)


SAME_DAY = Promise(ServiceLevel.SAME_DAY, cutoff=time(14), deliver_by=time(21))
NEXT_DAY = Promise(ServiceLevel.NEXT_DAY, cutoff=time(20), deliver_by=time(18))


@pytest.mark.parametrize(
    ("booked", "due"),
    [
        (datetime(2026, 11, 20, 13, 59), datetime(2026, 11, 20, 21)),  # Friday, in time
        (datetime(2026, 11, 20, 14, 0), datetime(2026, 11, 20, 21)),  # on the cutoff
        (datetime(2026, 11, 20, 14, 1), datetime(2026, 11, 23, 21)),  # late: Monday
        (datetime(2026, 11, 21, 10, 0), datetime(2026, 11, 23, 21)),  # Saturday: Monday
    ],
)
def test_same_day_promise(booked: datetime, due: datetime) -> None:
    assert SAME_DAY.due(booked.replace(tzinfo=HELSINKI), HELSINKI) == due.replace(tzinfo=HELSINKI)


@pytest.mark.parametrize(
    ("booked", "due"),
    [
        (datetime(2026, 11, 18, 19, 0), datetime(2026, 11, 19, 18)),  # Wednesday -> Thursday
        (datetime(2026, 11, 20, 19, 0), datetime(2026, 11, 23, 18)),  # Friday -> Monday
        (datetime(2026, 11, 18, 20, 30), datetime(2026, 11, 20, 18)),  # late Wed -> Friday
        (datetime(2026, 11, 22, 9, 0), datetime(2026, 11, 24, 18)),  # Sunday -> Tuesday
    ],
)
def test_next_day_promise_counts_working_days(booked: datetime, due: datetime) -> None:
    assert NEXT_DAY.due(booked.replace(tzinfo=HELSINKI), HELSINKI) == due.replace(tzinfo=HELSINKI)


def test_the_cutoff_is_local_time() -> None:
    """13:30 UTC is 15:30 in Helsinki (UTC+2 in November): past the 14:00 cutoff."""
    late = SAME_DAY.due(datetime(2026, 11, 18, 13, 30, tzinfo=UTC), HELSINKI)
    assert late == datetime(2026, 11, 19, 21, tzinfo=HELSINKI)


def test_scheduled_promise_is_the_orders_window() -> None:
    window = TimeWindow(
        datetime(2026, 11, 21, 16, tzinfo=HELSINKI), datetime(2026, 11, 21, 18, tzinfo=HELSINKI)
    )
    scheduled = Promise(ServiceLevel.SCHEDULED)
    assert scheduled.due(T0, HELSINKI, window) == window.end_at
    with pytest.raises(InvalidValue, match="window"):
        scheduled.due(T0, HELSINKI)


def test_promise_rules() -> None:
    with pytest.raises(InvalidValue, match="cutoff"):
        Promise(ServiceLevel.NEXT_DAY, deliver_by=time(18))
    with pytest.raises(InvalidValue, match="after the cutoff"):
        Promise(ServiceLevel.SAME_DAY, cutoff=time(14), deliver_by=time(12))
    with pytest.raises(InvalidValue, match="leave it out"):
        Promise(ServiceLevel.SCHEDULED, deliver_by=time(18))
    with pytest.raises(InvalidValue, match="weekday"):
        Promise(ServiceLevel.NEXT_DAY, time(20), time(18), working_days=frozenset())
