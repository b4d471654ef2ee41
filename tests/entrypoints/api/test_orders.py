"""The order book over HTTP: create, find, page, change and cancel."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.entrypoints.api.conftest import Tenant, World, order_body


def test_created_order_round_trips(client: TestClient, world: World, tenant_a: Tenant) -> None:
    """What was sent comes back: windows keep their offset, parcels, proof and the ready status."""
    order = client.get(f"/api/v1/orders/{world.ids['orders']}", headers=tenant_a.admin).json()
    assert order["status"] == "ready"
    assert order["station_id"] == world.ids["stations"]
    assert order["time_windows"][0]["start_at"] == "2026-11-23T09:00:00+02:00"
    assert order["parcels"][0]["barcode"] == "PARCEL-1"
    assert order["proof"] == {
        "kind": "signature",
        "minimum_age_years": None,
    }
    assert [h["to_status"] for h in order["history"]] == ["ready"]


def test_order_without_location_needs_attention(
    client: TestClient, world: World, tenant_a: Tenant
) -> None:
    """An order with no location is kept but held in needs_attention, with the reason recorded."""
    body = order_body("NA-1", "NA-1") | {"location": None}
    order = client.post("/api/v1/orders", json=body, headers=tenant_a.admin).json()
    assert order["status"] == "needs_attention"
    assert "no location" in order["history"][-1]["reason"]


def test_duplicate_reference_and_barcode_conflict(
    client: TestClient, world: World, tenant_a: Tenant
) -> None:
    """A second order with a used shipper reference or barcode answers 409 naming the field."""
    same_ref = client.post(
        "/api/v1/orders", json=order_body("A-1", "OTHER"), headers=tenant_a.admin
    )
    same_code = client.post(
        "/api/v1/orders", json=order_body("A-2", "PARCEL-1"), headers=tenant_a.admin
    )
    assert (same_ref.status_code, same_code.status_code) == (409, 409)
    assert same_ref.json()["errors"][0]["field"] == "shipper_reference"
    assert same_code.json()["errors"][0]["field"] == "parcels"


def test_paging_visits_every_order_once(client: TestClient, world: World, tenant_a: Tenant) -> None:
    """Following next_cursor with limit 2 lists all orders once each, in creation order."""
    for n in range(2, 7):
        client.post("/api/v1/orders", json=order_body(f"A-{n}", f"P-{n}"), headers=tenant_a.admin)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/orders", params=params, headers=tenant_a.admin).json()
        seen += [o["shipper_reference"] for o in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"A-{n}" for n in range(1, 7)]


def test_filters_narrow_the_listing(client: TestClient, world: World, tenant_a: Tenant) -> None:
    """Status, station and reference filters each return only matching orders."""
    client.post(
        "/api/v1/orders", json=order_body("B-1", "B-1", station=None), headers=tenant_a.admin
    )

    def refs(**params: str) -> list[str]:
        items = client.get("/api/v1/orders", params=params, headers=tenant_a.admin).json()["items"]
        return [o["shipper_reference"] for o in items]

    assert refs(status="needs_attention") == ["B-1"]
    assert refs(station_id=world.ids["stations"]) == ["A-1"]
    assert refs(shipper_reference="B-1", shipper="acme") == ["B-1"]


def test_change_and_cancel(client: TestClient, world: World, tenant_a: Tenant) -> None:
    """PATCH changes details; cancel keeps its reason; a second cancel is a 409 naming the state."""
    path = f"/api/v1/orders/{world.ids['orders']}"
    changed = client.patch(
        path, json={"access_notes": "code 1234", "priority": "urgent"}, headers=tenant_a.admin
    ).json()
    assert (changed["access_notes"], changed["priority"]) == ("code 1234", "urgent")
    cancelled = client.post(
        f"{path}:cancel", json={"reason": "shipper withdrew"}, headers=tenant_a.admin
    ).json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["history"][-1]["reason"] == "shipper withdrew"
    again = client.post(f"{path}:cancel", json={}, headers=tenant_a.admin)
    assert again.status_code == 409
    assert "'cancelled'" in again.json()["detail"]
    assert client.patch(path, json={"access_notes": "x"}, headers=tenant_a.admin).status_code == 409


def test_required_skills_round_trip_and_bad_names_are_refused(
    client: TestClient, world: World, tenant_a: Tenant
) -> None:
    """An order's required skills come back sorted; a name no fleet could have is a 422."""
    body = order_body("SK-1", "SK-1") | {"required_skills": ["refrigerated", "adr"]}
    created = client.post("/api/v1/orders", json=body, headers=tenant_a.admin)
    assert created.status_code == 201, created.text
    assert created.json()["required_skills"] == ["adr", "refrigerated"]
    bad = order_body("SK-2", "SK-2") | {"required_skills": ["Fridge!"]}
    refused = client.post("/api/v1/orders", json=bad, headers=tenant_a.admin)
    assert refused.status_code == 422
    assert "required_skills" in refused.text
