"""The recipient's tracking page over HTTP: a link per order that shows that order only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Role
from doorstep.services import tracking
from doorstep.services.authorization import system_principal
from tests.entrypoints.api.conftest import Tenant, order_body, station_body, straight_lines
from tests.entrypoints.api.test_plans import DAY, finished, orders, start
from tests.services.fakes import FakeClock

__all__ = ["orders"]  # a fixture, used by name

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)  # the day before DAY
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def container(container: Container) -> Iterator[Container]:
    """The test's container with straight-line travel and a clock standing at NOW."""
    with straight_lines(container, FakeClock(NOW)) as own:
        yield own


def issue(client: TestClient, tenant: Tenant, order_id: str) -> str:
    answer = client.post(f"/api/v1/orders/{order_id}/tracking-link", headers=tenant.admin)
    assert answer.status_code == 201, answer.text
    token = str(answer.json()["token"])
    assert answer.json()["page"] == f"/t/{token}"
    return token


def lines(client: TestClient, tenant: Tenant) -> list[dict[str, Any]]:
    """Plan and publish DAY; the sort plan's lines by stop."""
    job = finished(client, tenant, start(client, tenant)["id"])
    published = client.post(f"/api/v1/plans/{job['plan_id']}:publish", headers=tenant.admin)
    assert published.status_code == 200, published.text
    found = client.get(f"/api/v1/stations/HEL1/sort-plan?date={DAY}", headers=tenant.admin)
    return sorted(found.json()["lines"], key=lambda line: line["position"])


def scan(client: TestClient, tenant: Tenant, *events: dict[str, Any]) -> None:
    answer = client.post("/api/v1/events", json={"events": list(events)}, headers=tenant.admin)
    assert answer.status_code == 200, answer.text
    assert [r["problem"] for r in answer.json()["results"]] == [None] * len(events), answer.text


def depart(client: TestClient, tenant: Tenant, stops: list[dict[str, Any]]) -> None:
    events = []
    for n, line in enumerate(stops):
        code, when = line["barcode"], f"{DAY}T06:{n:02d}:00+02:00"
        events += [
            {"id": f"rcv-{code}", "kind": "receive", "barcode": code, "device_time": when},
            {"id": f"srt-{code}", "kind": "sort", "barcode": code, "device_time": when,
             "lane": line["lane"]},
            {"id": f"lod-{code}", "kind": "load", "barcode": code, "device_time": when,
             "vehicle_id": line["vehicle_id"]},
            {"id": f"dep-{code}", "kind": "depart", "barcode": code,
             "device_time": f"{DAY}T08:00:00+02:00"},
        ]  # fmt: skip
    scan(client, tenant, *events)


def deliver(client: TestClient, tenant: Tenant, line: dict[str, Any], n: int) -> str:
    """Deliver the stop's parcel at 09:0n with a signature of its own; its hash."""
    uploaded = client.post(
        "/api/v1/proof-files",
        content=PNG + bytes([n]),
        headers=tenant.as_(Role.DRIVER, **{"Content-Type": "image/png"}),
    )
    assert uploaded.status_code == 201, uploaded.text
    sha = str(uploaded.json()["sha256"])
    proof = {"recipient_name": "Matti", "signature_sha256": sha}
    scan(client, tenant, {
        "id": f"dlv-{line['barcode']}", "kind": "deliver", "barcode": line["barcode"],
        "device_time": f"{DAY}T09:0{n}:00+02:00", "position": {"lat": 60.17, "lon": 24.9 + n / 100},
        "proof": proof,
    })  # fmt: skip
    return sha


def test_the_token_of_order_a_reveals_nothing_of_order_b(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    """Each page names its own order only, and A's token serves none of B's proof files."""
    stops = lines(client, tenant_a)
    a, b = stops[0], stops[1]
    token_a, token_b = (
        issue(client, tenant_a, a["order_id"]),
        issue(client, tenant_a, b["order_id"]),
    )
    assert len(token_a.removeprefix("trk_")) >= 22  # at least 128 bits, url-safe
    depart(client, tenant_a, stops)
    sha_a, sha_b = deliver(client, tenant_a, a, 1), deliver(client, tenant_a, b, 2)
    page_a = client.get(f"/api/v1/track/{token_a}")
    page_b = client.get(f"/api/v1/track/{token_b}").json()
    assert page_a.headers["cache-control"] == "no-store"
    assert page_a.json()["shipper_reference"] != page_b["shipper_reference"]
    assert page_a.json()["proof"]["files"] == [sha_a]
    assert page_b["proof"]["files"] == [sha_b]
    for text in (page_a.text, client.get(f"/t/{token_a}").text):
        for secret in (b["order_id"], b["barcode"], sha_b, "+358", "Meikäläinen", "Virtanen"):
            assert secret not in text
    # Delivered at 09:01 Helsinki time (07:01 UTC, as stored): the page reads the station's.
    assert "09:01" in client.get(f"/t/{token_a}").text
    assert page_a.json()["proof"]["at"].endswith("+02:00")
    own = client.get(f"/api/v1/track/{token_a}/proof/{sha_a}")
    assert (own.status_code, own.content) == (200, PNG + b"\x01")
    assert client.get(f"/api/v1/track/{token_a}/proof/{sha_b}").status_code == 404
    assert client.get(f"/api/v1/track/{token_b}/proof/{sha_b}").status_code == 200


def test_an_expired_or_wrong_token_gives_404(
    client: TestClient, container: Container, tenant_a: Tenant, orders: list[str]
) -> None:
    """Unknown, altered, revoked and expired tokens all get the same 404."""
    token = issue(client, tenant_a, orders[0])
    old = tracking.issue_link(
        system_principal(tenant_a.org_id), orders[1], uow=container.uow(),
        clock=FakeClock(NOW - timedelta(days=91)), ids=container.ids, secrets=container.secrets,
    ).token  # fmt: skip
    revoked = issue(client, tenant_a, orders[2])
    issue(client, tenant_a, orders[2])
    assert client.get(f"/api/v1/track/{token}").status_code == 200
    details = set()
    altered = token[:-1] + ("B" if token.endswith("A") else "A")
    for wrong in (altered, "trk_" + "x" * 43, old, revoked, "x" * 300):
        answer = client.get(f"/api/v1/track/{wrong}")
        assert answer.status_code == 404
        details.add(answer.json()["detail"])
        assert client.get(f"/t/{wrong}").status_code == 404
        assert client.get(f"/api/v1/track/{wrong}/slots").status_code == 404
    assert len(details) == 1


def test_a_reschedule_to_a_full_slot_is_refused_with_the_next_free_slots(
    client: TestClient, tenant_a: Tenant
) -> None:
    """With one order per slot, the booked 12:00 slot is refused; 14:00 on is offered."""
    body = station_body() | {"slot_capacity": 1}
    assert client.post("/api/v1/stations", json=body, headers=tenant_a.admin).status_code == 201
    ids = []
    for n, hour in enumerate((9, 12), start=1):
        order = order_body(f"S-{n}", f"SLOT-{n}") | {"service_date": DAY}
        order["address"] = {**order["address"], "as_given": f"Street {n}, 00100 Helsinki"}
        window = {
            "start_at": f"{DAY}T{hour:02d}:00:00+02:00",
            "end_at": f"{DAY}T{hour + 2}:00:00+02:00",
        }
        order["time_windows"] = [window]
        answer = client.post("/api/v1/orders", json=order, headers=tenant_a.admin)
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    token = issue(client, tenant_a, ids[0])
    listed = client.get(f"/api/v1/track/{token}/slots?from={DAY}&days=1").json()["items"]
    assert [s["free"] for s in listed if s["start_at"].startswith(f"{DAY}T12:00")] == [0]
    full = {"date": DAY, "window_start": f"{DAY}T12:00:00+02:00"}
    refused = client.post(f"/api/v1/track/{token}/reschedule", json=full)
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["type"].endswith("slot-full")
    assert [s["start_at"][11:16] for s in problem["next_free"]] == ["14:00", "16:00", "18:00"]
    free = {"date": DAY, "window_start": problem["next_free"][0]["start_at"]}
    for _ in range(2):
        moved = client.post(f"/api/v1/track/{token}/reschedule", json=free)
        assert moved.status_code == 200, moved.text
    order = client.get(f"/api/v1/orders/{ids[0]}", headers=tenant_a.admin).json()
    assert order["time_windows"][0]["start_at"][11:16] == "14:00"
    fixes = client.get(f"/api/v1/orders/{ids[0]}/fixes", headers=tenant_a.admin).json()
    assert [f["actor"] for f in fixes] == ["recipient"]  # the repeat booked nothing more


def test_the_vehicle_is_hidden_until_the_stop_is_among_the_next_three(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    """The fourth stop sees the van only once the first is delivered, then where it was."""
    stops = lines(client, tenant_a)
    assert len(stops) == 4
    last = issue(client, tenant_a, stops[3]["order_id"])
    depart(client, tenant_a, stops)
    hidden = client.get(f"/api/v1/track/{last}").json()
    assert (hidden["status"], hidden["vehicle"], hidden["stops_before"]) == (
        "out_for_delivery", None, None,
    )  # fmt: skip
    assert hidden["eta"] is not None
    deliver(client, tenant_a, stops[0], 1)
    shown = client.get(f"/api/v1/track/{last}").json()
    assert shown["stops_before"] == 2
    assert shown["vehicle"]["location"] == {"lat": 60.17, "lon": pytest.approx(24.91)}
    assert "last seen" in client.get(f"/t/{last}").text


def test_preferences_and_instructions_are_taken_until_the_van_leaves(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    """A neighbour and a door code reach the order; once out for delivery they are refused."""
    token = issue(client, tenant_a, orders[0])
    page = client.get(f"/t/{token}")
    assert page.headers["referrer-policy"] == "no-referrer"
    assert 'data-post="reschedule"' in page.text
    neighbour = {"choice": "neighbour", "name": "Liisa", "address": "Street 1 B 4"}
    chosen = client.post(f"/api/v1/track/{token}/preferences", json=neighbour)
    assert chosen.json()["preferences"]["neighbour"] == "Liisa, Street 1 B 4"
    code = client.post(f"/api/v1/track/{token}/instructions", json={"text": "door code 1234"})
    assert code.json()["has_access_notes"] is True
    assert "1234" not in code.text  # the page never shows the notes back
    order = client.get(f"/api/v1/orders/{orders[0]}", headers=tenant_a.admin).json()
    assert order["access_notes"].endswith("Recipient: door code 1234")
    missing = client.post(f"/api/v1/track/{token}/preferences", json={"choice": "safe_place"})
    assert missing.status_code == 422
    stops = lines(client, tenant_a)
    depart(client, tenant_a, stops)
    late = client.post(f"/api/v1/track/{token}/instructions", json={"text": "ring twice"})
    assert late.status_code == 409
    assert "data-post" not in client.get(f"/t/{token}").text
