"""JSON endpoints the planner page needs beyond the public API: a plan as a timeline (Gantt)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from doorstep.entrypoints.api.deps import ContainerDep, PrincipalDep
from doorstep.services.planning.timeline import PlanTimeline, SegmentKind, plan_timeline

router = APIRouter(prefix="/api/v1", tags=["pages"])


class SegmentOut(BaseModel):
    kind: SegmentKind
    start_at: datetime
    end_at: datetime
    order_id: str | None = Field(description="the stop driven to or served; null on the way back")
    position: int | None = Field(description="1 for the route's first stop")


class RouteTimelineOut(BaseModel):
    vehicle_id: str
    vehicle_name: str
    start_at: datetime
    end_at: datetime
    segments: list[SegmentOut]


class PlanTimelineOut(BaseModel):
    plan_id: str
    number: int
    timezone: str = Field(description="the station's time zone, the axis of the day")
    routes: list[RouteTimelineOut]

    @classmethod
    def of(cls, t: PlanTimeline) -> PlanTimelineOut:
        return cls(
            plan_id=t.version.id,
            number=t.version.number,
            timezone=t.timezone,
            routes=[
                RouteTimelineOut(
                    vehicle_id=r.vehicle_id,
                    vehicle_name=r.vehicle_name,
                    start_at=r.start_at,
                    end_at=r.end_at,
                    segments=[SegmentOut(**vars(s)) for s in r.segments],
                )
                for r in t.routes
            ],
        )


@router.get(
    "/plans/{plan_id}/timeline",
    summary="A plan version as a timeline: each route's drive, wait, service and break",
)
def timeline(plan_id: str, principal: PrincipalDep, c: ContainerDep) -> PlanTimelineOut:
    return PlanTimelineOut.of(plan_timeline(principal, plan_id, uow=c.reader()))
