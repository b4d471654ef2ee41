"""Live ETAs of a route's open stops, from its scans so far (``planning.eta`` does the maths).

Where the van is comes from the scans: the last stop done (delivered or failed) and when, the
stop the driver arrived at and is still serving, or the station and the departure (or the
planned start, before it). How the day runs comes from the same place: each pair of stops
done one after the other says how the time between them compared with the plan, and that
drift moves every later stop. Service times fall back to the planned ones until history
teaches them (``planning.service_times``). One travel-matrix call per route and request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise

from doorstep.domain.errors import DomainError, NotFound
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Order, OrderKind
from doorstep.domain.permissions import Permission
from doorstep.domain.scans import ParcelState
from doorstep.domain.schedules import TimeWindow
from doorstep.planning.eta import Drift, EtaModel, RemainingStop, VehicleState, live_etas
from doorstep.planning.plan import Route
from doorstep.planning.problem import Window
from doorstep.planning.service_times import ServiceObservation, ServiceTimes, stop_kind
from doorstep.planning.travel import TravelTimes
from doorstep.planning.versions import PlanVersion
from doorstep.services.authorization import Principal, require
from doorstep.services.fleet import find_vehicle
from doorstep.services.ports import Clock, EtaWindows, ServiceMark, UnitOfWork

DONE = frozenset({OrderStatus.DELIVERED, OrderStatus.FAILED_ATTEMPT})
HISTORY = timedelta(days=28)  # service times learnt from the last four weeks of scans
HISTORY_MARKS = 20_000  # at most, the newest: a few thousand services, milliseconds to learn
LONGEST_SERVICE_S = 2 * 3600
SAMPLES = 200  # futures per recompute: p10/p90 to within a minute or so, in milliseconds


@dataclass(frozen=True)
class StopEta:
    order_id: str
    eta: datetime  # the p50, what the customer is told
    earliest: datetime  # p10
    latest: datetime  # p90
    late_probability: float  # of starting service after the order's window
    late_risk: bool


@dataclass(frozen=True)
class RouteEtas:
    vehicle_id: str
    at: datetime
    stops: tuple[StopEta, ...]  # the open stops, in route order

    def of(self, order_id: str) -> StopEta | None:
        return next((s for s in self.stops if s.order_id == order_id), None)


def route_etas(
    principal: Principal,
    vehicle_ref: str,
    day: date,
    *,
    uow: UnitOfWork,
    travel: TravelTimes,
    clock: Clock,
) -> RouteEtas:
    """The live ETA of each open stop of the vehicle's published route on ``day``."""
    require(principal, Permission.ORDERS_READ)
    org = principal.organisation_id
    with uow:
        vehicle = find_vehicle(uow, org, vehicle_ref)
        version = uow.plans.published(org, vehicle.station_id, day)
        route = version.route_of_vehicle(vehicle.id) if version else None
        if version is None or route is None or not route.visits:
            raise NotFound("route", f"{vehicle.name} {day.isoformat()}", "it has no stops today")
        return etas(uow, org, version, route, clock.now(), travel)


def etas(
    uow: UnitOfWork,
    org: str,
    version: PlanVersion,
    route: Route,
    now: datetime,
    travel: TravelTimes,
    service: ServiceTimes | None = None,
) -> RouteEtas:
    """The route's live ETAs inside an open unit of work (for the tracking page and the board);
    ``service`` when the caller learnt the service times already (one read for all routes)."""
    orders = uow.orders.get_many(org, list(route.stop_ids))
    barcodes = [p.barcode for o in orders.values() for p in o.parcels]
    states = {b: s for b, (_, s) in uow.scans.states(org, barcodes).items()}
    done = {i: at for i in route.stop_ids if (at := _done_at(orders.get(i), states))}
    arrived = {
        i: at for i in route.stop_ids if i not in done and (at := _arrived(orders[i], states))
    }
    open_visits = [v for v in route.visits if v.stop_id not in done]
    # A stop the driver is at comes first, whatever the plan's order: it is being served.
    open_visits.sort(key=lambda v: v.stop_id not in arrived)
    if not open_visits:
        return RouteEtas(route.vehicle_id, now, ())
    seconds = _Seconds(version)
    stops = [_remaining(orders[v.stop_id], v.start_s - v.arrival_s, seconds) for v in open_visits]
    state = _where(uow, org, version, route, orders, done, arrived, open_visits[0].stop_id, now)
    service = service or learned_service_times(uow, org, now)
    model = EtaModel(service=service, legs=_drift(route, done, seconds), samples=SAMPLES)
    found = live_etas(state, stops, travel=travel, epoch=version.epoch, model=model)
    return RouteEtas(
        route.vehicle_id,
        now,
        tuple(
            StopEta(
                e.stop_id,
                version.at(e.p50_s),
                version.at(e.p10_s),
                version.at(e.p90_s),
                e.late_probability,
                e.late_risk,
            )
            for e in found
        ),
    )


def learned_service_times(uow: UnitOfWork, org: str, now: datetime) -> ServiceTimes:
    """Service times learnt from the organisation's last ``HISTORY`` of scans."""
    marks = uow.scans.service_marks(org, now - HISTORY, HISTORY_MARKS)
    return ServiceTimes.learn(service_history(marks))


def service_history(marks: Sequence[ServiceMark]) -> list[ServiceObservation]:
    """The services the scans saw: from a stop's arrive scan to the last delivery or failure
    of its parcels before the next arrival there. A stop without an arrive scan says nothing
    of its service, and a span over two hours is a forgotten scan, not a service."""
    by_order: dict[str, list[ServiceMark]] = defaultdict(list)
    for each in marks:
        by_order[each.order_id].append(each)
    found: list[ServiceObservation] = []
    for order_marks in by_order.values():
        order_marks.sort(key=lambda m: (m.at, not m.arrived))
        start: ServiceMark | None = None
        ended: list[ServiceMark] = []
        closing: list[ServiceMark | None] = [*order_marks, None]  # None: the last one ends
        for mark in closing:
            if mark is None or mark.arrived:
                if start is not None and ended:
                    seconds = (ended[-1].at - start.at).total_seconds()
                    if 0 < seconds <= LONGEST_SERVICE_S:
                        parcels = len({m.barcode for m in ended})
                        kind = stop_kind(pickup=start.pickup, parcels=parcels)
                        found.append(ServiceObservation(start.address_key, kind, seconds))
                start, ended = mark, []
            elif start is not None:
                ended.append(mark)
    return found


class _Seconds:
    """Instants as the plan's seconds from its epoch, and back."""

    def __init__(self, version: PlanVersion) -> None:
        self.epoch = version.epoch

    def of(self, at: datetime) -> int:
        return int((at - self.epoch).total_seconds())

    def window(self, w: TimeWindow) -> Window:
        return Window(self.of(w.start_at), self.of(w.end_at))


def _remaining(order: Order, wait_s: int, seconds: _Seconds) -> RemainingStop:
    assert order.location is not None  # a planned stop has a place
    kind = stop_kind(pickup=order.kind is OrderKind.PICKUP, parcels=len(order.parcels))
    return RemainingStop(
        order.id, order.location, tuple(seconds.window(w) for w in order.time_windows),
        order.service_duration_s, order.address.as_given.casefold(), kind,
    )  # fmt: skip


def _done_at(order: Order | None, states: dict[str, ParcelState]) -> datetime | None:
    found = [states.get(p.barcode) for p in order.parcels] if order else []
    if not found or not all(s is not None and s.status in DONE for s in found):
        return None
    times = [s.last_event_at for s in found if s is not None and s.last_event_at]
    return max(times) if times else None


def _arrived(order: Order, states: dict[str, ParcelState]) -> datetime | None:
    times = [s.arrived_at for p in order.parcels if (s := states.get(p.barcode)) and s.arrived_at]
    return min(times) if times else None


def _where(
    uow: UnitOfWork,
    org: str,
    version: PlanVersion,
    route: Route,
    orders: dict[str, Order],
    done: dict[str, datetime],
    arrived: dict[str, datetime],
    first_open: str,
    now: datetime,
) -> VehicleState:
    """Where the van is: serving the stop it arrived at, else driving on from the newest of
    its last stop done, its departure and its last GPS fix (a fix before it left says
    nothing of the route)."""
    seconds = _Seconds(version)
    now_s = seconds.of(now)
    if first_open in arrived:
        at = orders[first_open].location
        assert at is not None
        return VehicleState(now_s, at, seconds.of(arrived[first_open]), serving=True)
    left = uow.departures.of_vehicle(
        org, version.station_id, version.service_date, route.vehicle_id
    )
    if done:
        last = max(done, key=lambda i: done[i])
        at = orders[last].location
        assert at is not None
        state = VehicleState(now_s, at, seconds.of(done[last]))
    else:
        station = uow.stations.get(org, version.station_id)
        if station is None:
            raise NotFound("station", version.station_id)
        since = seconds.of(left.departed_at) if left else max(route.start_s, now_s)
        state = VehicleState(now_s, station.location, since)
    fix = uow.positions.latest(org, route.vehicle_id) if left or done else None
    if fix is not None and state.since_s < seconds.of(fix.device_time) <= now_s:
        return VehicleState(now_s, fix.location, seconds.of(fix.device_time))
    return state


def _drift(route: Route, done: dict[str, datetime], seconds: _Seconds) -> Drift:
    """How the time between consecutive done stops ran against the plan's."""
    visits = [v for v in route.visits if v.stop_id in done]
    pairs = [
        (
            float(b.start_s - a.start_s),
            float(seconds.of(done[b.stop_id]) - seconds.of(done[a.stop_id])),
        )
        for a, b in pairwise(visits)
    ]
    return Drift.learn(pairs)


class LiveEtaWindows:
    """``services.ports.EtaWindows`` for the tracking page: while the order is out for
    delivery, its live p10-p90 window, rounded out to 5 minutes (15 at least, since a
    narrower promise only breaks); the plan's window otherwise, or when the roads cannot
    answer. Uses the caller's open unit of work."""

    def __init__(
        self,
        uow: UnitOfWork,
        travel: Callable[[], TravelTimes],
        clock: Clock,
        fallback: EtaWindows,
    ) -> None:
        self._uow, self._travel, self._clock, self._fallback = uow, travel, clock, fallback

    def eta_window(self, order: Order, planned_arrival: datetime | None) -> TimeWindow | None:
        planned = self._fallback.eta_window(order, planned_arrival)
        if order.status is not OrderStatus.OUT_FOR_DELIVERY or planned_arrival is None:
            return planned
        org, station, day = order.organisation_id, order.station_id, order.service_date
        version = self._uow.plans.published(org, station, day) if station and day else None
        route = version.plan.route_of(order.id) if version else None
        if version is None or route is None:
            return planned
        try:
            found = etas(self._uow, org, version, route, self._clock.now(), self._travel())
        except DomainError:  # no road network, a place off the roads: the plan still stands
            return planned
        stop = found.of(order.id)
        if stop is None:
            return planned
        start, end = _round(stop.earliest, down=True), _round(stop.latest, down=False)
        return TimeWindow(start, max(end, start + MIN_WINDOW))


MIN_WINDOW = timedelta(minutes=15)
_STEP = timedelta(minutes=5)


def _round(at: datetime, *, down: bool) -> datetime:
    floor = at - timedelta(minutes=at.minute % 5, seconds=at.second, microseconds=at.microsecond)
    return floor if down or floor == at else floor + _STEP
