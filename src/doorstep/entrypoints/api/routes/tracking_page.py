"""The recipient's tracking page as server-rendered HTML: no login, and no script needed.

Every change the page offers is a plain HTML form posting to ``/t/{token}/<action>``, which
calls the same services as the JSON endpoints and answers with a redirect back to the page
(so a reload never posts twice) or, when the change is refused, the page again with the
reason. ``track.js`` only adds to it. The token in the path is the authority, as for the
JSON; nothing here sets or reads a cookie.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from typing import Any, TypeVar
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from doorstep.bootstrap import Container
from doorstep.domain.errors import Conflict, DomainError, InvalidValue, NotFound
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.slots import Slot
from doorstep.entrypoints.api.deps import ContainerDep
from doorstep.entrypoints.api.routes.tracking import PRIVATE, live_view
from doorstep.entrypoints.api.schemas.tracking import InstructionsIn, PreferenceIn, RescheduleIn
from doorstep.entrypoints.api.tracking_html import TRACK_PAGE
from doorstep.services import tracking_actions as actions
from doorstep.services.tracking_view import TrackingView

# Autoescaped: the page shows text others typed (the shipper, preferences, names).
_template = Environment(autoescape=True).from_string(TRACK_PAGE)

# The page's own files only: no inline script or style, no other host, no frames, and forms
# post back here alone. Images: the proof files under this server's /api/v1/track/.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = PRIVATE | {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}

SLOT_DAYS = 7  # the days of slots the page lists (the JSON offers up to MAX_DAYS)
STEPS = ("Received", "At the station", "On the way", "Delivered")
_STEP = {
    OrderStatus.RECEIVED: 1, OrderStatus.SORTED: 1, OrderStatus.LOADED: 1,
    OrderStatus.HANDED_OFF: 2,
    OrderStatus.OUT_FOR_DELIVERY: 2, OrderStatus.FAILED_ATTEMPT: 2,
    OrderStatus.RETURNING_TO_STATION: 2, OrderStatus.DELIVERED: 3,
    OrderStatus.RETURNED_TO_SENDER: 3, OrderStatus.CANCELLED: 3,
}  # fmt: skip
# While the order can still change, track.js listens for changes and refreshes the status.
LIVE = frozenset(s.value for s in OrderStatus) - {
    OrderStatus.DELIVERED.value, OrderStatus.RETURNED_TO_SENDER.value,
    OrderStatus.CANCELLED.value,
}  # fmt: skip
# After a change the page says so; the words are fixed here, never taken from the request.
DONE = {
    "reschedule": "Done: your delivery has moved to the new time.",
    "preferences": "Saved: the driver will do this if you are out.",
    "instructions": "Thank you: the driver will see your instructions.",
}

# The forms' fields as the page names them, for the reason a change was refused.
FIELD_WORDS = {
    "note": "where exactly", "name": "their name", "address": "their address",
    "pickup_point_id": "the pickup point", "text": "the instructions", "slot": "the time",
    "date": "the day", "window_start": "the time", "choice": "the choice",
}  # fmt: skip

router = APIRouter(tags=["tracking"])
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Notice:
    kind: str  # ok or bad
    text: str


@dataclass(frozen=True)
class SlotChoice:
    value: str  # "<date>|<start_at ISO>": what the reschedule form posts
    start: str
    end: str
    current: bool


@router.get("/t/{token}", response_class=HTMLResponse, summary="The recipient's tracking page")
def page(token: str, request: Request, c: ContainerDep) -> HTMLResponse:
    done = DONE.get(request.query_params.get("done", ""))
    return _render(token, c, Notice("ok", done) if done else None)


def _render(token: str, c: Container, notice: Notice | None, status: int = 200) -> HTMLResponse:
    page_path, api = f"/t/{token}", f"/api/v1/track/{token}"
    try:
        view = live_view(token, c)
    except NotFound:
        html = _template.render(view=None, title="Link not found", api=api, page=page_path)
        return HTMLResponse(html, status_code=404, headers=HEADERS)
    html = _template.render(
        view=view, title=view.headline, api=api, page=page_path, notice=notice, steps=STEPS,
        step=_STEP.get(view.status, 0), live=LIVE, when=_when(view),
        slots=_slots(token, view, c) if view.can_reschedule else [],
    )  # fmt: skip
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _when(view: TrackingView) -> str:
    day = view.eta.start_at.date() if view.eta else view.service_date
    return f"{day:%A %d %B}" if day else ""


def _slots(token: str, view: TrackingView, c: Container) -> list[tuple[dt.date, list[SlotChoice]]]:
    """The slots with room, by day; the order's own is shown, marked, and not offered."""
    try:
        found = actions.offered_slots(token, None, SLOT_DAYS, uow=c.reader(), clock=c.clock)
    except DomainError:  # no station, or past the booking horizon: nothing to offer
        return []
    now = view.eta.start_at if view.eta else None

    def choice(s: Slot) -> SlotChoice:
        start, end = s.window.start_at, s.window.end_at
        value = f"{s.day.isoformat()}|{start.isoformat()}"
        return SlotChoice(value, f"{start:%H:%M}", f"{end:%H:%M}", start == now)

    shown = [s for s in found if s.free > 0 or s.window.start_at == now]
    return [(day, [choice(s) for s in group]) for day, group in groupby(shown, lambda s: s.day)]


# The forms: urlencoded bodies (no multipart parser needed), the same checks as the JSON.


async def _form(request: Request) -> dict[str, str]:
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}


def _checked(model: type[M], values: dict[str, Any]) -> M:
    """The JSON body's model over the form's fields; its first error as an InvalidValue."""
    try:
        return model.model_validate(values)
    except ValidationError as invalid:
        first = invalid.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "form"
        raise InvalidValue(field, first["msg"]) from None


async def _change(
    token: str, request: Request, c: Container, action: str, apply: Callable[[], object]
) -> Response:
    try:
        await run_in_threadpool(apply)
    except NotFound:
        return await run_in_threadpool(_render, token, c, None)
    except DomainError as refused:
        status = 409 if isinstance(refused, Conflict) else 422
        notice = Notice("bad", f"Not changed: {_reason(refused)}")
        return await run_in_threadpool(_render, token, c, notice, status)
    return RedirectResponse(f"/t/{token}?done={action}", status_code=303, headers=PRIVATE)


def _reason(refused: DomainError) -> str:
    """The refusal in the page's words: a field named as its form calls it."""
    if not isinstance(refused, InvalidValue):
        return str(refused)
    field = refused.field.rsplit(".", 1)[-1]
    word = FIELD_WORDS.get(field, field)
    joined = " " if refused.message.startswith(("is ", "must ")) else ": "
    return f"{word}{joined}{refused.message}"


@router.post("/t/{token}/reschedule", include_in_schema=False)
async def reschedule_form(token: str, request: Request, c: ContainerDep) -> Response:
    form = await _form(request)

    def apply() -> object:
        day, _, start = form.get("slot", "").partition("|")
        if not start:
            raise InvalidValue("slot", "choose one of the times listed")
        body = _checked(RescheduleIn, {"date": day, "window_start": start})
        return actions.reschedule(
            token, body.date, body.window_start, uow=c.uow(), clock=c.clock, ids=c.ids
        )

    return await _change(token, request, c, "reschedule", apply)


@router.post("/t/{token}/preferences", include_in_schema=False)
async def preferences_form(token: str, request: Request, c: ContainerDep) -> Response:
    form = await _form(request)
    fields = ("choice", "note", "name", "address", "pickup_point_id")

    def apply() -> object:
        choice = _checked(PreferenceIn, {k: form[k] for k in fields if k in form}).to_domain()
        return actions.choose_preference(token, choice, uow=c.uow(), clock=c.clock, ids=c.ids)

    return await _change(token, request, c, "preferences", apply)


@router.post("/t/{token}/instructions", include_in_schema=False)
async def instructions_form(token: str, request: Request, c: ContainerDep) -> Response:
    form = await _form(request)

    def apply() -> object:
        body = _checked(InstructionsIn, {"text": form.get("text", "")})
        return actions.add_instructions(token, body.text, uow=c.uow(), clock=c.clock, ids=c.ids)

    return await _change(token, request, c, "instructions", apply)
