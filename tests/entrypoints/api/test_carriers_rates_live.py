"""``GET /api/v1/orders/{id}/rates`` with live quotes, against a fake partner on loopback, on
both databases: the live price and promise with the card's beside it, ``?live=false`` for
cards alone (the partner not asked), and a 500 or a malformed answer falling back to the card
with the reason.

The order: next day to Suomenlinna (remote, zone 1 of pakettiexpress), one 12 kg parcel of
130 x 40 x 30 cm: 31.2 kg by volume, 35 kg break 15.90 + remote 6.50 + bulky 12.00, fuel 12.5%
of 34.40 = 4.30: 38.70 EUR by the card. The partner quotes 36.50 EUR, 2.20 less, due Tuesday
15:00 local.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Role
from doorstep.domain.webhooks import new_secret
from doorstep.services.carriers import SAMPLE_CARRIERS, SAMPLE_RATE_CARDS
from tests.entrypoints.api.conftest import Tenant, station_body, straight_lines
from tests.entrypoints.api.test_carriers import remote_order
from tests.support.partner import API_KEY, Partner
from tests.support.slow_partner import Quoting, quoting_partner

CSV = {"Content-Type": "text/csv"}
PARTNER = "pakettiexpress"


@pytest.fixture
def container(container: Container) -> Iterator[Container]:
    """The test's container with haversine travel times: no road region is needed."""
    with straight_lines(container) as own:
        yield own


@pytest.fixture
def partner() -> Iterator[Partner]:
    quoting = Quoting(cents=3650, deliver_by="2099-11-24T15:00:00+02:00")
    with quoting_partner(quoting) as running:
        yield running


@pytest.fixture
def order_id(client: TestClient, tenant_a: Tenant, partner: Partner) -> str:
    """The samples, HEL1, pakettiexpress connected to the partner, and the order."""
    for kind, path in (("carriers", SAMPLE_CARRIERS), ("rates", SAMPLE_RATE_CARDS)):
        answer = client.post(
            f"/api/v1/carriers:import?kind={kind}",
            content=path.read_bytes(),
            headers=tenant_a.as_(Role.ADMIN, **CSV),
        )
        assert answer.status_code == 200, answer.text
    answer = client.post("/api/v1/stations", json=station_body(), headers=tenant_a.admin)
    assert answer.status_code == 201, answer.text
    connection = {
        "base_url": partner.url,
        "api_key": API_KEY,
        "webhook_secret": new_secret(b"k" * 32),
    }
    answer = client.put(
        f"/api/v1/carriers/{PARTNER}/connection", json=connection, headers=tenant_a.admin
    )
    assert answer.status_code == 200, answer.text
    return remote_order(client, tenant_a)


def rates(client: TestClient, tenant: Tenant, order_id: str, query: str = "") -> Any:
    answer = client.get(
        f"/api/v1/orders/{order_id}/rates{query}", headers=tenant.as_(Role.DISPATCHER)
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def options(shown: Any) -> dict[str, Any]:
    return {o["carrier_code"]: o for o in shown["options"]}


def test_the_live_quote_is_the_price_with_the_card_beside_it(
    client: TestClient, tenant_a: Tenant, order_id: str, partner: Partner
) -> None:
    shown = rates(client, tenant_a, order_id)
    assert shown["live"] is True
    assert shown["chosen"] == PARTNER
    quoted = options(shown)[PARTNER]
    assert (quoted["price"], quoted["price_cents"], quoted["price_source"]) == (
        "36.50 EUR", 3650, "live_quote",
    )  # fmt: skip
    assert (quoted["card_price"], quoted["card_price_cents"]) == ("38.70 EUR", 3870)
    assert quoted["live_difference_cents"] == -220
    assert quoted["live_quote_failure"] is None
    assert quoted["due"] == "2099-11-24T15:00:00+02:00"  # the quoted promise
    assert quoted["explanation"][:2] == [
        "live quote: 36.50 EUR",
        "rate card: 38.70 EUR; live 2.20 EUR less",
    ]
    others = options(shown)
    assert others["kaupunkikuriiri"]["price_source"] == "rate_card"  # no connection
    assert others["omat_autot"]["price_source"] == "plan"
    (asked,) = partner.state.received
    assert (asked.method, asked.path) == ("POST", "/v1/quotes")
    assert asked.json()["reference"] == order_id


def test_live_false_prices_by_the_card_without_asking(
    client: TestClient, tenant_a: Tenant, order_id: str, partner: Partner
) -> None:
    shown = rates(client, tenant_a, order_id, "?live=false")
    assert shown["live"] is False
    card = options(shown)[PARTNER]
    assert (card["price"], card["price_source"], card["chosen"]) == ("38.70 EUR", "rate_card", True)
    assert (card["card_price"], card["live_difference_cents"]) == ("38.70 EUR", None)
    assert card["live_quote_failure"] is None
    assert partner.state.received == []


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ((500, {"error": {"message": "quote engine down"}}), "HTTP 500: quote engine down"),
        (
            (200, {"price": {"amount_cents": "36,50"}}),
            "answered something unexpected: 'price.amount_cents' missing or not a whole number",
        ),
    ],
)
def test_a_failed_quote_falls_back_to_the_card_with_the_reason(
    client: TestClient,
    tenant_a: Tenant,
    order_id: str,
    partner: Partner,
    answer: tuple[int, dict[str, Any]],
    reason: str,
) -> None:
    partner.state.fail_next.append(answer)
    shown = rates(client, tenant_a, order_id)
    card = options(shown)[PARTNER]
    assert (card["price"], card["price_source"], card["chosen"]) == ("38.70 EUR", "rate_card", True)
    assert card["live_quote_failure"] == reason
    assert card["explanation"][0] == f"live quote failed: {reason}; card price"
    assert len(partner.state.received) == 1
