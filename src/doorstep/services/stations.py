"""Registering and maintaining stations (depots)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from doorstep.domain.errors import Conflict, InvalidValue, NotFound
from doorstep.domain.permissions import Permission
from doorstep.domain.stations import Station
from doorstep.services.authorization import Principal, require
from doorstep.services.ports import IdGenerator, UnitOfWork


def add_station(
    principal: Principal, fields: Mapping[str, Any], *, uow: UnitOfWork, ids: IdGenerator
) -> Station:
    require(principal, Permission.NETWORK_WRITE)
    station = Station(id=ids.new_id("stn"), organisation_id=principal.organisation_id, **fields)
    with uow:
        _check_code_free(uow, station)
        uow.stations.add(station)
        uow.commit()
    return station


def get_station(principal: Principal, station_id: str, *, uow: UnitOfWork) -> Station:
    require(principal, Permission.NETWORK_READ)
    with uow:
        return load_station(uow, principal.organisation_id, station_id)


def list_stations(principal: Principal, *, uow: UnitOfWork) -> Sequence[Station]:
    require(principal, Permission.NETWORK_READ)
    with uow:
        return uow.stations.list(principal.organisation_id)


def update_station(
    principal: Principal, station_id: str, changes: Mapping[str, Any], *, uow: UnitOfWork
) -> Station:
    require(principal, Permission.NETWORK_WRITE)
    with uow:
        updated = replace(load_station(uow, principal.organisation_id, station_id), **changes)
        _check_code_free(uow, updated)
        uow.stations.update(updated)
        uow.commit()
    return updated


def delete_station(principal: Principal, station_id: str, *, uow: UnitOfWork) -> None:
    """Delete a station nothing refers to; one with vehicles, drivers or orders is kept."""
    require(principal, Permission.NETWORK_WRITE)
    with uow:
        station = load_station(uow, principal.organisation_id, station_id)
        if uow.stations.in_use(station):
            raise Conflict(
                f"station {station.code} still has vehicles, drivers or orders; move or remove them"
            )
        uow.stations.delete(station)
        uow.commit()


def load_station(uow: UnitOfWork, organisation_id: str, station_id: str) -> Station:
    station = uow.stations.get(organisation_id, station_id)
    if station is None:
        raise NotFound("station", station_id)
    return station


def resolve_station(uow: UnitOfWork, organisation_id: str, field: str, reference: str) -> Station:
    """Find the station an input field names by id or code; an unknown one is that field's fault."""
    station = uow.stations.get(organisation_id, reference) or uow.stations.get_by_code(
        organisation_id, reference
    )
    if station is None:
        raise InvalidValue(field, f"no station with id or code {reference!r} in your organisation")
    return station


def _check_code_free(uow: UnitOfWork, station: Station) -> None:
    existing = uow.stations.get_by_code(station.organisation_id, station.code)
    if existing is not None and existing.id != station.id:
        raise Conflict(f"station code {station.code} is taken by another station", field="code")
