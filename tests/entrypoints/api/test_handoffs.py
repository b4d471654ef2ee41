"""Hand-offs to a partner carrier over HTTP, against a real fake partner on loopback.

The acceptance test of issue 10: a partner's webhook events, shuffled and repeated, give the
same order states and KPIs as the own fleet's scans of the same delivery outcomes. KPI rule
for partner deliveries: the partner's event time is the scan's device time, so an order is on
time when its ``delivered`` event falls in the order's window, first-attempt when no
``failed`` event came before it, and a ``failed`` event opens the failed-attempt case.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Role
from doorstep.domain.webhooks import new_secret, signed_headers
from doorstep.services.authorization import system_principal
from doorstep.services.carriers import SAMPLE_CARRIERS
from doorstep.services.kpis import order_kpis
from tests.entrypoints.api.conftest import Tenant, order_body, station_body, straight_lines
from tests.support.partner import API_KEY, LABEL, Partner, partner_server

CARRIER = "kaupunkikuriiri"
SECRET = new_secret(bytes(range(32)))
DAY = date(2026, 11, 23)
CSV = {"Content-Type": "text/csv"}
FAR = datetime(2100, 1, 1, tzinfo=UTC)


@pytest.fixture
def container(container: Container) -> Iterator[Container]:
    with straight_lines(container) as own:
        yield own


@pytest.fixture
def partner() -> Iterator[Partner]:
    with partner_server() as running:
        yield running


def created(client: TestClient, tenant: Tenant, path: str, body: dict[str, Any]) -> str:
    answer = client.post(f"/api/v1/{path}", json=body, headers=tenant.admin)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def order(client: TestClient, tenant: Tenant, reference: str, barcode: str) -> str:
    """An order like the others but for its recipient (the same recipient, address and day
    twice would be held as a likely duplicate)."""
    body = {**order_body(reference, barcode), "proof": {"kind": "none"}}
    body["recipient"] = {**body["recipient"], "name": f"Recipient {reference}"}
    return created(client, tenant, "orders", body)


def connected(client: TestClient, tenant: Tenant, partner: Partner) -> dict[str, Any]:
    """The sample carriers imported and the partner's API connected (secret SECRET); the
    connection as shown back."""
    answer = client.post(
        "/api/v1/carriers:import?kind=carriers",
        content=SAMPLE_CARRIERS.read_bytes(),
        headers=tenant.as_(Role.ADMIN, **CSV),
    )
    assert answer.status_code == 200, answer.text
    connection = {"base_url": partner.url, "api_key": API_KEY, "webhook_secret": SECRET}
    answer = client.put(
        f"/api/v1/carriers/{CARRIER}/connection", json=connection, headers=tenant.admin
    )
    assert answer.status_code == 200, answer.text
    shown: dict[str, Any] = answer.json()
    return shown


@pytest.fixture
def setup(client: TestClient, tenant_a: Tenant, partner: Partner) -> Tenant:
    created(client, tenant_a, "stations", station_body())
    shown = connected(client, tenant_a, partner)
    # The connection's own URL: its carrier id says whose events they are.
    assert shown["webhook_url"] == f"/api/v1/carrier-webhooks/{CARRIER}/{shown['carrier_id']}"
    assert "api_key" not in shown
    assert "webhook_secret" not in shown
    return tenant_a


def hand_off(client: TestClient, tenant: Tenant, order_id: str, key: str = "") -> Any:
    headers = tenant.as_(Role.PLANNER, **({"Idempotency-Key": key} if key else {}))
    body = {"carrier": CARRIER, "service_level": "same_day"}
    return client.post(f"/api/v1/orders/{order_id}:hand-off", json=body, headers=headers)


def webhook(
    client: TestClient, events: list[dict[str, Any]], msg_id: str, path: str = CARRIER
) -> Any:
    """Sent to the carrier's shared URL, or with ``path`` code/carrier id to a connection's."""
    body = json.dumps({"events": events}).encode()
    headers = signed_headers(SECRET, msg_id, int(time.time()), body)
    headers["Content-Type"] = "application/json"
    return client.post(f"/api/v1/carrier-webhooks/{path}", content=body, headers=headers)


def partner_event(booking: str, n: int, status: str, hhmm: str, reason: str = "") -> dict[str, Any]:
    return {
        "id": f"evt_{booking}_{n}",
        "shipment_id": booking,
        "status": status,
        "occurred_at": f"2026-11-23T{hhmm}:00+02:00",
        "parcel": None,
        "reason": reason or None,
        "note": "",
    }


# The same outcomes played by each side: (own-fleet scan kind, partner status, time, reason).
START = [
    ("receive", "picked_up", "07:00"),
    ("sort", "in_transit", "07:10"),
    ("load", "in_transit", "07:20"),
    ("depart", "out_for_delivery", "08:00"),
]
OUTCOMES = {
    "delivered": [("deliver", "delivered", "10:30")],
    "failed_then_delivered": [("fail", "failed", "10:00"), ("deliver", "delivered", "11:30")],
    "failed_then_returned": [("fail", "failed", "10:00"), ("receive", "returned", "13:00")],
    "delivered_late": [("deliver", "delivered", "12:30")],
}
EXTRA = {
    "sort": {"lane": "A3"},
    "load": {"vehicle_id": "veh_x"},
    "fail": {"reason": "recipient_absent"},
}


def own_scans(barcode: str, steps: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    return [
        {
            "id": f"own-{barcode}-{n:03d}",
            "kind": kind,
            "barcode": barcode,
            "device_time": f"2026-11-23T{hhmm}:00+02:00",
            "device": "tc52-07",
            **EXTRA.get(kind, {}),
        }
        for n, (kind, _, hhmm) in enumerate(steps)
    ]


def partner_events(booking: str, steps: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    return [
        partner_event(booking, n, status, hhmm, "not_home" if status == "failed" else "")
        for n, (_, status, hhmm) in enumerate(steps)
    ]


def parcel_state(container: Container, org: str, barcode: str) -> tuple[Any, ...]:
    with container.reader() as uow:
        state = uow.scans.context(org, [barcode]).states[barcode]
    return (state.status, state.attempts, state.last_reason, state.last_event_at)


@pytest.mark.parametrize("outcome", sorted(OUTCOMES))
def test_partner_webhooks_give_the_same_states_and_kpis_as_own_fleet_scans(
    client: TestClient, container: Container, setup: Tenant, partner: Partner, outcome: str
) -> None:
    tenant = setup
    own = order(client, tenant, "OWN-1", "PARCEL-OWN")
    theirs = order(client, tenant, "PX-1", "PARCEL-PX")
    answer = hand_off(client, tenant, theirs, key="hand-off-px-1")
    assert answer.status_code == 201, answer.text
    booking = answer.json()["booking_id"]
    got = client.get(f"/api/v1/orders/{theirs}", headers=tenant.admin).json()
    assert got["status"] == "handed_off"
    steps = START + OUTCOMES[outcome]

    # own fleet: the driver's and the station's scans, in order
    scans = own_scans("PARCEL-OWN", steps)
    answer = client.post("/api/v1/events", json={"events": scans}, headers=tenant.as_(Role.DRIVER))
    assert answer.status_code == 200, answer.text
    assert answer.json()["counts"]["problems"] == 0

    # partner: the same outcomes by webhook, shuffled, with duplicates, in three requests
    events = partner_events(booking, steps)
    sent = events + random.Random(outcome).sample(events, k=3)
    random.Random(7).shuffle(sent)
    thirds = [sent[n::3] for n in range(3)]
    for n, batch in enumerate(thirds):
        answer = webhook(client, batch, f"msg_{n}")
        assert answer.status_code == 200, answer.text
        assert answer.json()["unknown_bookings"] == []
    again = webhook(client, thirds[0], "msg_0")  # a resent webhook changes nothing
    assert again.json()["scans"]["stored"] == 0

    org = tenant.org_id
    statuses = [
        client.get(f"/api/v1/orders/{o}", headers=tenant.admin).json()["status"]
        for o in (own, theirs)
    ]
    assert statuses[0] == statuses[1]
    assert parcel_state(container, org, "PARCEL-OWN") == parcel_state(container, org, "PARCEL-PX")
    principal = system_principal(org)
    own_kpis = order_kpis(principal, [own], DAY, uow=container.reader())
    their_kpis = order_kpis(principal, [theirs], DAY, uow=container.reader())
    assert own_kpis == their_kpis
    expected = {
        "delivered": ("delivered", "1/1", "1/1", {}),
        "failed_then_delivered": ("delivered", "1/1", "0/1", {"failed_attempt": 1}),
        "failed_then_returned": ("received", "0/0", "0/1", {"failed_attempt": 1}),
        "delivered_late": ("delivered", "0/1", "1/1", {}),
    }[outcome]
    # Cases open at the server's time (now, not the events' day), so they are compared whole.
    assert cases_of(container, org, own) == cases_of(container, org, theirs)
    shown = (
        statuses[1],
        str(their_kpis.on_time),
        str(their_kpis.first_attempt),
        dict(Counter(t for t, _ in cases_of(container, org, theirs))),
    )
    assert shown == expected
    handoff = client.get(f"/api/v1/handoffs/{answer_id(client, tenant)}", headers=tenant.admin)
    final = {"failed_then_returned": "returned"}.get(outcome, "delivered")
    assert handoff.json()["status"] == final


def cases_of(container: Container, org: str, order_id: str) -> list[tuple[str, str]]:
    """The order's exception cases as (type, status), whenever opened."""
    with container.reader() as uow:
        found = uow.exceptions.opened_between(org, datetime.min.replace(tzinfo=UTC), FAR)
    return sorted((c.type.value, c.status.value) for c in found if c.order_id == order_id)


def answer_id(client: TestClient, tenant: Tenant) -> str:
    (only,) = client.get("/api/v1/handoffs?date=2026-11-23", headers=tenant.admin).json()
    return str(only["id"])


def test_a_hand_off_books_once_stores_the_label_and_lists_in_the_manifest(
    client: TestClient, setup: Tenant, partner: Partner
) -> None:
    tenant = setup
    theirs = order(client, tenant, "PX-2", "PARCEL-PX2")
    first = hand_off(client, tenant, theirs, key="k-1")
    again = hand_off(client, tenant, theirs, key="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert len(partner.state.bookings()) == 1
    sent = partner.state.bookings()[0]
    assert sent.headers["idempotency-key"] == f"{theirs}:1"
    assert sent.json()["reference"] == theirs
    assert sent.json()["parcels"][0]["barcode"] == "PARCEL-PX2"
    assert sent.json()["delivery_window"] == {
        "from": "2026-11-23T09:00:00+02:00",
        "until": "2026-11-23T12:00:00+02:00",
    }
    handoff = first.json()
    assert handoff["tracking_number"] == "PX00000001FI"
    label = client.get(handoff["label_url"], headers=tenant.admin)
    assert label.headers["content-type"] == "application/pdf"
    assert label.content == LABEL
    manifest = client.get(
        f"/api/v1/carriers/{CARRIER}/manifest.pdf?date=2026-11-23", headers=tenant.admin
    )
    assert manifest.status_code == 200, manifest.text
    assert manifest.content.startswith(b"%PDF")
    listed = client.get("/api/v1/handoffs?date=2026-11-23", headers=tenant.admin).json()
    assert [h["id"] for h in listed] == [handoff["id"]]
    assert client.get("/api/v1/handoffs?date=2026-11-24", headers=tenant.admin).json() == []
    # handed off: a second hand-off is refused, and so is planning it (not plannable)
    twice = hand_off(client, tenant, theirs)
    assert twice.status_code == 409
    assert "handed off already" in twice.json()["detail"]
    # The customer's page names the partner and its tracking number.
    link = client.post(f"/api/v1/orders/{theirs}/tracking-link", headers=tenant.admin).json()
    page = client.get(f"/t/{link['token']}")
    assert "PX00000001FI" in page.text
    shown = client.get(f"/api/v1/track/{link['token']}").json()
    assert shown["partner"]["tracking_number"] == "PX00000001FI"


def test_cancel_before_pickup_brings_the_order_back_and_after_is_refused(
    client: TestClient, setup: Tenant, partner: Partner
) -> None:
    tenant = setup
    theirs = order(client, tenant, "PX-3", "PARCEL-PX3")
    handoff = hand_off(client, tenant, theirs).json()
    cancelled = client.post(f"/api/v1/handoffs/{handoff['id']}:cancel", headers=tenant.admin)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert partner.state.cancelled == {handoff["booking_id"]}
    got = client.get(f"/api/v1/orders/{theirs}", headers=tenant.admin).json()
    assert got["status"] == "ready"  # where it stood before: it never reached the station
    # handed off again: a new booking with a new key; events then make it uncancellable
    second = hand_off(client, tenant, theirs).json()
    assert partner.state.bookings()[-1].headers["idempotency-key"] == f"{theirs}:2"
    webhook(client, [partner_event(second["booking_id"], 1, "picked_up", "08:00")], "m1")
    refused = client.post(f"/api/v1/handoffs/{second['id']}:cancel", headers=tenant.admin)
    assert refused.status_code == 409
    assert "ask it to return the parcel" in refused.json()["detail"]


def test_events_pulled_from_the_partner_apply_once(
    client: TestClient, setup: Tenant, partner: Partner
) -> None:
    tenant = setup
    theirs = order(client, tenant, "PX-4", "PARCEL-PX4")
    handoff = hand_off(client, tenant, theirs).json()
    booking = handoff["booking_id"]
    partner.state.events[booking] = partner_events(booking, START + OUTCOMES["delivered"])
    url = f"/api/v1/handoffs/{handoff['id']}:pull-events"
    first = client.post(url, headers=tenant.admin)
    assert first.status_code == 200, first.text
    assert first.json()["scans"]["stored"] == 5
    assert client.post(url, headers=tenant.admin).json()["scans"]["duplicate"] == 5
    got = client.get(f"/api/v1/orders/{theirs}", headers=tenant.admin).json()
    assert got["status"] == "delivered"


def test_a_webhook_must_be_signed_with_the_carriers_secret(
    client: TestClient, setup: Tenant
) -> None:
    body = json.dumps({"events": []}).encode()
    forged = signed_headers(new_secret(b"x" * 32), "m1", int(time.time()), body)
    answer = client.post(f"/api/v1/carrier-webhooks/{CARRIER}", content=body, headers=forged)
    assert answer.status_code == 401
    assert "no v1 signature matches" in answer.json()["detail"]
    unsigned = client.post(f"/api/v1/carrier-webhooks/{CARRIER}", content=body)
    assert unsigned.status_code == 401
    nobody = client.post("/api/v1/carrier-webhooks/no-such-carrier", content=body, headers=forged)
    assert nobody.status_code == 404


def test_one_secret_in_two_organisations_is_told_apart_by_the_connections_url(
    client: TestClient, setup: Tenant, tenant_b: Tenant, partner: Partner
) -> None:
    """An operator who gives two organisations' connections the same secret: the shared URL
    cannot tell whose events they are and refuses them (before, the first organisation by id
    got them); each connection's own URL still works."""
    prefix = "/api/v1/carrier-webhooks/"
    url_of = {setup.slug: connected(client, setup, partner)["webhook_url"].removeprefix(prefix)}
    url_of[tenant_b.slug] = connected(client, tenant_b, partner)["webhook_url"].removeprefix(prefix)
    assert url_of[setup.slug] != url_of[tenant_b.slug]
    theirs = order(client, setup, "PX-9", "PARCEL-PX9")
    booking = hand_off(client, setup, theirs).json()["booking_id"]
    events = partner_events(booking, START)
    status = client.get(f"/api/v1/orders/{theirs}", headers=setup.admin).json()["status"]

    shared = webhook(client, events, "m-shared")
    assert shared.status_code == 409, shared.text
    assert f"/api/v1/carrier-webhooks/{CARRIER}/<carrier id>" in shared.json()["detail"]
    assert client.get(f"/api/v1/orders/{theirs}", headers=setup.admin).json()["status"] == status
    # To the other organisation's connection: its own secret verifies, but the booking is not
    # one of its hand-offs.
    other = webhook(client, events, "m-b", url_of[tenant_b.slug])
    assert other.status_code == 200, other.text
    assert other.json()["unknown_bookings"] == [booking]
    mine = webhook(client, events, "m-a", url_of[setup.slug])
    assert mine.status_code == 200, mine.text
    assert mine.json()["unknown_bookings"] == []
    assert mine.json()["scans"]["stored"] == len(START)
    nobody = webhook(client, events, "m-x", f"{CARRIER}/car_nosuch")
    assert nobody.status_code == 404, nobody.text


def test_a_partners_refusal_is_a_clear_error_and_stores_nothing(
    client: TestClient, setup: Tenant, partner: Partner
) -> None:
    tenant = setup
    theirs = order(client, tenant, "PX-5", "PARCEL-PX5")
    partner.state.fail_next.append((422, {"error": {"message": "postcode not served"}}))
    hooks, client.event_hooks = client.event_hooks, {"response": []}  # a 502 is expected here
    answer = hand_off(client, tenant, theirs)
    client.event_hooks = hooks
    assert answer.status_code == 502
    assert answer.json()["detail"] == f"carrier {CARRIER}: HTTP 422: postcode not served"
    got = client.get(f"/api/v1/orders/{theirs}", headers=tenant.admin).json()
    assert got["status"] == "ready"
    assert client.get("/api/v1/handoffs", headers=tenant.admin).json() == []
