"""Bodies for stations, vehicles and drivers."""

from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from doorstep.domain.fleet import Capacity, Driver, SpeedProfile, Vehicle, VehicleCosts, VehicleType
from doorstep.domain.schedules import Weekday
from doorstep.domain.stations import Station
from doorstep.entrypoints.api.schemas.base import EntityIn, PatchIn, ValueIn, patch_model
from doorstep.entrypoints.api.schemas.values import (
    DailyWindowIn,
    LocationIn,
    LocationOut,
    OpeningDayIn,
    opening_days,
    opening_hours,
)

_SKILL = r"^[a-z0-9][a-z0-9_-]{0,39}$"
Skills = frozenset[str]


def _default_hours() -> list[OpeningDayIn]:
    return [OpeningDayIn(day=d, start=time(6), end=time(22)) for d in Weekday]


class StationIn(EntityIn):
    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9_-]{0,15}$", description="short code, e.g. HEL1")
    name: str = Field(min_length=1, max_length=200)
    location: LocationIn
    address: str = Field(default="", max_length=300)
    timezone: str = Field(default="UTC", description="IANA name, e.g. Europe/Helsinki")
    opening_hours: list[OpeningDayIn] = Field(default_factory=_default_hours, max_length=7)
    loading_time_s: int = Field(default=900, ge=0, le=14_400, description="per vehicle")
    service_area: list[LocationIn] = Field(
        default_factory=list,
        max_length=1000,
        description="polygon corners of the delivery area; empty for no polygon",
    )
    service_radius_km: float | None = Field(
        default=None, gt=0, le=1000, description="deliver only this far from the station"
    )
    slot_capacity: int = Field(
        default=40, ge=1, le=100_000, description="orders per delivery slot recipients may book"
    )
    slot_length_min: int = Field(default=120, ge=30, le=720, description="a slot's length")

    def domain_fields(self) -> dict[str, Any]:
        fields = super().domain_fields()
        fields["opening_hours"] = opening_hours(self.opening_hours)
        return fields


class _StationChanges(PatchIn):
    def domain_fields(self) -> dict[str, Any]:
        fields = super().domain_fields()
        if "opening_hours" in fields:
            fields["opening_hours"] = opening_hours(getattr(self, "opening_hours"))  # noqa: B009
        return fields


class StationOut(BaseModel):
    id: str
    code: str
    name: str
    location: LocationOut
    address: str
    timezone: str
    opening_hours: list[OpeningDayIn]
    loading_time_s: int
    service_area: list[LocationOut]
    service_radius_km: float | None
    slot_capacity: int
    slot_length_min: int

    @classmethod
    def of(cls, s: Station) -> StationOut:
        return cls(
            id=s.id,
            code=s.code,
            name=s.name,
            location=LocationOut(lat=s.location.lat, lon=s.location.lon),
            address=s.address,
            timezone=s.timezone,
            opening_hours=opening_days(s.opening_hours),
            loading_time_s=s.loading_time_s,
            service_area=[LocationOut(lat=p.lat, lon=p.lon) for p in s.service_area],
            service_radius_km=s.service_radius_km,
            slot_capacity=s.slot_capacity,
            slot_length_min=s.slot_length_min,
        )


class CapacityIn(ValueIn):
    weight_kg: float = Field(gt=0, le=100_000)
    volume_l: float = Field(gt=0, le=200_000)
    parcels: int = Field(gt=0, le=100_000)

    def to_domain(self) -> Capacity:
        return Capacity(self.weight_kg, self.volume_l, self.parcels)


class CostsIn(ValueIn):
    per_km: float = Field(default=0.0, ge=0)
    per_hour: float = Field(default=0.0, ge=0)
    fixed_per_use: float = Field(default=0.0, ge=0)

    def to_domain(self) -> VehicleCosts:
        return VehicleCosts(self.per_km, self.per_hour, self.fixed_per_use)


class VehicleIn(EntityIn):
    station_id: str = Field(description="the home station's id or code")
    name: str = Field(min_length=1, max_length=100)
    vehicle_type: VehicleType
    capacity: CapacityIn
    shift: DailyWindowIn
    costs: CostsIn = Field(default_factory=CostsIn)
    speed_profile: SpeedProfile | None = None
    skills: Skills = Field(default_factory=frozenset, description=f"each matching {_SKILL}")
    max_route_duration_s: int | None = Field(default=None, gt=0, le=86_400)
    registration: str = Field(default="", max_length=20)
    active: bool = True


class VehicleOut(BaseModel):
    id: str
    station_id: str
    name: str
    registration: str
    vehicle_type: VehicleType
    speed_profile: SpeedProfile | None
    capacity: CapacityIn
    shift: DailyWindowIn
    costs: CostsIn
    skills: list[str]
    max_route_duration_s: int | None
    active: bool

    @classmethod
    def of(cls, v: Vehicle) -> VehicleOut:
        return cls(
            id=v.id,
            station_id=v.station_id,
            name=v.name,
            registration=v.registration,
            vehicle_type=v.vehicle_type,
            speed_profile=v.speed_profile,
            capacity=CapacityIn(
                weight_kg=v.capacity.weight_kg,
                volume_l=v.capacity.volume_l,
                parcels=v.capacity.parcels,
            ),
            shift=DailyWindowIn.of(v.shift),
            costs=CostsIn(
                per_km=v.costs.per_km,
                per_hour=v.costs.per_hour,
                fixed_per_use=v.costs.fixed_per_use,
            ),
            skills=sorted(v.skills),
            max_route_duration_s=v.max_route_duration_s,
            active=v.active,
        )


class DriverIn(EntityIn):
    home_station_id: str = Field(description="the home station's id or code")
    name: str = Field(min_length=1, max_length=100)
    shift: DailyWindowIn
    skills: Skills = Field(default_factory=frozenset)
    hours_of_service: str = Field(default="eu-561-2006", min_length=1, max_length=50)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=254)
    user_id: str | None = Field(default=None, description="the driver's login, if they have one")
    active: bool = True


class DriverOut(BaseModel):
    id: str
    home_station_id: str
    name: str
    shift: DailyWindowIn
    skills: list[str]
    hours_of_service: str
    phone: str
    email: str
    user_id: str | None
    active: bool

    @classmethod
    def of(cls, d: Driver) -> DriverOut:
        return cls(
            id=d.id,
            home_station_id=d.home_station_id,
            name=d.name,
            shift=DailyWindowIn.of(d.shift),
            skills=sorted(d.skills),
            hours_of_service=d.hours_of_service,
            phone=d.phone,
            email=d.email,
            user_id=d.user_id,
            active=d.active,
        )


# mypy sees the base class; FastAPI gets the generated model with every field optional.
if TYPE_CHECKING:
    StationPatch = _StationChanges
    VehiclePatch = PatchIn
    DriverPatch = PatchIn
else:
    StationPatch = patch_model(StationIn, base=_StationChanges)
    VehiclePatch = patch_model(VehicleIn)
    DriverPatch = patch_model(DriverIn)
