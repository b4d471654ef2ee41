"""Hand-offs over HTTP against the fake partner on loopback: a partner's proof of delivery
arrives by signed webhook and is stored as a driver's is; no transaction is held while the
partner books; a repeated Idempotency-Key answers the first hand-off, even once cancelled."""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Role
from doorstep.domain.orders import ProofKind
from tests.entrypoints.api.conftest import Tenant, order_body
from tests.entrypoints.api.test_handoffs import (
    CARRIER,
    container,
    created,
    hand_off,
    partner,
    partner_event,
    setup,
    webhook,
)
from tests.support.partner import Hold, Partner

__all__ = ["container", "partner", "setup"]  # fixtures

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(48))
WAIT_S = 30  # only so that a broken test ends; nothing is timed


def signed_order(client: TestClient, tenant: Tenant, reference: str, barcode: str) -> str:
    body = {**order_body(reference, barcode), "proof": {"kind": "signature"}}
    body["recipient"] = {**body["recipient"], "name": f"Recipient {reference}"}
    return created(client, tenant, "orders", body)


def declare_proofs(container: Container, tenant: Tenant, *kinds: ProofKind) -> None:
    """The partner's ``proofs`` cell, stored as an import of the carrier file would."""
    with container.uow() as uow:
        found = uow.carriers.get_by_code(tenant.org_id, CARRIER)
        assert found is not None
        uow.carriers.update(replace(found, proofs=frozenset(kinds)))
        uow.commit()


def test_a_partners_signature_arrives_by_webhook_and_delivers_the_order_with_proof(
    client: TestClient, container: Container, setup: Tenant, partner: Partner
) -> None:
    tenant = setup
    declare_proofs(container, tenant)  # none, whatever the sample file says
    theirs = signed_order(client, tenant, "SIG-1", "PARCEL-SIG1")
    refused = hand_off(client, tenant, theirs)
    assert refused.status_code == 409
    assert f"{CARRIER} does not capture that proof" in refused.json()["detail"]
    assert partner.state.bookings() == []
    declare_proofs(container, tenant, ProofKind.SIGNATURE)
    answer = hand_off(client, tenant, theirs)
    assert answer.status_code == 201, answer.text
    booking = answer.json()["booking_id"]

    bare = partner_event(booking, 1, "delivered", "14:00")
    shown = webhook(client, [bare], "m-bare").json()
    assert shown["scans"]["rejected"] == 1
    assert shown["rejected"] == [
        "PARCEL-SIG1: proof: this order needs the recipient's signature and name"
    ]
    got = client.get(f"/api/v1/orders/{theirs}", headers=tenant.admin).json()
    assert got["status"] == "handed_off"

    proof: dict[str, Any] = {
        "recipient_name": "Aino Virtanen",
        "signature": {"media_type": "image/png", "data": base64.b64encode(PNG).decode()},
        "photo": None,
        "pin": None,
        "age_verified": False,
    }
    signed = {**partner_event(booking, 2, "delivered", "14:05"), "proof": proof}
    shown = webhook(client, [signed], "m-signed").json()
    assert (shown["scans"]["stored"], shown["rejected"]) == (1, [])
    got = client.get(f"/api/v1/orders/{theirs}", headers=tenant.admin).json()
    assert got["status"] == "delivered"
    sha = hashlib.sha256(PNG).hexdigest()
    image = client.get(f"/api/v1/proof-files/{sha}", headers=tenant.admin)
    assert image.status_code == 200, image.text
    assert (image.content, image.headers["content-type"]) == (PNG, "image/png")
    link = client.post(f"/api/v1/orders/{theirs}/tracking-link", headers=tenant.admin).json()
    tracked = client.get(f"/api/v1/track/{link['token']}").json()
    assert tracked["proof"]["recipient_name"] == "Aino Virtanen"
    assert tracked["proof"]["files"] == [sha]


@pytest.mark.parametrize("backend", ["sqlite"])  # where a held write lock stops every writer
def test_other_writes_go_on_while_the_partner_books_and_a_retry_answers_the_first(
    client: TestClient, setup: Tenant, partner: Partner
) -> None:
    tenant = setup
    theirs = created(
        client,
        tenant,
        "orders",
        {**order_body("SLOW-1", "PARCEL-SLOW"), "proof": {"kind": "none"}},
    )
    body = order_body("OTHER-1", "PARCEL-OTHER")
    body["recipient"] = {**body["recipient"], "name": "Someone else"}
    created(client, tenant, "orders", body)
    hold = Hold()
    partner.state.hold_next.append(hold)  # the booking is made, its answer held
    finished: list[str] = []
    answers: dict[str, Any] = {}
    scanned = threading.Event()

    def book() -> None:
        answers["hand-off"] = hand_off(client, tenant, theirs, key="slow-key")
        finished.append("hand-off")

    def scan() -> None:
        event = {
            "id": "station-0001",
            "kind": "receive",
            "barcode": "PARCEL-OTHER",
            "device_time": "2026-11-23T07:00:00+02:00",
            "device": "tc52-07",
        }
        headers = tenant.as_(Role.STATION_ASSOCIATE)
        answers["scan"] = client.post("/api/v1/events", json={"events": [event]}, headers=headers)
        finished.append("scan")
        scanned.set()

    booking = threading.Thread(target=book)
    booking.start()
    try:
        assert hold.arrived.wait(WAIT_S), "the partner was never asked to book"
        writer = threading.Thread(target=scan)
        writer.start()
        # With the write lock held during the partner's call, the scan would wait for the
        # booking's answer, which waits for this: the scan ends second (or not at all).
        scanned.wait(WAIT_S)
    finally:
        hold.release.set()
        booking.join(WAIT_S)
    writer.join(WAIT_S)
    assert finished == ["scan", "hand-off"]
    assert answers["scan"].status_code == 200, answers["scan"].text
    assert answers["scan"].json()["counts"]["stored"] == 1
    first = answers["hand-off"]
    assert first.status_code == 201, first.text

    # The same key again answers the first hand-off, without asking the partner.
    again = hand_off(client, tenant, theirs, key="slow-key")
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    assert len(partner.state.bookings()) == 1
    # Cancelled, then the same key once more: still the first answer, and no new booking.
    handoff_id = first.json()["id"]
    cancelled = client.post(f"/api/v1/handoffs/{handoff_id}:cancel", headers=tenant.admin)
    assert cancelled.status_code == 200, cancelled.text
    late = hand_off(client, tenant, theirs, key="slow-key")
    assert (late.status_code, late.json()) == (201, first.json())
    assert len(partner.state.bookings()) == 1
    assert len(partner.state.shipments) == 1
    got = client.get(f"/api/v1/orders/{theirs}", headers=tenant.admin).json()
    assert got["status"] == "ready"
    listed = client.get("/api/v1/handoffs", headers=tenant.admin).json()
    assert [(h["id"], h["status"]) for h in listed] == [(handoff_id, "cancelled")]
    # Another request with the key but another body is refused, naming the header.
    other = client.post(
        f"/api/v1/orders/{theirs}:hand-off",
        json={"carrier": CARRIER, "service_level": "next_day"},
        headers=tenant.as_(Role.PLANNER, **{"Idempotency-Key": "slow-key"}),
    )
    assert other.status_code == 422
    assert "Idempotency-Key" in other.text
