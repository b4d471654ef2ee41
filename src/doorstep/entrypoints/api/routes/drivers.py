"""Drivers."""

from __future__ import annotations

from fastapi import APIRouter, status

from doorstep.entrypoints.api.deps import ContainerDep, IdempotentDep, PrincipalDep
from doorstep.entrypoints.api.schemas.network import DriverIn, DriverOut, DriverPatch
from doorstep.services import fleet

router = APIRouter(prefix="/drivers", tags=["drivers"])


@router.get("", summary="List drivers, optionally of one station")
def list_drivers(
    principal: PrincipalDep, c: ContainerDep, station_id: str | None = None
) -> list[DriverOut]:
    return [DriverOut.of(v) for v in fleet.list_drivers(principal, station_id, uow=c.reader())]


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=DriverOut, summary="Register a driver"
)
def add_driver(
    body: DriverIn, principal: PrincipalDep, c: ContainerDep, once: IdempotentDep
) -> object:
    return once.run(
        201,
        lambda uow: DriverOut.of(
            fleet.add_driver(principal, body.domain_fields(), uow=uow, ids=c.ids)
        ),
    )


@router.get("/{driver_id}", summary="One driver")
def get_driver(driver_id: str, principal: PrincipalDep, c: ContainerDep) -> DriverOut:
    return DriverOut.of(fleet.get_driver(principal, driver_id, uow=c.reader()))


@router.patch("/{driver_id}", summary="Change a driver")
def update_driver(
    driver_id: str, body: DriverPatch, principal: PrincipalDep, c: ContainerDep
) -> DriverOut:
    changes = body.domain_fields()
    return DriverOut.of(fleet.update_driver(principal, driver_id, changes, uow=c.uow()))


@router.delete("/{driver_id}", summary="Retire a driver (kept for history, no longer planned)")
def retire_driver(driver_id: str, principal: PrincipalDep, c: ContainerDep) -> DriverOut:
    return DriverOut.of(fleet.retire_driver(principal, driver_id, uow=c.uow()))
