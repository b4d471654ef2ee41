"""Allocation over HTTP on both databases: a run answers every order's decision with reasons,
the day's list reads them back, rules are replaced whole, and bad input is 422, never a 500."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Role
from tests.entrypoints.api.conftest import Tenant, order_body, station_body, vehicle_body
from tests.entrypoints.api.test_carriers import import_samples

DAY = "2026-11-23"
PLACES = [(60.1686, 24.9414), (60.1750, 24.9300), (60.1800, 24.9500), (60.1900, 24.9600)]


@pytest.fixture
def container(container: Container) -> Container:
    """The test's container with haversine travel times: no road region is needed."""
    settings = container.settings.model_copy(update={"travel_provider": "haversine"})
    own = replace(container, settings=settings, _travel={}, _geocoders={}, _matrices={})
    return own


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


def test_a_run_decides_every_order_and_the_list_reads_the_reasons_back(
    client: TestClient, tenant_a: Tenant, tenant_b: Tenant, day: list[str]
) -> None:
    answer = client.post(
        "/api/v1/allocations:run",
        json={"station": "HEL1", "date": DAY, "time_limit_s": 1},
        headers=tenant_a.admin,
    )
    assert answer.status_code == 200, answer.text
    run = answer.json()
    assert sorted(d["order_id"] for d in run["decisions"]) == sorted(day)
    assert run["totals"]["orders"] == 4
    for decision in run["decisions"]:
        assert decision["summary"]
        assert decision["reasons"][0].startswith("chosen: ") or not decision["within_level"]
    listed = client.get(
        f"/api/v1/allocations?station=HEL1&date={DAY}", headers=tenant_a.as_(Role.VIEWER)
    )
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert sorted(i["order_id"] for i in items) == sorted(day)
    assert {i["order_id"]: i["reasons"] for i in items} == {
        d["order_id"]: d["reasons"] for d in run["decisions"]
    }
    other = client.get(f"/api/v1/allocations?date={DAY}", headers=tenant_b.admin)
    assert other.json() == {"items": []}


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


def test_a_day_without_orders_is_a_conflict(client: TestClient, tenant_a: Tenant) -> None:
    client.post("/api/v1/stations", json=station_body(), headers=tenant_a.admin)
    answer = client.post(
        "/api/v1/allocations:run", json={"station": "HEL1", "date": DAY}, headers=tenant_a.admin
    )
    assert answer.status_code == 409, answer.text
