"""Batch allocation decisions (reasons, price, promise) and allocation rules stored and read
back on both databases."""

from __future__ import annotations

from datetime import date

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Organisation
from doorstep.domain.allocation import AllocationRules
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
    )  # fmt: skip
    own = Allocation(
        "org_a", "ord_2", None, DAY, 1, T0, price_cents=310, currency="EUR",
        within_level=True, summary="own fleet", reasons=("chosen: own fleet",), kind="own_fleet",
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
