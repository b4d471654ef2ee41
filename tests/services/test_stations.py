"""Registering, changing and deleting stations."""

from __future__ import annotations

import pytest

from doorstep.domain.errors import Conflict, NotFound
from doorstep.domain.stations import Station
from doorstep.services import fleet, stations
from doorstep.services.authorization import Principal
from tests.services.conftest import Ports, station_fields, vehicle_fields


def add(ports: Ports, principal: Principal, code: str) -> Station:
    return stations.add_station(principal, station_fields(code), uow=ports.uow, ids=ports.ids)


def test_station_codes_are_unique_per_organisation(
    ports: Ports, admin: Principal, rival: Principal
) -> None:
    """A second station with a taken code is a Conflict on code; another tenant may reuse it."""
    add(ports, admin, "HEL1")
    with pytest.raises(Conflict) as raised:
        add(ports, admin, "HEL1")
    assert raised.value.field == "code"
    add(ports, rival, "HEL1")
    assert len(ports.uow.tables.stations) == 2


def test_renaming_to_a_taken_code_conflicts(ports: Ports, admin: Principal) -> None:
    """Updating a station to another's code is refused; keeping its own code is fine."""
    add(ports, admin, "HEL1")
    espoo = add(ports, admin, "ESP1")
    with pytest.raises(Conflict) as raised:
        stations.update_station(admin, espoo.id, {"code": "HEL1"}, uow=ports.uow)
    assert raised.value.field == "code"
    renamed = stations.update_station(
        admin, espoo.id, {"code": "ESP1", "name": "Espoo"}, uow=ports.uow
    )
    assert ports.uow.tables.stations[espoo.id] == renamed
    assert renamed.name == "Espoo"


def test_another_organisations_station_is_not_found(
    ports: Ports, admin: Principal, rival: Principal
) -> None:
    """A tenant cannot read, change or delete another tenant's station."""
    theirs = add(ports, rival, "HEL1")
    with pytest.raises(NotFound):
        stations.get_station(admin, theirs.id, uow=ports.uow)
    with pytest.raises(NotFound):
        stations.update_station(admin, theirs.id, {"name": "Mine"}, uow=ports.uow)
    with pytest.raises(NotFound):
        stations.delete_station(admin, theirs.id, uow=ports.uow)
    assert stations.list_stations(admin, uow=ports.uow) == []
    assert ports.uow.tables.stations[theirs.id].name == "Station HEL1"


def test_unused_station_can_be_deleted(ports: Ports, admin: Principal) -> None:
    """A station nothing refers to is deleted."""
    station = add(ports, admin, "HEL1")
    stations.delete_station(admin, station.id, uow=ports.uow)
    with pytest.raises(NotFound):
        stations.get_station(admin, station.id, uow=ports.uow)


def test_station_in_use_cannot_be_deleted(ports: Ports, admin: Principal) -> None:
    """A station with a vehicle is kept, with a Conflict saying why."""
    station = add(ports, admin, "HEL1")
    fleet.add_vehicle(admin, vehicle_fields(station.id), uow=ports.uow, ids=ports.ids)
    with pytest.raises(Conflict, match="HEL1"):
        stations.delete_station(admin, station.id, uow=ports.uow)
    assert stations.get_station(admin, station.id, uow=ports.uow) == station
