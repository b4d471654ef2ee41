"""The dispatchers' exception queue: list by due time (of a station's day, or all), take a case,
resolve it with a code."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from doorstep.domain.exceptions import CaseStatus, ExceptionType
from doorstep.entrypoints.api.deps import ContainerDep, PrincipalDep
from doorstep.entrypoints.api.schemas.exceptions import AssignIn, CaseOut, CasePageOut, ResolveIn
from doorstep.services import exceptions
from doorstep.services.orders import MAX_PAGE

router = APIRouter(tags=["exceptions"])


@router.get(
    "/exceptions",
    summary="Exception cases, the most urgent first",
    description=(
        "The organisation's cases by due time, or with `station` and `date` (given together) "
        "those of one station's service day:\n\n"
        "- a case about an order (mis-sort, mis-load, scan out of sequence, failed attempt, "
        "damaged, missing parcel, missed scan, late risk, long dwell) when the order is the "
        "station's and planned on that day or handed to a partner carrier for it; it follows "
        "the order if the order moves to another day;\n"
        "- a late departure or a route behind when the vehicle is the station's and the case "
        "is of that day;\n"
        "- an unknown barcode, which names no order nor station, in every station's queue on "
        "the day (in the station's time zone) it was scanned."
    ),
)
def list_cases(
    principal: PrincipalDep,
    c: ContainerDep,
    status: CaseStatus | None = CaseStatus.OPEN,
    type_: Annotated[ExceptionType | None, Query(alias="type")] = None,
    station: Annotated[
        str | None, Query(description="a station's id or code; give `date` with it")
    ] = None,
    day: Annotated[
        date | None, Query(alias="date", description="the station's service day, YYYY-MM-DD")
    ] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> CasePageOut:
    page = exceptions.list_cases(
        principal, status=status, type=type_, station=station, day=day, cursor=cursor,
        limit=limit, uow=c.reader(),
    )  # fmt: skip
    now = c.clock.now()
    return CasePageOut(items=[CaseOut.of(x, now) for x in page.cases], next_cursor=page.next_cursor)


@router.post("/exceptions/{case_id}:assign", summary="Give a case an owner")
def assign(case_id: str, body: AssignIn, principal: PrincipalDep, c: ContainerDep) -> CaseOut:
    case = exceptions.assign(
        principal, case_id, body.owner_id, uow=c.uow(), broadcast=c.broadcaster()
    )
    return CaseOut.of(case, c.clock.now())


@router.post("/exceptions/{case_id}:resolve", summary="Close a case with a resolution code")
def resolve(case_id: str, body: ResolveIn, principal: PrincipalDep, c: ContainerDep) -> CaseOut:
    case = exceptions.resolve(
        principal, case_id, body.resolution, note=body.note, uow=c.uow(), clock=c.clock,
        broadcast=c.broadcaster(),
    )  # fmt: skip
    return CaseOut.of(case, c.clock.now())
