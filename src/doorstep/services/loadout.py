"""Loading a vehicle from the published sort plan, and its departure with what it carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from doorstep.domain.errors import Conflict, NotFound
from doorstep.domain.exceptions import ExceptionType
from doorstep.domain.fleet import Vehicle
from doorstep.domain.loadout import Departure, LoadList, load_list
from doorstep.domain.permissions import Permission
from doorstep.domain.scans import ScanKind
from doorstep.domain.stations import Station
from doorstep.planning.versions import PlanVersion
from doorstep.services import broadcasts, exceptions, inspections, scans
from doorstep.services.authorization import Principal, require
from doorstep.services.fleet import find_vehicle
from doorstep.services.ports import Broadcaster, Clock, IdGenerator, UnitOfWork
from doorstep.services.scans import IncomingScan
from doorstep.services.stations import resolve_station


@dataclass(frozen=True)
class LoadOut:
    station: Station
    vehicle: Vehicle
    version: PlanVersion
    list: LoadList
    departure: Departure | None


def load_out(
    principal: Principal, station_ref: str, day: date, vehicle_ref: str, *, uow: UnitOfWork
) -> LoadOut:
    """The vehicle's parcels in load order (last stop first), each loaded or still missing."""
    require(principal, Permission.ORDERS_READ)
    with uow:
        return _load_out(uow, principal.organisation_id, station_ref, day, vehicle_ref)


def depart(
    principal: Principal,
    station_ref: str,
    day: date,
    vehicle_ref: str,
    *,
    override_reason: str = "",
    uow: UnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    broadcast: Broadcaster | None = None,
) -> Departure:
    """Record the vehicle leaving and send its loaded parcels out for delivery.

    The vehicle needs that day's pre-trip inspection without an unsafe defect, and no open
    maintenance. Parcels still missing stop it unless ``override_reason`` says why it leaves
    without them; both are recorded. A vehicle departs once a day: a second time is a Conflict.
    """
    require(principal, Permission.SCANS_WRITE)
    org = principal.organisation_id
    with uow:
        found = _load_out(uow, org, station_ref, day, vehicle_ref)
        if found.departure is not None:
            left = found.departure.departed_at.isoformat(timespec="minutes")
            raise Conflict(f"{found.vehicle.name} departed already, at {left}", "vehicle")
        inspections.check_ready(uow, org, found.vehicle, day)
        now = clock.now()
        departure = Departure(
            id=ids.new_id("dep"),
            organisation_id=org,
            plan_id=found.version.id,
            station_id=found.station.id,
            service_date=day,
            vehicle_id=found.vehicle.id,
            departed_at=now,
            actor_id=principal.actor_id,
            loaded=tuple(i.assignment.barcode for i in found.list.items if i.loaded),
            missing=tuple(i.assignment.barcode for i in found.list.missing),
            override_reason=override_reason.strip(),
        )
        uow.departures.add(departure)
        behind = [
            exceptions.Trouble(
                ExceptionType.MISSING_PARCEL,
                f"missing_parcel:{departure.id}:{i.assignment.barcode}",
                f"left behind by {found.vehicle.name}: {departure.override_reason}",
                i.assignment.barcode,
                i.assignment.order_id,
            )
            for i in found.list.missing
        ]
        exceptions.raise_cases(uow, org, behind, now)
        at = found.list.departs_at(now)
        out = [
            IncomingScan(f"{departure.id}-{barcode}"[:64], ScanKind.DEPART, barcode, at)
            for barcode in departure.loaded
        ]
        for start in range(0, len(out), scans.MAX_BATCH):  # joins this transaction
            scans.ingest(principal, out[start : start + scans.MAX_BATCH], uow=uow, clock=clock)
        uow.commit()
    # After the commit, so a page that re-reads the board on this notice sees the departure.
    broadcasts.route_departed(broadcast, org, departure.station_id, day, departure.vehicle_id)
    return departure


def _load_out(uow: UnitOfWork, org: str, station_ref: str, day: date, vehicle_ref: str) -> LoadOut:
    station = resolve_station(uow, org, "station", station_ref)
    vehicle = find_vehicle(uow, org, vehicle_ref)
    if vehicle.station_id != station.id:
        raise NotFound("vehicle", vehicle_ref, f"give the name or id of a {station.code} vehicle")
    version = uow.plans.published(org, station.id, day)
    if version is None:
        raise NotFound(
            "published plan", f"{station.code} {day.isoformat()}", "publish the day's plan first"
        )
    mine = [a for a in uow.assignments.of_day(org, station.id, day) if a.vehicle_id == vehicle.id]
    states = {b: s for b, (_, s) in uow.scans.states(org, [a.barcode for a in mine]).items()}
    departure = uow.departures.of_vehicle(org, station.id, day, vehicle.id)
    return LoadOut(station, vehicle, version, load_list(vehicle.id, mine, states), departure)
