"""GPS positions: batches of pings in, a vehicle's day out as a trail and as visits to stops.

A batch is one transaction and one bulk insert; a ping already stored (same device, same
device time) is skipped by the database, so a retry after a lost answer stores nothing twice
and, as ingesting sends nothing, notifies nobody twice. Arrival order does not matter: every
read orders by device time. Arrivals and departures are computed when asked, from the pings
and the published route (``domain.geofence``), so a late ping simply counts next time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from doorstep.domain import geofence
from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.domain.fleet import Vehicle
from doorstep.domain.permissions import Permission
from doorstep.domain.positions import Ping, PingSource, PositionSettings, thinned
from doorstep.planning.versions import PlanVersion
from doorstep.services import arrivals, broadcasts
from doorstep.services.authorization import Principal, require
from doorstep.services.fleet import find_vehicle
from doorstep.services.ports import Broadcaster, Clock, UnitOfWork

MAX_BATCH = 5000
# A device clock this far ahead of ours is wrong, and its pings would sort after real ones.
MAX_CLOCK_AHEAD = timedelta(minutes=10)
PURGE_CHUNK = 10_000


@dataclass(frozen=True)
class IncomingPing:
    """One ping as a shell parsed it, not yet checked."""

    device_id: str
    vehicle_id: str
    device_time: datetime
    lat: float
    lon: float
    accuracy_m: float
    speed_mps: float | None
    heading_deg: float | None = None
    source: PingSource = PingSource.APP


@dataclass(frozen=True)
class Rejected:
    """A ping not stored: its place in the batch, the field at fault and what would do."""

    index: int
    field: str
    message: str


@dataclass(frozen=True)
class IngestReport:
    stored: int
    duplicate: int  # stored before (a retry): nothing changed
    rejected: tuple[Rejected, ...]


@dataclass(frozen=True)
class StopVisit:
    """A stop of the route (``number`` in plan order) and one stay there seen in the pings."""

    number: int
    stop_id: str  # the order's id
    planned_arrival_at: datetime
    arrived_at: datetime
    departed_at: datetime | None  # None: still there at the last ping


@dataclass(frozen=True)
class RouteDay:
    """A vehicle's day replayed: its trail and its visits to the published route's stops."""

    vehicle: Vehicle
    pings: tuple[Ping, ...]
    visits: tuple[StopVisit, ...]


def ingest(
    principal: Principal,
    pings: Sequence[IncomingPing],
    *,
    uow: UnitOfWork,
    clock: Clock,
    broadcast: Broadcaster | None = None,
) -> IngestReport:
    """Store a batch of up to ``MAX_BATCH`` pings; invalid ones are answered, not stored."""
    require(principal, Permission.SCANS_WRITE)
    if len(pings) > MAX_BATCH:
        raise InvalidValue(
            "pings", f"at most {MAX_BATCH} pings per request, got {len(pings)}; send the rest next"
        )
    org = principal.organisation_id
    valid, rejected = _checked(pings, clock.now())
    with uow:
        foreign = _unknown_vehicles(uow, org, {ping.vehicle_id for _, ping in valid})
        rejected += [
            Rejected(i, "vehicle_id", f"no vehicle of this organisation has id {p.vehicle_id!r}")
            for i, p in valid
            if p.vehicle_id in foreign
        ]
        keep = [ping for _, ping in valid if ping.vehicle_id not in foreign]
        stored = uow.positions.add_many(org, keep)
        uow.commit()
    if stored:  # a batch all duplicates completes no arrival the first copy did not
        arrivals.arrive_from_pings(principal, keep, uow=uow, clock=clock)
        broadcasts.positions_changed(broadcast, org, [p.vehicle_id for p in keep])
    rejected.sort(key=lambda r: r.index)
    return IngestReport(stored, len(keep) - stored, tuple(rejected))


def _checked(
    pings: Sequence[IncomingPing], now: datetime
) -> tuple[list[tuple[int, Ping]], list[Rejected]]:
    """The valid pings with their place in the batch, and the rejected ones."""
    valid: list[tuple[int, Ping]] = []
    rejected: list[Rejected] = []
    for index, incoming in enumerate(pings):
        try:
            ping = Ping(**vars(incoming))
        except InvalidValue as error:
            rejected.append(Rejected(index, error.field, error.message))
            continue
        if ping.device_time > now + MAX_CLOCK_AHEAD:
            why = f"is ahead of the server's clock ({now.isoformat()}); set the device's clock"
            rejected.append(Rejected(index, "device_time", why))
            continue
        valid.append((index, ping))
    return valid, rejected


def _unknown_vehicles(uow: UnitOfWork, org: str, vehicle_ids: set[str]) -> set[str]:
    return {v for v in vehicle_ids if uow.vehicles.get(org, v) is None}


def breadcrumbs(
    principal: Principal,
    vehicle_ref: str,
    day: date,
    *,
    uow: UnitOfWork,
    min_interval_s: float = 0,
) -> tuple[Ping, ...]:
    """The vehicle's pings on ``day`` (the station's local day) in time order, at most one per
    ``min_interval_s`` (plus the last)."""
    require(principal, Permission.PLANS_READ)
    if min_interval_s < 0:
        raise InvalidValue("min_interval_s", f"must be 0 or more seconds, got {min_interval_s}")
    with uow:
        vehicle = find_vehicle(uow, principal.organisation_id, vehicle_ref)
        pings = _pings_of_day(uow, vehicle, day)
    return tuple(thinned(pings, min_interval_s))


def replay(
    principal: Principal,
    vehicle_ref: str,
    day: date,
    *,
    uow: UnitOfWork,
    min_interval_s: float = 0,
) -> RouteDay:
    """The vehicle's day: its trail (thinned as ``breadcrumbs``) and, from all its pings, its
    arrivals at and departures from the stops of its published route, by the organisation's
    geofence settings."""
    require(principal, Permission.PLANS_READ)
    org = principal.organisation_id
    with uow:
        vehicle = find_vehicle(uow, org, vehicle_ref)
        version = uow.plans.published(org, vehicle.station_id, day)
        if version is None:
            raise NotFound("published plan", day.isoformat(), "the planner publishes the day first")
        stops, planned = _route_stops(uow, version, vehicle)
        settings = uow.positions.settings(org)
        pings = _pings_of_day(uow, vehicle, day)
    rules = geofence.GeofenceRules(settings.geofence_radius_m, settings.geofence_dwell_s)
    found = geofence.visits(pings, stops, rules)
    numbers = {stop.id: n for n, stop in enumerate(stops, start=1)}
    visits = tuple(
        StopVisit(numbers[v.stop_id], v.stop_id, planned[v.stop_id], v.arrived_at, v.departed_at)
        for v in found
    )
    return RouteDay(vehicle, tuple(thinned(pings, min_interval_s)), visits)


def visits(
    principal: Principal, vehicle_ref: str, day: date, *, uow: UnitOfWork
) -> tuple[StopVisit, ...]:
    """The vehicle's visits to its published route's stops on ``day``, by arrival."""
    return replay(principal, vehicle_ref, day, uow=uow).visits


def _route_stops(
    uow: UnitOfWork, version: PlanVersion, vehicle: Vehicle
) -> tuple[list[geofence.Stop], dict[str, datetime]]:
    """The route's stops with a known place, in plan order, and each one's planned arrival."""
    route = version.route_of_vehicle(vehicle.id)
    if route is None or not route.visits:
        return [], {}
    orders = uow.orders.get_many(version.organisation_id, list(route.stop_ids))
    stops: list[geofence.Stop] = []
    planned: dict[str, datetime] = {}
    for visit in route.visits:
        order = orders.get(visit.stop_id)
        if order is not None and order.location is not None:
            stops.append(geofence.Stop(visit.stop_id, order.location))
            planned[visit.stop_id] = version.at(visit.arrival_s)
    return stops, planned


def _pings_of_day(uow: UnitOfWork, vehicle: Vehicle, day: date) -> list[Ping]:
    station = uow.stations.get(vehicle.organisation_id, vehicle.station_id)
    zone = ZoneInfo(station.timezone) if station is not None else ZoneInfo("UTC")
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return uow.positions.between(vehicle.organisation_id, vehicle.id, start, end)


def last_position(uow: UnitOfWork, organisation_id: str, vehicle_id: str) -> Ping | None:
    """The vehicle's latest ping by device time, inside the caller's unit of work (for the
    tracking page and live ETAs, which act for the organisation without a person)."""
    with uow:
        return uow.positions.latest(organisation_id, vehicle_id)


def purge(*, uow: UnitOfWork, clock: Clock, chunk: int = PURGE_CHUNK) -> dict[str, int]:
    """Delete pings older than each organisation's retention, in transactions of about
    ``chunk`` pings (so writers wait little); how many went, by organisation id."""
    now = clock.now()
    with uow:
        organisations = [o.id for o in uow.organisations.list()]
    return {org: _purge_organisation(uow, org, now, chunk) for org in organisations}


def _purge_organisation(uow: UnitOfWork, org: str, now: datetime, chunk: int) -> int:
    with uow:
        before = now - timedelta(days=uow.positions.settings(org).retention_days)
        vehicles = [v.id for v in uow.vehicles.list(org)]
    total = 0
    for vehicle_id in vehicles:
        gone = chunk
        while gone >= chunk:
            with uow:
                gone = uow.positions.purge(org, vehicle_id, before, chunk)
                uow.commit()
            total += gone
    return total


def position_settings(principal: Principal, *, uow: UnitOfWork) -> PositionSettings:
    require(principal, Permission.ORGANISATION_READ)
    with uow:
        return uow.positions.settings(principal.organisation_id)


def change_position_settings(
    principal: Principal, changes: Mapping[str, Any], *, uow: UnitOfWork
) -> PositionSettings:
    """Change retention and geofence settings; ``changes`` holds the fields to change."""
    require(principal, Permission.ORGANISATION_WRITE)
    org = principal.organisation_id
    with uow:
        settings = replace(uow.positions.settings(org), **changes)
        uow.positions.save_settings(org, settings)
        uow.commit()
    return settings
