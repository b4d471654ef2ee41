"""The day's KPIs over HTTP: 404 before a plan is published, then numbers with their parts."""

from __future__ import annotations

from fastapi.testclient import TestClient

from doorstep.domain.accounts import Role
from tests.entrypoints.api.conftest import Tenant
from tests.entrypoints.api.test_plans import DAY, container, orders
from tests.entrypoints.api.test_station_day import publish_day

__all__ = ["container", "orders"]  # fixtures, used by name


def test_kpis_of_a_published_day_keep_numerator_and_denominator(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    """Before publishing: 404. After, one parcel received and nothing delivered: on time is
    0/0 with a null value (n/a); 1 parcel handled, 0 with the full sequence."""
    url = f"/api/v1/kpis?station=HEL1&date={DAY}"
    assert client.get(url, headers=tenant_a.admin).status_code == 404
    publish_day(client, tenant_a)
    line = client.get(f"/api/v1/stations/HEL1/sort-plan?date={DAY}", headers=tenant_a.admin)
    code = line.json()["lines"][0]["barcode"]
    event = {"id": "evt-kpi-0001", "kind": "receive", "barcode": code,
             "device_time": f"{DAY}T06:00:00+02:00"}  # fmt: skip
    sent = client.post(
        "/api/v1/events", json={"events": [event]}, headers=tenant_a.as_(Role.STATION_ASSOCIATE)
    )
    assert sent.status_code == 200, sent.text
    answer = client.get(url, headers=tenant_a.admin)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["station"] == "HEL1"
    assert body["day"]["on_time"] == {
        "numerator": 0,
        "denominator": 0,
        "value": None,
        "text": "0/0",
    }
    assert body["day"]["scan_compliance"]["text"] == "0/1"
    assert body["day"]["gps_m_per_stop"] is None
    assert [r["vehicle_name"] for r in body["routes"]]


def test_kpis_as_a_png_and_a_page_answer_like_the_json(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    """The same query and errors as ``/kpis``: 404 before publishing, 422 for a bad date, 401
    without a caller, 403 for a driver (no orders:read); then an inline PNG and a page."""
    query = f"station=HEL1&date={DAY}"
    png_url, page_url = f"/api/v1/kpis/chart.png?{query}", f"/api/v1/kpis/report.html?{query}"
    for url in (png_url, page_url):
        assert client.get(url, headers=tenant_a.admin).status_code == 404
        assert client.get(url).status_code == 401
        assert client.get(url, headers=tenant_a.as_(Role.DRIVER)).status_code == 403
        bad = url.replace(DAY, "23.11.2026")
        assert client.get(bad, headers=tenant_a.admin).status_code == 422
    publish_day(client, tenant_a)
    png = client.get(png_url, headers=tenant_a.as_(Role.VIEWER))
    assert png.status_code == 200, png.text
    assert png.headers["content-type"] == "image/png"
    assert png.headers["content-disposition"] == f'inline; filename="kpis-HEL1-{DAY}.png"'
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    page = client.get(page_url, headers=tenant_a.as_(Role.VIEWER))
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert page.text.startswith("<!DOCTYPE html>")
    assert "KPIs HEL1" in page.text
    assert "<svg" in page.text
    assert "http://" not in page.text
