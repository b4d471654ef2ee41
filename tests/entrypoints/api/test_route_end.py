"""Ending a route over HTTP: after the departure, once, with the post-trip checklist; the
parcels left on board open missed-scan cases; the board and the driver's route show the day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Role
from tests.entrypoints.api.conftest import Tenant, straight_lines
from tests.entrypoints.api.test_plans import DAY, orders
from tests.entrypoints.api.test_station_day import CHECKLIST, pre_trip, publish_day
from tests.services.fakes import FakeClock

__all__ = ["orders"]  # a fixture, used by name

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=timezone(timedelta(hours=2)))  # on DAY, Helsinki


@pytest.fixture
def container(container: Container) -> Iterator[Container]:
    """Haversine travel times (no road region), and a clock at noon on DAY: the route's
    break status is read at the clock's now."""
    with straight_lines(container, FakeClock(NOON)) as own:
        yield own


def scans(
    client: TestClient, tenant: Tenant, *events: tuple[str, str, dict[str, Any]], hour: int = 6
) -> None:
    """Send (kind, barcode, extra) events, a minute apart from ``hour`` o'clock."""
    body = [
        {"id": f"evt-{n:04d}-{kind}", "kind": kind, "barcode": code,
         "device_time": f"{DAY}T{hour:02d}:{n:02d}:00+02:00", **extra}
        for n, (kind, code, extra) in enumerate(events)
    ]  # fmt: skip
    sent = client.post(
        "/api/v1/events", json={"events": body}, headers=tenant.as_(Role.STATION_ASSOCIATE)
    )
    assert sent.status_code == 200, sent.text
    assert [r["problem"] for r in sent.json()["results"] if r["problem"]] == []


def departed(client: TestClient, tenant: Tenant) -> tuple[str, list[str]]:
    """The van leaves with every parcel of the published day; its id and the barcodes."""
    publish_day(client, tenant)
    lines = client.get(f"/api/v1/stations/HEL1/sort-plan?date={DAY}", headers=tenant.admin).json()[
        "lines"
    ]
    vehicle, codes = lines[0]["vehicle_id"], [line["barcode"] for line in lines]
    steps = [
        ("receive", {}),
        ("sort", {"lane": lines[0]["lane"]}),
        ("load", {"vehicle_id": vehicle}),
    ]
    scans(client, tenant, *((kind, code, extra) for code in codes for kind, extra in steps))
    pre_trip(client, tenant, vehicle, DAY)
    gone = client.post(
        f"/api/v1/stations/HEL1/load-out/{vehicle}:depart?date={DAY}", json={},
        headers=tenant.as_(Role.DRIVER),
    )  # fmt: skip
    assert gone.status_code == 200, gone.text
    return vehicle, codes


def test_ending_the_route_lists_what_is_on_board_and_grounds_an_unsafe_van(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    """One parcel failed and came back; three stay on board, each with a missed-scan case. A
    retried end answers the same; the board shows the route finished."""
    publish_day(client, tenant_a)
    vehicle = client.get(
        f"/api/v1/stations/HEL1/sort-plan?date={DAY}", headers=tenant_a.admin
    ).json()["lines"][0]["vehicle_id"]
    path = f"/api/v1/vehicles/{vehicle}/route:end?date={DAY}"
    driver = tenant_a.as_(Role.DRIVER)
    early = client.post(path, json={}, headers=driver)
    assert early.status_code == 409
    assert "has not departed" in early.text
    vehicle, codes = departed(client, tenant_a)
    scans(client, tenant_a, ("fail", codes[0], {"reason": "recipient_absent"}),
          ("receive", codes[0], {}), hour=13)  # fmt: skip
    items = [{"item": i, "ok": True} for i in CHECKLIST]
    items[0] = {"item": "brakes", "ok": False, "defect": "grinding", "unsafe": True}
    body = {"items": items, "odometer_km": 48211}
    ended = client.post(path, json=body, headers=driver)
    assert ended.status_code == 200, ended.text
    found = ended.json()
    assert sorted(found["on_board"]) == sorted(codes[1:])
    assert (found["defects"], found["odometer_km"]) == (["brakes: grinding"], 48211)
    assert found["maintenance_id"]
    again = client.post(path, json={}, headers=driver)
    assert again.json() == found
    cases = client.get("/api/v1/exceptions?type=missed_scan", headers=tenant_a.admin).json()
    assert sorted(c["barcode"] for c in cases["items"]) == sorted(codes[1:])
    board = client.get(f"/api/v1/stations/HEL1/dispatch?date={DAY}", headers=tenant_a.admin)
    (route,) = board.json()["routes"]
    assert (route["state"], route["ended_at"]) == ("finished", found["ended_at"])
    repaired = client.post(
        f"/api/v1/maintenance/{found['maintenance_id']}:close", json={"note": "pads replaced"},
        headers=tenant_a.admin,
    )  # fmt: skip
    assert repaired.status_code == 200, repaired.text  # the end opened it: the van was grounded
    shown = client.get(
        f"/api/v1/vehicles/{vehicle}/route?date={DAY}", headers=tenant_a.as_(Role.DISPATCHER)
    ).json()
    assert (shown["breaks"], shown["break_status"]) == ([], None)  # short; nobody assigned


def test_the_drivers_route_says_whether_a_break_was_taken(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    """The driver worked, paused 45 minutes, and drives again: one break taken, none due."""
    publish_day(client, tenant_a)
    vehicle = client.get(
        f"/api/v1/stations/HEL1/sort-plan?date={DAY}", headers=tenant_a.admin
    ).json()["lines"][0]["vehicle_id"]
    driver = tenant_a.as_(Role.DRIVER)
    login = client.get("/api/v1/users/me", headers=driver).json()["id"]
    made = client.post(
        "/api/v1/drivers", json={"home_station_id": "HEL1", "name": "Aino", "user_id": login,
                                 "shift": {"start": "07:00", "end": "17:00"}},
        headers=tenant_a.admin,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    assigned = client.post(
        f"/api/v1/stations/HEL1/routes/{vehicle}:assign?date={DAY}", json={"driver": "Aino"},
        headers=tenant_a.admin,
    )  # fmt: skip
    assert assigned.status_code == 200, assigned.text
    changes = [
        {"id": "duty-0001-on", "status": "on_duty", "at": "2026-11-22T06:00:00+02:00"},
        {"id": "duty-0002-on", "status": "on_duty", "at": f"{DAY}T07:00:00+02:00"},
        {"id": "duty-0003-off", "status": "off_duty", "at": f"{DAY}T10:00:00+02:00"},
        {"id": "duty-0004-drive", "status": "driving", "at": f"{DAY}T10:45:00+02:00"},
    ]
    sent = client.post(f"/api/v1/drivers/{made.json()['id']}/duty", json={"changes": changes},
                       headers=driver)  # fmt: skip
    assert sent.status_code == 200, sent.text
    shown = client.get(f"/api/v1/drivers/Aino/route?date={DAY}", headers=driver)
    assert shown.status_code == 200, shown.text
    status = shown.json()["break_status"]
    assert [p["start_at"][:16] for p in status["taken"]] == [f"{DAY}T08:00"]  # 10:00 +02:00
    assert [p["duration_s"] for p in status["taken"]] == [45 * 60]
    assert (status["break_due"], status["on_break"]) == (False, False)
