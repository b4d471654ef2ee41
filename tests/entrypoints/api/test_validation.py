"""Bad input gets a 4xx problem that names the field, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.domain.accounts import Role
from tests.entrypoints.api.conftest import PASSWORD, Tenant, World, order_body


def _with(path: str, value: Any) -> dict[str, Any]:
    """The valid order body with one value (at a dotted path, numbers index lists) replaced."""
    body = order_body("V-1", "V-1")
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    target: Any = body
    for part in parents:
        target = target[part]
    target[last] = value
    return body


BAD_ORDERS = [
    ("location.lat", 91, "location.lat"),
    ("location.lon", -181, "location.lon"),
    ("parcels.0.weight_kg", -1, "parcels[0].weight_kg"),
    ("parcels.0.barcode", "has space", "parcels[0].barcode"),
    ("time_windows.0.end_at", "2026-11-23T08:00:00+02:00", "time_windows[0]"),
    ("time_windows.0.start_at", "2026-11-23T09:00:00", "time_windows[0].start_at"),
    ("service_duration_s", -5, "service_duration_s"),
    ("priority", "asap", "priority"),
    ("kind", "teleport", "kind"),
    ("proof", {"kind": "minimum_age"}, "proof"),
    ("unexpected_field", 1, "unexpected_field"),
]


@pytest.mark.parametrize(("path", "value", "field"), BAD_ORDERS, ids=[b[0] for b in BAD_ORDERS])
def test_bad_order_fields_are_named(
    path: str, value: Any, field: str, client: TestClient, world: World, tenant_a: Tenant
) -> None:
    """Each invalid order value is answered 422 with a problem naming that field."""
    answer = client.post("/api/v1/orders", json=_with(path, value), headers=tenant_a.admin)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in answer.json()["errors"]]


def test_a_bad_email_is_kept_and_flagged_not_refused(
    client: TestClient, world: World, tenant_a: Tenant
) -> None:
    """A wrong e-mail must not lose the order: it is created and carries a warning flag."""
    answer = client.post(
        "/api/v1/orders",
        json=_with("recipient.email", "not-an-address"),
        headers=tenant_a.admin,
    )
    assert answer.status_code == 201, answer.text
    flags = {f["code"]: f for f in answer.json()["flags"]}
    assert flags["invalid_email"]["severity"] == "warning"
    assert flags["invalid_email"]["field"] == "recipient.email"


def test_overlapping_windows_are_refused(
    client: TestClient, world: World, tenant_a: Tenant
) -> None:
    """Two alternative windows that overlap are refused, naming time_windows."""
    windows = [
        {"start_at": "2026-11-23T09:00:00+02:00", "end_at": "2026-11-23T12:00:00+02:00"},
        {"start_at": "2026-11-23T11:00:00+02:00", "end_at": "2026-11-23T14:00:00+02:00"},
    ]
    answer = client.post(
        "/api/v1/orders", json=_with("time_windows", windows), headers=tenant_a.admin
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "time_windows"


def test_unknown_role_is_named(client: TestClient, tenant_a: Tenant) -> None:
    """A user with an unknown role is refused, naming the role entry and the valid roles."""
    body = {
        "email": "x@alpha.test",
        "name": "X",
        "roles": ["viewer", "overlord"],
        "password": PASSWORD,
    }
    answer = client.post("/api/v1/users", json=body, headers=tenant_a.admin)
    assert answer.status_code == 422
    error = answer.json()["errors"][0]
    assert error["field"] == "roles[1]"
    assert "dispatcher" in error["message"]


def test_malformed_json_is_a_400(client: TestClient, tenant_a: Tenant) -> None:
    """A body that is not JSON answers 400 naming the body."""
    headers = tenant_a.as_(Role.ADMIN, **{"Content-Type": "application/json"})
    answer = client.post("/api/v1/orders", content=b'{"shipper": ', headers=headers)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "body"


def test_ten_megabyte_body_is_refused(client: TestClient, tenant_a: Tenant) -> None:
    """A 10 MB body is refused with 413 before it is parsed."""
    headers = tenant_a.as_(Role.ADMIN, **{"Content-Type": "application/json"})
    answer = client.post("/api/v1/orders", content=b" " * 10_000_000, headers=headers)
    assert answer.status_code == 413
    assert answer.json()["errors"][0]["field"] == "body"


def test_streamed_oversized_body_is_refused(client: TestClient, tenant_a: Tenant) -> None:
    """A body sent in chunks without Content-Length is counted and refused at the limit."""
    chunks = (b" " * 1_000_000 for _ in range(10))
    headers = tenant_a.as_(Role.ADMIN, **{"Content-Type": "application/json"})
    answer = client.post("/api/v1/orders", content=chunks, headers=headers)
    assert answer.status_code == 413


def test_patch_cannot_null_a_required_field(
    client: TestClient, world: World, tenant_a: Tenant
) -> None:
    """A PATCH setting a required field to null is refused naming it; nullable ones clear."""
    order = f"/api/v1/orders/{world.ids['orders']}"
    refused = client.patch(order, json={"recipient": None}, headers=tenant_a.admin)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "recipient"
    cleared = client.patch(order, json={"location": None}, headers=tenant_a.admin)
    assert cleared.status_code == 200
    assert cleared.json()["status"] == "needs_attention"


def test_bad_query_parameters_are_named(client: TestClient, tenant_a: Tenant) -> None:
    """An unknown status, a limit out of range and a forged cursor each name their parameter."""
    for params, field in (
        ({"status": "lost"}, "query.status[0]"),
        ({"limit": 0}, "query.limit"),
        ({"cursor": "zzz"}, "cursor"),
    ):
        answer = client.get("/api/v1/orders", params=params, headers=tenant_a.admin)
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == field


def test_unknown_route_and_method_are_problems(client: TestClient, tenant_a: Tenant) -> None:
    """Unknown paths and methods answer 404 and 405 as problem documents."""
    assert client.get("/api/v1/nothing-here", headers=tenant_a.admin).status_code == 404
    wrong = client.put("/api/v1/orders", json={}, headers=tenant_a.admin)
    assert wrong.status_code == 405
    assert wrong.headers["content-type"] == "application/problem+json"


def test_partner_webhooks_may_carry_proof_images_but_not_without_end(client: TestClient) -> None:
    """A carrier webhook of 3 MB (events with signature and photo images) is read, so it gets
    the signature check's 401/404, not 413; 10 MB is still refused before it is read."""
    body = b" " * 3_000_000
    headers = {"Content-Type": "application/json"}
    answer = client.post("/api/v1/carrier-webhooks/nobody", content=body, headers=headers)
    assert answer.status_code in (401, 404)
    huge = client.post(
        "/api/v1/carrier-webhooks/nobody", content=b" " * 10_000_000, headers=headers
    )
    assert huge.status_code == 413
