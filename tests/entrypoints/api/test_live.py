"""Live changes to a running plan through the HTTP API: add, take off the road, move."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from doorstep.domain.accounts import Role
from tests.entrypoints.api.conftest import Tenant, order_body
from tests.entrypoints.api.test_plans import DAY, container, finished, orders, start

__all__ = ["container", "orders"]  # fixtures shared with the planning tests


def _published(client: TestClient, tenant: Tenant) -> dict[str, Any]:
    job = finished(client, tenant, start(client, tenant)["id"])
    answer = client.post(f"/api/v1/plans/{job['plan_id']}:publish", headers=tenant.admin)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _new_order(client: TestClient, tenant: Tenant) -> str:
    body = order_body("R-NEW", "PARCEL-NEW")
    body["service_date"] = DAY
    body["location"] = {"lat": 60.1700, "lon": 24.9400}
    body["address"] = {**body["address"], "as_given": "Street 9, 00100 Helsinki"}
    answer = client.post("/api/v1/orders", json=body, headers=tenant.admin)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def test_a_new_order_joins_the_running_plan_and_its_routes_are_improved_after(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    base = _published(client, tenant_a)
    new = _new_order(client, tenant_a)
    answer = client.post(
        f"/api/v1/plans/{base['id']}:add-order",
        json={"order_id": new, "improve_s": 1},
        headers=tenant_a.admin,
    )
    assert answer.status_code == 200, answer.text
    change = answer.json()
    assert change["saved"] is True
    assert change["base_plan_id"] == base["id"]
    plan = change["plan"]
    assert (plan["number"], plan["status"]) == (base["number"] + 1, "published")
    assert new in [v["order_id"] for r in plan["routes"] for v in r["visits"]]
    assert [a["vehicle_id"] for a in change["affected"]]
    job = finished(client, tenant_a, change["improvement_job"]["id"])
    assert job["status"] == "succeeded", job
    assert job["base_plan_id"] == plan["id"]
    assert job["outcome"]
    old = client.get(f"/api/v1/plans/{base['id']}", headers=tenant_a.admin).json()
    assert old["status"] == "superseded"
    # The same request again finds its order planned already: refused, nothing doubled.
    again = client.post(
        f"/api/v1/plans/{base['id']}:add-order", json={"order_id": new}, headers=tenant_a.admin
    )
    assert again.status_code == 409, again.text


def test_a_move_is_previewed_then_saved_and_a_breakdown_hands_stops_on(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    base = _published(client, tenant_a)
    (route,) = base["routes"]
    first = route["visits"][0]["order_id"]
    body = {"order_ids": [first], "vehicle_id": route["vehicle_id"], "position": 1}
    preview = client.post(f"/api/v1/plans/{base['id']}:move", json=body, headers=tenant_a.admin)
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert shown["saved"] is False
    moved = [v["order_id"] for v in shown["plan"]["routes"][0]["visits"]]
    assert moved.index(first) == 1
    assert isinstance(shown["cost_change"], float)
    listed = client.get(f"/api/v1/plans?station=HEL1&date={DAY}", headers=tenant_a.admin).json()
    assert len(listed["items"]) == 1, "a preview stores nothing"
    saved = client.post(
        f"/api/v1/plans/{base['id']}:move", json={**body, "save": True}, headers=tenant_a.admin
    )
    assert saved.status_code == 200, saved.text
    latest = saved.json()["plan"]
    off = client.post(
        f"/api/v1/plans/{latest['id']}:take-off-road",
        json={"vehicle_id": route["vehicle_id"], "improve_s": 1},
        headers=tenant_a.admin,
    )
    assert off.status_code == 200, off.text
    result = off.json()
    # Stops are left out: the improvement job is for the vans still at the station too
    # (here none: the only van is the broken one, so nothing better is found).
    assert [a["vehicle_id"] for a in result["affected"]] == [route["vehicle_id"]]
    job = finished(client, tenant_a, result["improvement_job"]["id"])
    assert job["status"] == "succeeded", job
    assert job["plan_id"] is None  # nothing better: no version stored
    # The only van is gone before it left: every order is left out, each with a reason.
    assert result["plan"]["routes"] == []
    assert sorted(u["order_id"] for u in result["plan"]["unassigned"]) == sorted(orders)
    # In money, the day costs its route less; stops left out are not priced there.
    (gone,) = latest["routes"]
    assert result["route_cost_change"] == -gone["cost"]
    assert all(u["message"] for u in result["plan"]["unassigned"])


def test_an_improvement_is_asked_for_by_itself_and_runs_as_a_job(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    base = _published(client, tenant_a)
    url = f"/api/v1/plans/{base['id']}:improve"
    started = client.post(
        url, json={"station_vans": True, "time_limit_s": 1}, headers=tenant_a.admin
    )
    assert started.status_code == 202, started.text
    job = finished(client, tenant_a, started.json()["id"])
    assert (job["status"], job["base_plan_id"]) == ("succeeded", base["id"])
    assert job["outcome"]
    nothing = client.post(url, json={"time_limit_s": 1}, headers=tenant_a.admin)
    assert nothing.status_code == 422, nothing.text
    assert "vehicle_ids" in nothing.text
    assert "station_vans" in nothing.text
    unknown = client.post(
        "/api/v1/plans/pln_nosuch:improve", json={"station_vans": True}, headers=tenant_a.admin
    )
    assert unknown.status_code == 404, unknown.text
    viewer = client.post(url, json={"station_vans": True}, headers=tenant_a.as_(Role.VIEWER))
    assert viewer.status_code == 403, viewer.text


def test_bad_live_changes_are_answered_with_the_field_and_the_fix(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    base = _published(client, tenant_a)
    url = f"/api/v1/plans/{base['id']}"
    unknown = client.post(
        f"{url}:take-off-road", json={"vehicle_id": "veh_x"}, headers=tenant_a.admin
    )
    assert unknown.status_code == 422, unknown.text
    assert "veh_x" in unknown.text
    empty = client.post(
        f"{url}:move", json={"order_ids": [], "vehicle_id": "v"}, headers=tenant_a.admin
    )
    assert empty.status_code == 422
    missing = client.post(f"{url}:add-order", json={"order_id": "ord_nope"}, headers=tenant_a.admin)
    assert missing.status_code == 404, missing.text
    as_viewer = tenant_a.as_(Role.VIEWER)
    viewer = client.post(f"{url}:add-order", json={"order_id": orders[0]}, headers=as_viewer)
    assert viewer.status_code == 403
