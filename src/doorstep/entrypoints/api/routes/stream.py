"""Server-sent events for the live pages: staff follow their organisation, a recipient one order.

Each event's data is a small JSON notice (``kind`` and what changed); the page fetches the
rest through the API. ``{"kind":"resync"}`` means notices were lost: reload everything.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from doorstep.adapters.broadcast.memory import Hub
from doorstep.entrypoints.api.deps import ContainerDep, PrincipalDep
from doorstep.entrypoints.api.routes.tracking import PRIVATE
from doorstep.services import streams

router = APIRouter(tags=["live"])

# A comment line this often keeps proxies and load balancers from closing an idle stream, and
# bounds how long a stream of a vanished client lingers.
HEARTBEAT_S = 15.0
# "no" to X-Accel-Buffering: nginx would otherwise hold notices in its buffer.
HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
SSE = "text/event-stream"

DOCUMENTED: dict[int | str, dict[str, object]] = {
    200: {
        "description": "server-sent events: a JSON notice on each `data:` line, comments between",
        "content": {SSE: {}},
    }
}
MaxEvents = Annotated[
    int | None,
    Query(ge=1, description="end the stream after this many notices (for scripts and tests)"),
]


@router.get(
    "/stream",
    summary="Server-sent events: what changes in the organisation (orders, parcels, boards)",
    response_class=StreamingResponse,
    responses=DOCUMENTED,
)
async def stream(
    principal: PrincipalDep, c: ContainerDep, max_events: MaxEvents = None
) -> StreamingResponse:
    channel = streams.staff_channel(principal)
    return StreamingResponse(_events(c.broadcaster(), channel, max_events), 200, HEADERS, SSE)


@router.get(
    "/track/{token}/stream",
    summary="Server-sent events: the recipient's order changed (no login: the token grants it)",
    response_class=StreamingResponse,
    responses=DOCUMENTED,
)
async def track_stream(
    token: str, c: ContainerDep, max_events: MaxEvents = None
) -> StreamingResponse:
    # Off the event loop: checking the token reads the database.
    channel = await run_in_threadpool(
        streams.tracking_channel, token, uow=c.reader(), clock=c.clock
    )
    body = _events(c.broadcaster(), channel, max_events)
    return StreamingResponse(body, 200, HEADERS | PRIVATE, SSE)


async def _events(hub: Hub, channel: str, max_events: int | None) -> AsyncIterator[str]:
    """The stream: a first comment once subscribed, then notices, and heartbeats between.

    Subscribing here, not in the route, ties the subscription to the stream's life: the
    ``finally`` runs when the client goes (the response cancels the stream) or the stream ends.
    """
    # Off the loop: on PostgreSQL the first subscriber waits until LISTEN is in place.
    listener = await run_in_threadpool(hub.subscribe, [channel])
    try:
        # Anything that changes after the client reads this line reaches it.
        yield ": subscribed\n\n"
        sent = 0
        while max_events is None or sent < max_events:
            notice = await listener.next(HEARTBEAT_S)
            if listener.closed:  # the server is shutting down
                return
            if notice is None:
                yield ": heartbeat\n\n"
                continue
            yield f"data: {notice.data}\n\n"
            sent += 1
    finally:
        listener.close()
