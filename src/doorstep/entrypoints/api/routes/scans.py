"""Scan events from handhelds and the driver app: batches in, stored events out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from doorstep.entrypoints.api.deps import ContainerDep, PrincipalDep
from doorstep.entrypoints.api.schemas.scans import ScanBatchIn, ScanBatchOut, ScanOut, ScanPageOut
from doorstep.services import scans
from doorstep.services.orders import MAX_PAGE

# Idempotent by each event's own id, so a batch needs no Idempotency-Key: sending it again
# after a lost answer stores nothing twice and answers each event as a duplicate.
router = APIRouter(tags=["scans"])


@router.post(
    "/events",
    summary="Store a batch of scan events (up to 1,000); each is stored once, whatever the retries",
)
def ingest(body: ScanBatchIn, principal: PrincipalDep, c: ContainerDep) -> ScanBatchOut:
    batch = [event.to_incoming() for event in body.events]
    return ScanBatchOut.of(scans.ingest(principal, batch, uow=c.uow(), clock=c.clock))


@router.get("/events", summary="Stored scan events in the order they arrived")
def list_events(
    principal: PrincipalDep,
    c: ContainerDep,
    barcode: str | None = None,
    problems: Annotated[bool, Query(description="only events that do not apply")] = False,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> ScanPageOut:
    page = scans.list_scans(
        principal,
        barcode=barcode,
        problems_only=problems,
        cursor=cursor,
        limit=limit,
        uow=c.reader(),
    )
    return ScanPageOut(items=[ScanOut.of(r) for r in page.records], next_cursor=page.next_cursor)
