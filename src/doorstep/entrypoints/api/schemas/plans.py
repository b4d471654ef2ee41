"""Bodies for planning jobs, plan versions, their comparison and an order's place in a plan."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from doorstep.planning.plan import Binding, Reason, Route
from doorstep.planning.versions import Comparison, Figures, PlanStatus, PlanVersion, route_figures
from doorstep.services.planning.day import COST_UNITS
from doorstep.services.planning.jobs import MAX_TIME_LIMIT_S, JobKind, JobStatus, PlanningJob
from doorstep.services.planning.plan_map import PlanMap
from doorstep.services.planning.runs import OrderExplanation

NOT_PLANNED = "not_planned"  # the code of orders that could not enter the plan at all


def money(cost: int) -> float:
    """Integer cost units as the organisation's currency, to the cent."""
    return round(cost / COST_UNITS, 2)


class VisitOut(BaseModel):
    order_id: str
    arrival_at: datetime
    start_at: datetime = Field(description="service starts; after arrival when it must wait")
    departure_at: datetime
    distance_from_previous_m: int
    load_after: list[int] = Field(description="what the vehicle carries on leaving, per dimension")


class RouteOut(BaseModel):
    vehicle_id: str
    driver_id: str | None
    stops: int
    distance_m: int
    cost: float
    start_at: datetime
    end_at: datetime
    break_start_at: datetime | None
    peak_load: float = Field(description="the fullest it gets, as a share of capacity (1 = full)")
    binding: Binding = Field(description="the constraint that stops it taking more work")
    visits: list[VisitOut]

    @classmethod
    def of(cls, v: PlanVersion, r: Route) -> RouteOut:
        figures = route_figures(v, r)
        vehicle = v.inputs.vehicles_by_id.get(r.vehicle_id)
        visits = [
            VisitOut(
                order_id=x.stop_id,
                arrival_at=v.at(x.arrival_s),
                start_at=v.at(x.start_s),
                departure_at=v.at(x.departure_s),
                distance_from_previous_m=x.distance_from_previous_m,
                load_after=list(x.load_after),
            )
            for x in r.visits
        ]
        return cls(
            vehicle_id=r.vehicle_id,
            driver_id=vehicle.driver_id if vehicle else None,
            stops=figures.stops,
            distance_m=r.distance_m,
            cost=money(r.cost),
            start_at=figures.start_at,
            end_at=figures.end_at,
            break_start_at=None if r.break_start_s is None else v.at(r.break_start_s),
            peak_load=round(figures.peak_load, 4),
            binding=figures.binding,
            visits=visits,
        )


class LeftOutOut(BaseModel):
    order_id: str
    code: str = Field(description=f"why: the planner's reason code, or {NOT_PLANNED}")
    message: str

    @classmethod
    def of(cls, order_id: str, reason: Reason | None) -> LeftOutOut:
        if reason is None:
            return cls(order_id=order_id, code="unexplained", message="")
        return cls(order_id=order_id, code=reason.code.value, message=reason.message)


class LockOut(BaseModel):
    vehicle_id: str
    order_ids: list[str] = Field(description="the route's first stops, kept in this order")
    closed: bool = Field(description="the route takes no stops after these")


class PlanSummaryOut(BaseModel):
    id: str
    number: int = Field(description="1, 2, ... per station and day")
    status: PlanStatus
    station_id: str
    service_date: date
    created_at: datetime
    created_by: str
    published_at: datetime | None
    cost: float = Field(description="routes' costs plus penalties of orders left out, currency")
    distance_m: int
    routes_used: int
    left_out: int

    @classmethod
    def of(cls, v: PlanVersion) -> PlanSummaryOut:
        return cls(**_summary(v))


def _summary(v: PlanVersion) -> dict[str, object]:
    return {
        "id": v.id,
        "number": v.number,
        "status": v.status,
        "station_id": v.station_id,
        "service_date": v.service_date,
        "created_at": v.created_at,
        "created_by": v.created_by,
        "published_at": v.published_at,
        "cost": money(v.plan.cost),
        "distance_m": v.plan.distance_m,
        "routes_used": sum(1 for r in v.plan.routes if r.visits),
        "left_out": len(v.plan.unassigned) + len(v.left_out),
    }


class PlanOut(PlanSummaryOut):
    epoch: datetime = Field(description="local midnight at the station, the day's time origin")
    time_limit_s: float
    seed: int
    solver: str
    runtime_s: float
    notes: list[str]
    routes: list[RouteOut]
    unassigned: list[LeftOutOut]
    locked: list[LockOut]

    @classmethod
    def of(cls, v: PlanVersion) -> PlanOut:
        unassigned = [LeftOutOut.of(u.stop_id, u.reason) for u in v.plan.unassigned]
        unassigned += [LeftOutOut(order_id=o, code=NOT_PLANNED, message=m) for o, m in v.left_out]
        return cls(
            **_summary(v),
            epoch=v.epoch,
            time_limit_s=v.time_limit_s,
            seed=v.seed,
            solver=v.plan.solver,
            runtime_s=round(v.plan.runtime_s, 3),
            notes=list(v.plan.notes),
            routes=[RouteOut.of(v, r) for r in v.plan.routes],
            unassigned=unassigned,
            locked=[
                LockOut(vehicle_id=k.vehicle_id, order_ids=list(k.stop_ids), closed=k.closed)
                for k in v.locked
            ],
        )


class PlanListOut(BaseModel):
    items: list[PlanSummaryOut]


class FiguresOut(BaseModel):
    plan_id: str
    number: int
    cost: float
    distance_m: int
    lateness_s: int = Field(description="seconds past missed windows, summed; 0 for valid plans")
    routes_used: int
    unassigned: int

    @classmethod
    def of(cls, f: Figures) -> FiguresOut:
        return cls(**{**vars(f), "cost": money(f.cost)})


class MoveOut(BaseModel):
    order_id: str
    vehicle_a: str | None = Field(description="its vehicle in plan a; null: left out")
    vehicle_b: str | None


class ComparisonOut(BaseModel):
    a: FiguresOut
    b: FiguresOut
    moved: list[MoveOut]
    added: list[str] = Field(description="orders only in plan b")
    dropped: list[str] = Field(description="orders only in plan a")

    @classmethod
    def of(cls, c: Comparison) -> ComparisonOut:
        return cls(
            a=FiguresOut.of(c.a),
            b=FiguresOut.of(c.b),
            moved=[
                MoveOut(order_id=m.stop_id, vehicle_a=m.vehicle_a, vehicle_b=m.vehicle_b)
                for m in c.moved
            ],
            added=list(c.added),
            dropped=list(c.dropped),
        )


class OrderExplanationOut(BaseModel):
    order_id: str
    plan: PlanSummaryOut = Field(description="the newest plan that holds the order")
    vehicle_id: str | None
    position: int | None = Field(description="1 for the route's first stop")
    arrival_at: datetime | None
    start_at: datetime | None
    binding: Binding | None = Field(description="what limits the order's route")
    left_out: LeftOutOut | None

    @classmethod
    def of(cls, e: OrderExplanation) -> OrderExplanationOut:
        left = None
        if e.route is None:
            left = (
                LeftOutOut(order_id=e.order_id, code=NOT_PLANNED, message=e.left_out)
                if e.left_out is not None
                else LeftOutOut.of(e.order_id, e.reason)
            )
        return cls(
            order_id=e.order_id,
            plan=PlanSummaryOut.of(e.version),
            vehicle_id=e.route.vehicle_id if e.route else None,
            position=e.position,
            arrival_at=e.arrival_at,
            start_at=e.start_at,
            binding=e.binding,
            left_out=left,
        )


class PlanningJobIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    station: str = Field(description="the station, by code (HEL1) or id")
    date: dt.date = Field(description="the day to plan, YYYY-MM-DD")
    time_limit_s: float = Field(
        30.0, gt=0, le=MAX_TIME_LIMIT_S, description="wall time the search may take"
    )
    seed: int = Field(0, ge=0, description="one seed repeats a search")


class JobProgressOut(BaseModel):
    """The search so far, as the plan its best solution reads back as."""

    elapsed_s: float
    best_cost: float | None = Field(
        description="the best plan's route cost so far, currency: fixed, distance and time "
        "costs as the stored plan's routes count them, no penalties; the last report of a "
        "finished job is the stored plan's route cost; null until the solver tells"
    )
    left_out: int | None = Field(
        description="stops the best plan so far leaves out; null until the solver tells"
    )
    feasible: bool = Field(description="the best so far serves every required stop by the rules")
    search_objective: float | None = Field(
        description="the solver's own objective in currency-like units, penalties of stops "
        "left out and of broken rules included: it shows the search improving, not a cost; "
        "null while nothing feasible was found"
    )


class PlanningJobOut(BaseModel):
    id: str
    kind: JobKind = Field(
        description="plan: a day's plan; improve: re-plan routes after a live change; "
        "allocate: the day between the own fleet and partners"
    )
    status: JobStatus
    station: str = Field(description="the station's id")
    date: dt.date
    time_limit_s: float
    seed: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: JobProgressOut | None = Field(description="null until the solver first reports")
    cancel_requested: bool = Field(description="a running job stops at its next report")
    plan_id: str | None = Field(description="the version it stored (also when cancelled)")
    error: str | None
    base_plan_id: str | None = Field(description="for an improvement job: the plan it improves")
    vehicle_ids: list[str] = Field(description="for an improvement job: the routes it re-plans")
    outcome: str | None = Field(description="what a finished job did, in words")

    @classmethod
    def of(cls, j: PlanningJob) -> PlanningJobOut:
        p = j.progress
        progress = None
        if p is not None:
            progress = JobProgressOut(
                elapsed_s=round(p.elapsed_s, 3),
                best_cost=None if p.route_cost is None else money(p.route_cost),
                left_out=p.left_out,
                feasible=p.feasible,
                search_objective=None if p.best_cost is None else money(p.best_cost),
            )
        return cls(
            id=j.id,
            kind=j.kind,
            status=j.status,
            station=j.station_id,
            date=j.service_date,
            time_limit_s=j.time_limit_s,
            seed=j.seed,
            created_at=j.created_at,
            started_at=j.started_at,
            finished_at=j.finished_at,
            progress=progress,
            cancel_requested=j.cancel_requested,
            plan_id=j.plan_id,
            error=j.error,
            base_plan_id=j.base_plan_id,
            vehicle_ids=list(j.vehicle_ids),
            outcome=j.outcome,
        )


class LockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stop_ids: list[str] | None = Field(
        None, description="lock the route up to the last of these; omit for the whole route"
    )
    closed: bool = Field(False, description="the route takes no new stops")


class MapStopOut(BaseModel):
    order_id: str
    position: int
    lat: float
    lon: float
    arrival_at: datetime
    departure_at: datetime


class MapRouteOut(BaseModel):
    vehicle_id: str
    vehicle_name: str
    profile: str
    start_at: datetime
    end_at: datetime
    distance_m: int
    stops: list[MapStopOut]
    path: list[tuple[float, float]] = Field(description="(lat, lon) along the roads")
    straight_legs: int = Field(description="legs drawn straight: no road path joins them")


class MapLeftOutOut(BaseModel):
    order_id: str
    reason: str
    lat: float | None
    lon: float | None


class PlanMapOut(BaseModel):
    plan: PlanSummaryOut
    depot: tuple[float, float]
    routes: list[MapRouteOut]
    left_out: list[MapLeftOutOut]

    @classmethod
    def of(cls, m: PlanMap) -> PlanMapOut:
        def rounded(p: tuple[float, float]) -> tuple[float, float]:
            return (round(p[0], 6), round(p[1], 6))

        return cls(
            plan=PlanSummaryOut.of(m.version),
            depot=m.depot,
            routes=[
                MapRouteOut(
                    vehicle_id=r.vehicle_id,
                    vehicle_name=r.vehicle_name,
                    profile=r.profile,
                    start_at=r.start_at,
                    end_at=r.end_at,
                    distance_m=r.distance_m,
                    stops=[MapStopOut(**vars(s)) for s in r.stops],
                    path=[rounded(p) for p in r.path],
                    straight_legs=r.straight_legs,
                )
                for r in m.routes
            ],
            left_out=[MapLeftOutOut(**vars(x)) for x in m.left_out],
        )
