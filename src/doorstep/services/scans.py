"""Scan events in: each stored once, its parcel replayed, its order following the parcels.

A batch is one transaction, committed before the answer goes back, so an acknowledged event is
never lost; retrying the batch is a no-op for the events already stored. An event that cannot
apply (a barcode nobody knows, a delivery of a parcel never loaded) is stored all the same and
answered with the reason: a later event may make it apply, and a person sees it meanwhile.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from doorstep.domain.errors import DomainError, InvalidValue
from doorstep.domain.geo import Location
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Order
from doorstep.domain.permissions import Permission
from doorstep.domain.scans import (
    FailReason,
    ParcelState,
    Replay,
    ScanEvent,
    ScanKind,
    order_status,
    replay,
)
from doorstep.services.authorization import Principal, require
from doorstep.services.orders import MAX_PAGE, decode_cursor, encode_cursor
from doorstep.services.ports import Clock, Position, ScanRecord, UnitOfWork

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


def unknown_barcode(barcode: str) -> str:
    return (
        f"no parcel of this organisation has barcode {barcode!r}: check the label, or import "
        "its order; the scan is kept"
    )


def ingest(
    principal: Principal, scans: Sequence[IncomingScan], *, uow: UnitOfWork, clock: Clock
) -> IngestReport:
    """Store a batch of up to ``MAX_BATCH`` events and bring their parcels and orders up to date."""
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
        outcomes, new = _sort_out(events, uow.scans.fingerprints(org, list(events)))
        owners = uow.orders.barcode_owners(org, [e.barcode for e in events.values()])
        uow.scans.add_many([_record(e, owners) for e in new])
        replays = _replay(uow, org, {e.barcode for e in events.values()} & owners.keys())
        _follow(uow, org, replays, owners, now)
        uow.commit()
    results = [
        _result(event, outcomes[event_id], replays, owners) for event_id, event in events.items()
    ]
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


def _reused(event_id: str) -> str:
    return f"event id {event_id!r} was used before for another event; give each event a new id"


def _sort_out(
    events: Mapping[str, ScanEvent], stored: Mapping[str, str]
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
            same = known == event.fingerprint
            outcomes[event_id] = Outcome.DUPLICATE if same else Outcome.CONFLICT
    return outcomes, new


def _record(event: ScanEvent, owners: Mapping[str, str]) -> ScanRecord:
    order_id = owners.get(event.barcode)
    problem = None if order_id is not None else unknown_barcode(event.barcode)
    return ScanRecord(event, order_id, problem)


def _replay(uow: UnitOfWork, org: str, barcodes: Iterable[str]) -> dict[str, Replay]:
    """Replay each known barcode from all its stored events; save the problems that changed."""
    stored = uow.scans.of_barcodes(org, sorted(barcodes))
    replays: dict[str, Replay] = {}
    changed: dict[str, str | None] = {}
    for barcode, records in stored.items():
        found = replays[barcode] = replay(barcode, (r.event for r in records))
        for record in records:
            problem = found.problems.get(record.event.id)
            if problem != record.problem:
                changed[record.event.id] = problem
    uow.scans.set_problems(org, changed)
    return replays


def _follow(
    uow: UnitOfWork,
    org: str,
    replays: Mapping[str, Replay],
    owners: Mapping[str, str],
    now: datetime,
) -> None:
    """Save the parcels' states; move each of their orders to where its parcels stand."""
    uow.scans.save_states(org, [(owners[b], r.state) for b, r in replays.items()])
    orders = uow.orders.get_many(org, sorted({owners[b] for b in replays}))
    barcodes = [p.barcode for o in orders.values() for p in o.parcels]
    states = {b: state for b, (_, state) in uow.scans.states(org, barcodes).items()}
    changed = [o for o in orders.values() if _follows(o, states, now)]
    uow.orders.update_statuses(changed)


def _follows(order: Order, states: Mapping[str, ParcelState], now: datetime) -> bool:
    parcels = [states.get(p.barcode, ParcelState(p.barcode)) for p in order.parcels]
    status = order_status(parcels)
    return status is not None and order.follow_scans(status, now)


def _result(
    event: ScanEvent,
    outcome: Outcome,
    replays: Mapping[str, Replay],
    owners: Mapping[str, str],
) -> ScanResult:
    if outcome is Outcome.CONFLICT:
        return ScanResult(event.id, outcome, _reused(event.id))
    if event.barcode not in owners:
        return ScanResult(event.id, outcome, problem=unknown_barcode(event.barcode))
    found = replays[event.barcode]
    return ScanResult(
        event.id, outcome, problem=found.problems.get(event.id), parcel_status=found.state.status
    )
