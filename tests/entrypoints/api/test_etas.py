"""Live ETAs over HTTP: the dispatcher's list per route, and the customer's window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.entrypoints.api.conftest import Tenant
from tests.entrypoints.api.test_delivery_days import DAY1, Day, setup_station
from tests.entrypoints.api.test_messages import client, clock, container, mailbox, smtp, wired
from tests.services.fakes import FakeClock

__all__ = ["client", "clock", "container", "mailbox", "smtp", "wired"]  # fixtures


def test_a_route_running_late_moves_the_customers_window(
    client: TestClient, tenant_a: Tenant, clock: FakeClock
) -> None:
    """Every open stop has p10 <= ETA <= p90; when the van is still at the first stop two
    hours after its planned time, the customer of the last stop sees a later window than
    the plan's."""
    setup_station(client, tenant_a)
    day = Day(client, tenant_a, DAY1)
    lines = day.plan_and_publish()
    vehicle = day.load_and_depart(lines, received=set())
    by_stop = sorted(lines, key=lambda line: line["position"])
    last = by_stop[-1]["order_id"]
    link = client.post(f"/api/v1/orders/{last}/tracking-link", headers=tenant_a.admin).json()
    found = day.get(f"/vehicles/{vehicle}/etas?date={DAY1}")
    assert [s["order_id"] for s in found["stops"]] == [line["order_id"] for line in by_stop]
    for stop in found["stops"]:
        assert stop["earliest"] <= stop["eta"] <= stop["latest"]
    planned = client.get(f"/api/v1/track/{link['token']}").json()["eta"]
    route = day.get(f"/vehicles/{vehicle}/route?date={DAY1}")
    first_start = datetime.fromisoformat(route["stops"][0]["start_at"])
    day.scan("arrive", by_stop[0]["barcode"], day.driver)
    clock.current = max(clock.current, first_start.astimezone(UTC)) + timedelta(hours=2)
    late = client.get(f"/api/v1/track/{link['token']}").json()["eta"]
    assert late["start_at"] > planned["start_at"]
    again = day.get(f"/vehicles/{vehicle}/etas?date={DAY1}")
    assert again["stops"][0]["order_id"] == by_stop[0]["order_id"]
    assert again["stops"][-1]["eta"] > found["stops"][-1]["eta"]
