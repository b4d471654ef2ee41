"""Carriers, rate cards (JSON of the dataclass) and allocations stored and read back."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

from doorstep.adapters.storage.carriers import rate_card_from, rate_card_json
from doorstep.bootstrap import Container
from doorstep.domain.accounts import Organisation
from doorstep.domain.carriers import Carrier, CarrierKind, Coverage, ServiceLevel
from doorstep.domain.rate_shopping import Allocation
from doorstep.services.carriers import SAMPLE_RATE_CARDS
from doorstep.services.carriers.rate_card_file import read_rate_cards
from tests.adapters.storage.conftest import T0, order, organisation
from tests.services.carriers.test_registry import rows_of


def carrier(org_id: str = "org_a", carrier_id: str = "car_1", code: str = "pk") -> Carrier:
    return Carrier(
        id=carrier_id,
        organisation_id=org_id,
        code=code,
        name="Pakettiexpress",
        kind=CarrierKind.PARTNER,
        service_levels=frozenset({ServiceLevel.NEXT_DAY, ServiceLevel.SAME_DAY}),
        coverage=Coverage(frozenset({"001", "002"}), (((60.1, 24.8), (60.1, 25.1), (60.3, 25.1)),)),
        created_at=T0,
        capacity_per_day=200,
        max_weight_kg=31.5,
        max_side_cm=150,
        handles=frozenset({"age_check", "lift_gate"}),
        cutoff=time(14, 30),
        deliver_by=time(21),
    )


def test_the_sample_cards_round_trip_through_json_exactly() -> None:
    for card in read_rate_cards(rows_of(SAMPLE_RATE_CARDS)).values():
        assert rate_card_from(rate_card_json(card)) == card


def test_carriers_cards_and_allocations_are_stored_per_organisation(
    container: Container, org: Organisation
) -> None:
    cards = read_rate_cards(rows_of(SAMPLE_RATE_CARDS))
    card = cards["pakettiexpress", ServiceLevel.NEXT_DAY]
    with container.uow() as uow:
        uow.organisations.add(organisation("org_b"))
        uow.carriers.add(carrier())
        uow.carriers.add(carrier("org_b", "car_2"))
        uow.orders.add(order("org_a", "ord_1", "P-1", "P-2"))
        uow.rate_cards.put("org_a", "car_1", card, T0)
        uow.rate_cards.put("org_a", "car_1", card, T0)  # replaced, not doubled
        uow.carriers.allocate(Allocation("org_a", "ord_1", "car_1", date(2026, 11, 23), 2, T0))
        uow.carriers.allocate(Allocation("org_a", "ord_1", "car_1", date(2026, 11, 23), 3, T0))
        uow.commit()
    with container.reader() as uow:
        assert uow.carriers.get("org_a", "car_1") == carrier()
        assert uow.carriers.get_by_code("org_a", "pk") == carrier()
        assert uow.carriers.get("org_b", "car_1") is None
        assert [c.id for c in uow.carriers.list("org_b")] == ["car_2"]
        assert uow.rate_cards.list("org_a") == {("car_1", ServiceLevel.NEXT_DAY): card}
        assert uow.rate_cards.list("org_b") == {}
        assert uow.carriers.allocated("org_a", date(2026, 11, 23)) == {"car_1": 3}
        assert uow.carriers.allocated("org_a", date(2026, 11, 23), exclude_order="ord_1") == {}
        assert uow.carriers.allocated("org_a", date(2026, 11, 24)) == {}
    with container.uow() as uow:
        uow.carriers.update(replace(carrier(), active=False, cutoff=None, max_weight_kg=None))
        uow.commit()
    with container.reader() as uow:
        stored = uow.carriers.get("org_a", "car_1")
    assert stored == replace(carrier(), active=False, cutoff=None, max_weight_kg=None)
