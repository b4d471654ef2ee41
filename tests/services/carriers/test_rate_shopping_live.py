"""Rate shopping with live quotes, on fakes but against real partner servers on loopback
(``tests.support.slow_partner``): a live quote that differs from the card is used and wins;
a partner held past the timeout falls back to its card while the other's quote is used; all
partners are asked at once; an HTTP 500 falls back with its reason; partners without a
connection (or infeasible ones, or every one with ``live`` off) are priced by card, unasked.

Every order here is due today, 1 kg, near the station: the two same-day partners' cards
(``kaupunkikuriiri`` and a copy of it, ``pikalahetti``) both price it 9.90 (near zone, 2 kg
break) + fuel 8% (0.792, rounded half-up 0.79) = 10.69 EUR; on equal prices the code breaks
the tie, so by cards alone ``kaupunkikuriiri`` is chosen. The own fleet has no plan today.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx2
import pytest

from doorstep.adapters.carriers.generic_partner_http import GenericPartnerGateway
from doorstep.domain.geo import Location
from doorstep.domain.handoffs import CarrierConnection
from doorstep.domain.orders import Order
from doorstep.domain.rate_shopping import PriceSource
from doorstep.domain.stations import Station
from doorstep.domain.webhooks import new_secret
from doorstep.services.authorization import Principal
from doorstep.services.carriers import SAMPLE_CARRIERS, SAMPLE_RATE_CARDS, handoff, registry
from doorstep.services.carriers.rate_shopping import LiveQuotes, shop
from doorstep.services.ports import CarrierGateway
from tests.services.carriers.test_rate_shopping import MONDAY_10, by_code, new_order, shop_ports
from tests.services.carriers.test_registry import rows_of
from tests.services.conftest import Ports
from tests.services.planning.test_runs import station
from tests.support.partner import API_KEY, Partner, partner_server
from tests.support.slow_partner import Quoting, quoting_partner

__all__ = ["station"]  # the fixture

COURIER, COPY, PARCELS = "kaupunkikuriiri", "pikalahetti", "pakettiexpress"
CARD_CENTS = 1069
NEAR = Location(60.18, 24.95)  # 1.2 km from HEL1: the near zone


@pytest.fixture
def client() -> Iterator[httpx2.Client]:
    with httpx2.Client() as made:
        yield made


@pytest.fixture
def live(client: httpx2.Client) -> LiveQuotes:
    """The real gateways, as the container makes them; 10 s for all quotes together (the
    partners held back here never answer within it, so no test depends on the clock)."""

    def gateways(code: str, connection: CarrierConnection) -> CarrierGateway:
        return GenericPartnerGateway(code, connection.base_url, connection.api_key, client=client)

    return LiveQuotes(gateways, timeout_s=10.0)


@pytest.fixture
def carriers(ports: Ports, admin: Principal, station: Station) -> None:
    """The samples, and ``pikalahetti``: the same-day courier again under another code."""
    rows = rows_of(SAMPLE_CARRIERS)
    (courier,) = [row for _, row in rows if row["code"] == COURIER]
    rows.append((len(rows) + 2, {**courier, "code": COPY, "name": "Pikalähetti"}))
    cards = rows_of(SAMPLE_RATE_CARDS)
    copied = [row for _, row in cards if row["carrier"] == COURIER]
    cards += [(len(cards) + 2 + n, {**row, "carrier": COPY}) for n, row in enumerate(copied)]
    registry.import_files(admin, rows, cards, uow=ports.uow, clock=ports.clock, ids=ports.ids)
    ports.clock.current = MONDAY_10


def connect(ports: Ports, admin: Principal, code: str, partner: Partner) -> None:
    handoff.connect(
        admin,
        code,
        base_url=partner.url,
        api_key=API_KEY,
        webhook_secret=new_secret(b"w" * 32),
        uow=ports.uow,
        clock=ports.clock,
    )


def today_order(ports: Ports, admin: Principal, ref: str = "R-1") -> Order:
    return new_order(ports, admin, ref, location=NEAR, service_date=MONDAY_10.date())


def quotes(partner: Partner) -> list[str]:
    return [f"{r.method} {r.path}" for r in partner.state.received]


@pytest.mark.usefixtures("carriers")
def test_a_live_quote_below_the_card_is_the_price_and_wins(
    ports: Ports, admin: Principal, live: LiveQuotes
) -> None:
    """pikalahetti quotes 9.95 EUR, due 18:00 local: 10.69 - 9.95 = 0.74 EUR below its card,
    so it beats kaupunkikuriiri's 10.69 (by card: it has no connection)."""
    order = today_order(ports, admin)
    quoting = Quoting(cents=995, deliver_by="2026-11-23T18:00:00+02:00")
    with quoting_partner(quoting) as partner:
        connect(ports, admin, COPY, partner)
        shopping = shop(admin, order.id, ports=shop_ports(ports), live=live)
    assert shopping.live
    options = by_code(shopping.options)
    quoted, courier = options[COPY], options[COURIER]
    assert (quoted.price_cents, quoted.currency, quoted.chosen) == (995, "EUR", True)
    assert quoted.due == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    assert quoted.explanation[:2] == (
        "live quote: 9.95 EUR",
        "rate card: 10.69 EUR; live 0.74 EUR less",
    )
    basis = shopping.basis(quoted)
    assert (basis.source, basis.card_cents, basis.difference_cents) == (
        PriceSource.LIVE_QUOTE, CARD_CENTS, -74,
    )  # fmt: skip
    assert basis.quote_failure is None
    assert (courier.price_cents, courier.chosen) == (CARD_CENTS, False)
    assert shopping.basis(courier).source is PriceSource.RATE_CARD
    assert shopping.basis(options["omat_autot"]).source is PriceSource.PLAN
    (asked,) = partner.state.received
    assert (asked.method, asked.path) == ("POST", "/v1/quotes")
    sent = asked.json()
    assert (sent["reference"], sent["service"]) == (order.id, "same_day")
    assert [p["barcode"] for p in sent["parcels"]] == ["B-R-1"]
    assert asked.headers["authorization"] == f"Bearer {API_KEY}"


@pytest.mark.usefixtures("carriers")
def test_a_partner_held_past_the_timeout_falls_back_while_the_others_quote_is_used(
    ports: Ports, admin: Principal, live: LiveQuotes
) -> None:
    """kaupunkikuriiri's partner holds its answer until the test lets it go, after shopping:
    so shopping returned without it, its card's 10.69 with the reason; pikalahetti's live
    10.20 (0.49 below its card) is used, and wins."""
    held = Quoting(cents=500, gate=threading.Event())
    with quoting_partner(held) as slow, quoting_partner(Quoting(cents=1020)) as quick:
        connect(ports, admin, COURIER, slow)
        connect(ports, admin, COPY, quick)
        order = today_order(ports, admin)
        shopping = shop(admin, order.id, ports=shop_ports(ports), live=quick_timeout(live))
        assert held.gate is not None
        assert not held.gate.is_set()  # the partner is still holding its answer
        assert held.asked.is_set()  # it was asked
    options = by_code(shopping.options)
    late, quoted = options[COURIER], options[COPY]
    assert (late.price_cents, late.chosen, late.feasible) == (CARD_CENTS, False, True)
    assert late.explanation[0] == "live quote failed: timeout after 1 s; card price"
    assert shopping.basis(late).source is PriceSource.RATE_CARD
    assert shopping.basis(late).quote_failure == "timeout after 1 s"
    assert (quoted.price_cents, quoted.chosen) == (1020, True)
    assert shopping.basis(quoted).difference_cents == -49
    assert shopping.chosen == quoted


def quick_timeout(live: LiveQuotes) -> LiveQuotes:
    """1 s for all quotes: the quick partner answers a loopback request well within it."""
    return LiveQuotes(live.gateways, timeout_s=1.0)


@pytest.mark.usefixtures("carriers")
def test_partners_are_asked_at_the_same_time(
    ports: Ports, admin: Principal, live: LiveQuotes
) -> None:
    """Each partner answers only once the other has been asked: asked one after the other,
    the first would wait out the timeout and the second never be asked in time. Each is
    asked from a thread of its own, not the shopping's."""
    first, second = Quoting(cents=1111), Quoting(cents=1212)
    first.gate, second.gate = second.asked, first.asked
    threads: list[str] = []

    def gateways(code: str, connection: CarrierConnection) -> CarrierGateway:
        threads.append(threading.current_thread().name)
        return live.gateways(code, connection)

    with quoting_partner(first) as one, quoting_partner(second) as other:
        connect(ports, admin, COURIER, one)
        connect(ports, admin, COPY, other)
        order = today_order(ports, admin)
        shopping = shop(admin, order.id, ports=shop_ports(ports), live=LiveQuotes(gateways, 10))
    assert sorted(threads) == [f"quote-{COURIER}", f"quote-{COPY}"]
    options = by_code(shopping.options)
    assert options[COURIER].price_cents == 1111
    assert options[COPY].price_cents == 1212
    assert {shopping.basis(o).source for o in (options[COURIER], options[COPY])} == {
        PriceSource.LIVE_QUOTE
    }
    assert shopping.chosen == options[COURIER]  # 11.11 below 12.12


@pytest.mark.usefixtures("carriers")
def test_a_500_falls_back_to_the_card_with_the_reason(
    ports: Ports, admin: Principal, live: LiveQuotes
) -> None:
    with partner_server() as partner:
        partner.state.fail_next.append((500, {"error": {"message": "quote engine down"}}))
        connect(ports, admin, COPY, partner)
        shopping = shop(admin, today_order(ports, admin).id, ports=shop_ports(ports), live=live)
    failed = by_code(shopping.options)[COPY]
    assert failed.price_cents == CARD_CENTS
    assert failed.feasible
    assert failed.explanation[0] == "live quote failed: HTTP 500: quote engine down; card price"
    assert failed.explanation[1].startswith("base: 9.90 EUR")
    basis = shopping.basis(failed)
    assert (basis.source, basis.quote_failure) == (
        PriceSource.RATE_CARD, "HTTP 500: quote engine down"
    )  # fmt: skip
    assert shopping.chosen == by_code(shopping.options)[COURIER]  # the tie, by code
    assert quotes(partner) == ["POST /v1/quotes"]


@pytest.mark.usefixtures("carriers")
def test_partners_without_a_connection_or_infeasible_are_priced_by_card_unasked(
    ports: Ports, admin: Principal, live: LiveQuotes
) -> None:
    """kaupunkikuriiri has no connection; pakettiexpress has one but offers next day only,
    so it cannot serve a same-day order and is not asked; pikalahetti is asked. With live
    quotes off, nobody is asked."""
    order = today_order(ports, admin)
    with quoting_partner(Quoting(cents=1069)) as asked, partner_server() as unasked:
        connect(ports, admin, COPY, asked)
        connect(ports, admin, PARCELS, unasked)
        shopping = shop(admin, order.id, ports=shop_ports(ports), live=live)
        cards_only = shop(admin, order.id, ports=shop_ports(ports))
    assert unasked.state.received == []
    assert quotes(asked) == ["POST /v1/quotes"]  # the live shopping's; none by cards only
    options = by_code(shopping.options)
    assert shopping.basis(options[COURIER]).source is PriceSource.RATE_CARD
    assert shopping.basis(options[COURIER]).quote_failure is None
    assert not options[PARCELS].feasible
    assert shopping.basis(options[PARCELS]).quote_failure is None
    same = shopping.basis(options[COPY])  # 10.69 quoted, 10.69 on the card: no difference
    assert (same.source, same.difference_cents) == (PriceSource.LIVE_QUOTE, None)
    assert not cards_only.live
    for option in cards_only.options:
        assert cards_only.basis(option).source in (PriceSource.RATE_CARD, PriceSource.PLAN)
        assert not any("live quote" in line for line in option.explanation)
