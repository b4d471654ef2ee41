"""Orders handed to partner carriers: hand-off, cancel, labels, manifests and the partners'
status webhooks (signed, so no caller credentials: the carrier's secret is the proof)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from doorstep.adapters.carriers.manifests import write_manifest
from doorstep.domain.errors import NotFound
from doorstep.domain.handoffs import Handoff
from doorstep.entrypoints.api.deps import ContainerDep, Day, IdempotentDep, Keep, PrincipalDep
from doorstep.entrypoints.api.schemas.handoffs import (
    ConnectionIn,
    ConnectionOut,
    EventsOut,
    HandOffIn,
    HandoffOut,
)
from doorstep.services.carriers import handoff, registry
from doorstep.services.ports import UnitOfWork

router = APIRouter(tags=["hand-offs"])
PDF = "application/pdf"


@router.post(
    "/orders/{order_id}:hand-off",
    status_code=status.HTTP_201_CREATED,
    response_model=HandoffOut,
    summary="Book the order with a partner carrier (idempotent with Idempotency-Key)",
)
def hand_off(
    order_id: str, body: HandOffIn, principal: PrincipalDep, c: ContainerDep, once: IdempotentDep
) -> object:
    """No transaction is open while the partner books (it may take seconds; on SQLite an
    open write transaction would make every other writer wait): the answer to the
    Idempotency-Key is kept in the transaction that stores the hand-off, so a repeated request
    answers the first hand-off, even once cancelled; the partner gets its own idempotency key
    too, so a booking whose answer was lost is found again rather than made twice."""

    def act(keep: Keep | None) -> HandoffOut:
        def remember(uow: UnitOfWork, made: Handoff) -> None:
            if keep is not None:
                keep(uow, HandoffOut.of(made))

        made = handoff.hand_off(
            principal,
            order_id,
            body.carrier,
            body.service_level,
            ports=c.handoff_ports(),
            remember=remember,
        )
        return HandoffOut.of(made)

    return once.run_staged(201, act)


@router.post("/handoffs/{handoff_id}:cancel", summary="Cancel a hand-off the partner has not begun")
def cancel(handoff_id: str, principal: PrincipalDep, c: ContainerDep) -> HandoffOut:
    return HandoffOut.of(handoff.cancel(principal, handoff_id, ports=c.handoff_ports()))


@router.post(
    "/handoffs/{handoff_id}:pull-events",
    summary="Ask the partner for the hand-off's events and apply them (duplicates are harmless)",
)
def pull_events(handoff_id: str, principal: PrincipalDep, c: ContainerDep) -> EventsOut:
    return EventsOut.of(handoff.pull_events(principal, handoff_id, ports=c.handoff_ports()))


@router.get("/handoffs", summary="Hand-offs, of a service day and/or a carrier")
def list_handoffs(
    principal: PrincipalDep,
    c: ContainerDep,
    day: Annotated[dt.date | None, Query(alias="date", description="YYYY-MM-DD")] = None,
    carrier: Annotated[str | None, Query(description="the carrier's code or id")] = None,
) -> list[HandoffOut]:
    found = handoff.list_handoffs(
        principal,
        day=day,
        carrier_reference=carrier,
        uow=c.reader(),
    )
    return [HandoffOut.of(h) for h in found]


@router.get("/handoffs/{handoff_id}", summary="One hand-off")
def get_handoff(handoff_id: str, principal: PrincipalDep, c: ContainerDep) -> HandoffOut:
    return HandoffOut.of(handoff.get_handoff(principal, handoff_id, uow=c.reader()))


@router.get("/handoffs/{handoff_id}/label.pdf", summary="The partner's label (PDF)")
def label(handoff_id: str, principal: PrincipalDep, c: ContainerDep) -> Response:
    found = handoff.get_handoff(principal, handoff_id, uow=c.reader())
    if not found.label_pdf:
        raise NotFound("label", handoff_id, "the partner gave no label")
    name = f"label-{found.carrier_code}-{found.tracking_number}.pdf"
    headers = {"Content-Disposition": f'inline; filename="{name}"'}
    return Response(found.label_pdf, media_type=PDF, headers=headers)


@router.get("/carriers/{carrier}/manifest.pdf", summary="A carrier's hand-offs of a day (PDF)")
def manifest(carrier: str, day: Day, principal: PrincipalDep, c: ContainerDep) -> Response:
    found = handoff.manifest(principal, carrier, day, uow=c.reader())
    if not found.lines:  # an empty PDF would look like a printing fault
        raise NotFound("hand-off", f"{found.carrier.code} {day.isoformat()}")
    out = io.BytesIO()
    write_manifest(found, out)
    name = f"manifest-{found.carrier.code}-{day.isoformat()}.pdf"
    headers = {"Content-Disposition": f'inline; filename="{name}"'}
    return Response(out.getvalue(), media_type=PDF, headers=headers)


@router.put(
    "/carriers/{carrier}/connection",
    summary="How to reach the partner's API and check its webhooks (key and secret not shown)",
)
def connect(
    carrier: str, body: ConnectionIn, principal: PrincipalDep, c: ContainerDep
) -> ConnectionOut:
    code = registry.get_carrier(principal, carrier, uow=c.reader()).code
    found = handoff.connect(
        principal,
        carrier,
        base_url=body.base_url,
        api_key=body.api_key,
        webhook_secret=body.webhook_secret,
        uow=c.uow(),
        clock=c.clock,
    )
    return ConnectionOut.of(found, code)


@router.post(
    "/carrier-webhooks/{carrier_code}/{carrier_id}",
    summary="A partner's status events for one connection, signed with its webhook secret",
)
async def connection_webhook(
    carrier_code: str, carrier_id: str, request: Request, c: ContainerDep
) -> EventsOut:
    body = await request.body()
    headers = dict(request.headers)
    report = await run_in_threadpool(
        handoff.receive_webhook,
        carrier_code,
        headers,
        body,
        ports=c.handoff_ports(),
        carrier_id=carrier_id,
    )
    return EventsOut.of(report)


@router.post(
    "/carrier-webhooks/{carrier_code}",
    summary="A partner's status events, signed with the carrier's webhook secret (the "
    "connection's own URL, with its carrier id, is preferred)",
)
async def carrier_webhook(carrier_code: str, request: Request, c: ContainerDep) -> EventsOut:
    body = await request.body()
    headers = dict(request.headers)
    report = await run_in_threadpool(
        handoff.receive_webhook, carrier_code, headers, body, ports=c.handoff_ports()
    )
    return EventsOut.of(report)
