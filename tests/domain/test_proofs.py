"""Proof of delivery against what the order asks for."""

from __future__ import annotations

import pytest

from doorstep.domain.errors import InvalidValue
from doorstep.domain.orders import ProofKind, ProofRequirement
from doorstep.domain.proofs import Proof, check_file, missing

H = "a" * 64
K = ProofKind


@pytest.mark.parametrize(
    ("kind", "enough", "short"),
    [
        (K.SIGNATURE, Proof("Ann", signature_sha256=H), Proof(signature_sha256=H)),
        (K.PHOTO, Proof(photo_sha256=H), Proof("Ann")),
        (K.PIN, Proof(pin="1234"), Proof("Ann")),
        (K.MINIMUM_AGE, Proof("Ann", age_verified=True), Proof("Ann")),
    ],
)
def test_each_kind_needs_its_own_proof(kind: ProofKind, enough: Proof, short: Proof) -> None:
    age = 18 if kind is K.MINIMUM_AGE else None
    requirement = ProofRequirement(kind, age)
    assert missing(requirement, enough) is None
    assert missing(requirement, short) is not None
    assert missing(requirement, None) is not None


def test_a_safe_place_or_a_neighbour_needs_a_photo_and_not_an_in_person_order() -> None:
    none = ProofRequirement()
    assert missing(none, None) is None
    assert "needs a photo" in (missing(none, Proof(safe_place="porch")) or "")
    assert missing(none, Proof(neighbour="B 12", photo_sha256=H)) is None
    signature = ProofRequirement(K.SIGNATURE)
    left = Proof("Ann", signature_sha256=H, photo_sha256=H, safe_place="porch")
    assert "must be handed to the recipient" in (missing(signature, left) or "")


def test_bad_proof_values_name_the_field() -> None:
    with pytest.raises(InvalidValue, match=r"proof\.signature_sha256"):
        Proof(signature_sha256="not-a-hash")
    with pytest.raises(InvalidValue, match=r"proof\.pin"):
        Proof(pin="12ab")
    with pytest.raises(InvalidValue, match="first bytes"):
        check_file("image/jpeg", b"\x89PNG\r\n\x1a\n...")
    with pytest.raises(InvalidValue, match="Content-Type"):
        check_file("image/gif", b"GIF89a")
