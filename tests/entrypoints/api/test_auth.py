"""Logging in, sessions and API keys."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.entrypoints.api.conftest import PASSWORD, Tenant


def test_login_with_wrong_password_is_refused(client: TestClient, tenant_a: Tenant) -> None:
    """A wrong password answers 401 without saying whether the e-mail exists."""
    wrong = client.post(
        "/api/v1/auth/login",
        json={"email": "admin@alpha-couriers.test", "password": "nope-nope-nope"},
    )
    unknown = client.post(
        "/api/v1/auth/login", json={"email": "ghost@alpha-couriers.test", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_requests_without_a_token_are_refused(client: TestClient) -> None:
    """Every API route needs credentials; the answer says how to send them."""
    answer = client.get("/api/v1/stations")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in answer.json()["detail"]


def test_logout_ends_the_session(client: TestClient, tenant_a: Tenant) -> None:
    """After logout the same token is refused."""
    headers = tenant_a.admin
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/stations", headers=headers).status_code == 401


def test_api_key_secret_is_shown_once_and_revocable(client: TestClient, tenant_a: Tenant) -> None:
    """The secret comes only in the create answer, works until revoked, then is refused."""
    created = client.post(
        "/api/v1/api-keys", json={"name": "erp", "roles": ["viewer"]}, headers=tenant_a.admin
    )
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith(created.json()["prefix"])
    listed = client.get("/api/v1/api-keys", headers=tenant_a.admin).json()
    assert all("secret" not in key for key in listed)
    key = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/stations", headers=key).status_code == 200
    client.delete(f"/api/v1/api-keys/{created.json()['id']}", headers=tenant_a.admin)
    assert client.get("/api/v1/stations", headers=key).status_code == 401


def test_openapi_documents_the_api(client: TestClient) -> None:
    """The OpenAPI document lists the v1 resources and /docs serves the explorer."""
    spec = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/orders",
        "/api/v1/stations",
        "/api/v1/vehicles",
        "/api/v1/drivers",
        "/api/v1/users",
    ):
        assert path in spec["paths"]
    assert client.get("/docs").status_code == 200
