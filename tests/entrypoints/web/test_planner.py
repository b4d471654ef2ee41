"""The planner page end to end: import a file with mistakes, fix the held orders, plan with
progress, read the plan on the map and the timeline, lock, re-plan, compare and publish.

Each step is checked twice: on what the page shows and on what the server stored.
"""

from __future__ import annotations

import csv
import itertools
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from doorstep.adapters.spreadsheets import write_table
from doorstep.domain.accounts import Role
from doorstep.domain.flags import Severity
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import LocationSource
from doorstep.planning.versions import PlanStatus
from doorstep.services import orders
from doorstep.services.planning import runs
from doorstep.services.planning.timeline import plan_timeline
from doorstep.services.ports import OrderFilter
from doorstep.simulation.mistakes import Mistake
from doorstep.simulation.sample_orders import SampleSet, sample_orders
from tests.entrypoints.web.conftest import DAY, PASSWORD, Browsing, Org, Site

SHIPPER = "web-upload"


def sample_file(site: Site, path: Path) -> SampleSet:
    """Thirty sample rows, a third with the usual mistakes, plus three rows no import takes."""
    known = site.container.regions.addresses("helsinki").known()
    samples = sample_orders(
        known, count=30, seed=5, day=DAY, timezone="Europe/Helsinki", mistakes=0.3
    )
    header = samples.header
    rows = [list(r) for r in samples.rows]
    rows[3][header.index("Weight (kg)")] = "heavy"  # sheet row 5
    rows[4][header.index("Date")] = "2026-13-45"  # sheet row 6
    rows[5][header.index("Name")] = ""  # sheet row 7
    # Streets without their numbers and no pins: held until a person places them.
    for i in (8, 9):
        rows[i][header.index("Address")] = samples.labels[i].address.street
        rows[i][header.index("Latitude")] = rows[i][header.index("Longitude")] = None
    write_table(path, header, rows)
    return samples


def read_table_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def held(site: Site, org: Org) -> list[Any]:
    where = OrderFilter(statuses=frozenset({OrderStatus.NEEDS_ATTENTION}), service_date=DAY)
    page = orders.list_orders(
        org.principal, where, cursor=None, limit=500, uow=site.container.reader()
    )
    return list(page.orders)


def counts(page: Any) -> dict[str, int]:
    return {
        tile.get_attribute("data-count"): int(tile.query_selector(".value").inner_text())
        for tile in page.query_selector_all("#import-summary .tile")
    }


def settle(page: Any) -> None:
    """The map's street tiles drawn before a screenshot."""
    page.wait_for_load_state("networkidle")


def test_import_a_file_with_mistakes_then_fix_the_held_orders(
    browsing: Browsing, site: Site, tmp_path: Path
) -> None:
    org = site.new_org(orders=0)
    path = tmp_path / "orders.csv"
    samples = sample_file(site, path)
    page: Any = browsing.page(org, Role.PLANNER, "/planner#import")
    page.wait_for_selector("body[data-ready]")
    assert page.get_attribute("#tab-import", "aria-selected") == "true"
    page.set_input_files("#import-file", str(path))
    page.click("#import-start")
    page.wait_for_selector("#import-report[data-done]")

    # The row report: what the server stored, row by row, rejected rows with field and message.
    stored = held(site, org)
    shown = counts(page)
    assert shown["rejected"] == 3
    assert shown["created"] == 27
    assert shown["needs_attention"] == len(stored) > 0
    assert "30 rows read" in page.inner_text("#import-status")
    rejected = {
        int(r.get_attribute("data-row")): r.inner_text()
        for r in page.query_selector_all("#import-rows tr.row-rejected")
    }
    assert set(rejected) == {5, 6, 7}
    assert "weight" in rejected[5]
    assert "is not a number" in rejected[5]
    assert "date" in rejected[6]
    assert "is not a date" in rejected[6]
    assert "name" in rejected[7]
    assert "empty" in rejected[7]
    held_rows = page.query_selector_all("#import-rows tr.row-held")
    assert len(held_rows) == len(stored)
    settle(page)
    browsing.shoot(page, "planner-import", "desktop")

    # The same orders again as an Excel workbook, from a phone: nothing changes, the same
    # rows are refused.
    workbook = tmp_path / "orders.xlsx"
    write_table(workbook, *read_table_rows(path))
    phone: Any = browsing.page(org, Role.PLANNER, "/planner#import", size="phone")
    phone.wait_for_selector("body[data-ready]")
    phone.set_input_files("#import-file", str(workbook))
    phone.click("#import-start")
    phone.wait_for_selector("#import-report[data-done]")
    again = counts(phone)
    assert again["unchanged"] == 27
    assert again["created"] == again["updated"] == 0
    assert again["rejected"] == 3
    assert len(held(site, org)) == len(stored)
    browsing.shoot(phone, "planner-import", "phone")
    phone.click("#tab-attention")
    phone.wait_for_selector("#attention-list .attention-item")
    assert len(phone.query_selector_all("#attention-list .attention-item")) == len(stored)
    browsing.shoot(phone, "planner-attention", "phone")

    # The queue holds exactly the server's held orders, each with its flags.
    page.click("#tab-attention")
    page.wait_for_selector("#attention-list .attention-item")
    items = page.query_selector_all("#attention-list .attention-item")
    assert {i.get_attribute("data-order") for i in items} == {o.id for o in stored}
    assert page.inner_text("#attention-count") == str(len(stored))
    for order in stored:
        text = page.inner_text(f'[data-order="{order.id}"] .flags')
        assert all(f.code.value.replace("_", " ") in text for f in order.flags)

    # A pin in the wrong street: drag the pin to the real door, and the order is ready.
    labels = {label.reference: label for label in samples.labels}
    wrong_pin = next(
        o for o in stored if labels[o.shipper_reference].mistake is Mistake.PIN_IN_WRONG_STREET
    )
    item = f'[data-order="{wrong_pin.id}"]'
    page.click(f"{item} .move-pin")
    marker = page.wait_for_selector(".attention-pin.move")
    box = marker.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 60, box["y"] + 20, steps=8)
    page.mouse.up()
    shown_at = [float(x) for x in page.inner_text(f"{item} .pin-where").split(",")]
    browsing.shoot(page, "planner-attention", "desktop")
    page.click(f"{item} .save-pin")
    page.wait_for_selector(item, state="detached")
    fixed = orders.get_order(org.principal, wrong_pin.id, uow=site.container.reader())
    assert fixed.location_source is LocationSource.MANUAL
    assert fixed.location is not None
    assert wrong_pin.location is not None
    assert fixed.location != wrong_pin.location  # the dragged place, not the old pin
    assert round(fixed.location.lat, 5) == shown_at[0]
    assert round(fixed.location.lon, 5) == shown_at[1]
    assert fixed.status is not OrderStatus.NEEDS_ATTENTION
    left = held(site, org)
    assert wrong_pin.id not in {o.id for o in left}
    assert page.inner_text("#attention-count") == str(len(left))

    # A street without its number: pick the geocoder's candidate, and it leaves the queue.
    no_number = next(o for o in left if o.shipper_reference == samples.labels[8].reference)
    item = f'[data-order="{no_number.id}"]'
    page.click(f"{item} .candidates")
    page.wait_for_selector(f"{item} .candidates-list")
    assert samples.labels[8].address.street in page.inner_text(f"{item} .candidates-list")
    best = page.request.get(f"/api/v1/orders/{no_number.id}/candidates?limit=5").json()[0]
    page.click(f"{item} .choose >> nth=0")
    page.wait_for_selector(item, state="detached")
    fixed = orders.get_order(org.principal, no_number.id, uow=site.container.reader())
    assert fixed.status is OrderStatus.READY
    assert fixed.location is not None
    assert (round(fixed.location.lat, 5), round(fixed.location.lon, 5)) == (
        round(best["lat"], 5),
        round(best["lon"], 5),
    )
    assert no_number.id not in {o.id for o in held(site, org)}
    assert page.inner_text("#attention-count") == str(len(held(site, org)))

    # The last one released as it is: ready, its flag accepted, and the queue is empty.
    [last] = held(site, org)
    assert last.shipper_reference == samples.labels[9].reference
    page.click(f'[data-order="{last.id}"] .release')
    page.wait_for_selector("#attention-empty:not([hidden])")
    released = orders.get_order(org.principal, last.id, uow=site.container.reader())
    assert released.status is OrderStatus.READY
    assert {f.code for f in last.flags if f.severity is Severity.BLOCKING} <= released.acknowledged
    assert held(site, org) == []
    assert page.inner_text("#attention-count") == "0"


def stored_versions(site: Site, org: Org) -> list[Any]:
    return list(runs.list_plans(org.principal, org.station, DAY, uow=site.container.reader())[1])


def shown_plan(page: Any, number: int) -> None:
    page.wait_for_selector(f'#pane-plan[data-number="{number}"]', timeout=60_000)


def test_plan_the_day_lock_a_route_plan_again_compare_and_publish(
    browsing: Browsing, site: Site
) -> None:
    org = site.new_org(orders=150)
    page: Any = browsing.page(org, Role.PLANNER, "/planner")
    page.wait_for_selector("body[data-ready]")
    assert page.inner_text("#routes-empty") == "No routes: plan the day first."

    # Plan: the progress shows while the search runs, then the stored plan is drawn.
    page.select_option("#run-seconds", "5")
    page.click("#run-start")
    page.wait_for_selector("#run-cancel:not([hidden])")
    page.wait_for_selector('#run-progress[data-status="running"]', timeout=30_000)
    shown_plan(page, 1)
    assert page.get_attribute("#run-progress", "data-status") == "succeeded"
    assert page.get_attribute("#run-progress", "data-progress-seen") == "1"
    assert "plan stored" in page.inner_text("#run-status")
    assert page.is_hidden("#run-cancel")
    [first] = stored_versions(site, org)
    plan = runs.get_plan(org.principal, first.id, uow=site.container.reader())
    used = [r for r in plan.plan.routes if r.visits]
    stops = sum(len(r.visits) for r in used)
    timeline = plan_timeline(org.principal, first.id, uow=site.container.reader())
    timelines = {r.vehicle_id: r for r in timeline.routes}
    assert page.get_attribute("#pane-plan", "data-plan") == first.id
    assert page.get_attribute("#planner-map", "data-routes") == str(len(used))
    assert page.get_attribute("#planner-map", "data-stops") == str(stops)
    # The route list and the timeline: a row per route, a service bar per stop.
    assert len(page.query_selector_all("#route-list .route-item")) == len(used)
    rows = page.query_selector_all("#gantt .gantt-rows .gantt-row")
    assert [r.get_attribute("data-vehicle") for r in rows] == [r.vehicle_id for r in used]
    for route in used:
        row = f'#gantt .gantt-row[data-vehicle="{route.vehicle_id}"]'
        served = page.query_selector_all(f"{row} .seg.service")
        assert [s.get_attribute("data-order") for s in served] == list(route.stop_ids)
        # Every piece of the route's day the server cut, drawn as a bar of its kind.
        bars = [b.get_attribute("data-kind") for b in page.query_selector_all(f"{row} .seg")]
        assert bars == [s.kind.value for s in timelines[route.vehicle_id].segments]
        assert bars.count("break") == (1 if route.break_start_s is not None else 0)
        item = page.inner_text(f'#route-list [data-vehicle="{route.vehicle_id}"]')
        assert f"{len(route.visits)}" in item
        assert route.binding.value in item
    assert page.inner_text("#left-count") == str(len(plan.plan.unassigned))
    for left in plan.plan.unassigned:
        assert left.reason is not None
        why = page.inner_text(f'#left-list [data-order="{left.stop_id}"] .why')
        assert why == left.reason.message
    assert "Europe/Helsinki" in page.inner_text("#gantt-zone")
    settle(page)
    browsing.shoot(page, "planner-plan", "desktop")

    # A stop's bar on the timeline opens that stop on the map.
    first_stop = used[0].stop_ids[0]
    for _ in range(3):  # 8x: two-minute stops become bars wide enough to click
        page.click("#gantt-in")
    assert page.get_attribute("#gantt", "data-scale") == "8"
    page.click(f'#gantt .seg.service[data-order="{first_stop}"]')
    popup = page.wait_for_selector(".leaflet-popup-content").inner_text()
    assert first_stop in popup
    assert "stop 1" in popup
    browsing.shoot(page, "planner-timeline", "desktop")

    # Lock the first route's first three stops: the badge shows and the server holds the
    # lock on that version (the rest of the day stays open for the next run).
    locked = used[0].vehicle_id
    prefix = used[0].stop_ids[:3]
    route_item = f'#route-list [data-vehicle="{locked}"]'
    page.fill(f"{route_item} .lock-count", "3")
    page.click(f"{route_item} .lock-stops")
    page.wait_for_selector(f"{route_item} .locked")
    assert page.inner_text(f"{route_item} .locked") == "first 3 locked"
    stored = runs.get_plan(org.principal, first.id, uow=site.container.reader())
    assert [(k.vehicle_id, k.stop_ids) for k in stored.locked] == [(locked, prefix)]

    # Plan again with a long search and cancel it: the best plan so far is kept as plan 2,
    # and the locked stops come through first on their route.
    page.select_option("#run-seconds", "60")
    page.click("#run-start")
    page.wait_for_selector('#run-progress[data-status="running"]', timeout=30_000)
    # The progress line tells the best plan's cost in the organisation's currency and the
    # stops it leaves out (not the solver's objective, which is no cost).
    page.wait_for_function(
        r"/cost \d+\.\d\d EUR, \d+ left out/.test("
        "document.querySelector('#run-status').textContent)",
        timeout=30_000,
    )
    assert "objective" not in page.inner_text("#run-status")
    browsing.shoot(page, "planner-progress", "desktop")
    page.click("#run-cancel")
    shown_plan(page, 2)
    assert page.get_attribute("#run-progress", "data-status") == "cancelled"
    first_again, second = stored_versions(site, org)
    assert first_again.id == first.id
    again = runs.get_plan(org.principal, second.id, uow=site.container.reader())
    kept = again.route_of_vehicle(locked)
    assert kept is not None
    assert kept.stop_ids[:3] == prefix

    # Compare: the two versions' figures side by side and the orders that moved.
    page.click("#tab-compare")
    assert page.input_value("#compare-a") == first.id
    assert page.input_value("#compare-b") == second.id
    page.click("#compare-form button[type=submit]")
    page.wait_for_selector("#compare-result[data-done]")
    comparison = runs.compare_versions(
        org.principal, first.id, second.id, uow=site.container.reader()
    )
    assert page.inner_text("#moved-count") == str(len(comparison.moved))
    cells = page.query_selector_all('#compare-result tr[data-figure="routes_used"] td')
    assert [c.inner_text() for c in cells[:2]] == [
        str(comparison.a.routes_used),
        str(comparison.b.routes_used),
    ]
    shown_moves = [li.get_attribute("data-order") for li in page.query_selector_all(".moved li")]
    assert shown_moves == [m.stop_id for m in comparison.moved]
    if comparison.moved:  # a moved order reads as its reference, and opens on the map
        moved = orders.get_order(
            org.principal, comparison.moved[0].stop_id, uow=site.container.reader()
        )
        ref = f'.moved [data-order="{moved.id}"] .ref'
        page.wait_for_function(
            f"document.querySelector('{ref}').textContent.startsWith('{moved.shipper_reference}')"
        )
        page.click(ref)
        assert moved.id in page.wait_for_selector(".leaflet-popup-content").inner_text()
    settle(page)
    browsing.shoot(page, "planner-compare", "desktop")

    # Publish plan 2: the page says so and the server has it as the day's published plan.
    page.click("#tab-plan")
    page.click("#publish")
    page.wait_for_selector("#plan-status:text('published')")
    assert page.is_hidden("#publish")
    statuses = {v.id: v.status for v in stored_versions(site, org)}
    assert statuses == {first.id: PlanStatus.DRAFT, second.id: PlanStatus.PUBLISHED}

    # The same plan on a phone: the panel, then the map, then the timeline.
    phone: Any = browsing.page(org, Role.PLANNER, "/planner", size="phone")
    shown_plan(phone, 2)
    assert phone.inner_text("#plan-status") == "published"
    settle(phone)
    browsing.shoot(phone, "planner-plan", "phone")
    phone.locator("#gantt").scroll_into_view_if_needed()
    browsing.shoot(phone, "planner-timeline", "phone")


def test_the_timeline_cuts_each_route_into_drive_wait_service_and_break(
    browsing: Browsing, site: Site
) -> None:
    org = site.new_org(orders=30, plan=True)
    assert org.version is not None
    request = browsing.context().request
    signed = request.post(
        "/session", data={"email": org.emails[Role.PLANNER], "password": PASSWORD}
    )
    assert signed.ok
    answer = request.get(f"/api/v1/plans/{org.version.id}/timeline")
    assert answer.ok, answer.text()
    body = answer.json()
    assert (body["plan_id"], body["timezone"]) == (org.version.id, "Europe/Helsinki")
    version = runs.get_plan(org.principal, org.version.id, uow=site.container.reader())
    used = [r for r in version.plan.routes if r.visits]
    assert [r["vehicle_id"] for r in body["routes"]] == [r.vehicle_id for r in used]
    for route, shown in zip(used, body["routes"], strict=True):
        pieces = [
            (s["kind"], datetime.fromisoformat(s["start_at"]), datetime.fromisoformat(s["end_at"]))
            for s in shown["segments"]
        ]
        # The pieces run from leaving the station to coming back, one after another.
        assert pieces[0][1] == version.at(route.start_s)
        assert pieces[-1][2] == version.at(route.end_s)
        assert all(a[2] <= b[1] for a, b in itertools.pairwise(pieces))
        assert all(start < end for _, start, end in pieces)
        served = [(s["order_id"], s["start_at"], s["end_at"]) for s in shown["segments"]
                  if s["kind"] == "service"]  # fmt: skip
        assert served == [
            (v.stop_id, version.at(v.start_s).isoformat(), version.at(v.departure_s).isoformat())
            for v in route.visits
            if v.departure_s > v.start_s
        ]
        breaks = [(start, end) for kind, start, end in pieces if kind == "break"]
        if route.break_start_s is None:
            assert breaks == []
        else:
            brk = version.inputs.vehicle(route.vehicle_id).break_
            assert brk is not None
            start = version.at(route.break_start_s)
            assert breaks == [(start, start + timedelta(seconds=brk.duration_s))]
    # An unknown plan is a problem answer, not an error page; without a session, 401.
    missing = request.get("/api/v1/plans/plan_nope/timeline")
    assert missing.status == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    outsider = browsing.context().request.get(f"/api/v1/plans/{org.version.id}/timeline")
    assert outsider.status == 401
