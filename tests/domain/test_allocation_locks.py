"""``decide`` with locked stops; every decision's service level and own fleet's cost as data;
and, for decisions stored before those were (migration 0014), the same read back from their
reasons: the service level a partner decision was made for (``level_of``) and the own fleet's
side (``fleet_cost``)."""

from __future__ import annotations

from dataclasses import replace

from doorstep.domain.allocation import (
    AllocationRules,
    FleetFacts,
    Utilisation,
    decide,
    fleet_cost,
    fleet_words,
    level_of,
)
from doorstep.domain.carriers import CarrierKind, ServiceLevel
from doorstep.domain.rate_shopping import Option
from tests.domain.test_allocation import BUSY, LEFT_OUT, OWN, candidate, option


def test_a_locked_stop_stays_whatever_a_partner_charges_and_takes_no_partner_capacity() -> None:
    """x costs the fleet 12.00 and cheap would take it for 1.00, but the planner locked it on
    Van 1: it stays, saying so, and cheap's one parcel left goes to y (left out)."""
    costly = FleetFacts(True, 1200, "Van 1, stop 3 of 9", work_s=400)
    x = replace(candidate("x", costly, option("cheap", 100)), locked_on="Van 1")
    y = candidate("y", LEFT_OUT, option("cheap", 100))
    found = decide([x, y], {"car_cheap": 1}, AllocationRules(own_fleet_share=0), BUSY, OWN)
    by = {d.order_id: d for d in found.decisions}
    kept = by["ord_x"]
    assert (kept.kind, kept.carrier_code, kept.price_cents) == (CarrierKind.OWN_FLEET, "own", 1200)
    assert kept.within_level
    assert kept.summary == "kept: locked on Van 1 by the planner"
    assert kept.reasons == (
        "kept: locked on Van 1 by the planner",
        "own fleet: 12.00 EUR marginal cost (Van 1, stop 3 of 9)",
        "cheap: 1.00 EUR, not asked: the order is locked",
    )
    assert (by["ord_y"].carrier_code, by["ord_y"].price_cents) == ("cheap", 100)
    assert found.back_to_fleet == ()


def test_without_the_lock_the_same_stop_goes_to_the_partner() -> None:
    costly = FleetFacts(True, 1200, "Van 1, stop 3 of 9", work_s=400)
    x = candidate("x", costly, option("cheap", 100))
    found = decide([x], {"car_cheap": None}, AllocationRules(own_fleet_share=0), BUSY, OWN)
    assert found.decisions[0].carrier_code == "cheap"


def test_a_partner_decision_names_its_level_and_the_fleets_side_which_read_back() -> None:
    c = replace(
        candidate("a", LEFT_OUT, option("cheap", 500)), need="same_day: the order is due today"
    )
    d = decide([c], {}, AllocationRules(), Utilisation(0, 1), OWN).decisions[0]
    assert d.service_level is ServiceLevel.SAME_DAY
    assert d.reasons[1] == "service level: same_day (the order is due today)"
    assert level_of(d.reasons) is ServiceLevel.SAME_DAY
    assert fleet_cost("partner", d.price_cents, "EUR", d.reasons) == "no room"
    assert level_of(["chosen: own fleet", "service level: overnight"]) is None
    assert level_of([]) is None
    inserted = ["own fleet: left out of the plan, 4.10 EUR to insert (left out by the planner)"]
    assert fleet_cost("partner", 500, "EUR", inserted) == "left out of the plan, 4.10 EUR to insert"
    assert fleet_cost("own_fleet", 154, "EUR", []) == "1.54 EUR marginal cost"


def test_every_decision_carries_its_service_level_and_the_fleets_cost_as_data() -> None:
    """Six next-day orders, the rules letting the fleet go down to 0 % (moves always allowed),
    cheap taking any of them at 5.00 (far at none: outside its coverage):

    - p, on a route saving 12.00 without it: moves to cheap (5.00 < 12.00); the fleet's 12.00;
    - k, on a route saving 3.00: stays (5.00 is not cheaper); price and fleet cost 3.00;
    - i, left out, 4.10 to insert: to cheap, the plan leaves it out; the fleet's 4.10;
    - r, left out with no room: to cheap; no fleet cost (None, "no room");
    - n, left out, 4.10 to insert, only far (infeasible): not served; the fleet's 4.10;
    - l, locked on Van 1 saving 12.00: stays; price and fleet cost 12.00.
    Every one names next_day, the level it needs (the partners' options are for it)."""
    level = ServiceLevel.NEXT_DAY

    def next_day(code: str, cents: int, *reasons: str) -> Option:
        return replace(option(code, cents, *reasons), service_level=level)

    inserted = FleetFacts(False, 410, "left out by the planner")
    facts = {
        "p": FleetFacts(True, 1200, "Van 1, stop 3 of 9", work_s=400),
        "k": FleetFacts(True, 300, "Van 1, stop 4 of 9", work_s=100),
        "i": inserted,
        "r": LEFT_OUT,
        "n": inserted,
        "l": FleetFacts(True, 1200, "Van 1, stop 5 of 9", work_s=400),
    }
    cheap = next_day("cheap", 500)
    far = next_day("far", 500, "postcode 99999 is outside its coverage")
    candidates = [
        replace(
            candidate(ref, fleet, far if ref == "n" else cheap),
            level=level,
            locked_on="Van 1" if ref == "l" else "",
        )
        for ref, fleet in facts.items()
    ]
    rules = AllocationRules(own_fleet_share=0)
    found = decide(candidates, {"car_cheap": None}, rules, BUSY, OWN)
    got = {
        d.order_id.removeprefix("ord_"): (
            d.carrier_code, d.price_cents, d.within_level, d.service_level, d.fleet_cost_cents
        )
        for d in found.decisions
    }  # fmt: skip
    assert got == {
        "p": ("cheap", 500, True, level, 1200),
        "k": ("own", 300, True, level, 300),
        "i": ("cheap", 500, True, level, 410),
        "r": ("cheap", 500, True, level, None),
        "n": ("own", None, False, level, 410),
        "l": ("own", 1200, True, level, 1200),
    }
    assert found.back_to_fleet == ("ord_n",)
    by = {d.order_id: d for d in found.decisions}
    # The words say the same as the data, which is what is shown from now on.
    assert "own fleet: left out of the plan, 4.10 EUR to insert" in by["ord_i"].reasons[2]
    assert fleet_words(by["ord_i"].fleet_cost_cents, "EUR") == "4.10 EUR marginal cost"
    assert fleet_words(by["ord_r"].fleet_cost_cents, "EUR") == "no room"
    assert fleet_words(by["ord_p"].fleet_cost_cents, "EUR") == "12.00 EUR marginal cost"


def test_a_candidate_without_a_level_gives_own_fleet_decisions_none() -> None:
    """The level comes from the candidate (own fleet) or the option it is booked at (partner):
    without the candidate's, an own-fleet decision has none."""
    kept = candidate("k", FleetFacts(True, 300, "Van 1, stop 4 of 9", work_s=100))
    moved = candidate("m", LEFT_OUT, option("cheap", 500))
    found = decide([kept, moved], {}, AllocationRules(), BUSY, OWN)
    assert [(d.carrier_code, d.service_level) for d in found.decisions] == [
        ("own", None), ("cheap", ServiceLevel.SAME_DAY),
    ]  # fmt: skip
