"""Bodies for orders."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, model_validator

from doorstep.domain.flags import Flag, FlagCode, Severity
from doorstep.domain.geocoding import Candidate, MatchLevel
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import (
    Address,
    DeliveryPreferences,
    LocationSource,
    Order,
    OrderKind,
    Parcel,
    Priority,
    ProofKind,
    ProofRequirement,
    Recipient,
)
from doorstep.entrypoints.api.schemas.base import EntityIn, PatchIn, ValueIn, patch_model
from doorstep.entrypoints.api.schemas.live import LiveChangeOut
from doorstep.entrypoints.api.schemas.values import LocationIn, LocationOut, TimeWindowIn
from doorstep.services.reschedule import Rescheduled


class RecipientIn(ValueIn):
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=254)

    def to_domain(self) -> Recipient:
        return Recipient(self.name, self.phone, self.email)


class AddressIn(ValueIn):
    as_given: str = Field(
        min_length=1, max_length=500, description="the address as the shipper wrote it"
    )
    street: str = Field(default="", max_length=200)
    house_number: str = Field(default="", max_length=200)
    unit: str = Field(default="", max_length=200)
    postcode: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=200)
    country: str = Field(default="", pattern=r"^([A-Z]{2})?$", description="ISO 3166 alpha-2")

    def to_domain(self) -> Address:
        return Address(**self.model_dump())


class ParcelIn(ValueIn):
    barcode: str = Field(
        pattern=r"^[\x21-\x7e]{1,64}$", description="1-64 printable characters, no spaces"
    )
    weight_kg: float = Field(default=0.0, ge=0, le=10_000)
    length_cm: float = Field(default=0.0, ge=0, le=1_000)
    width_cm: float = Field(default=0.0, ge=0, le=1_000)
    height_cm: float = Field(default=0.0, ge=0, le=1_000)
    volume_l: float = Field(
        default=0.0, ge=0, le=100_000, description="declared volume; computed from dimensions"
    )

    def to_domain(self) -> Parcel:
        return Parcel(**self.model_dump())


class ProofIn(ValueIn):
    kind: ProofKind = ProofKind.NONE
    minimum_age_years: int | None = Field(default=None, ge=1, le=99)

    @model_validator(mode="after")
    def _age_only_for_age_check(self) -> ProofIn:
        if (self.kind is ProofKind.MINIMUM_AGE) != (self.minimum_age_years is not None):
            raise ValueError("minimum_age_years is required for, and only for, kind minimum_age")
        return self

    def to_domain(self) -> ProofRequirement:
        return ProofRequirement(self.kind, self.minimum_age_years)


class PreferencesIn(ValueIn):
    safe_place: str = Field(default="", max_length=300)
    neighbour: str = Field(default="", max_length=300)
    pickup_point: str = Field(default="", max_length=300)

    def to_domain(self) -> DeliveryPreferences:
        return DeliveryPreferences(**self.model_dump())


class OrderIn(EntityIn):
    shipper: str = Field(min_length=1, max_length=100)
    shipper_reference: str = Field(min_length=1, max_length=100, description="unique per shipper")
    kind: OrderKind = OrderKind.DELIVERY
    station_id: str | None = Field(default=None, description="the serving station's id or code")
    recipient: RecipientIn
    address: AddressIn
    location: LocationIn | None = None
    service_date: date | None = None
    time_windows: list[TimeWindowIn] = Field(default_factory=list, max_length=10)
    service_duration_s: int = Field(default=120, ge=0, le=86_400)
    parcels: list[ParcelIn] = Field(default_factory=list, max_length=500)
    priority: Priority = Priority.NORMAL
    proof: ProofIn = Field(default_factory=ProofIn)
    access_notes: str = Field(default="", max_length=1000)
    preferences: PreferencesIn = Field(default_factory=PreferencesIn)
    required_skills: frozenset[str] = Field(
        default_factory=frozenset,
        max_length=20,
        description="what the vehicle or driver must have, e.g. refrigerated, lift_gate",
    )


# mypy sees the base class; FastAPI gets the generated model with every field optional.
if TYPE_CHECKING:
    OrderPatch = PatchIn
else:
    OrderPatch = patch_model(OrderIn, exclude=frozenset({"shipper", "kind"}))


class CancelIn(EntityIn):
    reason: str = Field(default="", max_length=500)


class RescheduleIn(EntityIn):
    """``date``: the new service day, tomorrow or later (the tracking page's days)."""

    date: date
    window: str | None = Field(
        default=None,
        max_length=20,
        description="a delivery slot of that day, local 'HH:MM-HH:MM'; without it the order "
        "keeps its hours",
        examples=["10:00-12:00"],
    )


class FlagOut(BaseModel):
    code: FlagCode
    severity: Severity
    message: str
    field: str
    fix: str

    @classmethod
    def of(cls, flag: Flag) -> FlagOut:
        return cls(
            code=flag.code,
            severity=flag.severity,
            message=flag.message,
            field=flag.field,
            fix=flag.fix,
        )


class CandidateOut(BaseModel):
    label: str
    street: str
    house_number: str
    postcode: str
    city: str
    lat: float
    lon: float
    confidence: float
    level: MatchLevel
    units: int
    distance_m: float | None
    source: str

    @classmethod
    def of(cls, c: Candidate) -> CandidateOut:
        return cls(
            label=c.label,
            street=c.street,
            house_number=c.house_number,
            postcode=c.postcode,
            city=c.city,
            lat=c.location.lat,
            lon=c.location.lon,
            confidence=round(c.confidence, 3),
            level=c.level,
            units=c.units,
            distance_m=None if c.distance_m is None else round(c.distance_m, 1),
            source=c.source,
        )


class StatusChangeOut(BaseModel):
    at: datetime
    from_status: OrderStatus
    to_status: OrderStatus
    reason: str


class OrderOut(BaseModel):
    id: str
    status: OrderStatus
    shipper: str
    shipper_reference: str
    kind: OrderKind
    station_id: str | None
    recipient: RecipientIn
    address: AddressIn
    location: LocationOut | None
    service_date: date | None
    time_windows: list[TimeWindowIn]
    service_duration_s: int
    parcels: list[ParcelIn]
    priority: Priority
    proof: ProofIn
    access_notes: str
    preferences: PreferencesIn
    required_skills: list[str]
    created_at: datetime
    updated_at: datetime | None
    history: list[StatusChangeOut]
    flags: list[FlagOut] = Field(description="what the data checks found; blocking ones hold it")
    acknowledged_flags: list[FlagCode]
    location_source: LocationSource | None
    geocode: CandidateOut | None = Field(description="the address match the location came from")

    @classmethod
    def of(cls, o: Order) -> OrderOut:
        return cls.model_validate(
            {
                **{
                    name: getattr(o, name)
                    for name in ("id", "status", "shipper", "shipper_reference", "kind")
                },
                "station_id": o.station_id,
                "recipient": vars(o.recipient),
                "address": vars(o.address),
                "location": LocationOut.of(o.location),
                "service_date": o.service_date,
                "time_windows": [vars(w) for w in o.time_windows],
                "service_duration_s": o.service_duration_s,
                "parcels": [vars(p) for p in o.parcels],
                "priority": o.priority,
                "proof": vars(o.proof),
                "access_notes": o.access_notes,
                "preferences": vars(o.preferences),
                "required_skills": sorted(o.required_skills),
                "created_at": o.created_at,
                "updated_at": o.updated_at,
                "history": [vars(h) for h in o.history],
                "flags": [FlagOut.of(f) for f in o.flags],
                "acknowledged_flags": sorted(o.acknowledged),
                "location_source": o.location_source,
                "geocode": CandidateOut.of(o.geocode) if o.geocode else None,
            }
        )


class OrderPageOut(BaseModel):
    items: list[OrderOut]
    next_cursor: str | None = Field(
        description="pass as ?cursor= for the next page; null at the end"
    )


class RescheduleOut(BaseModel):
    order: OrderOut
    changed: bool = Field(description="false: the order was on that day and window already")
    plan_change: LiveChangeOut | None = Field(
        None, description="the plan version the order's stop left, if it was on its day's plan"
    )

    @classmethod
    def of(cls, done: Rescheduled) -> RescheduleOut:
        change = LiveChangeOut.of(done.change) if done.change is not None else None
        return cls(order=OrderOut.of(done.order), changed=done.changed, plan_change=change)
