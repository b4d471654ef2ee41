"""Allocation of a station's day between the own fleet and partners, with the reasons.

A run is a planning job (``PlanningJobs.start_allocation``): ``POST /allocations:run`` answers
202 with the job, polled at ``GET /planning-jobs/{id}`` and cancelled at
``POST /planning-jobs/{id}:cancel`` like a planning run; the finished job names the own
fleet's plan and its outcome in words, and ``GET /allocations`` lists the decisions.
``POST /allocations:hand-off`` then books the partners' orders, one by one."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, status

from doorstep.entrypoints.api.deps import ContainerDep, PrincipalDep
from doorstep.entrypoints.api.schemas.allocations import (
    AllocationListOut,
    AllocationRunIn,
    DecisionOut,
    HandOffIn,
    HandOffOut,
    RulesIn,
    RulesOut,
)
from doorstep.entrypoints.api.schemas.plans import PlanningJobOut
from doorstep.services.carriers import allocation

router = APIRouter(tags=["carriers"])


@router.post(
    "/allocations:run",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Allocate a station's day in the background: plan the own fleet, decide per order "
    "own fleet or a partner, say why; poll the planning job",
)
def run_allocation(
    body: AllocationRunIn, principal: PrincipalDep, c: ContainerDep
) -> PlanningJobOut:
    job = c.planning_jobs().start_allocation(
        principal, body.station, body.date, time_limit_s=body.time_limit_s, seed=body.seed
    )
    return PlanningJobOut.of(job)


@router.post(
    "/allocations:hand-off",
    summary="Book the day's partner-allocated orders with their partners, one by one",
)
def hand_off_allocated(body: HandOffIn, principal: PrincipalDep, c: ContainerDep) -> HandOffOut:
    report = allocation.hand_off_allocated(
        principal, body.station, body.date, ports=c.handoff_ports()
    )
    return HandOffOut.of(report)


@router.get("/allocations", summary="A day's allocations with their reasons")
def list_allocations(
    principal: PrincipalDep,
    c: ContainerDep,
    day: Annotated[dt.date, Query(alias="date", description="YYYY-MM-DD")],
    station: Annotated[
        str | None, Query(max_length=100, description="the station, by code or id")
    ] = None,
) -> AllocationListOut:
    found = allocation.list_allocations(principal, station, day, uow=c.reader())
    return AllocationListOut(items=[DecisionOut.stored(*row) for row in found])


@router.get("/allocations/rules", summary="The organisation's allocation rules")
def get_rules(principal: PrincipalDep, c: ContainerDep) -> RulesOut:
    return RulesOut.of(allocation.get_rules(principal, uow=c.reader()))


@router.put("/allocations/rules", summary="Replace the organisation's allocation rules")
def put_rules(body: RulesIn, principal: PrincipalDep, c: ContainerDep) -> RulesOut:
    return RulesOut.of(allocation.set_rules(principal, body.to_domain(), uow=c.uow()))
