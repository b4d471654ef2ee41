"""Order import, geocoding and the needs-attention queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from doorstep.bootstrap import Container
from doorstep.domain.geo import Location
from doorstep.domain.orders import Address
from doorstep.entrypoints.api.deps import ContainerDep, IdempotentDep, PrincipalDep
from doorstep.entrypoints.api.schemas.intake import (
    ChooseCandidateIn,
    EditIn,
    FixOut,
    ImportIn,
    ImportOut,
    MovePinIn,
    NoteIn,
)
from doorstep.entrypoints.api.schemas.orders import CandidateOut, OrderOut
from doorstep.services.authorization import Principal
from doorstep.services.intake import attention
from doorstep.services.intake.columns import recognise
from doorstep.services.intake.importer import ImportOptions, import_rows

router = APIRouter(tags=["order intake"])


@router.post(
    "/orders:import",
    response_model=ImportOut,
    summary="Import up to 10,000 orders; idempotent by shipper reference",
)
def import_orders(
    body: ImportIn, principal: PrincipalDep, c: ContainerDep, once: IdempotentDep
) -> object:
    header = list(dict.fromkeys(key for row in body.rows for key in row))
    columns = recognise(header, body.mapping)
    rows = (
        (number, columns.cells([row.get(k) for k in header]))
        for number, row in enumerate(body.rows, start=2)
    )
    options = ImportOptions(
        shipper=body.shipper,
        station=body.station,
        default_date=body.default_date,
        timezone=c.timezone(),
        formats=columns.formats,
    )
    return once.run(
        200,
        lambda uow: ImportOut.of(
            import_rows(
                principal, rows, options, uow=uow, clock=c.clock, ids=c.ids, checks=c.checks()
            )
        ),
    )


@router.get("/orders/{order_id}/candidates", summary="The geocoder's candidates for an order")
def order_candidates(
    order_id: str,
    principal: PrincipalDep,
    c: ContainerDep,
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> list[CandidateOut]:
    found = attention.candidates(
        principal, order_id, uow=c.reader(), checks=c.checks(), limit=limit
    )
    return [CandidateOut.of(x) for x in found]


def _fix(
    principal: Principal, c: Container, order_id: str, fix: attention.Fix, note: str
) -> OrderOut:
    order = attention.fix_order(
        principal,
        order_id,
        fix,
        note=note,
        uow=c.uow(),
        clock=c.clock,
        ids=c.ids,
        checks=c.checks(),
    )
    return OrderOut.of(order)


@router.post("/orders/{order_id}:choose-candidate", summary="Place an order at a candidate")
def choose_candidate(
    order_id: str, body: ChooseCandidateIn, principal: PrincipalDep, c: ContainerDep
) -> OrderOut:
    return _fix(principal, c, order_id, attention.ChooseCandidate(body.candidate), body.note)


@router.post("/orders/{order_id}:move-pin", summary="Place an order's pin by hand")
def move_pin(order_id: str, body: MovePinIn, principal: PrincipalDep, c: ContainerDep) -> OrderOut:
    return _fix(principal, c, order_id, attention.MovePin(body.location.to_domain()), body.note)


@router.post("/orders/{order_id}:fix", summary="Edit an order's data and check it again")
def edit(order_id: str, body: EditIn, principal: PrincipalDep, c: ContainerDep) -> OrderOut:
    changes = body.changes.domain_fields()
    return _fix(principal, c, order_id, attention.Edit(changes), body.note)


@router.post("/orders/{order_id}:recheck", summary="Run the data checks again")
def recheck(order_id: str, body: NoteIn, principal: PrincipalDep, c: ContainerDep) -> OrderOut:
    return _fix(principal, c, order_id, attention.Recheck(), body.note)


@router.post(
    "/orders/{order_id}:release",
    summary="Release to ready, accepting the blocking flags still open",
)
def release(order_id: str, body: NoteIn, principal: PrincipalDep, c: ContainerDep) -> OrderOut:
    return _fix(principal, c, order_id, attention.Release(), body.note)


@router.get("/orders/{order_id}/fixes", summary="Who fixed what on an order, oldest first")
def order_fixes(order_id: str, principal: PrincipalDep, c: ContainerDep) -> list[FixOut]:
    return [FixOut.of(f) for f in attention.fixes(principal, order_id, uow=c.reader())]


@router.get("/geocode", summary="Candidates for an address, most confident first")
def geocode(
    principal: PrincipalDep,
    c: ContainerDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="the address")],
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> list[CandidateOut]:
    return [CandidateOut.of(x) for x in c.geocoder().forward(Address(q), limit=limit)]


@router.get("/geocode/reverse", summary="Addresses nearest to a point")
def reverse_geocode(
    principal: PrincipalDep,
    c: ContainerDep,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    limit: Annotated[int, Query(ge=1, le=20)] = 1,
    radius_m: Annotated[float, Query(gt=0, le=5000)] = 200.0,
) -> list[CandidateOut]:
    found = c.geocoder().reverse(Location(lat, lon), limit=limit, radius_m=radius_m)
    return [CandidateOut.of(x) for x in found]
