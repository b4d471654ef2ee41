"""Live changes to the day's running plan; each saved change is the day's next version."""

from __future__ import annotations

from fastapi import APIRouter

from doorstep.bootstrap import Container
from doorstep.entrypoints.api.deps import ContainerDep, PrincipalDep
from doorstep.entrypoints.api.schemas.live import (
    AddOrderIn,
    ImproveIn,
    LiveChangeOut,
    MoveIn,
    OffRoadIn,
)
from doorstep.entrypoints.api.schemas.plans import PlanningJobOut
from doorstep.services.authorization import Principal
from doorstep.services.planning import live
from doorstep.services.planning.jobs import PlanningJob

# Not idempotent by key like publish: each change checks it applies to the day's latest
# version, so a retried request finds its own version in place and is refused with 409.
router = APIRouter(tags=["planning"])


@router.post(
    "/plans/{plan_id}:add-order",
    summary="Put a new order into the running plan, then improve the routes it touched",
)
def add_order(
    plan_id: str, body: AddOrderIn, principal: PrincipalDep, c: ContainerDep
) -> LiveChangeOut:
    change = live.add_order(principal, plan_id, body.order_id, ports=c.live_ports())
    return LiveChangeOut.of(change, _improve(c, principal, change, body))


@router.post(
    "/plans/{plan_id}:take-off-road",
    summary="A vehicle is out for the day (breakdown): its open stops go to the others",
)
def take_off_road(
    plan_id: str, body: OffRoadIn, principal: PrincipalDep, c: ContainerDep
) -> LiveChangeOut:
    change = live.take_off_road(principal, plan_id, body.vehicle_id, ports=c.live_ports())
    # Stops insertion could not fit may fit once the vans still at the station are solved
    # again: they join the improvement, even when no route took a stop.
    return LiveChangeOut.of(change, _improve(c, principal, change, body, station_vans=True))


@router.post(
    "/plans/{plan_id}:improve",
    status_code=202,
    summary="Re-plan routes of the running plan in the background (a planning job)",
    description="The job stores the day's next version only if it leaves fewer stops out, or "
    "as many with none of the routes' stops dropped and a lower cost; with station_vans, every "
    "van still at the station joins and the day's left-out stops are offered to them. Follow "
    "the job at GET /planning-jobs/{id}.",
)
def improve(
    plan_id: str, body: ImproveIn, principal: PrincipalDep, c: ContainerDep
) -> PlanningJobOut:
    job = c.planning_jobs().start_improvement(
        principal,
        plan_id,
        tuple(body.vehicle_ids),
        time_limit_s=body.time_limit_s,
        reorder_loaded=body.reorder_loaded,
        station_vans=body.station_vans,
    )
    return PlanningJobOut.of(job)


@router.post(
    "/plans/{plan_id}:move",
    summary="Move orders onto a route by hand: preview the consequences, or save",
)
def move(plan_id: str, body: MoveIn, principal: PrincipalDep, c: ContainerDep) -> LiveChangeOut:
    change = live.move_stops(
        principal,
        plan_id,
        body.order_ids,
        body.vehicle_id,
        position=body.position,
        save=body.save,
        ports=c.live_ports(),
    )
    return LiveChangeOut.of(change)


def _improve(
    c: Container,
    principal: Principal,
    change: live.LiveChange,
    body: AddOrderIn | OffRoadIn,
    *,
    station_vans: bool = False,
) -> PlanningJob | None:
    left_out = station_vans and bool(change.version.plan.unassigned)
    if body.improve_s <= 0 or not (change.affected or left_out):
        return None
    return c.planning_jobs().start_improvement(
        principal,
        change.version.id,
        change.affected,
        time_limit_s=body.improve_s,
        reorder_loaded=body.reorder_loaded,
        station_vans=station_vans,
    )
