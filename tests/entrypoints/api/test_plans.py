"""Planning jobs and plan versions through the HTTP API, with straight-line travel times."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

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

DAY = "2026-11-23"
PLACES = [(60.1686, 24.9414), (60.1620, 24.9300), (60.1750, 24.9500), (60.1800, 24.9200)]
FINISHED = {"succeeded", "failed", "cancelled"}
BOUND_S = 30.0  # a wait for the job, not a timing assertion: far above what a run needs


@pytest.fixture
def container(container: Container) -> Iterator[Container]:
    """The test's container, but with haversine travel times: no road region is needed."""
    with straight_lines(container) as own:
        yield own


@pytest.fixture
def orders(client: TestClient, tenant_a: Tenant) -> list[str]:
    """Station HEL1, one van and four ready orders of DAY, each at its own address."""
    for path, body in (("stations", station_body()), ("vehicles", vehicle_body())):
        answer = client.post(f"/api/v1/{path}", json=body, headers=tenant_a.admin)
        assert answer.status_code == 201, answer.text
    ids = []
    for i, (lat, lon) in enumerate(PLACES, start=1):
        body = order_body(f"R-{i}", f"PARCEL-{i}")
        body["service_date"] = DAY
        body["location"] = {"lat": lat, "lon": lon}
        body["address"] = {**body["address"], "as_given": f"Street {i}, 00100 Helsinki"}
        answer = client.post("/api/v1/orders", json=body, headers=tenant_a.admin)
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    return ids


def start(client: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    answer = client.post(
        "/api/v1/planning-jobs",
        json={"station": "HEL1", "date": DAY, "time_limit_s": 1, **body},
        headers=tenant.admin,
    )
    assert answer.status_code == 202, answer.text
    return dict(answer.json())


def poll(client: TestClient, tenant: Tenant, job_id: str, until: Any) -> dict[str, Any]:
    """The job once ``until(job)`` holds; fails after BOUND_S seconds."""
    deadline = time.monotonic() + BOUND_S
    while True:
        job = client.get(f"/api/v1/planning-jobs/{job_id}", headers=tenant.admin).json()
        if until(job):
            return dict(job)
        assert time.monotonic() < deadline, f"job {job_id} still {job['status']}: {job}"
        time.sleep(0.05)


def finished(client: TestClient, tenant: Tenant, job_id: str) -> dict[str, Any]:
    return poll(client, tenant, job_id, lambda job: job["status"] in FINISHED)


def test_a_job_plans_the_day_then_its_plan_is_published_and_explained(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    """A job stores a plan holding every order on a route or with a reason; it can be published."""
    queued = start(client, tenant_a)
    assert queued["status"] in {"queued", "running"}
    assert queued["plan_id"] is None
    job = finished(client, tenant_a, queued["id"])
    assert job["status"] == "succeeded", job
    assert job["progress"]["elapsed_s"] >= 0
    assert job["finished_at"] >= job["started_at"]

    plan = client.get(f"/api/v1/plans/{job['plan_id']}", headers=tenant_a.admin).json()
    routed = [v["order_id"] for r in plan["routes"] for v in r["visits"]]
    left = [u["order_id"] for u in plan["unassigned"]]
    assert sorted(routed + left) == sorted(orders)
    assert all(u["code"] and u["message"] for u in plan["unassigned"])
    for visit in (v for r in plan["routes"] for v in r["visits"]):
        arrival = datetime.fromisoformat(visit["arrival_at"])
        assert arrival.utcoffset() is not None
        assert arrival.date().isoformat() == DAY

    listed = client.get(f"/api/v1/plans?station=HEL1&date={DAY}", headers=tenant_a.admin).json()
    assert [p["id"] for p in listed["items"]] == [plan["id"]]
    published = client.post(f"/api/v1/plans/{plan['id']}:publish", headers=tenant_a.admin)
    assert published.status_code == 200
    assert published.json()["status"] == "published"

    explained = client.get(f"/api/v1/orders/{orders[0]}/plan", headers=tenant_a.admin).json()
    assert explained["plan"]["id"] == plan["id"]
    assert (explained["vehicle_id"] is None) == (orders[0] in left)


def test_a_finished_jobs_last_progress_is_the_stored_plans_route_cost(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    """The progress tells the plan's cost in currency, not the solver's objective.

    One van serves all four orders (nothing is left out, so no penalty is in the plan's cost):
    the last report's cost is then the stored plan's cost to the cent, and the sum of its
    routes' costs within their rounding to cents.
    """
    job = finished(client, tenant_a, start(client, tenant_a)["id"])
    assert job["status"] == "succeeded", job
    plan = client.get(f"/api/v1/plans/{job['plan_id']}", headers=tenant_a.admin).json()
    assert plan["unassigned"] == []
    progress = job["progress"]
    assert progress["left_out"] == 0
    assert progress["feasible"] is True
    assert progress["best_cost"] == plan["cost"]
    routes = [r["cost"] for r in plan["routes"]]
    assert abs(progress["best_cost"] - sum(routes)) <= 0.005 * len(routes) + 1e-9
    assert progress["best_cost"] > 0
    # The objective is still there under its own name, for whoever watched the search with it.
    assert progress["search_objective"] is not None


def test_a_second_run_compares_with_the_first_and_keeps_locked_routes(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    """Locking a route of the latest plan carries into the next run; plans:compare lists both."""
    first = finished(client, tenant_a, start(client, tenant_a)["id"])["plan_id"]
    plan = client.get(f"/api/v1/plans/{first}", headers=tenant_a.admin).json()
    route = next(r for r in plan["routes"] if r["visits"])
    lock = client.post(
        f"/api/v1/plans/{first}/routes/{route['vehicle_id']}:lock",
        json={"closed": True},
        headers=tenant_a.admin,
    )
    assert lock.status_code == 200, lock.text
    assert lock.json()["locked"][0]["closed"] is True

    second = finished(client, tenant_a, start(client, tenant_a, seed=1)["id"])["plan_id"]
    again = client.get(f"/api/v1/plans/{second}", headers=tenant_a.admin).json()
    assert again["number"] == 2
    assert again["locked"] == lock.json()["locked"]
    compared = client.get(f"/api/v1/plans:compare?a={first}&b={second}", headers=tenant_a.admin)
    assert compared.status_code == 200, compared.text
    assert (compared.json()["a"]["plan_id"], compared.json()["b"]["plan_id"]) == (first, second)


def test_cancelling_a_running_job_stores_the_best_plan_so_far(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    """A running job asked to stop ends cancelled long before its limit, naming the plan kept."""
    job_id = start(client, tenant_a, time_limit_s=60)["id"]
    poll(client, tenant_a, job_id, lambda job: job["progress"] is not None)
    asked = client.post(f"/api/v1/planning-jobs/{job_id}:cancel", headers=tenant_a.admin)
    assert asked.status_code == 200
    assert asked.json()["cancel_requested"] is True
    job = finished(client, tenant_a, job_id)
    assert job["status"] == "cancelled"
    assert job["error"] is None
    plan = client.get(f"/api/v1/plans/{job['plan_id']}", headers=tenant_a.admin)
    assert plan.status_code == 200
    assert plan.json()["status"] == "draft"


def test_cancelling_a_queued_job_ends_it_at_once_without_a_plan(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    """Jobs run one at a time; one still waiting is cancelled on the spot and makes no plan."""
    running = start(client, tenant_a, time_limit_s=60)["id"]
    waiting = start(client, tenant_a, time_limit_s=60)["id"]
    answer = client.post(f"/api/v1/planning-jobs/{waiting}:cancel", headers=tenant_a.admin)
    assert answer.json()["status"] == "cancelled"
    assert answer.json()["plan_id"] is None
    client.post(f"/api/v1/planning-jobs/{running}:cancel", headers=tenant_a.admin)
    assert finished(client, tenant_a, running)["status"] == "cancelled"
    assert finished(client, tenant_a, waiting)["plan_id"] is None


def test_cancelling_a_finished_job_is_a_conflict_naming_its_status(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    """A job that already succeeded cannot be cancelled: 409 saying it succeeded."""
    job_id = start(client, tenant_a)["id"]
    finished(client, tenant_a, job_id)
    answer = client.post(f"/api/v1/planning-jobs/{job_id}:cancel", headers=tenant_a.admin)
    assert answer.status_code == 409
    assert "succeeded" in answer.json()["detail"]


def test_a_viewer_reads_but_cannot_start_or_cancel_jobs(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    """plans:write is checked before anything is queued: a viewer gets 403 at once."""
    viewer = tenant_a.as_(Role.VIEWER)
    body = {"station": "HEL1", "date": DAY, "time_limit_s": 1}
    assert client.post("/api/v1/planning-jobs", json=body, headers=viewer).status_code == 403
    job_id = start(client, tenant_a)["id"]
    assert client.get(f"/api/v1/planning-jobs/{job_id}", headers=viewer).status_code == 200
    cancel = client.post(f"/api/v1/planning-jobs/{job_id}:cancel", headers=viewer)
    assert cancel.status_code == 403
    finished(client, tenant_a, job_id)


def test_another_organisation_finds_neither_the_job_nor_its_plan(
    client: TestClient, tenant_a: Tenant, tenant_b: Tenant, orders: list[str]
) -> None:
    """Jobs and plans are per organisation: another one gets 404 and learns nothing."""
    job = finished(client, tenant_a, start(client, tenant_a)["id"])
    paths = [
        ("get", f"/api/v1/planning-jobs/{job['id']}"),
        ("post", f"/api/v1/planning-jobs/{job['id']}:cancel"),
        ("get", f"/api/v1/plans/{job['plan_id']}"),
        ("post", f"/api/v1/plans/{job['plan_id']}:publish"),
        ("get", f"/api/v1/orders/{orders[0]}/plan"),
    ]
    for method, path in paths:
        answer = client.request(method, path, headers=tenant_b.admin)
        assert answer.status_code == 404, (path, answer.text)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"station": "NOPE"}, "station"),
        ({"time_limit_s": -1}, "time_limit_s"),
        ({"time_limit_s": 3601}, "time_limit_s"),
        ({"date": "soon"}, "date"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_job_input_is_422_naming_the_field(
    client: TestClient, tenant_a: Tenant, orders: list[str], change: dict[str, Any], field: str
) -> None:
    """An unknown station, a time limit out of range or a date that is not one is refused now."""
    body = {"station": "HEL1", "date": DAY, "time_limit_s": 1, **change}
    answer = client.post("/api/v1/planning-jobs", json=body, headers=tenant_a.admin)
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == [field]
