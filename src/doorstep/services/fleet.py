"""Registering and maintaining vehicles and drivers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from doorstep.domain.errors import Conflict, InvalidValue, NotFound
from doorstep.domain.fleet import Driver, Vehicle
from doorstep.domain.permissions import Permission
from doorstep.services.authorization import Principal, require
from doorstep.services.ports import IdGenerator, UnitOfWork
from doorstep.services.stations import resolve_station


def add_vehicle(
    principal: Principal, fields: Mapping[str, Any], *, uow: UnitOfWork, ids: IdGenerator
) -> Vehicle:
    require(principal, Permission.NETWORK_WRITE)
    with uow:
        values = dict(fields)
        values["station_id"] = resolve_station(
            uow, principal.organisation_id, "station_id", values["station_id"]
        ).id
        vehicle = Vehicle(id=ids.new_id("veh"), organisation_id=principal.organisation_id, **values)
        _check_vehicle_name(uow, vehicle)
        uow.vehicles.add(vehicle)
        uow.commit()
    return vehicle


def get_vehicle(principal: Principal, vehicle_id: str, *, uow: UnitOfWork) -> Vehicle:
    require(principal, Permission.NETWORK_READ)
    with uow:
        return _load_vehicle(uow, principal.organisation_id, vehicle_id)


def list_vehicles(
    principal: Principal, station_id: str | None = None, *, uow: UnitOfWork
) -> Sequence[Vehicle]:
    require(principal, Permission.NETWORK_READ)
    with uow:
        return uow.vehicles.list(principal.organisation_id, station_id)


def update_vehicle(
    principal: Principal, vehicle_id: str, changes: Mapping[str, Any], *, uow: UnitOfWork
) -> Vehicle:
    require(principal, Permission.NETWORK_WRITE)
    with uow:
        values = dict(changes)
        if "station_id" in values:
            values["station_id"] = resolve_station(
                uow, principal.organisation_id, "station_id", values["station_id"]
            ).id
        if "vehicle_type" in values and "speed_profile" not in values:
            values["speed_profile"] = None  # a new type brings its own travel times
        updated = replace(_load_vehicle(uow, principal.organisation_id, vehicle_id), **values)
        _check_vehicle_name(uow, updated)
        uow.vehicles.update(updated)
        uow.commit()
    return updated


def retire_vehicle(principal: Principal, vehicle_id: str, *, uow: UnitOfWork) -> Vehicle:
    """Deactivate rather than delete: past plans and KPIs still name the vehicle."""
    return update_vehicle(principal, vehicle_id, {"active": False}, uow=uow)


def add_driver(
    principal: Principal, fields: Mapping[str, Any], *, uow: UnitOfWork, ids: IdGenerator
) -> Driver:
    require(principal, Permission.NETWORK_WRITE)
    with uow:
        values = _resolve_driver_refs(uow, principal, fields)
        driver = Driver(id=ids.new_id("drv"), organisation_id=principal.organisation_id, **values)
        _check_driver_name(uow, driver)
        uow.drivers.add(driver)
        uow.commit()
    return driver


def get_driver(principal: Principal, driver_id: str, *, uow: UnitOfWork) -> Driver:
    require(principal, Permission.NETWORK_READ)
    with uow:
        return _load_driver(uow, principal.organisation_id, driver_id)


def list_drivers(
    principal: Principal, station_id: str | None = None, *, uow: UnitOfWork
) -> Sequence[Driver]:
    require(principal, Permission.NETWORK_READ)
    with uow:
        return uow.drivers.list(principal.organisation_id, station_id)


def update_driver(
    principal: Principal, driver_id: str, changes: Mapping[str, Any], *, uow: UnitOfWork
) -> Driver:
    require(principal, Permission.NETWORK_WRITE)
    with uow:
        values = _resolve_driver_refs(uow, principal, changes)
        updated = replace(_load_driver(uow, principal.organisation_id, driver_id), **values)
        _check_driver_name(uow, updated)
        uow.drivers.update(updated)
        uow.commit()
    return updated


def retire_driver(principal: Principal, driver_id: str, *, uow: UnitOfWork) -> Driver:
    return update_driver(principal, driver_id, {"active": False}, uow=uow)


def _resolve_driver_refs(
    uow: UnitOfWork, principal: Principal, fields: Mapping[str, Any]
) -> dict[str, Any]:
    values = dict(fields)
    org = principal.organisation_id
    if "home_station_id" in values:
        values["home_station_id"] = resolve_station(
            uow, org, "home_station_id", values["home_station_id"]
        ).id
    if values.get("user_id") and uow.users.get(org, values["user_id"]) is None:
        raise InvalidValue("user_id", f"no user with id {values['user_id']!r} in your organisation")
    return values


def find_vehicle(uow: UnitOfWork, organisation_id: str, reference: str) -> Vehicle:
    """The vehicle a person names, by id or by name (drivers and dispatchers use names)."""
    vehicle = uow.vehicles.get(organisation_id, reference) or uow.vehicles.get_by_name(
        organisation_id, reference
    )
    if vehicle is None:
        raise NotFound("vehicle", reference, "give the vehicle's name or id")
    return vehicle


def find_driver(uow: UnitOfWork, organisation_id: str, reference: str) -> Driver:
    """The driver a person names, by id or by name."""
    driver = uow.drivers.get(organisation_id, reference) or uow.drivers.get_by_name(
        organisation_id, reference
    )
    if driver is None:
        raise NotFound("driver", reference, "give the driver's name or id")
    return driver


def _load_vehicle(uow: UnitOfWork, organisation_id: str, vehicle_id: str) -> Vehicle:
    vehicle = uow.vehicles.get(organisation_id, vehicle_id)
    if vehicle is None:
        raise NotFound("vehicle", vehicle_id)
    return vehicle


def _load_driver(uow: UnitOfWork, organisation_id: str, driver_id: str) -> Driver:
    driver = uow.drivers.get(organisation_id, driver_id)
    if driver is None:
        raise NotFound("driver", driver_id)
    return driver


def _check_vehicle_name(uow: UnitOfWork, vehicle: Vehicle) -> None:
    existing = uow.vehicles.get_by_name(vehicle.organisation_id, vehicle.name)
    if existing is not None and existing.id != vehicle.id:
        raise Conflict(f"a vehicle named {vehicle.name!r} exists already", field="name")


def _check_driver_name(uow: UnitOfWork, driver: Driver) -> None:
    existing = uow.drivers.get_by_name(driver.organisation_id, driver.name)
    if existing is not None and existing.id != driver.id:
        raise Conflict(f"a driver named {driver.name!r} exists already", field="name")


def only_own(principal: Principal) -> bool:
    """A driver's login sees only its own route; anyone who reads plans sees every route."""
    return Permission.PLANS_READ not in principal.permissions


def own_driver(uow: UnitOfWork, principal: Principal) -> Driver:
    """The driver record linked to the caller's login; NotFound when none is."""
    found = [
        d for d in uow.drivers.list(principal.organisation_id) if d.user_id == principal.actor_id
    ]
    if not found:
        raise NotFound(
            "driver", "for your login", "an administrator links your login to a driver record"
        )
    return found[0]
