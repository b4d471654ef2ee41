"""Scan events and the parcel state they add up to, replayed in device-time order.

Handhelds lose signal, so events arrive late, out of order and more than once. Nothing here
depends on arrival: a parcel's state is a pure function of the *set* of its events, replayed
in device-time order (ties broken by the order the work happens in, then by event id). A late
event slots into place by replaying again; a duplicate id is the same event. An event the
replay cannot apply (a delivery of a parcel never loaded) stays stored with the reason, and
applies once the missing event arrives and makes it possible.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from functools import cached_property

from doorstep.domain.errors import InvalidValue
from doorstep.domain.geo import Location
from doorstep.domain.order_status import FOLLOWS_SCANS, OrderStatus
from doorstep.domain.orders import StatusChange
from doorstep.domain.proofs import Proof
from doorstep.domain.sorting import Assignment

S = OrderStatus
_EVENT_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


class ScanKind(StrEnum):
    """What a scan records; the order of the members is the order the work happens in."""

    RECEIVE = "receive"  # at the station: in from the shipper, or back from a route
    DAMAGED = "damaged"  # found damaged, wherever it is; the state is unchanged
    SORT = "sort"  # put in a staging lane or bag (``lane``)
    LOAD = "load"  # onto a vehicle (``vehicle_id``)
    UNLOAD = "unload"  # off the vehicle again before it leaves: back on the shelf
    DEPART = "depart"  # the vehicle left with it: out for delivery
    ARRIVE = "arrive"  # the driver is at its stop (``position``); the state is unchanged
    PICK_UP = "pick_up"  # a return collected from the customer, now on the vehicle
    FAIL = "fail"  # a delivery attempt failed (``reason``)
    DELIVER = "deliver"  # handed over
    # Given to a partner carrier (booked, collected or carried by it): the parcel is then the
    # partner's until its out-for-delivery, delivery, failure or return. Last, not between
    # unload and depart where the work happens, because ranks are stored with each parcel's
    # replay key; a tie at the very same instant is the only thing the position decides.
    HAND_OFF = "hand_off"
    # The hand-off was cancelled before the partner began: the parcel stands again where it
    # stood when handed off (ready, received or sorted; ``ParcelState.before_hand_off``). Not
    # a receive: the station did not scan it, and a ready parcel never reached the station.
    # After hand_off, so that at the very same instant the cancel undoes the booking.
    HAND_OFF_CANCEL = "hand_off_cancel"


class FailReason(StrEnum):
    RECIPIENT_ABSENT = "recipient_absent"
    NO_ACCESS = "no_access"
    ADDRESS_NOT_FOUND = "address_not_found"
    REFUSED = "refused"
    DAMAGED = "damaged"
    BUSINESS_CLOSED = "business_closed"
    UNSAFE = "unsafe"
    OUT_OF_TIME = "out_of_time"


# From which parcel states each kind of scan applies, and the state it leaves. A parcel
# starts READY (announced by the shipper, not yet at the station). After a failed attempt the
# driver may try again the same day, or bring it back (a receive scan at the station); a
# parcel the route never reached comes back the same way, out for delivery to received.
MOVES: dict[ScanKind, tuple[frozenset[OrderStatus], OrderStatus | None]] = {
    ScanKind.RECEIVE: (
        frozenset(
            {S.READY, S.HANDED_OFF, S.OUT_FOR_DELIVERY, S.FAILED_ATTEMPT, S.RETURNING_TO_STATION}
        ),
        S.RECEIVED,
    ),
    ScanKind.DAMAGED: (
        frozenset(
            {S.READY, S.RECEIVED, S.SORTED, S.LOADED, S.OUT_FOR_DELIVERY, S.FAILED_ATTEMPT}
            | {S.RETURNING_TO_STATION, S.HANDED_OFF}
        ),
        None,
    ),
    ScanKind.SORT: (frozenset({S.RECEIVED, S.SORTED}), S.SORTED),
    ScanKind.LOAD: (frozenset({S.SORTED}), S.LOADED),
    ScanKind.UNLOAD: (frozenset({S.LOADED}), S.SORTED),
    ScanKind.DEPART: (frozenset({S.LOADED, S.HANDED_OFF}), S.OUT_FOR_DELIVERY),
    ScanKind.ARRIVE: (frozenset({S.OUT_FOR_DELIVERY, S.FAILED_ATTEMPT}), None),
    ScanKind.PICK_UP: (frozenset({S.READY}), S.RETURNING_TO_STATION),
    # A partner that reports no out-for-delivery may report a delivery or a failure straight
    # from having the parcel (handed off).
    ScanKind.FAIL: (
        frozenset({S.OUT_FOR_DELIVERY, S.FAILED_ATTEMPT, S.HANDED_OFF}),
        S.FAILED_ATTEMPT,
    ),
    ScanKind.DELIVER: (
        frozenset({S.OUT_FOR_DELIVERY, S.FAILED_ATTEMPT, S.HANDED_OFF}),
        S.DELIVERED,
    ),
    ScanKind.HAND_OFF: (frozenset({S.READY, S.RECEIVED, S.SORTED, S.HANDED_OFF}), S.HANDED_OFF),
    # The state it goes back to is the one before the hand-off (``apply``), not fixed here.
    ScanKind.HAND_OFF_CANCEL: (frozenset({S.HANDED_OFF}), None),
}

# Where a parcel may stand when handed off; a cancelled hand-off puts it back there.
BEFORE_HAND_OFF = frozenset({S.READY, S.RECEIVED, S.SORTED})

# Away from the station: a receive scan from here brings the parcel back (a new trip).
AWAY = frozenset({S.OUT_FOR_DELIVERY, S.FAILED_ATTEMPT, S.RETURNING_TO_STATION, S.HANDED_OFF})

_RANK = {kind: n for n, kind in enumerate(ScanKind)}

ReplayKey = tuple[datetime, int, str]  # device time, rank of the kind, event id


@dataclass(frozen=True)
class ScanEvent:
    """One immutable scan, as the device saw it; ``id`` is chosen by the device (a UUID).

    ``device_time`` orders the replay; ``server_time`` is when doorstep first stored it.
    """

    id: str
    organisation_id: str
    kind: ScanKind
    barcode: str
    device_time: datetime
    server_time: datetime
    actor_id: str
    device: str = ""
    position: Location | None = None
    lane: str = ""
    vehicle_id: str = ""
    reason: FailReason | None = None
    note: str = ""
    proof: Proof | None = None  # a delivery's proof; a failed attempt's evidence

    def __post_init__(self) -> None:
        if not _EVENT_ID.match(self.id):
            raise InvalidValue(
                "id", "must be 8-64 letters, digits or . _ : - (a UUID made on the device)"
            )
        if self.device_time.tzinfo is None:
            raise InvalidValue("device_time", "needs a time zone, e.g. 2026-11-21T09:30:00+02:00")
        if self.kind is ScanKind.SORT and not self.lane:
            raise InvalidValue("lane", "a sort scan names the lane or bag the parcel went to")
        if self.kind is ScanKind.LOAD and not self.vehicle_id:
            raise InvalidValue("vehicle_id", "a load scan names the vehicle loaded")
        if self.kind is ScanKind.FAIL and self.reason is None:
            raise InvalidValue(
                "reason", "a failed attempt needs a reason: " + ", ".join(r for r in FailReason)
            )
        if self.proof is not None and self.kind not in (ScanKind.DELIVER, ScanKind.FAIL):
            raise InvalidValue("proof", "only a delivery or a failed attempt carries proof")
        if len(self.note) > 1000 or len(self.device) > 100 or len(self.lane) > 40:
            raise InvalidValue("note", "note up to 1000, device up to 100, lane up to 40 chars")

    @property
    def replay_key(self) -> ReplayKey:
        return (self.device_time, _RANK[self.kind], self.id)

    @cached_property  # asked several times per event on ingestion; the event never changes
    def fingerprint(self) -> str:
        """What the device sent, hashed: the same id with other content is not a duplicate."""
        sent = {
            "kind": self.kind.value,
            "barcode": self.barcode,
            "device_time": self.device_time.astimezone(UTC).isoformat(),  # the instant
            "actor": self.actor_id,
            "device": self.device,
            "position": None if self.position is None else [self.position.lat, self.position.lon],
            "lane": self.lane,
            "vehicle_id": self.vehicle_id,
            "reason": None if self.reason is None else self.reason.value,
            "note": self.note,
            "proof": None if self.proof is None else asdict(self.proof),
        }
        return hashlib.sha256(json.dumps(sent, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class ParcelState:
    """Where a parcel stands after its events: the state and what the scans said about it."""

    barcode: str
    status: OrderStatus = OrderStatus.READY
    lane: str = ""
    vehicle_id: str = ""
    damaged: bool = False
    attempts: int = 0  # failed attempts
    last_reason: FailReason | None = None
    last_event_at: datetime | None = None  # device time of the last event that applied
    arrived_at: datetime | None = None  # at its stop since, and not yet delivered or failed
    # The replay key of the last event replayed, applied or not: events after it can carry
    # the state on (``extend``); one before it means replaying the parcel whole.
    replayed_to: ReplayKey | None = None
    trips: int = 0  # times it came back into the station after leaving it
    # Handed off: where it stood before (ready, received or sorted), for a cancel to restore.
    # None when not handed off, or handed off before this was recorded (a cancel then brings
    # it back as received, as cancels did then).
    before_hand_off: OrderStatus | None = None


@dataclass(frozen=True)
class Replay:
    """A parcel's state and, per event id, why an event could not apply (absent: it did).

    ``whole``: every event of the parcel was replayed; else only those ``extend`` was given.
    """

    state: ParcelState
    problems: Mapping[str, str] = field(default_factory=dict)
    whole: bool = True


def replay(
    barcode: str,
    events: Iterable[ScanEvent],
    expected: Assignment | None = None,
    names: Mapping[str, str] | None = None,
) -> Replay:
    """Apply ``events`` of one parcel in device-time order; duplicates by id count once.

    With ``expected`` (the published sort plan's place for the parcel) a sort scan to another
    lane and a load scan onto another vehicle are refused: they do not apply, and their
    problem names the right lane or vehicle, by its name in ``names`` (vehicle id -> name).
    """
    return _run(ParcelState(barcode), events, expected, names or {})


def extend(
    state: ParcelState,
    events: Iterable[ScanEvent],
    expected: Assignment | None = None,
    names: Mapping[str, str] | None = None,
) -> Replay | None:
    """``state`` carried on with new ``events``, if they all come after what it replayed.

    None when one comes earlier: it slots in among events already replayed, and only a
    replay of the whole parcel gives the right answer.
    """
    unique = {e.id: e for e in events}
    first = min((e.replay_key for e in unique.values()), default=None)
    if state.replayed_to is not None and first is not None and first <= state.replayed_to:
        return None
    return replace(_run(state, unique.values(), expected, names or {}), whole=False)


def _run(
    state: ParcelState,
    events: Iterable[ScanEvent],
    expected: Assignment | None,
    names: Mapping[str, str],
) -> Replay:
    unique = {e.id: e for e in events}
    problems: dict[str, str] = {}
    for event in sorted(unique.values(), key=lambda e: e.replay_key):
        moved = apply(state, event, expected, names)
        if isinstance(moved, str):
            problems[event.id] = moved
            state = replace(state, replayed_to=event.replay_key)
        else:
            state = moved
    return Replay(state, problems)


def apply(
    state: ParcelState,
    event: ScanEvent,
    expected: Assignment | None = None,
    names: Mapping[str, str] | None = None,
) -> ParcelState | str:
    """The state after ``event``, or why it cannot apply from ``state`` (or the sort plan)."""
    allowed, to = MOVES[event.kind]
    if state.status not in allowed:
        return _impossible(state, event)
    misplaced = _misplaced(state, event, expected, names or {})
    if misplaced:
        return misplaced
    kind = event.kind
    changes: dict[str, object] = {
        "last_event_at": event.device_time,
        "replayed_to": event.replay_key,
    }
    if to is not None:
        changes["status"] = to
    changes["arrived_at"] = event.device_time if kind is ScanKind.ARRIVE else None
    if kind is ScanKind.DAMAGED:
        changes["arrived_at"] = state.arrived_at
        changes["damaged"] = True
    elif kind is ScanKind.SORT:
        changes["lane"] = event.lane
    elif kind is ScanKind.LOAD:
        changes["vehicle_id"] = event.vehicle_id
    elif kind in (ScanKind.UNLOAD, ScanKind.RECEIVE):
        changes["vehicle_id"] = ""
        if kind is ScanKind.RECEIVE and state.status in AWAY:  # back: its next trip begins
            changes["trips"] = state.trips + 1
    elif kind is ScanKind.FAIL:
        changes["attempts"] = state.attempts + 1
        changes["last_reason"] = event.reason
    if kind is ScanKind.HAND_OFF:
        # The first hand-off scan of a booking remembers where the parcel stood; the
        # partner's later picked_up and in_transit (hand_off scans too) keep it.
        first = state.status in BEFORE_HAND_OFF
        changes["before_hand_off"] = state.status if first else state.before_hand_off
    elif kind is ScanKind.HAND_OFF_CANCEL:
        changes["status"] = state.before_hand_off or S.RECEIVED
        changes["before_hand_off"] = None
    elif kind is not ScanKind.DAMAGED and to is not None:
        changes["before_hand_off"] = None  # moved on: out for delivery, delivered, back in
    return replace(state, **changes)  # type: ignore[arg-type]


def _misplaced(
    state: ParcelState, event: ScanEvent, expected: Assignment | None, names: Mapping[str, str]
) -> str:
    """Why a sort or load scan goes against the sort plan, or "" if it does not.

    The plan holds for the parcel's trip it was made for: the scans of an earlier trip, before
    the parcel came back to the station (after a failed attempt, or towed back on a
    broken-down van), followed the plan of their time.

    The words open with ``mis-sort:`` or ``mis-load:`` (``exceptions.problem_type`` reads
    them); vehicles go by the names people know them by, and by id only when ``names`` does
    not know it (a device naming no vehicle of the organisation).
    """
    if expected is None or state.trips != expected.attempt:
        return ""
    if event.kind is ScanKind.SORT and event.lane != expected.lane:
        return (
            f"mis-sort: this parcel belongs in lane {expected.lane} (stop {expected.position}), "
            f"not {event.lane}; move it there and scan it again"
        )
    if event.kind is ScanKind.LOAD and event.vehicle_id != expected.vehicle_id:
        right = vehicle_words(expected.vehicle_id, names)
        wrong = vehicle_words(event.vehicle_id, names)
        return (
            f"mis-load: this parcel belongs on {right} (lane {expected.lane}), not {wrong}; "
            "take it off"
        )
    return ""


def vehicle_words(vehicle_id: str, names: Mapping[str, str]) -> str:
    """A vehicle in a message: its name (``Van 3``), else ``vehicle <id>``."""
    name = names.get(vehicle_id)
    return name if name else f"vehicle {vehicle_id}"


def _impossible(state: ParcelState, event: ScanEvent) -> str:
    allowed = ", ".join(sorted(s.value for s in MOVES[event.kind][0]))
    return (
        f"a {event.kind.value} scan cannot apply to a parcel that is {state.status.value} "
        f"(it needs one of: {allowed}); a scan before it may be missing"
    )


# How far along a parcel is, for an order of several parcels: the order stands where its
# least advanced parcel stands, so it is delivered only once every parcel is.
PROGRESS = (
    S.READY,
    S.RECEIVED,
    S.SORTED,
    S.LOADED,
    S.HANDED_OFF,
    S.OUT_FOR_DELIVERY,
    S.FAILED_ATTEMPT,
    S.RETURNING_TO_STATION,
    S.DELIVERED,
)


def order_status(parcels: Iterable[ParcelState]) -> OrderStatus | None:
    """The status an order's parcels add up to; None for an order without parcels."""
    statuses = [p.status for p in parcels]
    if not statuses:
        return None
    return min(statuses, key=PROGRESS.index)


def order_change(
    current: OrderStatus, parcels: Iterable[ParcelState], at: datetime
) -> StatusChange | None:
    """The order's move to where its parcels stand, if any.

    Scans are replayed in device-time order, so a late scan may move an order back as well as
    on: the transition table holds per scan (``MOVES``), not for the order. An order in a
    status the scans do not decide (needs attention, cancelled) keeps it.
    """
    derived = order_status(parcels)
    if current not in FOLLOWS_SCANS or derived is None or derived is current:
        return None
    return StatusChange(at, current, derived, "scans")
