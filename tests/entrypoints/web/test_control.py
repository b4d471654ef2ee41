"""The dispatch control tower in Chromium against the running server.

The page is opened once per test and never reloaded: the day is then driven through the API
(scans by the station crew and the driver, a GPS ping, the dispatcher's watch) and the page
must show each change as the server's push notices arrive. Actions taken on the page
(resolve a case, insert an urgent order, take a van off the road) are checked in what the
server stored.
"""

from __future__ import annotations

import itertools
import time as _time
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

import httpx2
import pytest

from doorstep.domain.accounts import Role
from doorstep.domain.inspections import CHECKLIST
from tests.entrypoints.web.conftest import DAY, PASSWORD, ZONE, Browsing, Org, Site

expect = pytest.importorskip("playwright.sync_api").expect

# Scans of all users, one second apart: each user's device clock agrees with the others'.
TICKS = itertools.count(1)
PNG = b"\x89PNG\r\n\x1a\n" + b"a drawn signature"
JPEG = b"\xff\xd8\xff\xe0" + b"a photo at the door"


class Api:
    """The JSON API as one of the organisation's users, by bearer token."""

    def __init__(self, site: Site, org: Org, role: Role) -> None:
        self.http = httpx2.Client(base_url=f"{site.url}/api/v1", timeout=60)
        answer = self.http.post(
            "/auth/login", json={"email": org.emails[role], "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        self.http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        self.who = f"{org.slug}-{role.value}"

    def get(self, path: str, **params: Any) -> Any:
        answer = self.http.get(path, params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def post(self, path: str, body: Any = None, status: int = 200, **params: Any) -> Any:
        answer = self.http.post(path, json=body, params=params)
        assert answer.status_code == status, answer.text
        return answer.json()

    def scan(self, kind: str, barcode: str, at: time = time(5), **extra: Any) -> dict[str, Any]:
        return self.scans([(kind, barcode, extra)], at)[0]

    def scans(
        self, steps: list[tuple[str, str, dict[str, Any]]], at: time = time(5)
    ) -> list[dict[str, Any]]:
        """One batch, each event a second after the one before (from ``at``): the server
        applies a parcel's scans in device time order."""
        events = []
        for kind, barcode, extra in steps:
            n = next(TICKS)
            when = datetime.combine(DAY, at, ZONE) + timedelta(seconds=n)
            events.append(
                {"id": f"{self.who}-{n}", "kind": kind, "barcode": barcode,
                 "device_time": when.isoformat(), **extra}
            )  # fmt: skip
        results: list[dict[str, Any]] = self.post("/events", {"events": events})["results"]
        assert all(r["outcome"] == "stored" for r in results), results
        return results

    def upload(self, data: bytes, media_type: str) -> str:
        answer = self.http.post("/proof-files", content=data, headers={"Content-Type": media_type})
        assert answer.status_code == 201, answer.text
        return str(answer.json()["sha256"])

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def apis() -> Iterator[list[Api]]:
    made: list[Api] = []
    yield made
    for api in made:
        api.close()


def as_(apis: list[Api], site: Site, org: Org, role: Role) -> Api:
    api = Api(site, org, role)
    apis.append(api)
    return api


def board_of(api: Api, org: Org) -> dict[str, Any]:
    found: dict[str, Any] = api.get(f"/stations/{org.station}/dispatch", date=DAY.isoformat())
    return found


def opened(browsing: Browsing, org: Org, role: Role, size: str = "desktop") -> Any:
    page = browsing.page(org, role, f"/control?station={org.station}&date={DAY}", size=size)
    page.wait_for_selector("body[data-ready='1']", timeout=30000)
    return page


def card(page: Any, vehicle: str) -> Any:
    return page.locator(f".route-card[data-vehicle='{vehicle}']")


def proof_for(driver: Api, kind: str) -> dict[str, Any] | None:
    """The proof a driver captures for ``kind``; None for a PIN (the test does not know it)."""
    if kind == "none":
        return {}
    if kind == "signature":
        return {"recipient_name": "Aino", "signature_sha256": driver.upload(PNG, "image/png")}
    if kind == "photo":
        return {"photo_sha256": driver.upload(JPEG, "image/jpeg")}
    if kind == "minimum_age":
        return {"recipient_name": "Aino", "age_verified": True}
    return None


def test_the_tower_shows_the_board_and_follows_the_day_without_reloading(
    browsing: Browsing, site: Site, apis: list[Api]
) -> None:
    org = site.new_org(orders=160, plan=True)
    dispatcher = as_(apis, site, org, Role.DISPATCHER)
    crew = as_(apis, site, org, Role.STATION_ASSOCIATE)
    driver = as_(apis, site, org, Role.DRIVER)
    page = opened(browsing, org, Role.DISPATCHER)

    # The routes and tiles are the server's board.
    board = board_of(dispatcher, org)
    routes = [r for r in board["routes"] if r["stops_total"]]
    assert len(routes) >= 2
    for r in board["routes"]:
        shown = card(page, r["vehicle_id"])
        assert shown.get_attribute("data-done") == str(r["stops_done"])
        assert shown.get_attribute("data-total") == str(r["stops_total"])
        assert r["vehicle_name"] in shown.inner_text()
    total = sum(r["stops_total"] for r in board["routes"])
    assert page.inner_text("[data-kpi=stops_done] .value") == f"0/{total}"
    assert page.get_attribute("#legend", "data-open") == str(total)
    assert page.inner_text("#live") == "live"
    assert page.inner_text("[data-kpi=open_cases] .value") == "0"
    # A dispatcher changes the running day (plans:live), if not the plan of the day itself.
    assert not page.is_disabled("#urgent-open")
    assert page.locator("#write-note").is_hidden()
    browsing.shoot(page, "control-start", "desktop")

    # The crew loads the first van; a parcel of the second van loaded onto it is refused
    # and opens a mis-load case, which appears in the queue.
    lines = dispatcher.get(f"/stations/{org.station}/sort-plan", date=DAY.isoformat())["lines"]
    first, second = routes[0]["vehicle_id"], routes[1]["vehicle_id"]
    mine = [line for line in lines if line["vehicle_id"] == first]
    other = next(line for line in lines if line["vehicle_id"] == second)
    for line in [*mine, other]:
        steps = [
            ("receive", line["barcode"], {}),
            ("sort", line["barcode"], {"lane": line["lane"]}),
        ]
        assert [r["problem"] for r in crew.scans(steps)] == [None, None]
    loads = crew.scans([("load", line["barcode"], {"vehicle_id": first}) for line in mine])
    assert [r["problem"] for r in loads] == [None] * len(mine)
    refused = crew.scan("load", other["barcode"], vehicle_id=first)
    assert refused["problem"].startswith("mis-load")
    case = page.locator(".case[data-type='mis_load']")
    case.wait_for(timeout=15000)
    assert other["barcode"] in case.inner_text()
    expect(page.locator("[data-kpi=open_cases] .value")).to_have_text("1")

    # The driver inspects, departs and finishes a stop: the card, the map and the tile follow.
    items = [{"item": i, "ok": True} for i in CHECKLIST]
    driver.post(
        f"/vehicles/{first}/inspections", {"kind": "pre_trip", "items": items}, 201,
        date=DAY.isoformat(),
    )  # fmt: skip
    driver.post(f"/stations/{org.station}/load-out/{first}:depart", {}, date=DAY.isoformat())
    # The departure is pushed (route.departed): the card turns to the road before any scan.
    page.wait_for_selector(
        f".route-card[data-vehicle='{first}'][data-state='on_road']", timeout=8000
    )
    route = dispatcher.get(f"/vehicles/{first}/route", date=DAY.isoformat())
    stop = next(s for s in route["stops"] if proof_for(driver, s["proof_required"]) is not None)
    barcode = stop["parcels"][0]["barcode"]
    # (After the departure, which the server dates at its own 07:00.)
    proof = proof_for(driver, stop["proof_required"])
    done = driver.scan("deliver", barcode, time(7, 1), proof=proof)
    assert done["parcel_status"] == "delivered", done
    page.wait_for_selector(f".route-card[data-vehicle='{first}'][data-done='1']", timeout=15000)
    assert card(page, first).get_attribute("data-state") == "on_road"
    assert "on the road" in card(page, first).inner_text()
    server = {r["vehicle_id"]: r for r in board_of(dispatcher, org)["routes"]}
    assert (server[first]["stops_done"], server[first]["state"]) == (1, "on_road")
    assert page.get_attribute("#legend", "data-done") == "1"
    expect(page.locator("[data-kpi=stops_done] .value")).to_have_text(f"1/{total}")

    # A GPS ping puts the van on the map.
    ping = {
        "device_id": "phone-1", "vehicle_id": first, "device_time": f"{DAY}T06:59:00+02:00",
        "lat": stop["lat"], "lon": stop["lon"], "accuracy_m": 5,
    }  # fmt: skip
    assert driver.post("/positions", {"pings": [ping]})["stored"] == 1
    van = page.locator(f".control-van [data-vehicle='{first}']")
    van.wait_for(timeout=8000)  # pushed (positions.changed); the fallback read is a minute
    assert "GPS 06:59" in (van.get_attribute("title") or "")
    assert float(van.get_attribute("data-lat") or 0) == pytest.approx(stop["lat"])
    assert "GPS 06:59" in card(page, first).inner_text()

    # The dispatcher's watch opens cases for what runs late; the queue shows them too.
    watched = dispatcher.post(f"/stations/{org.station}/dispatch:watch", date=DAY.isoformat())
    opened_cases = dispatcher.get("/exceptions", limit=200)["items"]
    expect(page.locator("#queue .case")).to_have_count(len(opened_cases), timeout=15000)
    assert watched["plan_id"] == board["plan_id"]
    browsing.shoot(page, "control-live", "desktop")

    # Resolve the mis-load from the page, after taking it; the server stores both. (The
    # synthetic orders have no phone or e-mail: the recipient's are added first.)
    recipient = {"name": "Aino Virtanen", "phone": "+358 40 123 4567", "email": "aino@example.fi"}
    answer = dispatcher.http.patch(f"/orders/{other['order_id']}", json={"recipient": recipient})
    assert answer.status_code == 200, answer.text
    case.locator("button").click()
    dialog = page.locator("#case-dialog")
    dialog.locator("button.take").click()
    dialog.locator(".owner-now").filter(has_text="Dispatcher User").wait_for()
    contact = dialog.locator(".contact-links a[href^='tel:']")
    contact.wait_for()
    assert contact.get_attribute("href") == "tel:+358401234567"
    mail = dialog.locator(".contact-links a[href^='mailto:']")
    assert (mail.get_attribute("href") or "").startswith("mailto:aino@example.fi?")
    assert "No messages" in dialog.locator("#case-contact").inner_text()
    # Moving its stop onto the first van: a preview only; nothing is saved until asked.
    dialog.locator("select[name=vehicle]").select_option(first)
    dialog.locator("button.preview").click()
    preview = dialog.locator(".move-preview .change")
    preview.wait_for()
    assert "Preview: nothing saved yet" in preview.inner_text()
    assert f"{routes[1]['vehicle_name']}: {routes[1]['stops_total']} → " in preview.inner_text()
    assert dialog.locator("button.save-move").is_enabled()
    # Another day: offered for a parcel the station holds (test_control_reschedule.py makes
    # the move); this case is resolved as found instead.
    note = dialog.locator(".case-reschedule .reschedule-note")
    expect(note).to_contain_text("its stop leaves today's plan")
    plans = dispatcher.get("/plans", station=org.station, date=DAY.isoformat())["items"]
    assert [p["number"] for p in plans] == [1]  # nothing saved
    dialog.locator("select[name=resolution]").select_option("found")
    dialog.locator("input[name=note]").fill("was on the wrong shelf")
    browsing.shoot(page, "control-case", "desktop")
    dialog.locator("button.resolve").click()
    page.wait_for_selector(".case[data-type='mis_load']", state="detached")
    resolved = dispatcher.get("/exceptions", status="resolved", type="mis_load")["items"]
    me = dispatcher.get("/users/me")["id"]
    assert [(c["resolution"], c["note"], c["owner_id"]) for c in resolved] == [
        ("found", "was on the wrong shelf", me)
    ]


def small_vans_day(admin: Api, org: Org, vans: int = 3, parcels: int = 40) -> None:
    """The day planned and published over the API on ``vans`` vans of ``parcels`` parcels
    each (the demo fleet is one van for up to 100 orders, whose route would be too full
    for a breakdown to leave room anywhere)."""
    (van,) = admin.get("/vehicles")
    (driver,) = admin.get("/drivers")
    capacity = van["capacity"] | {"parcels": parcels}
    answer = admin.http.patch(f"/vehicles/{van['id']}", json={"capacity": capacity})
    assert answer.status_code == 200, answer.text
    for i in range(1, vans):
        body = {k: van[k] for k in ("vehicle_type", "shift", "costs", "skills")}
        body |= {"station_id": org.station, "name": f"Van {i:03d}", "capacity": capacity}
        admin.post("/vehicles", body, 201)
        crew = {"home_station_id": org.station, "name": f"Driver {i}", "shift": driver["shift"]}
        admin.post("/drivers", crew, 201)
    job = admin.post(
        "/planning-jobs", {"station": org.station, "date": DAY.isoformat(), "time_limit_s": 3},
        202,
    )  # fmt: skip
    for _ in range(300):
        job = admin.get(f"/planning-jobs/{job['id']}")
        if job["status"] not in ("queued", "running"):
            break
        _time.sleep(0.1)
    assert job["status"] == "succeeded", job
    admin.post(f"/plans/{job['plan_id']}:publish")


def test_an_urgent_order_and_a_breakdown_from_the_page_make_new_plan_versions(
    browsing: Browsing, site: Site, apis: list[Api]
) -> None:
    org = site.new_org(orders=40)
    admin = as_(apis, site, org, Role.ADMIN)
    small_vans_day(admin, org)
    page = opened(browsing, org, Role.ADMIN)
    start = board_of(admin, org)

    # A parcel loaded onto the wrong van opens a case; its stop moves to that van from the
    # case, previewed first, then saved: plan version 2.
    crew = as_(apis, site, org, Role.STATION_ASSOCIATE)
    lines = admin.get(f"/stations/{org.station}/sort-plan", date=DAY.isoformat())["lines"]
    used = [r for r in start["routes"] if r["stops_total"]]
    assert len(used) >= 2
    to = min(used, key=lambda r: r["stops_total"])
    line = next(x for x in lines if x["vehicle_id"] != to["vehicle_id"])
    code = line["barcode"]
    crew.scans([("receive", code, {}), ("sort", code, {"lane": line["lane"]})])
    assert crew.scan("load", code, vehicle_id=to["vehicle_id"])["problem"].startswith("mis-load")
    page.locator(".case[data-type='mis_load'] button").click()
    dialog = page.locator("#case-dialog")
    dialog.locator("select[name=vehicle]").select_option(to["vehicle_id"])
    dialog.locator("button.preview").click()
    dialog.locator(".move-preview .change").filter(has_text="Preview").wait_for()
    assert dialog.locator(".consequences").count() == 0, dialog.inner_text()
    dialog.locator("button.save-move").click()
    dialog.locator(".move-preview .change").filter(has_text="Saved as plan version 2").wait_for()
    page.wait_for_selector("#plan-label:has-text('v2')")
    plans = admin.get("/plans", station=org.station, date=DAY.isoformat())["items"]
    assert (plans[-1]["number"], plans[-1]["status"]) == (2, "published")
    moved = admin.get(f"/plans/{plans[-1]['id']}")
    (route,) = [r for r in moved["routes"] if r["vehicle_id"] == to["vehicle_id"]]
    assert line["order_id"] in [v["order_id"] for v in route["visits"]]
    expect(card(page, to["vehicle_id"])).to_have_attribute("data-total", str(to["stops_total"] + 1))
    dialog.locator(".dialog-close button").click()
    before = board_of(admin, org)

    # An urgent order: the form creates it and the plan takes it.
    page.click("#urgent-open")
    form = page.locator("#urgent-form")
    form.locator("input[name=name]").fill("Urgent Uma")
    form.locator("input[name=phone]").fill("+358 40 765 4321")
    form.locator("input[name=address]").fill("Mannerheimintie 1, 00100 Helsinki")
    form.locator("input[name=lat]").fill("60.1686")
    form.locator("input[name=lon]").fill("24.9414")
    form.locator("input[name=from]").fill("09:00")
    form.locator("input[name=until]").fill("15:00")
    browsing.shoot(page, "control-urgent", "desktop")
    barcode = form.locator("input[name=barcode]").input_value()
    form.locator("button[type=submit]").click()
    placed = page.locator("#urgent-result .placed")
    placed.wait_for(timeout=30000)
    shown = placed.inner_text()
    plans = admin.get("/plans", station=org.station, date=DAY.isoformat())["items"]
    latest = plans[-1]
    assert (latest["number"], latest["status"]) == (3, "published")
    plan = admin.get(f"/plans/{latest['id']}")
    (order,) = admin.get("/orders", shipper_reference=barcode)["items"]
    assert order["priority"] == "urgent"
    where = next(
        (r, i + 1)
        for r in plan["routes"]
        for i, v in enumerate(r["visits"])
        if v["order_id"] == order["id"]
    )
    name = next(
        x["vehicle_name"] for x in before["routes"] if x["vehicle_id"] == where[0]["vehicle_id"]
    )
    stops = len(where[0]["visits"])
    assert f"Urgent Uma · {barcode} → {name}, stop {where[1]} of {stops}" in shown
    browsing.shoot(page, "control-urgent-done", "desktop")
    page.locator("#urgent-result button").click()
    page.wait_for_selector("#plan-label:has-text('v3')")
    assert page.get_attribute("#legend", "data-open") == str(
        sum(len(r["visits"]) for r in plan["routes"])
    )

    # A breakdown: the van's stops go to the others, after a confirmation.
    # The smaller route breaks down: the other van takes its stops where they fit.
    working = [r for r in board_of(admin, org)["routes"] if r["stops_total"]]
    assert len(working) >= 2
    victim = min(working, key=lambda r: r["stops_total"])
    v2 = plan
    page.click("#breakdown-open")
    bform = page.locator("#breakdown-form")
    bform.locator("select[name=vehicle]").select_option(victim["vehicle_id"])
    open_stops = victim["stops_total"] - victim["stops_done"]
    assert f"has {open_stops} open stops" in page.inner_text("#breakdown-warning")
    browsing.shoot(page, "control-breakdown", "desktop")
    bform.locator("button[type=submit]").click()  # refused: not confirmed yet
    assert page.locator("#breakdown-result").is_hidden()
    bform.locator("input[name=sure]").check()
    bform.locator("button[type=submit]").click()
    result = page.locator("#breakdown-result .placed")
    result.wait_for(timeout=60000)
    assert f"{victim['vehicle_name']} is off the road" in result.inner_text()
    plans = admin.get("/plans", station=org.station, date=DAY.isoformat())["items"]
    latest = plans[-1]
    assert (latest["number"], latest["status"]) == (4, "published")
    plan = admin.get(f"/plans/{latest['id']}")
    kept = {r["vehicle_id"]: len(r["visits"]) for r in plan["routes"]}
    assert kept.get(victim["vehicle_id"], 0) == 0
    planned = sum(kept.values()) + len(plan["unassigned"])
    assert planned == sum(len(r["visits"]) for r in v2["routes"]) + len(v2["unassigned"])
    names = {v["id"]: v["name"] for v in admin.get("/vehicles")}
    was = {r["vehicle_id"]: len(r["visits"]) for r in v2["routes"]}
    told = page.inner_text("#breakdown-result")
    assert f"{victim['vehicle_name']}: {was[victim['vehicle_id']]} → 0 stops" in told
    for vehicle, stops in kept.items():
        if stops != was.get(vehicle, 0):
            assert f"{names[vehicle]}: {was.get(vehicle, 0)} → {stops} stops" in told
    assert f"{victim['vehicle_name']} is off the road. Plan version 4" in told
    browsing.shoot(page, "control-breakdown-done", "desktop")
    page.click("#breakdown-done")
    page.wait_for_selector("#plan-label:has-text('v4')")
    after = board_of(admin, org)
    expect(page.locator(".route-card")).to_have_count(len(after["routes"]))
    for r in after["routes"]:
        assert card(page, r["vehicle_id"]).get_attribute("data-total") == str(r["stops_total"])


def test_a_case_on_a_phone_and_who_may_own_one(
    browsing: Browsing, site: Site, apis: list[Api]
) -> None:
    """An unknown barcode opens a case; on a phone the queue and the case read well. The
    owners offered are the users who may resolve cases, by name; a driver may not ask."""
    org = site.new_org(orders=12, plan=True, seed=3)
    crew = as_(apis, site, org, Role.STATION_ASSOCIATE)
    assert crew.scan("receive", "NOT-OURS-1")["problem"].startswith("no parcel")
    dispatcher = as_(apis, site, org, Role.DISPATCHER)
    owners = dispatcher.get("/control/case-owners")
    assert [(o["name"], o["roles"]) for o in owners] == [
        ("Ada Admin", ["admin"]), ("Dispatcher User", ["dispatcher"]),
        ("Planner User", ["planner"]),
    ]  # fmt: skip
    assert set(owners[0]) == {"id", "name", "roles"}  # no e-mail addresses
    driver = as_(apis, site, org, Role.DRIVER)
    assert driver.http.get("/control/case-owners").status_code == 403
    assert dispatcher.http.get("/control/case-owners?x=1").status_code == 200

    page = opened(browsing, org, Role.DISPATCHER, size="phone")
    assert page.inner_text("#live") == "live"
    assert page.locator(".route-card").count() >= 1
    browsing.shoot(page, "control-start", "phone")
    case = page.locator(".case[data-type='unknown_barcode']")
    case.scroll_into_view_if_needed()
    browsing.shoot(page, "control-board", "phone")
    case.locator("button").click()
    dialog = page.locator("#case-dialog")
    options = dialog.locator("select[name=owner] option").all_inner_texts()
    assert options[1:] == [
        "Ada Admin (admin)",
        "Dispatcher User (dispatcher)",
        "Planner User (planner)",
    ]
    browsing.shoot(page, "control-case", "phone")
    dialog.locator("select[name=owner]").select_option(label="Planner User (planner)")
    dialog.locator("button", has_text="Assign").click()
    dialog.locator(".owner-now").filter(has_text="Planner User").wait_for()
    (stored,) = dispatcher.get("/exceptions", type="unknown_barcode")["items"]
    assert stored["owner_id"] == owners[2]["id"]
    expect(case).to_contain_text("Planner User")

    # The live badge goes out with the connection and comes back with it; what changed
    # meanwhile is read again.
    page.context.set_offline(True)
    expect(page.locator("#live")).not_to_have_text("live", timeout=15000)
    assert "off" in (page.get_attribute("#live", "class") or "")
    crew.scan("receive", "NOT-OURS-2")  # a case opened while the page is offline
    page.context.set_offline(False)
    expect(page.locator("#live")).to_have_text("live", timeout=20000)
    expect(page.locator(".case[data-type='unknown_barcode']")).to_have_count(2)  # read again


def test_after_a_breakdown_the_dispatcher_can_have_the_vans_at_the_station_fit_what_was_left(
    browsing: Browsing, site: Site, apis: list[Api]
) -> None:
    """The demo's day of 160 orders: a route of about 150 stops working just short of six
    hours, and a small one. The small van breaks down before anyone left: insertion finds
    no place on the full route (each place makes the break owed, and no place for the break
    keeps every window). The dispatcher asks for the vans at the station to be re-planned;
    the page says what the job stored, and that is what the plan holds."""
    org = site.new_org(orders=160, plan=True)
    admin = as_(apis, site, org, Role.ADMIN)
    working = [r for r in board_of(admin, org)["routes"] if r["stops_total"]]
    assert len(working) >= 2
    victim = min(working, key=lambda r: r["stops_total"])
    page = opened(browsing, org, Role.DISPATCHER)
    page.click("#breakdown-open")
    bform = page.locator("#breakdown-form")
    bform.locator("select[name=vehicle]").select_option(victim["vehicle_id"])
    bform.locator("input[name=sure]").check()
    bform.locator("button[type=submit]").click()
    page.locator("#breakdown-result .placed").wait_for(timeout=60000)
    before = admin.get("/plans", station=org.station, date=DAY.isoformat())["items"][-1]
    left = len(admin.get(f"/plans/{before['id']}")["unassigned"])
    if not left:
        pytest.skip("every stop fitted by insertion on this machine's plan: nothing to re-plan")
    assert "could not be fitted" in page.inner_text("#breakdown-result .placed")
    page.click("#breakdown-fit")
    page.wait_for_selector("#breakdown-fit-result[data-done]", timeout=90000)
    said = page.locator("#breakdown-fit-result")
    latest = admin.get("/plans", station=org.station, date=DAY.isoformat())["items"][-1]
    if latest["id"] == before["id"]:
        assert said.inner_text().startswith("No better plan found")
    else:
        now = admin.get(f"/plans/{latest['id']}")
        fitted = left - len(now["unassigned"])
        assert fitted > 0
        assert said.get_attribute("data-fitted") == str(fitted)
        assert f"Plan version {latest['number']}: {fitted} more" in said.inner_text()
    browsing.shoot(page, "control-breakdown-fit", "desktop")
