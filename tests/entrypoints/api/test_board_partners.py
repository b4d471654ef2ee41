"""The dispatch board over HTTP covers partner deliveries: a hand-off to the loopback partner
shows with its carrier, tracking number, stage and overdue flag; the watch opens its case;
the OpenAPI document says what the new fields mean."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.bootstrap import Container
from doorstep.domain.webhooks import signed_headers
from tests.entrypoints.api.conftest import Tenant
from tests.entrypoints.api.test_handoffs import CARRIER, SECRET, hand_off, order, partner, setup
from tests.services.fakes import FakeClock

__all__ = ["partner", "setup"]  # fixtures, used by name

HELSINKI = timezone(timedelta(hours=2))
AFTERNOON = datetime(2026, 11, 23, 13, 0, tzinfo=HELSINKI)  # past order_body's 09:00-12:00
BOARD = "/api/v1/stations/HEL1/dispatch?date=2026-11-23"


@pytest.fixture
def container(container: Container) -> Iterator[Container]:
    settings = container.settings.model_copy(update={"travel_provider": "haversine"})
    own = replace(
        container, settings=settings, clock=FakeClock(AFTERNOON), _travel={}, _matrices={}
    )
    yield own
    own.close()


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
    assert "overdue" in schemas["PartnerTotalsOut"]["description"]
