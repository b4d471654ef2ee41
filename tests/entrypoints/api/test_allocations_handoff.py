"""Carrying an allocation out: ``POST /allocations:hand-off`` books each partner-allocated
order with its partner (a real fake partner on loopback), one at a time, collecting each
order's outcome; one refusal does not stop the rest, and a rerun books only what is left.

The day: Monday 08:00 in Helsinki, a van for 2 parcels and 6 same-day orders (no windows, no
proof) in the city, where only kaupunkikuriiri offers same day. The van keeps 2, so 4 go to
kaupunkikuriiri."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Role
from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.webhooks import new_secret
from tests.entrypoints.api.conftest import (
    Tenant,
    order_body,
    station_body,
    straight_lines,
    vehicle_body,
)
from tests.entrypoints.api.test_carriers import import_samples
from tests.entrypoints.api.test_plans import finished
from tests.services.fakes import FakeClock
from tests.support.partner import API_KEY, Partner, partner_server

DAY = "2026-11-23"
MONDAY_8 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 08:00 in Helsinki: same day is needed
CARRIER = "kaupunkikuriiri"
SECRET = new_secret(bytes(range(32)))
PLACES = [
    (60.1686, 24.9414), (60.1750, 24.9300), (60.1800, 24.9500),
    (60.1900, 24.9600), (60.1650, 24.9350), (60.1820, 24.9100),
]  # fmt: skip


@pytest.fixture
def container(container: Container) -> Iterator[Container]:
    # Jobs of its own: they keep the clock they were made with, and PostgreSQL's container
    # is shared between tests.
    with straight_lines(container, FakeClock(MONDAY_8)) as own:
        yield own


@pytest.fixture
def partner() -> Iterator[Partner]:
    with partner_server() as running:
        yield running


@pytest.fixture
def allocated(client: TestClient, tenant_a: Tenant, partner: Partner) -> dict[str, Any]:
    return allocate_day(client, tenant_a, partner, connect=True)


def allocate_day(
    client: TestClient, tenant_a: Tenant, partner: Partner, *, connect: bool
) -> dict[str, Any]:
    """The day allocated (the partner's API connected or not): its decisions by order id."""
    van = vehicle_body() | {"capacity": {"weight_kg": 800, "volume_l": 8000, "parcels": 2}}
    for path, body in (("stations", station_body()), ("vehicles", van)):
        answer = client.post(f"/api/v1/{path}", json=body, headers=tenant_a.admin)
        assert answer.status_code == 201, answer.text
    import_samples(client, tenant_a)
    if connect:
        connection = {"base_url": partner.url, "api_key": API_KEY, "webhook_secret": SECRET}
        answer = client.put(
            f"/api/v1/carriers/{CARRIER}/connection", json=connection, headers=tenant_a.admin
        )
        assert answer.status_code == 200, answer.text
    for i, (lat, lon) in enumerate(PLACES, start=1):
        body = {**order_body(f"H-{i}", f"HPARCEL-{i}"), "proof": {"kind": "none"}}
        body |= {"service_date": DAY, "location": {"lat": lat, "lon": lon}, "time_windows": []}
        body["recipient"] = {**body["recipient"], "name": f"Recipient {i}"}
        body["address"] = {**body["address"], "as_given": f"Street {i}, 00100 Helsinki"}
        answer = client.post("/api/v1/orders", json=body, headers=tenant_a.admin)
        assert answer.status_code == 201, answer.text
    started = client.post(
        "/api/v1/allocations:run",
        json={"station": "HEL1", "date": DAY, "time_limit_s": 1},
        headers=tenant_a.admin,
    )
    assert started.status_code == 202, started.text
    job = finished(client, tenant_a, started.json()["id"])
    assert job["status"] == "succeeded", job
    assert job["outcome"].startswith("2 orders to the own fleet, 4 to partners (Kaupunkikuriiri 4)")
    items = client.get(f"/api/v1/allocations?date={DAY}", headers=tenant_a.admin).json()["items"]
    return {i["order_id"]: i for i in items}


def hand_off(client: TestClient, tenant: Tenant) -> dict[str, Any]:
    answer = client.post(
        "/api/v1/allocations:hand-off",
        json={"station": "HEL1", "date": DAY},
        headers=tenant.as_(Role.PLANNER),
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def status_of(client: TestClient, tenant: Tenant, order_id: str) -> str:
    return str(client.get(f"/api/v1/orders/{order_id}", headers=tenant.admin).json()["status"])


def test_partner_orders_are_booked_one_by_one_a_refusal_stops_none_and_a_rerun_books_the_rest(
    client: TestClient, tenant_a: Tenant, partner: Partner, allocated: dict[str, Any]
) -> None:
    partners = sorted(i for i, d in allocated.items() if d["kind"] == "partner")
    own = sorted(i for i, d in allocated.items() if d["kind"] == "own_fleet")
    assert (len(partners), len(own)) == (4, 2)
    assert {allocated[i]["carrier"] for i in partners} == {CARRIER}
    # The partner refuses the first booking (a 4xx: not retried); the other three go through.
    partner.state.fail_next.append((422, {"error": {"message": "courier full at 08:00"}}))
    first = hand_off(client, tenant_a)
    assert (first["booked"], first["refused"], first["already_handed_off"]) == (3, 1, 0)
    assert sorted(o["order_id"] for o in first["outcomes"]) == partners
    refused = next(o for o in first["outcomes"] if not o["booked"])
    assert "courier full at 08:00" in refused["reason"]
    assert refused["tracking_number"] is None
    for outcome in first["outcomes"]:
        assert outcome["carrier"] == CARRIER
        assert outcome["service_level"] == "same_day"
        if outcome["booked"]:
            assert outcome["tracking_number"].startswith("PX")
            assert status_of(client, tenant_a, outcome["order_id"]) == "handed_off"
    assert status_of(client, tenant_a, refused["order_id"]) != "handed_off"
    # What the partner received: 4 booking requests, at the level allocated.
    bookings = partner.state.bookings()
    assert len(bookings) == 4
    assert {b.json()["service"] for b in bookings} == {"same_day"}
    # Own-fleet orders are never handed off.
    for order_id in own:
        assert status_of(client, tenant_a, order_id) == "ready"

    again = hand_off(client, tenant_a)
    assert (again["booked"], again["refused"], again["already_handed_off"]) == (1, 0, 3)
    assert [o["order_id"] for o in again["outcomes"]] == [refused["order_id"]]
    assert status_of(client, tenant_a, refused["order_id"]) == "handed_off"
    assert len(partner.state.bookings()) == 5

    nothing = hand_off(client, tenant_a)
    assert (nothing["outcomes"], nothing["already_handed_off"]) == ([], 4)
    assert len(partner.state.bookings()) == 5


def test_a_partner_without_a_connection_is_refused_per_order_and_input_is_checked(
    client: TestClient, tenant_a: Tenant, partner: Partner
) -> None:
    """Without the partner's API connection every order is refused saying so; nothing booked."""
    allocate_day(client, tenant_a, partner, connect=False)
    report = hand_off(client, tenant_a)
    assert report["booked"] == 0
    assert report["refused"] == 4
    assert all("no API connection" in o["reason"] for o in report["outcomes"])
    assert partner.state.bookings() == []
    bad = client.post(
        "/api/v1/allocations:hand-off", json={"station": "HEL1"}, headers=tenant_a.admin
    )
    assert bad.status_code == 422
    viewer = client.post(
        "/api/v1/allocations:hand-off",
        json={"station": "HEL1", "date": DAY},
        headers=tenant_a.as_(Role.VIEWER),
    )
    assert viewer.status_code == 403


def test_the_list_gives_each_decisions_level_and_fleet_cost_and_reads_old_rows_from_words(
    client: TestClient, tenant_a: Tenant, container: Container, allocated: dict[str, Any]
) -> None:
    """Every decision names same_day (all six are due today) and the own fleet's cost as a
    figure, its words made from it. A partner decision rewritten as stored before migration
    0014 (no figures, the old words) reads its level and the fleet's side from its reasons,
    and the hand-off books it at that level."""
    for d in allocated.values():
        assert d["service_level"] == "same_day"
        cents = d["fleet_cost_cents"]
        if d["kind"] == "own_fleet":
            assert cents is not None
            assert cents == d["price_cents"]
        words = (
            "no room" if cents is None else f"{cents // 100}.{cents % 100:02d} EUR marginal cost"
        )
        assert d["own_fleet_cost"] == words
    old_id = sorted(i for i, d in allocated.items() if d["kind"] == "partner")[0]
    old_words = (
        "chosen: kaupunkikuriiri at 9.90 EUR, the cheapest feasible partner with capacity left",
        "service level: same_day (the order is due today)",
        "own fleet: left out of the plan, 4.10 EUR to insert (left out by the planner)",
    )
    with container.uow() as uow:
        (row,) = [
            a for a in uow.carriers.allocations(tenant_a.org_id, date.fromisoformat(DAY))
            if a.order_id == old_id
        ]  # fmt: skip
        assert row.service_level is ServiceLevel.SAME_DAY
        uow.carriers.allocate(
            replace(row, reasons=old_words, service_level=None, fleet_cost_cents=None)
        )
        uow.commit()
    items = client.get(f"/api/v1/allocations?date={DAY}", headers=tenant_a.admin).json()["items"]
    old = next(i for i in items if i["order_id"] == old_id)
    assert (old["service_level"], old["fleet_cost_cents"]) == ("same_day", None)
    assert old["own_fleet_cost"] == "left out of the plan, 4.10 EUR to insert"
    report = hand_off(client, tenant_a)
    assert report["booked"] == 4
    booked = next(o for o in report["outcomes"] if o["order_id"] == old_id)
    assert (booked["booked"], booked["service_level"]) == (True, "same_day")
