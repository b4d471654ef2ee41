"""The station floor at a glance: where each parcel of the published sort plan stands now.

The sort plan says where each parcel belongs; its scans say how far it got. Put together per
lane, they are the counts a sorter or loader works down: still to come in, in to sort,
sorted into the lane, loaded, gone. The station screens read this after every few scans.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from doorstep.domain.errors import NotFound
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.permissions import Permission
from doorstep.domain.sorting import Assignment
from doorstep.domain.stations import Station
from doorstep.planning.versions import PlanVersion
from doorstep.services.authorization import Principal, require
from doorstep.services.ports import UnitOfWork
from doorstep.services.stations import resolve_station

S = OrderStatus


class Stage:
    """How far a parcel got at the station, from its status (its scans)."""

    EXPECTED = "expected"  # announced, not scanned in yet
    RECEIVED = "received"  # in the station, not in its lane yet
    SORTED = "sorted"  # in its lane, waiting for the vehicle
    LOADED = "loaded"  # on the vehicle
    GONE = "gone"  # left the station (out for delivery, delivered, ...)

    ALL = (EXPECTED, RECEIVED, SORTED, LOADED, GONE)


_STAGE = {
    S.READY: Stage.EXPECTED,
    S.RECEIVED: Stage.RECEIVED,
    S.SORTED: Stage.SORTED,
    S.LOADED: Stage.LOADED,
}


def stage_of(status: OrderStatus) -> str:
    return _STAGE.get(status, Stage.GONE)


@dataclass(frozen=True)
class ParcelOnFloor:
    assignment: Assignment
    status: OrderStatus  # from its scans; ready when never scanned
    stage: str
    lane: str  # the lane its last applied sort scan put it in ("" if none)
    vehicle_id: str  # the vehicle its last applied load scan put it on ("" if none)


@dataclass(frozen=True)
class LaneOnFloor:
    lane: str
    vehicle_id: str
    vehicle_name: str
    counts: dict[str, int]  # parcels per stage (every stage present)

    @property
    def parcels(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Floor:
    station: Station
    day: date
    version: PlanVersion
    lanes: tuple[LaneOnFloor, ...]
    parcels: tuple[ParcelOnFloor, ...]


def floor(principal: Principal, station_ref: str, day: date, *, uow: UnitOfWork) -> Floor:
    """Each lane of the day's published sort plan with its parcels counted by stage, and
    each parcel's status; NotFound before a plan of the day is published."""
    require(principal, Permission.ORDERS_READ)
    org = principal.organisation_id
    with uow:
        station = resolve_station(uow, org, "station", station_ref)
        version = uow.plans.published(org, station.id, day)
        if version is None:
            where = f"{station.code} {day.isoformat()}"
            raise NotFound("published plan", where, "publish the day's plan first")
        assignments = uow.assignments.of_day(org, station.id, day)
        found = uow.scans.states(org, [a.barcode for a in assignments])
        names = {v.id: v.name for v in uow.vehicles.list(org, station.id)}
    parcels = []
    for a in assignments:
        state = found.get(a.barcode)
        status = state[1].status if state else S.READY
        parcels.append(
            ParcelOnFloor(
                assignment=a,
                status=status,
                stage=stage_of(status),
                lane=state[1].lane if state else "",
                vehicle_id=state[1].vehicle_id if state else "",
            )
        )
    return Floor(station, day, version, _lanes(parcels, names), tuple(parcels))


def _lanes(parcels: list[ParcelOnFloor], names: dict[str, str]) -> tuple[LaneOnFloor, ...]:
    tally: dict[tuple[str, str], Counter[str]] = {}
    for p in parcels:
        key = (p.assignment.lane, p.assignment.vehicle_id)
        tally.setdefault(key, Counter())[p.stage] += 1
    return tuple(
        LaneOnFloor(lane, vehicle, names.get(vehicle, vehicle), {s: n[s] for s in Stage.ALL})
        for (lane, vehicle), n in sorted(tally.items(), key=lambda kv: _lane_key(kv[0][0]))
    )


def _lane_key(lane: str) -> tuple[int, str]:
    digits = "".join(ch for ch in lane if ch.isdigit())
    return (int(digits) if digits else 0, lane)
