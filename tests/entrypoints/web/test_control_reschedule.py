"""The control tower moves a case's order to another day: the customer asked for Thursday.

A parcel found damaged on a loaded van opens a case: its order cannot move (unload it first).
A parcel sorted into the wrong lane opens a mis-sort case; the dispatcher opens it and moves
the order to a slot on Thursday. The server stores the new day and a new plan version without
the stop; today's sort plan no longer holds the parcel, and the page shows the new version.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from doorstep.domain.accounts import Role
from doorstep.domain.slots import day_windows
from tests.entrypoints.web.conftest import DAY, Browsing, Site
from tests.entrypoints.web.test_control import Api, apis, as_, opened

__all__ = ["apis"]  # a fixture, used by name

expect = pytest.importorskip("playwright.sync_api").expect

THURSDAY = DAY + timedelta(days=3)  # DAY is Monday 2026-11-23


def test_a_sorted_order_moves_to_thursday_from_its_case(
    browsing: Browsing, site: Site, apis: list[Api]
) -> None:
    org = site.new_org(orders=20, plan=True)
    dispatcher = as_(apis, site, org, Role.DISPATCHER)
    crew = as_(apis, site, org, Role.STATION_ASSOCIATE)
    page = opened(browsing, org, Role.DISPATCHER)
    expect(page.locator("#plan-label")).to_have_text("plan v1")

    lines = dispatcher.get(f"/stations/{org.station}/sort-plan", date=DAY.isoformat())["lines"]
    dialog = page.locator("#case-dialog")

    # On a van: refused, with what to do instead; nothing changes.
    loaded = lines[-1]
    assert loaded["order_id"] != lines[0]["order_id"]  # lines[0]'s order moves below
    theirs = [x for x in lines if x["order_id"] == loaded["order_id"]]
    steps = [(k, x["barcode"], {}) for k in ("receive",) for x in theirs]
    steps += [("sort", x["barcode"], {"lane": x["lane"]}) for x in theirs]
    steps += [("load", x["barcode"], {"vehicle_id": x["vehicle_id"]}) for x in theirs]
    steps += [("damaged", loaded["barcode"], {})]
    assert [r["problem"] for r in crew.scans(steps)] == [None] * len(steps)
    assert dispatcher.get(f"/orders/{loaded['order_id']}")["status"] == "loaded"
    damaged = page.locator(".case[data-type='damaged']")
    damaged.wait_for(timeout=15000)
    damaged.locator("button").click()
    part = dialog.locator(".case-reschedule")
    part.wait_for()
    part.locator("input[name=day]").fill(THURSDAY.isoformat())
    part.locator("button.reschedule").click()
    expect(part.locator(".reschedule-note.error")).to_contain_text(
        "it is loaded on a van: unload it at the station first, then reschedule"
    )
    assert dispatcher.get(f"/orders/{loaded['order_id']}")["service_date"] == DAY.isoformat()
    dialog.locator(".dialog-close button").click()

    line = lines[0]
    parcels = [x["barcode"] for x in lines if x["order_id"] == line["order_id"]]
    # Every parcel of the order arrives; one is sorted into a lane of no route.
    crew.scans([("receive", barcode, {}) for barcode in parcels])
    (sorted_,) = crew.scans([("sort", line["barcode"], {"lane": "L99"})])
    assert sorted_["problem"].startswith("mis-sort")
    before = dispatcher.get(f"/orders/{line['order_id']}")
    assert (before["service_date"], before["status"]) == (DAY.isoformat(), "received")
    case = page.locator(".case[data-type='mis_sort']")
    case.wait_for(timeout=15000)

    # A slot of Thursday, in the station's time zone (the station's own delivery slots).
    with site.container.uow() as uow:
        station = next(s for s in uow.stations.list(org.id) if s.code == org.station)
    slot = day_windows(station, THURSDAY)[1]
    window = f"{slot.start_at:%H:%M}-{slot.end_at:%H:%M}"

    case.locator("button").click()
    part = dialog.locator(".case-reschedule")
    part.wait_for()
    assert "its stop leaves today's plan" in part.inner_text()
    part.locator("input[name=day]").fill(THURSDAY.isoformat())
    part.locator("input[name=window]").fill(window)
    part.locator("button.reschedule").click()
    note = part.locator(".reschedule-note")
    expect(note).to_contain_text(
        f"Moved to {THURSDAY.isoformat()}, {window}; its stop left the plan (now plan version 2)"
    )
    assert dialog.locator("select[name=resolution]").input_value() == "rescheduled"
    expect(page.locator("#plan-label")).to_have_text("plan v2", timeout=15000)
    browsing.shoot(page, "control-reschedule", "desktop")

    # What the server stored: the order's new day, a second version without its stop, and
    # today's sort plan (which load-out follows) without its parcel.
    order: dict[str, Any] = dispatcher.get(f"/orders/{line['order_id']}")
    assert (order["service_date"], order["status"]) == (THURSDAY.isoformat(), "received")
    plans = dispatcher.get("/plans", station=org.station, date=DAY.isoformat())["items"]
    latest = max(plans, key=lambda p: p["number"])
    assert (latest["number"], latest["status"]) == (2, "published")
    plan = dispatcher.get(f"/plans/{latest['id']}")
    served = [v["order_id"] for r in plan["routes"] for v in r["visits"]]
    left = [u["order_id"] for u in plan["unassigned"]]
    assert line["order_id"] not in served + left
    first = dispatcher.get(f"/plans/{org.version.id}") if org.version else None
    assert first is not None
    before_ids = {v["order_id"] for r in first["routes"] for v in r["visits"]}
    assert set(served) == before_ids - {line["order_id"]}
    after = dispatcher.get(f"/stations/{org.station}/sort-plan", date=DAY.isoformat())["lines"]
    assert sorted(x["barcode"] for x in after) == sorted(
        x["barcode"] for x in lines if x["order_id"] != line["order_id"]
    )
