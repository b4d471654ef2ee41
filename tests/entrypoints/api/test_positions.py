"""GPS pings over HTTP: a batch stored once, bad pings named, trails and visits read back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Role
from tests.entrypoints.api.conftest import Tenant, straight_lines
from tests.entrypoints.api.test_plans import DAY, orders
from tests.entrypoints.api.test_station_day import publish_day
from tests.services.fakes import FakeClock

__all__ = ["orders"]  # fixtures, used by name

NINE = datetime.fromisoformat(f"{DAY}T09:00:00+02:00")


@pytest.fixture
def container(container: Container) -> Iterator[Container]:
    """Haversine travel times (no road region), and a clock standing in the evening of DAY,
    so that the day's pings are not ahead of the server."""
    with straight_lines(container, FakeClock(NINE + timedelta(hours=11))) as own:
        yield own


def ping(vehicle: str, second: int, lat: float, lon: float, **extra: Any) -> dict[str, Any]:
    at = (NINE + timedelta(seconds=second)).isoformat()
    body = {"device_id": "phone-1", "vehicle_id": vehicle, "device_time": at, "lat": lat}
    return body | {"lon": lon, "accuracy_m": 5, "speed_mps": 0.5} | extra


def van_id(client: TestClient, tenant: Tenant) -> str:
    (van,) = client.get("/api/v1/vehicles", headers=tenant.admin).json()
    return str(van["id"])


def test_a_retried_batch_is_all_duplicates_and_a_bad_ping_is_named(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    """The driver's batch again stores nothing; a bad latitude is rejected by index and field
    while the rest of its batch is stored; the trail comes back in time order."""
    van = van_id(client, tenant_a)
    batch = [ping(van, 10 * i, 60.17, 24.94) for i in range(30)][::-1]
    driver = tenant_a.as_(Role.DRIVER)
    first = client.post("/api/v1/positions", json={"pings": batch}, headers=driver)
    assert first.json() == {"stored": 30, "duplicate": 0, "rejected": []}
    again = client.post("/api/v1/positions", json={"pings": batch}, headers=driver)
    assert again.json() == {"stored": 0, "duplicate": 30, "rejected": []}
    bad = [ping(van, 400, 91.5, 24.94), ping(van, 410, 60.17, 24.94, source="telematics")]
    mixed = client.post("/api/v1/positions", json={"pings": bad}, headers=driver).json()
    assert (mixed["stored"], [(r["index"], r["field"]) for r in mixed["rejected"]]) == (
        1,
        [(0, "lat")],
    )
    path = f"/api/v1/vehicles/{van}/breadcrumbs?date={DAY}"
    trail = client.get(path, headers=tenant_a.as_(Role.DISPATCHER)).json()["pings"]
    assert [p["device_time"] for p in trail] == sorted(p["device_time"] for p in trail)
    assert len(trail) == 31
    thin = client.get(f"{path}&min_interval_s=60", headers=tenant_a.as_(Role.VIEWER)).json()
    assert len(thin["pings"]) == 6  # 0, 60, ... 240, and the last at 410
    assert client.get(path, headers=driver).status_code == 403


def test_visits_are_read_from_pings_at_the_published_route_stops(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    """Two minutes parked at each of the first two stops give their two visits, in order."""
    publish_day(client, tenant_a)
    van = van_id(client, tenant_a)
    route = client.get(f"/api/v1/vehicles/{van}/route?date={DAY}", headers=tenant_a.admin).json()
    stops = route["stops"][:2]
    batch = []
    for n, stop in enumerate(stops):
        start = 600 * n
        batch += [ping(van, start + 10 * i, stop["lat"], stop["lon"]) for i in range(12)]
        batch += [ping(van, start + 300 + 10 * i, 60.30, 25.10) for i in range(5)]
    sent = client.post("/api/v1/positions", json={"pings": batch}, headers=tenant_a.admin)
    assert sent.json()["stored"] == len(batch)
    found = client.get(f"/api/v1/vehicles/Van 1/visits?date={DAY}", headers=tenant_a.admin)
    visits = found.json()["visits"]
    assert [(v["number"], v["stop_id"]) for v in visits] == [
        (1, stops[0]["order_id"]),
        (2, stops[1]["order_id"]),
    ]
    assert visits[0]["arrived_at"] == "2026-11-23T07:00:00Z"
    assert visits[0]["departed_at"] == "2026-11-23T07:05:00Z"


def test_settings_are_read_and_changed_by_the_admin(client: TestClient, tenant_a: Tenant) -> None:
    """Defaults first; a change sticks; a nonsense value is a 422 naming the field."""
    path = "/api/v1/positions/settings"
    assert client.get(path, headers=tenant_a.admin).json() == {
        "retention_days": 90,
        "geofence_radius_m": 50.0,
        "geofence_dwell_s": 60.0,
    }
    changed = client.patch(path, json={"retention_days": 30}, headers=tenant_a.admin)
    assert changed.json()["retention_days"] == 30
    wrong = client.patch(path, json={"geofence_radius_m": -1}, headers=tenant_a.admin)
    assert wrong.status_code == 422
    assert "geofence_radius_m" in wrong.text
    refused = client.patch(path, json={"retention_days": 5}, headers=tenant_a.as_(Role.DISPATCHER))
    assert refused.status_code == 403
