"""The pure rules of rate shopping: the level an order needs, each exclusion, the ranking."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from doorstep.domain.carriers import Carrier, CarrierKind, Coverage, ServiceLevel
from doorstep.domain.orders import Address, Order, OrderKind, Parcel, Recipient
from doorstep.domain.rate_shopping import FleetCost, judge, needed_level, ranked
from doorstep.domain.schedules import TimeWindow

HELSINKI = ZoneInfo("Europe/Helsinki")
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI)


def order(**changes: Any) -> Order:
    fields: dict[str, Any] = {
        "id": "ord_1",
        "organisation_id": "org_1",
        "shipper": "acme",
        "shipper_reference": "R-1",
        "kind": OrderKind.DELIVERY,
        "recipient": Recipient("Ann"),
        "address": Address("Street 1, 00100 Helsinki", postcode="00100"),
        "created_at": MONDAY_10,
        "service_date": date(2026, 11, 24),
        "parcels": (Parcel("P1", 2.0, 30, 20, 10),),
    }
    return Order(**(fields | changes))


def carrier(code: str = "pk", **changes: Any) -> Carrier:
    fields: dict[str, Any] = {
        "id": f"car_{code}",
        "organisation_id": "org_1",
        "code": code,
        "name": code.title(),
        "kind": CarrierKind.PARTNER,
        "service_levels": frozenset({ServiceLevel.NEXT_DAY}),
        "coverage": Coverage(frozenset({"00"})),
        "created_at": MONDAY_10,
        "cutoff": time(18),
        "deliver_by": time(17),
    }
    return Carrier(**(fields | changes))


def test_the_level_follows_the_windows_then_the_day() -> None:
    nine = datetime(2026, 11, 24, 9, tzinfo=HELSINKI)
    windowed = order(time_windows=(TimeWindow(nine, nine + timedelta(hours=3)),))
    need = needed_level(windowed, MONDAY_10, HELSINKI)
    assert (need.level, need.deadline) == (ServiceLevel.SCHEDULED, nine + timedelta(hours=3))
    today = needed_level(order(service_date=date(2026, 11, 23)), MONDAY_10, HELSINKI)
    assert today.level is ServiceLevel.SAME_DAY
    assert today.deadline == datetime(2026, 11, 24, tzinfo=HELSINKI)
    later = needed_level(order(), MONDAY_10, HELSINKI)
    assert (later.level, later.deadline) == (
        ServiceLevel.NEXT_DAY,
        datetime(2026, 11, 25, tzinfo=HELSINKI),
    )
    undated = needed_level(order(service_date=None), MONDAY_10, HELSINKI)
    assert (undated.level, undated.deadline) == (ServiceLevel.NEXT_DAY, None)


def test_every_failing_check_is_reported_together() -> None:
    big = order(
        address=Address("Far away 1, 99999 Utsjoki", postcode="99999"),
        parcels=(Parcel("P1", 40.0, 160, 20, 10),),
        required_skills=frozenset({"refrigerated"}),
    )
    small = carrier(capacity_per_day=1, max_weight_kg=30, max_side_cm=120)
    need = needed_level(big, MONDAY_10, HELSINKI)
    option = judge(small, big, need, None, used_parcels=1, booked_at=MONDAY_10, zone=HELSINKI)
    assert not option.feasible
    assert option.reasons == (
        "postcode 99999 is outside its coverage",
        "parcel P1 weighs 40 kg, over its limit of 30 kg",
        "parcel P1 has a side of 160 cm, over its limit of 120 cm",
        "it does not handle refrigerated",
        "no capacity left: 1 of its 1 parcels a day are allocated, 0 left for the order's 1",
        "it has no rate card for next_day",
    )


def test_a_promise_after_the_deadline_excludes() -> None:
    """Booked Monday 19:00, after the 18:00 cutoff: delivered Wednesday 17:00, too late for an
    order due Tuesday."""
    late = MONDAY_10.replace(hour=19)
    need = needed_level(order(), late, HELSINKI)
    option = judge(carrier(), order(), need, None, used_parcels=0, booked_at=late, zone=HELSINKI)
    assert option.due == datetime(2026, 11, 25, 17, tzinfo=HELSINKI)
    assert (
        "booked now it delivers by 2026-11-25 17:00, after the order's deadline"
        in (option.reasons[0])
    )


def test_cheapest_feasible_first_and_chosen() -> None:
    own = carrier("own", kind=CarrierKind.OWN_FLEET)
    need = needed_level(order(), MONDAY_10, HELSINKI)

    def fleet(cents: int | None) -> Any:
        explanation = "cheap" if cents is not None else "no room: full"
        return judge(
            own,
            order(),
            need,
            FleetCost(cents, "EUR", explanation, datetime(2026, 11, 24, 9, tzinfo=UTC)),
            used_parcels=0,
            booked_at=MONDAY_10,
            zone=HELSINKI,
        )

    cheap, full = fleet(250), fleet(None)
    assert (cheap.feasible, full.feasible) == (True, False)
    assert full.reasons == ("no room: full",)
    other = judge(carrier("aa"), order(), need, None, used_parcels=0, booked_at=MONDAY_10,
                  zone=HELSINKI)  # fmt: skip
    options = ranked([other, full, cheap])
    assert [(o.carrier_code, o.chosen) for o in options] == [
        ("own", True),
        ("aa", False),
        ("own", False),
    ]
    assert not any(o.chosen for o in ranked([other, full]))


def test_a_pickup_stays_with_the_own_fleet() -> None:
    """Partners deliver: a return to collect is excluded, with the reason; the own fleet's
    option for it is judged as usual."""
    collect = order(kind=OrderKind.PICKUP)
    need = needed_level(collect, MONDAY_10, HELSINKI)
    option = judge(
        carrier(), collect, need, None, used_parcels=0, booked_at=MONDAY_10, zone=HELSINKI
    )
    assert "the order is a pickup to collect, and partners only deliver" in option.reasons
    own = carrier("own", kind=CarrierKind.OWN_FLEET)
    fleet = judge(own, collect, need, None, used_parcels=0, booked_at=MONDAY_10, zone=HELSINKI)
    assert not any("pickup" in reason for reason in fleet.reasons)
