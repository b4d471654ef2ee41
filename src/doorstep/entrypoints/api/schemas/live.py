"""Bodies for live changes to a running plan: a new order, a vehicle off the road, a move."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from doorstep.entrypoints.api.schemas.plans import PlanningJobOut, PlanOut, money
from doorstep.planning.versions import PlanVersion
from doorstep.services.planning.jobs import MAX_TIME_LIMIT_S, PlanningJob
from doorstep.services.planning.live import LiveChange


class AddOrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: str = Field(description="a ready order of the plan's station and day")
    improve_s: float = Field(
        5.0,
        ge=0,
        le=MAX_TIME_LIMIT_S,
        description="then re-plan the routes it touched in the background this long (0: don't)",
    )
    reorder_loaded: bool = Field(
        False, description="the re-plan may reorder parcels already loaded on vans on the road"
    )


class OffRoadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vehicle_id: str = Field(description="the vehicle out for the rest of the day")
    improve_s: float = Field(5.0, ge=0, le=MAX_TIME_LIMIT_S, description="as for a new order")
    reorder_loaded: bool = Field(False, description="as for a new order")


class ImproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vehicle_ids: list[str] = Field(
        default_factory=list, max_length=500, description="the routes to re-plan"
    )
    station_vans: bool = Field(
        False,
        description="also every van still at the station, with the day's left-out stops "
        "offered to them (after a breakdown whose stops did not all fit)",
    )
    time_limit_s: float = Field(10.0, gt=0, le=MAX_TIME_LIMIT_S, description="seconds")
    reorder_loaded: bool = Field(False, description="as for a new order")

    @model_validator(mode="after")
    def _something(self) -> ImproveIn:
        if not self.vehicle_ids and not self.station_vans:
            raise ValueError("name vehicle_ids to re-plan, or set station_vans: true")
        return self


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_ids: list[str] = Field(min_length=1, description="the orders to move, in this order")
    vehicle_id: str = Field(description="the vehicle whose route takes them")
    position: int | None = Field(
        None, ge=0, description="0 = its first stop; omit for the cheapest on-time place"
    )
    save: bool = Field(False, description="store it; refused (409) if it breaks a rule")


class ConsequenceOut(BaseModel):
    code: str = Field(description="the rule: window, capacity, shift, skills, ...")
    message: str = Field(
        description="what breaks, for a person: the station's clock times, minutes, vans by "
        "name (e.g. 'Van 1 would reach stop ord_... at 07:14, after its window 07:00-07:10, "
        "4 min late')"
    )
    vehicle_id: str | None
    order_id: str | None


class RouteChangeOut(BaseModel):
    vehicle_id: str
    stops_before: int
    stops_after: int
    distance_before_m: int
    distance_after_m: int
    cost_before: float
    cost_after: float


class LiveChangeOut(BaseModel):
    saved: bool = Field(description="false for a preview: nothing was stored")
    base_plan_id: str
    plan: PlanOut = Field(description="the new version (for a preview: as it would be)")
    affected: list[RouteChangeOut] = Field(description="the routes the change touched")
    cost_change: float = Field(
        description="the plan's cost after minus before, currency units: the routes' costs "
        "plus the penalties of optional stops left out (the planner's objective)"
    )
    route_cost_change: float = Field(
        description="the routes' cost after minus before, in the organisation's currency: "
        "what driving the day costs more or less, stops left out not priced"
    )
    consequences: list[ConsequenceOut] = Field(description="rules a move would break")
    improvement_job: PlanningJobOut | None = Field(
        None, description="the background job re-planning the touched routes, if started"
    )

    @classmethod
    def of(cls, change: LiveChange, job: PlanningJob | None = None) -> LiveChangeOut:
        return cls(
            saved=change.saved,
            base_plan_id=change.base.id,
            plan=PlanOut.of(change.version),
            affected=[_route_change(change.base, change.version, v) for v in change.affected],
            cost_change=money(change.version.plan.cost - change.base.plan.cost),
            route_cost_change=money(
                sum(r.cost for r in change.version.plan.routes)
                - sum(r.cost for r in change.base.plan.routes)
            ),
            consequences=[
                ConsequenceOut(
                    code=str(v.code), message=v.message, vehicle_id=v.vehicle_id, order_id=v.stop_id
                )
                for v in change.violations
            ],
            improvement_job=PlanningJobOut.of(job) if job else None,
        )


def _route_change(before: PlanVersion, after: PlanVersion, vehicle_id: str) -> RouteChangeOut:
    a, b = before.route_of_vehicle(vehicle_id), after.route_of_vehicle(vehicle_id)
    return RouteChangeOut(
        vehicle_id=vehicle_id,
        stops_before=len(a.visits) if a else 0,
        stops_after=len(b.visits) if b else 0,
        distance_before_m=a.distance_m if a else 0,
        distance_after_m=b.distance_m if b else 0,
        cost_before=money(a.cost) if a else 0.0,
        cost_after=money(b.cost) if b else 0.0,
    )
