"""``domain.allocation.decide`` by hand: left-out orders to the cheapest partner with room
(hardest first), planned orders moved only when cheaper and the fleet stays busy enough, rules
named in the reasons, capacity never exceeded."""

from __future__ import annotations

from doorstep.domain.allocation import (
    AllocationRules,
    Candidate,
    FleetFacts,
    OwnFleet,
    Utilisation,
    decide,
)
from doorstep.domain.carriers import CarrierKind, ServiceLevel
from doorstep.domain.rate_shopping import Option

OWN = OwnFleet("car_own", "own", "Own vans", "EUR")
BUSY = Utilisation(9_500, 10_000)  # 95 % of the fleet's time


def option(code: str, cents: int, *reasons: str) -> Option:
    return Option(
        f"car_{code}", code, code.title(), CarrierKind.PARTNER, ServiceLevel.SAME_DAY,
        not reasons, cents, "EUR", None, tuple(reasons), (),
    )  # fmt: skip


def candidate(
    ref: str, fleet: FleetFacts, *options: Option, tags: frozenset[str] = frozenset()
) -> Candidate:
    return Candidate(f"ord_{ref}", f"acme/{ref}", 1, tags, fleet, options)


LEFT_OUT = FleetFacts(False, None, "no van has room")


def test_left_out_orders_take_the_cheapest_partner_with_room_hardest_first() -> None:
    """a has only cheap (1 parcel left) at 5.00; b could go to cheap (5.00) or dear (9.00).
    Hardest first: a (one option) takes cheap's last parcel, so b goes to dear."""
    b = candidate("b", LEFT_OUT, option("cheap", 500), option("dear", 900))
    a = candidate("a", LEFT_OUT, option("cheap", 500))
    found = decide([b, a], {"car_cheap": 1, "car_dear": None}, AllocationRules(), BUSY, OWN)
    codes = {d.order_id: d.carrier_code for d in found.decisions}
    assert codes == {"ord_a": "cheap", "ord_b": "dear"}
    dear = next(d for d in found.decisions if d.order_id == "ord_b")
    assert "cheap: no capacity left for 1 parcel(s)" in dear.reasons
    assert found.back_to_fleet == ()


def test_a_planned_order_moves_only_when_cheaper_and_the_fleet_stays_busy() -> None:
    costly = FleetFacts(True, 1200, "Van 1, stop 3 of 9", work_s=400)
    cheap_to_serve = FleetFacts(True, 300, "Van 1, stop 4 of 9", work_s=100)
    x = candidate("x", costly, option("cheap", 500))
    y = candidate("y", cheap_to_serve, option("cheap", 500))
    found = decide([x, y], {"car_cheap": None}, AllocationRules(), BUSY, OWN)
    by = {d.order_id: d for d in found.decisions}
    assert by["ord_x"].carrier_code == "cheap"  # 95 % - 4 % = 91 % >= 90 %
    assert "cheaper than the own fleet's 12.00 EUR marginal cost" in by["ord_x"].summary
    assert by["ord_y"].carrier_code == "own"
    assert "cheap: 5.00 EUR, not cheaper than the own fleet" in by["ord_y"].reasons
    idle = decide([x], {"car_cheap": None}, AllocationRules(), Utilisation(5_000, 10_000), OWN)
    kept = idle.decisions[0]
    assert kept.carrier_code == "own"
    assert kept.summary == "own fleet: preferred up to 90% utilisation"


def test_rules_exclude_by_tag_and_price_and_say_so() -> None:
    rules = AllocationRules(frozenset({("refrigerated", "cheap")}), max_price_cents=800)
    order = candidate(
        "r", LEFT_OUT, option("cheap", 500), option("dear", 900), option("mid", 700),
        tags=frozenset({"refrigerated"}),
    )  # fmt: skip
    found = decide([order], {}, rules, BUSY, OWN).decisions[0]
    assert (found.carrier_code, found.price_cents) == ("mid", 700)
    assert "cheap: rule: orders tagged refrigerated never go to cheap" in found.reasons
    assert any("dear: rule: its price 9.00 EUR is over the maximum" in r for r in found.reasons)


def test_an_order_no_partner_can_take_goes_back_to_the_fleet_unserved() -> None:
    order = candidate("n", LEFT_OUT, option("far", 500, "postcode 99999 is outside its coverage"))
    found = decide([order], {}, AllocationRules(), BUSY, OWN)
    assert found.back_to_fleet == ("ord_n",)
    decision = found.decisions[0]
    assert decision.within_level is False
    assert "far: postcode 99999 is outside its coverage" in decision.reasons
