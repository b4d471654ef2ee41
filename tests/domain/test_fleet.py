"""Vehicles and drivers: capacities, costs, skills and shifts."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from doorstep.domain.errors import InvalidValue
from doorstep.domain.fleet import Capacity, Driver, SpeedProfile, Vehicle, VehicleCosts, VehicleType
from doorstep.domain.schedules import DailyWindow

SHIFT = DailyWindow(time(7), time(17))


def vehicle(**changes: Any) -> Vehicle:
    fields: dict[str, Any] = {
        "id": "veh_1",
        "organisation_id": "org_1",
        "station_id": "stn_1",
        "name": "Van 1",
        "vehicle_type": VehicleType.VAN,
        "capacity": Capacity(800, 6000, 120),
        "shift": SHIFT,
    }
    return Vehicle(**(fields | changes))


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ((0, 10, 10), "capacity.weight_kg"),
        ((-1, 10, 10), "capacity.weight_kg"),
        ((10, 0, 10), "capacity.volume_l"),
        ((10, 10, 0), "capacity.parcels"),
        ((10, 10, -3), "capacity.parcels"),
    ],
)
def test_capacity_must_be_positive(values: tuple[float, float, int], field: str) -> None:
    """Every dimension of a capacity is > 0; the broken one is named."""
    with pytest.raises(InvalidValue) as raised:
        Capacity(*values)
    assert raised.value.field == field


def test_negative_costs_are_refused() -> None:
    """Costs are amounts >= 0."""
    with pytest.raises(InvalidValue) as raised:
        VehicleCosts(per_hour=-5)
    assert raised.value.field == "costs.per_hour"


@pytest.mark.parametrize("skill", ["Lift_Gate", "lift gate", "", "_x", "x" * 41, "kühl"])
def test_bad_skills_are_refused(skill: str) -> None:
    """Skills are short lower-case identifiers, on vehicles and drivers alike."""
    with pytest.raises(InvalidValue) as raised:
        vehicle(skills=frozenset({"cooling", skill}))
    assert raised.value.field == "skills"
    with pytest.raises(InvalidValue):
        Driver("drv_1", "org_1", "stn_1", "Dee", SHIFT, skills=frozenset({skill}))


def test_speed_profile_follows_vehicle_type_by_default() -> None:
    """A cargo bike rides bike speeds unless told otherwise; valid skills are kept."""
    bike = vehicle(vehicle_type=VehicleType.CARGO_BIKE, skills=frozenset({"lift_gate", "adr-1"}))
    assert bike.speed_profile is SpeedProfile.CARGO_BIKE
    assert vehicle(speed_profile=SpeedProfile.TRUCK).speed_profile is SpeedProfile.TRUCK


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"max_route_duration_s": 0}, "max_route_duration_s"),
        ({"registration": "R" * 21}, "registration"),
    ],
)
def test_bad_vehicle_values_name_their_field(changes: dict[str, Any], field: str) -> None:
    """Names are required, registrations short and a route-duration limit positive."""
    with pytest.raises(InvalidValue) as raised:
        vehicle(**changes)
    assert raised.value.field == field
