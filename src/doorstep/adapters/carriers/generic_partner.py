"""The generic partner's wire format, translated both ways; no IO (``generic_partner_http``
sends it).

A partner with a small REST API and signed status webhooks. JSON in UTF-8 both ways; instants
are RFC 3339 with an offset; every request carries ``Authorization: Bearer <api key>``.

``POST {base}/shipments`` books, with the header ``Idempotency-Key: <key>``: the same key
again answers the first booking (200 or 201), never a second one. Body::

    {"reference": "ord_...", "service": "same_day|next_day|scheduled",
     "ready_at": "2026-11-23T08:00:00+00:00",
     "delivery_window": {"from": "...", "until": "..."} | null,
     "sender": PARTY, "recipient": PARTY,
     "parcels": [{"barcode": "...", "weight_kg": 2.5,
                  "length_cm": 30.0 | null, "width_cm": ..., "height_cm": ...}],
     "instructions": ""}
    PARTY = {"name", "street", "postcode", "city", "country", "phone", "email"}

answered ``{"id": "<booking id>", "tracking_number": "...", "status": "booked"}``.

``POST {base}/quotes`` takes the same body and answers ``{"service": "...", "price":
{"amount_cents": 1290, "currency": "EUR"}, "deliver_by": "..." | null}``.

``DELETE {base}/shipments/{id}`` cancels (204, or 200; a cancelled one again is fine).
``GET {base}/shipments/{id}/label`` answers the label as ``application/pdf``.
``GET {base}/shipments/{id}/events`` answers ``{"events": [EVENT, ...]}``::

    EVENT = {"id": "<partner's event id>", "shipment_id": "<booking id>",
             "status": "picked_up|in_transit|out_for_delivery|delivered|failed|returned",
             "occurred_at": "2026-11-23T10:15:00+02:00",
             "parcel": "<barcode>" | null,      (null: every parcel of the shipment)
             "reason": "recipient_absent" | null, (a failure's reason)
             "note": "",
             "proof": PROOF | null}                (a delivered event's proof of delivery)
    PROOF = {"recipient_name": "Aino Virtanen",
             "signature": IMAGE | null, "photo": IMAGE | null,
             "pin": "4711" | null, "age_verified": false}
    IMAGE = {"media_type": "image/png|image/jpeg", "data": "<base64 of the file>"}

Each image is at most 512 KiB once decoded (``domain.handoffs.MAX_PARTNER_IMAGE_BYTES``), and
the whole webhook body at most what the server accepts (1 MiB by default): send a delivery
with a photo in a webhook of its own. A proof on another status than ``delivered`` is ignored;
a malformed one (bad base64, another media type, too large, bytes that are not the image
named) refuses the webhook with the reason, since the partner must fix and resend it.

An error answers 4xx or 5xx with ``{"error": {"message": "..."}}`` (or ``{"message": ...}``).

**Webhooks**: the partner POSTs ``{"events": [EVENT, ...]}`` to
``/api/v1/carrier-webhooks/{carrier code}/{carrier id}`` signed the Standard Webhooks way
(``domain.webhooks``): headers ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and
``webhook-signature: v1,<base64 of HMAC-SHA256 over "{id}.{timestamp}.{body}">`` under the
``whsec_`` secret agreed with the partner. A resent webhook, or an event sent twice, is
harmless: each event becomes scans whose ids derive from the event's ``id``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.errors import CarrierError, InvalidValue
from doorstep.domain.handoffs import (
    MAX_PARTNER_IMAGE_BYTES,
    CarrierQuote,
    PartnerProof,
    PartnerStatus,
    Party,
    ProofImage,
    ShipmentRequest,
    TrackingEvent,
)

Json = dict[str, Any]
KIND = "generic_partner"


def _party(party: Party) -> Json:
    return {
        "name": party.name,
        "street": party.street,
        "postcode": party.postcode,
        "city": party.city,
        "country": party.country,
        "phone": party.phone,
        "email": party.email,
    }


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def shipment_json(request: ShipmentRequest) -> Json:
    """The body of ``POST /shipments`` and ``POST /quotes``."""
    window = None
    if request.deliver_from is not None or request.deliver_until is not None:
        window = {"from": _instant(request.deliver_from), "until": _instant(request.deliver_until)}
    return {
        "reference": request.reference,
        "service": request.service_level.value,
        "ready_at": _instant(request.ready_at),
        "delivery_window": window,
        "sender": _party(request.sender),
        "recipient": _party(request.recipient),
        "parcels": [
            {
                "barcode": p.barcode,
                "weight_kg": p.weight_kg,
                "length_cm": p.length_cm,
                "width_cm": p.width_cm,
                "height_cm": p.height_cm,
            }
            for p in request.packages
        ],
        "instructions": request.instructions,
    }


def _bad(carrier: str, what: str) -> CarrierError:
    return CarrierError(carrier, f"answered something unexpected: {what}", temporary=False)


def _object(carrier: str, body: bytes) -> Json:
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _bad(carrier, f"not JSON ({body[:80]!r})") from None
    if not isinstance(value, dict):
        raise _bad(carrier, "not a JSON object")
    return value


def _text(carrier: str, value: Json, name: str) -> str:
    found = value.get(name)
    if not isinstance(found, str) or not found:
        raise _bad(carrier, f"{name!r} missing or not text")
    return found


def booking_from(carrier: str, body: bytes) -> tuple[str, str]:
    """(booking id, tracking number) from the answer to ``POST /shipments``."""
    value = _object(carrier, body)
    return _text(carrier, value, "id"), _text(carrier, value, "tracking_number")


def quote_from(carrier: str, body: bytes, level: ServiceLevel) -> CarrierQuote:
    value = _object(carrier, body)
    price = value.get("price")
    if not isinstance(price, dict) or not isinstance(price.get("amount_cents"), int):
        raise _bad(carrier, "'price.amount_cents' missing or not a whole number")
    currency = price.get("currency")
    if not isinstance(currency, str) or len(currency) != 3:
        raise _bad(carrier, "'price.currency' is not a currency code")
    by = value.get("deliver_by")
    return CarrierQuote(
        level, price["amount_cents"], currency, _parse_instant(carrier, by) if by else None
    )


def _parse_instant(carrier: str, value: object) -> datetime:
    if not isinstance(value, str):
        raise _bad(carrier, f"instant {value!r} is not text")
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(carrier, f"instant {value!r} is not RFC 3339") from None
    if at.tzinfo is None:
        raise _bad(carrier, f"instant {value!r} has no offset")
    return at


def event_from(carrier: str, value: object) -> TrackingEvent:
    """One EVENT object."""
    if not isinstance(value, dict):
        raise _bad(carrier, "an event is not a JSON object")
    status = value.get("status")
    try:
        partner_status = PartnerStatus(str(status))
    except ValueError:
        known = ", ".join(s.value for s in PartnerStatus)
        raise _bad(carrier, f"event status {status!r} is not one of {known}") from None
    parcel, reason, note = value.get("parcel"), value.get("reason"), value.get("note")
    proof = value.get("proof")
    delivered = partner_status is PartnerStatus.DELIVERED
    return TrackingEvent(
        event_id=_text(carrier, value, "id"),
        booking_id=_text(carrier, value, "shipment_id"),
        status=partner_status,
        at=_parse_instant(carrier, value.get("occurred_at")),
        barcode=parcel if isinstance(parcel, str) else "",
        reason=reason if isinstance(reason, str) else "",
        note=note if isinstance(note, str) else "",
        proof=proof_from(carrier, proof) if delivered and proof is not None else None,
    )


# Base64 of the largest image allowed, with room for line breaks: longer text is refused
# before it is decoded.
_MAX_BASE64 = (MAX_PARTNER_IMAGE_BYTES + 2) // 3 * 4 + 1024


def proof_from(carrier: str, value: object) -> PartnerProof:
    """A PROOF object."""
    if not isinstance(value, dict):
        raise _bad(carrier, "'proof' is not a JSON object")
    name, pin, age = value.get("recipient_name"), value.get("pin"), value.get("age_verified")
    if name is not None and not isinstance(name, str):
        raise _bad(carrier, "'proof.recipient_name' is not text")
    if pin is not None and not isinstance(pin, str):
        raise _bad(carrier, "'proof.pin' is not text")
    if age is not None and not isinstance(age, bool):
        raise _bad(carrier, "'proof.age_verified' is not true or false")
    try:
        return PartnerProof(
            recipient_name=(name or "").strip(),
            signature=_image(carrier, value.get("signature"), "signature"),
            photo=_image(carrier, value.get("photo"), "photo"),
            pin=pin or "",
            age_verified=bool(age),
        )
    except InvalidValue as error:
        raise _bad(carrier, f"{error.field}: {error.message}") from None


def _image(carrier: str, value: object, name: str) -> ProofImage | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _bad(carrier, f"'proof.{name}' is not a JSON object")
    kind, data = value.get("media_type"), value.get("data")
    if not isinstance(kind, str) or not isinstance(data, str):
        raise _bad(carrier, f"'proof.{name}' needs media_type and data (base64) as text")
    if len(data) > _MAX_BASE64:
        raise _bad(
            carrier,
            f"'proof.{name}' is over the limit of {MAX_PARTNER_IMAGE_BYTES // 1024} KiB",
        )
    try:
        decoded = base64.b64decode("".join(data.split()).encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise _bad(carrier, f"'proof.{name}.data' is not base64") from None
    try:
        return ProofImage(kind, decoded)
    except InvalidValue as error:
        raise _bad(carrier, f"proof.{name}: {error.message}") from None


def proof_json(proof: PartnerProof) -> Json:
    """A PROOF as the partner sends it (for tests and for the fake partner)."""

    def image(found: ProofImage | None) -> Json | None:
        if found is None:
            return None
        return {"media_type": found.media_type, "data": base64.b64encode(found.data).decode()}

    return {
        "recipient_name": proof.recipient_name,
        "signature": image(proof.signature),
        "photo": image(proof.photo),
        "pin": proof.pin or None,
        "age_verified": proof.age_verified,
    }


def events_from(carrier: str, body: bytes) -> list[TrackingEvent]:
    """The events of ``GET /shipments/{id}/events`` or of a webhook's body."""
    value = _object(carrier, body)
    events = value.get("events")
    if not isinstance(events, list):
        raise _bad(carrier, "'events' missing or not a list")
    return [event_from(carrier, e) for e in events]


def event_json(event: TrackingEvent) -> Json:
    """An EVENT as the partner sends it (for tests and for the fake partner); ``proof`` only
    when the event has one."""
    found: Json = {
        "id": event.event_id,
        "shipment_id": event.booking_id,
        "status": event.status.value,
        "occurred_at": event.at.isoformat(),
        "parcel": event.barcode or None,
        "reason": event.reason or None,
        "note": event.note,
    }
    if event.proof is not None:
        found["proof"] = proof_json(event.proof)
    return found


def webhook_body(events: Sequence[TrackingEvent]) -> bytes:
    return json.dumps({"events": [event_json(e) for e in events]}).encode()


def error_message(status: int, body: bytes) -> str:
    """What an error answer says: its message, else the start of its body."""
    message = ""
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        value = None
    if isinstance(value, dict):
        inner = value.get("error")
        found = inner.get("message") if isinstance(inner, dict) else value.get("message")
        if isinstance(found, str):
            message = found
    if not message:
        message = body[:200].decode("utf-8", "replace").strip() or "no message"
    return f"HTTP {status}: {message}"
