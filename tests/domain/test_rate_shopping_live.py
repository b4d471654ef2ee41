"""The merge of a partner's card price and its live quote (``with_live_quote``), to the cent.

Every option here is a feasible next-day partner whose card priced the order 12.40 EUR
(base 11.00 + fuel 1.40), promising Tuesday 17:00 in Helsinki; the order is due by the end
of Tuesday (Wednesday 00:00 local)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from doorstep.domain.carriers import CarrierKind, ServiceLevel
from doorstep.domain.handoffs import CarrierQuote
from doorstep.domain.rate_shopping import (
    Need,
    Option,
    PriceBasis,
    PriceSource,
    QuoteFailed,
    card_basis,
    ranked,
    with_live_quote,
)

HELSINKI = ZoneInfo("Europe/Helsinki")
TUESDAY_17 = datetime(2026, 11, 24, 17, tzinfo=HELSINKI)
NEED = Need(ServiceLevel.NEXT_DAY, datetime(2026, 11, 25, tzinfo=HELSINKI), "due on Tuesday")
CARD_LINES = ("base: 11.00 EUR (zone 1, 2 kg)", "fuel: 1.40 EUR (12.5%)")


def option(code: str = "pk", cents: int | None = 1240, **changes: object) -> Option:
    made = Option(
        carrier_id=f"car_{code}",
        carrier_code=code,
        carrier_name=code.title(),
        kind=CarrierKind.PARTNER,
        service_level=ServiceLevel.NEXT_DAY,
        feasible=True,
        price_cents=cents,
        currency="EUR",
        due=TUESDAY_17,
        reasons=(),
        explanation=CARD_LINES,
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def quote(cents: int, currency: str = "EUR", by: datetime | None = None) -> CarrierQuote:
    return CarrierQuote(ServiceLevel.NEXT_DAY, cents, currency, by)


def test_a_live_quote_below_the_card_is_the_price_with_the_card_beside_it() -> None:
    """11.95 quoted against 12.40 on the card: 0.45 EUR less; due 15:30 instead of 17:00."""
    by = datetime(2026, 11, 24, 13, 30, tzinfo=ZoneInfo("UTC"))
    merged, basis = with_live_quote(option(), quote(1195, by=by), NEED, HELSINKI)
    assert (merged.price_cents, merged.currency, merged.feasible) == (1195, "EUR", True)
    assert merged.due == datetime(2026, 11, 24, 15, 30, tzinfo=HELSINKI)
    assert merged.explanation == (
        "live quote: 11.95 EUR",
        "rate card: 12.40 EUR; live 0.45 EUR less",
        *CARD_LINES,
    )
    assert basis == PriceBasis(PriceSource.LIVE_QUOTE, card_cents=1240, difference_cents=-45)


def test_a_difference_of_a_cent_is_not_shown_and_two_are() -> None:
    for cents, difference in ((1239, None), (1240, None), (1241, None), (1242, 2), (1238, -2)):
        merged, basis = with_live_quote(option(), quote(cents), NEED, HELSINKI)
        assert merged.price_cents == cents  # the live price even when it agrees
        assert (basis.card_cents, basis.difference_cents) == (1240, difference), cents
    _, more = with_live_quote(option(), quote(1375), NEED, HELSINKI)
    assert more.difference_cents == 135
    merged, _ = with_live_quote(option(), quote(1375), NEED, HELSINKI)
    assert merged.explanation[1] == "rate card: 12.40 EUR; live 1.35 EUR more"
    same, _ = with_live_quote(option(), quote(1241), NEED, HELSINKI)
    assert same.explanation[1] == "rate card: 12.40 EUR"


def test_a_quote_without_a_promise_keeps_the_carriers_usual_one() -> None:
    merged, _ = with_live_quote(option(), quote(1300), NEED, HELSINKI)
    assert merged.due == TUESDAY_17


def test_a_failed_quote_leaves_the_card_price_with_the_reason() -> None:
    merged, basis = with_live_quote(option(), QuoteFailed("timeout after 3 s"), NEED, HELSINKI)
    assert (merged.price_cents, merged.due, merged.feasible) == (1240, TUESDAY_17, True)
    assert merged.explanation == ("live quote failed: timeout after 3 s; card price", *CARD_LINES)
    assert basis == PriceBasis(PriceSource.RATE_CARD, 1240, quote_failure="timeout after 3 s")


def test_a_quote_in_another_currency_or_negative_is_not_used() -> None:
    merged, basis = with_live_quote(option(), quote(9900, "SEK"), NEED, HELSINKI)
    assert (merged.price_cents, merged.currency) == (1240, "EUR")
    assert basis.quote_failure == "it is in SEK, the rate card in EUR"
    assert (
        merged.explanation[0] == "live quote failed: it is in SEK, the rate card in EUR; card price"
    )
    merged, basis = with_live_quote(option(), quote(-5), NEED, HELSINKI)
    assert merged.price_cents == 1240
    assert basis.quote_failure == "it is negative (-0.05 EUR)"


def test_a_live_promise_after_the_deadline_excludes_the_option() -> None:
    by = datetime(2026, 11, 25, 9, tzinfo=HELSINKI)
    merged, basis = with_live_quote(option(), quote(900, by=by), NEED, HELSINKI)
    assert not merged.feasible
    assert merged.reasons == (
        "its live quote delivers by 2026-11-25 09:00, after the order's deadline 2026-11-25 00:00",
    )
    assert (merged.price_cents, merged.due) == (900, by)
    assert basis.source is PriceSource.LIVE_QUOTE
    assert ranked([merged, option("zz")])[0].carrier_code == "zz"


def test_the_cheapest_is_chosen_by_the_live_price() -> None:
    """Both cards say 12.40 and the code breaks the tie for "aa"; "bb"'s live 12.38 wins."""
    assert ranked([option("aa"), option("bb")])[0].carrier_code == "aa"
    live, _ = with_live_quote(option("bb"), quote(1238), NEED, HELSINKI)
    first = ranked([option("aa"), live])[0]
    assert (first.carrier_code, first.price_cents, first.chosen) == ("bb", 1238, True)


def test_options_priced_without_a_quote_say_their_source() -> None:
    assert card_basis(option()) == PriceBasis(PriceSource.RATE_CARD, card_cents=1240)
    own = option("own", 830, kind=CarrierKind.OWN_FLEET)
    assert card_basis(own) == PriceBasis(PriceSource.PLAN)
