"""Handing orders to partner carriers, and their events as doorstep's own scans.

**Hand-off** (``hand_off``): the order must be plannable (ready, received or sorted: not yet
on a van), ask only a proof the carrier captures (``Carrier.captures``: the proofs it
declares), and have no open hand-off; the carrier must be an active partner serving the
service level, with a stored connection (``connect``). The booking goes through the
carrier's gateway with an idempotency key made from the order and its number of earlier
hand-offs, so a retry after a lost answer finds the first booking instead of making a second;
a cancelled hand-off's next one gets a new key. No transaction is open during the partner's
call (it may take up to the client's timeout, and on SQLite an open write transaction would
hold every other writer for as long). The ``Handoff`` row (label PDF included) and a
``hand_off`` scan per parcel are then stored in one transaction, with what the caller asks
to keep in it (``remember``: the answer to an Idempotency-Key): the order stands
``handed_off``, out of own-fleet planning.

**Events** (``apply_events``, from a verified webhook or pulled with ``pull_events``) become
scans (``domain.handoffs.SCAN_OF``) fed through ``services.scans.ingest``: the replay makes
duplicates and late events harmless, a failure opens the same failed-attempt case as a
driver's, and the customer messages, the tracking page, the board and the KPIs read the
same scans. Each event gives one scan per parcel it names (all the order's parcels when it
names none), with an id derived from the carrier, the partner's event id and the barcode.
A delivered event's proof becomes the scan's proof as a driver's does: its images are put in
the proof store first (by hash, so a resent event stores nothing twice), and the delivery of
an order asking for a proof applies only with it (else the scan is rejected, with the
reason in the report's ``rejected``).

**Cancel** (``cancel``) is for a hand-off the partner has not started (booked): the booking is
cancelled at the partner, and a ``hand_off_cancel`` scan per parcel puts the order back where
it stood before the hand-off (ready stays ready, received received, sorted sorted: plannable
again); not a ``receive``, since the station scanned nothing. A hand-off under way cannot be
cancelled here: the partner returns the parcel (its ``returned`` event).

Scan times: the hand-off's and the cancel's scans are dated now, but never at or before the
parcel's last event (a hand-off again right after a cancel, within the clock's resolution,
must replay after that cancel, not before it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from doorstep.domain.carriers import Carrier, CarrierKind, ServiceLevel
from doorstep.domain.errors import AuthenticationFailed, Conflict, InvalidValue, NotFound
from doorstep.domain.handoffs import (
    SCAN_OF,
    CarrierConnection,
    Handoff,
    HandoffStatus,
    PartnerProof,
    PartnerStatus,
    ShipmentRequest,
    TrackingEvent,
    fail_reason,
    scan_id,
    status_after,
)
from doorstep.domain.order_status import PLANNABLE
from doorstep.domain.orders import Order, OrderKind, ProofKind
from doorstep.domain.permissions import Permission
from doorstep.domain.proofs import Proof
from doorstep.domain.rate_shopping import needed_level
from doorstep.domain.scans import FailReason, ScanKind
from doorstep.domain.stations import Station
from doorstep.domain.webhooks import secret_key, verify
from doorstep.services import scans
from doorstep.services.authorization import Principal, require, system_principal
from doorstep.services.carriers.rate_shopping import find_order
from doorstep.services.carriers.registry import find_carrier
from doorstep.services.carriers.shipments import shipment_request
from doorstep.services.ports import (
    Broadcaster,
    CarrierGateways,
    Clock,
    IdGenerator,
    ProofStore,
    UnitOfWork,
)

DEVICE = "carrier:{code}"
TICK = timedelta(microseconds=1)  # the smallest step of a stored instant


@dataclass(frozen=True)
class HandoffPorts:
    """``proofs`` keeps the images of partners' proofs of delivery; without it an event's
    images cannot be kept, and a delivery that needs them is rejected."""

    uow: UnitOfWork
    clock: Clock
    ids: IdGenerator
    gateways: CarrierGateways
    broadcast: Broadcaster | None = None
    proofs: ProofStore | None = None


# Called in the transaction that stores a hand-off (or finds it stored), before its commit.
Remember = Callable[[UnitOfWork, Handoff], None]


def connect(
    principal: Principal,
    carrier_reference: str,
    *,
    base_url: str,
    api_key: str,
    webhook_secret: str,
    uow: UnitOfWork,
    clock: Clock,
) -> CarrierConnection:
    """Store how to reach a partner's API and check its webhooks (replacing what was there).
    The webhook secret is the ``whsec_`` one agreed with the partner."""
    require(principal, Permission.NETWORK_WRITE)
    try:
        secret_key(webhook_secret)  # InvalidValue unless whsec_ + base64 of 24-64 bytes
    except InvalidValue as error:
        raise InvalidValue("webhook_secret", error.message) from None
    with uow:
        carrier = find_carrier(uow, principal.organisation_id, carrier_reference)
        if carrier.kind is not CarrierKind.PARTNER:
            raise InvalidValue("carrier", f"{carrier.code} is the own fleet, not a partner")
        connection = CarrierConnection(
            principal.organisation_id,
            carrier.id,
            "generic_partner",
            base_url,
            api_key,
            webhook_secret,
            clock.now(),
        )
        uow.carrier_connections.put(connection)
        uow.commit()
    return connection


@dataclass(frozen=True)
class _Plan:
    order: Order
    carrier: Carrier
    connection: CarrierConnection
    request: ShipmentRequest
    day: date


def hand_off(
    principal: Principal,
    order_reference: str,
    carrier_reference: str,
    service_level: ServiceLevel | None = None,
    *,
    ports: HandoffPorts,
    remember: Remember | None = None,
) -> Handoff:
    """Book the order with the partner and record it; see the module docstring.

    ``remember`` runs in the transaction that stores the hand-off, or that finds it stored
    already (a concurrent request got the same booking); what it raises undoes both."""
    require(principal, Permission.ORDERS_WRITE)
    org, now = principal.organisation_id, ports.clock.now()
    with ports.uow as uow:
        plan = _prepare(uow, org, order_reference, carrier_reference, service_level, now)
    # No transaction is open from here until the booking is stored: see the module docstring.
    gateway = ports.gateways(plan.carrier.code, plan.connection)
    booking = gateway.book(plan.request)
    handoff = Handoff(
        id=ports.ids.new_id("hof"),
        organisation_id=org,
        order_id=plan.order.id,
        carrier_id=plan.carrier.id,
        carrier_code=plan.carrier.code,
        service_level=plan.request.service_level,
        service_date=plan.day,
        booking_id=booking.booking_id,
        tracking_number=booking.tracking_number,
        created_at=now,
        label_pdf=booking.label_pdf,
    )
    with ports.uow as uow:
        existing = uow.handoffs.by_booking(org, plan.carrier.id, booking.booking_id)
        if existing is not None:  # the partner answered a booking we already stored
            if remember is not None:
                remember(uow, existing)
                uow.commit()
            return existing
        if uow.handoffs.open_of_order(org, plan.order.id) is not None:
            raise Conflict("the order was handed off meanwhile", field="order")
        uow.handoffs.add(handoff)
        # Dated when stored, after whatever the parcels saw while the partner booked.
        scanned_at = _after_last_event(uow, org, plan.order, ports.clock.now())
        _scan(
            principal.organisation_id,
            [
                scans.IncomingScan(
                    id=scan_id(plan.carrier.code, f"booking:{handoff.id}", p.barcode),
                    kind=ScanKind.HAND_OFF,
                    barcode=p.barcode,
                    device_time=scanned_at,
                    device=DEVICE.format(code=plan.carrier.code),
                    note=f"handed to {plan.carrier.code}, tracking {booking.tracking_number}",
                )
                for p in plan.order.parcels
            ],
            ports,
        )
        if remember is not None:
            remember(uow, handoff)
        uow.commit()
    return handoff


def _after_last_event(uow: UnitOfWork, org: str, order: Order, now: datetime) -> datetime:
    """Now, or just after the order's parcels' last event when that is not before now."""
    states = uow.scans.states(org, [p.barcode for p in order.parcels])
    last = max((s.last_event_at for _, s in states.values() if s.last_event_at), default=None)
    return now if last is None or last < now else last + TICK


def _prepare(
    uow: UnitOfWork,
    org: str,
    order_reference: str,
    carrier_reference: str,
    level: ServiceLevel | None,
    now: datetime,
) -> _Plan:
    order = find_order(uow, org, order_reference)
    carrier = find_carrier(uow, org, carrier_reference)
    if carrier.kind is not CarrierKind.PARTNER:
        raise InvalidValue(
            "carrier", f"{carrier.code} is the own fleet; plan the order instead of handing it off"
        )
    if uow.handoffs.open_of_order(org, order.id) is not None:
        raise Conflict("the order is handed off already; cancel that first", field="order")
    if order.status not in PLANNABLE:
        raise Conflict(
            f"only an order not yet on a vehicle can be handed off (ready, received or "
            f"sorted); this one is {order.status.value}",
            field="order",
        )
    if not carrier.captures(order.proof.kind):
        kind = order.proof.kind
        declared = ", ".join(sorted(k.value for k in carrier.proofs)) or "none"
        what = "an age check (age_check)" if kind is ProofKind.MINIMUM_AGE else "that proof"
        raise Conflict(
            f"the order asks for a {kind.value} proof, and {carrier.code} does not capture "
            f"{what} (the proofs it declares: {declared}); deliver it with the own fleet or "
            "a partner that captures it",
            field="order",
        )
    if order.kind is OrderKind.PICKUP:
        raise Conflict(
            "the order is a pickup to collect from the customer; partners only deliver, so "
            "plan it for the own fleet",
            field="order",
        )
    if not order.parcels:
        raise InvalidValue("order", "an order without parcels has nothing to hand off")
    connection = uow.carrier_connections.get(org, carrier.id)
    if connection is None:
        raise Conflict(
            f"{carrier.code} has no API connection; store its URL, key and webhook secret first",
            field="carrier",
        )
    station = uow.stations.get(org, order.station_id) if order.station_id else None
    zone: tzinfo = ZoneInfo(station.timezone) if station is not None else ZoneInfo("UTC")
    level = level or needed_level(order, now, zone).level
    if not carrier.serves(level):
        raise Conflict(f"{carrier.code} does not offer {level.value}", field="service_level")
    earlier = [h for h in uow.handoffs.list(org) if h.order_id == order.id]
    request = shipment_request(order, station, level, now, key=f"{order.id}:{len(earlier) + 1}")
    day = _day_of(order, now, zone)
    return _Plan(order, carrier, connection, request, day)


def _day_of(order: Order, now: datetime, zone: tzinfo) -> date:
    """The hand-off's day: the order's service date, else its earliest window's local date,
    else today at the station."""
    if order.service_date is not None:
        return order.service_date
    if order.time_windows:
        return min(w.start_at for w in order.time_windows).astimezone(zone).date()
    return now.astimezone(zone).date()


def cancel(principal: Principal, handoff_id: str, *, ports: HandoffPorts) -> Handoff:
    """Cancel a booked hand-off the partner has not started; see the module docstring."""
    require(principal, Permission.ORDERS_WRITE)
    org = principal.organisation_id
    with ports.uow as uow:
        handoff = _get(uow, org, handoff_id)
        if handoff.status is HandoffStatus.CANCELLED:
            return handoff
        if handoff.status is not HandoffStatus.BOOKED:
            raise Conflict(
                f"the hand-off is {handoff.status.value}: the partner has the parcel; ask it to "
                "return the parcel (its returned event brings the order back)",
                field="handoff",
            )
        connection = uow.carrier_connections.get(org, handoff.carrier_id)
        order = uow.orders.get(org, handoff.order_id)
    if connection is None or order is None:
        raise Conflict("the hand-off's carrier connection or order is gone", field="handoff")
    ports.gateways(handoff.carrier_code, connection).cancel(handoff.booking_id)
    now = ports.clock.now()
    cancelled = replace(handoff, status=HandoffStatus.CANCELLED, cancelled_at=now)
    with ports.uow as uow:
        current = uow.handoffs.get(org, handoff.id)
        if current is not None and current.status is HandoffStatus.CANCELLED:
            return current  # cancelled meanwhile by another request
        uow.handoffs.update(cancelled)
        scanned_at = _after_last_event(uow, org, order, now)
        _scan(
            org,
            [
                scans.IncomingScan(
                    id=scan_id(handoff.carrier_code, f"cancel:{handoff.id}", p.barcode),
                    kind=ScanKind.HAND_OFF_CANCEL,
                    barcode=p.barcode,
                    device_time=scanned_at,
                    device=DEVICE.format(code=handoff.carrier_code),
                    note=f"hand-off to {handoff.carrier_code} cancelled before it began",
                )
                for p in order.parcels
            ],
            ports,
        )
        uow.commit()
    return cancelled


def _get(uow: UnitOfWork, org: str, handoff_id: str) -> Handoff:
    found = uow.handoffs.get(org, handoff_id)
    if found is None:
        raise NotFound("hand-off", handoff_id)
    return found


def get_handoff(principal: Principal, handoff_id: str, *, uow: UnitOfWork) -> Handoff:
    require(principal, Permission.ORDERS_READ)
    with uow:
        return _get(uow, principal.organisation_id, handoff_id)


def list_handoffs(
    principal: Principal,
    *,
    day: date | None = None,
    carrier_reference: str | None = None,
    uow: UnitOfWork,
) -> list[Handoff]:
    require(principal, Permission.ORDERS_READ)
    org = principal.organisation_id
    with uow:
        carrier_id = find_carrier(uow, org, carrier_reference).id if carrier_reference else None
        return uow.handoffs.list(org, day=day, carrier_id=carrier_id)


@dataclass(frozen=True)
class Manifest:
    """A carrier's hand-offs of a day (cancelled ones left out), with their orders."""

    carrier: Carrier
    day: date
    station: Station | None
    lines: tuple[tuple[Handoff, Order], ...]


def manifest(
    principal: Principal, carrier_reference: str, day: date, *, uow: UnitOfWork
) -> Manifest:
    require(principal, Permission.ORDERS_READ)
    org = principal.organisation_id
    with uow:
        carrier = find_carrier(uow, org, carrier_reference)
        handoffs = [
            h
            for h in uow.handoffs.list(org, day=day, carrier_id=carrier.id)
            if h.status is not HandoffStatus.CANCELLED
        ]
        orders = uow.orders.get_many(org, [h.order_id for h in handoffs])
        station_ids = {o.station_id for o in orders.values() if o.station_id}
        station = uow.stations.get(org, min(station_ids)) if len(station_ids) == 1 else None
    lines = tuple((h, orders[h.order_id]) for h in handoffs if h.order_id in orders)
    return Manifest(carrier, day, station, lines)


# -- partner events ---------------------------------------------------------------------------


@dataclass
class EventReport:
    """What became of a batch of partner events."""

    organisation_id: str = ""
    scans: Mapping[str, int] = field(default_factory=dict)  # outcome -> count
    unknown_bookings: list[str] = field(default_factory=list)
    unknown_parcels: list[str] = field(default_factory=list)  # not of the booking's order
    # Scans refused, with why (a delivery lacking the proof its order asks for): "id: why".
    rejected: list[str] = field(default_factory=list)


def receive_webhook(
    carrier_code: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    ports: HandoffPorts,
    carrier_id: str | None = None,
) -> EventReport:
    """A partner's signed webhook, applied as the organisation whose connection it is.

    With ``carrier_id`` (the connection's own URL, which ``connect`` hands out) only that
    connection's secret is tried. Without it (the carrier's shared URL, kept for partners set
    up before) the connection whose secret verifies says whose it is, since carrier codes are
    unique per organisation only; should more than one verify (a secret reused across
    organisations), the events are refused rather than given to whichever comes first.
    ``InvalidSignature`` when no secret verifies."""
    code = carrier_code.strip().lower()
    now = int(ports.clock.now().timestamp())
    with ports.uow as uow:
        candidates = uow.carrier_connections.by_carrier_code(code)
    if carrier_id is not None:
        candidates = [(k, c) for k, c in candidates if k == carrier_id]
        if not candidates:
            raise NotFound("carrier", carrier_id, f"no {code} connection has this id")
    failure: AuthenticationFailed | None = None
    verified: list[CarrierConnection] = []
    for _, connection in candidates:
        try:
            verify(connection.webhook_secret, headers, body, now)
        except AuthenticationFailed as error:
            failure = error
            continue
        verified.append(connection)
    if len(verified) > 1:
        raise Conflict(
            f"{len(verified)} organisations' {code} connections share this webhook secret: "
            f"send to /api/v1/carrier-webhooks/{code}/<carrier id>, the URL each connection "
            "is given, or store a secret of its own for each",
            field="carrier_code",
        )
    if verified:
        [connection] = verified
        events = ports.gateways(code, connection).webhook_events(body)
        principal = system_principal(connection.organisation_id)
        return apply_events(principal, connection.carrier_id, events, ports=ports)
    raise failure or NotFound("carrier", code, "no carrier with this code has an API connection")


def _once(listed: list[str], item: str) -> None:
    """A booking or parcel named by several events is reported once."""
    if item not in listed:
        listed.append(item)


def pull_events(principal: Principal, handoff_id: str, *, ports: HandoffPorts) -> EventReport:
    """Ask the partner for every event of a hand-off and apply them (for partners that send
    no webhooks, or to catch up after missed ones: applying an event twice changes nothing)."""
    require(principal, Permission.ORDERS_WRITE)
    org = principal.organisation_id
    with ports.uow as uow:
        handoff = _get(uow, org, handoff_id)
        connection = uow.carrier_connections.get(org, handoff.carrier_id)
    if connection is None:
        raise Conflict(f"{handoff.carrier_code} has no API connection", field="carrier")
    events = ports.gateways(handoff.carrier_code, connection).events(handoff.booking_id)
    return apply_events(principal, handoff.carrier_id, events, ports=ports)


def apply_events(
    principal: Principal,
    carrier_id: str,
    events: Sequence[TrackingEvent],
    *,
    ports: HandoffPorts,
) -> EventReport:
    """Partner events as scans, in one transaction with the hand-offs' statuses."""
    require(principal, Permission.SCANS_WRITE)
    org = principal.organisation_id
    report = EventReport(org)
    incoming: list[scans.IncomingScan] = []
    # Images first, outside the transaction: stored by hash, so a resent event or an event
    # left out below stores nothing more than a harmless file.
    proofs = {e.event_id: _stored_proof(org, e.proof, ports) for e in events if e.proof}
    with ports.uow as uow:
        handoffs: dict[str, Handoff] = {}
        taken: list[tuple[TrackingEvent, list[str]]] = []  # each event with its scans' ids
        for event in sorted(events, key=lambda e: (e.at, e.event_id)):
            handoff = handoffs.get(event.booking_id) or uow.handoffs.by_booking(
                org, carrier_id, event.booking_id
            )
            if handoff is None or handoff.status is HandoffStatus.CANCELLED:
                _once(report.unknown_bookings, event.booking_id)
                continue
            order = uow.orders.get(org, handoff.order_id)
            if order is None:
                _once(report.unknown_bookings, event.booking_id)
                continue
            parcels = [p.barcode for p in order.parcels]
            if event.barcode and event.barcode not in parcels:
                # Only the booking's own parcels: a partner cannot move another order's.
                _once(report.unknown_parcels, event.barcode)
                continue
            handoffs[event.booking_id] = handoff
            barcodes = [event.barcode] if event.barcode else parcels
            proof = proofs.get(event.event_id)
            booked = handoff.created_at
            made = [_incoming(handoff.carrier_code, event, b, proof, booked) for b in barcodes]
            incoming += made
            taken.append((event, [scan.id for scan in made]))
        result, report.rejected, refused = _scan_reporting(org, incoming, ports)
        # The hand-off follows only the events its order's scans took: a delivery refused
        # (no proof where the order needs one) or an event id reused for another event must
        # not show the hand-off delivered while the order is not.
        for event, ids in taken:
            if not refused.intersection(ids):
                handoffs[event.booking_id] = _moved(handoffs[event.booking_id], event)
        for handoff in handoffs.values():
            uow.handoffs.update(handoff)
        uow.commit()
    report.scans = result
    return report


def _stored_proof(org: str, given: PartnerProof, ports: HandoffPorts) -> Proof:
    """A partner's proof as a scan carries it: its images put in the proof store, by hash.
    Without a store the images cannot be kept, so the proof names none (and a delivery that
    needs them is rejected, saying so)."""
    hashes = {"signature": "", "photo": ""}
    for name, image in (("signature", given.signature), ("photo", given.photo)):
        if image is not None and ports.proofs is not None:
            hashes[name] = ports.proofs.put(org, image.data, image.media_type).sha256
    return Proof(
        recipient_name=given.recipient_name,
        signature_sha256=hashes["signature"],
        photo_sha256=hashes["photo"],
        pin=given.pin,
        age_verified=given.age_verified,
    )


def _moved(handoff: Handoff, event: TrackingEvent) -> Handoff:
    last = handoff.last_event_at
    if last is None or event.at >= last:
        return replace(
            handoff, status=status_after(handoff.status, event.status), last_event_at=event.at
        )
    if handoff.status is HandoffStatus.BOOKED:
        return replace(handoff, status=HandoffStatus.IN_PROGRESS)
    return handoff


# How far after the booking an event is dated when the partner's clock put it before.
AFTER_BOOKING = timedelta(milliseconds=1)


def _incoming(
    carrier_code: str,
    event: TrackingEvent,
    barcode: str,
    proof: Proof | None,
    booked_at: datetime,
) -> scans.IncomingScan:
    """The event as a scan. An event the partner's clock dates before the booking (a clock a
    little behind ours) is dated just after it, with the partner's time in the note: before
    the hand-off scan it would be out of sequence and open a case for nothing."""
    kind = SCAN_OF[event.status]
    reason: FailReason | None = None
    note = event.note
    at = event.at
    if at <= booked_at:
        at = booked_at + AFTER_BOOKING
        note = f"partner's time {event.at.isoformat()}, before the booking. {note}".strip()
    if event.status is PartnerStatus.FAILED:
        reason, known = fail_reason(event.reason)
        if not known:
            note = f"partner's reason: {event.reason or 'none given'}. {note}".strip()
    return scans.IncomingScan(
        id=scan_id(carrier_code, event.event_id, barcode),
        kind=kind,
        barcode=barcode,
        device_time=at,
        device=DEVICE.format(code=carrier_code),
        reason=reason,
        note=(f"{event.status.value}: {note}" if note else event.status.value)[:1000],
        proof=proof,
    )


def _scan(org: str, incoming: Sequence[scans.IncomingScan], ports: HandoffPorts) -> dict[str, int]:
    """Ingest ``incoming`` (inside the caller's unit of work); outcome counts summed."""
    return _scan_reporting(org, incoming, ports)[0]


def _scan_reporting(
    org: str, incoming: Sequence[scans.IncomingScan], ports: HandoffPorts
) -> tuple[dict[str, int], list[str], set[str]]:
    """Ingest ``incoming`` (inside the caller's unit of work): outcome counts summed, the
    rejected scans as "barcode: why", and the ids of the scans not taken (rejected, or an id
    used before for another event)."""
    counts: dict[str, int] = {}
    rejected: list[str] = []
    refused: set[str] = set()
    barcodes = {scan.id: scan.barcode for scan in incoming}
    for start in range(0, len(incoming), scans.MAX_BATCH):
        report = scans.ingest(
            system_principal(org),
            incoming[start : start + scans.MAX_BATCH],
            uow=ports.uow,
            clock=ports.clock,
            proofs=ports.proofs,
            broadcast=ports.broadcast,
        )
        for name, n in report.counts.items():
            counts[name] = counts.get(name, 0) + n
        rejected += [
            f"{barcodes.get(r.id, r.id)}: {r.message or r.problem}"
            for r in report.results
            if r.outcome is scans.Outcome.REJECTED
        ]
        refused |= {
            r.id
            for r in report.results
            if r.outcome in (scans.Outcome.REJECTED, scans.Outcome.CONFLICT)
        }
    return counts, rejected, refused
