"""An allocation's service level and the own fleet's cost are stored as data with each decision,
and the hand-off books the stored level; a decision stored before they were (migration 0014:
NULL in both) is still booked at the level its reasons name.

The old-row cases book with pakettiexpress, which offers only next_day, an order due today:
what the order needs now is same_day, so only the allocation's level (next_day) lets it
through; without one the hand-off asks for same_day and is refused."""

from __future__ import annotations

from doorstep.domain.allocation import fleet_words
from doorstep.domain.carriers import CarrierKind, ServiceLevel
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.rate_shopping import Allocation
from doorstep.services.authorization import Principal
from doorstep.services.carriers import allocation, handoff
from tests.services.carriers.test_allocation import (
    MONDAY_8,
    allocate,
    by_ref,
    day_order,
    monday,
    partner,
    van,
)
from tests.services.carriers.test_handoff import (
    SECRET,
    FakeGateway,
    gateway,
    hports,
    ready_order,
    status_of,
)
from tests.services.carriers.test_registry import import_samples
from tests.services.conftest import Ports
from tests.services.planning.test_runs import DAY, station

__all__ = ["gateway", "hports", "monday", "station"]  # the fixtures

NEXT_DAY_ONLY = "pakettiexpress"
# The reasons a partner decision was stored with before 0014, word for word.
OLD_REASONS = (
    "chosen: pakettiexpress at 9.90 EUR, the cheapest feasible partner with capacity left",
    "service level: next_day (the order is due on 2026-11-24)",
    "own fleet: left out of the plan, 4.10 EUR to insert (left out by the planner)",
)


def test_each_stored_decision_keeps_its_level_and_the_fleets_cost(
    ports: Ports, admin: Principal
) -> None:
    """As ``test_allocation``'s first day: a van for 2 parcels, A and B to cheapco (no room
    left in the van for them: no fleet cost), C and D kept, their price their marginal cost.
    All four are due today: same_day."""
    van(ports, admin, parcels=2)
    partner(ports, admin, "cheapco", {"001": 500, "002": 3000})
    for ref, postcode in [("A", "00100"), ("B", "00100"), ("C", "00200"), ("D", "00200")]:
        day_order(ports, admin, ref, postcode)
    found = by_ref(allocate(ports, admin))
    for ref in "AB":
        assert (found[ref].kind, found[ref].fleet_cost_cents) == (CarrierKind.PARTNER, None)
        assert "own fleet: no room" in " ".join(found[ref].reasons)
    for ref in "CD":
        kept = found[ref]
        assert kept.kind is CarrierKind.OWN_FLEET
        assert kept.price_cents is not None
        assert kept.price_cents > 0
        assert kept.fleet_cost_cents == kept.price_cents
    assert {d.service_level for d in found.values()} == {ServiceLevel.SAME_DAY}

    listed = allocation.list_allocations(admin, "HEL1", DAY, uow=ports.uow)
    stored = {row.order_id: row for row, _, _ in listed}
    assert len(stored) == 4
    for d in found.values():
        row = stored[d.order_id]
        assert row.service_level is ServiceLevel.SAME_DAY
        assert row.fleet_cost_cents == d.fleet_cost_cents
    assert fleet_words(stored[found["A"].order_id].fleet_cost_cents, "EUR") == "no room"


def _next_day_partner(ports: Ports, admin: Principal) -> str:
    import_samples(ports, admin)
    handoff.connect(
        admin, NEXT_DAY_ONLY, base_url="https://partner.test/v1", api_key="key",
        webhook_secret=SECRET, uow=ports.uow, clock=ports.clock,
    )  # fmt: skip
    with ports.uow as uow:
        (found,) = [c for c in uow.carriers.list(admin.organisation_id) if c.code == NEXT_DAY_ONLY]
    return found.id


def _store(
    ports: Ports,
    admin: Principal,
    order_id: str,
    carrier_id: str,
    reasons: tuple[str, ...] = OLD_REASONS,
    level: ServiceLevel | None = None,
) -> None:
    """A partner decision as ``allocation.run`` records it; without ``level`` as one stored
    before 0014 (NULL in its figures' columns)."""
    decision = Allocation(
        admin.organisation_id, order_id, carrier_id, DAY, 1, MONDAY_8, price_cents=990,
        currency="EUR", within_level=True, summary="pakettiexpress at 9.90 EUR: cheaper",
        reasons=reasons, kind="partner", service_level=level,
    )  # fmt: skip
    with ports.uow as uow:
        uow.carriers.allocate(decision)
        uow.commit()


def test_an_old_row_is_handed_off_at_the_level_its_reasons_name(
    ports: Ports, admin: Principal, gateway: FakeGateway, hports: handoff.HandoffPorts
) -> None:
    carrier_id = _next_day_partner(ports, admin)
    order = ready_order(ports, admin, "OLD-1")  # due today: it needs same_day now
    _store(ports, admin, order.id, carrier_id)  # no level, no fleet cost: as before 0014
    report = allocation.hand_off_allocated(admin, "HEL1", DAY, ports=hports)
    (outcome,) = report.outcomes
    assert (outcome.booked, outcome.carrier_code, outcome.service_level) == (
        True, NEXT_DAY_ONLY, ServiceLevel.NEXT_DAY,
    )  # fmt: skip
    assert [r.service_level for r in gateway.requests] == [ServiceLevel.NEXT_DAY]
    assert status_of(ports, admin, order.id) is OrderStatus.HANDED_OFF


def test_the_stored_level_is_booked_and_not_the_words(
    ports: Ports, admin: Principal, gateway: FakeGateway, hports: handoff.HandoffPorts
) -> None:
    """A decision stored with its level books that level, even when its reasons (here the old
    ones, minus the level's line) name none; the same without a level and without the line
    asks for what the order needs today, same_day, which pakettiexpress does not offer."""
    carrier_id = _next_day_partner(ports, admin)
    words = tuple(r for r in OLD_REASONS if not r.startswith("service level: "))
    new = ready_order(ports, admin, "NEW-1")
    _store(ports, admin, new.id, carrier_id, words, ServiceLevel.NEXT_DAY)
    report = allocation.hand_off_allocated(admin, "HEL1", DAY, ports=hports)
    assert [(o.booked, o.service_level) for o in report.outcomes] == [(True, ServiceLevel.NEXT_DAY)]
    assert [r.service_level for r in gateway.requests] == [ServiceLevel.NEXT_DAY]

    bare = ready_order(ports, admin, "BARE-1")
    _store(ports, admin, bare.id, carrier_id, words)
    again = allocation.hand_off_allocated(admin, "HEL1", DAY, ports=hports)
    (refused,) = again.outcomes
    assert (refused.order_id, refused.booked, refused.service_level) == (bare.id, False, None)
    assert "pakettiexpress does not offer same_day" in refused.reason
    assert again.already_handed_off == 1
