"""The driver app on a phone: the route, a delivery with a drawn signature, two more stops
made offline (one failed), a reload with no network served by the service worker, and the
queued events reaching the server exactly once when the network is back, even after an
answer was lost and after sending everything again. A driver reads only their own route."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from doorstep.domain.accounts import Role
from doorstep.domain.inspections import CHECKLIST
from doorstep.domain.orders import ProofKind, ProofRequirement
from doorstep.services import orders
from tests.entrypoints.web.conftest import PASSWORD, Browsing, Org, Site, wait_until

PAGE = {"X-Doorstep-Page": "1"}


def signed_in(browsing: Browsing, org: Org, role: Role) -> Any:
    """An API client signed in as ``org``'s user of ``role`` (the page cookie)."""
    context = browsing.context("phone")
    answer = context.request.post(
        "/session", data={"email": org.emails[role], "password": PASSWORD}
    )
    assert answer.ok, answer.text()
    return context.request


def ok(answer: Any, status: int = 200) -> Any:
    assert answer.status == status, answer.text()
    return answer.json()


def ready_to_leave(site: Site, browsing: Browsing, org: Org) -> tuple[dict[str, Any], Any]:
    """The driver's route with its first stop asking for a signature, and every parcel of
    the route received, sorted and loaded by the station crew; the crew's client."""
    driver = signed_in(browsing, org, Role.DRIVER)
    route = ok(driver.get(f"/api/v1/me/route?date={org.day}"))
    c = site.container
    # Demo orders ask for no proof: the first delivery needs a signature, the second a photo.
    for stop, kind in zip(deliveries(route), (ProofKind.SIGNATURE, ProofKind.PHOTO), strict=False):
        proof = {"proof": ProofRequirement(kind)}
        orders.update_order(org.principal, stop["order_id"], proof, uow=c.uow(), clock=c.clock)
    route = ok(driver.get(f"/api/v1/me/route?date={org.day}"))
    crew = signed_in(browsing, org, Role.STATION_ASSOCIATE)
    lines = ok(crew.get(f"/api/v1/stations/{org.station}/sort-plan?date={org.day}"))["lines"]
    mine = [line for line in lines if line["vehicle_id"] == route["vehicle_id"]]
    assert mine
    start = site.clock.now() - timedelta(hours=1)
    events = []
    for n, line in enumerate(mine):
        for step, (kind, extra) in enumerate(
            (("receive", {}), ("sort", {"lane": line["lane"]}),
             ("load", {"vehicle_id": line["vehicle_id"]}))
        ):  # fmt: skip
            at = start + timedelta(seconds=n * 10 + step)
            events.append(
                {"id": f"{org.slug}-{kind}-{n:04d}", "kind": kind, "barcode": line["barcode"],
                 "device_time": at.isoformat(), **extra}
            )  # fmt: skip
    report = ok(crew.post("/api/v1/events", data={"events": events}, headers=PAGE))
    assert report["counts"].get("stored") == len(events), report
    assert all(r["problem"] is None for r in report["results"]), report
    return route, crew


def deliveries(route: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in route["stops"] if s["kind"] == "delivery"]


def stored_events(admin: Any, barcode: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = ok(admin.get(f"/api/v1/events?barcode={barcode}"))["items"]
    return items


def scan_parcels(page: Any, stop: dict[str, Any]) -> None:
    for parcel in stop["parcels"]:
        page.fill("#scan", parcel["barcode"])
        page.press("#scan", "Enter")
        page.wait_for_selector(f'#parcels li.scanned[data-barcode="{parcel["barcode"]}"]')


def open_stop(page: Any, number: int) -> None:
    page.click(f'#stops li[data-stop="{number}"] button')
    page.wait_for_function(f"document.querySelector('#stop .stop-no')?.textContent === '{number}'")


def waiting(page: Any) -> int:
    return int(page.inner_text("#waiting-count"))


def test_a_driver_delivers_with_a_signature_works_offline_and_syncs_each_event_once(
    browsing: Browsing, site: Site
) -> None:
    org = site.new_org(orders=8, plan=True)
    route, crew = ready_to_leave(site, browsing, org)
    stops = route["stops"]
    one, two, three = deliveries(route)[:3]
    pickups = [s for s in stops if s["kind"] == "pickup"]
    admin = signed_in(browsing, org, Role.ADMIN)

    # The app opens on the route; the van has not left, so the pre-trip inspection is open.
    page = browsing.page(org, Role.DRIVER, "/driver", size="phone")
    page.wait_for_selector("#stop-recipient")
    assert page.inner_text("#stop-recipient") == stops[0]["recipient_name"]  # the next stop
    assert page.inner_text("#stop-address") == stops[0]["address"]
    assert len(page.query_selector_all("#stops li")) == len(stops)
    open_stop(page, one["number"])
    assert page.inner_text("#stop-proof") == "Signature and name"
    navigate = page.get_attribute("#navigate", "href")
    assert navigate == f"geo:{one['lat']},{one['lon']}?q={one['lat']},{one['lon']}"
    form = page.locator('form.inspection[data-kind="pre_trip"]')
    assert form.is_visible()
    assert form.locator(".check-item").count() == len(CHECKLIST)
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".trip-step .badge.ok")
    departed = ok(
        crew.post(
            f"/api/v1/stations/{org.station}/load-out/{route['vehicle_id']}:depart?date={org.day}",
            data={}, headers=PAGE,
        )
    )  # fmt: skip
    assert departed["missing"] == []  # the departure needed the inspection made in the app
    page.reload()
    open_stop(page, one["number"])
    page.wait_for_selector("#parcels .badge >> text=out for delivery")
    browsing.shoot(page, "driver-route", "phone")

    # The first delivery: scan its parcels, arrive, sign on the glass and deliver.
    page.fill("#scan", "NOT-A-PARCEL")
    page.press("#scan", "Enter")
    assert "not a parcel of this stop" in page.inner_text("#scan-feedback")
    assert page.is_disabled("#deliver")
    scan_parcels(page, one)
    page.click("#arrive")
    page.wait_for_selector("#stop-state >> text=Arrived")
    page.click("#deliver")
    canvas = page.wait_for_selector("#signature")
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 120)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(box["x"] + 30 + i * 25, box["y"] + 120 - (i % 3) * 35, steps=3)
    page.mouse.up()
    page.fill("input[name=recipient_name]", "Aino Virtanen")
    browsing.shoot(page, "driver-proof", "phone")
    page.click("#confirm-deliver")
    page.wait_for_selector(f'#stops li.done[data-stop="{one["number"]}"]')
    wait_until(lambda: waiting(page) == 0)
    for parcel in one["parcels"]:
        kinds = [e["kind"] for e in stored_events(admin, parcel["barcode"])]
        assert (kinds.count("deliver"), kinds.count("arrive")) == (1, 1), kinds
        (delivered,) = [
            e for e in stored_events(admin, parcel["barcode"]) if e["kind"] == "deliver"
        ]
        assert delivered["problem"] is None
        assert delivered["proof"]["recipient_name"] == "Aino Virtanen"
        image = admin.get(f"/api/v1/proof-files/{delivered['proof']['signature_sha256']}")
        assert image.ok
        assert image.body().startswith(b"\x89PNG")
    order = ok(admin.get(f"/api/v1/orders/{one['order_id']}"))
    assert order["status"] == "delivered"

    # The service worker controls the page before the network goes.
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    page.wait_for_selector("#offline-banner:visible")
    open_stop(page, two["number"])
    scan_parcels(page, two)
    page.click("#deliver")
    assert two["proof_required"] == "photo"
    page.click("#confirm-deliver")  # not without the photo
    page.wait_for_selector(".toast >> text=Take a photo of the delivered parcel.")
    camera = page.screenshot()  # any picture will do for the camera's
    page.set_input_files(
        "#proof input[name=photo]",
        files=[{"name": "parcel.png", "mimeType": "image/png", "buffer": camera}],
    )
    page.click("#confirm-deliver")
    page.wait_for_selector(f'#stops li.done[data-stop="{two["number"]}"]')
    open_stop(page, three["number"])
    page.click("#fail")
    page.select_option("#fail-reason", "recipient_absent")
    page.fill("#failure input[name=note]", "nobody answered the door")
    page.click("#confirm-fail")
    page.wait_for_selector(f'#stops li.done[data-stop="{three["number"]}"] .badge.bad')
    for pickup in pickups[:1]:  # a return collected on the way
        open_stop(page, pickup["number"])
        scan_parcels(page, pickup)
        page.click("#pick-up")
        page.wait_for_selector(f'#stops li.done[data-stop="{pickup["number"]}"]')
    page.click('button[data-duty="off_duty"]')  # a break, offline too
    queued = len(two["parcels"]) + len(three["parcels"]) + 1
    queued += sum(len(p["parcels"]) for p in pickups[:1])
    page.wait_for_selector("#duty-status >> text=On break")
    wait_until(lambda: waiting(page) == queued)
    assert page.inner_text("#sync-state") == "kept on this phone, sent when online"

    # A reload with no network: the service worker serves the page, the outbox is still there.
    page.reload()
    page.wait_for_selector("#stop-recipient")
    assert page.is_visible("#offline-banner")
    assert page.is_visible("#stale-note")
    assert waiting(page) == queued
    assert page.is_visible(f'#stops li.done[data-stop="{two["number"]}"]')
    assert page.is_visible(f'#stops li.done[data-stop="{three["number"]}"] .badge.bad')
    browsing.shoot(page, "driver-offline", "phone")
    for parcel in two["parcels"] + three["parcels"]:
        kinds = {e["kind"] for e in stored_events(admin, parcel["barcode"])}
        assert "depart" in kinds
        assert not kinds & {"deliver", "fail"}, kinds  # still on the phone

    # Back online, the first answer is lost on the way back: the server stored the batch,
    # the phone did not hear it, so it keeps the events and sends them again.
    lost: list[int] = []

    def lose_first_answer(route_: Any) -> None:
        if route_.request.method == "POST" and not lost:
            answer = route_.fetch()
            lost.append(answer.status)
            route_.abort()
        else:
            route_.continue_()

    page.route("**/api/v1/events", lose_first_answer)
    page.context.set_offline(False)
    # (Waiting through Playwright, so that it runs the route handler meanwhile.)
    wait_until(lambda: page.wait_for_timeout(50) or lost == [200])
    page.wait_for_selector("#offline-banner", state="hidden")
    page.click("#sync-now")
    wait_until(lambda: waiting(page) == 0)

    def exactly_once() -> None:
        for parcel in two["parcels"]:
            found = [e for e in stored_events(admin, parcel["barcode"]) if e["kind"] == "deliver"]
            assert len(found) == 1, found
            photo = admin.get(f"/api/v1/proof-files/{found[0]['proof']['photo_sha256']}")
            assert photo.body().startswith(b"\xff\xd8\xff")  # kept offline, made a JPEG
        for parcel in three["parcels"]:
            found = [e for e in stored_events(admin, parcel["barcode"]) if e["kind"] == "fail"]
            assert [(e["reason"], e["note"]) for e in found] == [
                ("recipient_absent", "nobody answered the door")
            ]
        for parcel in one["parcels"]:
            kinds = [e["kind"] for e in stored_events(admin, parcel["barcode"])]
            assert kinds.count("deliver") == 1, kinds

    exactly_once()
    for pickup in pickups[:1]:
        for parcel in pickup["parcels"]:
            kinds = [e["kind"] for e in stored_events(admin, parcel["barcode"])]
            assert kinds == ["pick_up"], kinds
    hours = ok(admin.get(f"/api/v1/drivers/{org.driver_id}/hours"))
    assert hours["status"] == "off_duty"
    assert ok(admin.get(f"/api/v1/orders/{two['order_id']}"))["status"] == "delivered"
    assert ok(admin.get(f"/api/v1/orders/{three['order_id']}"))["status"] == "failed_attempt"

    # Sending everything again stores nothing twice.
    page.click("#resend")
    page.wait_for_selector("#resend-result >> text=Sent")
    made = 2 * len(one["parcels"]) + queued  # arrive and deliver at the first stop
    assert page.inner_text("#resend-result") == f"Sent {made} again: the server already had {made}."

    # Back at the station: the post-trip inspection (a wiper noted) ends the route, and the
    # server lists the parcels still on board to scan back in.
    page.click('details.trip-step:has(form[data-kind="post_trip"]) summary')
    post = page.locator('form.inspection[data-kind="post_trip"]')
    post.locator('input[name="ok-wipers"]').uncheck()
    post.locator('input[name="defect-wipers"]').fill("left wiper streaks")
    post.locator('input[name="odometer"]').fill("48213")
    post.locator("button[type=submit]").click()
    page.wait_for_selector("#trip .hours-due")
    delivered = {p["barcode"] for p in one["parcels"] + two["parcels"]}
    on_board = sorted({p["barcode"] for s in stops for p in s["parcels"]} - delivered)
    shown = page.inner_text("#trip .hours-due").removeprefix("Still on board: ")
    assert sorted(shown.split(", ")) == on_board  # the failed one and the pickup too

    # On a wider screen the app keeps one readable column.
    wide = browsing.page(org, Role.DRIVER, "/driver", size="desktop")
    wide.wait_for_selector("#stop-recipient")
    # (Another device: what it shows comes from the server alone.)
    assert wide.inner_text(f'#stops li[data-stop="{three["number"]}"] .badge') == "failed"
    assert wide.inner_text(f'#stops li[data-stop="{two["number"]}"] .badge') == "delivered"
    browsing.shoot(wide, "driver-route", "desktop")
    exactly_once()
    assert page.inner_text("#sync-state") == "All events sent"


def test_a_driver_reads_only_their_own_route_and_hours(browsing: Browsing, site: Site) -> None:
    org = site.new_org(orders=8, plan=True)
    driver = signed_in(browsing, org, Role.DRIVER)
    mine = ok(driver.get(f"/api/v1/me/route?date={org.day}"))
    van = mine["vehicle_id"]
    assert ok(driver.get(f"/api/v1/vehicles/{van}/route?date={org.day}"))["stops"]
    own = ok(driver.get(f"/api/v1/drivers/{org.driver_id}/route?date={org.day}"))
    assert own["vehicle_id"] == van
    admin = signed_in(browsing, org, Role.ADMIN)
    other = ok(admin.post("/api/v1/drivers", data={
        "home_station_id": org.station, "name": "Other Driver",
        "shift": {"start": "07:00", "end": "17:00"},
    }, headers=PAGE), 201)["id"]  # fmt: skip
    refused = driver.get(f"/api/v1/drivers/{other}/route?date={org.day}")
    assert refused.status == 403, refused.text()

    # Dispatch gives the van's route to another driver: it is no longer this driver's.
    dispatcher = signed_in(browsing, org, Role.DISPATCHER)
    ok(dispatcher.post(
        f"/api/v1/stations/{org.station}/routes/{van}:assign?date={org.day}",
        data={"driver": other}, headers=PAGE,
    ))  # fmt: skip
    refused = driver.get(f"/api/v1/vehicles/{van}/route?date={org.day}")
    assert refused.status == 403, refused.text()
    assert "not yours" in refused.json()["detail"]
    assert driver.get(f"/api/v1/me/route?date={org.day}").status == 404
    page = browsing.page(org, Role.DRIVER, "/driver", size="phone")
    page.wait_for_selector("#route-problem")
    assert "no route is assigned" in page.inner_text("#route-problem")

    # Its own clock, which the dispatch endpoint refuses to a driver.
    assert driver.get(f"/api/v1/drivers/{org.driver_id}/hours").status == 403
    hours = ok(driver.get("/api/v1/me/hours"))
    assert hours["driver_id"] == org.driver_id
    assert page.is_visible("#duty-status")
    # A login linked to no driver record has no clock of its own.
    assert admin.get("/api/v1/me/hours").status == 404
    # The app's worker may control /driver; the checklist is the server's.
    worker = driver.get("/api/v1/driver-app/sw.js")
    assert worker.ok
    assert worker.headers["service-worker-allowed"] == "/driver"
    assert ok(driver.get("/api/v1/inspections/checklist")) == list(CHECKLIST)
    manifest = ok(driver.get("/api/v1/driver-app/manifest.webmanifest"))
    assert manifest["start_url"] == "/driver"
