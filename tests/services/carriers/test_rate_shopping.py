"""Rate shopping for one order on fakes: hand-worked prices to the cent, exclusions with their
reasons (handling, capacity, service level, size), and the own fleet's marginal cost equal to
the validator-recomputed cost difference of the plan with the order inserted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.errors import Conflict, NotFound
from doorstep.domain.fleet import Capacity, VehicleCosts
from doorstep.domain.geo import Location
from doorstep.domain.orders import Address, Order, Parcel
from doorstep.domain.rate_shopping import Option
from doorstep.domain.rates import LineKind
from doorstep.domain.stations import Station
from doorstep.planning.schedule import route_cost
from doorstep.planning.validation import validate
from doorstep.services import fleet, orders
from doorstep.services.authorization import Principal
from doorstep.services.carriers import SAMPLE_CARRIERS, rate_shopping, registry
from doorstep.services.planning import live
from tests.services.carriers.test_registry import import_samples, rows_of
from tests.services.conftest import Ports, order_fields, vehicle_fields
from tests.services.planning.test_day import StraightTravel
from tests.services.planning.test_runs import DAY, PLACES, plan, station

__all__ = ["station"]  # the fixture

MONDAY_10 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 10:00 in Helsinki, a working day
TUESDAY = date(2026, 11, 24)
SUOMENLINNA = Location(60.1450, 24.9880)


def shop_ports(ports: Ports) -> live.LivePorts:
    return live.LivePorts(ports.uow, StraightTravel(), live.Matrices(), ports.clock, ports.ids)


def new_order(ports: Ports, admin: Principal, ref: str, **changes: Any) -> Order:
    fields = order_fields(ref, station_id="HEL1", address=Address(f"Street {ref}, Helsinki"))
    return orders.create_order(
        admin, fields | changes, uow=ports.uow, clock=ports.clock, ids=ports.ids
    )


def day_order(ports: Ports, admin: Principal, ref: str, at: Location) -> Order:
    """A ready order of DAY at HEL1, on a street of its own in postcode 00100."""
    where = Address(f"Street {ref}, 00100 Helsinki", postcode="00100")
    fields = order_fields(ref, station_id="HEL1", location=at, service_date=DAY, address=where)
    return orders.create_order(admin, fields, uow=ports.uow, clock=ports.clock, ids=ports.ids)


def costed_van(ports: Ports, admin: Principal, parcels: int = 120) -> None:
    """Van 1 at 0.45 per km and 30 per hour (45 cost units a metre, 833 a second)."""
    fields = vehicle_fields(
        "HEL1", "Van 1", capacity=Capacity(800, 6000, parcels), costs=VehicleCosts(0.45, 30, 0)
    )
    fleet.add_vehicle(admin, fields, uow=ports.uow, ids=ports.ids)


def by_code(options: tuple[Option, ...]) -> dict[str, Option]:
    return {option.carrier_code: option for option in options}


@pytest.fixture
def carriers(ports: Ports, admin: Principal, station: Station) -> None:
    """The sample carriers and cards at HEL1; it is Monday 10:00 in Helsinki."""
    import_samples(ports, admin)
    ports.clock.current = MONDAY_10


def test_a_remote_bulky_order_gets_exactly_the_sample_cards_price(
    ports: Ports, admin: Principal, carriers: None
) -> None:
    """Pakettiexpress next day, zone 1 (00190 starts with 001), by hand:

    parcel B1 130 x 40 x 30 cm = 156,000 cm3 / 5000 = 31.2 kg by volume (weighs 12 kg);
    parcel B2 30 x 20 x 10 cm = 1.2 kg by volume, weighs 2 kg: chargeable 31.2 + 2 = 33.2 kg,
    in the 35 kg break: 15.90. Remote area (00190): 6.50. Bulky (B1, a side over 120 cm):
    12.00. One extra parcel: 1.50. Fuel 12.5% of 35.90 = 4.4875, rounded half-up: 4.49.
    Total 15.90 + 6.50 + 12.00 + 1.50 + 4.49 = 40.39 EUR.
    """
    order = new_order(
        ports,
        admin,
        "R-REMOTE",
        address=Address("Suomenlinna C 1, 00190 Helsinki", postcode="00190"),
        location=SUOMENLINNA,
        service_date=TUESDAY,
        parcels=(Parcel("B1", 12, 130, 40, 30), Parcel("B2", 2, 30, 20, 10)),
    )
    shopping = rate_shopping.shop(admin, order.shipper_reference, ports=shop_ports(ports))
    assert shopping.need.level is ServiceLevel.NEXT_DAY
    options = by_code(shopping.options)
    paketti = options["pakettiexpress"]
    assert paketti.feasible
    assert paketti.chosen
    assert (paketti.price_cents, paketti.currency) == (4039, "EUR")
    assert [line.split(":")[0] for line in paketti.explanation] == [
        LineKind.BASE, LineKind.REMOTE_AREA, LineKind.BULKY, LineKind.EXTRA_PARCELS, LineKind.FUEL
    ]  # fmt: skip
    assert "15.90 EUR" in paketti.explanation[0]
    assert "33.2 kg" in paketti.explanation[0]
    assert "4.49 EUR" in paketti.explanation[-1]
    assert paketti.due == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday 17:00 local
    courier = options["kaupunkikuriiri"]
    assert not courier.feasible
    assert any("needs next_day" in r and "offers same_day" in r for r in courier.reasons)
    assert any("B1 has a side of 130 cm, over its limit of 100 cm" in r for r in courier.reasons)
    own = options["omat_autot"]
    assert not own.feasible
    assert own.reasons == ("no room: 2026-11-24 has no plan at the order's station yet",)
    assert shopping.options[0] is paketti  # the cheapest feasible first


def test_a_refrigerated_order_excludes_partners_that_do_not_handle_it(
    ports: Ports, admin: Principal, carriers: None
) -> None:
    order = new_order(
        ports,
        admin,
        "R-COLD",
        address=Address("Street 1, 00100 Helsinki", postcode="00100"),
        location=Location(60.172, 24.941),
        service_date=TUESDAY,
        required_skills=frozenset({"refrigerated"}),
    )
    options = by_code(rate_shopping.shop(admin, order.id, ports=shop_ports(ports)).options)
    assert "it does not handle refrigerated" in options["pakettiexpress"].reasons
    assert "it does not handle refrigerated" in options["kaupunkikuriiri"].reasons
    assert options["pakettiexpress"].reasons == ("it does not handle refrigerated",)
    assert "refrigerated" not in " ".join(options["omat_autot"].reasons)


def test_capacity_used_up_excludes_and_an_orders_own_allocation_is_not_counted(
    ports: Ports, admin: Principal, carriers: None
) -> None:
    """Same day inside the courier's polygon, 1.2 km from the station: near zone, 1 kg in the
    2 kg break 9.90 + fuel 8% (0.792, rounded 0.79) = 10.69 EUR. It carries two parcels a day
    here; two allocated orders use them up for a third."""
    rows = rows_of(SAMPLE_CARRIERS)
    rows[1][1]["capacity_per_day"] = "2"
    registry.import_files(admin, rows, uow=ports.uow, clock=ports.clock, ids=ports.ids)
    sp = shop_ports(ports)
    today = MONDAY_10.date()
    near = Location(60.18, 24.95)
    first, second, third = (
        new_order(ports, admin, f"R-{i}", location=near, service_date=today) for i in (1, 2, 3)
    )
    options = by_code(rate_shopping.shop(admin, first.id, ports=sp).options)
    assert options["kaupunkikuriiri"].feasible
    assert options["kaupunkikuriiri"].price_cents == 1069
    assert options["kaupunkikuriiri"].chosen
    _, given = rate_shopping.allocate(admin, first.id, "kaupunkikuriiri", ports=sp)
    assert given.carrier_code == "kaupunkikuriiri"
    rate_shopping.allocate(admin, second.id, "kaupunkikuriiri", ports=sp)
    full = by_code(rate_shopping.shop(admin, third.id, ports=sp).options)["kaupunkikuriiri"]
    assert not full.feasible
    assert full.reasons == (
        "no capacity left: 2 of its 2 parcels a day are allocated, 0 left for the order's 1",
    )
    again = by_code(rate_shopping.shop(admin, first.id, ports=sp).options)["kaupunkikuriiri"]
    assert again.feasible, "its own parcel is not counted against it"
    with pytest.raises(Conflict, match="cannot serve the order: no capacity left"):
        rate_shopping.allocate(admin, third.id, "kaupunkikuriiri", ports=sp)


def test_the_own_fleets_marginal_cost_is_the_plans_cost_difference(
    ports: Ports, admin: Principal, station: Station
) -> None:
    """The plan with the order inserted, checked by the validator, costs exactly the
    option's price more (in cents) than the day's latest plan; adding the order through
    the live service stores a version with that same difference."""
    import_samples(ports, admin)
    costed_van(ports, admin)
    for i, where in enumerate(PLACES, start=1):
        day_order(ports, admin, f"R-{i}", where)
    base = plan(ports, admin)
    new = day_order(ports, admin, "R-NEW", Location(60.185, 24.955))
    sp = shop_ports(ports)
    shopping = rate_shopping.shop(admin, new.id, ports=sp)
    own = by_code(shopping.options)["omat_autot"]
    assert own.feasible, own.reasons
    trial = live.try_order(admin, new, ports=sp)
    assert validate(trial.problem, trial.after) == []
    recomputed = sum(
        route_cost(trial.problem.vehicle(r.vehicle_id), r.distance_m, r.duration_s)
        for r in trial.after.routes
    ) + sum(trial.problem.stop(u.stop_id).penalty for u in trial.after.unassigned)
    difference = recomputed - base.plan.cost
    assert difference > 0
    assert own.price_cents == rate_shopping.to_cents(difference)
    assert own.due is not None
    assert own.due.date() == DAY
    assert "cheapest feasible insertion: plan 1, Van 1" in own.explanation[0]
    stored = live.add_order(admin, base.id, new.id, ports=sp).version
    assert stored.plan.cost - base.plan.cost == difference
    # Once planned, its share of the plan is the same marginal cost.
    again = by_code(rate_shopping.shop(admin, new.id, ports=sp).options)["omat_autot"]
    assert again.price_cents == own.price_cents
    assert "already planned" in again.explanation[0]


def test_an_own_fleet_without_room_says_why(
    ports: Ports, admin: Principal, station: Station
) -> None:
    import_samples(ports, admin)
    costed_van(ports, admin, parcels=1)
    day_order(ports, admin, "R-1", PLACES[0])
    plan(ports, admin)
    new = day_order(ports, admin, "R-NEW", PLACES[1])
    own = by_code(rate_shopping.shop(admin, new.id, ports=shop_ports(ports)).options)
    reasons = own["omat_autot"].reasons
    assert len(reasons) == 1
    assert reasons[0].startswith("no room in plan 1: ")
    assert own["omat_autot"].price_cents is None


def test_orders_are_found_by_id_or_reference(
    ports: Ports, admin: Principal, rival: Principal, carriers: None
) -> None:
    order = new_order(ports, admin, "R-FIND", location=Location(60.18, 24.95))
    sp = shop_ports(ports)
    for reference in (order.id, "R-FIND", "acme/R-FIND"):
        assert rate_shopping.shop(admin, reference, ports=sp).order.id == order.id
    with pytest.raises(NotFound):
        rate_shopping.shop(rival, order.id, ports=sp)
