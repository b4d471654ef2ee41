"""Allocation of a day between the own fleet and partners, on fakes with hand-worked prices.

Every order is 1 parcel of 1 kg; partners price by postcode zone with one weight break, so a
price is the zone's (no surcharges). The clock stands at Monday 08:00 in Helsinki, so the
day's orders (no windows) need same_day, which both partners offer (booked by 14:00,
delivered by 21:00). The own fleet is planned by PyVRP (small days: solved exactly)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

import pytest

from doorstep.adapters.solvers.pyvrp_optimizer import PyVRPOptimizer
from doorstep.domain.allocation import AllocationRules
from doorstep.domain.carriers import CarrierKind, Coverage, ServiceLevel
from doorstep.domain.errors import InvalidValue, PermissionDenied
from doorstep.domain.fleet import Capacity, VehicleCosts
from doorstep.domain.geo import Location
from doorstep.domain.orders import Address, Order
from doorstep.domain.rates import RateCard, WeightBreak, Zone
from doorstep.domain.stations import Station
from doorstep.services import fleet, orders
from doorstep.services.authorization import Principal
from doorstep.services.carriers import allocation, registry
from tests.services.conftest import Ports, order_fields, vehicle_fields
from tests.services.planning.test_day import StraightTravel
from tests.services.planning.test_runs import DAY, station

__all__ = ["station"]  # the fixture

MONDAY_8 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 08:00 in Helsinki
NEAR = Location(60.18, 24.95)  # about 1.3 km from the station
FAR = Location(60.35, 24.60)  # about 28 km away


def partner(ports: Ports, admin: Principal, code: str, prices: dict[str, int], **more: Any) -> str:
    """A same-day partner covering postcodes 00..., priced per zone (prefix -> cents)."""
    fields = {
        "code": code,
        "name": code.title(),
        "kind": CarrierKind.PARTNER,
        "service_levels": frozenset({ServiceLevel.SAME_DAY}),
        "coverage": Coverage(frozenset({"00"})),
        "cutoff": time(14),
        "deliver_by": time(21),
    } | more
    made = registry.add_carrier(admin, fields, uow=ports.uow, clock=ports.clock, ids=ports.ids)
    zones = tuple(
        Zone(prefix, (WeightBreak(Decimal(35), cents),), postcode_prefixes=frozenset({prefix}))
        for prefix, cents in prices.items()
    )
    card = RateCard(code, ServiceLevel.SAME_DAY, "EUR", zones)
    with ports.uow as uow:
        uow.rate_cards.put(admin.organisation_id, made.id, card, MONDAY_8)
        uow.commit()
    return made.id


def van(ports: Ports, admin: Principal, parcels: int, **more: Any) -> None:
    fields = vehicle_fields(
        "HEL1", "Van 1", capacity=Capacity(800, 6000, parcels), costs=VehicleCosts(0.45, 30, 0)
    )
    fleet.add_vehicle(admin, fields | more, uow=ports.uow, ids=ports.ids)


def day_order(
    ports: Ports, admin: Principal, ref: str, postcode: str, at: Location = NEAR, **more: Any
) -> Order:
    where = Address(f"Street {ref}, {postcode} Helsinki", postcode=postcode)
    fields = order_fields(ref, station_id="HEL1", location=at, service_date=DAY, address=where)
    return orders.create_order(
        admin, fields | more, uow=ports.uow, clock=ports.clock, ids=ports.ids
    )


def allocate(ports: Ports, admin: Principal) -> allocation.AllocationRun:
    alloc_ports = allocation.AllocationPorts(
        ports.uow, StraightTravel(), PyVRPOptimizer(), ports.clock, ports.ids
    )
    return allocation.run(admin, "HEL1", DAY, ports=alloc_ports, time_limit_s=1.0)


def by_ref(run: allocation.AllocationRun) -> dict[str, Any]:
    return {d.label.split("/")[1]: d for d in run.decisions}


@pytest.fixture(autouse=True)
def monday(ports: Ports, station: Station) -> None:
    ports.clock.current = MONDAY_8


def test_a_day_beyond_the_fleet_sends_the_cheapest_to_outsource_orders_to_partners(
    ports: Ports, admin: Principal
) -> None:
    """A van for 2 parcels, 4 orders at one place: A and B cost 5.00 to hand over (zone 001),
    C and D 30.00 (zone 002). Serving any two costs the fleet the same, so it keeps C and D
    and the partner gets A and B at 5.00 each."""
    van(ports, admin, parcels=2)
    partner(ports, admin, "cheapco", {"001": 500, "002": 3000})
    for ref, postcode in [("A", "00100"), ("B", "00100"), ("C", "00200"), ("D", "00200")]:
        day_order(ports, admin, ref, postcode)
    run = allocate(ports, admin)
    found = by_ref(run)
    assert {r: d.carrier_code for r, d in found.items()} == {
        "A": "cheapco", "B": "cheapco", "C": "own_fleet", "D": "own_fleet",
    }  # fmt: skip
    assert found["A"].price_cents == found["B"].price_cents == 500
    assert all(d.within_level for d in run.decisions)
    assert "the own fleet has no room for it" in found["A"].summary
    assert found["A"].promised_by == datetime(2026, 11, 23, 19, 0, tzinfo=UTC)  # 21:00 local
    assert run.version is not None
    assert set(run.version.plan.route_of(found["C"].order_id).stop_ids) == {  # type: ignore[union-attr]
        found["C"].order_id, found["D"].order_id,
    }  # fmt: skip
    assert run.totals() == {
        "own_fleet": 2, "partner": 2, "not_served": 0, "partner_cents": 1000,
        "fleet_cents": found["C"].price_cents + found["D"].price_cents,
    }  # fmt: skip


def test_every_order_is_decided_once_and_recorded_with_its_reasons(
    ports: Ports, admin: Principal
) -> None:
    van(ports, admin, parcels=2)
    partner(ports, admin, "cheapco", {"001": 500, "002": 3000})
    for ref, postcode in [("A", "00100"), ("B", "00100"), ("C", "00200")]:
        day_order(ports, admin, ref, postcode)
    run = allocate(ports, admin)
    allocate(ports, admin)  # again: each order's decision replaces its earlier one
    with ports.uow as uow:
        stored = uow.carriers.allocations(admin.organisation_id, DAY)
    assert sorted(a.order_id for a in stored) == sorted(d.order_id for d in run.decisions)
    assert len(stored) == 3
    for a in stored:
        assert a.summary
        assert a.kind in {"own_fleet", "partner"}
        assert a.reasons[0].startswith("chosen: ")
        assert any(r.startswith("own fleet") or "own fleet" in r for r in a.reasons)
    listed = allocation.list_allocations(admin, "HEL1", DAY, uow=ports.uow)
    assert len(listed) == 3
    assert all(order is not None for _, order, _ in listed)


def test_a_rule_excludes_a_partner_and_the_reason_says_so(ports: Ports, admin: Principal) -> None:
    """The van has no refrigeration, so R cannot ride it; cheapco (5.00) would take it but the
    organisation never hands refrigerated orders to cheapco: dearco at 9.00 does."""
    van(ports, admin, parcels=10)
    handles = {"handles": frozenset({"refrigerated"})}
    partner(ports, admin, "cheapco", {"001": 500}, **handles)
    partner(ports, admin, "dearco", {"001": 900}, **handles)
    day_order(ports, admin, "R", "00100", required_skills=frozenset({"refrigerated"}))
    rules = AllocationRules(frozenset({("refrigerated", "cheapco")}))
    allocation.set_rules(admin, rules, uow=ports.uow)
    found = by_ref(allocate(ports, admin))["R"]
    assert (found.carrier_code, found.price_cents) == ("dearco", 900)
    assert "cheapco: rule: orders tagged refrigerated never go to cheapco" in found.reasons
    assert allocation.get_rules(admin, uow=ports.uow) == rules


def test_the_own_fleet_is_preferred_up_to_its_utilisation_share(
    ports: Ports, admin: Principal
) -> None:
    """F is 28 km out: the van's round trip costs far more than cheapco's 5.00. With the
    default rule (own fleet preferred up to 90 % of its working time) an idle van keeps it,
    and says why; with a share of 0 the partner gets it as the cheaper."""
    van(ports, admin, parcels=10)
    partner(ports, admin, "cheapco", {"001": 500})
    day_order(ports, admin, "F", "00100", at=FAR)
    kept = by_ref(allocate(ports, admin))["F"]
    assert kept.kind is CarrierKind.OWN_FLEET
    assert (kept.price_cents or 0) > 500
    assert any("preferred up to 90%" in r for r in kept.reasons)
    allocation.set_rules(admin, AllocationRules(own_fleet_share=0.0), uow=ports.uow)
    moved = by_ref(allocate(ports, admin))["F"]
    assert (moved.carrier_code, moved.price_cents) == ("cheapco", 500)
    assert "cheaper than the own fleet's" in moved.summary


def test_partner_capacity_is_respected(ports: Ports, admin: Principal) -> None:
    """The van takes 1 parcel; of the 3 orders handed over, cheapco (1 parcel a day) takes one
    and dearco the others, whose reasons say cheapco was full."""
    van(ports, admin, parcels=1)
    partner(ports, admin, "cheapco", {"001": 500}, capacity_per_day=1)
    partner(ports, admin, "dearco", {"001": 900})
    for ref in "ABCD":
        day_order(ports, admin, ref, "00100")
    run = allocate(ports, admin)
    codes = [d.carrier_code for d in run.decisions]
    assert sorted(codes) == ["cheapco", "dearco", "dearco", "own_fleet"]
    for d in run.decisions:
        if d.carrier_code == "dearco":
            assert "cheapco: no capacity left for 1 parcel(s)" in d.reasons
    assert all(d.within_level for d in run.decisions)


def test_an_order_nobody_can_take_is_recorded_as_not_served(ports: Ports, admin: Principal) -> None:
    van(ports, admin, parcels=1)
    partner(ports, admin, "cheapco", {"001": 500}, capacity_per_day=1)
    for ref in "ABC":
        day_order(ports, admin, ref, "00100")
    run = allocate(ports, admin)
    assert [d.within_level for d in run.decisions].count(False) == 1
    missed = next(d for d in run.decisions if not d.within_level)
    assert missed.kind is CarrierKind.OWN_FLEET
    assert "not served" in missed.summary
    assert run.totals()["not_served"] == 1


def test_a_maximum_price_excludes_dearer_partners(ports: Ports, admin: Principal) -> None:
    van(ports, admin, parcels=1)
    partner(ports, admin, "dearco", {"001": 900})
    for ref in "AB":
        day_order(ports, admin, ref, "00100")
    allocation.set_rules(admin, AllocationRules(max_price_cents=800), uow=ports.uow)
    run = allocate(ports, admin)
    missed = next(d for d in run.decisions if not d.within_level)
    assert any("over the maximum of 8.00 EUR" in r for r in missed.reasons)


def test_rules_and_input_are_checked(ports: Ports, admin: Principal) -> None:
    with pytest.raises(InvalidValue):
        AllocationRules(own_fleet_share=1.5)
    with pytest.raises(InvalidValue):
        AllocationRules(max_price_cents=0)
    alloc_ports = allocation.AllocationPorts(
        ports.uow, StraightTravel(), PyVRPOptimizer(), ports.clock, ports.ids
    )
    with pytest.raises(InvalidValue):
        allocation.run(admin, "HEL1", DAY, ports=alloc_ports, time_limit_s=0)
    nobody = replace(admin, roles=frozenset())
    with pytest.raises(PermissionDenied):
        allocation.run(nobody, "HEL1", DAY, ports=alloc_ports, time_limit_s=1)
