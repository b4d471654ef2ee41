"""Server-sent events: staff hear their organisation's changes, a recipient their one order."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Role
from doorstep.entrypoints.api.routes import stream as stream_route
from doorstep.services.broadcasts import order_channel, organisation_channel
from tests.entrypoints.api.conftest import Tenant, World
from tests.entrypoints.api.test_scans import post, scan

# A hang guard only: a notice arrives in milliseconds, and heartbeats (every 15 s) make sure a
# lost one fails the test instead of blocking it.
HANG_GUARD_S = 60.0


def notices(lines: Iterator[str], count: int) -> list[dict[str, Any]]:
    """The next ``count`` notices of a stream, skipping comments and blank lines."""
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + HANG_GUARD_S
    for line in lines:
        if line.startswith("data: "):
            found.append(json.loads(line.removeprefix("data: ")))
            if len(found) == count:
                return found
        assert time.monotonic() < deadline, f"no notice in {HANG_GUARD_S} s; got {found}"
    raise AssertionError(f"the stream ended after {found}")


def subscribed(lines: Iterator[str]) -> None:
    assert next(lines) == ": subscribed"


def test_staff_hear_a_scan_batch_once_it_is_stored(
    client: TestClient, world: World, tenant_a: Tenant
) -> None:
    """One receive scan: the stream says which order moved to which status, and one parcel."""
    with client.stream("GET", "/api/v1/stream", headers=tenant_a.admin) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        subscribed(lines)
        answer = post(client, tenant_a, [scan(0, "receive")], Role.STATION_ASSOCIATE).json()
        status = answer["results"][0]["parcel_status"]
        orders, parcels = notices(lines, 2)
    assert orders == {"kind": "orders.changed", "orders": {world.ids["orders"]: status}, "more": 0}
    assert parcels == {"kind": "parcels.changed", "count": 1}


def test_a_stream_hears_nothing_of_another_organisation(
    client: TestClient, container: Container, world: World, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    """B's stream is open while A scans; the first thing B hears is a notice sent after that."""
    with client.stream("GET", "/api/v1/stream", headers=tenant_b.admin) as stream:
        lines = stream.iter_lines()
        subscribed(lines)
        post(client, tenant_a, [scan(0, "receive")], Role.STATION_ASSOCIATE)
        marker = {"kind": "marker"}
        container.broadcaster().publish(organisation_channel(tenant_b.org_id), marker)
        assert notices(lines, 1) == [marker]


def test_the_tracking_stream_hears_its_order_and_cleans_up_when_closed(
    client: TestClient, container: Container, world: World, tenant_a: Tenant
) -> None:
    """The recipient's stream gets the order's new status; leaving it ends the subscription."""
    order_id = world.ids["orders"]
    link = client.post(f"/api/v1/orders/{order_id}/tracking-link", headers=tenant_a.admin)
    token = link.json()["token"]
    with client.stream("GET", f"/api/v1/track/{token}/stream") as stream:
        assert stream.headers["cache-control"] == "no-store"
        lines = stream.iter_lines()
        subscribed(lines)
        assert container.broadcaster().subscribers(order_channel(order_id)) == 1
        answer = post(client, tenant_a, [scan(0, "receive")], Role.STATION_ASSOCIATE).json()
        status = answer["results"][0]["parcel_status"]
        assert notices(lines, 1) == [{"kind": "order.changed", "status": status}]
    assert container.broadcaster().subscribers(order_channel(order_id)) == 0


def test_max_events_ends_the_stream(
    client: TestClient, container: Container, tenant_a: Tenant
) -> None:
    """With ``max_events=1`` the stream closes after its first notice (scripts, tests)."""
    with client.stream("GET", "/api/v1/stream?max_events=1", headers=tenant_a.admin) as stream:
        lines = stream.iter_lines()
        subscribed(lines)
        container.broadcaster().publish(organisation_channel(tenant_a.org_id), {"kind": "k"})
        assert [line for line in lines if line] == ['data: {"kind":"k"}']


def test_streams_refuse_strangers(client: TestClient, tenant_a: Tenant) -> None:
    """No login: 401 for the staff stream; an unknown tracking token: 404, as for its page."""
    assert client.get("/api/v1/stream").status_code == 401
    driver = client.get("/api/v1/stream", headers=tenant_a.as_(Role.DRIVER))
    assert driver.status_code == 403
    assert client.get("/api/v1/track/tl_nosuchtoken/stream").status_code == 404


def test_a_quiet_stream_sends_heartbeat_comments(
    client: TestClient, tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With nothing to tell, the stream still writes a comment every HEARTBEAT_S (proxies)."""
    monkeypatch.setattr(stream_route, "HEARTBEAT_S", 0.01)
    with client.stream("GET", "/api/v1/stream", headers=tenant_a.admin) as stream:
        lines = stream.iter_lines()
        subscribed(lines)
        assert [next(lines), next(lines), next(lines)] == ["", ": heartbeat", ""]
