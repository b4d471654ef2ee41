"""Partners that capture proof: declared in the carrier file, checked at hand-off and in rate
shopping, and a delivered event's proof stored as a driver's is, so the order is delivered
with it (and without it, not)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from doorstep.adapters.proof_files import FileProofStore
from doorstep.domain.carriers import AGE_CHECK, Carrier, ServiceLevel
from doorstep.domain.errors import Conflict, InvalidValue
from doorstep.domain.handoffs import (
    MAX_PARTNER_IMAGE_BYTES,
    HandoffStatus,
    PartnerProof,
    PartnerStatus,
    ProofImage,
    TrackingEvent,
)
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import ProofKind, ProofRequirement
from doorstep.domain.scans import ScanKind
from doorstep.services.authorization import Principal
from doorstep.services.carriers import handoff
from doorstep.services.carriers.carrier_file import CarrierFileInvalid, read_carriers
from tests.services.carriers.test_handoff import (
    PARTNER,
    gateway,
    hports,
    partner,
    ready_order,
    status_of,
)
from tests.services.conftest import Ports
from tests.services.planning.test_runs import station

__all__ = ["gateway", "hports", "partner", "station"]  # fixtures

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40  # the signature: only its first bytes are checked
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 60
ROW = {
    "code": "lahetti",
    "name": "Lähetti",
    "kind": "partner",
    "service_levels": "same_day",
    "postcodes": "00",
    "cutoff": "14:00",
    "deliver_by": "21:00",
}


def test_the_carrier_file_reads_the_proofs_a_partner_captures() -> None:
    (draft,) = read_carriers([(2, ROW | {"proofs": "Signature, photo | PIN"})])
    assert draft.proofs == {ProofKind.SIGNATURE, ProofKind.PHOTO, ProofKind.PIN}
    (plain,) = read_carriers([(2, ROW)])
    assert plain.proofs == frozenset()
    with pytest.raises(CarrierFileInvalid) as caught:
        read_carriers(
            [
                (2, ROW | {"proofs": "signature name"}),
                (3, ROW | {"code": "b", "proofs": "age_check"}),
                (4, ROW | {"code": "c", "proofs": "fingerprint"}),
                (5, ROW | {"code": "own", "kind": "own_fleet", "proofs": "photo"}),
            ]
        )
    shown = [(p.row, p.column, p.problem) for p in caught.value.problems]
    assert shown == [
        (
            2,
            "proofs",
            "'name' is not a proof of its own: a signature always comes with the recipient's name",
        ),
        (3, "proofs", "'age_check' is not a proof listed here: an age check is a tag"),
        (4, "proofs", "'fingerprint' is not a proof a carrier captures"),
        (5, "proofs", "the own fleet's drivers capture every proof already"),
    ]


def _partner(ports: Ports, admin: Principal, **changes: object) -> Carrier:
    """The sample partner, changed as a re-import of its row would change it."""
    with ports.uow:
        found = ports.uow.carriers.get_by_code(admin.organisation_id, PARTNER)
        assert found is not None
        changed = replace(found, **changes)  # type: ignore[arg-type]
        ports.uow.carriers.update(changed)
        ports.uow.commit()
    return changed


def test_what_a_carrier_captures() -> None:
    from tests.domain.test_rate_shopping import carrier

    partner_ = carrier(proofs=frozenset({ProofKind.SIGNATURE}))
    assert partner_.captures(ProofKind.NONE)
    assert partner_.captures(ProofKind.SIGNATURE)
    assert not partner_.captures(ProofKind.PHOTO)
    assert not partner_.captures(ProofKind.MINIMUM_AGE)
    assert carrier(handles=frozenset({AGE_CHECK})).captures(ProofKind.MINIMUM_AGE)
    with pytest.raises(InvalidValue, match="minimum_age is not a proof a carrier declares"):
        carrier(proofs=frozenset({ProofKind.MINIMUM_AGE}))


@pytest.fixture
def store(tmp_path: Path) -> FileProofStore:
    return FileProofStore(tmp_path / "proofs")


@pytest.mark.usefixtures("partner")
def test_a_signature_order_goes_to_a_partner_that_captures_it_and_is_delivered_with_it(
    ports: Ports, admin: Principal, hports: handoff.HandoffPorts, store: FileProofStore
) -> None:
    hports = replace(hports, proofs=store)
    _partner(ports, admin, proofs=frozenset())  # the sample captures signatures: not here
    order = ready_order(ports, admin, "P-1", proof=ProofRequirement(ProofKind.SIGNATURE))
    with pytest.raises(Conflict) as refused:
        handoff.hand_off(admin, "P-1", PARTNER, ServiceLevel.SAME_DAY, ports=hports)
    assert str(refused.value) == (
        f"the order asks for a signature proof, and {PARTNER} does not capture that proof "
        "(the proofs it declares: none); deliver it with the own fleet or a partner that "
        "captures it"
    )
    _partner(ports, admin, proofs=frozenset({ProofKind.SIGNATURE, ProofKind.PHOTO}))
    made = handoff.hand_off(admin, "P-1", PARTNER, ServiceLevel.SAME_DAY, ports=hports)
    at = ports.clock.now() + timedelta(hours=3)

    # A delivery without the proof is refused, saying why; the order stays with the partner.
    bare = TrackingEvent("d-0", made.booking_id, PartnerStatus.DELIVERED, at)
    report = handoff.apply_events(admin, made.carrier_id, [bare], ports=hports)
    assert report.scans["rejected"] == 1
    assert report.rejected == ["B-P-1: proof: this order needs the recipient's signature and name"]
    assert status_of(ports, admin, order.id) is OrderStatus.HANDED_OFF
    # Nor does the hand-off read delivered (the board and the day's progress follow it).
    with ports.uow:
        booked = ports.uow.handoffs.by_booking(
            admin.organisation_id, made.carrier_id, made.booking_id
        )
    assert booked is not None
    assert booked.status is made.status

    proof = PartnerProof("Aino Virtanen", signature=ProofImage("image/png", PNG))
    signed = TrackingEvent("d-1", made.booking_id, PartnerStatus.DELIVERED, at, proof=proof)
    report = handoff.apply_events(admin, made.carrier_id, [signed], ports=hports)
    assert (report.scans["stored"], report.rejected) == (1, [])
    assert status_of(ports, admin, order.id) is OrderStatus.DELIVERED
    with ports.uow:
        booked = ports.uow.handoffs.by_booking(
            admin.organisation_id, made.carrier_id, made.booking_id
        )
    assert booked is not None
    assert booked.status is HandoffStatus.DELIVERED
    sha = hashlib.sha256(PNG).hexdigest()
    assert store.get(admin.organisation_id, sha) == (PNG, "image/png")
    with ports.uow:
        records = ports.uow.scans.of_barcodes(admin.organisation_id, ["B-P-1"])["B-P-1"]
    (delivery,) = [r.event for r in records if r.event.kind is ScanKind.DELIVER]
    assert delivery.proof is not None
    assert (delivery.proof.recipient_name, delivery.proof.signature_sha256) == (
        "Aino Virtanen",
        sha,
    )
    # The same event again (a resent webhook) is a duplicate: nothing stored twice.
    again = handoff.apply_events(admin, made.carrier_id, [signed], ports=hports)
    assert again.scans["duplicate"] == 1


@pytest.mark.usefixtures("partner")
def test_a_photo_proof_and_the_image_rules(
    ports: Ports, admin: Principal, hports: handoff.HandoffPorts, store: FileProofStore
) -> None:
    hports = replace(hports, proofs=store)
    order = ready_order(ports, admin, "P-2", proof=ProofRequirement(ProofKind.PHOTO))
    _partner(ports, admin, proofs=frozenset({ProofKind.PHOTO}))
    made = handoff.hand_off(admin, "P-2", PARTNER, ServiceLevel.SAME_DAY, ports=hports)
    photo = PartnerProof(photo=ProofImage("image/jpeg", JPEG))
    at = ports.clock.now() + timedelta(hours=2)
    event = TrackingEvent("d-2", made.booking_id, PartnerStatus.DELIVERED, at, proof=photo)
    assert handoff.apply_events(admin, made.carrier_id, [event], ports=hports).rejected == []
    assert status_of(ports, admin, order.id) is OrderStatus.DELIVERED
    with pytest.raises(InvalidValue, match="over the limit of 524288 bytes"):
        ProofImage("image/jpeg", b"\xff\xd8\xff" + b"\x00" * MAX_PARTNER_IMAGE_BYTES)
    with pytest.raises(InvalidValue, match="must be image/png or image/jpeg"):
        ProofImage("image/webp", b"RIFF....WEBP")
    with pytest.raises(InvalidValue, match="is not a image/png image"):
        ProofImage("image/png", JPEG)
    with pytest.raises(InvalidValue, match="only a delivered event carries a proof"):
        TrackingEvent("f-1", made.booking_id, PartnerStatus.FAILED, at, proof=photo)
