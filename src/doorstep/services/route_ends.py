"""Ending a route: the post-trip inspection, the parcels still on board and the cases they open.

A route ends once. Its end is stored with the post-trip inspection, which is either sent with
the end (its checklist answers) or was submitted on its own earlier (``inspections.inspect``,
kind post-trip, after the departure): then the latest such inspection is the one. An unsafe
post-trip defect opens maintenance, which grounds the vehicle for its next departure exactly
as a pre-trip one does. Each parcel still on the vehicle opens the same ``missed_scan`` case
closing the day would open, so whichever comes first names it; scanning the parcel back in at
the station clears the case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from doorstep.domain.errors import Conflict
from doorstep.domain.exceptions import ExceptionType
from doorstep.domain.fleet import Vehicle
from doorstep.domain.inspections import Inspection, InspectionKind, ItemResult
from doorstep.domain.loadout import Departure
from doorstep.domain.permissions import Permission
from doorstep.domain.reconciliation import Expected
from doorstep.domain.route_ends import RouteEnd, on_board
from doorstep.services import exceptions, inspections
from doorstep.services.authorization import Principal, require
from doorstep.services.fleet import find_vehicle
from doorstep.services.ports import Clock, IdGenerator, UnitOfWork


@dataclass(frozen=True)
class RouteEnded:
    end: RouteEnd
    vehicle: Vehicle
    inspection: Inspection


def end_route(
    principal: Principal,
    vehicle_ref: str,
    day: date,
    items: Sequence[ItemResult] | None = None,
    *,
    odometer_km: int | None = None,
    uow: UnitOfWork,
    clock: Clock,
    ids: IdGenerator,
) -> RouteEnded:
    """End the vehicle's route of ``day``, after the post-trip inspection ``items`` (None:
    the latest post-trip inspection submitted since it departed).

    Conflict if it has not departed, or without a post-trip inspection. Ending again returns
    the first end unchanged, whatever else is sent: nothing more is recorded.
    """
    require(principal, Permission.SCANS_WRITE)
    org = principal.organisation_id
    with uow:
        vehicle = find_vehicle(uow, org, vehicle_ref)
        departure = uow.departures.of_vehicle(org, vehicle.station_id, day, vehicle.id)
        if departure is None:
            raise Conflict(
                f"{vehicle.name} has not departed on {day.isoformat()}: a route ends only "
                "after its departure",
                "vehicle",
            )
        ended = uow.route_ends.of_departure(org, departure.id)
        if ended is None:
            # In UTC, as storage gives it back: a retried end answers exactly the same.
            now = clock.now().astimezone(UTC)
            ended = _end(uow, principal, vehicle, departure, items, odometer_km, now, ids)
            uow.commit()
        found = uow.inspections.of_vehicle_day(org, vehicle.id, day)
        inspection = next(i for i in found if i.id == ended.inspection_id)
    return RouteEnded(ended, vehicle, inspection)


def _end(
    uow: UnitOfWork,
    principal: Principal,
    vehicle: Vehicle,
    departure: Departure,
    items: Sequence[ItemResult] | None,
    odometer_km: int | None,
    now: datetime,
    ids: IdGenerator,
) -> RouteEnd:
    org, day = principal.organisation_id, departure.service_date
    if items is not None:
        inspection, opened = inspections.record(
            uow, principal, vehicle, day, InspectionKind.POST_TRIP, items, at=now, ids=ids
        )
        maintenance_id = opened.id if opened else None
    else:
        inspection = _post_trip(uow, org, vehicle, departure)
        grounding = uow.maintenance.open_of_vehicle(org, vehicle.id)
        maintenance_id = next((r.id for r in grounding if r.inspection_id == inspection.id), None)
    left = _on_board(uow, org, vehicle, departure)
    end = RouteEnd(
        ids.new_id("end"), org, departure.id, vehicle.id, day, now, principal.actor_id,
        inspection.id, tuple(p.barcode for p in left), maintenance_id, odometer_km,
    )  # fmt: skip
    uow.route_ends.add(end)
    exceptions.raise_cases(uow, org, _missed(vehicle, end, left), now)
    return end


def _post_trip(uow: UnitOfWork, org: str, vehicle: Vehicle, departure: Departure) -> Inspection:
    """The latest post-trip inspection since the departure: one from before it saw no route."""
    done = uow.inspections.of_vehicle_day(org, vehicle.id, departure.service_date)
    after = [
        i
        for i in done
        if i.kind is InspectionKind.POST_TRIP and i.inspected_at >= departure.departed_at
    ]
    if not after:
        left = departure.departed_at.isoformat(timespec="minutes")
        raise Conflict(
            f"{vehicle.name} has no post-trip inspection since it departed at {left}: "
            "inspect it, or send the checklist with the end of the route",
            "items",
        )
    return after[-1]


def _on_board(
    uow: UnitOfWork, org: str, vehicle: Vehicle, departure: Departure
) -> tuple[Expected, ...]:
    """The parcels of the route's orders, and any it left with, still on the vehicle."""
    version = uow.plans.published(org, departure.station_id, departure.service_date)
    route = version.route_of_vehicle(vehicle.id) if version else None
    owners = uow.orders.barcode_owners(org, list(departure.loaded))
    order_ids = set(route.stop_ids if route else ()) | set(owners.values())
    orders = uow.orders.get_many(org, sorted(order_ids))
    expected = sorted(
        (
            Expected(p.barcode, o.shipper, o.id, o.shipper_reference, o.status)
            for o in orders.values()
            for p in o.parcels
        ),
        key=lambda e: e.barcode,
    )
    states = {b: s for b, (_, s) in uow.scans.states(org, [e.barcode for e in expected]).items()}
    return on_board(vehicle.id, expected, states)


def _missed(vehicle: Vehicle, end: RouteEnd, left: Sequence[Expected]) -> list[exceptions.Trouble]:
    # The key is the one closing the day uses, so the day's close opens no second case.
    ended = end.ended_at.isoformat(timespec="minutes")
    return [
        exceptions.Trouble(
            ExceptionType.MISSED_SCAN,
            f"missed_scan:{p.barcode}:{end.service_date.isoformat()}",
            f"still on {vehicle.name} when its route ended at {ended}: scan it back in",
            p.barcode,
            p.order_id,
        )
        for p in left
    ]
