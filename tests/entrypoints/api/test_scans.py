"""Scan events over HTTP: a batch in, a result per event, retries harmless, bad input named."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from doorstep.domain.accounts import Role
from tests.entrypoints.api.conftest import Tenant, World

EXTRA: dict[str, dict[str, Any]] = {
    "sort": {"lane": "A3"},
    "load": {"vehicle_id": "veh_x"},
    "fail": {"reason": "recipient_absent"},
}


def scan(n: int, kind: str, barcode: str = "PARCEL-1", **extra: Any) -> dict[str, Any]:
    return {
        "id": f"evt-{barcode}-{n:04d}",
        "kind": kind,
        "barcode": barcode,
        "device_time": f"2026-11-23T{7 + n:02d}:00:00+02:00",
        "device": "tc52-07",
        "position": {"lat": 60.17, "lon": 24.94},
        **EXTRA.get(kind, {}),
        **extra,
    }


DAY = ["receive", "sort", "load", "depart", "fail", "deliver"]
PNG = b"\x89PNG\r\n\x1a\n" + b"a signature drawn on the screen"


def signature(client: TestClient, tenant: Tenant, data: bytes = PNG) -> str:
    headers = {**tenant.as_(Role.DRIVER), "Content-Type": "image/png"}
    answer = client.post("/api/v1/proof-files", content=data, headers=headers)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["sha256"])


def signed(client: TestClient, tenant: Tenant) -> dict[str, Any]:
    """The proof the world's order asks for: the recipient's signature and name."""
    return {"proof": {"recipient_name": "Matti", "signature_sha256": signature(client, tenant)}}


def post(client: TestClient, tenant: Tenant, events: list[dict[str, Any]], role: Role) -> Any:
    return client.post("/api/v1/events", json={"events": events}, headers=tenant.as_(role))


def test_a_driver_sends_a_day_and_a_retry_changes_nothing(
    client: TestClient, world: World, tenant_a: Tenant
) -> None:
    proof = signed(client, tenant_a)
    batch = [scan(n, kind, **(proof if kind == "deliver" else {})) for n, kind in enumerate(DAY)]
    first = post(client, tenant_a, batch, Role.DRIVER)
    assert first.status_code == 200, first.text
    assert first.json()["counts"]["stored"] == 6
    assert {r["parcel_status"] for r in first.json()["results"]} == {"delivered"}
    again = post(client, tenant_a, batch[::-1], Role.DRIVER)
    assert {r["outcome"] for r in again.json()["results"]} == {"duplicate"}
    order = client.get(f"/api/v1/orders/{world.ids['orders']}", headers=tenant_a.admin).json()
    assert order["status"] == "delivered"
    assert [h["to_status"] for h in order["history"]].count("delivered") == 1


def test_problems_are_answered_kept_and_listed(
    client: TestClient, world: World, tenant_a: Tenant
) -> None:
    """An unknown barcode and a delivery before loading: stored, each with its reason."""
    batch = [scan(0, "receive", "NO-SUCH-LABEL"), scan(1, "deliver", **signed(client, tenant_a))]
    answer = post(client, tenant_a, batch, Role.STATION_ASSOCIATE).json()
    assert answer["counts"] == {
        "stored": 2,
        "duplicate": 0,
        "conflict": 0,
        "rejected": 0,
        "problems": 2,
    }
    listed = client.get("/api/v1/events?problems=true", headers=tenant_a.admin).json()
    assert [e["barcode"] for e in listed["items"]] == ["NO-SUCH-LABEL", "PARCEL-1"]
    assert "no parcel of this organisation" in listed["items"][0]["problem"]
    assert listed["items"][1]["position"] == {"lat": 60.17, "lon": 24.94}


def test_listing_pages_through_every_event_once(
    client: TestClient, world: World, tenant_a: Tenant
) -> None:
    proof = signed(client, tenant_a)
    day = [scan(n, kind, **(proof if kind == "deliver" else {})) for n, kind in enumerate(DAY)]
    post(client, tenant_a, day, Role.DRIVER)
    seen: list[str] = []
    cursor = None
    while True:
        query = f"?limit=4&cursor={cursor}" if cursor else "?limit=4"
        page = client.get(f"/api/v1/events{query}", headers=tenant_a.admin).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(scan(n, k)["id"] for n, k in enumerate(DAY))


def test_bad_events_get_a_message_naming_the_field(
    client: TestClient, world: World, tenant_a: Tenant
) -> None:
    naive = scan(0, "receive") | {"device_time": "2026-11-23T07:00:00"}
    answer = post(client, tenant_a, [naive], Role.DRIVER)
    assert answer.status_code == 422
    assert "device_time" in answer.text
    unknown_kind = post(client, tenant_a, [scan(0, "teleport")], Role.DRIVER)
    assert unknown_kind.status_code == 422
    assert "kind" in unknown_kind.text
    for kind in ("hand_off", "hand_off_cancel"):  # written by hand-offs and partners only
        carriers = post(client, tenant_a, [scan(0, kind)], Role.DRIVER)
        assert carriers.status_code == 422
        assert "kind" in carriers.text
        assert "not from devices" in carriers.text
    too_many = post(client, tenant_a, [scan(0, "receive")] * 1001, Role.DRIVER)
    assert too_many.status_code == 422
    assert "at most 1000" in too_many.text
    no_lane = post(client, tenant_a, [scan(1, "sort", lane="")], Role.DRIVER).json()
    assert no_lane["results"][0]["outcome"] == "rejected"
    assert no_lane["results"][0]["message"].startswith("lane:")


def test_viewers_cannot_send_scans_and_tenants_stay_apart(
    client: TestClient, world: World, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    assert post(client, tenant_a, [scan(0, "receive")], Role.VIEWER).status_code == 403
    other = post(client, tenant_b, [scan(0, "receive")], Role.DRIVER).json()
    assert "no parcel of this organisation" in other["results"][0]["problem"]
    listed = client.get("/api/v1/events", headers=tenant_a.admin).json()
    assert listed["items"] == []


def test_a_delivery_needs_the_proof_its_order_asks_for(
    client: TestClient, world: World, tenant_a: Tenant
) -> None:
    """No signature: rejected, not stored; a hash never uploaded: rejected; then it counts."""
    before = [scan(n, kind) for n, kind in enumerate(DAY[:4])]
    post(client, tenant_a, before, Role.DRIVER)
    bare = post(client, tenant_a, [scan(5, "deliver")], Role.DRIVER).json()["results"][0]
    assert (bare["outcome"], bare["message"]) == (
        "rejected", "proof: this order needs the recipient's signature and name",
    )  # fmt: skip
    ghost = {"recipient_name": "Matti", "signature_sha256": "a" * 64}
    unknown = post(client, tenant_a, [scan(6, "deliver", proof=ghost)], Role.DRIVER).json()
    assert "no uploaded file has hash" in unknown["results"][0]["message"]
    done = post(client, tenant_a, [scan(7, "deliver", **signed(client, tenant_a))], Role.DRIVER)
    assert done.json()["results"][0]["parcel_status"] == "delivered"
    listed = client.get("/api/v1/events?barcode=PARCEL-1", headers=tenant_a.admin).json()
    assert [e["kind"] for e in listed["items"]][-1] == "deliver"
    assert listed["items"][-1]["proof"]["recipient_name"] == "Matti"


def test_proof_files_are_checked_kept_once_and_private_to_their_organisation(
    client: TestClient, world: World, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    first, again = signature(client, tenant_a), signature(client, tenant_a)
    assert first == again
    got = client.get(f"/api/v1/proof-files/{first}", headers=tenant_a.admin)
    assert (got.status_code, got.content, got.headers["content-type"]) == (200, PNG, "image/png")
    assert client.get(f"/api/v1/proof-files/{first}", headers=tenant_b.admin).status_code == 404
    headers = {**tenant_a.as_(Role.DRIVER), "Content-Type": "image/png"}
    fake = client.post("/api/v1/proof-files", content=b"GIF89a not a png", headers=headers)
    assert fake.status_code == 422
    assert "is not a image/png image" in fake.text
    headers["Content-Type"] = "application/pdf"
    wrong = client.post("/api/v1/proof-files", content=PNG, headers=headers)
    assert wrong.status_code == 422
    assert "Content-Type" in wrong.text
