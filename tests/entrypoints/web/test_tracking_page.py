"""The recipient's tracking page in a browser: the ETA, another time, a safe place, the
driver's instructions; with JavaScript and without it (plain forms), under a strict CSP."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from doorstep.domain.accounts import Role
from doorstep.services import orders
from tests.entrypoints.web.conftest import Browsing, Org, Site, wait_until


def tracking_link(browsing: Browsing, org: Org, n: int = 0) -> tuple[str, str]:
    """An admin issues the link of the organisation's ``n``th order: (order id, page path)."""
    admin = browsing.page(org, Role.ADMIN, "/settings")
    listed = admin.request.get("/api/v1/orders?limit=20")
    assert listed.ok, listed.text()
    order_id = str(listed.json()["items"][n]["id"])
    issued = admin.request.post(
        f"/api/v1/orders/{order_id}/tracking-link", headers={"X-Doorstep-Page": "1"}
    )
    assert issued.status == 201, issued.text()
    return order_id, str(issued.json()["page"])


def stored(site: Site, org: Org, order_id: str) -> Any:
    return orders.get_order(org.principal, order_id, uow=site.container.reader())


def hhmm(at: datetime) -> str:
    return f"{at:%H:%M}"


def eta(page: Any) -> tuple[str, str]:
    """The big ETA window as shown: (from, to)."""
    start, end = page.locator("#eta .num").all_inner_texts()
    return start, end


def test_a_customer_sees_the_eta_moves_the_delivery_and_sets_a_safe_place(
    browsing: Browsing, site: Site
) -> None:
    org = site.new_org(orders=4)
    order_id, path = tracking_link(browsing, org)
    before = stored(site, org, order_id)
    page = browsing.context("phone").new_page()  # the recipient: no login
    page.on("pageerror", lambda e: browsing.console_errors.append(str(e)))
    answer = page.goto(path)
    assert answer is not None
    assert answer.ok
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert answer.headers["cache-control"] == "no-store"
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.content())  # no inline script
    assert page.inner_text("#headline") == "Order received"
    assert before.time_windows == ()  # no window asked for yet: the day only
    assert page.inner_text(".eta-day") == f"{org.day:%A %d %B}"
    assert page.query_selector("#eta") is None

    # Another time: the first free slot that is not the current one.
    choice = page.locator("label.slot:not(.current) input").first
    day, start = str(choice.get_attribute("value")).split("|")
    choice.check()
    with page.expect_navigation():
        page.click("#reschedule button[type=submit]")
    page.wait_for_selector("#notice.ok")
    assert "moved" in page.inner_text("#notice")
    moved = stored(site, org, order_id)
    assert moved.service_date.isoformat() == day
    assert moved.time_windows[0].start_at == datetime.fromisoformat(start)
    window = moved.time_windows[0]
    assert eta(page) == (hhmm(window.start_at), hhmm(window.end_at))
    assert page.is_visible("label.slot.current")  # the new time is marked as theirs
    assert page.url.endswith(path)  # the ?done= is dropped: a reload shows the page only
    browsing.shoot(page, "track", "phone")

    # A safe place: only its field shows once chosen (the script), and the server keeps it.
    page.check("input[name=choice][value=safe_place]")
    assert page.is_hidden("input[name=name]")
    page.fill("input[name=note]", "Behind the blue shed")
    with page.expect_navigation():
        page.click("#out button[type=submit]")
    page.wait_for_selector("#pref")
    assert page.inner_text("#pref") == "Leave it: Behind the blue shed"
    assert stored(site, org, order_id).preferences.safe_place == "Behind the blue shed"

    page.fill("textarea[name=text]", "Door code 4321, third floor")
    with page.expect_navigation():
        page.click("#instructions button[type=submit]")
    page.wait_for_selector("#notice.ok")
    notes = stored(site, org, order_id).access_notes
    assert notes.endswith("Recipient: Door code 4321, third floor")
    assert "4321" not in page.content()  # the page never shows the notes back

    # The parcel arrives at the station (a scan there): the open page follows by itself,
    # without a reload, as the status changes.
    page.evaluate("() => { window.sameDocument = true; }")
    barcode = stored(site, org, order_id).parcels[0].barcode
    event = {
        "id": f"rcv-{barcode}", "kind": "receive", "barcode": barcode,
        "device_time": site.clock.now().isoformat(),
    }  # fmt: skip
    admin = browsing.page(org, Role.ADMIN, "/settings")
    scanned = admin.request.post(
        "/api/v1/events", data={"events": [event]}, headers={"X-Doorstep-Page": "1"}
    )
    assert scanned.ok, scanned.text()
    assert scanned.json()["results"][0]["problem"] is None, scanned.text()
    wait_until(lambda: page.inner_text("#headline") == "At the delivery station", 30)
    assert page.evaluate("() => window.sameDocument") is True
    assert "now" in str(page.get_attribute(".steps li:nth-child(2)", "class"))


def test_the_page_works_without_javascript_and_says_why_a_change_is_refused(
    browsing: Browsing, site: Site
) -> None:
    org = site.new_org(orders=4)
    order_id, path = tracking_link(browsing, org, n=1)
    context = browsing.context("desktop", java_script_enabled=False)
    page = context.new_page()
    page.goto(path)
    # Without the script every option's fields show, and the plain forms post.
    assert page.is_visible("input[name=name]")
    choice = page.locator("label.slot:not(.current) input").nth(1)
    day, start = str(choice.get_attribute("value")).split("|")
    choice.check()
    with page.expect_navigation():
        page.click("#reschedule button[type=submit]")
    page.wait_for_selector("#notice.ok")
    moved = stored(site, org, order_id)
    assert (moved.service_date.isoformat(), moved.time_windows[0].start_at) == (
        day, datetime.fromisoformat(start),
    )  # fmt: skip

    page.check("input[name=choice][value=neighbour]")
    page.fill("input[name=name]", "Liisa")
    with page.expect_navigation():
        page.click("#out button[type=submit]")  # the address is missing
    page.wait_for_selector("#notice.bad")
    assert "address" in page.inner_text("#notice")
    assert stored(site, org, order_id).preferences.neighbour == ""
    page.check("input[name=choice][value=neighbour]")
    page.fill("input[name=name]", "Liisa")
    page.fill("input[name=address]", "Street 1 B 4")
    with page.expect_navigation():
        page.click("#out button[type=submit]")
    page.wait_for_selector("#notice.ok")
    assert stored(site, org, order_id).preferences.neighbour == "Liisa, Street 1 B 4"
    assert page.inner_text("#pref") == "Give it to Liisa, Street 1 B 4"

    # A slot that is not offered, sent by hand: refused with the reason, nothing stored.
    refused = context.request.post(f"{path}/reschedule", form={"slot": f"{day}|garbage"})
    assert refused.status == 422
    assert "Not changed" in refused.text()
    assert stored(site, org, order_id).time_windows == moved.time_windows


def test_a_planned_order_shows_the_plans_eta_window_and_the_drivers_first_name(
    browsing: Browsing, site: Site
) -> None:
    org = site.new_org(orders=6, plan=True)
    assert org.version is not None
    order_id, path = tracking_link(browsing, org)
    page = browsing.context("desktop").new_page()
    page.goto(path)
    # The plan's arrival, widened by half an hour each way and rounded out to 15 minutes.
    arrival = next(
        org.version.at(v.start_s)
        for r in org.version.plan.routes
        for v in r.visits
        if v.stop_id == order_id
    )
    start, end = eta(page)
    assert start <= hhmm(arrival) <= end, (start, end, arrival)
    assert page.inner_text("#driver")  # a first name only
    assert " " not in page.inner_text("#driver")
    browsing.shoot(page, "track", "desktop")
