"""Vehicles and drivers: what carries the parcels and who drives it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from doorstep.domain.checks import non_negative, positive, text
from doorstep.domain.errors import InvalidValue
from doorstep.domain.schedules import DailyWindow

_SKILL = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class VehicleType(StrEnum):
    VAN = "van"
    TRUCK = "truck"
    CARGO_BIKE = "cargo_bike"


class SpeedProfile(StrEnum):
    """Which travel times apply: a cargo bike uses bike paths and rides slower than a van."""

    VAN = "van"
    TRUCK = "truck"
    CARGO_BIKE = "cargo_bike"


def check_skills(field_name: str, skills: frozenset[str]) -> None:
    for skill in skills:
        if not _SKILL.match(skill):
            raise InvalidValue(
                field_name,
                f"skill {skill!r} must be lower-case letters, digits, '_' or '-', e.g. lift_gate",
            )


@dataclass(frozen=True)
class Capacity:
    """How much a vehicle carries, in three dimensions that all must hold."""

    weight_kg: float
    volume_l: float
    parcels: int

    def __post_init__(self) -> None:
        positive("capacity.weight_kg", self.weight_kg)
        positive("capacity.volume_l", self.volume_l)
        positive("capacity.parcels", self.parcels)


@dataclass(frozen=True)
class VehicleCosts:
    """Costs in the organisation's currency."""

    per_km: float = 0.0
    per_hour: float = 0.0
    fixed_per_use: float = 0.0

    def __post_init__(self) -> None:
        non_negative("costs.per_km", self.per_km)
        non_negative("costs.per_hour", self.per_hour)
        non_negative("costs.fixed_per_use", self.fixed_per_use)


@dataclass
class Vehicle:
    id: str
    organisation_id: str
    station_id: str
    name: str
    vehicle_type: VehicleType
    capacity: Capacity
    shift: DailyWindow
    costs: VehicleCosts = field(default_factory=VehicleCosts)
    speed_profile: SpeedProfile | None = None
    skills: frozenset[str] = frozenset()
    max_route_duration_s: int | None = None
    registration: str = ""
    active: bool = True

    def __post_init__(self) -> None:
        text("name", self.name, max_length=100)
        text("registration", self.registration, max_length=20, required=False)
        check_skills("skills", self.skills)
        if self.speed_profile is None:
            self.speed_profile = SpeedProfile(self.vehicle_type.value)
        if self.max_route_duration_s is not None:
            positive("max_route_duration_s", self.max_route_duration_s)


@dataclass
class Driver:
    id: str
    organisation_id: str
    home_station_id: str
    name: str
    shift: DailyWindow
    skills: frozenset[str] = frozenset()
    hours_of_service: str = "eu-561-2006"
    phone: str = ""
    email: str = ""
    user_id: str | None = None
    active: bool = True

    def __post_init__(self) -> None:
        text("name", self.name, max_length=100)
        text("hours_of_service", self.hours_of_service, max_length=50)
        check_skills("skills", self.skills)
