"""POST /orders/{id}:reschedule: a dispatcher moves an order the station holds to another day.

The day: station HEL1, one van, four orders of Monday DAY (each 09:00-12:00) planned and
published; it is 06:00 at the station. The parcel stays at the station; its stop leaves the
running plan as the day's next version.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Role
from tests.entrypoints.api.conftest import Tenant, straight_lines
from tests.entrypoints.api.test_plans import DAY, orders
from tests.entrypoints.api.test_route_end import scans
from tests.entrypoints.api.test_station_day import publish_day
from tests.entrypoints.api.test_tracking import issue
from tests.services.fakes import FakeClock

__all__ = ["orders"]  # a fixture, used by name

THURSDAY = "2026-11-26"
HELSINKI = ZoneInfo("Europe/Helsinki")


@pytest.fixture
def container(container: Container) -> Iterator[Container]:
    """Haversine travel times (no road region) and a clock at 06:00 on DAY in Helsinki."""
    clock = FakeClock(datetime.combine(datetime.fromisoformat(DAY).date(), time(6), HELSINKI))
    with straight_lines(container, clock) as own:
        yield own


def _plans(client: TestClient, tenant: Tenant, day: str = DAY) -> list[dict[str, Any]]:
    found = client.get(f"/api/v1/plans?station=HEL1&date={day}", headers=tenant.admin)
    assert found.status_code == 200, found.text
    return list(found.json()["items"])


def _order(client: TestClient, tenant: Tenant, order_id: str) -> dict[str, Any]:
    return dict(client.get(f"/api/v1/orders/{order_id}", headers=tenant.admin).json())


def _move(
    client: TestClient, tenant: Tenant, order_id: str, body: dict[str, Any], **headers: str
) -> Any:
    return client.post(
        f"/api/v1/orders/{order_id}:reschedule",
        json=body,
        headers=tenant.as_(Role.DISPATCHER, **headers),
    )


def test_a_received_order_moves_to_thursday_out_of_the_running_plan_once(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    base_id = publish_day(client, tenant_a)
    first = orders[0]
    token = issue(client, tenant_a, first)
    scans(client, tenant_a, ("receive", "PARCEL-1", {}))
    body = {"date": THURSDAY, "window": "10:00-12:00"}

    answer = _move(client, tenant_a, first, body, **{"Idempotency-Key": "move-ord-1"})

    assert answer.status_code == 200, answer.text
    done = answer.json()
    assert done["changed"] is True
    order = done["order"]
    assert (order["service_date"], order["status"]) == (THURSDAY, "received")
    window = order["time_windows"][0]
    starts = datetime.fromisoformat(window["start_at"]).astimezone(HELSINKI)
    ends = datetime.fromisoformat(window["end_at"]).astimezone(HELSINKI)
    assert (starts.isoformat(), ends.isoformat()) == (
        "2026-11-26T10:00:00+02:00",
        "2026-11-26T12:00:00+02:00",
    )
    change = done["plan_change"]
    assert change["base_plan_id"] == base_id
    plan = change["plan"]
    assert plan["status"] == "published"
    routed = [v["order_id"] for r in plan["routes"] for v in r["visits"]]
    assert sorted(routed) == sorted(orders[1:])
    assert first not in [u["order_id"] for u in plan["unassigned"]]
    [affected] = change["affected"]
    assert (affected["stops_before"], affected["stops_after"]) == (4, 3)
    versions = _plans(client, tenant_a)
    assert len(versions) == 2
    # Today's sort plan, load-out and day-end no longer expect PARCEL-1.
    lines = client.get(f"/api/v1/stations/HEL1/sort-plan?date={DAY}", headers=tenant_a.admin)
    assert sorted(line["barcode"] for line in lines.json()["lines"]) == [
        "PARCEL-2", "PARCEL-3", "PARCEL-4",
    ]  # fmt: skip
    vehicle = lines.json()["lines"][0]["vehicle_id"]
    out = client.get(
        f"/api/v1/stations/HEL1/load-out/{vehicle}?date={DAY}", headers=tenant_a.admin
    ).json()
    assert sorted(i["barcode"] for i in out["items"]) == ["PARCEL-2", "PARCEL-3", "PARCEL-4"]
    assert "PARCEL-1" not in out["missing"]
    end = client.get(f"/api/v1/stations/HEL1/day-end?date={DAY}", headers=tenant_a.admin).json()
    assert end["counts"]["at_station"] == 0
    assert end["counts"]["never_received"] == 3  # the other three; PARCEL-1 is Thursday's
    assert "PARCEL-1" not in [u["barcode"] for u in end["unaccounted"]]
    # Thursday's orders list it: the planner takes it that day.
    listed = client.get(
        f"/api/v1/orders?station_id={order['station_id']}&service_date={THURSDAY}",
        headers=tenant_a.admin,
    ).json()
    assert [o["id"] for o in listed["items"]] == [first]
    # The customer's tracking page shows the new day.
    page = client.get(f"/api/v1/track/{token}").json()
    assert (page["service_date"], page["status"]) == (THURSDAY, "received")

    # A retry with the key replays the first answer; the same move without one changes nothing.
    retry = _move(client, tenant_a, first, body, **{"Idempotency-Key": "move-ord-1"})
    assert retry.status_code == 200, retry.text
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert retry.json() == done
    again = _move(client, tenant_a, first, body)
    assert again.status_code == 200, again.text
    assert (again.json()["changed"], again.json()["plan_change"]) == (False, None)
    assert len(_plans(client, tenant_a)) == 2


def test_a_loaded_order_is_refused_with_what_to_do_instead(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    publish_day(client, tenant_a)
    lines = client.get(
        f"/api/v1/stations/HEL1/sort-plan?date={DAY}", headers=tenant_a.admin
    ).json()["lines"]
    line = next(x for x in lines if x["barcode"] == "PARCEL-2")
    scans(
        client, tenant_a,
        ("receive", "PARCEL-2", {}), ("sort", "PARCEL-2", {"lane": line["lane"]}),
        ("load", "PARCEL-2", {"vehicle_id": line["vehicle_id"]}),
    )  # fmt: skip
    answer = _move(client, tenant_a, orders[1], {"date": THURSDAY})
    assert answer.status_code == 409, answer.text
    assert "loaded on a van: unload it at the station first" in answer.json()["detail"]
    assert _order(client, tenant_a, orders[1])["service_date"] == DAY
    assert len(_plans(client, tenant_a)) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": DAY}, "date"),
        ({"date": THURSDAY, "window": "10:30-12:30"}, "window"),
        ({"date": THURSDAY, "window": "morning"}, "window"),
        ({"date": "Thursday"}, "date"),
        ({"date": THURSDAY, "when": "soon"}, "when"),
    ],
)
def test_a_bad_day_or_window_is_422_naming_the_field(
    client: TestClient, tenant_a: Tenant, orders: list[str], body: dict[str, Any], field: str
) -> None:
    publish_day(client, tenant_a)
    answer = _move(client, tenant_a, orders[0], body)
    assert answer.status_code == 422, answer.text
    assert field in answer.text
    assert _order(client, tenant_a, orders[0])["service_date"] == DAY
    assert len(_plans(client, tenant_a)) == 1


def test_the_station_floor_may_not_reschedule(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    answer = client.post(
        f"/api/v1/orders/{orders[0]}:reschedule",
        json={"date": THURSDAY},
        headers=tenant_a.as_(Role.STATION_ASSOCIATE),
    )
    assert answer.status_code == 403, answer.text
    assert _order(client, tenant_a, orders[0])["service_date"] == DAY
