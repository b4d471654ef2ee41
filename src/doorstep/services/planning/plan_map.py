"""A plan version as a map draws it: each route's stops in order with their places and
times, the road path that joins them, and the orders left out where they are.

The plan version holds its stops' coordinates (``Problem.coordinates``), so the map needs no
order reads except for the orders left out. A route's path is one road path per leg from the
travel provider (at the leg's departure hour); a leg the roads cannot join is drawn straight
and the route says so, so a map never silently pretends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import Location
from doorstep.domain.permissions import Permission
from doorstep.planning.travel import TravelTimes, TravelUnavailable, UnroutablePoint
from doorstep.planning.versions import PlanVersion
from doorstep.services.authorization import Principal, require
from doorstep.services.planning.runs import get_plan
from doorstep.services.ports import UnitOfWork

Point = tuple[float, float]  # lat, lon


@dataclass(frozen=True)
class MapStop:
    order_id: str
    position: int  # 1 for the route's first stop
    lat: float
    lon: float
    arrival_at: datetime
    departure_at: datetime


@dataclass(frozen=True)
class MapRoute:
    vehicle_id: str
    vehicle_name: str
    profile: str
    start_at: datetime
    end_at: datetime
    distance_m: int
    stops: tuple[MapStop, ...]
    path: tuple[Point, ...]  # depot, stops, depot along the roads (straight where unroutable)
    straight_legs: int  # legs drawn straight because no road path joins them


@dataclass(frozen=True)
class MapLeftOut:
    order_id: str
    reason: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class PlanMap:
    version: PlanVersion
    depot: Point
    routes: tuple[MapRoute, ...]
    left_out: tuple[MapLeftOut, ...]


def plan_map(
    principal: Principal,
    plan_id: str,
    *,
    uow: UnitOfWork,
    travel: TravelTimes | None,
    vehicle_names: dict[str, str] | None = None,
) -> PlanMap:
    """The plan ``plan_id`` for a map; without ``travel``, routes are drawn stop to stop."""
    require(principal, Permission.PLANS_READ)
    version = get_plan(principal, plan_id, uow=uow)
    org = principal.organisation_id
    with uow:
        names = vehicle_names or {v.id: v.name for v in uow.vehicles.list(org)}
        outside = [order_id for order_id, _ in version.left_out]
        unplanned = [u.stop_id for u in version.plan.unassigned]
        found = uow.orders.get_many(org, outside + unplanned)
    problem = version.inputs
    coords = problem.coordinates
    stops = {s.id: s for s in problem.stops}
    vehicles = {v.id: v for v in problem.vehicles}
    routes: list[MapRoute] = []
    for route in version.plan.routes:
        if not route.visits:
            continue
        vehicle = vehicles[route.vehicle_id]
        depot = problem.depots[vehicle.start_depot].location
        end_depot = problem.depots[vehicle.end_depot].location
        visits = tuple(
            MapStop(
                v.stop_id,
                n,
                *coords[stops[v.stop_id].location],
                version.at(v.arrival_s),
                version.at(v.departure_s),
            )
            for n, v in enumerate(route.visits, start=1)
        )
        places = [coords[depot], *((s.lat, s.lon) for s in visits), coords[end_depot]]
        departures = [version.at(route.start_s), *(s.departure_at for s in visits)]
        path, straight = _path(places, departures, vehicle.profile, travel)
        routes.append(
            MapRoute(
                route.vehicle_id,
                names.get(route.vehicle_id, route.vehicle_id),
                vehicle.profile,
                version.at(route.start_s),
                version.at(route.end_s),
                route.distance_m,
                visits,
                path,
                straight,
            )
        )
    reasons = dict(version.left_out) | {
        u.stop_id: u.reason.message if u.reason else "left out" for u in version.plan.unassigned
    }
    left: list[MapLeftOut] = []
    for order_id, reason in reasons.items():
        order = found.get(order_id)
        where = order.location if order is not None else None
        left.append(
            MapLeftOut(order_id, reason, where.lat if where else None, where.lon if where else None)
        )
    depot_point = coords[problem.depots[0].location] if problem.depots else (0.0, 0.0)
    return PlanMap(version, depot_point, tuple(routes), tuple(left))


def _path(
    places: Sequence[Point],
    departures: Sequence[datetime],
    profile: str,
    travel: TravelTimes | None,
) -> tuple[tuple[Point, ...], int]:
    points: list[Point] = [places[0]]
    straight = 0
    for k in range(len(places) - 1):
        a, b = places[k], places[k + 1]
        leg: Sequence[Point] = (a, b)
        if travel is not None and a != b:
            try:
                found = travel.path(
                    Location(*a), Location(*b), profile=SpeedProfile(profile),
                    departure=departures[k],
                )  # fmt: skip
                leg = list(found.points) or leg
            except (UnroutablePoint, TravelUnavailable):
                straight += 1
        elif travel is None:
            straight += 1
        points.extend(leg[1:] if leg[0] == points[-1] else leg)
    return tuple(points), straight
