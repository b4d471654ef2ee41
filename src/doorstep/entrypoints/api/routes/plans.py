"""Planning jobs and plan versions: plan a day in the background, then read, publish and lock."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from doorstep.entrypoints.api.deps import ContainerDep, IdempotentDep, PrincipalDep
from doorstep.entrypoints.api.schemas.plans import (
    ComparisonOut,
    LockIn,
    OrderExplanationOut,
    PlanListOut,
    PlanMapOut,
    PlanningJobIn,
    PlanningJobOut,
    PlanOut,
    PlanSummaryOut,
)
from doorstep.services.planning import plan_map, runs

# A job runs in this API process (Container.planning_jobs): a restart forgets its record, while
# the plan a finished job made is a stored version. Plans compare as GET /plans:compare?a=&b=,
# a query rather than a path pair, so both ids are plainly named and validated alike.
router = APIRouter(tags=["planning"])


@router.post(
    "/planning-jobs",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Plan a station's day in the background; poll the job for progress and its plan",
)
def start_job(body: PlanningJobIn, principal: PrincipalDep, c: ContainerDep) -> PlanningJobOut:
    job = c.planning_jobs().start(
        principal, body.station, body.date, time_limit_s=body.time_limit_s, seed=body.seed
    )
    return PlanningJobOut.of(job)


@router.get("/planning-jobs/{job_id}", summary="A planning job's status, progress and plan")
def get_job(job_id: str, principal: PrincipalDep, c: ContainerDep) -> PlanningJobOut:
    return PlanningJobOut.of(c.planning_jobs().get(principal, job_id))


@router.post(
    "/planning-jobs/{job_id}:cancel",
    summary="Cancel a job: a queued one at once, a running one keeps its best plan so far",
)
def cancel_job(job_id: str, principal: PrincipalDep, c: ContainerDep) -> PlanningJobOut:
    return PlanningJobOut.of(c.planning_jobs().cancel(principal, job_id))


@router.get("/plans", summary="A station's plan versions of a day, oldest first")
def list_plans(
    principal: PrincipalDep,
    c: ContainerDep,
    station: Annotated[str, Query(description="the station, by code or id")],
    day: Annotated[dt.date, Query(alias="date", description="YYYY-MM-DD")],
) -> PlanListOut:
    _, versions = runs.list_plans(principal, station, day, uow=c.reader())
    return PlanListOut(items=[PlanSummaryOut.of(v) for v in versions])


# Declared before /plans/{plan_id} so that the literal path is never read as an id.
@router.get("/plans:compare", summary="Compare plan b with plan a: figures and moved orders")
def compare_plans(
    principal: PrincipalDep,
    c: ContainerDep,
    a: Annotated[str, Query(description="the plan compared against")],
    b: Annotated[str, Query(description="the plan compared")],
) -> ComparisonOut:
    return ComparisonOut.of(runs.compare_versions(principal, a, b, uow=c.reader()))


@router.get("/plans/{plan_id}", summary="A plan version with its routes and orders left out")
def get_plan(plan_id: str, principal: PrincipalDep, c: ContainerDep) -> PlanOut:
    return PlanOut.of(runs.get_plan(principal, plan_id, uow=c.reader()))


class PlanMaps:
    """Maps of recent plan versions, kept per application: a version's routes never change
    (a change is a new version); the summary in a map (status, published) is read fresh."""

    def __init__(self, kept: int = 32) -> None:
        self._maps: OrderedDict[tuple[str, str, bool], PlanMapOut] = OrderedDict()
        self._kept = kept
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, bool]) -> PlanMapOut | None:
        with self._lock:
            found = self._maps.get(key)
            if found is not None:
                self._maps.move_to_end(key)
            return found

    def put(self, key: tuple[str, str, bool], found: PlanMapOut) -> None:
        with self._lock:
            self._maps[key] = found
            while len(self._maps) > self._kept:
                self._maps.popitem(last=False)


@router.get(
    "/plans/{plan_id}/map",
    summary="A plan version for a map: stops in order with places and times, road paths",
)
def plan_map_of(
    plan_id: str,
    request: Request,
    principal: PrincipalDep,
    c: ContainerDep,
    roads: Annotated[bool, Query(description="false: stop to stop, no road paths")] = True,
) -> PlanMapOut:
    maps: PlanMaps = request.app.state.plan_maps
    key = (principal.organisation_id, plan_id, roads)
    summary = PlanSummaryOut.of(runs.get_plan(principal, plan_id, uow=c.reader()))
    kept = maps.get(key)
    if kept is not None:
        return kept.model_copy(update={"plan": summary})
    travel = c.travel() if roads else None
    found = PlanMapOut.of(plan_map.plan_map(principal, plan_id, uow=c.reader(), travel=travel))
    maps.put(key, found)
    return found


@router.post(
    "/plans/{plan_id}:publish",
    response_model=PlanOut,
    summary="Publish a draft; the day's published version becomes superseded",
)
def publish_plan(
    plan_id: str, principal: PrincipalDep, c: ContainerDep, once: IdempotentDep
) -> object:
    return once.run(
        200,
        lambda uow: PlanOut.of(
            runs.publish(principal, plan_id, uow=uow, clock=c.clock, broadcast=c.broadcaster())
        ),
    )


@router.post(
    "/plans/{plan_id}/routes/{vehicle_id}:lock",
    response_model=PlanOut,
    summary="Lock a route (or its first stops) of the day's latest version for the next run",
)
def lock_route(
    plan_id: str,
    vehicle_id: str,
    body: LockIn,
    principal: PrincipalDep,
    c: ContainerDep,
    once: IdempotentDep,
) -> object:
    return once.run(
        200,
        lambda uow: PlanOut.of(
            runs.lock(
                principal, plan_id, vehicle_id, stop_ids=body.stop_ids, closed=body.closed, uow=uow
            )
        ),
    )


@router.get("/orders/{order_id}/plan", summary="Where the newest plan holding an order has it")
def explain_order(order_id: str, principal: PrincipalDep, c: ContainerDep) -> OrderExplanationOut:
    return OrderExplanationOut.of(runs.explain_order(principal, order_id, uow=c.reader()))
