"""The driver's route as the driver app reads it."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from doorstep.services.driver_route import DriverRoute, RouteStop


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


class DriverRouteOut(BaseModel):
    vehicle_id: str
    vehicle_name: str
    plan_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    distance_m: int
    stops: list[RouteStopOut]
    open_stops: int

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
        )
