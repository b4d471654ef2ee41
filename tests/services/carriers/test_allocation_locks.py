"""Allocation keeps the planner's locks, as ``runs.plan_day`` does: a locked stop is never
handed to a partner, however cheap, and the stored version carries the locks forward.

Hand-worked: the van carries 2 parcels; cheapco takes zone 001 at 5.00 and zone 002 at
30.00 (same day, every order 1 parcel at the same place). Unlocked, A and B (5.00 each) go
to cheapco and the van keeps C and D (30.00 each to outsource), as in ``test_allocation``.
With A and B locked on Van 1 by the planner, the van is full with them, so C and D must go
to cheapco at 30.00 each."""

from __future__ import annotations

from doorstep.adapters.solvers.pyvrp_optimizer import PyVRPOptimizer
from doorstep.domain.carriers import CarrierKind
from doorstep.domain.stations import Station
from doorstep.planning.problem import LockedRoute
from doorstep.services.authorization import Principal
from doorstep.services.carriers import allocation
from doorstep.services.planning import runs
from tests.services.carriers.test_allocation import (
    allocate,
    by_ref,
    day_order,
    monday,
    partner,
    van,
)
from tests.services.conftest import Ports
from tests.services.planning.test_day import StraightTravel
from tests.services.planning.test_runs import DAY, station

__all__ = ["monday", "station"]  # the fixtures


def test_a_locked_stop_stays_with_the_fleet_though_a_partner_is_cheaper(
    ports: Ports, admin: Principal, station: Station
) -> None:
    van(ports, admin, parcels=2)
    partner(ports, admin, "cheapco", {"001": 500, "002": 3000})
    a = day_order(ports, admin, "A", "00100")
    b = day_order(ports, admin, "B", "00100")
    first = runs.plan_day(
        admin, "HEL1", DAY, uow=ports.uow, travel=StraightTravel(), optimizer=PyVRPOptimizer(),
        clock=ports.clock, ids=ports.ids, time_limit_s=1.0,
    )  # fmt: skip
    route = next(r for r in first.plan.routes if r.visits)
    assert set(route.stop_ids) == {a.id, b.id}
    locked = runs.lock(admin, first.id, route.vehicle_id, uow=ports.uow)
    day_order(ports, admin, "C", "00200")
    day_order(ports, admin, "D", "00200")

    run = allocate(ports, admin)
    found = by_ref(run)
    assert {r: (d.carrier_code, d.price_cents) for r, d in found.items() if r in "CD"} == {
        "C": ("cheapco", 3000), "D": ("cheapco", 3000),
    }  # fmt: skip
    for ref in "AB":
        kept = found[ref]
        assert kept.kind is CarrierKind.OWN_FLEET
        assert kept.within_level
        assert kept.summary == "kept: locked on Van 1 by the planner"
        assert kept.reasons[0] == "kept: locked on Van 1 by the planner"
        assert "cheapco: 5.00 EUR, not asked: the order is locked" in kept.reasons
    # The stored version keeps the lock and the locked route, and the decisions are stored.
    assert run.version is not None
    assert run.version.locked == locked.locked == (LockedRoute(route.vehicle_id, route.stop_ids),)
    assert run.version.plan.route_of(a.id).stop_ids[:2] == route.stop_ids  # type: ignore[union-attr]
    listed = allocation.list_allocations(admin, "HEL1", DAY, uow=ports.uow)
    stored = {row.order_id: row.summary for row, _, _ in listed}
    assert stored[a.id] == stored[b.id] == "kept: locked on Van 1 by the planner"
    assert run.outcome() == "2 orders to the own fleet, 2 to partners (Cheapco 2)"


def test_without_the_lock_the_cheap_orders_go_to_the_partner(
    ports: Ports, admin: Principal, station: Station
) -> None:
    """The control: the same day without a lock sends A and B to cheapco (so the lock above
    is what keeps them)."""
    van(ports, admin, parcels=2)
    partner(ports, admin, "cheapco", {"001": 500, "002": 3000})
    for ref, postcode in [("A", "00100"), ("B", "00100"), ("C", "00200"), ("D", "00200")]:
        day_order(ports, admin, ref, postcode)
    found = by_ref(allocate(ports, admin))
    assert {r: d.carrier_code for r, d in found.items()} == {
        "A": "cheapco", "B": "cheapco", "C": "own_fleet", "D": "own_fleet",
    }  # fmt: skip
    assert found["A"].reasons[1].startswith("service level: same_day")
