"""Allocation over HTTP on both databases: a run is a planning job (202, polled, cancelled)
whose finished record names the plan and says where the orders went; the day's list reads
every decision back with its reasons, rules are replaced whole, and bad input is 422."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Role
from tests.entrypoints.api.conftest import (
    Tenant,
    order_body,
    station_body,
    straight_lines,
    vehicle_body,
)
from tests.entrypoints.api.test_carriers import import_samples
from tests.entrypoints.api.test_plans import finished, poll

DAY = "2026-11-23"
PLACES = [(60.1686, 24.9414), (60.1750, 24.9300), (60.1800, 24.9500), (60.1900, 24.9600)]


@pytest.fixture
def container(container: Container) -> Iterator[Container]:
    """The test's container with haversine travel times (no road region is needed) and planning
    jobs of its own: PostgreSQL's container is shared, and jobs keep the ports they were made
    with."""
    with straight_lines(container) as own:
        yield own


@pytest.fixture
def day(client: TestClient, tenant_a: Tenant) -> list[str]:
    """HEL1, a van, the sample carriers and four ready orders of DAY (one with a window)."""
    for path, body in (("stations", station_body()), ("vehicles", vehicle_body())):
        answer = client.post(f"/api/v1/{path}", json=body, headers=tenant_a.admin)
        assert answer.status_code == 201, answer.text
    import_samples(client, tenant_a)
    ids = []
    for i, (lat, lon) in enumerate(PLACES, start=1):
        body = order_body(f"R-{i}", f"PARCEL-{i}")
        body["service_date"] = DAY
        body["location"] = {"lat": lat, "lon": lon}
        body["address"] = {**body["address"], "as_given": f"Street {i}, 00100 Helsinki"}
        if i > 1:
            body["time_windows"] = []
        answer = client.post("/api/v1/orders", json=body, headers=tenant_a.admin)
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    return ids


def start(client: TestClient, tenant: Tenant, **body: object) -> dict[str, object]:
    answer = client.post(
        "/api/v1/allocations:run",
        json={"station": "HEL1", "date": DAY, "time_limit_s": 1, **body},
        headers=tenant.admin,
    )
    assert answer.status_code == 202, answer.text
    return dict(answer.json())


def test_a_run_is_a_job_that_decides_every_order_and_the_list_reads_the_reasons_back(
    client: TestClient, tenant_a: Tenant, tenant_b: Tenant, day: list[str]
) -> None:
    queued = start(client, tenant_a)
    assert queued["status"] in {"queued", "running"}
    assert queued["plan_id"] is None
    job = finished(client, tenant_a, str(queued["id"]))
    assert job["status"] == "succeeded", job
    items = client.get(
        f"/api/v1/allocations?station=HEL1&date={DAY}", headers=tenant_a.as_(Role.VIEWER)
    ).json()["items"]
    assert sorted(i["order_id"] for i in items) == sorted(day)
    for decision in items:
        assert decision["summary"]
        assert decision["reasons"][0].startswith("chosen: ") or not decision["within_level"]
    own = sum(1 for i in items if i["kind"] == "own_fleet" and i["within_level"])
    partners = sum(1 for i in items if i["kind"] == "partner")
    plan = client.get(f"/api/v1/plans/{job['plan_id']}", headers=tenant_a.admin).json()
    assert plan["status"] == "draft"
    # The outcome in words: the counts the list shows, and the plan the job names.
    assert job["outcome"].startswith(f"{own} order{'' if own == 1 else 's'} to the own fleet, ")
    assert f", {partners} to partners" in job["outcome"]
    assert job["outcome"].endswith(f"the own fleet's plan is plan {plan['number']} (a draft)")
    other = client.get(f"/api/v1/allocations?date={DAY}", headers=tenant_b.admin)
    assert other.json() == {"items": []}


def test_cancelling_a_running_allocation_stores_nothing(
    client: TestClient, tenant_a: Tenant, day: list[str]
) -> None:
    """Asked to stop while searching, the job ends cancelled with no plan and no decisions."""
    job_id = str(start(client, tenant_a, time_limit_s=60)["id"])
    poll(client, tenant_a, job_id, lambda job: job["progress"] is not None)
    asked = client.post(f"/api/v1/planning-jobs/{job_id}:cancel", headers=tenant_a.admin)
    assert asked.status_code == 200, asked.text
    job = finished(client, tenant_a, job_id)
    assert (job["status"], job["plan_id"], job["error"]) == ("cancelled", None, None)
    assert job["outcome"] == "cancelled: nothing stored; the day's earlier allocations stand"
    listed = client.get(f"/api/v1/allocations?date={DAY}", headers=tenant_a.admin).json()
    assert listed == {"items": []}
    plans = client.get(f"/api/v1/plans?station=HEL1&date={DAY}", headers=tenant_a.admin).json()
    assert plans["items"] == []


def test_rules_are_read_and_replaced(client: TestClient, tenant_a: Tenant) -> None:
    assert client.get("/api/v1/allocations/rules", headers=tenant_a.admin).json() == {
        "never": [], "own_fleet_share": 0.9, "max_price_cents": None,
    }  # fmt: skip
    body = {"never": [["refrigerated", "kaupunkikuriiri"]], "own_fleet_share": 0.8}
    put = client.put("/api/v1/allocations/rules", json=body, headers=tenant_a.admin)
    assert put.status_code == 200, put.text
    got = client.get("/api/v1/allocations/rules", headers=tenant_a.admin).json()
    assert got == {**body, "max_price_cents": None}
    viewer = client.put("/api/v1/allocations/rules", json=body, headers=tenant_a.as_(Role.VIEWER))
    assert viewer.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"station": "HEL1"},
        {"station": "HEL1", "date": "23.11.2026"},
        {"station": "HEL1", "date": DAY, "time_limit_s": 0},
        {"station": "", "date": DAY},
        {"station": "HEL1", "date": DAY, "extra": 1},
    ],
)
def test_bad_run_input_is_422(
    client: TestClient, tenant_a: Tenant, body: dict[str, object]
) -> None:
    answer = client.post("/api/v1/allocations:run", json=body, headers=tenant_a.admin)
    assert answer.status_code == 422, answer.text


def test_bad_list_rules_and_station_input_is_422(client: TestClient, tenant_a: Tenant) -> None:
    assert client.get("/api/v1/allocations?date=x", headers=tenant_a.admin).status_code == 422
    assert client.get("/api/v1/allocations", headers=tenant_a.admin).status_code == 422
    bad = {"own_fleet_share": 2}
    put = client.put("/api/v1/allocations/rules", json=bad, headers=tenant_a.admin)
    assert put.status_code == 422
    missing = client.post(
        "/api/v1/allocations:run", json={"station": "NOPE", "date": DAY}, headers=tenant_a.admin
    )
    assert missing.status_code == 422, missing.text
    empty = client.get(f"/api/v1/allocations?station=NOPE&date={DAY}", headers=tenant_a.admin)
    assert empty.status_code == 422


def test_a_day_without_orders_fails_the_job_saying_why(
    client: TestClient, tenant_a: Tenant
) -> None:
    client.post("/api/v1/stations", json=station_body(), headers=tenant_a.admin)
    job = finished(client, tenant_a, str(start(client, tenant_a)["id"]))
    assert job["status"] == "failed"
    assert job["error"] == (
        f"station HEL1 on {DAY} has no ready orders with a location: nothing to allocate"
    )
