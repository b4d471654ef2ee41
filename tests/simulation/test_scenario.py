"""Scenarios: loading, errors that name their field, variations, and the days they draw."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from doorstep.adapters.roads.regions import RegionStore
from doorstep.adapters.roads.road_travel import RoadGraphTravelTimes
from doorstep.domain.errors import InvalidValue
from doorstep.domain.fleet import SpeedProfile, VehicleType
from doorstep.domain.geo import Location, distance_m
from doorstep.simulation import scenario as scenarios
from doorstep.simulation.scenario import Scenario, loads, vary
from doorstep.simulation.station_day import late_orders, synthetic_station_day
from doorstep.simulation.world import World

FLEET = """
fleet:
  - type: van
    count: 2
    capacity: {weight_kg: 900, volume_l: 3500, parcels: 180}
    shift: "08:00-18:00"
    costs: {per_km: 0.45, per_hour: 30, per_day: 40}
  - type: cargo_bike
    count: 1
    capacity: {weight_kg: 100, volume_l: 400, parcels: 30}
    shift: "08:00-16:00"
"""


def error(text: str) -> InvalidValue:
    with pytest.raises(InvalidValue) as caught:
        loads(text)
    return caught.value


def test_an_empty_file_is_the_default_mix() -> None:
    assert loads("") == Scenario()
    assert Scenario().day_world() == World()


def test_the_shipped_micro_hub_loads() -> None:
    hub = scenarios.default()
    assert hub.orders.count == 500
    assert hub.fleet is not None
    kinds = {g.type: g.count for g in hub.fleet}
    assert kinds == {VehicleType.VAN: 4, VehicleType.CARGO_BIKE: 2}
    bike = next(g for g in hub.fleet if g.type is VehicleType.CARGO_BIKE)
    assert (bike.capacity.weight_kg, bike.capacity.volume_l, bike.capacity.parcels) == (
        100,
        400,
        30,
    )
    assert hub.cutoff == time(12)
    assert hub.late_orders.count > 0
    assert hub.station.radius_km is not None
    assert hub.station.density_km is not None


def test_a_whole_scenario_loads(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: test\nstation: {code: T1, centre: [60.17, 24.94], radius_km: 1, "
        'opening: "07:00-20:00"}\n'
        "orders: {count: 20, seed: 4, parcels: {1: 0.5, 2: 0.5}, priority: {urgent: 0.1}}\n"
        + FLEET
        + 'cutoff: "11:30"\nlate_orders: {count: 3, between: "09:00-12:00"}\n'
        + "world: {breakdown_share: 0.1, late_departure_min: [1, 2]}\n"
    )
    found = scenarios.load(path)
    assert found.station.centre == Location(60.17, 24.94)
    assert found.orders.parcels == ((1, 0.5), (2, 0.5))
    assert found.fleet is not None
    assert found.fleet[1].type is VehicleType.CARGO_BIKE
    assert found.fleet[1].costs.per_km == 0
    assert found.late_orders.start == time(9)
    world = found.day_world()
    assert (world.breakdown_share, world.late_departure_min) == (0.1, (1, 2))


@pytest.mark.parametrize(
    ("text", "field", "says"),
    [
        ("statoin: {}", "statoin", "unknown key"),
        ("orders: {count: 10, sead: 1}", "orders.sead", "unknown key"),
        ("orders: {count: ten}", "orders.count", 'got "ten"'),
        ("orders: {count: -1}", "orders.count", "whole number >= 0"),
        ("orders: {pickup_share: 3}", "orders.pickup_share", "between 0 and 1"),
        ("orders: {parcels: {1: 0.5}}", "orders.parcels", "add up to 1"),
        ("orders: {parcels: {0: 1.0}}", "orders.parcels.0", ">= 1"),
        ("orders: {service_s: [120, 60]}", "orders.service_s", "at least the first"),
        ("orders: {priority: {urgent: 0.6, low: 0.6}}", "orders.priority", "at most 1"),
        ("orders: {priority: {normal: 0.5}}", "orders.priority.normal", "unknown key"),
        ("orders: {windows: {hours: 6}}", "orders.windows.hours", "1 to 4"),
        ("orders: {windows: {one_window: 0.7, two_windows: 0.7}}", "orders.windows", "at most"),
        ("station: {radius_km: 0}", "station.radius_km", "> 0"),
        ("station: {centre: [60.1]}", "station.centre", "list of two"),
        ('station: {opening: "6-20"}', "station.opening", "HH:MM"),
        ("cutoff: 12:00", "cutoff", "in quotes"),
        ('cutoff: "25:00"', "cutoff", "HH:MM"),
        ("fleet: {type: van}", "fleet", "list of vehicle groups"),
        ("fleet: [{type: truck, count: 1}]", "fleet[0].capacity", "required"),
        (FLEET.replace("count: 1", 'count: "two"'), "fleet[1].count", 'got "two"'),
        (FLEET.replace("type: cargo_bike", "type: truck"), "fleet[1].type", "van, cargo_bike"),
        (FLEET.replace("parcels: 30", "parcels: 0"), "fleet[1].capacity.parcels", ">= 1"),
        (FLEET.replace("per_day: 40", "per_week: 1"), "fleet[0].costs.per_week", "unknown"),
        (FLEET.replace('"08:00-16:00"', "8"), "fleet[1].shift", "HH:MM-HH:MM"),
        ("late_orders: {count: 1.5}", "late_orders.count", "whole number"),
        ('late_orders: {between: "14:00-08:00"}', "late_orders.between", "after it starts"),
        ("world: {breakdown_share: 2}", "world.breakdown_share", "between 0 and 1"),
        ("world: {gps_interval_s: -1}", "world.gps_interval_s", ">= 0"),
        ("world: {late_departure_min: [30, 5]}", "world.late_departure_min", "at least"),
        ("world: {sunshine: 1}", "world.sunshine", "unknown key"),
        ("- a list", "scenario", "mapping"),
        ("orders: [1, 2", "scenario", "not valid YAML"),
    ],
)
def test_every_error_names_its_field(text: str, field: str, says: str) -> None:
    found = error(text)
    assert found.field == field, str(found)
    assert says in found.message, str(found)


def test_variations() -> None:
    hub = scenarios.default()
    assert hub.fleet is not None
    assert vary(hub, "orders=300").orders.count == 300
    assert vary(hub, "orders=+20").orders.count == 520
    assert vary(hub, "orders=-20").orders.count == 480
    assert vary(hub, "orders=x1.5").orders.count == 750
    vans = vary(hub, "vehicles=+2").fleet
    assert vans is not None
    assert vans[0].count == hub.fleet[0].count + 2
    bikes = vary(hub, "bikes=-1").fleet
    assert bikes is not None
    assert bikes[1].count == hub.fleet[1].count - 1
    assert vary(hub, "cutoff=11:00").cutoff == time(11)
    moved = vary(hub, "shift_start=07:00").fleet
    assert moved is not None
    assert (moved[0].shift.start, moved[0].shift.end) == (time(7), time(17))
    assert vary(hub, "late_orders=5").late_orders.count == 5
    world = vary(hub, "world.breakdown_share=0.1").day_world()
    assert world.breakdown_share == 0.1
    assert vary(hub, "world.late_departure_min=[1, 3]").day_world().late_departure_min == (1, 3)
    # Only the varied part changes.
    assert vary(hub, "cutoff=11:00").orders == hub.orders


def test_bikes_make_a_group_when_there_is_none() -> None:
    vans_only = loads(FLEET.split("  - type: cargo_bike")[0])
    found = vary(vans_only, "bikes=+2").fleet
    assert found is not None
    assert found[-1].type is VehicleType.CARGO_BIKE
    assert found[-1].count == 2


@pytest.mark.parametrize(
    ("text", "field", "says"),
    [
        ("trucks=+1", "--vary", "the keys are: orders, vehicles, bikes"),
        ("vehicles", "--vary", "KEY=VALUE"),
        ("vehicles=2", "--vary vehicles", "+2 or -1"),
        ("vehicles=-9", "--vary vehicles", "must stay >= 0"),
        ("orders=xx", "--vary orders", "x1.5"),
        ("orders=-900", "--vary orders", "must stay >= 0"),
        ("orders=many", "--vary orders", "whole number"),
        ("cutoff=noon", "--vary cutoff", "HH:MM"),
        ("late_orders=-1", "--vary late_orders", "whole number >= 0"),
        ("world.sunshine=1", "--vary world.sunshine", "breakdown_share"),
        ("world.refused=2", "--vary world.refused", "between 0 and 1"),
    ],
)
def test_variation_errors_name_the_key(text: str, field: str, says: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        vary(scenarios.default(), text)
    assert caught.value.field == field, str(caught.value)
    assert says in caught.value.message, str(caught.value)


def test_the_default_fleet_cannot_be_varied() -> None:
    with pytest.raises(InvalidValue, match="lists no fleet"):
        vary(Scenario(), "vehicles=+1")


# -- the days a scenario draws -------------------------------------------------------------


@pytest.fixture(scope="module")
def helsinki(
    helsinki_region: RegionStore,
) -> tuple[RoadGraphTravelTimes, list[Location]]:
    places = [a.location for a in helsinki_region.addresses("helsinki").known()]
    return RoadGraphTravelTimes(helsinki_region, "helsinki"), places


def test_the_default_scenario_draws_the_day_drawn_without_one(
    helsinki: tuple[RoadGraphTravelTimes, list[Location]],
) -> None:
    travel, places = helsinki
    plain = synthetic_station_day(60, seed=2, travel=travel, places=places)
    same = synthetic_station_day(60, seed=2, travel=travel, places=places, scenario=Scenario())
    assert same.orders == plain.orders
    assert same.vehicles == plain.vehicles
    assert same.station == plain.station


def test_the_micro_hub_draws_a_dense_centre_with_bikes(
    helsinki: tuple[RoadGraphTravelTimes, list[Location]],
) -> None:
    travel, places = helsinki
    hub = scenarios.default()
    day = synthetic_station_day(200, seed=1, travel=travel, places=places, scenario=hub)
    assert day.station.code == "HKI1"
    bikes = [v for v in day.vehicles.values() if v.vehicle_type is VehicleType.CARGO_BIKE]
    assert len(bikes) == 4  # two in the morning wave, two in the afternoon's
    assert len(day.vehicles) == 8
    assert len(day.drivers) == 8
    assert all(b.speed_profile is SpeedProfile.CARGO_BIKE for b in bikes)
    centre = day.station.location
    near = [o for o in day.orders.values() if o.location and _km(o.location, centre) < 0.5]
    everywhere = [p for p in places if _km(p, centre) < 0.5]
    # Denser near the centre than the addresses are.
    assert len(near) / len(day.orders) > len(everywhere) / len(places)
    assert all(_km(o.location, centre) < 1.3 for o in day.orders.values() if o.location)
    with pytest.raises(InvalidValue, match="vehicles"):
        synthetic_station_day(10, seed=1, travel=travel, places=places, scenario=hub, vehicles=2)


def test_late_orders_after_the_cut_off_are_for_the_next_day(
    helsinki: tuple[RoadGraphTravelTimes, list[Location]],
) -> None:
    travel, places = helsinki
    hub = vary(vary(scenarios.default(), "late_orders=40"), "cutoff=11:00")
    found = late_orders(hub, seed=3, travel=travel, places=places, timezone="Europe/Helsinki")
    again = late_orders(hub, seed=3, travel=travel, places=places, timezone="Europe/Helsinki")
    assert found == again
    assert len(found) == 40
    times = [at for at, _ in found]
    assert times == sorted(times)
    assert all(time(8) <= at.time() <= time(14) for at in times)
    for at, order in found:
        assert order.id.startswith("ord_L")
        today = at.time() <= time(11)
        day = at.date() if today else at.date().replace(day=at.date().day + 1)
        assert order.service_date == day
        assert all(w.start_at.date() == day for w in order.time_windows)
    assert {o.service_date for _, o in found} == {times[0].date(), times[0].date().replace(day=24)}


def _km(a: Location, b: Location) -> float:
    return distance_m(a, b) / 1000


def test_service_times_by_kind_of_stop_are_a_table_of_factors() -> None:
    """One kind given changes that one; an unknown kind or a factor of 0 names its field."""
    world = loads("world: {service_by_kind: {pickup: 2}}").day_world()
    factors = dict(world.service_by_kind)
    assert factors["pickup"] == 2
    assert factors["signature"] == dict(World().service_by_kind)["signature"]
    with pytest.raises(InvalidValue, match=r"world.service_by_kind.parcel"):
        loads("world: {service_by_kind: {parcel: 2}}")
    with pytest.raises(InvalidValue, match=r"world.service_by_kind.pin"):
        loads("world: {service_by_kind: {pin: 0}}")
