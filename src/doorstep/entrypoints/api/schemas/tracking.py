"""The tracking page's JSON: what the recipient sees, and the changes they may send."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from doorstep.domain.errors import InvalidValue
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import DeliveryPreferences, OrderKind
from doorstep.domain.slots import Slot
from doorstep.entrypoints.api.schemas.values import LocationOut
from doorstep.services.tracking import IssuedLink
from doorstep.services.tracking_view import TrackingView


class TrackingLinkOut(BaseModel):
    token: str = Field(description="shown once: only its hash is stored")
    page: str = Field(description="the recipient's page, relative to this server")
    api: str
    expires_at: datetime


def link_out(issued: IssuedLink) -> TrackingLinkOut:
    token = issued.token
    return TrackingLinkOut(
        token=token,
        page=f"/t/{token}",
        api=f"/api/v1/track/{token}",
        expires_at=issued.record.expires_at,
    )


class WindowOut(BaseModel):
    start_at: datetime
    end_at: datetime


class VehicleOut(BaseModel):
    location: LocationOut
    at: datetime


class ProofOut(BaseModel):
    kind: str
    recipient_name: str
    at: datetime
    where: str
    files: list[str] = Field(description="SHA-256s, served under ./proof/{sha256}")


class PreferencesOut(BaseModel):
    safe_place: str
    neighbour: str
    pickup_point: str


class PartnerOut(BaseModel):
    carrier: str
    tracking_number: str


class TrackingOut(BaseModel):
    shipper: str
    shipper_reference: str
    kind: OrderKind
    status: OrderStatus
    headline: str = Field(description="the status in the recipient's words")
    service_date: date | None
    eta: WindowOut | None
    driver_first_name: str
    stops_before: int | None = Field(description="open stops before this one, when near")
    vehicle: VehicleOut | None = Field(description="only while among the next 3 stops")
    proof: ProofOut | None
    preferences: PreferencesOut
    has_access_notes: bool
    can_change_preferences: bool
    can_reschedule: bool
    link_expires_at: datetime
    partner: PartnerOut | None = Field(
        None, description="handed to a partner carrier: its name and tracking number there"
    )

    @classmethod
    def of(cls, v: TrackingView) -> TrackingOut:
        eta = WindowOut(start_at=v.eta.start_at, end_at=v.eta.end_at) if v.eta else None
        vehicle = None
        if v.vehicle is not None:
            where = LocationOut(lat=v.vehicle.location.lat, lon=v.vehicle.location.lon)
            vehicle = VehicleOut(location=where, at=v.vehicle.at)
        proof = None
        if v.proof is not None:
            p = v.proof
            proof = ProofOut(
                kind=p.kind, recipient_name=p.recipient_name, at=p.at, where=p.where,
                files=list(p.files),
            )  # fmt: skip
        prefs = v.preferences
        return cls(
            shipper=v.shipper, shipper_reference=v.shipper_reference, kind=v.kind,
            status=v.status, headline=v.headline, service_date=v.service_date, eta=eta,
            driver_first_name=v.driver_first_name, stops_before=v.stops_before,
            vehicle=vehicle, proof=proof,
            preferences=PreferencesOut(
                safe_place=prefs.safe_place, neighbour=prefs.neighbour,
                pickup_point=prefs.pickup_point,
            ),
            has_access_notes=v.has_access_notes,
            can_change_preferences=v.can_change_preferences, can_reschedule=v.can_reschedule,
            link_expires_at=v.link_expires_at,
            partner=(
                PartnerOut(carrier=v.partner.carrier, tracking_number=v.partner.tracking_number)
                if v.partner
                else None
            ),
        )  # fmt: skip


class PreferenceIn(BaseModel):
    """One choice for when nobody is home; it replaces any earlier one."""

    model_config = ConfigDict(extra="forbid")

    choice: Literal["safe_place", "neighbour", "pickup_point", "none"]
    note: str = Field(default="", max_length=200, description="safe place: where exactly")
    name: str = Field(default="", max_length=100, description="neighbour: their name")
    address: str = Field(default="", max_length=150, description="neighbour: their address")
    pickup_point_id: str = Field(default="", max_length=100)

    def to_domain(self) -> DeliveryPreferences:
        needs = {
            "safe_place": ("note",),
            "neighbour": ("name", "address"),
            "pickup_point": ("pickup_point_id",),
            "none": (),
        }[self.choice]
        for name in needs:
            if not getattr(self, name).strip():
                raise InvalidValue(name, f"is needed for the choice {self.choice}")
        if self.choice == "safe_place":
            return DeliveryPreferences(safe_place=self.note.strip())
        if self.choice == "neighbour":
            return DeliveryPreferences(neighbour=f"{self.name.strip()}, {self.address.strip()}")
        if self.choice == "pickup_point":
            return DeliveryPreferences(pickup_point=self.pickup_point_id.strip())
        return DeliveryPreferences()


class InstructionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=300, description="e.g. the door code, the floor")


class RescheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: date
    window_start: AwareDatetime = Field(description="the start_at of one of the offered slots")


class SlotOut(BaseModel):
    date: date
    start_at: datetime
    end_at: datetime
    free: int = Field(description="orders the slot still takes; 0 is full")

    @classmethod
    def of(cls, slot: Slot) -> SlotOut:
        w = slot.window
        return cls(date=slot.day, start_at=w.start_at, end_at=w.end_at, free=slot.free)


class SlotsOut(BaseModel):
    items: list[SlotOut]
