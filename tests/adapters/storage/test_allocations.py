"""Batch allocation decisions (reasons, price, promise, and the service level and own fleet's
cost as data) and allocation rules stored and read back on both databases; a decision stored
before migration 0014 (its figures only in its reasons) read back through the fallback."""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select

from doorstep.adapters.storage import schema
from doorstep.adapters.storage import tables as t
from doorstep.bootstrap import Container
from doorstep.domain.accounts import Organisation
from doorstep.domain.allocation import AllocationRules, stored_fleet_words, stored_level
from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.rate_shopping import Allocation
from tests.adapters.storage.conftest import T0, order
from tests.adapters.storage.test_carriers import carrier

DAY = date(2026, 11, 23)


def test_a_decision_keeps_its_reasons_price_and_promise(
    container: Container, org: Organisation
) -> None:
    partner = Allocation(
        "org_a", "ord_1", "car_1", DAY, 2, T0, price_cents=1290, currency="EUR",
        promised_by=T0, within_level=True, summary="pk at 12.90 EUR: cheaper",
        reasons=("chosen: pk", "own fleet: 20.00 EUR marginal cost"), kind="partner",
        service_level=ServiceLevel.NEXT_DAY, fleet_cost_cents=2000,
    )  # fmt: skip
    own = Allocation(
        "org_a", "ord_2", None, DAY, 1, T0, price_cents=310, currency="EUR",
        within_level=True, summary="own fleet", reasons=("chosen: own fleet",), kind="own_fleet",
        service_level=ServiceLevel.SAME_DAY, fleet_cost_cents=310,
    )  # fmt: skip
    with container.uow() as uow:
        uow.carriers.add(carrier())
        uow.orders.add(order("org_a", "ord_1", "P-1", "P-2"))
        uow.orders.add(order("org_a", "ord_2", "P-3"))
        uow.carriers.allocate(partner)
        uow.carriers.allocate(own)
        uow.commit()
    with container.reader() as uow:
        assert list(uow.carriers.allocations("org_a", DAY)) == [partner, own]
        assert uow.carriers.allocations("org_a", date(2026, 11, 24)) == []
        assert uow.carriers.allocated("org_a", DAY)["car_1"] == 2
    # The figures are columns of their own, not words.
    a = t.carrier_allocations
    with container.engine.connect() as connection:
        rows = connection.execute(
            select(a.c.order_id, a.c.service_level, a.c.fleet_cost_cents).order_by(a.c.order_id)
        ).all()
    assert [tuple(r) for r in rows] == [("ord_1", "next_day", 2000), ("ord_2", "same_day", 310)]


def test_a_partner_decision_without_a_fleet_cost_reads_back_as_no_room(
    container: Container, org: Organisation
) -> None:
    """None is "no room" for a decision stored with its figures, not "read the reasons": the
    reasons here name another cost, which is not used."""
    partner = Allocation(
        "org_a", "ord_1", "car_1", DAY, 1, T0, price_cents=900, currency="EUR",
        within_level=True, summary="pk at 9.00 EUR: the own fleet has no room for it",
        reasons=("own fleet: 5.00 EUR marginal cost (words that disagree)",), kind="partner",
        service_level=ServiceLevel.SAME_DAY,
    )  # fmt: skip
    with container.uow() as uow:
        uow.carriers.add(carrier())
        uow.orders.add(order("org_a", "ord_1", "P-1"))
        uow.carriers.allocate(partner)
        uow.commit()
    with container.reader() as uow:
        (stored,) = uow.carriers.allocations("org_a", DAY)
    assert stored == partner
    assert stored.fleet_cost_cents is None
    assert stored_fleet_words(stored, "partner") == "no room"
    assert stored_level(stored) is ServiceLevel.SAME_DAY


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_decision_stored_before_0014_reads_its_figures_from_its_reasons(
    container: Container, org: Organisation
) -> None:
    """A decision stored with its figures, the database taken back to 0013 (the columns
    dropped) and migrated again: the row is as one stored before 0014, NULL in both columns,
    and its level and the fleet's side are read from its reasons. (SQLite only: PostgreSQL's
    database is shared by the tests.)"""
    words = (
        "chosen: pk at 12.90 EUR, the cheapest feasible partner with capacity left",
        "service level: next_day (the order is due on 2026-11-24)",
        "own fleet: left out of the plan, 4.10 EUR to insert (left out by the planner)",
    )
    before = Allocation(
        "org_a", "ord_1", "car_1", DAY, 2, T0, price_cents=1290, currency="EUR",
        within_level=True, summary="pk at 12.90 EUR: cheaper", reasons=words, kind="partner",
        service_level=ServiceLevel.NEXT_DAY, fleet_cost_cents=410,
    )  # fmt: skip
    with container.uow() as uow:
        uow.carriers.add(carrier())
        uow.orders.add(order("org_a", "ord_1", "P-1", "P-2"))
        uow.carriers.allocate(before)
        uow.commit()
    config = Config()
    config.set_main_option("script_location", str(schema.MIGRATIONS))
    with container.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0013")
    assert schema.current_revision(container.engine) == "0013"
    assert schema.upgrade(container.engine) == ("0013", schema.head_revision())
    with container.reader() as uow:
        (old,) = uow.carriers.allocations("org_a", DAY)
    assert old == Allocation(
        "org_a", "ord_1", "car_1", DAY, 2, T0, price_cents=1290, currency="EUR",
        within_level=True, summary="pk at 12.90 EUR: cheaper", reasons=words, kind="partner",
    )  # fmt: skip
    assert (old.service_level, old.fleet_cost_cents) == (None, None)
    assert stored_level(old) is ServiceLevel.NEXT_DAY
    assert stored_fleet_words(old, "partner") == "left out of the plan, 4.10 EUR to insert"


def test_rules_default_until_saved_and_are_replaced_whole(
    container: Container, org: Organisation
) -> None:
    with container.reader() as uow:
        assert uow.carriers.rules("org_a") == AllocationRules()
    rules = AllocationRules(frozenset({("refrigerated", "pk")}), 0.8, 2500)
    with container.uow() as uow:
        uow.carriers.save_rules("org_a", rules)
        uow.carriers.save_rules("org_a", rules)
        uow.commit()
    with container.reader() as uow:
        assert uow.carriers.rules("org_a") == rules
