"""The generic partner's translator on recorded payloads: requests out, answers and events in."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from doorstep.adapters.carriers import generic_partner as wire
from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.errors import CarrierError
from doorstep.domain.handoffs import (
    PackageSpec,
    PartnerStatus,
    Party,
    ShipmentRequest,
    TrackingEvent,
)

PLUS2 = timezone(timedelta(hours=2))
READY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def request(**changes: object) -> ShipmentRequest:
    fields: dict[str, object] = {
        "reference": "ord_1",
        "service_level": ServiceLevel.SAME_DAY,
        "sender": Party("Pasila station", "Ratapihantie 1", "00520", "Helsinki"),
        "recipient": Party(
            "Aino Virtanen", "Mannerheimintie 5 A 3", "00100", "Helsinki", phone="+358401234567"
        ),
        "packages": (PackageSpec("P1", 2.5, 30.0, 20.0, 10.0), PackageSpec("P2", 1.0)),
        "ready_at": READY,
        "deliver_from": datetime(2026, 11, 23, 12, 0, tzinfo=PLUS2),
        "deliver_until": datetime(2026, 11, 23, 14, 0, tzinfo=PLUS2),
        "instructions": "door code 1234",
        "idempotency_key": "ord_1:1",
    }
    return ShipmentRequest(**{**fields, **changes})  # type: ignore[arg-type]


# What a request is sent as, recorded once and compared whole: a change to the wire format
# must be deliberate.
RECORDED_SHIPMENT = {
    "reference": "ord_1",
    "service": "same_day",
    "ready_at": "2026-11-23T08:00:00+00:00",
    "delivery_window": {"from": "2026-11-23T12:00:00+02:00", "until": "2026-11-23T14:00:00+02:00"},
    "sender": {
        "name": "Pasila station",
        "street": "Ratapihantie 1",
        "postcode": "00520",
        "city": "Helsinki",
        "country": "FI",
        "phone": "",
        "email": "",
    },
    "recipient": {
        "name": "Aino Virtanen",
        "street": "Mannerheimintie 5 A 3",
        "postcode": "00100",
        "city": "Helsinki",
        "country": "FI",
        "phone": "+358401234567",
        "email": "",
    },
    "parcels": [
        {"barcode": "P1", "weight_kg": 2.5, "length_cm": 30.0, "width_cm": 20.0, "height_cm": 10.0},
        {"barcode": "P2", "weight_kg": 1.0, "length_cm": None, "width_cm": None, "height_cm": None},
    ],
    "instructions": "door code 1234",
}

RECORDED_EVENTS = b"""{"events": [
  {"id": "evt_001", "shipment_id": "shp_0001", "status": "picked_up",
   "occurred_at": "2026-11-23T09:05:00+02:00", "parcel": null, "reason": null, "note": ""},
  {"id": "evt_002", "shipment_id": "shp_0001", "status": "failed",
   "occurred_at": "2026-11-23T12:40:00+02:00", "parcel": "P2", "reason": "not_home",
   "note": "card left"}
]}"""


def test_a_shipment_is_sent_as_recorded() -> None:
    assert wire.shipment_json(request()) == RECORDED_SHIPMENT
    assert json.loads(json.dumps(wire.shipment_json(request()))) == RECORDED_SHIPMENT


def test_no_window_is_sent_as_null() -> None:
    sent = wire.shipment_json(request(deliver_from=None, deliver_until=None))
    assert sent["delivery_window"] is None


def test_a_booking_answer_gives_id_and_tracking_number() -> None:
    body = b'{"id": "shp_0001", "tracking_number": "PX00000001FI", "status": "booked"}'
    assert wire.booking_from("px", body) == ("shp_0001", "PX00000001FI")


@pytest.mark.parametrize(
    "body",
    [b"<html>oops</html>", b"[]", b'{"id": "shp_1"}', b'{"id": 5, "tracking_number": "T"}'],
)
def test_an_unexpected_booking_answer_is_a_permanent_carrier_error(body: bytes) -> None:
    with pytest.raises(CarrierError) as raised:
        wire.booking_from("px", body)
    assert not raised.value.temporary
    assert "carrier px: answered something unexpected" in str(raised.value)


def test_a_quote_answer() -> None:
    body = b'{"service": "same_day", "price": {"amount_cents": 1290, "currency": "EUR"},'
    body += b' "deliver_by": "2026-11-23T21:00:00+02:00"}'
    quote = wire.quote_from("px", body, ServiceLevel.SAME_DAY)
    assert (quote.price_cents, quote.currency) == (1290, "EUR")
    assert quote.deliver_by == datetime(2026, 11, 23, 19, 0, tzinfo=UTC)


def test_recorded_events_are_read_into_domain_events() -> None:
    events = wire.events_from("px", RECORDED_EVENTS)
    assert events == [
        TrackingEvent(
            "evt_001", "shp_0001", PartnerStatus.PICKED_UP, datetime(2026, 11, 23, 7, 5, tzinfo=UTC)
        ),
        TrackingEvent(
            "evt_002",
            "shp_0001",
            PartnerStatus.FAILED,
            datetime(2026, 11, 23, 10, 40, tzinfo=UTC),
            barcode="P2",
            reason="not_home",
            note="card left",
        ),
    ]
    # and written back the same way (the fake partner and the tests send them so)
    assert json.loads(wire.webhook_body(events)) == json.loads(RECORDED_EVENTS)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"status": "lost_in_space"}, "is not one of picked_up"),
        ({"occurred_at": "2026-11-23T09:05:00"}, "has no offset"),
        ({"occurred_at": "yesterday"}, "is not RFC 3339"),
        ({"id": ""}, "'id' missing"),
    ],
)
def test_a_malformed_event_is_named(change: dict[str, object], why: str) -> None:
    event = {
        "id": "evt_1",
        "shipment_id": "shp_1",
        "status": "delivered",
        "occurred_at": "2026-11-23T09:05:00+02:00",
    }
    with pytest.raises(CarrierError, match=why):
        wire.events_from("px", json.dumps({"events": [{**event, **change}]}).encode())


def test_error_answers_say_the_partners_message() -> None:
    assert wire.error_message(422, b'{"error": {"message": "postcode unknown"}}') == (
        "HTTP 422: postcode unknown"
    )
    assert wire.error_message(400, b'{"message": "bad"}') == "HTTP 400: bad"
    assert wire.error_message(502, b"Bad Gateway") == "HTTP 502: Bad Gateway"
    assert wire.error_message(500, b"") == "HTTP 500: no message"
