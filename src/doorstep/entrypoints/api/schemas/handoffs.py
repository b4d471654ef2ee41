"""Bodies of the hand-off endpoints (orders handed to partner carriers)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.handoffs import CarrierConnection, Handoff
from doorstep.services.carriers.handoff import EventReport


class HandOffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    carrier: str = Field(min_length=1, max_length=40, description="the partner's code or id")
    service_level: ServiceLevel | None = Field(
        None, description="same_day, next_day or scheduled; default: what the order needs"
    )


class HandoffOut(BaseModel):
    id: str
    order_id: str
    carrier_id: str
    carrier_code: str
    service_level: ServiceLevel
    service_date: date
    booking_id: str
    tracking_number: str
    status: str
    created_at: datetime
    cancelled_at: datetime | None
    last_event_at: datetime | None
    label_url: str

    @classmethod
    def of(cls, h: Handoff) -> HandoffOut:
        return cls(
            id=h.id,
            order_id=h.order_id,
            carrier_id=h.carrier_id,
            carrier_code=h.carrier_code,
            service_level=h.service_level,
            service_date=h.service_date,
            booking_id=h.booking_id,
            tracking_number=h.tracking_number,
            status=h.status.value,
            created_at=h.created_at,
            cancelled_at=h.cancelled_at,
            last_event_at=h.last_event_at,
            label_url=f"/api/v1/handoffs/{h.id}/label.pdf",
        )


class ConnectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(min_length=8, max_length=500)
    api_key: str = Field(min_length=1, max_length=500)
    webhook_secret: str = Field(min_length=10, max_length=200, description="whsec_ + base64")


class ConnectionOut(BaseModel):
    """A connection as shown back: the API key and the secret are never sent again."""

    carrier_id: str
    adapter: str
    base_url: str
    webhook_url: str
    updated_at: datetime

    @classmethod
    def of(cls, c: CarrierConnection, code: str) -> ConnectionOut:
        return cls(
            carrier_id=c.carrier_id,
            adapter=c.adapter,
            base_url=c.base_url,
            webhook_url=f"/api/v1/carrier-webhooks/{code}/{c.carrier_id}",
            updated_at=c.updated_at,
        )


class EventsOut(BaseModel):
    scans: dict[str, int]
    unknown_bookings: list[str]
    unknown_parcels: list[str]
    rejected: list[str] = Field(
        default_factory=list,
        description="scans refused, as 'barcode: why' (a delivery lacking its order's proof)",
    )

    @classmethod
    def of(cls, report: EventReport) -> EventsOut:
        return cls(
            scans=dict(report.scans),
            unknown_bookings=report.unknown_bookings,
            unknown_parcels=report.unknown_parcels,
            rejected=report.rejected,
        )
