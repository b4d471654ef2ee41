"""The dispatch board over HTTP covers partner deliveries: a hand-off to the loopback partner
shows with its carrier, tracking number, stage and overdue flag; the watch opens its case;
the OpenAPI document says what the new fields mean."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.bootstrap import Container
from doorstep.domain.webhooks import signed_headers
from tests.entrypoints.api.conftest import Tenant, straight_lines
from tests.entrypoints.api.test_handoffs import CARRIER, SECRET, hand_off, order, partner, setup
from tests.services.fakes import FakeClock

__all__ = ["partner", "setup"]  # fixtures, used by name

HELSINKI = timezone(timedelta(hours=2))
AFTERNOON = datetime(2026, 11, 23, 13, 0, tzinfo=HELSINKI)  # past order_body's 09:00-12:00
BOARD = "/api/v1/stations/HEL1/dispatch?date=2026-11-23"


@pytest.fixture
def container(container: Container) -> Iterator[Container]:
    with straight_lines(container, FakeClock(AFTERNOON)) as own:
        yield own


def webhook(client: TestClient, clock: Any, events: list[dict[str, Any]], msg_id: str) -> Any:
    """Signed at the server's (fake) time, which is what the signature's age is judged by."""
    body = json.dumps({"events": events}).encode()
    headers = signed_headers(SECRET, msg_id, int(clock.now().timestamp()), body)
    headers["Content-Type"] = "application/json"
    return client.post(f"/api/v1/carrier-webhooks/{CARRIER}", content=body, headers=headers)


def test_the_board_shows_a_partner_delivery_and_the_watch_opens_its_case(
    client: TestClient, container: Container, setup: Tenant
) -> None:
    tenant = setup
    theirs = order(client, tenant, "PX-1", "PARCEL-PX")
    answer = hand_off(client, tenant, theirs)
    assert answer.status_code == 201, answer.text
    made = answer.json()
    picked = {
        "id": "evt_1", "shipment_id": made["booking_id"], "status": "picked_up",
        "occurred_at": "2026-11-23T08:30:00+02:00", "parcel": None, "reason": None, "note": "",
    }  # fmt: skip
    assert webhook(client, container.clock, [picked], "msg_1").status_code == 200

    # No plan published for the day: a board of the partner delivery alone.
    board = client.get(BOARD, headers=tenant.admin)
    assert board.status_code == 200, board.text
    shown = board.json()
    assert (shown["plan_id"], shown["routes"]) == (None, [])
    (delivery,) = shown["partners"]
    # Times compared as instants: storage may give them back in UTC or with their offset.
    times = ("window_start", "window_end", "due_at", "last_event_at")
    for key in times:
        delivery[key] = datetime.fromisoformat(delivery[key])
    assert delivery == {
        "handoff_id": made["id"],
        "order_id": theirs,
        "shipper_reference": "PX-1",
        "recipient_name": "Recipient PX-1",
        "carrier_code": CARRIER,
        "carrier_name": "Kaupunkikuriiri",
        "tracking_number": made["tracking_number"],
        "handoff_status": "in_progress",
        "order_status": "handed_off",
        "stage": "in_progress",
        "window_start": datetime(2026, 11, 23, 9, 0, tzinfo=HELSINKI),
        "window_end": datetime(2026, 11, 23, 12, 0, tzinfo=HELSINKI),
        "due_at": datetime(2026, 11, 23, 12, 0, tzinfo=HELSINKI),
        "last_event_at": datetime(2026, 11, 23, 8, 30, tzinfo=HELSINKI),
        "overdue": True,
        # The order's delivery point (order_body's location), for the tower's map.
        "lat": 60.1686,
        "lon": 24.9414,
    }
    assert shown["partner_totals"] == [
        {
            "carrier_code": CARRIER, "carrier_name": "Kaupunkikuriiri", "total": 1, "booked": 0,
            "in_progress": 1, "delivered": 0, "failed": 0, "returned": 0, "overdue": 1,
        }
    ]  # fmt: skip

    watched = client.post(BOARD.replace("dispatch?", "dispatch:watch?"), headers=tenant.admin)
    assert watched.status_code == 200, watched.text
    cases = client.get("/api/v1/exceptions", headers=tenant.admin).json()["items"]
    assert [(c["type"], c["order_id"], c["summary"]) for c in cases] == [
        (
            "late_risk",
            theirs,
            "Kaupunkikuriiri has not delivered it by 12:00, the end of its window "
            f"(tracking number {made['tracking_number']})",
        )
    ]

    # Another day: neither plan nor hand-off, so no board.
    other = client.get(BOARD.replace("2026-11-23", "2026-11-24"), headers=tenant.admin)
    assert other.status_code == 404


def test_the_openapi_document_explains_the_partner_fields(client: TestClient) -> None:
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    board = schemas["BoardOut"]["properties"]
    assert "partner carriers" in board["partners"]["description"]
    assert "per partner carrier" in board["partner_totals"]["description"]
    assert "no published plan" in board["plan_id"]["description"]
    delivery = schemas["PartnerDeliveryOut"]["properties"]
    assert "end of its service day" in delivery["due_at"]["description"]
    assert "late_risk case" in delivery["overdue"]["description"]
    assert "delivery point" in delivery["lat"]["description"]
    assert "overdue" in schemas["PartnerTotalsOut"]["description"]


def test_the_watch_clears_the_late_risk_once_the_partner_delivers_but_not_a_persons_choice(
    client: TestClient, container: Container, setup: Tenant
) -> None:
    """At 13:00 PX-1 and PX-2 are past their 09:00-12:00 windows: the watch opens a case
    each. A dispatcher resolves PX-2's as fixed. The partner delivers both (13:12 and 13:14);
    the next watch, at 13:20, clears PX-1's as doorstep with what settled it, leaves PX-2's
    as the person left it, and a later watch changes neither."""
    tenant = setup
    made = []
    for ref in ("PX-1", "PX-2"):
        answer = hand_off(client, tenant, order(client, tenant, ref, f"PARCEL-{ref}"))
        assert answer.status_code == 201, answer.text
        made.append(answer.json())
    watch = BOARD.replace("dispatch?", "dispatch:watch?")
    assert client.post(watch, headers=tenant.admin).status_code == 200
    opened = client.get("/api/v1/exceptions", headers=tenant.admin).json()["items"]
    case_of = {c["order_id"]: c["id"] for c in opened if c["type"] == "late_risk"}
    assert sorted(case_of) == sorted(m["order_id"] for m in made)
    answer = client.post(
        f"/api/v1/exceptions/{case_of[made[1]['order_id']]}:resolve",
        json={"resolution": "fixed", "note": "called the courier"}, headers=tenant.admin,
    )  # fmt: skip
    assert answer.status_code == 200, answer.text

    container.clock.current = datetime(2026, 11, 23, 13, 20, tzinfo=HELSINKI)
    for n, (m, hhmm) in enumerate(zip(made, ("13:12", "13:14"), strict=True)):
        events = [
            {
                "id": f"evt_{n}_{step}", "shipment_id": m["booking_id"], "status": status,
                "occurred_at": f"2026-11-23T{at}:00+02:00", "parcel": None, "reason": None,
                "note": "",
            }
            for step, (status, at) in enumerate([("picked_up", "13:05"), ("delivered", hhmm)])
        ]  # fmt: skip
        assert webhook(client, container.clock, events, f"msg_{n}").status_code == 200

    def resolved() -> dict[str, tuple[Any, ...]]:
        items = client.get(
            "/api/v1/exceptions?status=resolved&type=late_risk", headers=tenant.admin
        ).json()["items"]
        return {
            c["order_id"]: (
                c["resolution"], c["resolved_by"], datetime.fromisoformat(c["resolved_at"]),
                c["note"],
            )
            for c in items
        }  # fmt: skip

    by_person = resolved()[made[1]["order_id"]]
    assert client.post(watch, headers=tenant.admin).status_code == 200
    after = resolved()
    assert after == {
        made[0]["order_id"]: (
            "cleared", "doorstep", datetime(2026, 11, 23, 13, 20, tzinfo=HELSINKI),
            "Kaupunkikuriiri delivered it at 13:12",
        ),
        made[1]["order_id"]: by_person,
    }  # fmt: skip
    assert by_person[0] == "fixed"
    assert by_person[3] == "called the courier"
    still_open = client.get("/api/v1/exceptions", headers=tenant.admin).json()["items"]
    assert [c for c in still_open if c["type"] == "late_risk"] == []

    container.clock.current = datetime(2026, 11, 23, 13, 40, tzinfo=HELSINKI)
    assert client.post(watch, headers=tenant.admin).status_code == 200
    assert resolved() == after  # once: neither opened again nor resolved again


def test_the_boards_progress_counts_the_partner_deliveries_of_the_day(
    client: TestClient, container: Container, setup: Tenant
) -> None:
    """PX-1 delivered (the partner sends its delivered event twice), PX-2 booked, PX-3's
    hand-off cancelled: no van stops (no plan), partners 1/2, the day 1/2. The OpenAPI
    document says what the figures count."""
    tenant = setup
    made = {}
    for ref in ("PX-1", "PX-2", "PX-3"):
        answer = hand_off(client, tenant, order(client, tenant, ref, f"PARCEL-{ref}"))
        assert answer.status_code == 201, answer.text
        made[ref] = answer.json()
    cancel = client.post(f"/api/v1/handoffs/{made['PX-3']['id']}:cancel", headers=tenant.admin)
    assert cancel.status_code == 200, cancel.text
    booking = made["PX-1"]["booking_id"]
    steps = [("evt_1", "picked_up", "12:30"), ("evt_2", "delivered", "12:40")]
    events = [
        {
            "id": event_id, "shipment_id": booking, "status": status,
            "occurred_at": f"2026-11-23T{hhmm}:00+02:00", "parcel": None, "reason": None,
            "note": "",
        }
        for event_id, status, hhmm in steps
    ]  # fmt: skip
    assert webhook(client, container.clock, events, "msg_1").status_code == 200
    assert webhook(client, container.clock, events[1:], "msg_2").status_code == 200  # resent

    shown = client.get(BOARD, headers=tenant.admin).json()
    assert shown["progress"] == {
        "stops_total": 0, "stops_done": 0, "partners_total": 2, "partners_done": 1,
        "total": 2, "done": 1,
    }  # fmt: skip
    watched = client.post(BOARD.replace("dispatch?", "dispatch:watch?"), headers=tenant.admin)
    assert watched.json()["progress"] == shown["progress"]

    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "partner deliveries" in schemas["BoardOut"]["properties"]["progress"]["description"]
    figures = schemas["DayProgressOut"]["properties"]
    assert "counts once" in figures["partners_total"]["description"]
    assert "returned" in figures["partners_done"]["description"]
