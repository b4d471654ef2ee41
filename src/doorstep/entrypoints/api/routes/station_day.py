"""The station's day: the sort plan (data, labels, sheet), receiving, the dispatch board
(own routes and partner deliveries) and the day-end count."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

from fastapi import APIRouter, Response

from doorstep.adapters.labels import write_labels, write_sheet
from doorstep.bootstrap import Container
from doorstep.domain.errors import NotFound
from doorstep.entrypoints.api.deps import ContainerDep, Day, PrincipalDep
from doorstep.entrypoints.api.schemas.station_day import (
    AssignDriverIn,
    BoardOut,
    DayClosedOut,
    DayEndOut,
    DepartIn,
    DepartureOut,
    LoadOutOut,
    ReceivingOut,
    SortPlanOut,
)
from doorstep.services import dispatch, loadout, reconciliation, sorting
from doorstep.services.authorization import Principal

router = APIRouter(tags=["station"])
PDF = "application/pdf"


@router.get(
    "/stations/{station}/sort-plan",
    summary="Where each parcel of the published day goes: lane, stop and load order",
)
def sort_plan(station: str, day: Day, principal: PrincipalDep, c: ContainerDep) -> SortPlanOut:
    return SortPlanOut.of(sorting.sort_plan(principal, station, day, uow=c.reader()))


@router.get(
    "/stations/{station}/sort-plan/labels.pdf",
    summary="One 100 x 150 mm label per parcel, in lane and stop order",
    response_class=Response,
)
def labels(station: str, day: Day, principal: PrincipalDep, c: ContainerDep) -> Response:
    return _printed(principal, c, station, day, write_labels, "labels")


@router.get(
    "/stations/{station}/sort-plan/sheet.pdf",
    summary="The sort plan as an A4 sheet, lane by lane",
    response_class=Response,
)
def sheet(station: str, day: Day, principal: PrincipalDep, c: ContainerDep) -> Response:
    return _printed(principal, c, station, day, write_sheet, "sortplan")


@router.get(
    "/stations/{station}/receiving",
    summary="Each shipper's parcels of the day: received, missing, damaged; and the unexpected",
)
def receiving(station: str, day: Day, principal: PrincipalDep, c: ContainerDep) -> ReceivingOut:
    report = reconciliation.receiving_report(principal, station, day, uow=c.reader())
    return ReceivingOut.of(report)


@router.get(
    "/stations/{station}/day-end",
    summary="Every parcel of the day by where it is; 'unaccounted' must reach zero",
)
def day_end(station: str, day: Day, principal: PrincipalDep, c: ContainerDep) -> DayEndOut:
    return DayEndOut.of(reconciliation.day_end_report(principal, station, day, uow=c.reader()))


@router.get(
    "/stations/{station}/dispatch",
    summary="The dispatch board: each route's state, stops done, delay and stops at risk; "
    "each partner delivery's stage and whether it is overdue",
    description="Routes follow the day's published plan; ``partners`` are the station's "
    "orders handed to partner carriers for the day, with ``partner_totals`` per carrier; "
    "``progress`` counts the whole day done, the vans' stops and the partner deliveries. "
    "A day with partner deliveries but no published plan has a board without routes "
    "(``plan_id`` null); one with neither answers 404.",
)
def board(station: str, day: Day, principal: PrincipalDep, c: ContainerDep) -> BoardOut:
    return BoardOut.of(dispatch.board(principal, station, day, uow=c.reader(), clock=c.clock))


@router.post(
    "/stations/{station}/dispatch:watch",
    summary="The board, opening a case for each late departure, route behind, stop at risk "
    "or overdue partner delivery",
)
def watch(station: str, day: Day, principal: PrincipalDep, c: ContainerDep) -> BoardOut:
    found = dispatch.watch(
        principal, station, day, uow=c.uow(), clock=c.clock, broadcast=c.broadcaster(),
        travel=c.travel(),
    )  # fmt: skip
    return BoardOut.of(found)


@router.post(
    "/stations/{station}/routes/{vehicle}:assign",
    summary="Give the vehicle's published route of the day to a driver",
)
def assign(
    station: str,
    vehicle: str,
    day: Day,
    body: AssignDriverIn,
    principal: PrincipalDep,
    c: ContainerDep,
) -> dict[str, str]:
    return dispatch.assign_route(
        principal, station, day, vehicle, body.driver, uow=c.uow(), clock=c.clock
    )  # fmt: skip


@router.post(
    "/stations/{station}/day:close",
    summary="Failed deliveries back into planning on the next delivery day, or to the sender",
)
def close_day(station: str, day: Day, principal: PrincipalDep, c: ContainerDep) -> DayClosedOut:
    closed = reconciliation.close_day(principal, station, day, uow=c.uow(), clock=c.clock)
    return DayClosedOut.of(closed)


@router.get(
    "/stations/{station}/load-out/{vehicle}",
    summary="A vehicle's parcels in load order, each loaded or missing, and its departure",
)
def load_out(
    station: str, vehicle: str, day: Day, principal: PrincipalDep, c: ContainerDep
) -> LoadOutOut:
    return LoadOutOut.of(loadout.load_out(principal, station, day, vehicle, uow=c.reader()))


@router.post(
    "/stations/{station}/load-out/{vehicle}:depart",
    summary="The vehicle leaves: its loaded parcels go out; missing ones need a reason",
)
def depart(
    station: str,
    vehicle: str,
    day: Day,
    body: DepartIn,
    principal: PrincipalDep,
    c: ContainerDep,
) -> DepartureOut:
    departure = loadout.depart(
        principal,
        station,
        day,
        vehicle,
        override_reason=body.override_reason,
        uow=c.uow(),
        clock=c.clock,
        ids=c.ids,
        broadcast=c.broadcaster(),
    )
    return DepartureOut.of(departure)


def _printed(
    principal: Principal,
    c: Container,
    station: str,
    day: dt.date,
    write: Callable[..., int],
    stem: str,
) -> Response:
    """The sort plan drawn by ``write`` (labels or sheet) as an inline PDF."""
    plan = sorting.sort_plan(principal, station, day, uow=c.reader())
    if not plan.lines:  # an empty PDF would look like a printing fault
        raise NotFound("parcel to sort", f"{plan.station.code} {day.isoformat()}")
    out = io.BytesIO()
    title = f"Sort plan {plan.station.code} {day.isoformat()} (plan {plan.version.number})"
    write(plan.lines, out, title=title)
    name = f"{stem}-{plan.station.code}-{day.isoformat()}.pdf"
    headers = {"Content-Disposition": f'inline; filename="{name}"'}
    return Response(out.getvalue(), media_type=PDF, headers=headers)
