"""The planner's "Allocate" and its Carriers tab end to end: allocate the day as a job with
progress, read every decision (carrier, price, promise, the own fleet's marginal cost, the
reasons on demand) and the per-carrier totals, then hand the partners' orders off to a fake
partner on loopback and read each outcome.

The day: 24 demo orders at 07:00 and a single van for 8 parcels (the others off duty), so the
fleet is far too small. The sample carriers are imported through the services: kaupunkikuriiri
offers same day in the city (the orders without a window need it), pakettiexpress only next
day, and no partner offers an order's own window, so windowed orders the van cannot take are
"not served". Each step is checked on what the page shows and on what the server stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from doorstep.domain.accounts import Role
from doorstep.domain.allocation import fleet_words
from doorstep.domain.fleet import Capacity
from doorstep.domain.webhooks import new_secret
from doorstep.services import fleet
from doorstep.services.carriers import (
    SAMPLE_CARRIERS,
    SAMPLE_RATE_CARDS,
    allocation,
    handoff,
    registry,
)
from tests.entrypoints.web.conftest import DAY, Browsing, Org, Site
from tests.services.carriers.test_registry import rows_of
from tests.support.partner import API_KEY, Partner, partner_server

PARTNER = "kaupunkikuriiri"
WAIT_MS = 180_000  # a bound for the job (three planning rounds of 5 s and the explaining)


@pytest.fixture
def partner() -> Iterator[Partner]:
    with partner_server() as running:
        yield running


def short_day(site: Site, partner: Partner) -> Org:
    """A fresh organisation whose fleet is one van for 8 parcels, with the sample carriers and
    kaupunkikuriiri's API connected to the loopback partner."""
    org = site.new_org(orders=24, seed=3)
    c, who = site.container, org.principal
    registry.import_files(
        who, rows_of(SAMPLE_CARRIERS), rows_of(SAMPLE_RATE_CARDS), uow=c.uow(), clock=c.clock,
        ids=c.ids,
    )  # fmt: skip
    vans = sorted(fleet.list_vehicles(who, uow=c.reader()), key=lambda v: v.name)
    for van in vans[1:]:
        fleet.update_vehicle(who, van.id, {"active": False}, uow=c.uow())
    small = Capacity(vans[0].capacity.weight_kg, vans[0].capacity.volume_l, 8)
    fleet.update_vehicle(who, vans[0].id, {"capacity": small}, uow=c.uow())
    handoff.connect(
        who, PARTNER, base_url=partner.url, api_key=API_KEY,
        webhook_secret=new_secret(b"w" * 32), uow=c.uow(), clock=c.clock,
    )  # fmt: skip
    return org


DASH = "\u2013"  # the page's mark for "no figure"


def money(cents: int | None, currency: str | None = "EUR") -> str:
    return DASH if cents is None else f"{cents / 100:.2f} {currency or ''}".strip()


def stored(site: Site, org: Org) -> list[Any]:
    found = allocation.list_allocations(
        org.principal, org.station, DAY, uow=site.container.reader()
    )
    return [a for a, _, _ in found]


def test_allocate_read_the_decisions_and_hand_off_the_partners_orders(
    browsing: Browsing, site: Site, partner: Partner
) -> None:
    org = short_day(site, partner)
    page: Any = browsing.page(org, Role.PLANNER, "/planner")
    page.wait_for_selector("body[data-ready]")
    assert page.inner_text("#run-allocate") == "Allocate"

    # Allocate: the same progress box as planning, then the Carriers tab with the decisions.
    page.select_option("#run-seconds", "5")
    page.click("#run-allocate")
    page.wait_for_selector("#run-cancel:not([hidden])")
    page.wait_for_selector('#run-progress[data-kind="allocate"]', state="attached")
    ended = ", ".join(
        f'#run-progress[data-status="{s}"]' for s in ("succeeded", "failed", "cancelled")
    )
    # Attached, not visible: once done the page turns to the Carriers tab.
    page.wait_for_selector(ended, state="attached", timeout=WAIT_MS)
    assert page.get_attribute("#run-progress", "data-status") == "succeeded", page.inner_text(
        "#run-status"
    )
    page.wait_for_selector("#pane-allocation:not([hidden]) #alloc-list .decision")
    decisions = stored(site, org)
    assert len(decisions) == 24
    partners = [a for a in decisions if a.kind == "partner"]
    missed = [a for a in decisions if a.within_level is False]
    own = [a for a in decisions if a.kind == "own_fleet" and a.within_level is not False]
    assert partners, "the van is too small for the day: some orders must go to partners"
    assert sum(a.parcels for a in own) <= 8
    status = page.inner_text("#run-status")
    assert f"{len(own)} orders to the own fleet, {len(partners)} to partners" in status
    assert f"(Kaupunkikuriiri {len(partners)})" in status
    assert page.get_attribute("#pane-allocation", "data-orders") == "24"
    tiles = {
        t.get_attribute("data-count"): t.query_selector(".value").inner_text()
        for t in page.query_selector_all("#alloc-tiles .tile")
    }
    assert tiles == {
        "own": str(len(own)), "partner": str(len(partners)), "missed": str(len(missed)),
        "cost": money(sum(a.price_cents or 0 for a in partners)),
    }  # fmt: skip

    # Per carrier: kaupunkikuriiri's orders, parcels and cost, as stored.
    row = page.query_selector('#alloc-carriers tr[data-carrier="Kaupunkikuriiri"]')
    cells = [td.inner_text() for td in row.query_selector_all("td")]
    assert cells == [
        "Kaupunkikuriiri", str(len(partners)), str(sum(a.parcels for a in partners)),
        money(sum(a.price_cents or 0 for a in partners)),
    ]  # fmt: skip

    # A partner's card: price, promise, the own fleet's side; the reasons only on demand.
    first = partners[0]
    card = page.query_selector(f'.decision[data-order="{first.order_id}"]')
    assert card.query_selector(".badge.partner").inner_text() == "Kaupunkikuriiri"
    assert card.query_selector(".price").inner_text() == money(first.price_cents)
    # The own fleet's side, in words made from the stored figure (its marginal cost, or none).
    expected_fleet = fleet_words(first.fleet_cost_cents, "EUR")
    assert card.query_selector(".fleet").inner_text() == expected_fleet
    reasons = card.query_selector(".reasons ul")
    assert not reasons.is_visible()
    card.query_selector(".reasons summary").click()
    assert reasons.is_visible()
    assert [li.inner_text() for li in reasons.query_selector_all("li")] == list(first.reasons)
    assert first.reasons[0].startswith("chosen: kaupunkikuriiri at ")
    browsing.shoot(page, "planner-allocation", "desktop")

    # An own-fleet card: its marginal cost once, as the own fleet's side.
    kept = own[0]
    card = page.query_selector(f'.decision[data-order="{kept.order_id}"]')
    assert card.query_selector(".badge.own_fleet").inner_text() == "own fleet"
    assert card.query_selector(".price") is None
    assert card.query_selector(".fleet").inner_text() == f"{money(kept.price_cents)} marginal cost"

    # Hand off: the partner refuses the first booking; the others are booked all the same.
    button = page.query_selector("#alloc-handoff")
    assert button.inner_text() == f"Hand off {len(partners)} orders"
    partner.state.fail_next.append((422, {"error": {"message": "courier full at 07:00"}}))
    button.click()
    page.wait_for_selector("#alloc-outcomes[data-refused]")
    assert page.get_attribute("#alloc-outcomes", "data-refused") == "1"
    refused = page.query_selector("#alloc-outcome-list .outcome.refused")
    refused_id = refused.get_attribute("data-order")
    assert "courier full at 07:00" in refused.inner_text()
    booked = handoff.list_handoffs(org.principal, uow=site.container.reader())
    assert len(booked) == len(partners) - 1
    assert refused_id not in {h.order_id for h in booked}
    page.wait_for_selector('#alloc-handoff[data-count="1"]')
    assert page.inner_text("#alloc-handoff") == "Hand off 1 order"
    browsing.shoot(page, "planner-allocation-refused", "desktop")

    # Again: only the refused order is tried, and booked.
    page.click("#alloc-handoff")
    page.wait_for_selector('#alloc-outcomes[data-booked="1"]')
    assert [
        li.get_attribute("data-order")
        for li in page.query_selector_all("#alloc-outcome-list .outcome")
    ] == [refused_id]
    made = handoff.list_handoffs(org.principal, uow=site.container.reader())
    assert sorted(h.order_id for h in made) == sorted(a.order_id for a in partners)
    assert len(partner.state.bookings()) == len(partners) + 1  # the refused one asked twice
    assert page.get_attribute("#alloc-outcomes", "data-refused") == "0"
    last = next(h for h in made if h.order_id == refused_id)
    line = page.inner_text(f'#alloc-outcome-list .outcome[data-order="{refused_id}"]')
    assert f"booked {PARTNER} · tracking {last.tracking_number}" in line
    assert page.inner_text("#alloc-outcome-sum") == (
        f"1 booked, 0 refused, {len(partners) - 1} handed off before"
    )
    # The button is disabled while the request runs too: wait for the new count.
    page.wait_for_selector('#alloc-handoff[data-count="0"][disabled]')
    assert page.inner_text("#alloc-handoff") == "Hand off 0 orders"
    assert page.inner_text("#alloc-handoff-note") == f"{len(partners)} handed off already"
    handed = page.query_selector(f'.decision[data-order="{first.order_id}"] .badge.handed')
    assert handed.inner_text() == "handed off"
    browsing.shoot(page, "planner-allocation-handed", "desktop")

    # On a phone the same tab, cards stacked.
    phone: Any = browsing.page(org, Role.PLANNER, "/planner#carriers", size="phone")
    phone.wait_for_selector("body[data-ready]")
    phone.wait_for_selector("#pane-allocation:not([hidden]) #alloc-list .decision")
    assert phone.get_attribute("#pane-allocation", "data-orders") == "24"
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"
    browsing.shoot(phone, "planner-allocation", "phone")
