"""The station's day as the API returns it: sort plan, receiving, day end, dispatch board."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from doorstep.domain.dispatch import DayProgress
from doorstep.domain.loadout import Departure
from doorstep.domain.partner_progress import CarrierTotals, PartnerDelivery
from doorstep.domain.reconciliation import Expected, Whereabouts
from doorstep.domain.sorting import SortLine
from doorstep.services.dispatch import Board
from doorstep.services.loadout import LoadOut
from doorstep.services.reconciliation import DayClosed, DayEndReport, ReceivingReport
from doorstep.services.sorting import SortPlan


class SortLineOut(BaseModel):
    barcode: str
    order_id: str
    lane: str
    position: int
    load_index: int
    vehicle_id: str
    vehicle_name: str
    stops_on_route: int
    shipper_reference: str
    recipient_name: str
    address: str
    planned: str

    @classmethod
    def of(cls, line: SortLine) -> SortLineOut:
        a = line.assignment
        return cls(
            barcode=a.barcode,
            order_id=a.order_id,
            lane=a.lane,
            position=a.position,
            load_index=a.load_index,
            vehicle_id=a.vehicle_id,
            vehicle_name=line.vehicle_name,
            stops_on_route=line.stops_on_route,
            shipper_reference=line.shipper_reference,
            recipient_name=line.recipient_name,
            address=line.address,
            planned=line.window,
        )


class SortPlanOut(BaseModel):
    station_id: str
    station_code: str
    service_date: dt.date
    plan_id: str
    plan_number: int
    lines: list[SortLineOut]

    @classmethod
    def of(cls, plan: SortPlan) -> SortPlanOut:
        return cls(
            station_id=plan.station.id,
            station_code=plan.station.code,
            service_date=plan.version.service_date,
            plan_id=plan.version.id,
            plan_number=plan.version.number,
            lines=[SortLineOut.of(line) for line in plan.lines],
        )


class ParcelRefOut(BaseModel):
    barcode: str
    order_id: str
    shipper: str
    shipper_reference: str

    @classmethod
    def of(cls, e: Expected) -> ParcelRefOut:
        return cls(
            barcode=e.barcode,
            order_id=e.order_id,
            shipper=e.shipper,
            shipper_reference=e.shipper_reference,
        )


class ManifestOut(BaseModel):
    shipper: str
    expected: int
    received: list[str]
    missing: list[ParcelRefOut]
    damaged: list[str]


class UnexpectedOut(BaseModel):
    barcode: str
    why: str


class ReceivingOut(BaseModel):
    station_code: str
    service_date: dt.date
    manifests: list[ManifestOut]
    unexpected: list[UnexpectedOut]

    @classmethod
    def of(cls, report: ReceivingReport) -> ReceivingOut:
        r = report.receiving
        manifests = [
            ManifestOut(
                shipper=m.shipper,
                expected=m.expected,
                received=list(m.received),
                missing=[ParcelRefOut.of(e) for e in m.missing],
                damaged=list(m.damaged),
            )
            for m in r.manifests
        ]
        unexpected = [UnexpectedOut(barcode=b, why=w) for b, w in r.unexpected]
        return cls(
            station_code=report.station.code,
            service_date=report.day,
            manifests=manifests,
            unexpected=unexpected,
        )


class DayEndOut(BaseModel):
    station_code: str
    service_date: dt.date
    counts: dict[Whereabouts, int]
    unaccounted: list[ParcelRefOut]

    @classmethod
    def of(cls, report: DayEndReport) -> DayEndOut:
        end = report.day_end
        return cls(
            station_code=report.station.code,
            service_date=report.day,
            counts={w: end.count(w) for w in Whereabouts},
            unaccounted=[ParcelRefOut.of(e) for e in end.unaccounted],
        )


class LoadItemOut(BaseModel):
    barcode: str
    order_id: str
    lane: str
    position: int
    load_index: int
    status: str
    loaded: bool


class DepartureOut(BaseModel):
    id: str
    vehicle_id: str
    plan_id: str
    departed_at: dt.datetime
    actor_id: str
    loaded: list[str]
    missing: list[str]
    override_reason: str

    @classmethod
    def of(cls, d: Departure) -> DepartureOut:
        return cls(
            id=d.id,
            vehicle_id=d.vehicle_id,
            plan_id=d.plan_id,
            departed_at=d.departed_at,
            actor_id=d.actor_id,
            loaded=list(d.loaded),
            missing=list(d.missing),
            override_reason=d.override_reason,
        )


class LoadOutOut(BaseModel):
    vehicle_id: str
    vehicle_name: str
    plan_id: str
    items: list[LoadItemOut] = Field(description="load order: the last stop's parcels first")
    missing: list[str]
    departure: DepartureOut | None

    @classmethod
    def of(cls, found: LoadOut) -> LoadOutOut:
        items = [
            LoadItemOut(
                barcode=i.assignment.barcode,
                order_id=i.assignment.order_id,
                lane=i.assignment.lane,
                position=i.assignment.position,
                load_index=i.assignment.load_index,
                status=i.status.value,
                loaded=i.loaded,
            )
            for i in found.list.items
        ]
        return cls(
            vehicle_id=found.vehicle.id,
            vehicle_name=found.vehicle.name,
            plan_id=found.version.id,
            items=items,
            missing=[i.assignment.barcode for i in found.list.missing],
            departure=DepartureOut.of(found.departure) if found.departure else None,
        )


class DepartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    override_reason: str = Field(
        "", max_length=500, description="needed when parcels are missing: why it leaves without"
    )


class RetryOut(BaseModel):
    order_id: str
    attempts: int = Field(description="failed attempts so far")
    returned: bool = Field(description="true: back to the sender; false: tried again next day")


class DayClosedOut(BaseModel):
    station_code: str
    service_date: dt.date
    next_day: dt.date
    retried: list[RetryOut]
    unaccounted: list[ParcelRefOut]

    @classmethod
    def of(cls, closed: DayClosed) -> DayClosedOut:
        return cls(
            station_code=closed.station.code,
            service_date=closed.day,
            next_day=closed.next_day,
            retried=[
                RetryOut(order_id=r.order_id, attempts=r.attempts, returned=r.returned)
                for r in closed.retried
            ],
            unaccounted=[ParcelRefOut.of(e) for e in closed.unaccounted],
        )


class AssignDriverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    driver: str = Field(description="the driver, by name or id")


class RouteProgressOut(BaseModel):
    vehicle_id: str
    vehicle_name: str
    driver_id: str | None
    state: str
    planned_start: dt.datetime
    departed_at: dt.datetime | None
    stops_total: int
    stops_done: int
    delay_min: int = Field(description="how late the route runs against its plan")
    behind: bool
    at_risk: list[str] = Field(description="orders projected to miss their window")
    dwelling: list[str] = Field(description="orders the driver has been at for over 20 min")
    ended_at: dt.datetime | None = Field(description="when the driver ended the route")


class PartnerDeliveryOut(BaseModel):
    """An order of the day handed to a partner carrier, as the board shows it."""

    handoff_id: str = Field(description="the hand-off (GET /handoffs/{id})")
    order_id: str
    shipper_reference: str
    recipient_name: str
    carrier_code: str
    carrier_name: str
    tracking_number: str = Field(description="the partner's tracking number")
    handoff_status: str = Field(
        description="the hand-off: booked, in_progress, delivered or returned"
    )
    order_status: str = Field(
        description="the order's status, moved by the partner's events as by scans "
        "(handed_off, out_for_delivery, delivered, failed_attempt, received...)"
    )
    stage: str = Field(
        description="where the delivery stands: booked (no partner event yet), in_progress, "
        "delivered, failed (the partner's attempt failed) or returned"
    )
    window_start: dt.datetime | None = Field(description="the earliest start of its windows")
    window_end: dt.datetime | None = Field(description="the latest end of its windows")
    due_at: dt.datetime = Field(
        description="when it is due: its window's end, else the end of its service day at "
        "the station (local midnight)"
    )
    last_event_at: dt.datetime | None = Field(
        description="the time of the partner's latest event (None: none yet)"
    )
    overdue: bool = Field(
        description="due_at has passed while it is still booked or in progress (the watch "
        "opens a late_risk case for it)"
    )
    lat: float | None = Field(description="the order's delivery point (None: not located)")
    lon: float | None = Field(description="the order's delivery point (None: not located)")

    @classmethod
    def of(cls, d: PartnerDelivery) -> PartnerDeliveryOut:
        f = d.facts
        return cls(
            handoff_id=f.handoff_id,
            order_id=f.order_id,
            shipper_reference=f.reference,
            recipient_name=f.recipient,
            carrier_code=f.carrier_code,
            carrier_name=f.carrier_name,
            tracking_number=f.tracking_number,
            handoff_status=f.handoff_status.value,
            order_status=f.order_status.value,
            stage=d.stage.value,
            window_start=f.window_start,
            window_end=f.window_end,
            due_at=d.due_at,
            last_event_at=f.last_event_at,
            overdue=d.overdue,
            lat=f.location.lat if f.location else None,
            lon=f.location.lon if f.location else None,
        )


class PartnerTotalsOut(BaseModel):
    """One carrier's partner deliveries of the day by stage. Each delivery counts in one
    stage; ``overdue`` counts the booked and in-progress ones past due once more."""

    carrier_code: str
    carrier_name: str
    total: int
    booked: int
    in_progress: int
    delivered: int
    failed: int
    returned: int
    overdue: int

    @classmethod
    def of(cls, t: CarrierTotals) -> PartnerTotalsOut:
        return cls(
            carrier_code=t.carrier_code,
            carrier_name=t.carrier_name,
            total=t.total,
            booked=t.booked,
            in_progress=t.in_progress,
            delivered=t.delivered,
            failed=t.failed,
            returned=t.returned,
            overdue=t.overdue,
        )


class DayProgressOut(BaseModel):
    """How far the station's day is: the own vans' stops, the partner deliveries and the two
    together. A stop or partner delivery is done once delivered or failed; a partner's
    return settles its delivery too."""

    stops_total: int = Field(description="the own vans' stops (the routes' stops_total summed)")
    stops_done: int = Field(description="of those, the ones done (the routes' stops_done summed)")
    partners_total: int = Field(
        description="the orders handed to partner carriers for the day, cancelled hand-offs "
        "left out; an order handed off again after a return counts once"
    )
    partners_done: int = Field(
        description="of those, the ones the partner delivered, failed or returned, with no "
        "hand-off of theirs still open"
    )
    total: int = Field(
        description="the day's orders, vans' and partners' together: stops_total + "
        "partners_total, less the orders both on a route and handed off (counted once)"
    )
    done: int = Field(description="of those, the ones done")

    @classmethod
    def of(cls, p: DayProgress) -> DayProgressOut:
        return cls(
            stops_total=p.stops_total,
            stops_done=p.stops_done,
            partners_total=p.partners_total,
            partners_done=p.partners_done,
            total=p.total,
            done=p.done,
        )


class BoardOut(BaseModel):
    station_code: str
    plan_id: str | None = Field(
        description="the published plan the routes follow; None when the day has no "
        "published plan but has partner deliveries (then there are no routes)"
    )
    at: dt.datetime
    routes: list[RouteProgressOut]
    partners: list[PartnerDeliveryOut] = Field(
        description="the station's orders handed to partner carriers for the day (cancelled "
        "hand-offs left out), overdue ones first, then open ones by due time"
    )
    partner_totals: list[PartnerTotalsOut] = Field(
        description="per partner carrier (by code), its deliveries of the day by stage"
    )
    progress: DayProgressOut = Field(
        description="the whole day's progress: the vans' stops and the partner deliveries, "
        "each done of all, and together"
    )

    @classmethod
    def of(cls, board: Board) -> BoardOut:
        routes = [
            RouteProgressOut(
                vehicle_id=r.vehicle_id,
                vehicle_name=board.names.get(r.vehicle_id, r.vehicle_id),
                driver_id=board.drivers.get(r.vehicle_id),
                state=r.state.value,
                planned_start=r.planned_start,
                departed_at=r.departed_at,
                stops_total=r.stops_total,
                stops_done=r.stops_done,
                delay_min=int(r.delay.total_seconds() // 60),
                behind=r.behind,
                at_risk=list(r.at_risk),
                dwelling=list(r.dwelling),
                ended_at=r.ended_at,
            )
            for r in board.routes
        ]
        return cls(
            station_code=board.station.code,
            plan_id=board.version.id if board.version else None,
            at=board.at,
            routes=routes,
            partners=[PartnerDeliveryOut.of(d) for d in board.partners],
            partner_totals=[PartnerTotalsOut.of(t) for t in board.partner_totals],
            progress=DayProgressOut.of(board.day),
        )
