"""The sort plan over HTTP: JSON, labels and sheet of the published day; scans held to it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from doorstep.domain.accounts import Role
from tests.entrypoints.api.conftest import Tenant
from tests.entrypoints.api.test_plans import DAY, container, finished, orders, start

__all__ = ["container", "orders"]  # fixtures, used by name


CHECKLIST = [
    "brakes", "tyres", "lights", "mirrors", "horn", "wipers", "fluid_leaks",
    "cargo_door_and_lock", "fire_extinguisher", "first_aid_kit",
]  # fmt: skip


def pre_trip(
    client: TestClient, tenant: Tenant, vehicle: str, day: str, **broken: dict[str, Any]
) -> dict[str, Any]:
    """The driver's pre-trip inspection: every item fine but ``broken`` (item: answer)."""
    items = [{"item": i, "ok": True} | broken.get(i, {}) for i in CHECKLIST]
    answer = client.post(
        f"/api/v1/vehicles/{vehicle}/inspections?date={day}",
        json={"kind": "pre_trip", "items": items},
        headers=tenant.as_(Role.DRIVER),
    )
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def publish_day(client: TestClient, tenant: Tenant) -> str:
    job = finished(client, tenant, start(client, tenant)["id"])
    assert job["status"] == "succeeded", job
    answer = client.post(f"/api/v1/plans/{job['plan_id']}:publish", headers=tenant.admin)
    assert answer.status_code == 200, answer.text
    return str(job["plan_id"])


def test_the_published_day_gives_a_sort_plan_labels_and_a_sheet(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    before = client.get(f"/api/v1/stations/HEL1/sort-plan?date={DAY}", headers=tenant_a.admin)
    assert before.status_code == 404
    assert "publish a version first" in before.text
    plan_id = publish_day(client, tenant_a)
    found = client.get(f"/api/v1/stations/HEL1/sort-plan?date={DAY}", headers=tenant_a.admin)
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["plan_id"] == plan_id
    plan = client.get(f"/api/v1/plans/{plan_id}", headers=tenant_a.admin).json()
    routed = [v["order_id"] for r in plan["routes"] for v in r["visits"]]
    assert sorted(line["order_id"] for line in body["lines"]) == sorted(routed)
    assert {line["lane"] for line in body["lines"]} == {"L01"}
    assert [line["position"] for line in body["lines"]] == list(range(1, len(routed) + 1))
    for kind in ("labels", "sheet"):
        pdf = client.get(
            f"/api/v1/stations/HEL1/sort-plan/{kind}.pdf?date={DAY}", headers=tenant_a.admin
        )
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")


def test_a_mis_sort_is_answered_with_the_right_lane(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    publish_day(client, tenant_a)
    line = client.get(f"/api/v1/stations/HEL1/sort-plan?date={DAY}", headers=tenant_a.admin).json()[
        "lines"
    ][0]
    base = {"barcode": line["barcode"], "device_time": f"{DAY}T06:00:00+02:00"}
    events = [
        base | {"id": "evt-recv-0001", "kind": "receive"},
        base | {"id": "evt-sort-0001", "kind": "sort", "lane": "L42"},
    ]
    answer = client.post(
        "/api/v1/events", json={"events": events}, headers=tenant_a.as_(Role.STATION_ASSOCIATE)
    ).json()
    assert answer["results"][1]["outcome"] == "stored"
    assert f"belongs in lane {line['lane']}" in answer["results"][1]["problem"]
    assert answer["results"][1]["parcel_status"] == "received"


def test_receiving_and_day_end_count_the_parcels_from_their_scans(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    """One parcel scanned in of four, one unknown label; at day end three never arrived."""

    def barcode(n: int) -> str:
        return f"PARCEL-{n}"

    events = [
        {"id": f"evt-in-{n:04d}", "kind": "receive", "barcode": code,
         "device_time": f"{DAY}T06:0{n}:00+02:00"}
        for n, code in enumerate([barcode(1), "STRAY-1"])
    ]  # fmt: skip
    sent = client.post(
        "/api/v1/events", json={"events": events}, headers=tenant_a.as_(Role.STATION_ASSOCIATE)
    )
    assert sent.status_code == 200, sent.text
    got = client.get(f"/api/v1/stations/HEL1/receiving?date={DAY}", headers=tenant_a.admin)
    assert got.status_code == 200, got.text
    (acme,) = got.json()["manifests"]
    assert (acme["expected"], acme["received"]) == (4, [barcode(1)])
    assert sorted(m["barcode"] for m in acme["missing"]) == [barcode(n) for n in (2, 3, 4)]
    assert [u["barcode"] for u in got.json()["unexpected"]] == ["STRAY-1"]
    end = client.get(f"/api/v1/stations/HEL1/day-end?date={DAY}", headers=tenant_a.admin).json()
    assert end["counts"]["at_station"] == 1
    assert end["counts"]["never_received"] == 3
    assert len(end["unaccounted"]) == 3


def test_loading_refuses_the_wrong_van_and_departure_needs_a_reason_for_what_is_missing(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    publish_day(client, tenant_a)
    lines = client.get(
        f"/api/v1/stations/HEL1/sort-plan?date={DAY}", headers=tenant_a.admin
    ).json()["lines"]
    vehicle = lines[0]["vehicle_id"]
    events, n = [], 0
    for line in lines[:-1]:  # the last parcel stays on the shelf
        steps = [("receive", {}), ("sort", {"lane": line["lane"]})]
        if line is lines[0]:
            steps.append(("load", {"vehicle_id": "veh_other"}))  # the wrong van: refused
        steps.append(("load", {"vehicle_id": vehicle}))
        for kind, extra in steps:
            n += 1
            events.append({"id": f"evt-load-{n:04d}", "kind": kind, "barcode": line["barcode"],
                           "device_time": f"{DAY}T06:{n:02d}:00+02:00", **extra})  # fmt: skip
    crew = tenant_a.as_(Role.STATION_ASSOCIATE)
    answer = client.post("/api/v1/events", json={"events": events}, headers=crew).json()
    problems = [r["problem"] for r in answer["results"] if r["problem"]]
    assert len(problems) == 1
    name, lane = lines[0]["vehicle_name"], lines[0]["lane"]  # the van by its name, not its id
    assert problems[0] == (
        f"mis-load: this parcel belongs on {name} (lane {lane}), not vehicle veh_other; take it off"
    )

    path = f"/api/v1/stations/HEL1/load-out/{vehicle}"
    shown = client.get(f"{path}?date={DAY}", headers=tenant_a.admin).json()
    assert [i["load_index"] for i in shown["items"]] == list(range(1, len(lines) + 1))
    assert shown["missing"] == [lines[-1]["barcode"]]
    not_inspected = client.post(
        f"{path}:depart?date={DAY}", json={"override_reason": "label torn"}, headers=crew
    )
    assert not_inspected.status_code == 409
    assert "pre-trip inspection" in not_inspected.text
    pre_trip(client, tenant_a, vehicle, DAY)
    refused_departure = client.post(f"{path}:depart?date={DAY}", json={}, headers=crew)
    assert refused_departure.status_code == 422
    assert lines[-1]["barcode"] in refused_departure.text
    gone = client.post(
        f"{path}:depart?date={DAY}", json={"override_reason": "label torn, parcel held"},
        headers=crew,
    )  # fmt: skip
    assert gone.status_code == 200, gone.text
    assert gone.json()["missing"] == [lines[-1]["barcode"]]
    order = client.get(f"/api/v1/orders/{lines[0]['order_id']}", headers=tenant_a.admin).json()
    assert order["status"] == "out_for_delivery"
    again = client.post(
        f"{path}:depart?date={DAY}", json={"override_reason": "again!"}, headers=crew
    )
    assert again.status_code == 409


def test_an_unsafe_defect_grounds_the_van_until_maintenance_closes(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    publish_day(client, tenant_a)
    vehicle = client.get(
        f"/api/v1/stations/HEL1/sort-plan?date={DAY}", headers=tenant_a.admin
    ).json()["lines"][0]["vehicle_id"]
    found = pre_trip(
        client, tenant_a, vehicle, DAY, tyres={"ok": False, "defect": "flat", "unsafe": True}
    )
    assert found["unsafe"] is True
    record = found["maintenance"]
    assert record["defects"] == ["tyres: flat"]
    path = f"/api/v1/stations/HEL1/load-out/{vehicle}:depart?date={DAY}"
    body = {"override_reason": "nothing loaded yet"}
    grounded = client.post(path, json=body, headers=tenant_a.as_(Role.DRIVER))
    assert grounded.status_code == 409
    assert "out of service (tyres: flat)" in grounded.text
    closed = client.post(
        f"/api/v1/maintenance/{record['id']}:close", json={"note": "tyre changed"},
        headers=tenant_a.admin,
    )  # fmt: skip
    assert closed.status_code == 200, closed.text
    assert closed.json()["closed_by"]
    bad = client.post(
        f"/api/v1/vehicles/{vehicle}/inspections?date={DAY}",
        json={"kind": "pre_trip", "items": [{"item": "brakes", "ok": True}]},
        headers=tenant_a.as_(Role.DRIVER),
    )
    assert bad.status_code == 422
    assert "answer every item of the checklist" in bad.text
