"""Idempotency-Key: a retried POST creates nothing twice, also when the retries race."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2
import pytest
import uvicorn
from fastapi.testclient import TestClient

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Role
from doorstep.entrypoints.api.app import create_app
from tests.entrypoints.api.conftest import Tenant, order_body, station_body


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_server(container: Container) -> Iterator[str]:
    """A real uvicorn server on loopback, so requests really run at the same time."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(container), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.05)
    assert server.started, "the test server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _race(count: int, send: Callable[[], httpx2.Response]) -> list[httpx2.Response]:
    """Send ``count`` requests released together by a barrier."""
    barrier = threading.Barrier(count)

    def one() -> httpx2.Response:
        barrier.wait()
        return send()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: one(), range(count)))


def _orders(client: TestClient, tenant: Tenant) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/api/v1/orders", headers=tenant.admin).json()["items"]
    return items


def test_retry_with_same_key_creates_one_order(client: TestClient, tenant_a: Tenant) -> None:
    """The same key and body twice: one order, the same answer, the second marked as replayed."""
    client.post("/api/v1/stations", json=station_body(), headers=tenant_a.admin)
    headers = tenant_a.as_(Role.ADMIN, **{"Idempotency-Key": "retry-1"})
    first = client.post("/api/v1/orders", json=order_body(), headers=headers)
    second = client.post("/api/v1/orders", json=order_body(), headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert len(_orders(client, tenant_a)) == 1


def test_same_key_with_other_body_is_refused(client: TestClient, tenant_a: Tenant) -> None:
    """Reusing a key for a different request answers 422 naming the Idempotency-Key header."""
    headers = tenant_a.as_(Role.ADMIN, **{"Idempotency-Key": "reused"})
    assert (
        client.post("/api/v1/stations", json=station_body("A1"), headers=headers).status_code == 201
    )
    clash = client.post("/api/v1/stations", json=station_body("B2"), headers=headers)
    assert clash.status_code == 422
    assert clash.json()["errors"][0]["field"] == "Idempotency-Key"
    assert [s["code"] for s in client.get("/api/v1/stations", headers=tenant_a.admin).json()] == [
        "A1"
    ]


def test_keys_are_per_organisation(client: TestClient, tenant_a: Tenant, tenant_b: Tenant) -> None:
    """Two organisations may use the same key; neither sees the other's stored answer."""
    for tenant in (tenant_a, tenant_b):
        headers = tenant.as_(Role.ADMIN, **{"Idempotency-Key": "shared"})
        answer = client.post("/api/v1/stations", json=station_body(), headers=headers)
        assert answer.status_code == 201
        assert "idempotent-replayed" not in answer.headers
    assert len(client.get("/api/v1/stations", headers=tenant_b.admin).json()) == 1


def test_failed_request_can_be_retried_with_its_key(client: TestClient, tenant_a: Tenant) -> None:
    """A refused request stores nothing, so the corrected retry with the same key succeeds."""
    headers = tenant_a.as_(Role.ADMIN, **{"Idempotency-Key": "fix-me"})
    missing_station = client.post("/api/v1/vehicles", json={"station_id": "NOPE"}, headers=headers)
    assert missing_station.status_code == 422
    body = station_body()
    assert client.post("/api/v1/stations", json=body, headers=headers).status_code == 201


def test_simultaneous_retries_create_one_order(
    client: TestClient, live_server: str, tenant_a: Tenant
) -> None:
    """Eight requests with one key sent at one moment create one order; all get its answer."""
    client.post("/api/v1/stations", json=station_body(), headers=tenant_a.admin)
    headers = tenant_a.as_(Role.ADMIN, **{"Idempotency-Key": "race-1"})
    with httpx2.Client(base_url=live_server, timeout=60) as http:
        answers = _race(8, lambda: http.post("/api/v1/orders", json=order_body(), headers=headers))
    assert [a.status_code for a in answers] == [201] * 8, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert len(_orders(client, tenant_a)) == 1


def test_simultaneous_duplicates_without_key_conflict_cleanly(
    client: TestClient, live_server: str, tenant_a: Tenant
) -> None:
    """Without a key, racing creates of one shipper reference give one 201 and 409s, never a 500."""
    client.post("/api/v1/stations", json=station_body(), headers=tenant_a.admin)
    with httpx2.Client(base_url=live_server, timeout=60) as http:
        answers = _race(
            6, lambda: http.post("/api/v1/orders", json=order_body(), headers=tenant_a.admin)
        )
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * 5, [a.text for a in answers]
    assert len(_orders(client, tenant_a)) == 1
