"""Orders and their values: parcels, proof of delivery, recipient, address and windows."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from doorstep.domain.errors import InvalidValue
from doorstep.domain.orders import (
    Address,
    Order,
    OrderKind,
    Parcel,
    ProofKind,
    ProofRequirement,
    Recipient,
)
from doorstep.domain.schedules import TimeWindow

T0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def order(**changes: Any) -> Order:
    fields: dict[str, Any] = {
        "id": "ord_1",
        "organisation_id": "org_1",
        "shipper": "acme",
        "shipper_reference": "R-1",
        "kind": OrderKind.DELIVERY,
        "recipient": Recipient("Ann"),
        "address": Address("Main St 1"),
        "created_at": T0,
    }
    return Order(**(fields | changes))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weight_kg": -0.1}, "parcels.weight_kg"),
        ({"weight_kg": math.nan}, "parcels.weight_kg"),
        ({"height_cm": -1.0}, "parcels.height_cm"),
        ({"barcode": ""}, "parcels.barcode"),
        ({"barcode": "HAS SPACE"}, "parcels.barcode"),
        ({"barcode": "x" * 65}, "parcels.barcode"),
        ({"barcode": "ÄÖ123"}, "parcels.barcode"),
    ],
)
def test_bad_parcels_are_refused(changes: dict[str, Any], field: str) -> None:
    """Barcodes are 1-64 printable ASCII characters; sizes and weights are finite and >= 0."""
    with pytest.raises(InvalidValue) as raised:
        Parcel(**({"barcode": "P-1"} | changes))
    assert raised.value.field == field


def test_parcel_volume_and_order_weight() -> None:
    """Volume is in litres from centimetres; an order weighs as much as its parcels together."""
    parcels = (Parcel("A", 2.5, 10, 20, 30), Parcel("B", 1.5))
    assert parcels[0].volume_l == 6.0
    assert order(parcels=parcels).weight_kg == 4.0


def test_duplicate_barcodes_in_one_order_are_refused() -> None:
    """Each parcel needs its own barcode, or a scan could not tell them apart."""
    with pytest.raises(InvalidValue) as raised:
        order(parcels=(Parcel("A"), Parcel("B"), Parcel("A")))
    assert raised.value.field == "parcels"


@pytest.mark.parametrize(
    ("kind", "age"),
    [
        (ProofKind.MINIMUM_AGE, None),
        (ProofKind.MINIMUM_AGE, 0),
        (ProofKind.MINIMUM_AGE, 100),
        (ProofKind.SIGNATURE, 18),
        (ProofKind.NONE, 18),
    ],
)
def test_minimum_age_proof_rules(kind: ProofKind, age: int | None) -> None:
    """A minimum-age proof needs an age of 1-99; any other proof kind must not carry one."""
    with pytest.raises(InvalidValue) as raised:
        ProofRequirement(kind, age)
    assert raised.value.field == "proof.minimum_age_years"


def test_valid_minimum_age_proof() -> None:
    """The boundary ages 1 and 99 are accepted for a minimum-age proof."""
    assert ProofRequirement(ProofKind.MINIMUM_AGE, 1).minimum_age_years == 1
    assert ProofRequirement(ProofKind.MINIMUM_AGE, 99).minimum_age_years == 99


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Recipient(""), "recipient.name"),
        (lambda: Recipient("Ann", email="a" * 255), "recipient.email"),
        (lambda: Recipient("Ann", phone="1" * 41), "recipient.phone"),
        (lambda: Address(""), "address.as_given"),
        (lambda: Address("Main St 1", country="FIN"), "address.country"),
        (lambda: order(shipper=""), "shipper"),
        (lambda: order(service_duration_s=-1), "service_duration_s"),
    ],
)
def test_bad_order_values_name_their_field(build: Any, field: str) -> None:
    """Each broken rule of an order's values raises InvalidValue naming that field."""
    with pytest.raises(InvalidValue) as raised:
        build()
    assert raised.value.field == field


def test_good_contact_details_are_accepted() -> None:
    """International phone numbers and plain e-mail addresses are fine."""
    recipient = Recipient("Ann", phone="+358 40 123 4567", email="ann@example.com")
    assert recipient.phone.startswith("+358")


def test_overlapping_order_windows_are_refused() -> None:
    """An order's alternative windows must not overlap."""
    first = TimeWindow(T0, T0 + timedelta(hours=2))
    second = TimeWindow(T0 + timedelta(hours=1), T0 + timedelta(hours=3))
    with pytest.raises(InvalidValue) as raised:
        order(time_windows=(first, second))
    assert raised.value.field == "time_windows"
