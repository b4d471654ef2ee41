"""Scan events in: each stored once, its parcel replayed, its order following the parcels.

A batch is one transaction, committed before the answer goes back, so an acknowledged event is
never lost; retrying the batch is a no-op for the events already stored. An event that cannot
apply (a barcode nobody knows, a delivery of a parcel never loaded) is stored all the same and
answered with the reason: a later event may make it apply, and a person sees it meanwhile.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from doorstep.domain.errors import DomainError, InvalidValue
from doorstep.domain.geo import Location
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.permissions import Permission
from doorstep.domain.proofs import Proof
from doorstep.domain.proofs import missing as missing_proof
from doorstep.domain.scans import (
    FailReason,
    ParcelState,
    Replay,
    ScanEvent,
    ScanKind,
)
from doorstep.services import broadcasts
from doorstep.services.authorization import Principal, require
from doorstep.services.exceptions import ScanTroubles
from doorstep.services.orders import MAX_PAGE, decode_cursor, encode_cursor
from doorstep.services.ports import (
    Broadcaster,
    Clock,
    Position,
    ProofStore,
    ScanContext,
    ScanRecord,
    UnitOfWork,
)
from doorstep.services.scan_replay import (
    Parcels,
    follow,
    store,
    unknown_barcode,
    vehicle_names,
)

MAX_BATCH = 1000


class Outcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"  # stored before, with the same content: nothing changed
    CONFLICT = "conflict"  # the id was used before for another event: not stored
    REJECTED = "rejected"  # invalid: not stored


@dataclass(frozen=True)
class IncomingScan:
    """One event as a shell parsed it; the actor is whoever sends the batch."""

    id: str
    kind: ScanKind
    barcode: str
    device_time: datetime
    device: str = ""
    position: Location | None = None
    lane: str = ""
    vehicle_id: str = ""
    reason: FailReason | None = None
    note: str = ""
    proof: Proof | None = None


@dataclass(frozen=True)
class ScanResult:
    """What became of one event: ``problem`` says why it does not apply (None: it does)."""

    id: str
    outcome: Outcome
    message: str = ""
    problem: str | None = None
    parcel_status: OrderStatus | None = None


@dataclass(frozen=True)
class IngestReport:
    results: tuple[ScanResult, ...]

    @property
    def counts(self) -> dict[str, int]:
        tally = Counter(r.outcome.value for r in self.results)
        counts = {outcome.value: tally.get(outcome.value, 0) for outcome in Outcome}
        counts["problems"] = sum(1 for r in self.results if r.problem is not None)
        return counts


@dataclass(frozen=True)
class ScanPage:
    records: tuple[ScanRecord, ...]
    next_cursor: str | None


def list_scans(
    principal: Principal,
    *,
    barcode: str | None = None,
    problems_only: bool = False,
    cursor: str | None = None,
    limit: int = 100,
    uow: UnitOfWork,
) -> ScanPage:
    """Stored events in the order doorstep received them; pass ``next_cursor`` for more."""
    require(principal, Permission.ORDERS_READ)
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidValue("limit", f"must be between 1 and {MAX_PAGE}, got {limit}")
    with uow:
        found = uow.scans.list(
            principal.organisation_id,
            barcode=barcode,
            problems_only=problems_only,
            after=decode_cursor(cursor) if cursor else None,
            limit=limit + 1,
        )
    page = tuple(found[:limit])
    if len(found) <= limit:
        return ScanPage(page, None)
    last = page[-1].event
    return ScanPage(page, encode_cursor(Position(last.server_time, last.id)))


def ingest(
    principal: Principal,
    scans: Sequence[IncomingScan],
    *,
    uow: UnitOfWork,
    clock: Clock,
    proofs: ProofStore | None = None,
    broadcast: Broadcaster | None = None,
) -> IngestReport:
    """Store a batch of up to ``MAX_BATCH`` events and bring their parcels and orders up to date.

    A delivery without the proof its order asks for, or naming a proof file not uploaded to
    ``proofs``, is rejected (not stored): the driver app captures it and sends it again.
    Once committed, the batch's changes are announced on ``broadcast`` (the live pages).
    """
    require(principal, Permission.SCANS_WRITE)
    if len(scans) > MAX_BATCH:
        raise InvalidValue(
            "events",
            f"at most {MAX_BATCH} events per request, got {len(scans)}; send the rest next",
        )
    org, now = principal.organisation_id, clock.now()
    events, rejected = _events(principal, scans, now)
    with uow:
        uow.scans.lock(org)
        stored = uow.scans.stored(org, list(events))
        outcomes, new = _sort_out(events, stored)
        context = uow.scans.context(org, [e.barcode for e in events.values()])
        owners, before = context.owners, context.states
        unproven = _unproven(org, new, context, proofs)
        new = [e for e in new if e.id not in unproven]
        rejected += [ScanResult(i, Outcome.REJECTED, why) for i, why in unproven.items()]
        events = {i: e for i, e in events.items() if i not in unproven}
        plan = uow.assignments.of_barcodes(org, sorted({e.barcode for e in new} & owners.keys()))
        seen = ScanTroubles(owners)
        parcels = Parcels(owners, before, plan, vehicle_names(uow, org, plan))
        replays = store(uow, org, new, parcels, seen)
        changes = follow(uow, org, {b: r.state for b, r in replays.items()}, context, now)
        seen.settle(uow, org, now)
        uow.commit()
    broadcasts.scans_applied(broadcast, org, changes, len(replays))
    known = _Known(owners, before, replays, {i: p for i, (_, p) in stored.items()})
    results = [known.result(event, outcomes[event_id]) for event_id, event in events.items()]
    return IngestReport(tuple(rejected + results))


def _events(
    principal: Principal, scans: Sequence[IncomingScan], now: datetime
) -> tuple[dict[str, ScanEvent], list[ScanResult]]:
    """Valid events by id (the first of an id repeated in the batch) and the rejected ones."""
    events: dict[str, ScanEvent] = {}
    rejected: list[ScanResult] = []
    for scan in scans:
        try:
            event = ScanEvent(
                organisation_id=principal.organisation_id,
                server_time=now,
                actor_id=principal.actor_id,
                **vars(scan),
            )
        except DomainError as error:
            rejected.append(ScanResult(scan.id, Outcome.REJECTED, str(error)))
            continue
        first = events.setdefault(event.id, event)
        if first is not event and first.fingerprint != event.fingerprint:
            rejected.append(ScanResult(event.id, Outcome.CONFLICT, _reused(event.id)))
    return events, rejected


def _unproven(
    org: str, new: Sequence[ScanEvent], context: ScanContext, proofs: ProofStore | None
) -> dict[str, str]:
    """Why each new event's proof falls short, by event id (files first, then the order's
    requirement); events of unknown parcels are kept for their own problem."""
    found: dict[str, str] = {}
    for event in new:
        if event.proof is None and event.kind is not ScanKind.DELIVER:
            continue
        files = event.proof.files if event.proof else ()
        absent = [h for h in files if proofs is None or not proofs.exists(org, h)]
        if absent:
            found[event.id] = f"proof: no uploaded file has hash {absent[0]}; upload it first"
            continue
        order = context.orders.get(context.owners.get(event.barcode, ""))
        if event.kind is ScanKind.DELIVER and order is not None:
            lacking = missing_proof(order.proof, event.proof)
            if lacking is not None:
                found[event.id] = lacking
    return found


def _reused(event_id: str) -> str:
    return f"event id {event_id!r} was used before for another event; give each event a new id"


def _sort_out(
    events: Mapping[str, ScanEvent], stored: Mapping[str, tuple[str, str | None]]
) -> tuple[dict[str, Outcome], list[ScanEvent]]:
    """Each event's outcome against what is stored, and the events to store."""
    outcomes: dict[str, Outcome] = {}
    new: list[ScanEvent] = []
    for event_id, event in events.items():
        known = stored.get(event_id)
        if known is None:
            outcomes[event_id] = Outcome.STORED
            new.append(event)
        else:
            same = known[0] == event.fingerprint
            outcomes[event_id] = Outcome.DUPLICATE if same else Outcome.CONFLICT
    return outcomes, new


@dataclass(frozen=True)
class _Known:
    """What a batch learnt, to answer each of its events."""

    owners: Mapping[str, str]
    before: Mapping[str, ParcelState]
    replays: Mapping[str, Replay]
    stored_problems: Mapping[str, str | None]

    def result(self, event: ScanEvent, outcome: Outcome) -> ScanResult:
        if outcome is Outcome.CONFLICT:
            return ScanResult(event.id, outcome, _reused(event.id))
        if event.barcode not in self.owners:
            return ScanResult(event.id, outcome, problem=unknown_barcode(event.barcode))
        found = self.replays.get(event.barcode)
        state = found.state if found else self.before.get(event.barcode, ParcelState(event.barcode))
        if found is not None and (found.whole or outcome is Outcome.STORED):
            problem = found.problems.get(event.id)
        else:  # a duplicate, and no event slotted in before it: its problem stands
            problem = self.stored_problems.get(event.id)
        return ScanResult(event.id, outcome, problem=problem, parcel_status=state.status)
