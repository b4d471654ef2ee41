"""A station's day in KPIs: the day, each route and each driver; as JSON, a PNG or a page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse

from doorstep.adapters import charts
from doorstep.bootstrap import Container
from doorstep.entrypoints.api.deps import ContainerDep, Day, PrincipalDep
from doorstep.entrypoints.api.schemas.kpis import KpiReportOut
from doorstep.services import kpis
from doorstep.services.authorization import Principal
from doorstep.services.kpis import KpiReport

router = APIRouter(tags=["kpis"])

PNG = "image/png"
Station = Annotated[str, Query(description="the station, by code (HEL1) or id")]


def _report(principal: Principal, station: str, day: dt.date, c: Container) -> KpiReport:
    """The one way every KPI route reads the day: same permission, same errors."""
    return kpis.day_kpis(principal, station, day, uow=c.reader())


def _inline(report: KpiReport, ending: str) -> dict[str, str]:
    # The station code is checked to [A-Z0-9_-], so it is safe inside the header's quotes.
    name = f"kpis-{report.station.code}-{report.day.isoformat()}.{ending}"
    return {"Content-Disposition": f'inline; filename="{name}"'}


@router.get(
    "/kpis",
    summary="The KPIs of a station's published day: on time, first attempt, scans, routes, cases",
)
def day_kpis(station: Station, day: Day, principal: PrincipalDep, c: ContainerDep) -> KpiReportOut:
    return KpiReportOut.of(_report(principal, station, day, c))


@router.get(
    "/kpis/chart.png",
    response_class=Response,
    responses={200: {"content": {PNG: {}}, "description": "one image of every chart"}},
    summary="The KPIs of a station's published day as charts in one PNG",
)
def day_chart(station: Station, day: Day, principal: PrincipalDep, c: ContainerDep) -> Response:
    report = _report(principal, station, day, c)
    return Response(charts.report_png(report), media_type=PNG, headers=_inline(report, "png"))


@router.get(
    "/kpis/report.html",
    response_class=HTMLResponse,
    summary="The KPIs of a station's published day as a self-contained page of numbers and charts",
)
def day_report(
    station: Station, day: Day, principal: PrincipalDep, c: ContainerDep
) -> HTMLResponse:
    report = _report(principal, station, day, c)
    return HTMLResponse(charts.report_html(report), headers=_inline(report, "html"))
