"""Stations (depots)."""

from __future__ import annotations

from fastapi import APIRouter, status

from doorstep.entrypoints.api.deps import ContainerDep, IdempotentDep, PrincipalDep
from doorstep.entrypoints.api.schemas.network import StationIn, StationOut, StationPatch
from doorstep.services import stations

router = APIRouter(prefix="/stations", tags=["stations"])


@router.get("", summary="List stations")
def list_stations(principal: PrincipalDep, c: ContainerDep) -> list[StationOut]:
    return [StationOut.of(s) for s in stations.list_stations(principal, uow=c.reader())]


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=StationOut, summary="Register a station"
)
def add_station(
    body: StationIn, principal: PrincipalDep, c: ContainerDep, once: IdempotentDep
) -> object:
    return once.run(
        201,
        lambda uow: StationOut.of(
            stations.add_station(principal, body.domain_fields(), uow=uow, ids=c.ids)
        ),
    )


@router.get("/{station_id}", summary="One station")
def get_station(station_id: str, principal: PrincipalDep, c: ContainerDep) -> StationOut:
    return StationOut.of(stations.get_station(principal, station_id, uow=c.reader()))


@router.patch("/{station_id}", summary="Change a station")
def update_station(
    station_id: str, body: StationPatch, principal: PrincipalDep, c: ContainerDep
) -> StationOut:
    changes = body.domain_fields()
    return StationOut.of(stations.update_station(principal, station_id, changes, uow=c.uow()))


@router.delete(
    "/{station_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete an unused station"
)
def delete_station(station_id: str, principal: PrincipalDep, c: ContainerDep) -> None:
    stations.delete_station(principal, station_id, uow=c.uow())
