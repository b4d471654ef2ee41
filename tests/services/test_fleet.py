"""Registering and maintaining vehicles and drivers."""

from __future__ import annotations

import pytest

from doorstep.domain.errors import Conflict, InvalidValue, NotFound
from doorstep.domain.fleet import SpeedProfile, VehicleType
from doorstep.domain.stations import Station
from doorstep.services import fleet, stations
from doorstep.services.authorization import Principal
from tests.services.conftest import Ports, driver_fields, station_fields, vehicle_fields


@pytest.fixture
def station(ports: Ports, admin: Principal) -> Station:
    return stations.add_station(admin, station_fields("HEL1"), uow=ports.uow, ids=ports.ids)


@pytest.mark.parametrize("by", ["id", "code"])
def test_station_is_referenced_by_id_or_code(
    ports: Ports, admin: Principal, station: Station, by: str
) -> None:
    """Vehicles and drivers may name their station by id or by code; the id is stored."""
    reference = getattr(station, by)
    vehicle = fleet.add_vehicle(admin, vehicle_fields(reference), uow=ports.uow, ids=ports.ids)
    driver = fleet.add_driver(admin, driver_fields(reference), uow=ports.uow, ids=ports.ids)
    assert (vehicle.station_id, driver.home_station_id) == (station.id, station.id)
    assert ports.uow.tables.vehicles[vehicle.id].station_id == station.id


def test_unknown_station_names_the_field(ports: Ports, admin: Principal, rival: Principal) -> None:
    """An unknown station, or another tenant's, is an InvalidValue on the referring field."""
    theirs = stations.add_station(rival, station_fields("OUL1"), uow=ports.uow, ids=ports.ids)
    for reference in ("NOPE", theirs.id, theirs.code):
        with pytest.raises(InvalidValue) as raised:
            fleet.add_vehicle(admin, vehicle_fields(reference), uow=ports.uow, ids=ports.ids)
        assert raised.value.field == "station_id"
        with pytest.raises(InvalidValue) as raised:
            fleet.add_driver(admin, driver_fields(reference), uow=ports.uow, ids=ports.ids)
        assert raised.value.field == "home_station_id"
    assert (len(ports.uow.tables.vehicles), len(ports.uow.tables.drivers)) == (0, 0)


def test_unknown_user_of_driver_is_refused(
    ports: Ports, admin: Principal, station: Station
) -> None:
    """A driver may be linked only to a user of the same organisation."""
    with pytest.raises(InvalidValue) as raised:
        fleet.add_driver(
            admin, driver_fields(station.id, user_id="usr_nope"), uow=ports.uow, ids=ports.ids
        )
    assert raised.value.field == "user_id"
    linked = fleet.add_driver(
        admin, driver_fields(station.id, user_id=admin.actor_id), uow=ports.uow, ids=ports.ids
    )
    assert linked.user_id == admin.actor_id


def test_names_are_unique_per_organisation(
    ports: Ports, admin: Principal, station: Station
) -> None:
    """A second vehicle or driver with a taken name is a Conflict on name, also on update."""
    fleet.add_vehicle(admin, vehicle_fields(station.id, "Van 1"), uow=ports.uow, ids=ports.ids)
    fleet.add_driver(admin, driver_fields(station.id, "Dee"), uow=ports.uow, ids=ports.ids)
    with pytest.raises(Conflict) as raised:
        fleet.add_vehicle(admin, vehicle_fields(station.id, "Van 1"), uow=ports.uow, ids=ports.ids)
    assert raised.value.field == "name"
    with pytest.raises(Conflict) as raised:
        fleet.add_driver(admin, driver_fields(station.id, "Dee"), uow=ports.uow, ids=ports.ids)
    assert raised.value.field == "name"
    van2 = fleet.add_vehicle(
        admin, vehicle_fields(station.id, "Van 2"), uow=ports.uow, ids=ports.ids
    )
    with pytest.raises(Conflict) as raised:
        fleet.update_vehicle(admin, van2.id, {"name": "Van 1"}, uow=ports.uow)
    assert raised.value.field == "name"


def test_retiring_deactivates_and_keeps(ports: Ports, admin: Principal, station: Station) -> None:
    """Retiring a vehicle or driver stores active=False and keeps the record."""
    vehicle = fleet.add_vehicle(admin, vehicle_fields(station.id), uow=ports.uow, ids=ports.ids)
    driver = fleet.add_driver(admin, driver_fields(station.id), uow=ports.uow, ids=ports.ids)
    assert (vehicle.active, driver.active) == (True, True)
    fleet.retire_vehicle(admin, vehicle.id, uow=ports.uow)
    fleet.retire_driver(admin, driver.id, uow=ports.uow)
    assert not fleet.get_vehicle(admin, vehicle.id, uow=ports.uow).active
    assert not fleet.get_driver(admin, driver.id, uow=ports.uow).active


def test_another_organisations_fleet_is_not_found(
    ports: Ports, admin: Principal, rival: Principal, station: Station
) -> None:
    """A tenant cannot read, change or list another tenant's vehicles and drivers."""
    vehicle = fleet.add_vehicle(admin, vehicle_fields(station.id), uow=ports.uow, ids=ports.ids)
    driver = fleet.add_driver(admin, driver_fields(station.id), uow=ports.uow, ids=ports.ids)
    with pytest.raises(NotFound):
        fleet.get_vehicle(rival, vehicle.id, uow=ports.uow)
    with pytest.raises(NotFound):
        fleet.retire_vehicle(rival, vehicle.id, uow=ports.uow)
    with pytest.raises(NotFound):
        fleet.get_driver(rival, driver.id, uow=ports.uow)
    with pytest.raises(NotFound):
        fleet.update_driver(rival, driver.id, {"name": "Mine"}, uow=ports.uow)
    assert fleet.list_vehicles(rival, uow=ports.uow) == []
    assert fleet.list_drivers(rival, uow=ports.uow) == []
    assert ports.uow.tables.vehicles[vehicle.id].active


def test_changing_vehicle_type_brings_its_speed_profile(
    ports: Ports, admin: Principal, station: Station
) -> None:
    """A van changed to a cargo bike gets cargo-bike travel times unless a profile is given."""
    van = fleet.add_vehicle(admin, vehicle_fields(station.id), uow=ports.uow, ids=ports.ids)
    assert van.speed_profile is SpeedProfile.VAN
    bike = fleet.update_vehicle(
        admin, van.id, {"vehicle_type": VehicleType.CARGO_BIKE}, uow=ports.uow
    )
    assert bike.speed_profile is SpeedProfile.CARGO_BIKE
    chosen = fleet.update_vehicle(
        admin,
        van.id,
        {"vehicle_type": VehicleType.TRUCK, "speed_profile": SpeedProfile.VAN},
        uow=ports.uow,
    )
    assert chosen.speed_profile is SpeedProfile.VAN
