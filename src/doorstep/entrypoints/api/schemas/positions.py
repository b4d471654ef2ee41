"""Bodies for GPS positions: a batch of pings in, counts out; trails and visits read back."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from doorstep.domain.positions import Ping, PingSource, PositionSettings
from doorstep.services.positions import MAX_BATCH, IncomingPing, IngestReport, StopVisit

# 5,000 pings of about 200 bytes each, with room to spare: more than the default body limit.
MAX_BATCH_BYTES = 4 * 1024 * 1024


class PingIn(BaseModel):
    # Value ranges are the domain's to check, per ping: one bad fix rejects itself, not the
    # other 4,999 of its batch. Only the shape of a ping is checked here.
    model_config = ConfigDict(extra="forbid")

    device_id: str = Field(max_length=64, description="the phone or telematics unit")
    vehicle_id: str = Field(max_length=40, description="the vehicle's id")
    device_time: AwareDatetime = Field(description="when the device took the fix, with offset")
    lat: float
    lon: float
    accuracy_m: float = Field(description="the fix's horizontal accuracy (radius), metres")
    speed_mps: float | None = Field(None, description="metres per second; -1 or none: unknown")
    heading_deg: float | None = Field(None, description="0-360, clockwise from north")
    source: PingSource = PingSource.APP

    def to_incoming(self) -> IncomingPing:
        return IncomingPing(
            self.device_id, self.vehicle_id, self.device_time, self.lat, self.lon,
            self.accuracy_m, self.speed_mps, self.heading_deg, self.source,
        )  # fmt: skip


class PingBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pings: list[PingIn] = Field(min_length=1, max_length=MAX_BATCH)


class RejectedOut(BaseModel):
    index: int = Field(description="the ping's place in the batch, from 0")
    field: str
    message: str


class PingBatchOut(BaseModel):
    stored: int
    duplicate: int = Field(description="stored before (a retry): nothing changed")
    rejected: list[RejectedOut]

    @classmethod
    def of(cls, report: IngestReport) -> PingBatchOut:
        rejected = [
            RejectedOut(index=r.index, field=r.field, message=r.message) for r in report.rejected
        ]
        return cls(stored=report.stored, duplicate=report.duplicate, rejected=rejected)


class PingOut(BaseModel):
    device_id: str
    device_time: datetime
    lat: float
    lon: float
    accuracy_m: float
    speed_mps: float | None
    heading_deg: float | None
    source: PingSource

    @classmethod
    def of(cls, ping: Ping) -> PingOut:
        return cls(
            device_id=ping.device_id,
            device_time=ping.device_time,
            lat=ping.lat,
            lon=ping.lon,
            accuracy_m=ping.accuracy_m,
            speed_mps=ping.speed_mps,
            heading_deg=ping.heading_deg,
            source=ping.source,
        )


class BreadcrumbsOut(BaseModel):
    vehicle_id: str
    date: date
    pings: list[PingOut]


class VisitOut(BaseModel):
    number: int = Field(description="the stop's place on the route, from 1")
    stop_id: str = Field(description="the order's id")
    planned_arrival_at: datetime
    arrived_at: datetime
    departed_at: datetime | None = Field(description="null: still there at the last ping")

    @classmethod
    def of(cls, visit: StopVisit) -> VisitOut:
        return cls(
            number=visit.number,
            stop_id=visit.stop_id,
            planned_arrival_at=visit.planned_arrival_at,
            arrived_at=visit.arrived_at,
            departed_at=visit.departed_at,
        )


class VisitsOut(BaseModel):
    vehicle_id: str
    date: date
    visits: list[VisitOut]


class PositionSettingsOut(BaseModel):
    retention_days: int
    geofence_radius_m: float
    geofence_dwell_s: float

    @classmethod
    def of(cls, settings: PositionSettings) -> PositionSettingsOut:
        return cls(
            retention_days=settings.retention_days,
            geofence_radius_m=settings.geofence_radius_m,
            geofence_dwell_s=settings.geofence_dwell_s,
        )


class PositionSettingsPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    retention_days: int | None = Field(None, description="days pings are kept")
    geofence_radius_m: float | None = Field(None, description="within this of a stop is there")
    geofence_dwell_s: float | None = Field(None, description="for this long, to have arrived")

    def changes(self) -> dict[str, float]:
        return self.model_dump(exclude_none=True)
