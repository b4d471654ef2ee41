"""The generic partner's IO class against a real HTTP server on loopback (the fake partner):
the wire format both ways, errors as clear domain errors, and no booking made twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from doorstep.adapters.carriers.generic_partner_http import GenericPartnerGateway
from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.errors import CarrierError
from doorstep.domain.handoffs import PartnerStatus
from tests.adapters.carriers.test_generic_partner import RECORDED_SHIPMENT, request
from tests.support.partner import API_KEY, LABEL, Partner, partner_server


@pytest.fixture
def partner() -> Iterator[Partner]:
    with partner_server() as running:
        yield running


@pytest.fixture
def gateway(partner: Partner) -> Iterator[GenericPartnerGateway]:
    with GenericPartnerGateway("px", partner.url, API_KEY, timeout_s=0.5) as made:
        yield made


def test_a_booking_sends_the_documented_request_and_reads_the_answer(
    partner: Partner, gateway: GenericPartnerGateway
) -> None:
    booking = gateway.book(request())
    assert (booking.booking_id, booking.tracking_number) == ("shp_0001", "PX00000001FI")
    assert booking.label_pdf == LABEL
    post, label = partner.state.received
    assert (post.method, post.path) == ("POST", "/v1/shipments")
    assert post.json() == RECORDED_SHIPMENT
    assert post.headers["authorization"] == f"Bearer {API_KEY}"
    assert post.headers["idempotency-key"] == "ord_1:1"
    assert post.headers["content-type"] == "application/json"
    assert (label.method, label.path) == ("GET", "/v1/shipments/shp_0001/label")


def test_the_same_idempotency_key_never_books_twice(
    partner: Partner, gateway: GenericPartnerGateway
) -> None:
    first = gateway.book(request())
    again = gateway.book(request())
    assert again == first
    assert len(partner.state.bookings()) == 2
    assert len(partner.state.shipments) == 1


def test_a_booking_whose_answer_times_out_is_retried_and_found_not_made_again(
    partner: Partner, gateway: GenericPartnerGateway
) -> None:
    """The partner books, but answers after the client's timeout: the retry with the same
    key answers the first booking."""
    partner.state.delay_next_s.append(1.5)
    booking = gateway.book(request())
    assert booking.booking_id == "shp_0001"
    assert len(partner.state.bookings()) == 2  # the lost attempt and its retry
    assert list(partner.state.shipments) == ["shp_0001"]


def test_a_4xx_is_a_permanent_error_with_the_partners_message(
    partner: Partner, gateway: GenericPartnerGateway
) -> None:
    partner.state.fail_next.append((422, {"error": {"message": "postcode 99999 not served"}}))
    with pytest.raises(CarrierError) as raised:
        gateway.book(request())
    error = raised.value
    assert (error.temporary, error.status) == (False, 422)
    assert str(error) == "carrier px: HTTP 422: postcode 99999 not served"
    assert len(partner.state.bookings()) == 1  # not retried: it would fail the same way


def test_a_5xx_is_retried_once_then_a_temporary_error(
    partner: Partner, gateway: GenericPartnerGateway
) -> None:
    partner.state.fail_next += [(503, {"message": "maintenance"}), (503, {"message": "still"})]
    with pytest.raises(CarrierError) as raised:
        gateway.book(request())
    assert (raised.value.temporary, raised.value.status) == (True, 503)
    assert "HTTP 503: still" in str(raised.value)
    assert partner.state.shipments == {}


def test_a_5xx_then_success_books_once(partner: Partner, gateway: GenericPartnerGateway) -> None:
    partner.state.fail_next.append((500, {"message": "hiccup"}))
    assert gateway.book(request()).booking_id == "shp_0001"
    assert len(partner.state.shipments) == 1


def test_a_timeout_elsewhere_is_a_temporary_error(
    partner: Partner, gateway: GenericPartnerGateway
) -> None:
    booking = gateway.book(request())
    partner.state.delay_next_s.append(1.5)
    with pytest.raises(CarrierError, match=r"no answer within 0.5 s") as raised:
        gateway.events(booking.booking_id)
    assert raised.value.temporary


def test_an_unreachable_partner_is_a_temporary_error() -> None:
    with partner_server() as gone:
        url = gone.url
    with (
        GenericPartnerGateway("px", url, API_KEY, timeout_s=0.5) as gateway,
        pytest.raises(CarrierError, match="could not reach") as raised,
    ):
        gateway.cancel("shp_1")
    assert raised.value.temporary


def test_a_wrong_api_key_is_refused_clearly(partner: Partner) -> None:
    with (
        GenericPartnerGateway("px", partner.url, "wrong", timeout_s=0.5) as gateway,
        pytest.raises(CarrierError, match="HTTP 401: unknown API key"),
    ):
        gateway.book(request())


def test_quote_cancel_label_and_events(partner: Partner, gateway: GenericPartnerGateway) -> None:
    quote = gateway.quote(request())
    assert (quote.service_level, quote.price_cents, quote.currency) == (
        ServiceLevel.SAME_DAY,
        1140,
        "EUR",
    )
    booking = gateway.book(request())
    partner.state.events[booking.booking_id] = [
        {
            "id": "evt_9",
            "shipment_id": booking.booking_id,
            "status": "delivered",
            "occurred_at": "2026-11-23T13:00:00+02:00",
            "parcel": None,
            "reason": None,
            "note": "",
        }
    ]
    (event,) = gateway.events(booking.booking_id)
    assert (event.event_id, event.status) == ("evt_9", PartnerStatus.DELIVERED)
    assert event.at == datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    assert gateway.label(booking.booking_id) == LABEL
    gateway.cancel(booking.booking_id)
    assert partner.state.cancelled == {booking.booking_id}
    assert partner.state.received[-1].method == "DELETE"
    with pytest.raises(CarrierError, match="HTTP 404: no shipment shp_9999") as raised:
        gateway.cancel("shp_9999")
    assert not raised.value.temporary
