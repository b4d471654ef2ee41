"""The driver's route as the driver app reads it."""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from doorstep.domain.breaks import BreakStatus, PlannedBreak
from doorstep.domain.hours import DutyStatus, RuleSet
from doorstep.services.driver_route import DriverRoute, RouteStop
from doorstep.services.eta import RouteEtas
from doorstep.services.hours import Hours


class ParcelOnRouteOut(BaseModel):
    barcode: str
    status: str


class WindowOut(BaseModel):
    start_at: dt.datetime
    end_at: dt.datetime


class RouteStopOut(BaseModel):
    number: int
    order_id: str
    kind: str
    recipient_name: str
    recipient_phone: str
    address: str
    lat: float | None
    lon: float | None
    windows: list[WindowOut]
    access_notes: str
    safe_place: str
    neighbour: str
    proof_required: str
    minimum_age_years: int | None
    arrival_at: dt.datetime
    start_at: dt.datetime
    departure_at: dt.datetime
    parcels: list[ParcelOnRouteOut]

    @classmethod
    def of(cls, stop: RouteStop) -> RouteStopOut:
        o = stop.order
        return cls(
            number=stop.number,
            order_id=o.id,
            kind=o.kind.value,
            recipient_name=o.recipient.name,
            recipient_phone=o.recipient.phone,
            address=o.address.as_given,
            lat=o.location.lat if o.location else None,
            lon=o.location.lon if o.location else None,
            windows=[WindowOut(start_at=w.start_at, end_at=w.end_at) for w in o.time_windows],
            access_notes=o.access_notes,
            safe_place=o.preferences.safe_place,
            neighbour=o.preferences.neighbour,
            proof_required=o.proof.kind.value,
            minimum_age_years=o.proof.minimum_age_years,
            arrival_at=stop.arrival_at,
            start_at=stop.start_at,
            departure_at=stop.departure_at,
            parcels=[ParcelOnRouteOut(barcode=b, status=s.value) for b, s in stop.parcels],
        )


class PlannedBreakOut(BaseModel):
    after_stop: int = Field(description="the stop number it follows; 0: before the first stop")
    start_at: dt.datetime
    end_at: dt.datetime
    duration_s: int

    @classmethod
    def of(cls, b: PlannedBreak) -> PlannedBreakOut:
        return cls(
            after_stop=b.after_stop, start_at=b.start_at, end_at=b.end_at, duration_s=b.duration_s
        )


class PauseOut(BaseModel):
    start_at: dt.datetime
    end_at: dt.datetime = Field(description="so far, when the break is still running")
    duration_s: int


class BreakStatusOut(BaseModel):
    driver_id: str
    at: dt.datetime
    taken: list[PauseOut] = Field(description="off-duty pauses today that count as a break")
    on_break: bool
    break_due: bool = Field(
        description="the planned break's time has come and none was taken, or the driver's "
        "hours-of-service rules require one now"
    )
    until_break_s: float = Field(description="driving left before the rules require a break")

    @classmethod
    def of(cls, b: BreakStatus) -> BreakStatusOut:
        taken = [
            PauseOut(
                start_at=p.start, end_at=p.end, duration_s=int((p.end - p.start).total_seconds())
            )
            for p in b.taken
        ]
        return cls(
            driver_id=b.driver_id,
            at=b.at,
            taken=taken,
            on_break=b.on_break,
            break_due=b.due,
            until_break_s=b.until_break_s,
        )


class DriverRouteOut(BaseModel):
    vehicle_id: str
    vehicle_name: str
    plan_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    distance_m: int
    stops: list[RouteStopOut]
    open_stops: int
    breaks: list[PlannedBreakOut] = Field(description="the plan's breaks, in route order")
    break_status: BreakStatusOut | None = Field(
        description="the driver's breaks today; null when nobody drives the route"
    )

    @classmethod
    def of(cls, route: DriverRoute) -> DriverRouteOut:
        return cls(
            vehicle_id=route.vehicle.id,
            vehicle_name=route.vehicle.name,
            plan_id=route.version.id,
            starts_at=route.starts_at,
            ends_at=route.ends_at,
            distance_m=route.distance_m,
            stops=[RouteStopOut.of(s) for s in route.stops],
            open_stops=len(route.open_stops),
            breaks=[PlannedBreakOut.of(b) for b in route.breaks],
            break_status=BreakStatusOut.of(route.break_status) if route.break_status else None,
        )


class DutyChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=8, max_length=64, description="made on the device")
    status: DutyStatus
    at: AwareDatetime = Field(description="from when, as the device saw it")


class DutyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    changes: list[DutyChangeIn] = Field(min_length=1, max_length=1000)


class DutyOut(BaseModel):
    stored: int
    duplicates: int


class FindingOut(BaseModel):
    kind: str
    rule: str
    message: str
    at: dt.datetime


class HoursOut(BaseModel):
    driver_id: str
    rules: RuleSet
    at: dt.datetime
    status: DutyStatus
    driving_s: float
    driving_left_s: float
    window_left_s: float | None
    until_break_s: float
    break_due: bool
    findings: list[FindingOut]

    @classmethod
    def of(cls, h: Hours) -> HoursOut:
        c = h.clock
        return cls(
            driver_id=h.driver.id,
            rules=h.rule_set,
            at=c.at,
            status=c.status,
            driving_s=c.driving_s,
            driving_left_s=c.driving_left_s,
            window_left_s=c.window_left_s,
            until_break_s=c.until_break_s,
            break_due=c.break_due,
            findings=[
                FindingOut(kind=f.kind.value, rule=f.rule.value, message=f.message, at=f.at)
                for f in h.findings
            ],
        )


class StopEtaOut(BaseModel):
    order_id: str
    eta: dt.datetime
    earliest: dt.datetime = Field(description="p10: one in ten arrivals earlier")
    latest: dt.datetime = Field(description="p90: one in ten arrivals later")
    late_probability: float = Field(description="of starting service after the window")
    late_risk: bool


class RouteEtasOut(BaseModel):
    vehicle_id: str
    at: dt.datetime
    stops: list[StopEtaOut]

    @classmethod
    def of(cls, found: RouteEtas) -> RouteEtasOut:
        return cls(
            vehicle_id=found.vehicle_id,
            at=found.at,
            stops=[StopEtaOut(**vars(s)) for s in found.stops],
        )
