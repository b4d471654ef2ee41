"""Vehicles."""

from __future__ import annotations

from fastapi import APIRouter, status

from doorstep.entrypoints.api.deps import ContainerDep, IdempotentDep, PrincipalDep
from doorstep.entrypoints.api.schemas.network import VehicleIn, VehicleOut, VehiclePatch
from doorstep.services import fleet

router = APIRouter(prefix="/vehicles", tags=["vehicles"])


@router.get("", summary="List vehicles, optionally of one station")
def list_vehicles(
    principal: PrincipalDep, c: ContainerDep, station_id: str | None = None
) -> list[VehicleOut]:
    return [VehicleOut.of(v) for v in fleet.list_vehicles(principal, station_id, uow=c.reader())]


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=VehicleOut, summary="Register a vehicle"
)
def add_vehicle(
    body: VehicleIn, principal: PrincipalDep, c: ContainerDep, once: IdempotentDep
) -> object:
    return once.run(
        201,
        lambda uow: VehicleOut.of(
            fleet.add_vehicle(principal, body.domain_fields(), uow=uow, ids=c.ids)
        ),
    )


@router.get("/{vehicle_id}", summary="One vehicle")
def get_vehicle(vehicle_id: str, principal: PrincipalDep, c: ContainerDep) -> VehicleOut:
    return VehicleOut.of(fleet.get_vehicle(principal, vehicle_id, uow=c.reader()))


@router.patch("/{vehicle_id}", summary="Change a vehicle")
def update_vehicle(
    vehicle_id: str, body: VehiclePatch, principal: PrincipalDep, c: ContainerDep
) -> VehicleOut:
    changes = body.domain_fields()
    return VehicleOut.of(fleet.update_vehicle(principal, vehicle_id, changes, uow=c.uow()))


@router.delete("/{vehicle_id}", summary="Retire a vehicle (kept for history, no longer planned)")
def retire_vehicle(vehicle_id: str, principal: PrincipalDep, c: ContainerDep) -> VehicleOut:
    return VehicleOut.of(fleet.retire_vehicle(principal, vehicle_id, uow=c.uow()))
