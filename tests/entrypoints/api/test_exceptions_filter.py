"""GET /exceptions?station=&date=: the queue of one station's day, on both databases."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Role
from doorstep.domain.exceptions import ExceptionType
from doorstep.services import exceptions
from tests.entrypoints.api.conftest import Tenant, order_body, station_body, vehicle_body
from tests.entrypoints.api.test_handoffs import (
    container,
    hand_off,
    partner,
    partner_event,
    setup,
    webhook,
)
from tests.entrypoints.api.test_handoffs import order as handed_order

__all__ = ["container", "partner", "setup"]  # fixtures, used by name

DAY = date(2026, 11, 23)


def created(client: TestClient, tenant: Tenant, path: str, body: dict[str, Any]) -> str:
    answer = client.post(f"/api/v1/{path}", json=body, headers=tenant.admin)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def next_day(body: dict[str, Any]) -> dict[str, Any]:
    """The order a day later: its date and window move with it."""
    window = {k: v.replace("2026-11-23", "2026-11-24") for k, v in body["time_windows"][0].items()}
    return body | {"service_date": "2026-11-24", "time_windows": [window]}


def queue(client: TestClient, tenant: Tenant, query: str) -> set[tuple[str, str]]:
    answer = client.get(f"/api/v1/exceptions?{query}", headers=tenant.admin)
    assert answer.status_code == 200, answer.text
    return {(c["type"], c["order_id"] or c["barcode"]) for c in answer.json()["items"]}


def test_the_queue_of_a_station_day(
    client: TestClient, container: Container, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    """HEL1's order of the day, of the next day and ESP1's order of the same day each have a
    scan out of sequence; HEL1's van a late departure; an unknown barcode is scanned today."""
    created(client, tenant_a, "stations", station_body("HEL1"))
    created(client, tenant_a, "stations", station_body("ESP1"))
    van = created(client, tenant_a, "vehicles", vehicle_body("HEL1"))
    of_day = {"service_date": DAY.isoformat()}
    ids = {
        "hel": created(client, tenant_a, "orders", order_body("H-1", "P-H1") | of_day),
        "later": created(client, tenant_a, "orders", next_day(order_body("H-2", "P-H2"))),
        "esp": created(client, tenant_a, "orders", order_body("E-1", "P-E1", "ESP1") | of_day),
    }
    events = [
        {"id": f"evt-sort-{code}", "kind": "sort", "barcode": code, "lane": "L01",
         "device_time": f"{DAY}T06:00:00+02:00"}
        for code in ("P-H1", "P-H2", "P-E1")
    ] + [{"id": "evt-nobody-1", "kind": "receive", "barcode": "NOBODY-1",
          "device_time": f"{DAY}T06:00:00+02:00"}]  # fmt: skip
    crew = tenant_a.as_(Role.STATION_ASSOCIATE)
    assert client.post("/api/v1/events", json={"events": events}, headers=crew).status_code == 200
    late = exceptions.route_key(ExceptionType.LATE_DEPARTURE, van, DAY)
    with container.uow() as uow:  # as the watch opens it (its own tests cover the watch)
        trouble = exceptions.Trouble(ExceptionType.LATE_DEPARTURE, late, "Van 1 has not left")
        exceptions.raise_cases(uow, tenant_a.org_id, [trouble], container.clock.now())
        uow.commit()
    # The unknown barcode's day is the day it was scanned, in the station's time zone.
    today = container.clock.now().astimezone(ZoneInfo("Europe/Helsinki")).date()

    def scanned(day: date) -> set[tuple[str, str]]:
        return {("unknown_barcode", "NOBODY-1")} if day == today else set()

    assert len(queue(client, tenant_a, "")) == 5
    hel = {("scan_out_of_sequence", ids["hel"]), ("late_departure", "")}
    assert queue(client, tenant_a, f"station=HEL1&date={DAY}") == hel | scanned(DAY)
    assert queue(client, tenant_a, f"station=ESP1&date={DAY}") == {
        ("scan_out_of_sequence", ids["esp"])
    } | scanned(DAY)
    after = DAY + timedelta(days=1)
    assert queue(client, tenant_a, f"station=HEL1&date={after}") == {
        ("scan_out_of_sequence", ids["later"])
    } | scanned(after)
    assert ("unknown_barcode", "NOBODY-1") in queue(client, tenant_a, f"station=ESP1&date={today}")
    assert queue(client, tenant_a, f"station=HEL1&date={DAY}&type=late_departure") == {
        ("late_departure", "")
    }
    # Another organisation's station of the same code sees none of it.
    created(client, tenant_b, "stations", station_body("HEL1"))
    assert queue(client, tenant_b, f"station=HEL1&date={DAY}") == set()


def test_a_station_day_needs_both_and_a_known_station(client: TestClient, tenant_a: Tenant) -> None:
    created(client, tenant_a, "stations", station_body("HEL1"))
    for query, field in (
        ("station=HEL1", "date"),
        (f"date={DAY}", "station"),
        (f"station=NOPE&date={DAY}", "station"),
    ):
        answer = client.get(f"/api/v1/exceptions?{query}", headers=tenant_a.admin)
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == field
    bad_day = client.get("/api/v1/exceptions?station=HEL1&date=23.11.2026", headers=tenant_a.admin)
    assert bad_day.status_code == 422


def test_a_case_of_an_order_handed_to_a_partner_is_of_its_hand_off_day(
    client: TestClient, setup: Tenant
) -> None:
    """An order with no day of its own, handed to a partner for the 23rd: the partner's
    failed attempt is a case of HEL1's 23rd (its hand-off's day), not of the 24th."""
    order_id = handed_order(client, setup, "PX-1", "PARCEL-PX-1")
    shown = client.get(f"/api/v1/orders/{order_id}", headers=setup.admin).json()
    assert shown["service_date"] is None, "the hand-off alone ties it to the day"
    booked = hand_off(client, setup, order_id)
    assert booked.status_code == 201, booked.text
    booking = booked.json()["booking_id"]
    events = [
        partner_event(booking, 1, "picked_up", "07:00"),
        partner_event(booking, 2, "failed", "10:00", "recipient_absent"),
    ]
    assert webhook(client, events, "msg-px-1").status_code == 200
    assert queue(client, setup, f"station=HEL1&date={DAY}") == {("failed_attempt", order_id)}
    assert queue(client, setup, f"station=HEL1&date={DAY + timedelta(days=1)}") == set()
