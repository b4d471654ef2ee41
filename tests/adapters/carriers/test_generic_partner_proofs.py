"""A delivered event's proof on the generic partner's wire: read and written as documented,
malformed ones named, and fetched from a real partner server on loopback."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from doorstep.adapters.carriers import generic_partner as wire
from doorstep.adapters.carriers.generic_partner_http import GenericPartnerGateway
from doorstep.domain.errors import CarrierError
from doorstep.domain.handoffs import (
    MAX_PARTNER_IMAGE_BYTES,
    PartnerProof,
    PartnerStatus,
    ProofImage,
    TrackingEvent,
)
from tests.support.partner import API_KEY, Partner, partner_server

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(32))
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(64))
PNG_B64 = base64.b64encode(PNG).decode()  # iVBORw0KGgo...
JPEG_B64 = base64.b64encode(JPEG).decode()

RECORDED = {
    "id": "evt_009",
    "shipment_id": "shp_0001",
    "status": "delivered",
    "occurred_at": "2026-11-23T14:10:00+02:00",
    "parcel": None,
    "reason": None,
    "note": "",
    "proof": {
        "recipient_name": "Aino Virtanen",
        "signature": {"media_type": "image/png", "data": PNG_B64},
        "photo": {"media_type": "image/jpeg", "data": JPEG_B64},
        "pin": None,
        "age_verified": False,
    },
}
EXPECTED = TrackingEvent(
    "evt_009",
    "shp_0001",
    PartnerStatus.DELIVERED,
    datetime(2026, 11, 23, 12, 10, tzinfo=UTC),
    proof=PartnerProof(
        "Aino Virtanen",
        signature=ProofImage("image/png", PNG),
        photo=ProofImage("image/jpeg", JPEG),
    ),
)


def body(*events: dict[str, Any]) -> bytes:
    return json.dumps({"events": list(events)}).encode()


def test_a_delivered_events_proof_is_read_and_written_as_documented() -> None:
    read = wire.events_from("px", body(RECORDED))
    assert read == [EXPECTED]
    assert json.loads(wire.webhook_body(read)) == {"events": [RECORDED]}
    # base64 broken over lines (as some encoders write it) reads the same
    wrapped = PNG_B64[:20] + "\n" + PNG_B64[20:]
    proof = {**RECORDED["proof"], "signature": {"media_type": "image/png", "data": wrapped}}
    (event,) = wire.events_from("px", body({**RECORDED, "proof": proof}))
    assert event == EXPECTED
    # a PIN and an age check travel too
    checked = {"recipient_name": "Aino", "pin": "4711", "age_verified": True}
    (event,) = wire.events_from("px", body({**RECORDED, "proof": checked}))
    assert event.proof == PartnerProof("Aino", pin="4711", age_verified=True)


def test_a_proof_on_another_status_is_ignored() -> None:
    failed = {**RECORDED, "status": "failed", "reason": "not_home"}
    (event,) = wire.events_from("px", body(failed))
    assert event.proof is None


def _image(data: str, media_type: str = "image/png") -> dict[str, Any]:
    return {"media_type": media_type, "data": data}


TOO_LARGE = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_PARTNER_IMAGE_BYTES).decode()
FAR_TOO_LARGE = "A" * (2 * MAX_PARTNER_IMAGE_BYTES)  # refused before it is decoded


@pytest.mark.parametrize(
    ("proof", "why"),
    [
        ("signed", "'proof' is not a JSON object"),
        ({"signature": _image("not base64!")}, "'proof.signature.data' is not base64"),
        ({"signature": _image(JPEG_B64)}, "proof.signature: is not a image/png image"),
        ({"photo": _image(PNG_B64, "image/gif")}, "proof.photo: must be image/png or image/jpeg"),
        (
            {"photo": _image(TOO_LARGE)},
            "proof.photo: an image of 524296 bytes is over the limit of 524288 bytes",
        ),
        ({"photo": _image(FAR_TOO_LARGE)}, "'proof.photo' is over the limit of 512 KiB"),
        ({"photo": {"data": JPEG_B64}}, "'proof.photo' needs media_type and data"),
        ({"pin": "12"}, "proof.pin: must be the 4-8 digits"),
        ({"age_verified": "yes"}, "'proof.age_verified' is not true or false"),
    ],
)
def test_a_malformed_proof_is_named(proof: object, why: str) -> None:
    with pytest.raises(CarrierError, match=why) as raised:
        wire.events_from("px", body({**RECORDED, "proof": proof}))
    assert not raised.value.temporary  # the partner must fix it and send it again


@pytest.fixture
def partner() -> Iterator[Partner]:
    with partner_server() as running:
        yield running


def test_events_with_a_proof_are_fetched_from_the_partner(partner: Partner) -> None:
    partner.state.shipments["shp_0001"] = {"request": {}, "answer": {}}
    partner.state.events["shp_0001"] = [RECORDED]
    with GenericPartnerGateway("px", partner.url, API_KEY, timeout_s=5) as gateway:
        assert list(gateway.events("shp_0001")) == [EXPECTED]
    (asked,) = partner.state.received
    assert (asked.method, asked.path) == ("GET", "/v1/shipments/shp_0001/events")
