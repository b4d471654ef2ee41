"""The control tower's Partners section in Chromium: orders handed to a partner carrier (a real
fake partner on loopback) show per carrier with counts and per delivery with its status in
words, tracking number, window and overdue flag; the partner's webhook events and the
dispatcher's watch reach the open page by push; a delivery's details open on a click."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest

from doorstep.domain.accounts import Role
from doorstep.domain.webhooks import new_secret, signed_headers
from doorstep.services.carriers import SAMPLE_CARRIERS
from tests.entrypoints.api.conftest import order_body
from tests.entrypoints.web.conftest import DAY, Browsing, Org, Site, advance
from tests.entrypoints.web.test_control import Api, apis, as_, board_of, opened
from tests.support.partner import API_KEY, Partner, partner_server

__all__ = ["apis"]  # a fixture, used by name

expect = pytest.importorskip("playwright.sync_api").expect

CARRIER = "kaupunkikuriiri"
SECRET = new_secret(bytes(range(32, 64)))


@pytest.fixture
def partner() -> Iterator[Partner]:
    with partner_server() as running:
        yield running


@pytest.fixture
def later_clock(site: Site) -> Iterator[Site]:
    """The site's clock as it stands, put back after the test (other tests expect 07:00)."""
    before = site.clock.current
    yield site
    site.clock.current = before


def connect(admin: Api, partner: Partner, secret: str = SECRET) -> None:
    answer = admin.http.post(
        "/carriers:import?kind=carriers", content=SAMPLE_CARRIERS.read_bytes(),
        headers={"Content-Type": "text/csv"},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    body = {"base_url": partner.url, "api_key": API_KEY, "webhook_secret": secret}
    answer = admin.http.put(f"/carriers/{CARRIER}/connection", json=body)
    assert answer.status_code == 200, answer.text


def handed(
    admin: Api, org: Org, reference: str, start: str, end: str,
    at: tuple[float, float] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A ready order of the station with a window on DAY (Helsinki time), handed off; ``at``
    moves its delivery point (lat, lon)."""
    body = {**order_body(reference, f"PARCEL-{reference}", station=org.station)}
    if at is not None:
        body["location"] = {"lat": at[0], "lon": at[1]}
    body["recipient"] = {**body["recipient"], "name": f"Recipient {reference}"}
    body["proof"] = {"kind": "none"}
    body["time_windows"] = [
        {"start_at": f"{DAY}T{start}:00+02:00", "end_at": f"{DAY}T{end}:00+02:00"}
    ]
    made = admin.post("/orders", body, 201)
    assert made["status"] == "ready", json.dumps(made)
    booked: dict[str, Any] = admin.post(
        f"/orders/{made['id']}:hand-off", {"carrier": CARRIER, "service_level": "same_day"}, 201
    )
    return booked


def webhook(
    admin: Api, site: Site, booking: str, n: int, status: str, hhmm: str, secret: str = SECRET
) -> None:
    """The partner's signed webhook, signed at the server's (simulated) time. The secret
    tells the organisation: a test sending webhooks after another's needs its own."""
    event = {
        "id": f"evt_{booking}_{n}", "shipment_id": booking, "status": status,
        "occurred_at": f"{DAY}T{hhmm}:00+02:00", "parcel": None, "reason": None, "note": "",
    }  # fmt: skip
    body = json.dumps({"events": [event]}).encode()
    headers = signed_headers(secret, f"msg_{booking}_{n}", int(site.clock.now().timestamp()), body)
    headers["Content-Type"] = "application/json"
    answer = admin.http.post(f"/carrier-webhooks/{CARRIER}", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["unknown_bookings"] == []


def row(page: Any, order_id: str) -> Any:
    return page.locator(f".partner-row[data-order='{order_id}']")


def test_the_tower_shows_partner_deliveries_and_follows_them_by_push(
    browsing: Browsing, site: Site, apis: list[Api], partner: Partner, later_clock: Site
) -> None:
    """The site's clock stands at 07:00 Helsinki: PX-EARLY's window (06:00-06:59) has passed
    unpicked (overdue); PX-LATER's (12:00-16:00) has not."""
    org = site.new_org(orders=20, plan=True)
    admin = as_(apis, site, org, Role.ADMIN)
    dispatcher = as_(apis, site, org, Role.DISPATCHER)
    connect(admin, partner)
    early = handed(admin, org, "PX-EARLY", "06:00", "06:59")
    later = handed(admin, org, "PX-LATER", "12:00", "16:00")
    page = opened(browsing, org, Role.DISPATCHER)

    # What the server's board says, the section shows: the carrier's counts, each delivery.
    board = board_of(dispatcher, org)
    assert [(d["order_id"], d["overdue"]) for d in board["partners"]] == [
        (early["order_id"], True),
        (later["order_id"], False),
    ]
    section = page.locator("#partners-section")
    assert section.is_visible()
    carrier = page.locator(f".partner-card[data-carrier='{CARRIER}']")
    assert "Kaupunkikuriiri" in carrier.inner_text()
    assert carrier.locator("[data-role=counts]").inner_text() == "2 · 2 booked"
    assert carrier.locator("[data-role=overdue-count]").inner_text() == "1 overdue"
    late = row(page, early["order_id"])
    assert late.get_attribute("data-overdue") == "true"
    assert late.locator(".badge.bad").inner_text() == "overdue"
    assert late.locator("[data-role=status]").inner_text() == "with partner carrier"
    assert late.locator("[data-role=tracking]").inner_text() == early["tracking_number"]
    assert late.locator("[data-role=window]").inner_text() == "06:00\N{EN DASH}06:59"
    assert "PX-EARLY · Recipient PX-EARLY" in late.inner_text()
    fine = row(page, later["order_id"])
    assert fine.get_attribute("data-overdue") == "false"
    assert fine.locator("[data-role=stage]").inner_text() == "booked"
    assert fine.locator("[data-role=window]").inner_text() == "12:00\N{EN DASH}16:00"
    # The day's progress tile counts the whole day: the vans' stops and the partner
    # deliveries together, and each apart.
    stops = sum(r["stops_total"] for r in board["routes"])
    assert stops > 0
    progress = page.locator("[data-kpi=stops_done]")
    assert progress.locator(".value").inner_text() == f"0/{stops + 2}"
    assert progress.locator("[data-role=vans]").inner_text() == f"vans 0/{stops}"
    assert progress.locator("[data-role=partners]").inner_text() == "partners 0/2"

    # Ten minutes on, the partner has picked PX-LATER up (after its 07:00 booking) and taken
    # it out: pushed, the row follows (no reload).
    advance(site, 10)
    webhook(admin, site, later["booking_id"], 1, "picked_up", "07:03")
    webhook(admin, site, later["booking_id"], 2, "out_for_delivery", "07:06")
    expect(fine.locator("[data-role=status]")).to_have_text("out for delivery", timeout=15000)
    expect(fine.locator("[data-role=stage]")).to_have_text("with the partner")
    expect(carrier.locator("[data-role=counts]")).to_have_text("2 · 1 booked · 1 in progress")
    browsing.shoot(page, "control-partners", "desktop")
    # The partner delivers it: pushed, the tile counts it done.
    webhook(admin, site, later["booking_id"], 3, "delivered", "07:09")
    expect(progress.locator("[data-role=partners]")).to_have_text("partners 1/2", timeout=15000)
    assert progress.locator(".value").inner_text() == f"1/{stops + 2}"

    # The watch opens a late-risk case for the overdue one, naming carrier and tracking.
    dispatcher.post(f"/stations/{org.station}/dispatch:watch", date=DAY.isoformat())
    cases = dispatcher.get("/exceptions", limit=200)["items"]
    (case,) = [c for c in cases if c["order_id"] == early["order_id"]]
    assert case["type"] == "late_risk"
    assert case["summary"] == (
        "Kaupunkikuriiri has not delivered it by 06:59, the end of its window "
        f"(tracking number {early['tracking_number']})"
    )
    assert [c["type"] for c in cases] == ["late_risk"]  # the partner's events were in order
    shown = page.locator(".case[data-type='late_risk']")
    expect(shown).to_contain_text(early["tracking_number"], timeout=15000)

    # A click shows the delivery's details, and leads to its case.
    late.click()
    dialog = page.locator("#partner-dialog")
    expect(dialog).to_be_visible()
    text = dialog.inner_text()
    for expected in ("Kaupunkikuriiri", early["tracking_number"], "with partner carrier",
                     "overdue since 06:59", "none yet"):  # fmt: skip
        assert expected in text, text
    browsing.shoot(page, "control-partner-details", "desktop")
    dialog.get_by_role("button", name="Open its case").click()
    expect(page.locator("#case-dialog")).to_be_visible()
    assert early["tracking_number"] in page.inner_text("#case-summary")


def test_the_partners_section_on_a_phone(
    browsing: Browsing, site: Site, apis: list[Api], partner: Partner
) -> None:
    org = site.new_org(orders=10, plan=True)
    admin = as_(apis, site, org, Role.ADMIN)
    connect(admin, partner)
    early = handed(admin, org, "PX-EARLY", "06:00", "06:59")
    handed(admin, org, "PX-LATER", "12:00", "16:00")
    page = opened(browsing, org, Role.DISPATCHER, size="phone")
    section = page.locator("#partners-section")
    section.scroll_into_view_if_needed()
    late = row(page, early["order_id"])
    assert late.is_visible()
    # Nothing runs off the phone's screen: the row fits its 390 px.
    box = late.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    browsing.shoot(page, "control-partners", "phone")
    late.click()
    expect(page.locator("#partner-dialog")).to_be_visible()
    browsing.shoot(page, "control-partner-details", "phone")


def test_a_day_without_a_published_plan_still_shows_its_partner_deliveries(
    browsing: Browsing, site: Site, apis: list[Api], partner: Partner
) -> None:
    org = site.new_org(orders=5, plan=False)
    admin = as_(apis, site, org, Role.ADMIN)
    connect(admin, partner)
    later = handed(admin, org, "PX-LATER", "12:00", "16:00")
    page = opened(browsing, org, Role.DISPATCHER)
    expected = f"No published plan for {DAY}: partner deliveries only."
    assert page.inner_text("#board-empty") == expected
    assert page.locator(".route-card").count() == 0
    shown = row(page, later["order_id"])
    assert later["tracking_number"] in shown.inner_text()
    assert shown.locator("[data-role=stage]").inner_text() == "booked"


def squares(page: Any) -> list[dict[str, Any]]:
    """The partner squares the map drew: order, tone, and where on the map's box."""
    found: list[dict[str, Any]] = page.eval_on_selector("#map", "m => m.partnerMarkers()")
    return found


def click_square(page: Any, square: dict[str, Any]) -> None:
    """A real click on the canvas where the square is drawn (Leaflet hit-tests it)."""
    box = page.locator("#map").bounding_box()
    assert box is not None
    assert 0 < square["x"] < box["width"], square
    assert 0 < square["y"] < box["height"], square
    page.mouse.click(box["x"] + square["x"], box["y"] + square["y"])


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_partner_deliveries_are_squares_on_the_map_that_open_their_details(
    browsing: Browsing,
    site: Site,
    apis: list[Api],
    partner: Partner,
    size: str,
    later_clock: Site,
) -> None:
    """Three hand-offs some 130 m around their address (within the pin's tolerance):
    PX-EARLY overdue (window 06:00-06:59 passed at 07:00), PX-LATER open, PX-DONE delivered
    by the partner.
    Each is a square at its order's location, coloured by stage; the legend counts them; a
    click on one opens the same dialog the list does."""
    org = site.new_org(orders=10, plan=True)
    admin = as_(apis, site, org, Role.ADMIN)
    dispatcher = as_(apis, site, org, Role.DISPATCHER)
    secret = new_secret(hashlib.sha256(org.id.encode()).digest())
    connect(admin, partner, secret)
    early = handed(admin, org, "PX-EARLY", "06:00", "06:59", at=(60.1693, 24.9414))
    later = handed(admin, org, "PX-LATER", "12:00", "16:00", at=(60.1681, 24.9436))
    done = handed(admin, org, "PX-DONE", "12:00", "16:00", at=(60.1669, 24.9414))
    advance(site, 10)  # the partner's events come after the 07:00 booking
    webhook(admin, site, done["booking_id"], 1, "picked_up", "07:03", secret)
    webhook(admin, site, done["booking_id"], 2, "delivered", "07:06", secret)
    page = opened(browsing, org, Role.DISPATCHER, size=size)

    board = board_of(dispatcher, org)
    located = {
        d["order_id"]: (d["lat"], d["lon"]) for d in board["partners"] if d["lat"] is not None
    }
    assert located == {
        early["order_id"]: (60.1693, 24.9414),
        later["order_id"]: (60.1681, 24.9436),
        done["order_id"]: (60.1669, 24.9414),
    }
    drawn = {s["order"]: s for s in squares(page)}
    assert len(drawn) == len(located)
    assert {o: (s["lat"], s["lon"]) for o, s in drawn.items()} == located
    assert {o: s["tone"] for o, s in drawn.items()} == {
        early["order_id"]: "overdue",
        later["order_id"]: "open",
        done["order_id"]: "delivered",
    }
    legend = page.locator("#legend")
    assert legend.get_attribute("data-partners") == "3"
    assert legend.locator(".legend-item.partner").inner_text() == "3 partner"
    browsing.shoot(page, "control-partner-map", size)

    # A click on PX-EARLY's square opens its details, as its row in the list would.
    click_square(page, drawn[early["order_id"]])
    dialog = page.locator("#partner-dialog")
    expect(dialog).to_be_visible()
    assert page.inner_text("#partner-title") == "PX-EARLY · Recipient PX-EARLY"
    assert "overdue since 06:59" in dialog.inner_text()
    browsing.shoot(page, "control-partner-map-details", size)
    # The partner's events were in order: the only case is PX-EARLY's, none of a scan.
    assert {c["type"] for c in dispatcher.get("/exceptions", limit=200)["items"]} <= {"late_risk"}
