"""Role limits: each role reaches what its job needs and is refused the rest with 403."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from doorstep.domain.accounts import Role
from tests.entrypoints.api.conftest import PASSWORD, Tenant, World, order_body, station_body

NOT_ADMIN = [role for role in Role if role is not Role.ADMIN]
READ_ORDERS = {Role.ADMIN, Role.PLANNER, Role.DISPATCHER, Role.STATION_ASSOCIATE, Role.VIEWER}
WRITE_ORDERS = {Role.ADMIN, Role.PLANNER, Role.DISPATCHER}
WRITE_NETWORK = {Role.ADMIN, Role.PLANNER}


@pytest.mark.parametrize("role", list(Role))
def test_order_listing_by_role(
    role: Role, client: TestClient, world: World, tenant_a: Tenant
) -> None:
    """Drivers cannot list or read orders; every office role can."""
    listing = client.get("/api/v1/orders", headers=tenant_a.as_(role))
    single = client.get(f"/api/v1/orders/{world.ids['orders']}", headers=tenant_a.as_(role))
    expected = 200 if role in READ_ORDERS else 403
    assert (listing.status_code, single.status_code) == (expected, expected)


@pytest.mark.parametrize("role", list(Role))
def test_order_writes_by_role(
    role: Role, client: TestClient, world: World, tenant_a: Tenant
) -> None:
    """Only admins, planners and dispatchers create, change and cancel orders."""
    headers = tenant_a.as_(role)
    created = client.post(
        "/api/v1/orders", json=order_body(f"R-{role}", f"B-{role}"), headers=headers
    )
    changed = client.patch(
        f"/api/v1/orders/{world.ids['orders']}", json={"priority": "high"}, headers=headers
    )
    cancelled = client.post(
        f"/api/v1/orders/{world.ids['orders']}:cancel", json={}, headers=headers
    )
    allowed = role in WRITE_ORDERS
    assert created.status_code == (201 if allowed else 403)
    assert changed.status_code == (200 if allowed else 403)
    assert cancelled.status_code == (200 if allowed else 403)


@pytest.mark.parametrize("role", list(Role))
def test_network_writes_by_role(
    role: Role, client: TestClient, world: World, tenant_a: Tenant
) -> None:
    """Only admins and planners register or change stations, vehicles and drivers."""
    headers = tenant_a.as_(role)
    allowed = role in WRITE_NETWORK
    answers = [
        client.post(
            "/api/v1/stations", json=station_body(f"S{role.value[:3].upper()}"), headers=headers
        ),
        client.patch(
            f"/api/v1/vehicles/{world.ids['vehicles']}",
            json={"registration": "ABC-1"},
            headers=headers,
        ),
        client.delete(f"/api/v1/drivers/{world.ids['drivers']}", headers=headers),
    ]
    assert [a.status_code for a in answers] == ([201, 200, 200] if allowed else [403, 403, 403])


def test_viewer_cannot_write_anything(client: TestClient, world: World, tenant_a: Tenant) -> None:
    """A viewer reads, but each write is refused with a problem naming the permission."""
    viewer = tenant_a.as_(Role.VIEWER)
    assert client.get("/api/v1/stations", headers=viewer).status_code == 200
    refused = client.post("/api/v1/orders", json=order_body("V-1", "V-1"), headers=viewer)
    assert refused.status_code == 403
    assert "orders:write" in refused.json()["detail"]
    assert (
        client.patch("/api/v1/organisation", json={"name": "Mine"}, headers=viewer).status_code
        == 403
    )


@pytest.mark.parametrize("role", NOT_ADMIN)
def test_only_admin_manages_users_and_keys(
    role: Role, client: TestClient, world: World, tenant_a: Tenant
) -> None:
    """Every role but admin is refused listing, creating and changing users and API keys."""
    headers = tenant_a.as_(role)
    user = {
        "email": f"new-{role}@alpha.test",
        "name": "New",
        "roles": ["viewer"],
        "password": PASSWORD,
    }
    answers = [
        client.get("/api/v1/users", headers=headers),
        client.post("/api/v1/users", json=user, headers=headers),
        client.patch(
            f"/api/v1/users/{world.ids['users']}", json={"roles": ["admin"]}, headers=headers
        ),
        client.delete(f"/api/v1/users/{world.ids['users']}", headers=headers),
        client.get("/api/v1/api-keys", headers=headers),
        client.post("/api/v1/api-keys", json={"name": "k", "roles": ["admin"]}, headers=headers),
        client.delete(f"/api/v1/api-keys/{world.ids['api-keys']}", headers=headers),
    ]
    assert [a.status_code for a in answers] == [403] * len(answers)


def test_admin_manages_users_and_keys(client: TestClient, world: World, tenant_a: Tenant) -> None:
    """An admin lists, adds, changes and deactivates users, and creates and revokes keys."""
    admin = tenant_a.admin
    assert world.ids["users"] in {
        u["id"] for u in client.get("/api/v1/users", headers=admin).json()
    }
    changed = client.patch(
        f"/api/v1/users/{world.ids['users']}", json={"roles": ["planner"]}, headers=admin
    )
    assert changed.json()["roles"] == ["planner"]
    assert (
        client.delete(f"/api/v1/users/{world.ids['users']}", headers=admin).json()["active"]
        is False
    )
    revoked = client.delete(f"/api/v1/api-keys/{world.ids['api-keys']}", headers=admin)
    assert revoked.json()["revoked_at"] is not None


def test_everyone_reads_themselves(client: TestClient, tenant_a: Tenant) -> None:
    """Any role may read its own account through /users/me."""
    for role in Role:
        me = client.get("/api/v1/users/me", headers=tenant_a.as_(role))
        assert me.status_code == 200
        assert me.json()["roles"] == [role.value]


def test_api_key_acts_with_its_roles(client: TestClient, tenant_a: Tenant) -> None:
    """An API key with the planner role can create orders but not manage users."""
    created = client.post(
        "/api/v1/api-keys", json={"name": "shop", "roles": ["planner"]}, headers=tenant_a.admin
    )
    key = {"Authorization": f"Bearer {created.json()['secret']}"}
    assert (
        client.post(
            "/api/v1/orders", json=order_body("K-1", "K-1", station=None), headers=key
        ).status_code
        == 201
    )
    assert client.get("/api/v1/users", headers=key).status_code == 403
