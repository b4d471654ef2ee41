"""Two delivery days through the HTTP API only, from receiving to zero unaccounted parcels.

Day 1: ten parcels are received, sorted and loaded (one load onto the wrong van refused), the
van departs; two are delivered and eight fail, one for each reason, and come back. Closing
the day puts the eight into the next day's planning. Day 2: planned, sorted and loaded again;
seven are delivered, one fails again and, with two attempts allowed, goes back to the sender.
Both days end with every parcel accounted for, and the exception queue empty once a
dispatcher resolves the one case no scan put right.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from doorstep.domain.accounts import Role
from tests.entrypoints.api.conftest import Tenant, order_body, station_body, vehicle_body
from tests.entrypoints.api.test_plans import container, finished, start
from tests.entrypoints.api.test_station_day import pre_trip

__all__ = ["container"]  # a fixture, used by name

DAY1, DAY2 = "2026-11-23", "2026-11-24"
# Each order asks for one kind of proof, so the two days deliver with every kind.
KINDS = ["signature", "photo", "pin", "minimum_age", "none"] * 2
PNG = b"\x89PNG\r\n\x1a\n" + b"image bytes"
JPEG = b"\xff\xd8\xff\xe0" + b"a photo of the parcel at the door"
REASONS = [
    "recipient_absent", "no_access", "address_not_found", "refused", "damaged",
    "business_closed", "unsafe", "out_of_time",
]  # fmt: skip


class Day:
    """One station day driven over HTTP by the station crew and the driver."""

    def __init__(self, client: TestClient, tenant: Tenant, day: str) -> None:
        self.client, self.tenant, self.day = client, tenant, day
        self.crew = tenant.as_(Role.STATION_ASSOCIATE)
        self.driver = tenant.as_(Role.DRIVER)
        self.n = 0

    def get(self, path: str) -> Any:
        answer = self.client.get(f"/api/v1{path}", headers=self.tenant.admin)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def plan_and_publish(self) -> list[dict[str, Any]]:
        job = finished(
            self.client, self.tenant, start(self.client, self.tenant, date=self.day)["id"]
        )
        assert job["status"] == "succeeded", job
        plan = self.get(f"/plans/{job['plan_id']}")
        assert plan["unassigned"] == [], plan["unassigned"]
        published = self.client.post(
            f"/api/v1/plans/{job['plan_id']}:publish", headers=self.tenant.admin
        )
        assert published.status_code == 200, published.text
        lines: list[dict[str, Any]] = self.get(f"/stations/HEL1/sort-plan?date={self.day}")["lines"]
        return lines

    def scan(self, kind: str, barcode: str, who: dict[str, str], **extra: Any) -> dict[str, Any]:
        self.n += 1
        event = {
            "id": f"{self.day}-{self.n:05d}", "kind": kind, "barcode": barcode,
            "device_time": f"{self.day}T{6 + self.n // 60:02d}:{self.n % 60:02d}:00+02:00",
            **extra,
        }  # fmt: skip
        answer = self.client.post("/api/v1/events", json={"events": [event]}, headers=who)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()["results"][0]
        assert result["outcome"] == "stored", result
        return result

    def load_and_depart(self, lines: list[dict[str, Any]], *, received: set[str]) -> str:
        """Receive (unless in ``received``), sort and load every parcel; then depart."""
        vehicle = lines[0]["vehicle_id"]
        for line in lines:
            code = line["barcode"]
            steps = [] if code in received else [("receive", {})]
            steps += [("sort", {"lane": line["lane"]}), ("load", {"vehicle_id": vehicle})]
            for kind, extra in steps:
                assert self.scan(kind, code, self.crew, **extra)["problem"] is None, (kind, code)
        pre_trip(self.client, self.tenant, vehicle, self.day)
        # (Read as dispatch: no driver's login is linked to this route's driver.)
        route = self.client.get(
            f"/api/v1/vehicles/{vehicle}/route?date={self.day}",
            headers=self.tenant.as_(Role.DISPATCHER),
        ).json()
        assert [s["number"] for s in route["stops"]] == list(range(1, len(lines) + 1))
        by_stop = sorted(lines, key=lambda line: line["position"])
        assert [s["order_id"] for s in route["stops"]] == [line["order_id"] for line in by_stop]
        assert {p["status"] for s in route["stops"] for p in s["parcels"]} == {"loaded"}
        assert route["open_stops"] == len(lines)
        answer = self.client.post(
            f"/api/v1/stations/HEL1/load-out/{vehicle}:depart?date={self.day}",
            json={},
            headers=self.driver,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["missing"] == []
        return vehicle

    def upload(self, data: bytes, media_type: str) -> str:
        headers = {**self.driver, "Content-Type": media_type}
        answer = self.client.post("/api/v1/proof-files", content=data, headers=headers)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["sha256"])

    def proof(self, kind: str, n: int) -> dict[str, Any]:
        """The proof a driver captures for ``kind``; orders without one alternate between
        a safe place and a neighbour, each with a photo."""
        photo = self.upload(JPEG + bytes([n]), "image/jpeg")
        if kind == "signature":
            return {"recipient_name": "Aino", "signature_sha256": self.upload(PNG, "image/png")}
        if kind == "photo":
            return {"photo_sha256": photo}
        if kind == "pin":
            return {"pin": "4821"}
        if kind == "minimum_age":
            return {"recipient_name": "Aino", "age_verified": True}
        place = {"safe_place": "behind the blue door"} if n % 2 else {"neighbour": "B 12"}
        return place | {"photo_sha256": photo}

    def deliver(self, code: str, kind: str, n: int) -> None:
        """Without its proof a delivery is refused; with it, it counts."""
        if kind != "none":
            refused = self.client.post(
                "/api/v1/events",
                json={"events": [{"id": f"{self.day}-bare-{n}", "kind": "deliver", "barcode": code,
                                  "device_time": f"{self.day}T12:00:00+02:00"}]},
                headers=self.driver,
            ).json()["results"][0]  # fmt: skip
            assert (refused["outcome"], refused["message"][:5]) == ("rejected", "proof"), refused
        done = self.scan("deliver", code, self.driver, proof=self.proof(kind, n))
        assert done["parcel_status"] == "delivered", done

    def close(self) -> dict[str, Any]:
        answer = self.client.post(
            f"/api/v1/stations/HEL1/day:close?date={self.day}", headers=self.tenant.admin
        )
        assert answer.status_code == 200, answer.text
        closed: dict[str, Any] = answer.json()
        return closed


def setup_station(client: TestClient, tenant: Tenant) -> list[str]:
    """HEL1, one van, ten orders of day 1, and two delivery attempts allowed."""
    for path, body in (("stations", station_body()), ("vehicles", vehicle_body())):
        assert client.post(f"/api/v1/{path}", json=body, headers=tenant.admin).status_code == 201
    patched = client.patch(
        "/api/v1/organisation", json={"max_delivery_attempts": 2}, headers=tenant.admin
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["max_delivery_attempts"] == 2
    barcodes = []
    for i in range(10):
        body = order_body(f"E-{i}", f"E2E-{i:02d}")
        body["service_date"] = DAY1
        body["location"] = {"lat": 60.160 + i * 0.003, "lon": 24.930 + i * 0.002}
        body["address"] = {**body["address"], "as_given": f"Testikatu {i + 1}, 00100 Helsinki"}
        body["time_windows"] = [
            {"start_at": f"{DAY1}T08:00:00+02:00", "end_at": f"{DAY1}T16:00:00+02:00"}
        ]
        body["proof"] = {"kind": KINDS[i]} | (
            {"minimum_age_years": 18} if KINDS[i] == "minimum_age" else {}
        )
        answer = client.post("/api/v1/orders", json=body, headers=tenant.admin)
        assert answer.status_code == 201, answer.text
        assert answer.json()["status"] == "ready"
        barcodes.append(body["parcels"][0]["barcode"])
    return barcodes


def test_two_days_end_to_end_over_http(client: TestClient, tenant_a: Tenant) -> None:
    barcodes = setup_station(client, tenant_a)

    # Day 1: receive, sort, a load onto the wrong van refused, load, depart.
    one = Day(client, tenant_a, DAY1)
    lines = one.plan_and_publish()
    assert sorted(line["barcode"] for line in lines) == barcodes
    received = one.get(f"/stations/HEL1/receiving?date={DAY1}")["manifests"][0]
    assert (received["expected"], len(received["missing"])) == (10, 10)
    first = lines[0]["barcode"]
    one.scan("receive", first, one.crew)
    refused = one.scan("load", first, one.crew, vehicle_id="veh_not_this_one")
    assert "cannot apply to a parcel that is received" in refused["problem"]  # not sorted yet
    one.scan("sort", first, one.crew, lane=lines[0]["lane"])
    refused = one.scan("load", first, one.crew, vehicle_id="veh_not_this_one")
    assert refused["problem"] == (
        f"mis-load: this parcel belongs on {lines[0]['vehicle_name']} (lane {lines[0]['lane']}), "
        "not vehicle veh_not_this_one; take it off"
    )
    assert refused["parcel_status"] == "sorted"
    one.load_and_depart(lines, received={first})
    received = one.get(f"/stations/HEL1/receiving?date={DAY1}")["manifests"][0]
    assert (len(received["received"]), received["missing"]) == (10, [])

    # The driver's app shows each stop with what it needs.
    route = one.get(f"/vehicles/{lines[0]['vehicle_id']}/route?date={DAY1}")
    kinds = {s["order_id"]: s["proof_required"] for s in route["stops"]}
    assert sorted(kinds.values()) == sorted(KINDS)
    assert all(s["arrival_at"] <= s["start_at"] <= s["departure_at"] for s in route["stops"])

    # The driver delivers two and fails eight, one per reason; the eight come back.
    delivered, failed = barcodes[:2], dict(zip(barcodes[2:], REASONS, strict=True))
    for n, code in enumerate(delivered):
        one.deliver(code, KINDS[n], n)
    for code, reason in failed.items():
        assert one.scan("fail", code, one.driver, reason=reason)["problem"] is None
    end = one.get(f"/stations/HEL1/day-end?date={DAY1}")
    assert len(end["unaccounted"]) == 8  # still on the van
    (route,) = one.get(f"/stations/HEL1/dispatch?date={DAY1}")["routes"]
    assert (route["state"], route["stops_done"], route["stops_total"]) == ("finished", 10, 10)
    for code in failed:
        assert one.scan("receive", code, one.crew)["parcel_status"] == "received"
    end = one.get(f"/stations/HEL1/day-end?date={DAY1}")
    assert end["unaccounted"] == []
    assert (end["counts"]["delivered"], end["counts"]["back_after_failed_attempt"]) == (2, 8)
    cases = one.get("/exceptions?type=failed_attempt")["items"]
    assert sorted(c["barcode"] for c in cases) == sorted(failed)
    closed = one.close()
    assert closed["next_day"] == DAY2
    assert one.get("/exceptions?type=failed_attempt")["items"] == []  # rescheduled
    assert sorted(r["attempts"] for r in closed["retried"]) == [1] * 8
    assert not any(r["returned"] for r in closed["retried"])

    # Day 2: the eight are planned again (already at the station), sorted, loaded, out.
    two = Day(client, tenant_a, DAY2)
    lines = two.plan_and_publish()
    assert sorted(line["barcode"] for line in lines) == sorted(failed)
    two.load_and_depart(lines, received=set(failed))
    last = sorted(failed)[0]
    for code in sorted(failed)[1:]:
        n = barcodes.index(code)
        two.deliver(code, KINDS[n], n)
    two.scan("fail", last, two.driver, reason="recipient_absent")
    two.scan("receive", last, two.crew)
    closed = two.close()
    assert [(r["attempts"], r["returned"]) for r in closed["retried"]] == [(2, True)]
    order_id = next(line["order_id"] for line in lines if line["barcode"] == last)
    assert one.get(f"/orders/{order_id}")["status"] == "returned_to_sender"
    for day in (DAY1, DAY2):
        assert one.get(f"/stations/HEL1/day-end?date={day}")["unaccounted"] == []
    problems = one.get("/events?problems=true")["items"]
    assert [p["id"] for p in problems] == [f"{DAY1}-00002", f"{DAY1}-00004"]  # the refused loads

    # The queue: the mis-load was put right by the right load and the failed attempts by
    # closing the days; the load scanned before the sort waits for a person.
    left = one.get("/exceptions")["items"]
    assert sorted(c["type"] for c in left) == ["scan_out_of_sequence"]
    for case in left:
        done = client.post(
            f"/api/v1/exceptions/{case['id']}:resolve",
            json={"resolution": "no_action", "note": "sorted first, then loaded"},
            headers=tenant_a.as_(Role.DISPATCHER),
        )
        assert done.status_code == 200, done.text
    assert one.get("/exceptions")["items"] == []
    resolved = one.get("/exceptions?status=resolved&type=mis_load")["items"]
    assert [c["resolution"] for c in resolved] == ["cleared"]
