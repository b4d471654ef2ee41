"""Rate shopping leaves out a partner that cannot bring the proof an order asks for."""

from __future__ import annotations

from doorstep.domain.carriers import AGE_CHECK, CarrierKind
from doorstep.domain.orders import ProofKind, ProofRequirement
from doorstep.domain.rate_shopping import judge, needed_level
from tests.domain.test_rate_shopping import HELSINKI, MONDAY_10, carrier, order


def reasons(proof: ProofRequirement, **changes: object) -> tuple[str, ...]:
    wanted = order(proof=proof)
    need = needed_level(wanted, MONDAY_10, HELSINKI)
    option = judge(
        carrier(**changes), wanted, need, None, used_parcels=0, booked_at=MONDAY_10, zone=HELSINKI
    )
    return tuple(r for r in option.reasons if "rate card" not in r)


def test_a_partner_without_the_proof_is_excluded_with_the_reason() -> None:
    signature = ProofRequirement(ProofKind.SIGNATURE)
    assert reasons(signature) == ("the order needs a signature proof, which it does not capture",)
    assert reasons(signature, proofs=frozenset({ProofKind.SIGNATURE})) == ()
    photo = ProofRequirement(ProofKind.PHOTO)
    assert reasons(photo, proofs=frozenset({ProofKind.SIGNATURE})) == (
        "the order needs a photo proof, which it does not capture",
    )
    assert reasons(ProofRequirement()) == ()
    assert reasons(signature, kind=CarrierKind.OWN_FLEET) == ()  # drivers capture every kind


def test_an_age_check_is_reported_once_as_the_tag() -> None:
    adult = ProofRequirement(ProofKind.MINIMUM_AGE, 18)
    assert reasons(adult) == ("it does not handle age_check",)
    assert reasons(adult, handles=frozenset({AGE_CHECK})) == ()
