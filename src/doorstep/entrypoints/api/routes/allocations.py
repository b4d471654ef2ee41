"""Allocation of a station's day between the own fleet and partners, with the reasons."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from doorstep import bootstrap
from doorstep.entrypoints.api.deps import ContainerDep, PrincipalDep
from doorstep.entrypoints.api.schemas.allocations import (
    AllocationListOut,
    AllocationRunIn,
    AllocationRunOut,
    DecisionOut,
    RulesIn,
    RulesOut,
)
from doorstep.services.carriers import allocation

router = APIRouter(tags=["carriers"])


@router.post(
    "/allocations:run",
    summary="Allocate a station's day: plan the own fleet, hand orders to partners, say why",
)
def run_allocation(
    body: AllocationRunIn, principal: PrincipalDep, c: ContainerDep
) -> AllocationRunOut:
    ports = allocation.AllocationPorts(c.uow(), c.travel(), bootstrap.optimizer(), c.clock, c.ids)
    found = allocation.run(
        principal, body.station, body.date, ports=ports, time_limit_s=body.time_limit_s,
        seed=body.seed,
    )  # fmt: skip
    return AllocationRunOut.of(found)


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
