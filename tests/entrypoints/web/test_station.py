"""The station screens: receive, sort and load with a keyboard-wedge scanner, and the floor.

The scanner is the keyboard: each barcode arrives as typed text and Enter. Every check is on
what the associate sees (the verdict's colour and words, the counts to go) and on what the
server stored (one event per scan, mis-sorts and mis-loads kept as problems, states unmoved).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

from doorstep.bootstrap import optimizer
from doorstep.domain.accounts import Role
from doorstep.domain.fleet import Capacity
from doorstep.domain.inspections import CHECKLIST, InspectionKind, ItemResult
from doorstep.services import fleet, inspections, stations
from doorstep.simulation import demo
from tests.entrypoints.web.conftest import DAY, PASSWORD, Browsing, Org, Site, wait_until

Json = dict[str, Any]


def scan(page: Any, code: str) -> None:
    """What a keyboard-wedge scanner does: type the code, press Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def get(page: Any, path: str) -> Any:
    answer = page.request.get(f"/api/v1/{path}")
    assert answer.ok, answer.text()
    return answer.json()


def sort_plan(page: Any, org: Org) -> list[Json]:
    lines: list[Json] = get(page, f"stations/{org.station}/sort-plan?date={DAY}")["lines"]
    return lines


def events(page: Any, barcode: str) -> list[Json]:
    found: list[Json] = get(page, f"events?barcode={barcode}&limit=500")["items"]
    return found


def floor_of(page: Any, org: Org) -> Json:
    found: Json = get(page, f"stations/{org.station}/floor?date={DAY}")
    return found


def stage(page: Any, org: Org, barcode: str) -> str:
    parcels = floor_of(page, org)["parcels"]
    return str(next(p["stage"] for p in parcels if p["barcode"] == barcode))


def verdict(page: Any, kind: str) -> Json:
    """Wait for the big verdict of ``kind`` and every sent scan to be answered; return it."""
    page.wait_for_selector(f"#feedback[data-kind={kind}]")
    page.wait_for_selector("#history li.pending", state="detached")
    return {
        "title": page.inner_text("#feedback .fb-title"),
        "big": page.inner_text("#feedback .fb-big"),
        "detail": page.inner_text("#feedback .fb-detail"),
    }


def shoot(browsing: Browsing, page: Any, name: str, size: str) -> None:
    page.wait_for_selector("#feedback:not(.flash)")  # the verdict's flash has ended
    browsing.shoot(page, name, size)


def to_go(page: Any) -> int:
    return int(page.inner_text("#togo .togo-n"))


def wait_to_go(page: Any, n: int) -> None:
    page.wait_for_selector(f"#togo .togo-n:text-is('{n}')")


def by_lane(lines: list[Json]) -> dict[str, list[Json]]:
    lanes: dict[str, list[Json]] = defaultdict(list)
    for line in lines:
        lanes[line["lane"]].append(line)
    return lanes


def org_of_routes(site: Site, orders: int, vans: int = 3, parcels_per_van: int = 7) -> Org:
    """An organisation whose published plan has several routes: the demo gives a small day one
    van, so this adds vans (and drivers) that each carry few parcels, then plans."""
    org = site.new_org(orders=orders)
    c = site.container
    own = {"id", "organisation_id", "created_at", "updated_at"}
    van = fleet.list_vehicles(org.principal, uow=c.uow())[0]
    driver = fleet.list_drivers(org.principal, uow=c.uow())[0]
    for k in range(1, vans):
        copied = {f.name: getattr(van, f.name) for f in fields(van) if f.name not in own}
        fleet.add_vehicle(
            org.principal, copied | {"name": f"Van {k + 100}"}, uow=c.uow(), ids=c.ids
        )
        copied = {f.name: getattr(driver, f.name) for f in fields(driver) if f.name not in own}
        copied |= {"name": f"Driver {k + 100}", "user_id": None}
        fleet.add_driver(org.principal, copied, uow=c.uow(), ids=c.ids)
    for vehicle in fleet.list_vehicles(org.principal, uow=c.uow()):
        small = Capacity(vehicle.capacity.weight_kg, vehicle.capacity.volume_l, parcels_per_van)
        fleet.update_vehicle(org.principal, vehicle.id, {"capacity": small}, uow=c.uow())
    station = stations.list_stations(org.principal, uow=c.uow())[0]
    ports = demo.DemoPorts(c.uow, c.clock, demo.CountingIds(f"{org.slug}p"), c.travel())
    org.version = demo.plan(
        org.principal, station, DAY, ports=ports, optimizer=optimizer(), iterations=300, seed=1
    )
    return org


def pre_trip(site: Site, org: Org, vehicle_id: str) -> None:
    c = site.container
    items = [ItemResult(item, True) for item in CHECKLIST]
    inspections.inspect(
        org.principal, vehicle_id, DAY, InspectionKind.PRE_TRIP, items,
        uow=c.uow(), clock=c.clock, ids=c.ids,
    )  # fmt: skip


def test_receive_sort_and_load_with_a_wedge_scanner_refuse_mis_sorts_and_mis_loads(
    browsing: Browsing, site: Site
) -> None:
    org = org_of_routes(site, orders=12)
    page = browsing.page(org, Role.STATION_ASSOCIATE, f"/station?mode=receive&date={DAY}", "phone")
    lines = sort_plan(page, org)
    lanes = by_lane(lines)
    assert len(lanes) >= 2, "the test needs two routes"
    (lane_a, first), (lane_b, second) = sorted(lanes.items())[:2]
    everything = [line["barcode"] for line in lines]

    # Receive: one scan, the count goes down by one and the parcel's lane shows in green.
    page.wait_for_selector("#receive-counts")
    expected = to_go(page)
    assert expected >= len(everything)
    scan(page, first[0]["barcode"])
    shown = verdict(page, "ok")
    assert shown["title"].endswith("RECEIVED")
    assert shown["big"] == lane_a
    wait_to_go(page, expected - 1)

    # An unknown label: amber, and the server keeps the scan as a problem.
    scan(page, "NOSUCHPARCEL-123")
    shown = verdict(page, "warn")
    assert "UNKNOWN PARCEL" in shown["title"]
    stored = events(page, "NOSUCHPARCEL-123")
    assert len(stored) == 1
    assert stored[0]["problem"]
    assert stored[0]["order_id"] is None
    page.wait_for_selector("#unexpected code:text('NOSUCHPARCEL-123')")

    # Scanning fast: the rest typed back to back while the first are still in flight.
    rest = everything[1:]
    for code in rest:
        scan(page, code)
    wait_until(lambda: len(page.query_selector_all("#history li:not(.pending)")) >= len(rest) + 2)
    wait_to_go(page, expected - len(everything))
    for code in everything:
        kinds = [e["kind"] for e in events(page, code)]
        assert kinds == ["receive"], (code, kinds)  # none lost, none doubled
    assert not page.query_selector_all("#history li.bad, #history li.pending")
    # Receiving it again is a repeat: amber.
    scan(page, first[0]["barcode"])
    assert verdict(page, "warn")["title"].endswith("ALREADY RECEIVED")
    shoot(browsing, page, "station-receive-repeat", "phone")

    # Sort, the lane shown by the plan: green with the lane.
    page.click("#modes a[data-mode=sort]")
    page.wait_for_url("**mode=sort**")
    page.wait_for_selector("#sort-plan")
    assert to_go(page) == len(everything)
    scan(page, first[0]["barcode"])
    shown = verdict(page, "ok")
    assert shown["big"] == lane_a
    assert shown["title"].endswith("SORTED")
    wait_to_go(page, len(everything) - 1)
    shoot(browsing, page, "station-sort-ok", "phone")

    # The associate stands at lane B and puts a parcel of lane A there: red, naming lane A.
    wrong = first[1]["barcode"]
    page.click(f"#lanes button[data-lane={lane_b}]")
    page.wait_for_url(f"**lane={lane_b}**")
    scan(page, wrong)
    shown = verdict(page, "bad")
    assert shown["title"].endswith("WRONG LANE")
    assert shown["big"] == lane_a
    assert lane_b in shown["detail"]
    shoot(browsing, page, "station-missort", "phone")
    [stored] = [e for e in events(page, wrong) if e["kind"] == "sort"]
    assert stored["lane"] == lane_b
    assert stored["problem"].startswith("mis-sort")
    assert lane_a in stored["problem"]
    assert stage(page, org, wrong) == "received"  # the parcel did not move
    wait_to_go(page, len(everything) - 1)

    # The lane sign of lane A scanned, then the parcel again: green.
    scan(page, lane_a)
    page.wait_for_url(f"**lane={lane_a}**")
    scan(page, wrong)
    assert verdict(page, "ok")["big"] == lane_a
    assert stage(page, org, wrong) == "sorted"
    # Back to lanes by plan, the rest sorted fast.
    page.click("#lanes button[data-lane='']")
    for code in everything:
        if code not in (first[0]["barcode"], wrong):
            scan(page, code)
    wait_to_go(page, 0)
    page.wait_for_selector("#history li.pending", state="detached")
    scan(page, first[0]["barcode"])
    assert verdict(page, "warn")["title"].endswith("ALREADY SORTED")

    # Load the vehicle of lane A: a parcel of lane B refused naming its vehicle.
    vehicle_a, vehicle_b = first[0]["vehicle_id"], second[0]["vehicle_id"]
    page.click("#modes a[data-mode=load]")
    page.wait_for_url("**mode=load**")
    page.wait_for_selector("#vehicles")
    scan(page, first[0]["barcode"])
    assert verdict(page, "warn")["title"].endswith("PICK THE VEHICLE FIRST")
    assert [e["kind"] for e in events(page, first[0]["barcode"])].count("load") == 0
    page.click(f"#vehicles button[data-vehicle={vehicle_a}]")
    page.wait_for_selector("#load-list")
    assert to_go(page) == len(first)
    misload = second[0]["barcode"]
    scan(page, misload)
    shown = verdict(page, "bad")
    assert shown["title"].endswith("WRONG VEHICLE")
    assert shown["big"] == second[0]["vehicle_name"]
    [stored] = [e for e in events(page, misload) if e["kind"] == "load"]
    assert stored["vehicle_id"] == vehicle_a
    assert stored["problem"].startswith("mis-load")
    assert stage(page, org, misload) == "sorted"
    assert vehicle_b != vehicle_a

    for line in first[:-1]:
        scan(page, line["barcode"])
    wait_to_go(page, 1)
    assert verdict(page, "ok")["title"].endswith("LOADED")
    loaded = page.query_selector_all("#load-list tr.is-loaded")
    assert len(loaded) == len(first) - 1
    assert page.inner_text(f"#load-list tr[data-barcode='{first[-1]['barcode']}']").endswith(
        "missing"
    )

    shoot(browsing, page, "station-load", "phone")

    # Depart with one missing: a reason is asked first, then it goes and is recorded.
    pre_trip(site, org, vehicle_a)
    page.click("#depart button[type=submit]")
    assert verdict(page, "warn")["title"].endswith("REASON NEEDED")
    page.fill("#depart-reason", "label torn, relabelling")
    page.click("#depart button[type=submit]")
    page.wait_for_selector("#departed")
    assert verdict(page, "ok")["title"].endswith("DEPARTED")
    out = get(page, f"stations/{org.station}/load-out/{vehicle_a}?date={DAY}")
    assert out["departure"]["missing"] == [first[-1]["barcode"]]
    assert out["departure"]["override_reason"] == "label torn, relabelling"
    # The van is gone: a late parcel for it is not loaded onto it.
    scan(page, first[-1]["barcode"])
    assert verdict(page, "warn")["title"].endswith("VEHICLE GONE")
    assert "load" not in [e["kind"] for e in events(page, first[-1]["barcode"])]


def test_a_lost_answer_is_sent_again_with_the_same_ids_and_stored_once(
    browsing: Browsing, site: Site
) -> None:
    org = site.new_org(orders=4, plan=True)
    page = browsing.page(org, Role.STATION_ASSOCIATE, f"/station?mode=receive&date={DAY}", "phone")
    first, second = (line["barcode"] for line in sort_plan(page, org)[:2])
    page.wait_for_selector("#receive-counts")
    sent: list[list[str]] = []
    losing = [True]

    def answer_lost(route: Any) -> None:
        sent.append([e["id"] for e in route.request.post_data_json["events"]])
        if losing[0]:
            route.fetch()  # the server stores the batch, but its answer never arrives
            route.abort()
        else:
            route.continue_()

    page.route("**/api/v1/events", answer_lost)
    scan(page, first)
    page.wait_for_selector("#queue-state.offline")
    scan(page, second)  # made while the first waits: kept in the queue behind it
    assert len(page.query_selector_all("#history li.pending")) == 2
    losing[0] = False
    verdict(page, "ok")
    for code in (first, second):
        assert [e["kind"] for e in events(page, code)] == ["receive"], code
    assert sent[0][0] == sent[-1][0]  # the retry carried the first scan's id again
    assert len(sent[-1]) == 2


def test_a_scan_right_after_a_tap_on_a_lane_button_is_not_lost(
    browsing: Browsing, site: Site
) -> None:
    """A tap gives the focus back to the scanner only once the tap's own handlers are done,
    and the browser serves key presses first: a scanner firing at once used to type into the
    page. The page's timers are held still, so no late refocus can rescue the scan here."""
    org = site.new_org(orders=4, plan=True)
    page = browsing.page(org, Role.STATION_ASSOCIATE, f"/station?mode=sort&date={DAY}", "phone")
    page.clock.install()
    page.reload()
    page.wait_for_selector("#sort-plan")
    line = sort_plan(page, org)[0]
    now = datetime.fromtimestamp(page.evaluate("Date.now()") / 1000, UTC)
    page.clock.pause_at(now + timedelta(seconds=1))
    page.click(f"#lanes button[data-lane={line['lane']}]")
    assert page.evaluate("document.activeElement.id") != "scan"  # the refocus is held
    scan(page, line["barcode"])
    page.wait_for_selector(f"#history li:not(.pending) :text('{line['barcode']}')")
    page.clock.resume()
    [stored] = [e for e in events(page, line["barcode"]) if e["kind"] == "sort"]
    assert stored["lane"] == line["lane"]


def test_a_slow_answer_of_an_older_refresh_does_not_draw_the_counts_back(
    browsing: Browsing, site: Site
) -> None:
    """Refreshes overlap: the floor read after the first scan is held back by the network
    until the second scan's floor has been drawn. Drawn last, it would show a parcel that is
    sorted as still to go."""
    org = site.new_org(orders=4, plan=True)
    page = browsing.page(org, Role.STATION_ASSOCIATE, f"/station?mode=sort&date={DAY}", "phone")
    lines = sort_plan(page, org)
    received = [
        {"id": f"evt_recv_{k}", "kind": "receive", "barcode": line["barcode"],
         "device_time": "2026-11-23T07:00:00+02:00"}
        for k, line in enumerate(lines)
    ]  # fmt: skip
    answer = page.request.post(
        "/api/v1/events", headers={"X-Doorstep-Page": "1"}, data={"events": received}
    )
    assert answer.ok, answer.text()
    page.reload()
    page.wait_for_selector("#sort-plan")
    total = to_go(page)
    held: list[tuple[Any, Any]] = []

    def hold_the_first(route: Any) -> None:
        if held:
            route.continue_()
        else:
            held.append((route, route.fetch()))  # read now, answered later

    page.route("**/floor?*", hold_the_first)
    scan(page, lines[0]["barcode"])

    def answered_and_held() -> bool:
        page.wait_for_timeout(50)  # the page's waits are when the route handler runs
        return bool(held)

    wait_until(answered_and_held)
    scan(page, lines[1]["barcode"])
    wait_to_go(page, total - 2)
    route, stale = held[0]
    with page.expect_response("**/floor?*"):
        route.fulfill(response=stale)
    page.wait_for_timeout(500)  # the page's own turn to read the stale answer
    assert to_go(page) == total - 2


def test_the_screens_at_desktop_size(browsing: Browsing, site: Site) -> None:
    org = org_of_routes(site, orders=12)
    page = browsing.page(org, Role.STATION_ASSOCIATE, f"/station?date={DAY}", "desktop")
    lines = sort_plan(page, org)
    page.wait_for_selector("#receive-counts")
    expected = to_go(page)
    for line in lines[:6]:
        scan(page, line["barcode"])
    verdict(page, "ok")
    wait_to_go(page, expected - 6)
    shoot(browsing, page, "station-receive", "desktop")
    # Another associate's handheld receives one more: the count follows, pushed, no reload.
    other = page.request.post(
        "/api/v1/events",
        headers={"X-Doorstep-Page": "1"},
        data={"events": [{"id": "evt_other_handheld", "kind": "receive",
                          "barcode": lines[6]["barcode"],
                          "device_time": "2026-11-23T07:00:30+02:00"}]},
    )  # fmt: skip
    assert other.ok, other.text()
    wait_to_go(page, expected - 7)

    page.goto(f"/station?mode=sort&date={DAY}")
    page.wait_for_selector("#sort-plan")
    for line in lines[:4]:
        scan(page, line["barcode"])
    verdict(page, "ok")
    wait_to_go(page, len(lines) - 4)
    shoot(browsing, page, "station-sort", "desktop")

    vehicle = lines[0]["vehicle_id"]
    page.goto(f"/station?mode=load&vehicle={vehicle}&date={DAY}")
    page.wait_for_selector("#load-list")
    mine = [line for line in lines if line["vehicle_id"] == vehicle]
    wait_to_go(page, len(mine))
    scan(page, lines[0]["barcode"])
    assert verdict(page, "ok")["big"] == lines[0]["vehicle_name"]
    wait_to_go(page, len(mine) - 1)
    assert page.get_attribute(f"#vehicles button[data-vehicle={vehicle}]", "aria-pressed") == "true"
    shoot(browsing, page, "station-load", "desktop")


def test_the_floor_counts_each_lane_by_stage_and_answers_bad_input_with_a_problem(
    browsing: Browsing, site: Site
) -> None:
    org = site.new_org(orders=6, plan=True)
    context = browsing.context()
    assert context.request.post(
        "/session", data={"email": org.emails[Role.STATION_ASSOCIATE], "password": PASSWORD}
    ).ok
    floor = context.request.get(f"/api/v1/stations/{org.station}/floor?date={DAY}").json()
    assert floor["station_code"] == org.station
    assert floor["plan_number"] >= 1
    assert sum(lane["parcels"] for lane in floor["lanes"]) == len(floor["parcels"]) > 0
    assert all(lane["counts"] == {"expected": lane["parcels"], "received": 0, "sorted": 0,
                                  "loaded": 0, "gone": 0} for lane in floor["lanes"])  # fmt: skip
    one = floor["parcels"][0]
    sent = context.request.post(
        "/api/v1/events",
        headers={"X-Doorstep-Page": "1"},
        data={"events": [
            {"id": "evt_floor_1", "kind": "receive", "barcode": one["barcode"],
             "device_time": "2026-11-23T07:01:00+02:00"},
            {"id": "evt_floor_2", "kind": "sort", "barcode": one["barcode"],
             "device_time": "2026-11-23T07:02:00+02:00", "lane": one["lane"]},
        ]},
    )  # fmt: skip
    assert sent.ok, sent.text()
    floor = context.request.get(f"/api/v1/stations/{org.station}/floor?date={DAY}").json()
    lane = next(lane for lane in floor["lanes"] if lane["lane"] == one["lane"])
    assert lane["counts"]["sorted"] == 1
    assert lane["counts"]["expected"] == lane["parcels"] - 1
    parcel = next(p for p in floor["parcels"] if p["barcode"] == one["barcode"])
    assert (parcel["stage"], parcel["status"], parcel["scanned_lane"]) == (
        "sorted", "sorted", one["lane"],
    )  # fmt: skip

    unknown = context.request.get(f"/api/v1/stations/NOPE/floor?date={DAY}")
    assert unknown.status == 422
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert context.request.get(f"/api/v1/stations/{org.station}/floor?date=soon").status == 422
    unplanned = context.request.get(f"/api/v1/stations/{org.station}/floor?date=2026-12-24")
    assert unplanned.status == 404
    assert "publish" in unplanned.json()["detail"]
