"""Tenant isolation: another organisation's objects do not exist for you (404, never 403)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.entrypoints.api.conftest import Tenant, World, driver_body, order_body, vehicle_body

KINDS = ["stations", "vehicles", "drivers", "orders", "users", "api-keys"]
PATCHES = {
    "stations": {"name": "Taken over"},
    "vehicles": {"name": "Taken over"},
    "drivers": {"name": "Taken over"},
    "orders": {"access_notes": "taken over"},
    "users": {"name": "Taken over"},
}


@pytest.mark.parametrize("kind", KINDS)
def test_other_tenant_cannot_read(
    kind: str, client: TestClient, world: World, tenant_b: Tenant
) -> None:
    """Reading an object of organisation A as B's admin answers 404 with a problem body."""
    answer = client.get(f"/api/v1/{kind}/{world.ids[kind]}", headers=tenant_b.admin)
    if kind == "api-keys":  # keys have no single-read endpoint; the listing must not show them
        assert answer.status_code in {404, 405}
        listed = client.get("/api/v1/api-keys", headers=tenant_b.admin).json()
        assert world.ids[kind] not in {k["id"] for k in listed}
        return
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("kind", sorted(PATCHES))
def test_other_tenant_cannot_update(
    kind: str, client: TestClient, world: World, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    """Changing an object of organisation A as B's admin answers 404 and changes nothing."""
    object_id = world.ids[kind]
    answer = client.patch(f"/api/v1/{kind}/{object_id}", json=PATCHES[kind], headers=tenant_b.admin)
    assert answer.status_code == 404
    still = client.get(f"/api/v1/{kind}/{object_id}", headers=tenant_a.admin).json()
    assert still.get("name") != "Taken over"
    assert still.get("access_notes") != "taken over"


@pytest.mark.parametrize("kind", KINDS)
def test_other_tenant_cannot_delete(
    kind: str, client: TestClient, world: World, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    """Deleting (cancelling, retiring, revoking) A's object as B's admin is a 404; it stays."""
    object_id = world.ids[kind]
    assert client.delete(f"/api/v1/{kind}/{object_id}", headers=tenant_b.admin).status_code == 404
    if kind == "api-keys":
        listed = client.get("/api/v1/api-keys", headers=tenant_a.admin).json()
        assert next(k for k in listed if k["id"] == object_id)["revoked_at"] is None
        return
    still = client.get(f"/api/v1/{kind}/{object_id}", headers=tenant_a.admin).json()
    assert still.get("active", True) is True
    assert still.get("status") != "cancelled"


def test_other_tenant_cannot_cancel_order(
    client: TestClient, world: World, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    """The :cancel action on A's order answers 404 for B and leaves the order as it was."""
    order_id = world.ids["orders"]
    assert (
        client.post(
            f"/api/v1/orders/{order_id}:cancel", json={}, headers=tenant_b.admin
        ).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/orders/{order_id}", headers=tenant_a.admin).json()["status"] == "ready"
    )


@pytest.mark.parametrize("kind", ["stations", "vehicles", "drivers", "users", "api-keys"])
def test_listings_show_only_own_objects(
    kind: str, client: TestClient, world: World, tenant_b: Tenant
) -> None:
    """B's listings never include A's objects."""
    listed = client.get(f"/api/v1/{kind}", headers=tenant_b.admin).json()
    assert world.ids[kind] not in {item["id"] for item in listed}


def test_order_listing_shows_only_own_orders(
    client: TestClient, world: World, tenant_b: Tenant
) -> None:
    """B's order list is empty although A has an order, also when filtering by A's reference."""
    page = client.get(
        "/api/v1/orders", params={"shipper_reference": "A-1"}, headers=tenant_b.admin
    ).json()
    assert page["items"] == []


def test_other_tenants_station_cannot_be_referenced(
    client: TestClient, world: World, tenant_b: Tenant
) -> None:
    """Naming A's station in B's vehicle, driver or order is refused as an unknown station."""
    station_id = world.ids["stations"]
    for path, body, field in (
        ("vehicles", vehicle_body(station_id), "station_id"),
        ("drivers", driver_body(station_id), "home_station_id"),
        ("orders", order_body(station=station_id), "station_id"),
    ):
        answer = client.post(f"/api/v1/{path}", json=body, headers=tenant_b.admin)
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == field
