"""Scan events from handhelds and the driver app: batches in, stored events out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from doorstep.entrypoints.api.deps import ContainerDep, PrincipalDep
from doorstep.entrypoints.api.schemas.scans import (
    ProofFileOut,
    ScanBatchIn,
    ScanBatchOut,
    ScanOut,
    ScanPageOut,
)
from doorstep.services import proofs, scans
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
    report = scans.ingest(
        principal, batch, uow=c.uow(), clock=c.clock, proofs=c.proofs(), broadcast=c.broadcaster()
    )
    return ScanBatchOut.of(report)


@router.post(
    "/proof-files",
    status_code=201,
    summary="Upload a signature or photo (PNG, JPEG or WebP body); its SHA-256 names it",
)
async def upload_proof(request: Request, principal: PrincipalDep, c: ContainerDep) -> ProofFileOut:
    data = await request.body()
    media_type = request.headers.get("content-type", "").split(";")[0].strip()
    stored = proofs.upload(principal, data, media_type, store=c.proofs())
    return ProofFileOut(
        sha256=stored.sha256, media_type=stored.media_type, size_bytes=stored.size_bytes
    )


@router.get(
    "/proof-files/{sha256}",
    summary="A proof image, as uploaded",
    response_class=Response,
)
def proof_file(sha256: str, principal: PrincipalDep, c: ContainerDep) -> Response:
    data, media_type = proofs.download(principal, sha256, store=c.proofs())
    return Response(data, media_type=media_type)


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
