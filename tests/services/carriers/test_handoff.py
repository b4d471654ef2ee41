"""Hand-offs on fakes: booking through the gateway, the order out of planning, partner events
as scans (a failure opens the failed-attempt case), cancelling, and webhooks verified."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.errors import AuthenticationFailed, Conflict, InvalidValue
from doorstep.domain.exceptions import ExceptionType
from doorstep.domain.geo import Location
from doorstep.domain.handoffs import (
    Booking,
    CarrierConnection,
    CarrierQuote,
    HandoffStatus,
    PartnerStatus,
    ShipmentRequest,
    TrackingEvent,
    scan_id,
)
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Address, Order, OrderKind, ProofKind, ProofRequirement
from doorstep.domain.scans import FailReason
from doorstep.domain.stations import Station
from doorstep.domain.webhooks import new_secret, signed_headers
from doorstep.services import orders
from doorstep.services.authorization import Principal
from doorstep.services.carriers import handoff
from doorstep.services.ports import CarrierGateway
from tests.services.carriers.test_registry import import_samples
from tests.services.conftest import Ports, order_fields
from tests.services.planning.test_runs import DAY, station

__all__ = ["station"]  # the fixture

SECRET = new_secret(b"s" * 32)
PARTNER = "kaupunkikuriiri"


@dataclass
class FakeGateway:
    """A partner that books by idempotency key and reports the events it is given."""

    requests: list[ShipmentRequest] = field(default_factory=list)
    bookings: dict[str, Booking] = field(default_factory=dict)
    cancelled: list[str] = field(default_factory=list)
    reported: list[TrackingEvent] = field(default_factory=list)

    def quote(self, request: ShipmentRequest) -> CarrierQuote:
        return CarrierQuote(request.service_level, 990, "EUR")

    def book(self, request: ShipmentRequest) -> Booking:
        self.requests.append(request)
        n = len(self.bookings) + 1
        return self.bookings.setdefault(
            request.idempotency_key, Booking(f"shp_{n}", f"PX{n}", b"%PDF-label")
        )

    def cancel(self, booking_id: str) -> None:
        self.cancelled.append(booking_id)

    def label(self, booking_id: str) -> bytes:
        return b"%PDF-label"

    def events(self, booking_id: str) -> Sequence[TrackingEvent]:
        return [e for e in self.reported if e.booking_id == booking_id]

    def webhook_events(self, body: bytes) -> Sequence[TrackingEvent]:
        return [
            TrackingEvent(
                e["id"],
                e["shipment_id"],
                PartnerStatus(e["status"]),
                datetime.fromisoformat(e["occurred_at"]),
                reason=e.get("reason") or "",
            )
            for e in json.loads(body)["events"]
        ]


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def hports(ports: Ports, gateway: FakeGateway) -> handoff.HandoffPorts:
    def gateways(carrier_code: str, connection: CarrierConnection) -> CarrierGateway:
        return gateway

    return handoff.HandoffPorts(ports.uow, ports.clock, ports.ids, gateways)


@pytest.fixture
def partner(ports: Ports, admin: Principal, station: Station) -> None:
    import_samples(ports, admin)
    handoff.connect(
        admin,
        PARTNER,
        base_url="https://partner.test/v1",
        api_key="key",
        webhook_secret=SECRET,
        uow=ports.uow,
        clock=ports.clock,
    )


def ready_order(ports: Ports, admin: Principal, ref: str, **changes: object) -> Order:
    fields = order_fields(
        ref,
        station_id="HEL1",
        location=Location(60.17, 24.94),
        service_date=DAY,
        address=Address(f"Street {ref}, 00100 Helsinki", postcode="00100"),
    )
    made = orders.create_order(
        admin, fields | changes, uow=ports.uow, clock=ports.clock, ids=ports.ids
    )
    assert made.status is OrderStatus.READY
    return made


def status_of(ports: Ports, admin: Principal, order_id: str) -> OrderStatus:
    with ports.uow:
        found = ports.uow.orders.get(admin.organisation_id, order_id)
    assert found is not None
    return found.status


def at(hour: int) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, tzinfo=UTC)


@pytest.mark.usefixtures("partner")
def test_a_hand_off_books_stores_and_takes_the_order_out_of_planning(
    ports: Ports, admin: Principal, gateway: FakeGateway, hports: handoff.HandoffPorts
) -> None:
    order = ready_order(ports, admin, "R-1")
    made = handoff.hand_off(admin, "R-1", PARTNER, ServiceLevel.SAME_DAY, ports=hports)
    (sent,) = gateway.requests
    assert (sent.reference, sent.idempotency_key) == (order.id, f"{order.id}:1")
    assert [p.barcode for p in sent.packages] == ["B-R-1"]
    assert sent.recipient.postcode == "00100"
    assert (made.booking_id, made.tracking_number, made.label_pdf) == (
        "shp_1",
        "PX1",
        b"%PDF-label",
    )
    assert (made.status, made.service_date) == (HandoffStatus.BOOKED, DAY)
    assert status_of(ports, admin, order.id) is OrderStatus.HANDED_OFF
    listed = handoff.list_handoffs(admin, day=DAY, uow=ports.uow)
    assert [h.id for h in listed] == [made.id]
    with pytest.raises(Conflict, match="handed off already"):
        handoff.hand_off(admin, "R-1", PARTNER, ServiceLevel.SAME_DAY, ports=hports)


@pytest.mark.usefixtures("partner")
def test_what_cannot_be_handed_off_is_refused_with_the_reason(
    ports: Ports, admin: Principal, hports: handoff.HandoffPorts
) -> None:
    # The sample courier captures signatures and photos, not PINs.
    ready_order(ports, admin, "R-2", proof=ProofRequirement(ProofKind.PIN))
    with pytest.raises(Conflict, match=f"pin proof, and {PARTNER} does not capture"):
        handoff.hand_off(admin, "R-2", PARTNER, ServiceLevel.SAME_DAY, ports=hports)
    ready_order(ports, admin, "R-PU", kind=OrderKind.PICKUP)
    with pytest.raises(Conflict, match="pickup to collect from the customer; partners only"):
        handoff.hand_off(admin, "R-PU", PARTNER, ServiceLevel.SAME_DAY, ports=hports)
    ready_order(ports, admin, "R-3")
    with pytest.raises(InvalidValue, match="own fleet"):
        handoff.hand_off(admin, "R-3", "omat_autot", ports=hports)
    with pytest.raises(Conflict, match="does not offer next_day"):
        handoff.hand_off(admin, "R-3", PARTNER, ServiceLevel.NEXT_DAY, ports=hports)
    with pytest.raises(Conflict, match="no API connection"):
        handoff.hand_off(admin, "R-3", "pakettiexpress", ServiceLevel.NEXT_DAY, ports=hports)


@pytest.mark.usefixtures("partner")
def test_partner_events_move_the_order_and_a_failure_opens_the_case(
    ports: Ports, admin: Principal, hports: handoff.HandoffPorts
) -> None:
    order = ready_order(ports, admin, "R-4")
    made = handoff.hand_off(admin, "R-4", PARTNER, ServiceLevel.SAME_DAY, ports=hports)

    def event(n: int, status: PartnerStatus, hour: int, reason: str = "") -> TrackingEvent:
        return TrackingEvent(f"e{n}", made.booking_id, status, at(hour), reason=reason)

    failed = event(3, PartnerStatus.FAILED, 10, "dog in the garden")
    report = handoff.apply_events(
        admin,
        made.carrier_id,
        [event(2, PartnerStatus.OUT_FOR_DELIVERY, 8), failed, event(1, PartnerStatus.PICKED_UP, 7)],
        ports=hports,
    )
    assert report.scans["stored"] == 3
    assert status_of(ports, admin, order.id) is OrderStatus.FAILED_ATTEMPT
    with ports.uow:
        org = admin.organisation_id
        cases = ports.uow.exceptions.open_of_orders(org, [order.id], ExceptionType.FAILED_ATTEMPT)
        state = ports.uow.scans.context(org, ["B-R-4"]).states["B-R-4"]
        stored = ports.uow.handoffs.get(org, made.id)
    assert len(cases) == 1
    assert state.last_reason is FailReason.RECIPIENT_ABSENT
    assert stored is not None
    assert (stored.status, stored.last_event_at) == (HandoffStatus.IN_PROGRESS, at(10))
    again = handoff.apply_events(admin, made.carrier_id, [failed], ports=hports)
    assert again.scans["duplicate"] == 1
    other = ready_order(ports, admin, "R-OTHER")
    foreign = TrackingEvent(
        "e8", made.booking_id, PartnerStatus.DELIVERED, at(11), barcode=other.parcels[0].barcode
    )
    refused = handoff.apply_events(admin, made.carrier_id, [foreign], ports=hports)
    assert refused.unknown_parcels == [other.parcels[0].barcode]
    assert status_of(ports, admin, other.id) is OrderStatus.READY
    unknown = TrackingEvent("e9", "shp_unknown", PartnerStatus.DELIVERED, at(11))
    assert handoff.apply_events(
        admin, made.carrier_id, [unknown], ports=hports
    ).unknown_bookings == ["shp_unknown"]


@pytest.mark.usefixtures("partner")
def test_cancel_before_pickup_only(
    ports: Ports, admin: Principal, gateway: FakeGateway, hports: handoff.HandoffPorts
) -> None:
    order = ready_order(ports, admin, "R-5")
    made = handoff.hand_off(admin, "R-5", PARTNER, ServiceLevel.SAME_DAY, ports=hports)
    ports.clock.current += timedelta(minutes=5)
    cancelled = handoff.cancel(admin, made.id, ports=hports)
    assert cancelled.status is HandoffStatus.CANCELLED
    assert gateway.cancelled == ["shp_1"]
    assert status_of(ports, admin, order.id) is OrderStatus.READY  # as before the hand-off
    assert handoff.cancel(admin, made.id, ports=hports).status is HandoffStatus.CANCELLED
    second = handoff.hand_off(admin, "R-5", PARTNER, ServiceLevel.SAME_DAY, ports=hports)
    assert gateway.requests[-1].idempotency_key == f"{order.id}:2"
    handoff.apply_events(
        admin,
        second.carrier_id,
        [TrackingEvent("p1", second.booking_id, PartnerStatus.PICKED_UP, at(9))],
        ports=hports,
    )
    with pytest.raises(Conflict, match="return the parcel"):
        handoff.cancel(admin, second.id, ports=hports)


@pytest.mark.usefixtures("partner")
def test_a_webhook_is_applied_for_the_organisation_whose_secret_verifies(
    ports: Ports, admin: Principal, hports: handoff.HandoffPorts
) -> None:
    order = ready_order(ports, admin, "R-6")
    made = handoff.hand_off(admin, "R-6", PARTNER, ServiceLevel.SAME_DAY, ports=hports)
    body = json.dumps(
        {
            "events": [
                {
                    "id": "w1",
                    "shipment_id": made.booking_id,
                    "status": "delivered",
                    "occurred_at": at(11).isoformat(),
                }
            ]
        }
    ).encode()
    now = int(ports.clock.now().timestamp())
    report = handoff.receive_webhook(
        PARTNER, signed_headers(SECRET, "m1", now, body), body, ports=hports
    )
    assert report.organisation_id == admin.organisation_id
    assert status_of(ports, admin, order.id) is OrderStatus.DELIVERED
    forged = signed_headers(new_secret(b"f" * 32), "m2", now, body)
    with pytest.raises(AuthenticationFailed, match="no v1 signature"):
        handoff.receive_webhook(PARTNER, forged, body, ports=hports)


@pytest.mark.usefixtures("partner")
def test_the_customer_sees_who_carries_it_and_the_partners_tracking_number(
    ports: Ports, admin: Principal, hports: handoff.HandoffPorts
) -> None:
    from doorstep.services import tracking

    order = ready_order(ports, admin, "R-7")
    link = tracking.issue_link(
        admin, order.id, uow=ports.uow, clock=ports.clock, ids=ports.ids, secrets=ports.secrets
    )
    assert tracking.track(link.token, uow=ports.uow, clock=ports.clock).partner is None
    made = handoff.hand_off(admin, "R-7", PARTNER, ServiceLevel.SAME_DAY, ports=hports)
    shown = tracking.track(link.token, uow=ports.uow, clock=ports.clock)
    assert shown.partner is not None
    assert shown.partner.tracking_number == made.tracking_number == "PX1"
    with ports.uow:
        carrier = ports.uow.carriers.get(admin.organisation_id, made.carrier_id)
    assert carrier is not None
    assert shown.partner.carrier == carrier.name
    assert shown.headline == "With our delivery partner"


@pytest.mark.usefixtures("partner")
def test_an_event_the_partners_clock_dates_before_the_booking_counts_just_after_it(
    ports: Ports, admin: Principal, hports: handoff.HandoffPorts
) -> None:
    """A partner clock 30 s behind ours dates its pickup before the booking: the scan is
    dated 1 ms after the booking with the partner's time in its note, so the order moves on
    and no out-of-sequence case opens."""
    order = ready_order(ports, admin, "R-SKEW")
    made = handoff.hand_off(admin, "R-SKEW", PARTNER, ServiceLevel.SAME_DAY, ports=hports)
    early = made.created_at - timedelta(seconds=30)
    picked = TrackingEvent("sk1", made.booking_id, PartnerStatus.PICKED_UP, early)
    delivered = TrackingEvent(
        "sk2", made.booking_id, PartnerStatus.DELIVERED, made.created_at + timedelta(hours=1)
    )
    report = handoff.apply_events(admin, made.carrier_id, [picked, delivered], ports=hports)
    assert report.scans["stored"] == 2
    assert status_of(ports, admin, order.id) is OrderStatus.DELIVERED
    with ports.uow:
        org = admin.organisation_id
        stray = ports.uow.exceptions.open_of_orders(
            org, [order.id], ExceptionType.SCAN_OUT_OF_SEQUENCE
        )
        found = ports.uow.scans.of_barcodes(org, ["B-R-SKEW"])["B-R-SKEW"]
    assert stray == []
    pickup = next(r.event for r in found if r.event.id == scan_id(PARTNER, "sk1", "B-R-SKEW"))
    assert pickup.device_time == made.created_at + handoff.AFTER_BOOKING
    assert early.isoformat() in pickup.note
