"""Orders handed to partner carriers: the booking, and the partner's events in doorstep's words.

What the carrier port (``services.ports.CarrierGateway``) is asked and answers lives here as
plain dataclasses, in the domain rather than the services, because the pure parts that use
them are domain rules too: the mapping of a partner's statuses to scans below, and the
``Handoff`` record storage keeps. Adapters translate them to and from each partner's wire
format; nothing here knows a wire format.

**How a handed-off order shows.** Booking gives each parcel a ``hand_off`` scan, so the order
(and each parcel) stands ``handed_off``: no longer plannable for the own fleet, and followed by
the partner's events from then on, which become scans through the normal ingestion:

=================  ====================  =================================================
partner status     scan kind             effect on the parcel
=================  ====================  =================================================
picked_up          hand_off              stays handed_off (the partner has it)
in_transit         hand_off              stays handed_off
out_for_delivery   depart                out for delivery
delivered          deliver               delivered
failed (reason)    fail (reason mapped)  failed attempt; opens the failed-attempt case
returned           receive               back at the station (received), plannable again
=================  ====================  =================================================

A ``delivered`` event may carry the proof the partner captured (``PartnerProof``: the
recipient's name, a signature or photo image, a PIN, an age check): it becomes the delivery
scan's proof exactly as a driver's does (images stored by hash first), so an order asking for
a proof is delivered only with it. A partner is given such an order only when it declares
that proof (``domain.carriers.Carrier.captures``).

**Cancelled before the partner began**, a hand-off gives each parcel a ``hand_off_cancel``
scan: the parcel stands again where it stood when handed off (ready, received or sorted),
which the ``hand_off`` scan remembered (``domain.scans.ParcelState.before_hand_off``). It is
not a ``receive``: a ready parcel never reached the station, and the station scanned nothing.

A scan's id is derived from the carrier and the partner's own event id (and the parcel), so a
repeated webhook is a duplicate scan, and a replay in event-time order makes late events
harmless: exactly as for the own fleet's handhelds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.checks import aware, text
from doorstep.domain.errors import InvalidValue
from doorstep.domain.proofs import check_file
from doorstep.domain.scans import FailReason, ScanKind


class PartnerStatus(StrEnum):
    """The statuses a partner reports (the generic partner's wire values)."""

    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    FAILED = "failed"
    RETURNED = "returned"


SCAN_OF: dict[PartnerStatus, ScanKind] = {
    PartnerStatus.PICKED_UP: ScanKind.HAND_OFF,
    PartnerStatus.IN_TRANSIT: ScanKind.HAND_OFF,
    PartnerStatus.OUT_FOR_DELIVERY: ScanKind.DEPART,
    PartnerStatus.DELIVERED: ScanKind.DELIVER,
    PartnerStatus.FAILED: ScanKind.FAIL,
    PartnerStatus.RETURNED: ScanKind.RECEIVE,
}

# Partners' words for why an attempt failed, to doorstep's reasons. A reason not listed
# becomes ``recipient_absent`` with the partner's words kept in the scan's note: a webhook
# must never be refused for a word we do not know (the partner would resend it forever).
FAIL_REASONS: dict[str, FailReason] = {
    **{reason.value: reason for reason in FailReason},
    "not_home": FailReason.RECIPIENT_ABSENT,
    "no_one_home": FailReason.RECIPIENT_ABSENT,
    "absent": FailReason.RECIPIENT_ABSENT,
    "access_denied": FailReason.NO_ACCESS,
    "no_access_code": FailReason.NO_ACCESS,
    "bad_address": FailReason.ADDRESS_NOT_FOUND,
    "wrong_address": FailReason.ADDRESS_NOT_FOUND,
    "rejected": FailReason.REFUSED,
    "closed": FailReason.BUSINESS_CLOSED,
    "weather": FailReason.UNSAFE,
    "no_time": FailReason.OUT_OF_TIME,
}
DEFAULT_FAIL_REASON = FailReason.RECIPIENT_ABSENT


def fail_reason(words: str | None) -> tuple[FailReason, bool]:
    """doorstep's reason for a partner's words, and whether the words were known."""
    key = (words or "").strip().lower().replace("-", "_").replace(" ", "_")
    found = FAIL_REASONS.get(key)
    return (found, True) if found is not None else (DEFAULT_FAIL_REASON, False)


# -- what the carrier port is asked and answers ----------------------------------------------


@dataclass(frozen=True)
class Party:
    """A sender or recipient as a carrier needs them."""

    name: str
    street: str
    postcode: str
    city: str
    country: str = "FI"
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class PackageSpec:
    barcode: str
    weight_kg: float
    length_cm: float | None = None
    width_cm: float | None = None
    height_cm: float | None = None


@dataclass(frozen=True)
class ShipmentRequest:
    """One order to quote or book: ``reference`` is doorstep's order id (the partner echoes
    it), ``idempotency_key`` makes a repeated booking return the first one."""

    reference: str
    service_level: ServiceLevel
    sender: Party
    recipient: Party
    packages: tuple[PackageSpec, ...]
    ready_at: datetime
    deliver_from: datetime | None = None
    deliver_until: datetime | None = None
    instructions: str = ""
    idempotency_key: str = ""

    def __post_init__(self) -> None:
        if not self.packages:
            raise InvalidValue("packages", "a shipment needs at least one parcel")
        aware("ready_at", self.ready_at)


@dataclass(frozen=True)
class CarrierQuote:
    service_level: ServiceLevel
    price_cents: int
    currency: str
    deliver_by: datetime | None = None


@dataclass(frozen=True)
class Booking:
    """A partner's booking: its id, the tracking number, and the label (a PDF's bytes)."""

    booking_id: str
    tracking_number: str
    label_pdf: bytes = b""


# The images a partner may send with a delivery, and how large each may be. Smaller than a
# driver's upload (``domain.proofs.MAX_FILE_BYTES``) because they ride inside the webhook's
# JSON (base64, a third larger), whose whole body the server caps (1 MiB by default): a
# signature is a few kilobytes, a photo for proof a compressed JPEG well under this.
PARTNER_IMAGE_TYPES = frozenset({"image/png", "image/jpeg"})
MAX_PARTNER_IMAGE_BYTES = 512 * 1024


@dataclass(frozen=True)
class ProofImage:
    """A signature or photo a partner sent: its bytes (decoded) and media type."""

    media_type: str
    data: bytes

    def __post_init__(self) -> None:
        if self.media_type not in PARTNER_IMAGE_TYPES:
            raise InvalidValue(
                "proof.media_type",
                f"must be image/png or image/jpeg, got {self.media_type!r}",
            )
        if len(self.data) > MAX_PARTNER_IMAGE_BYTES:
            raise InvalidValue(
                "proof",
                f"an image of {len(self.data)} bytes is over the limit of "
                f"{MAX_PARTNER_IMAGE_BYTES} bytes ({MAX_PARTNER_IMAGE_BYTES // 1024} KiB)",
            )
        check_file(self.media_type, self.data)  # not empty, and its first bytes match


@dataclass(frozen=True)
class PartnerProof:
    """The proof of delivery a partner captured: becomes a ``domain.proofs.Proof`` once its
    images are stored (by hash, as a driver's uploads are)."""

    recipient_name: str = ""
    signature: ProofImage | None = None
    photo: ProofImage | None = None
    pin: str = ""
    age_verified: bool = False

    def __post_init__(self) -> None:
        text("proof.recipient_name", self.recipient_name, max_length=200, required=False)
        if self.pin and not (self.pin.isdigit() and 4 <= len(self.pin) <= 8):
            raise InvalidValue("proof.pin", "must be the 4-8 digits the recipient gave")


@dataclass(frozen=True)
class TrackingEvent:
    """One event a partner reported about a booking (by webhook or when asked); a delivery
    may carry the partner's ``proof``."""

    event_id: str
    booking_id: str
    status: PartnerStatus
    at: datetime
    barcode: str = ""  # the parcel, when the partner reports per parcel; "": every parcel
    reason: str = ""  # a failure's reason in the partner's words
    note: str = ""
    proof: PartnerProof | None = None

    def __post_init__(self) -> None:
        text("event_id", self.event_id, max_length=200)
        aware("at", self.at)
        if self.proof is not None and self.status is not PartnerStatus.DELIVERED:
            raise InvalidValue("proof", "only a delivered event carries a proof of delivery")


# -- the record of a hand-off -----------------------------------------------------------------


class HandoffStatus(StrEnum):
    BOOKED = "booked"  # booked with the partner, no event yet beyond the booking
    IN_PROGRESS = "in_progress"  # the partner has reported it has the parcel(s)
    DELIVERED = "delivered"
    RETURNED = "returned"  # the partner brought it back; the order is the station's again
    CANCELLED = "cancelled"


OPEN = frozenset({HandoffStatus.BOOKED, HandoffStatus.IN_PROGRESS})


@dataclass
class Handoff:
    """An order handed to a partner carrier. ``label_pdf`` is kept in the database with the
    row: a label is a few kilobytes, is written once with the booking (so in its
    transaction), and belongs to this row alone; proof files live on disk because they are
    large images uploaded before the event that names them."""

    id: str
    organisation_id: str
    order_id: str
    carrier_id: str
    carrier_code: str
    service_level: ServiceLevel
    service_date: date
    booking_id: str
    tracking_number: str
    created_at: datetime
    status: HandoffStatus = HandoffStatus.BOOKED
    label_pdf: bytes = b""
    cancelled_at: datetime | None = None
    last_event_at: datetime | None = None

    def __post_init__(self) -> None:
        aware("created_at", self.created_at)
        text("booking_id", self.booking_id, max_length=100)
        text("tracking_number", self.tracking_number, max_length=100)

    @property
    def open(self) -> bool:
        return self.status in OPEN


def status_after(current: HandoffStatus, event: PartnerStatus) -> HandoffStatus:
    """The hand-off's status after a partner event (a cancelled one stays cancelled)."""
    if current is HandoffStatus.CANCELLED:
        return current
    if event is PartnerStatus.DELIVERED:
        return HandoffStatus.DELIVERED
    if event is PartnerStatus.RETURNED:
        return HandoffStatus.RETURNED
    if current in (HandoffStatus.DELIVERED, HandoffStatus.RETURNED):
        return current  # a late event of the trip changes nothing
    return HandoffStatus.IN_PROGRESS


def scan_id(carrier_code: str, partner_event_id: str, barcode: str) -> str:
    """A scan event id made from the partner's event id: the same partner event (resent)
    always makes the same scan, so it is stored once. Hashed, because partners' ids may hold
    any characters and scan ids are 8-64 of [A-Za-z0-9._:-]."""
    digest = hashlib.sha256(f"{carrier_code}\x1f{partner_event_id}\x1f{barcode}".encode())
    return f"pe:{digest.hexdigest()[:40]}"


@dataclass(frozen=True)
class CarrierConnection:
    """How doorstep talks to a partner's API and checks its webhooks. The webhook secret is
    stored as it is given (``whsec_`` + base64), as integrators' webhook secrets are: verifying
    an HMAC needs the secret itself, so a hash would not do."""

    organisation_id: str
    carrier_id: str
    adapter: str  # which translator: "generic_partner"
    base_url: str
    api_key: str
    webhook_secret: str
    updated_at: datetime

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise InvalidValue("base_url", "must be an http(s) URL, e.g. https://api.partner.fi/v1")
        if self.adapter != "generic_partner":
            raise InvalidValue("adapter", "the one adapter is generic_partner")
        aware("updated_at", self.updated_at)
