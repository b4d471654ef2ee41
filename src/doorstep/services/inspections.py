"""Pre- and post-trip inspections; an unsafe defect opens maintenance and grounds the vehicle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from doorstep.domain.errors import Conflict, NotFound
from doorstep.domain.fleet import Vehicle
from doorstep.domain.inspections import (
    Inspection,
    InspectionKind,
    ItemResult,
    MaintenanceRecord,
    described,
)
from doorstep.domain.permissions import Permission
from doorstep.services.authorization import Principal, require
from doorstep.services.fleet import find_vehicle
from doorstep.services.ports import Clock, IdGenerator, UnitOfWork


def inspect(
    principal: Principal,
    vehicle_ref: str,
    day: date,
    kind: InspectionKind,
    items: Sequence[ItemResult],
    *,
    uow: UnitOfWork,
    clock: Clock,
    ids: IdGenerator,
) -> tuple[Inspection, MaintenanceRecord | None]:
    """Record an inspection; defects marked unsafe open a maintenance record."""
    require(principal, Permission.SCANS_WRITE)
    org = principal.organisation_id
    with uow:
        vehicle = find_vehicle(uow, org, vehicle_ref)
        found = record(uow, principal, vehicle, day, kind, items, at=clock.now(), ids=ids)
        uow.commit()
    return found


def record(
    uow: UnitOfWork,
    principal: Principal,
    vehicle: Vehicle,
    day: date,
    kind: InspectionKind,
    items: Sequence[ItemResult],
    *,
    at: datetime,
    ids: IdGenerator,
) -> tuple[Inspection, MaintenanceRecord | None]:
    """Store an inspection in the caller's transaction, and the maintenance it opens."""
    org = principal.organisation_id
    inspection = Inspection(
        ids.new_id("insp"), org, vehicle.id, day, kind, at, principal.actor_id, tuple(items)
    )
    uow.inspections.add(inspection)
    opened = None
    if inspection.unsafe:
        opened = MaintenanceRecord(
            ids.new_id("mnt"), org, vehicle.id, inspection.id, at, described(inspection.unsafe)
        )
        uow.maintenance.add(opened)
    return inspection, opened


def close_maintenance(
    principal: Principal, record_id: str, note: str, *, uow: UnitOfWork, clock: Clock
) -> MaintenanceRecord:
    """The vehicle is repaired: back in service (after its next pre-trip inspection)."""
    require(principal, Permission.NETWORK_WRITE)
    with uow:
        record = uow.maintenance.get(principal.organisation_id, record_id)
        if record is None:
            raise NotFound("maintenance record", record_id)
        closed = record.closed(clock.now(), principal.actor_id, note)
        uow.maintenance.update(closed)
        uow.commit()
    return closed


def check_ready(uow: UnitOfWork, org: str, vehicle: Vehicle, day: date) -> None:
    """Conflict unless the vehicle passed a pre-trip inspection today and is in service."""
    grounded = uow.maintenance.open_of_vehicle(org, vehicle.id)
    if grounded:
        raise Conflict(
            f"{vehicle.name} is out of service ({'; '.join(grounded[0].defects)}): close "
            f"maintenance {grounded[0].id} once it is repaired",
            "vehicle",
        )
    done = uow.inspections.of_vehicle_day(org, vehicle.id, day)
    passed = [i for i in done if i.kind is InspectionKind.PRE_TRIP and not i.unsafe]
    if not passed or (done and done[-1].unsafe):
        raise Conflict(
            f"{vehicle.name} has no pre-trip inspection on {day.isoformat()} without an "
            "unsafe defect: inspect it first",
            "vehicle",
        )
