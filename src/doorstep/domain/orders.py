"""Orders: what a shipper asks doorstep to deliver (or collect), to whom, where and when."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from doorstep.domain.checks import non_negative, text
from doorstep.domain.errors import InvalidValue
from doorstep.domain.flags import Flag, FlagCode
from doorstep.domain.fleet import check_skills
from doorstep.domain.geo import Location
from doorstep.domain.geocoding import Candidate
from doorstep.domain.order_status import EDITABLE, OrderStatus, check_transition
from doorstep.domain.schedules import TimeWindow, check_windows
from doorstep.domain.text import fold

_BARCODE = re.compile(r"^[\x21-\x7e]{1,64}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class OrderKind(StrEnum):
    DELIVERY = "delivery"
    PICKUP = "pickup"


class LocationSource(StrEnum):
    """Where an order's delivery point came from; a person's choice is never overwritten."""

    GIVEN = "given"  # coordinates sent by the shipper
    GEOCODED = "geocoded"  # found from the address
    MANUAL = "manual"  # placed or confirmed by a person in the needs-attention queue


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class ProofKind(StrEnum):
    NONE = "none"
    SIGNATURE = "signature"
    PHOTO = "photo"
    PIN = "pin"
    MINIMUM_AGE = "minimum_age"


@dataclass(frozen=True)
class ProofRequirement:
    kind: ProofKind = ProofKind.NONE
    minimum_age_years: int | None = None

    def __post_init__(self) -> None:
        if self.kind is ProofKind.MINIMUM_AGE:
            if self.minimum_age_years is None or not 1 <= self.minimum_age_years <= 99:
                raise InvalidValue(
                    "proof.minimum_age_years", "must be 1-99 for a minimum_age proof"
                )
        elif self.minimum_age_years is not None:
            raise InvalidValue(
                "proof.minimum_age_years", "is only allowed when kind is minimum_age"
            )


@dataclass(frozen=True)
class Recipient:
    """Who receives the parcel. A phone or e-mail that looks wrong is kept as given: the
    intake checks flag it (invalid_phone, invalid_email) so a person can correct it, rather
    than the whole order being refused and lost at the door."""

    name: str
    phone: str = ""
    email: str = ""

    def __post_init__(self) -> None:
        text("recipient.name", self.name)
        text("recipient.phone", self.phone, max_length=40, required=False)
        text("recipient.email", self.email, max_length=254, required=False)


@dataclass(frozen=True)
class Address:
    """The address as the shipper gave it, and its parts as far as they are known."""

    as_given: str
    street: str = ""
    house_number: str = ""
    unit: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""

    def __post_init__(self) -> None:
        text("address.as_given", self.as_given, max_length=500)
        for part in ("street", "house_number", "unit", "postcode", "city"):
            text(f"address.{part}", getattr(self, part), max_length=200, required=False)
        if self.country and not _COUNTRY.match(self.country):
            raise InvalidValue("address.country", "must be an ISO 3166 alpha-2 code like FI")


@dataclass(frozen=True)
class Parcel:
    """One labelled item. ``volume_l`` is declared by the shipper when the dimensions are
    unknown (spreadsheets often give a volume only); with dimensions it is computed from them."""

    barcode: str
    weight_kg: float = 0.0
    length_cm: float = 0.0
    width_cm: float = 0.0
    height_cm: float = 0.0
    volume_l: float = 0.0

    def __post_init__(self) -> None:
        if not _BARCODE.match(self.barcode):
            raise InvalidValue(
                "parcels.barcode", "must be 1-64 printable characters without spaces"
            )
        for name in ("weight_kg", "length_cm", "width_cm", "height_cm", "volume_l"):
            non_negative(f"parcels.{name}", getattr(self, name))
        measured = self.length_cm * self.width_cm * self.height_cm / 1000.0
        if measured > 0:
            object.__setattr__(self, "volume_l", measured)

    @property
    def dimensioned(self) -> bool:
        return self.length_cm * self.width_cm * self.height_cm > 0


@dataclass(frozen=True)
class DeliveryPreferences:
    """What the recipient allows when not at home."""

    safe_place: str = ""
    neighbour: str = ""
    pickup_point: str = ""

    def __post_init__(self) -> None:
        for name in ("safe_place", "neighbour", "pickup_point"):
            text(f"preferences.{name}", getattr(self, name), max_length=300, required=False)


@dataclass(frozen=True)
class StatusChange:
    at: datetime
    from_status: OrderStatus
    to_status: OrderStatus
    reason: str = ""


@dataclass
class Order:
    """One delivery or pickup, with its parcels; status changes only through ``move_to``."""

    id: str
    organisation_id: str
    shipper: str
    shipper_reference: str
    kind: OrderKind
    recipient: Recipient
    address: Address
    created_at: datetime
    station_id: str | None = None
    location: Location | None = None
    service_date: date | None = None
    time_windows: tuple[TimeWindow, ...] = ()
    service_duration_s: int = 120
    parcels: tuple[Parcel, ...] = ()
    priority: Priority = Priority.NORMAL
    proof: ProofRequirement = field(default_factory=ProofRequirement)
    access_notes: str = ""
    preferences: DeliveryPreferences = field(default_factory=DeliveryPreferences)
    # What the vehicle or driver must have (refrigerated, lift_gate, adr): planned only on one.
    required_skills: frozenset[str] = frozenset()
    status: OrderStatus = OrderStatus.CREATED
    updated_at: datetime | None = None
    history: list[StatusChange] = field(default_factory=list)
    # What the data checks found, which blocking flags a person accepted, and the match used.
    flags: tuple[Flag, ...] = ()
    acknowledged: frozenset[FlagCode] = frozenset()
    geocode: Candidate | None = None
    location_source: LocationSource | None = None
    fingerprint: str = ""  # hash of the imported row; the same row again changes nothing

    def __post_init__(self) -> None:
        text("shipper", self.shipper, max_length=100)
        text("shipper_reference", self.shipper_reference, max_length=100)
        non_negative("service_duration_s", self.service_duration_s)
        text("access_notes", self.access_notes, max_length=1000, required=False)
        check_windows("time_windows", self.time_windows)
        check_skills("required_skills", self.required_skills)
        barcodes = [p.barcode for p in self.parcels]
        if len(barcodes) != len(set(barcodes)):
            raise InvalidValue(
                "parcels", "each parcel needs its own barcode; a barcode is repeated"
            )

    @property
    def weight_kg(self) -> float:
        return sum(p.weight_kg for p in self.parcels)

    @property
    def dedupe_key(self) -> str:
        """Same day, recipient and place: another open order with this key is likely a double.

        The place is the matched address when the match was accepted, so "Mannerheimintie 5"
        and "mannerheimintie 5, 00100 helsinki" meet; else the text as given.
        """
        place = self.geocode.label if self.geocode and self.geocode.accepted else ""
        parts = (
            str(self.service_date or ""),
            self.recipient.name,
            place or self.address.as_given,
            self.address.unit,
        )
        return "|".join(fold(part) for part in parts)[:500]

    @property
    def blocking_flags(self) -> tuple[Flag, ...]:
        """The flags that keep the order out of planning until a person acts."""
        return tuple(f for f in self.flags if f.blocking and f.code not in self.acknowledged)

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE

    def move_to(self, status: OrderStatus, at: datetime, reason: str = "") -> None:
        check_transition(self.status, status, subject=f"order {self.id}")
        self.history.append(StatusChange(at, self.status, status, reason))
        self.status = status
        self.updated_at = at
