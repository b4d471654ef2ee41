"""The dispatchers' exception queue: list by due time, take a case, resolve it with a code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from doorstep.domain.exceptions import CaseStatus, ExceptionType
from doorstep.entrypoints.api.deps import ContainerDep, PrincipalDep
from doorstep.entrypoints.api.schemas.exceptions import AssignIn, CaseOut, CasePageOut, ResolveIn
from doorstep.services import exceptions
from doorstep.services.orders import MAX_PAGE

router = APIRouter(tags=["exceptions"])


@router.get("/exceptions", summary="Exception cases, the most urgent first")
def list_cases(
    principal: PrincipalDep,
    c: ContainerDep,
    status: CaseStatus | None = CaseStatus.OPEN,
    type_: Annotated[ExceptionType | None, Query(alias="type")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> CasePageOut:
    page = exceptions.list_cases(
        principal, status=status, type=type_, cursor=cursor, limit=limit, uow=c.reader()
    )
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
