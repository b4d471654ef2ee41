"""The recipient's tracking page as JSON (no login: the token in the path is the authority),
and the staff's way to issue its link."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse

from doorstep.bootstrap import Container
from doorstep.entrypoints.api.deps import ContainerDep, PrincipalDep
from doorstep.entrypoints.api.problems import problem_response
from doorstep.entrypoints.api.schemas.tracking import (
    InstructionsIn,
    PreferenceIn,
    RescheduleIn,
    SlotOut,
    SlotsOut,
    TrackingLinkOut,
    TrackingOut,
    link_out,
)
from doorstep.services import tracking
from doorstep.services import tracking_actions as actions
from doorstep.services.eta import LiveEtaWindows
from doorstep.services.tracking_view import PlannedEta, TrackingView

router = APIRouter(tags=["tracking"])

# The token is in the path: no caching on the way, and no Referer carrying it to other sites.
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _private(response: Response) -> None:
    response.headers.update(PRIVATE)


# No Idempotency-Key here: the stored answer would hold the token. A retry after a lost
# answer issues a fresh link and revokes the unseen one, which nobody could have used.
@router.post(
    "/orders/{order_id}/tracking-link",
    status_code=status.HTTP_201_CREATED,
    summary="Issue the recipient's tracking link (revokes the order's earlier one)",
)
def issue_link(order_id: str, principal: PrincipalDep, c: ContainerDep) -> TrackingLinkOut:
    issued = tracking.issue_link(
        principal, order_id, uow=c.uow(), clock=c.clock, ids=c.ids, secrets=c.secrets
    )
    return link_out(issued)


@router.get("/track/{token}", summary="The recipient's view of one order")
def track(token: str, c: ContainerDep, response: Response) -> TrackingOut:
    _private(response)
    return TrackingOut.of(live_view(token, c))


@router.get(
    "/track/{token}/proof/{sha256}",
    summary="A photo or signature of this order's proof of delivery",
    response_class=Response,
)
def proof_file(token: str, sha256: str, c: ContainerDep) -> Response:
    data, media_type = tracking.proof_file(
        token, sha256, uow=c.reader(), clock=c.clock, store=c.proofs()
    )
    return Response(data, media_type=media_type, headers=PRIVATE)


@router.get("/track/{token}/slots", summary="Delivery slots the order may move to, with room")
def slots(
    token: str,
    c: ContainerDep,
    response: Response,
    first: Annotated[dt.date | None, Query(alias="from")] = None,
    days: Annotated[int, Query(ge=1, le=actions.MAX_DAYS)] = 7,
) -> SlotsOut:
    _private(response)
    found = actions.offered_slots(token, first, days, uow=c.reader(), clock=c.clock)
    return SlotsOut(items=[SlotOut.of(s) for s in found])


@router.post("/track/{token}/preferences", summary="Where to leave the parcel when out")
def preferences(token: str, body: PreferenceIn, c: ContainerDep, response: Response) -> TrackingOut:
    _private(response)
    choice = body.to_domain()
    changed = actions.choose_preference(token, choice, uow=c.uow(), clock=c.clock, ids=c.ids)
    return TrackingOut.of(changed)


@router.post("/track/{token}/instructions", summary="Add access instructions for the driver")
def instructions(
    token: str, body: InstructionsIn, c: ContainerDep, response: Response
) -> TrackingOut:
    _private(response)
    changed = actions.add_instructions(token, body.text, uow=c.uow(), clock=c.clock, ids=c.ids)
    return TrackingOut.of(changed)


@router.post(
    "/track/{token}/reschedule",
    summary="Move the delivery to a slot with room; a full one answers 409 with free ones",
    response_model=TrackingOut,
    responses={409: {"description": "the slot is full: `next_free` lists slots with room"}},
)
def reschedule(token: str, body: RescheduleIn, c: ContainerDep, request: Request) -> object:
    try:
        changed = actions.reschedule(
            token, body.date, body.window_start, uow=c.uow(), clock=c.clock, ids=c.ids
        )
    except actions.SlotFull as full:
        free = [SlotOut.of(s).model_dump(mode="json") for s in full.alternatives]
        errors = [{"field": "window_start", "message": "this slot is full"}]
        return problem_response(
            409, "slot-full", str(full), request.url.path, errors, PRIVATE, {"next_free": free}
        )
    return JSONResponse(TrackingOut.of(changed).model_dump(mode="json"), headers=PRIVATE)


def live_view(token: str, c: Container) -> TrackingView:
    """The page's view with the live ETA window while the parcel is out for delivery."""
    uow = c.reader()
    eta = LiveEtaWindows(uow, c.travel, c.clock, PlannedEta())
    return tracking.track(token, uow=uow, clock=c.clock, eta=eta)
