"""A plan version as a timeline: each route's day cut into drive, wait, service and break.

The public plan (``GET /plans/{id}``) gives each visit's arrival, start and departure and the
break's start, but not how long the break lasts nor which leg it interrupts; a Gantt needs
both. The version keeps them (``Route.break_after`` and the vehicle's ``Break``), so the
segments are read off the stored times with no solver run: the same times the plan shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from doorstep.domain.permissions import Permission
from doorstep.planning.plan import Route
from doorstep.planning.problem import Vehicle
from doorstep.planning.versions import PlanVersion
from doorstep.services.authorization import Principal, require
from doorstep.services.planning.runs import get_plan
from doorstep.services.ports import UnitOfWork


class SegmentKind(StrEnum):
    DRIVE = "drive"
    WAIT = "wait"  # early at a stop (before its window) or before the break's window opens
    SERVICE = "service"
    BREAK = "break"


@dataclass(frozen=True)
class Segment:
    kind: SegmentKind
    start_at: datetime
    end_at: datetime
    order_id: str | None = None  # the stop served or driven to; None for the way back
    position: int | None = None  # 1 for the route's first stop


@dataclass(frozen=True)
class RouteTimeline:
    vehicle_id: str
    vehicle_name: str
    start_at: datetime
    end_at: datetime
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class PlanTimeline:
    version: PlanVersion
    timezone: str  # the station's: the axis of the day
    routes: tuple[RouteTimeline, ...]  # routes with visits, in the plan's order


def plan_timeline(principal: Principal, plan_id: str, *, uow: UnitOfWork) -> PlanTimeline:
    """The timeline of plan ``plan_id``: one row per route that has stops."""
    require(principal, Permission.PLANS_READ)
    version = get_plan(principal, plan_id, uow=uow)
    org = principal.organisation_id
    with uow:
        station = uow.stations.get(org, version.station_id)
        names = {v.id: v.name for v in uow.vehicles.list(org)}
    timezone = station.timezone if station is not None else str(version.epoch.tzinfo)
    vehicles = version.inputs.vehicles_by_id
    rows = tuple(
        RouteTimeline(
            route.vehicle_id,
            names.get(route.vehicle_id, route.vehicle_id),
            version.at(route.start_s),
            version.at(route.end_s),
            tuple(_segments(version, route, vehicles.get(route.vehicle_id))),
        )
        for route in version.plan.routes
        if route.visits
    )
    return PlanTimeline(version, timezone, rows)


def _segments(version: PlanVersion, route: Route, vehicle: Vehicle | None) -> list[Segment]:
    """Drive to each stop, wait for its window, serve it; the break after the visit it follows.

    ``t`` is when the van is free to drive on; zero-length pieces are left out.
    """
    found: list[Segment] = []

    def add(kind: SegmentKind, start: int, end: int, order: str | None, n: int | None) -> None:
        if end > start:
            found.append(Segment(kind, version.at(start), version.at(end), order, n))

    brk = vehicle.break_ if vehicle is not None else None
    has_break = brk is not None and route.break_start_s is not None

    def take_break(free_s: int) -> int:
        assert brk is not None
        assert route.break_start_s is not None
        start = route.break_start_s
        add(SegmentKind.WAIT, free_s, start, None, None)
        add(SegmentKind.BREAK, start, start + brk.duration_s, None, None)
        return max(free_s, start + brk.duration_s)

    t = route.start_s
    if has_break and route.break_after == -1:
        t = take_break(t)
    for n, visit in enumerate(route.visits, start=1):
        add(SegmentKind.DRIVE, t, visit.arrival_s, visit.stop_id, n)
        add(SegmentKind.WAIT, visit.arrival_s, visit.start_s, visit.stop_id, n)
        add(SegmentKind.SERVICE, visit.start_s, visit.departure_s, visit.stop_id, n)
        t = max(t, visit.departure_s)
        if has_break and route.break_after == n - 1:
            t = take_break(t)
    add(SegmentKind.DRIVE, t, route.end_s, None, None)
    if has_break and route.break_after is None:  # an older version without the place: show it
        assert brk is not None
        assert route.break_start_s is not None
        add(
            SegmentKind.BREAK, route.break_start_s, route.break_start_s + brk.duration_s, None, None
        )
        found.sort(key=lambda s: s.start_at)
    return found
