"""Partner carriers in the digital twin: bookings in this process, and each handed-off order's
tracking events drawn and applied through the real webhook path.

**Booking.** ``TwinGateway`` is the ``CarrierGateway`` port of one partner of one
organisation, without HTTP: ``book`` returns a booking id and a tracking number counted per
partner (the same idempotency key gets the first booking back, as the port requires),
``cancel`` forgets nothing (a cancelled booking's events are refused by ``apply_events``),
``events`` gives what the partner reported so far, ``quote`` is refused (the twin's partners
price by their rate cards). ``TwinGateways`` hands out one per (organisation, carrier code),
for ``handoff.HandoffPorts``; ``connect_partners`` stores the connection ``hand_off`` asks
for, for every active partner (its URL names no real host: nothing is ever sent to it).

**Events** (``SimulatedPartners.draw``): for every hand-off of the day (cancelled ones left
out), ``picked_up``, then ``out_for_delivery``, then ``delivered`` (with the proof the order
asks for: a signature, a photo, the PIN, an age check) or ``failed``, all for every parcel:

- picked up at the station: a same-day courier ``PartnerWorld.pickup_min`` after the
  hand-off; a next-day carrier in the hour before its cut-off; a scheduled one
  ``before_window_min`` before the order's window; never sooner than a quarter of an hour
  after the hand-off;
- the attempt: drawn uniformly between the earliest it can be (``ride_min`` after the pickup,
  and not before the window opens) and the promise (``Carrier.promise(level).due`` from the
  hand-off's time: the window's end for ``scheduled``, ``deliver_by`` for the others); a
  ``late_share`` of orders are delivered ``late_by_min`` after the promise and a
  ``failed_share`` fail within it (the partner's reason words drawn from
  ``FAIL_WORDS``); an order whose pickup leaves no time before the promise is late anyway;
- out for delivery ``out_min`` before the attempt (never before the pickup).

Each hand-off draws from its own generator, named by the seed, the carrier's code and the
order's shipper and reference (never a database id), so the same seed gives the same events
in any organisation, whatever else the day holds. Event ids are the booking id and the
status, so applying the same events again stores nothing twice.

**Applying** goes through ``services.carriers.handoff.apply_events``, the same code a
verified webhook reaches, at each event's time: ``steps`` gives them as moments for the
twin's day (``day_run.run_day``'s ``elsewhere``: played among the vans' steps on the same
clock, so the board and the dispatcher see partner deliveries as they happen), and ``play``
applies them alone in time order, the clock set to each (a day with no own-fleet plan).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from doorstep.domain.carriers import Carrier, CarrierKind, ServiceLevel
from doorstep.domain.errors import CarrierError, InvalidValue
from doorstep.domain.handoffs import (
    Booking,
    CarrierConnection,
    CarrierQuote,
    Handoff,
    HandoffStatus,
    PartnerProof,
    PartnerStatus,
    ProofImage,
    ShipmentRequest,
    TrackingEvent,
)
from doorstep.domain.orders import Order, ProofKind
from doorstep.domain.schedules import TimeWindow
from doorstep.domain.webhooks import new_secret
from doorstep.services.authorization import Principal
from doorstep.services.carriers import handoff
from doorstep.services.carriers.handoff import EventReport, HandoffPorts
from doorstep.services.ports import CarrierGateway, Clock, UnitOfWork
from doorstep.simulation.day_run import JPEG, PNG
from doorstep.simulation.world import SimClock

TWIN_URL = "http://twin.invalid/{code}"  # .invalid never resolves: nothing is ever sent there
FAIL_WORDS = ("not_home", "not_home", "not_home", "access_denied", "rejected")
PIN = "4821"  # as the twin's drivers enter it


@dataclass(frozen=True)
class PartnerWorld:
    """How the partners' deliveries go: shares per hand-off, times in minutes drawn
    uniformly between the two bounds. Modelling defaults, not measurements."""

    late_share: float = 0.05  # delivered after the promise
    # The attempt failed (within the promise): about the twin's own drivers' share (``World``:
    # the recipient absent 5-9 %, refused 1 %), so neither side is favoured.
    failed_share: float = 0.07
    late_by_min: tuple[float, float] = (10.0, 120.0)  # after the promise
    pickup_min: tuple[float, float] = (30.0, 120.0)  # same day: after the hand-off
    before_cutoff_min: tuple[float, float] = (0.0, 60.0)  # next day: before the cut-off
    before_window_min: tuple[float, float] = (60.0, 180.0)  # scheduled: before the window
    ride_min: float = 20.0  # from the pickup to the first possible delivery
    out_min: tuple[float, float] = (20.0, 120.0)  # out for delivery before the attempt

    def __post_init__(self) -> None:
        for name in ("late_share", "failed_share"):
            share = getattr(self, name)
            if not 0.0 <= share <= 1.0:
                raise InvalidValue(name, f"must be a share from 0 to 1, got {share}")
        if self.late_share + self.failed_share > 1.0:
            raise InvalidValue("failed_share", "late_share and failed_share add up past 1")


# -- the partner's API, in this process ------------------------------------------------------


@dataclass
class TwinGateway:
    """One partner's API for one organisation, in this process (see the module docstring)."""

    carrier_code: str
    bookings: dict[str, Booking] = field(default_factory=dict)  # by idempotency key
    requests: dict[str, ShipmentRequest] = field(default_factory=dict)  # by booking id
    cancelled: set[str] = field(default_factory=set)
    reported: list[TrackingEvent] = field(default_factory=list)

    def quote(self, request: ShipmentRequest) -> CarrierQuote:
        raise CarrierError(
            self.carrier_code, "the twin's partners give no live quotes", temporary=False
        )

    def book(self, request: ShipmentRequest) -> Booking:
        key = request.idempotency_key or f"unkeyed:{len(self.bookings)}"
        found = self.bookings.get(key)
        if found is not None:
            return found
        n = len(self.bookings) + 1
        booking = Booking(
            f"{self.carrier_code}-{n:06d}", f"TW{self.carrier_code[:3].upper()}{n:06d}"
        )
        self.bookings[key] = booking
        self.requests[booking.booking_id] = request
        return booking

    def cancel(self, booking_id: str) -> None:
        self.cancelled.add(booking_id)

    def label(self, booking_id: str) -> bytes:
        return b""  # the twin prints nothing

    def events(self, booking_id: str) -> Sequence[TrackingEvent]:
        return [e for e in self.reported if e.booking_id == booking_id]

    def webhook_events(self, body: bytes) -> Sequence[TrackingEvent]:
        raise CarrierError(
            self.carrier_code, "the twin's partners send no webhooks", temporary=False
        )


@dataclass
class TwinGateways:
    """The ``CarrierGateways`` of the twin: one ``TwinGateway`` per organisation and carrier."""

    made: dict[tuple[str, str], TwinGateway] = field(default_factory=dict)

    def __call__(self, carrier_code: str, connection: CarrierConnection) -> CarrierGateway:
        return self.of(connection.organisation_id, carrier_code)

    def of(self, organisation_id: str, carrier_code: str) -> TwinGateway:
        key = (organisation_id, carrier_code)
        if key not in self.made:
            self.made[key] = TwinGateway(carrier_code)
        return self.made[key]


def connect_partners(
    principal: Principal, *, uow: Callable[[], UnitOfWork], clock: Clock
) -> list[str]:
    """Store a twin connection for every active partner of the organisation (so ``hand_off``
    can book with it); their codes, in order. The webhook secret is random: no webhook is
    ever sent."""
    with uow() as reading:
        partners = [
            c
            for c in reading.carriers.list(principal.organisation_id)
            if c.active and c.kind is CarrierKind.PARTNER
        ]
    codes = []
    for carrier in sorted(partners, key=lambda c: c.code):
        handoff.connect(
            principal, carrier.code, base_url=TWIN_URL.format(code=carrier.code),
            api_key="twin", webhook_secret=new_secret(secrets.token_bytes(32)),
            uow=uow(), clock=clock,
        )  # fmt: skip
        codes.append(carrier.code)
    return codes


# -- the partners' events ---------------------------------------------------------------------


@dataclass(frozen=True)
class Drawn:
    """What was drawn for one hand-off: its events (time order) and how the attempt goes
    against the promise ("within", "late" or "failed")."""

    handoff: Handoff
    order: Order
    due: datetime
    outcome: str
    events: tuple[TrackingEvent, ...]


class SimulatedPartners:
    """The partners of ``principal``'s ``day``: their events drawn from ``seed`` and applied
    through ``ports`` (see the module docstring)."""

    def __init__(
        self,
        principal: Principal,
        day: date,
        *,
        ports: HandoffPorts,
        seed: int,
        world: PartnerWorld = PartnerWorld(),
    ) -> None:
        self.principal, self.day, self.ports = principal, day, ports
        self.seed, self.world = seed, world
        self.drawn: list[Drawn] = []
        self.reports: list[EventReport] = []

    def draw(self) -> list[Drawn]:
        """Draw the events of every hand-off of the day (not cancelled) as it stands now."""
        org = self.principal.organisation_id
        with self.ports.uow as uow:
            found = [
                h
                for h in uow.handoffs.list(org, day=self.day)
                if h.status is not HandoffStatus.CANCELLED
            ]
            orders = uow.orders.get_many(org, [h.order_id for h in found])
            carriers = {c.id: c for c in uow.carriers.list(org)}
            zones = {s.id: ZoneInfo(s.timezone) for s in uow.stations.list(org)}
        self.drawn = []
        for h in found:
            order = orders.get(h.order_id)
            carrier = carriers.get(h.carrier_id)
            if order is None or carrier is None:
                continue
            zone = zones.get(order.station_id or "", ZoneInfo("UTC"))
            self.drawn.append(self._one(h, order, carrier, zone))
        return self.drawn

    def events(self) -> list[tuple[Handoff, TrackingEvent]]:
        """Every drawn event with its hand-off, in time order."""
        pairs = [(d.handoff, e) for d in self.drawn for e in d.events]
        return sorted(pairs, key=lambda p: (p[1].at, p[1].event_id))

    def steps(self) -> list[tuple[datetime, Callable[[], None]]]:
        """The events as moments of the twin's day: each applies its events when played
        (those of one carrier at one instant together, as one webhook would bring them)."""
        moments: dict[tuple[datetime, str, str], list[TrackingEvent]] = {}
        for h, event in self.events():
            moments.setdefault((event.at, h.carrier_id, h.carrier_code), []).append(event)
        return [
            (at, partial(self._apply, carrier_id, code, batch))
            for (at, carrier_id, code), batch in sorted(moments.items())
        ]

    def play(self, clock: SimClock) -> None:
        """Apply every drawn event in time order, ``clock`` set to each event's time (it never
        goes back); ``clock`` must be the one ``ports`` reads."""
        for at, apply in self.steps():
            clock.current = max(clock.current, at)
            apply()

    def rejected(self) -> list[str]:
        """The scans ``apply_events`` refused so far, with why (none on a sound day)."""
        return [r for report in self.reports for r in report.rejected]

    def _apply(self, carrier_id: str, code: str, batch: Sequence[TrackingEvent]) -> None:
        gateways = self.ports.gateways
        if isinstance(gateways, TwinGateways):  # what the partner's API reports from now on
            gateways.of(self.principal.organisation_id, code).reported.extend(batch)
        found = handoff.apply_events(self.principal, carrier_id, batch, ports=self.ports)
        self.reports.append(found)

    def _one(self, h: Handoff, order: Order, carrier: Carrier, zone: ZoneInfo) -> Drawn:
        w = self.world
        rng = random.Random(  # noqa: S311 - a simulation's draws, not a secret
            f"{self.seed}|partner|{carrier.code}|{order.shipper}|{order.shipper_reference}"
        )
        handed = h.created_at
        window = min(order.time_windows, key=lambda x: x.start_at, default=None)
        due = _due(carrier, h, window, zone)
        soonest = handed + timedelta(minutes=15)
        if h.service_level is ServiceLevel.SCHEDULED and window is not None:
            target = window.start_at - _minutes(rng, w.before_window_min)
        elif h.service_level is ServiceLevel.NEXT_DAY and carrier.cutoff is not None:
            cutoff = datetime.combine(handed.astimezone(zone).date(), carrier.cutoff, zone)
            target = cutoff - _minutes(rng, w.before_cutoff_min)
        else:
            target = handed + _minutes(rng, w.pickup_min)
        pickup = max(soonest, target)
        earliest = pickup + timedelta(minutes=w.ride_min)
        if window is not None:
            earliest = max(earliest, window.start_at)
        if h.service_level is ServiceLevel.NEXT_DAY:  # delivered on the promise's day
            morning = datetime.combine(due.astimezone(zone).date(), time(8), zone)
            earliest = max(earliest, min(morning, due))
        draw = rng.random()
        late = draw < w.late_share or earliest > due
        failed = not late and draw < w.late_share + w.failed_share
        if late:
            attempt = max(earliest, due) + _minutes(rng, w.late_by_min)
        else:
            attempt = earliest + (due - earliest) * rng.random()
        attempt = attempt.replace(microsecond=0)
        out = max(pickup + timedelta(minutes=1), attempt - _minutes(rng, w.out_min))
        out = min(out, attempt).replace(microsecond=0)
        pickup = pickup.replace(microsecond=0)
        base = f"{h.booking_id}:"
        made = [
            TrackingEvent(base + "picked_up", h.booking_id, PartnerStatus.PICKED_UP, pickup),
            TrackingEvent(
                base + "out_for_delivery", h.booking_id, PartnerStatus.OUT_FOR_DELIVERY, out
            ),
        ]
        if failed:
            made.append(
                TrackingEvent(
                    base + "failed",
                    h.booking_id,
                    PartnerStatus.FAILED,
                    attempt,
                    reason=rng.choice(FAIL_WORDS),
                )
            )
        else:
            made.append(
                TrackingEvent(
                    base + "delivered",
                    h.booking_id,
                    PartnerStatus.DELIVERED,
                    attempt,
                    proof=_proof(order),
                )
            )
        outcome = "failed" if failed else "late" if late else "within"
        return Drawn(h, order, due, outcome, tuple(made))


def _minutes(rng: random.Random, bounds: tuple[float, float]) -> timedelta:
    return timedelta(minutes=rng.uniform(*bounds))


def _due(carrier: Carrier, h: Handoff, window: TimeWindow | None, zone: ZoneInfo) -> datetime:
    """The latest delivery the carrier promises for the hand-off; the end of its day when
    the carrier states no promise for the level."""
    try:
        return carrier.promise(h.service_level).due(h.created_at, zone, window)
    except InvalidValue:
        return datetime.combine(h.service_date + timedelta(days=1), time(0), zone)


def _proof(order: Order) -> PartnerProof | None:
    """The proof the order asks for, as a partner captures it (the carrier declares it, or
    ``hand_off`` would have refused the order)."""
    kind = order.proof.kind
    name = order.recipient.name[:200] or "Aino"
    if kind is ProofKind.SIGNATURE:
        return PartnerProof(name, signature=ProofImage("image/png", PNG))
    if kind is ProofKind.PHOTO:
        return PartnerProof(name, photo=ProofImage("image/jpeg", JPEG))
    if kind is ProofKind.PIN:
        return PartnerProof(name, pin=PIN)
    if kind is ProofKind.MINIMUM_AGE:
        return PartnerProof(name, age_verified=True)
    return None
