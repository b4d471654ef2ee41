"""The driver's hours over HTTP: duty changes from the app, the clock with its findings."""

from __future__ import annotations

from fastapi.testclient import TestClient

from doorstep.domain.accounts import Role
from tests.entrypoints.api.conftest import Tenant, World

DAY = "2026-11-23"


def test_duty_changes_add_up_to_the_clock_and_its_findings(
    client: TestClient, world: World, tenant_a: Tenant
) -> None:
    """EU rules: 4 h 40 min of driving without a break is a break violation from 10:30."""
    driver = world.ids["drivers"]
    changes = [
        {"id": "duty-0001-drive", "status": "driving", "at": f"{DAY}T06:00:00+02:00"},
        {"id": "duty-0002-stop", "status": "on_duty", "at": f"{DAY}T10:40:00+02:00"},
    ]
    path = f"/api/v1/drivers/{driver}"
    sent = client.post(f"{path}/duty", json={"changes": changes}, headers=tenant_a.as_(Role.DRIVER))
    assert sent.json() == {"stored": 2, "duplicates": 0}
    again = client.post(
        f"{path}/duty", json={"changes": changes[::-1]}, headers=tenant_a.as_(Role.DRIVER)
    )
    assert again.json() == {"stored": 0, "duplicates": 2}
    at = f"{DAY}T10:45:00%2B02:00"
    found = client.get(f"{path}/hours?rules=eu_561&at={at}", headers=tenant_a.admin).json()
    assert found["driving_s"] == 4 * 3600 + 40 * 60
    assert found["driving_left_s"] == 9 * 3600 - found["driving_s"]
    (violation,) = [f for f in found["findings"] if f["kind"] == "violation"]
    assert violation["rule"] == "break"
    assert violation["at"].startswith(f"{DAY}T08:30:00")  # 10:30 +02:00, in UTC
    fmcsa = client.get(f"{path}/hours?rules=fmcsa_property&at={at}", headers=tenant_a.admin)
    assert [f for f in fmcsa.json()["findings"] if f["kind"] == "violation"] == []
    naive = client.get(f"{path}/hours?at={DAY}T10:45:00", headers=tenant_a.admin)
    assert naive.status_code == 422
    assert "at" in naive.text
