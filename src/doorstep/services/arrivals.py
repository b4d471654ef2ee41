"""Arrivals from GPS: a van that stays within a stop's geofence is arrived there, unscanned.

After a batch of pings is stored, each van's recent pings are matched against the open stops
of its published route (``domain.geofence``); an arrival becomes an ``arrive`` scan of each
parcel of the stop, as if the driver had tapped "arrived". The scan's id is made from the
parcel and the arrival time, so the same arrival seen again (a retried batch, the next
batch's overlapping window) is a duplicate, never a second scan; and it goes through the
same ingestion, so the board's dwell time, the live ETA ("serving this stop") and the
tracking page follow GPS alone.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from doorstep.domain import geofence
from doorstep.domain.geo import METRES_PER_DEGREE
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.positions import Ping
from doorstep.domain.scans import ScanKind
from doorstep.planning.problem import Problem
from doorstep.services import scans
from doorstep.services.authorization import Principal
from doorstep.services.ports import Clock, UnitOfWork

# Long enough to hold a whole dwell before the batch's first ping, short enough to read fast.
LOOK_BACK = timedelta(minutes=20)
_OPEN = frozenset({OrderStatus.OUT_FOR_DELIVERY, OrderStatus.FAILED_ATTEMPT})


def arrive_from_pings(
    principal: Principal, pings: Sequence[Ping], *, uow: UnitOfWork, clock: Clock
) -> int:
    """Arrive scans for the geofence arrivals the batch's pings complete; how many were new."""
    by_vehicle: dict[str, list[Ping]] = defaultdict(list)
    for ping in pings:
        by_vehicle[ping.vehicle_id].append(ping)
    org, found = principal.organisation_id, []
    with uow:
        settings = uow.positions.settings(org)
        rules = geofence.GeofenceRules(settings.geofence_radius_m, settings.geofence_dwell_s)
        for vehicle_id, batch in by_vehicle.items():
            found += _arrivals(uow, org, vehicle_id, batch, rules)
    if not found:
        return 0
    report = scans.ingest(principal, found, uow=uow, clock=clock)
    return report.counts["stored"]


def _arrivals(
    uow: UnitOfWork,
    org: str,
    vehicle_id: str,
    batch: list[Ping],
    rules: geofence.GeofenceRules,
) -> list[scans.IncomingScan]:
    vehicle = uow.vehicles.get(org, vehicle_id)
    station = uow.stations.get(org, vehicle.station_id) if vehicle else None
    if vehicle is None or station is None:
        return []
    last = max(p.device_time for p in batch)
    day = last.astimezone(ZoneInfo(station.timezone)).date()
    version = uow.plans.published(org, station.id, day)
    route = version.route_of_vehicle(vehicle.id) if version else None
    if version is None or route is None or not route.visits:
        return []
    first = min(p.device_time for p in batch) - LOOK_BACK
    recent = uow.positions.between(org, vehicle.id, first, last + timedelta(seconds=1))
    # Only the stops the recent pings came near can be arrived at: reading those orders
    # alone keeps a ping batch's cost flat however long the route.
    near = _near(version.inputs, route.stop_ids, recent, rules.reach_m)
    if not near:
        return []
    orders = uow.orders.get_many(org, near)
    barcodes = [p.barcode for o in orders.values() for p in o.parcels]
    states = {b: s for b, (_, s) in uow.scans.states(org, barcodes).items()}
    # Every near stop, served or not, competes for the van's stay: parked at a stop it has
    # just served, the van is there, not at the open stop next door.
    stops = [
        geofence.Stop(o.id, o.location)
        for o in (orders.get(i) for i in route.stop_ids)
        if o is not None and o.location is not None
    ]
    open_ids = {
        o.id
        for o in orders.values()
        if any((s := states.get(p.barcode)) and s.status in _OPEN for p in o.parcels)
    }
    if not open_ids:
        return []
    found = []
    seen = geofence.visits(recent, stops, rules)
    for visit in geofence.one_at_a_time(seen, recent, stops, rules):
        if visit.stop_id not in open_ids:
            continue
        order = orders[visit.stop_id]
        assert order.location is not None
        for parcel in order.parcels:
            state = states.get(parcel.barcode)
            if state is None or state.status not in _OPEN:
                continue
            found.append(
                scans.IncomingScan(
                    _scan_id(org, parcel.barcode, visit.arrived_at),
                    ScanKind.ARRIVE,
                    parcel.barcode,
                    visit.arrived_at,
                    device="geofence",
                    position=order.location,
                )
            )
    return found


def _near(
    inputs: Problem, stop_ids: Sequence[str], pings: Sequence[Ping], reach_m: float
) -> list[str]:
    """The stops of ``stop_ids`` within ``reach_m`` (plus a fix's worst error) of the box
    around ``pings``; all of them when the plan holds no coordinates."""
    if not pings:
        return []
    where = inputs.coordinates
    if not where:
        return list(stop_ids)
    margin = reach_m + max(p.accuracy_m for p in pings)
    south, north = min(p.lat for p in pings), max(p.lat for p in pings)
    west, east = min(p.lon for p in pings), max(p.lon for p in pings)
    d_lat = margin / METRES_PER_DEGREE
    widest = math.cos(math.radians(max(abs(south), abs(north))))  # the box's narrowest degree
    d_lon = margin / (METRES_PER_DEGREE * max(0.01, widest))
    found = []
    for stop_id in stop_ids:
        stop = inputs.stops_by_id.get(stop_id)
        if stop is None or stop.location >= len(where):
            found.append(stop_id)  # not placed in the plan: look at it the slow way
            continue
        lat, lon = where[stop.location]
        if south - d_lat <= lat <= north + d_lat and west - d_lon <= lon <= east + d_lon:
            found.append(stop_id)
    return found


def _scan_id(org: str, barcode: str, arrived_at: datetime) -> str:
    key = f"{org}\n{barcode}\n{arrived_at.isoformat()}"
    return "geo-" + hashlib.sha256(key.encode()).hexdigest()[:32]
