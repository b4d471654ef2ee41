"""`doorstep rates ORDER` with live quotes from a fake partner on loopback, `--no-live`, and a
failed quote shown with its reason.

The order (``test_carriers.ORDERS``): next day to Suomenlinna, 25.20 EUR by pakettiexpress's
card (35 kg break 15.90 + remote 6.50, fuel 12.5% of 22.40 = 2.80). The partner quotes 23.99
EUR: 1.21 less.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from doorstep.services.carriers import SAMPLE_CARRIERS, SAMPLE_RATE_CARDS
from tests.entrypoints.cli.runner import Cli, connect_partner
from tests.entrypoints.cli.test_carriers import ORDERS
from tests.support.partner import Partner
from tests.support.slow_partner import Quoting, quoting_partner


@pytest.fixture
def partner(cli: Cli, station: str, tmp_path: Path) -> Iterator[Partner]:
    """The samples, the order, and pakettiexpress connected to a partner quoting 23.99 EUR."""
    cli.env["DOORSTEP_TRAVEL_PROVIDER"] = "haversine"  # no road network to build
    cli.ok("carriers", "import", str(SAMPLE_CARRIERS), str(SAMPLE_RATE_CARDS))
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS, encoding="utf-8")
    cli.ok("orders", "import", str(path))
    with quoting_partner(Quoting(cents=2399)) as running:
        connect_partner(cli, "pakettiexpress", running.url)
        yield running


def test_the_live_quote_is_shown_with_the_card_beside_it_and_chosen(
    cli: Cli, partner: Partner
) -> None:
    shown = cli.ok("rates", "S-1").stdout
    assert "live quotes asked of 1 partner with an API, 0 failed" in shown
    assert "23.99 EUR (card 25.20, -1.21)" in shown
    assert "live quote" in shown
    assert "rate card: 25.20 EUR; live 1.21 EUR less" in shown
    assert "chosen: pakettiexpress at 23.99 EUR (cheapest feasible; live quote)" in shown
    answer = json.loads(cli.ok("rates", "S-1", "--json").stdout)
    first = answer["options"][0]
    assert (first["carrier_code"], first["price_cents"], first["price_source"]) == (
        "pakettiexpress", 2399, "live_quote",
    )  # fmt: skip
    assert (first["card_price_cents"], first["live_difference_cents"]) == (2520, -121)
    given = cli.ok("rates", "S-1", "--allocate", "cheapest").stdout
    assert "order allocated to pakettiexpress at 23.99 EUR" in given
    assert [r.path for r in partner.state.received] == ["/v1/quotes"] * 3


def test_no_live_prices_by_the_card_without_asking(cli: Cli, partner: Partner) -> None:
    shown = cli.ok("rates", "S-1", "--no-live").stdout
    assert "partners by their rate cards (live quotes not asked: --no-live)" in shown
    assert "chosen: pakettiexpress at 25.20 EUR (cheapest feasible)" in shown
    assert "23.99" not in shown
    assert shown.count("live quote") == 1  # in "live quotes not asked" alone
    assert partner.state.received == []


def test_a_failed_quote_is_shown_with_its_reason_and_the_card_price_used(
    cli: Cli, partner: Partner
) -> None:
    partner.state.fail_next.append((503, {"message": "maintenance"}))
    shown = cli.ok("rates", "S-1").stdout
    assert "live quotes asked of 1 partner with an API, 1 failed" in shown
    assert "(live quote failed)" in shown
    assert "live quote failed: HTTP 503: maintenance; card price" in shown
    assert "chosen: pakettiexpress at 25.20 EUR (cheapest feasible)" in shown
