"""A batch's scans applied: each touched parcel replayed, its order moved to where its
parcels stand, and the news of the change (customer messages, webhooks) queued with it.

The hot path of scan ingestion (``services.scans``): events after all a parcel has replayed
carry its stored state on, which reads nothing more; an event that slots in earlier makes
the parcel replay whole from all its stored events.

An order moved back from handed off by a cancelled hand-off (its parcels on no new trip)
records the change as "hand-off cancelled" and sends the customer no message about it: the
parcel did not arrive anywhere. Integrators still get the status change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import StatusChange
from doorstep.domain.scans import (
    BEFORE_HAND_OFF,
    ParcelState,
    Replay,
    ScanEvent,
    extend,
    order_change,
    replay,
)
from doorstep.domain.sorting import Assignment
from doorstep.services import messages, webhooks
from doorstep.services.exceptions import ScanTroubles
from doorstep.services.ports import ScanContext, ScanRecord, UnitOfWork


def unknown_barcode(barcode: str) -> str:
    return (
        f"no parcel of this organisation has barcode {barcode!r}: check the label, or import "
        "its order; the scan is kept"
    )


@dataclass(frozen=True)
class Parcels:
    """What is known of a batch's parcels: their orders, stored states, sort plan places, and
    the names of the vehicles a mis-load names (``vehicle_names``)."""

    owners: Mapping[str, str]
    before: Mapping[str, ParcelState]
    plan: Mapping[str, Assignment]
    names: Mapping[str, str] = field(default_factory=dict)


def vehicle_names(uow: UnitOfWork, org: str, plan: Mapping[str, Assignment]) -> dict[str, str]:
    """Vehicle id -> name, for a mis-load's words; read only when a sort plan applies."""
    return {v.id: v.name for v in uow.vehicles.list(org)} if plan else {}


def refresh(uow: UnitOfWork, org: str, barcodes: Sequence[str], now: datetime) -> None:
    """Replay scanned ``barcodes`` whole (their sort plan changed) and move their orders."""
    states = uow.scans.states(org, barcodes)
    if not states:
        return
    context = uow.scans.context(org, list(states))
    owners = context.owners
    plan = uow.assignments.of_barcodes(org, list(states))
    seen = ScanTroubles(owners)
    names = vehicle_names(uow, org, plan)
    replays = _replay_whole(uow, org, list(states), plan, seen, names)
    uow.scans.save_states(org, [(owners[b], r.state) for b, r in replays.items()])
    follow(uow, org, {b: r.state for b, r in replays.items()}, context, now)
    seen.settle(uow, org, now)


def store(
    uow: UnitOfWork, org: str, new: Sequence[ScanEvent], parcels: Parcels, seen: ScanTroubles
) -> dict[str, Replay]:
    """Store the new events and their parcels' new states; the replay of each parcel touched.

    Events that come after everything a parcel has replayed carry its stored state on, which is
    the common case and reads nothing more; a parcel with an event that slots in earlier is
    replayed whole from all its stored events.
    """
    owners = parcels.owners
    touched: dict[str, list[ScanEvent]] = defaultdict(list)
    for event in new:
        if event.barcode in owners:
            touched[event.barcode].append(event)
    replays: dict[str, Replay] = {}
    for barcode, events in touched.items():
        base = parcels.before.get(barcode, ParcelState(barcode))
        found = extend(base, events, parcels.plan.get(barcode), parcels.names)
        if found is not None:
            replays[barcode] = found
    records = [_record(e, owners, replays) for e in new]
    uow.scans.add_many(records)
    whole = [b for b in touched if b not in replays]
    for record in records:
        if record.event.barcode not in whole:  # the whole replay reports its own
            seen.changed(record.event, None, record.problem)
    replays |= _replay_whole(uow, org, whole, parcels.plan, seen, parcels.names)
    uow.scans.save_states(org, [(owners[b], r.state) for b, r in replays.items()])
    return replays


def _record(
    event: ScanEvent, owners: Mapping[str, str], replays: Mapping[str, Replay]
) -> ScanRecord:
    order_id = owners.get(event.barcode)
    if order_id is None:
        return ScanRecord(event, None, unknown_barcode(event.barcode))
    found = replays.get(event.barcode)  # None: replayed whole next, which sets the problem
    return ScanRecord(event, order_id, found.problems.get(event.id) if found else None)


def _replay_whole(
    uow: UnitOfWork,
    org: str,
    barcodes: Sequence[str],
    plan: Mapping[str, Assignment],
    seen: ScanTroubles,
    names: Mapping[str, str],
) -> dict[str, Replay]:
    """Replay each barcode from all its stored events; save the problems that changed."""
    if not barcodes:
        return {}
    replays: dict[str, Replay] = {}
    changed: dict[str, str | None] = {}
    for barcode, records in uow.scans.of_barcodes(org, barcodes).items():
        events = (r.event for r in records)
        found = replays[barcode] = replay(barcode, events, plan.get(barcode), names)
        for record in records:
            problem = found.problems.get(record.event.id)
            if problem != record.problem:
                changed[record.event.id] = problem
                seen.changed(record.event, record.problem, problem)
    uow.scans.set_problems(org, changed)
    return replays


def follow(
    uow: UnitOfWork,
    org: str,
    states: Mapping[str, ParcelState],
    context: ScanContext,
    now: datetime,
) -> list[tuple[str, StatusChange]]:
    """Move each order of the parcels in ``states`` to where all its parcels stand; the moves."""
    stored = context.states
    changes: list[tuple[str, StatusChange]] = []
    for order_id in sorted({context.owners[b] for b in states}):
        order = context.orders[order_id]
        parcels = [states.get(b) or stored.get(b) or ParcelState(b) for b in order.barcodes]
        change = order_change(order.status, parcels, now)
        if change is not None:
            changes.append((order_id, change))
    changes = [
        (order_id, _undone(change, order_id, states, context)) for order_id, change in changes
    ]
    uow.orders.record_changes(org, changes)
    if changes:  # the customer's messages and the integrators' events, in this transaction
        reasons = {
            context.owners[b]: s.last_reason.value for b, s in states.items() if s.last_reason
        }
        contacts = {order_id: context.orders[order_id].contact for order_id, _ in changes}
        # A cancelled hand-off is no news to the customer ("received" again, or at all).
        news = [(i, c) for i, c in changes if c.reason != HAND_OFF_CANCELLED]
        messages.queue_for_changes(uow, org, news, now, reasons, contacts)
        webhooks.publish_changes(uow, org, changes, now, reasons)
    return changes


HAND_OFF_CANCELLED = "hand-off cancelled"


def _undone(
    change: StatusChange, order_id: str, states: Mapping[str, ParcelState], context: ScanContext
) -> StatusChange:
    """``change`` named for what it is when it undoes a hand-off: from handed off back to
    where the order stood, with no parcel on a new trip (a partner's return is one)."""
    if change.from_status is not OrderStatus.HANDED_OFF or change.to_status not in BEFORE_HAND_OFF:
        return change
    barcodes = context.orders[order_id].barcodes
    before = {b: context.states.get(b) for b in barcodes}
    for barcode in barcodes:
        now, then = states.get(barcode), before[barcode]
        if now is not None and then is not None and now.trips != then.trips:
            return change
    return replace(change, reason=HAND_OFF_CANCELLED)
