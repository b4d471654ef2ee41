"""A station's day in KPIs: the day, each route and each driver."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from doorstep.entrypoints.api.deps import ContainerDep, Day, PrincipalDep
from doorstep.entrypoints.api.schemas.kpis import KpiReportOut
from doorstep.services import kpis

router = APIRouter(tags=["kpis"])


@router.get(
    "/kpis",
    summary="The KPIs of a station's published day: on time, first attempt, scans, routes, cases",
)
def day_kpis(
    station: Annotated[str, Query(description="the station, by code (HEL1) or id")],
    day: Day,
    principal: PrincipalDep,
    c: ContainerDep,
) -> KpiReportOut:
    return KpiReportOut.of(kpis.day_kpis(principal, station, day, uow=c.reader()))
