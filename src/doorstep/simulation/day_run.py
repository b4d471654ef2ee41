"""A published day run in fast-forward through doorstep's own services (the digital twin).

The station receives, sorts (now and then to the wrong lane, then right) and loads every
parcel; each van is inspected and leaves (some late); it drives its route on the road
network's times for the hour, spread by the day's traffic and by chance, serves each stop for
a time drawn around the planned one, delivers with the proof the order asks for or fails (the
recipient absent more often in the afternoon, a parcel refused or damaged), and now and then
a driver forgets a scan. Back at the station the failed parcels are scanned in, the van is
inspected and its route ended, and the day is closed. Everything goes through the services
the API and the handhelds use, so the exceptions, messages, KPIs and re-attempts come out
exactly as on a real day.

Two phases: first the whole timeline is drawn from ``random.Random(seed)`` in a fixed order
(what happens when), then it is played in time order with the simulated clock set to each
moment. The same seed on the same published day gives the same day, event for event.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.domain.geo import Location
from doorstep.domain.inspections import CHECKLIST, InspectionKind, ItemResult
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Order, OrderKind, ProofKind
from doorstep.domain.proofs import Proof
from doorstep.domain.scans import FailReason, ScanKind
from doorstep.domain.sorting import Assignment, SortLine
from doorstep.planning.plan import Route
from doorstep.planning.travel import TravelTimes
from doorstep.services import inspections, loadout, reconciliation, route_ends, scans, sorting
from doorstep.services.authorization import Principal
from doorstep.services.ports import IdGenerator, ProofStore, UnitOfWork
from doorstep.services.scans import IncomingScan
from doorstep.services.stations import resolve_station

LOAD_S = 20  # seconds to scan a parcel onto a van
PNG = b"\x89PNG\r\n\x1a\n" + b"a signature drawn on the driver's phone"
JPEG = b"\xff\xd8\xff\xe0" + b"a photo of the parcel at the door"


@dataclass(frozen=True)
class World:
    """How the day goes, apart from the plan: every share is per event, every spread is the
    sigma of a log-normal factor. Modelling defaults, not measurements."""

    leg_spread: float = 0.15
    day_traffic_spread: float = 0.08
    service_spread: float = 0.35
    late_departure_share: float = 0.10
    late_departure_min: tuple[int, int] = (5, 30)
    absent_morning: float = 0.05
    absent_afternoon: float = 0.09
    refused: float = 0.01
    damaged: float = 0.003
    mis_sort: float = 0.01
    missed_scan: float = 0.005
    breakdown_share: float = 0.02  # of routes: the van breaks down on the road, once
    gps_interval_s: float = 30.0  # the driver app's ping interval while driving
    gps_noise_m: float = 8.0  # sigma of a ping's error, each axis


@dataclass(frozen=True)
class LateOrder:
    """An order a shipper sends during the day: created at ``at`` with the fields
    ``POST /orders`` takes. One for the played day goes into the running plan at once (or is
    left for the next day, when no van can take it); one for a later day just waits."""

    at: datetime
    values: Mapping[str, Any]


class SimClock:
    """The ``Clock`` the services read: set to each moment as the day is played."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current


@dataclass(frozen=True)
class SimPorts:
    uow: Callable[[], UnitOfWork]
    clock: SimClock
    ids: IdGenerator
    travel: TravelTimes
    proofs: ProofStore | None = None


@dataclass
class DayRun:
    """What happened: counts a report can start from (the KPIs read the stored events)."""

    delivered: int = 0
    picked_up: int = 0  # returns collected from customers
    failed: dict[str, int] = field(default_factory=dict)
    missed_scans: int = 0
    mis_sorts: int = 0
    late_departures: int = 0
    routes: int = 0
    ended_at: datetime | None = None


@dataclass(order=True)
class _Step:
    at: datetime
    seq: int
    run: Callable[[], None] = field(compare=False)


def run_day(
    principal: Principal,
    station_ref: str,
    day: date,
    *,
    ports: SimPorts,
    seed: int,
    world: World = World(),
    late_orders: Sequence[LateOrder] = (),
) -> DayRun:
    """Play the station's published ``day``; the services store everything as they would."""
    rng = random.Random(seed)  # noqa: S311 - a repeatable day, not a secret
    return _Day(principal, station_ref, day, ports, rng, world).play()


class _Day:
    def __init__(
        self,
        principal: Principal,
        station_ref: str,
        day: date,
        ports: SimPorts,
        rng: random.Random,
        world: World,
    ) -> None:
        self.principal, self.station_ref, self.day = principal, station_ref, day
        self.ports, self.rng, self.world = ports, rng, world
        self.steps: list[_Step] = []
        self.result = DayRun()
        self._events = 0
        self._loads: dict[str, list[Assignment]] = {}

    # -- drawing the timeline ------------------------------------------------------------

    def play(self) -> DayRun:
        org = self.principal.organisation_id
        with self.ports.uow() as uow:
            station = resolve_station(uow, org, "station", self.station_ref)
            version = uow.plans.published(org, station.id, self.day)
            if version is None:
                raise NotFound("published plan", f"{station.code} {self.day.isoformat()}")
            routes = [r for r in version.plan.routes if r.visits]
            orders = uow.orders.get_many(org, [i for r in routes for i in r.stop_ids])
            names = {v.id: v.name for v in uow.vehicles.list(org, station.id)}
        plan = sorting.sort_plan(self.principal, station.code, self.day, uow=self.ports.uow())
        traffic = math.exp(self.rng.gauss(0, self.world.day_traffic_spread))
        # The night's trucks are in three and a half hours before the first van leaves: an
        # hour to receive and sort, time to load the biggest van (LOAD_S a parcel).
        first = min((version.at(r.start_s) for r in routes), default=version.at(6 * 3600))
        self._station_morning(plan.lines, first - timedelta(hours=3, minutes=30))
        for route in routes:
            start = version.at(route.start_s)
            self._route(route, names[route.vehicle_id], start, orders, station.location, traffic)
        self.result.routes = len(routes)
        last = max((s.at for s in self.steps), default=first) + timedelta(minutes=5)
        self._at(last, self._close)
        for step in sorted(self.steps):
            self.ports.clock.current = step.at
            step.run()
        self.result.ended_at = last
        return self.result

    def _station_morning(self, lines: Sequence[SortLine], opening: datetime) -> None:
        """Receive and sort at the station, each parcel at its own moment after opening."""
        for line in sorted(lines, key=lambda x: (x.assignment.lane, x.assignment.position)):
            a = line.assignment
            at = opening + timedelta(seconds=self.rng.uniform(0, 1800))
            self._scan(at, ScanKind.RECEIVE, a.barcode)
            sort_at = at + timedelta(seconds=self.rng.uniform(300, 1800))
            if self.rng.random() < self.world.mis_sort:
                self.result.mis_sorts += 1
                self._scan(sort_at, ScanKind.SORT, a.barcode, lane="L99")
                sort_at += timedelta(seconds=30)  # refused on the spot, sorted again
            self._scan(sort_at, ScanKind.SORT, a.barcode, lane=a.lane)
            self._loads.setdefault(a.vehicle_id, []).append(a)

    def _route(
        self,
        route: Route,
        vehicle: str,
        start: datetime,
        orders: dict[str, Order],
        home: Location,
        traffic: float,
    ) -> None:
        """Load, inspect and leave; drive, serve and scan each stop; come back and end."""
        w = self.world
        load = sorted(self._loads.get(route.vehicle_id, []), key=lambda x: x.load_index)
        # Twenty seconds a parcel, done a quarter of an hour before the planned start.
        loading = start - timedelta(minutes=15, seconds=LOAD_S * len(load))
        for n, a in enumerate(load):
            at = loading + timedelta(seconds=LOAD_S * n)
            self._scan(at, ScanKind.LOAD, a.barcode, vehicle_id=a.vehicle_id)
        late = self.rng.random() < w.late_departure_share
        leave = start + timedelta(minutes=self.rng.uniform(*w.late_departure_min) if late else 0)
        self.result.late_departures += late
        self._at(leave - timedelta(minutes=10), lambda: self._inspect(vehicle, True))
        self._at(leave, lambda: self._depart(vehicle))
        places = [home, *(orders[v.stop_id].location or home for v in route.visits), home]
        legs = self.ports.travel.matrix(places, departure=leave).durations_s
        t = leave
        for i, visit in enumerate(route.visits):
            order = orders[visit.stop_id]
            drive = float(legs[i][i + 1]) * traffic * math.exp(self.rng.gauss(0, w.leg_spread))
            t += timedelta(seconds=drive)
            opens = min((win.start_at for win in order.time_windows if win.end_at >= t), default=t)
            t = max(t, opens)  # a driver early for a window waits for it
            serve = max(
                10.0, order.service_duration_s * math.exp(self.rng.gauss(0, w.service_spread))
            )
            self._stop(order, t, t + timedelta(seconds=serve))
            t += timedelta(seconds=serve)
        back = t + timedelta(seconds=float(legs[len(route.visits)][-1]) * traffic)
        self._at(back, lambda: self._back(route, orders, vehicle))

    def _stop(self, order: Order, arrive: datetime, leave: datetime) -> None:
        w = self.world
        if order.kind is OrderKind.PICKUP:  # a return: collected, then received back
            for parcel in order.parcels:
                self._scan(leave, ScanKind.PICK_UP, parcel.barcode)
            self.result.picked_up += 1
            return
        for parcel in order.parcels:
            self._scan(arrive, ScanKind.ARRIVE, parcel.barcode)
        absent = w.absent_morning if arrive.hour < 12 else w.absent_afternoon
        draw = self.rng.random()
        reason = (
            FailReason.RECIPIENT_ABSENT if draw < absent
            else FailReason.REFUSED if draw < absent + w.refused
            else FailReason.DAMAGED if draw < absent + w.refused + w.damaged
            else None
        )  # fmt: skip
        if self.rng.random() < w.missed_scan:  # handed over, or not, and never scanned
            self.result.missed_scans += 1
            return
        if reason is not None:
            self.result.failed[reason.value] = self.result.failed.get(reason.value, 0) + 1
            for parcel in order.parcels:
                self._scan(leave, ScanKind.FAIL, parcel.barcode, reason=reason)
            return
        self.result.delivered += 1
        for parcel in order.parcels:  # ids drawn now: the timeline names every event
            self._at(leave, partial(self._deliver, order, parcel.barcode, self._event_id()))

    # -- playing it ---------------------------------------------------------------------

    def _at(self, at: datetime, run: Callable[[], None]) -> None:
        self.steps.append(_Step(at, len(self.steps), run))

    def _event_id(self) -> str:
        """A scan id from the organisation, day and count: the same seed names every event
        the same, and playing a day again stores nothing twice."""
        self._events += 1
        key = f"{self.principal.organisation_id}:{self.day}:{self._events}"
        return "sim-" + hashlib.sha256(key.encode()).hexdigest()[:24]

    def _scan(self, at: datetime, kind: ScanKind, barcode: str, **extra: object) -> None:
        scan = IncomingScan(self._event_id(), kind, barcode, at, "twin", **extra)  # type: ignore[arg-type]
        self._at(at, lambda: self._send([scan]))

    def _send(self, batch: list[IncomingScan]) -> None:
        scans.ingest(
            self.principal, batch, uow=self.ports.uow(), clock=self.ports.clock,
            proofs=self.ports.proofs,
        )  # fmt: skip

    def _deliver(self, order: Order, barcode: str, scan_id: str) -> None:
        proof, at = self._proof(order), self.ports.clock.now()
        self._send([IncomingScan(scan_id, ScanKind.DELIVER, barcode, at, "twin", proof=proof)])

    def _proof(self, order: Order) -> Proof | None:
        kind, store = order.proof.kind, self.ports.proofs
        org = self.principal.organisation_id
        if kind is ProofKind.PIN:
            return Proof(pin="4821")
        if kind is ProofKind.MINIMUM_AGE:
            return Proof(recipient_name="Aino", age_verified=True)
        if kind is ProofKind.SIGNATURE and store is not None:
            return Proof("Aino", signature_sha256=store.put(org, PNG, "image/png").sha256)
        if kind is ProofKind.PHOTO and store is not None:
            return Proof(photo_sha256=store.put(org, JPEG, "image/jpeg").sha256)
        return None

    def _inspect(self, vehicle: str, before: bool) -> None:
        kind = InspectionKind.PRE_TRIP if before else InspectionKind.POST_TRIP
        items = [ItemResult(item, True) for item in CHECKLIST]
        inspections.inspect(
            self.principal, vehicle, self.day, kind, items, uow=self.ports.uow(),
            clock=self.ports.clock, ids=self.ports.ids,
        )  # fmt: skip

    def _depart(self, vehicle: str, reason: str = "") -> None:
        try:
            loadout.depart(
                self.principal, self.station_ref, self.day, vehicle, override_reason=reason,
                uow=self.ports.uow(), clock=self.ports.clock, ids=self.ports.ids,
            )  # fmt: skip
        except InvalidValue:  # a parcel did not make it onto the van: leave, saying so
            if reason:
                raise
            self._depart(vehicle, "the shift cannot wait for the missing parcels")

    def _back(self, route: Route, orders: dict[str, Order], vehicle: str) -> None:
        """Scan in what came back (failed parcels, collected returns), inspect, end the route."""
        codes = [p.barcode for i in route.stop_ids for p in orders[i].parcels]
        with self.ports.uow() as uow:
            states = uow.scans.states(self.principal.organisation_id, codes)
        coming = (OrderStatus.FAILED_ATTEMPT, OrderStatus.RETURNING_TO_STATION)
        back = sorted(b for b, (_, s) in states.items() if s.status in coming)
        now = self.ports.clock.now()
        if back:
            self._send([IncomingScan(self._event_id(), ScanKind.RECEIVE, b, now) for b in back])
        self._inspect(vehicle, False)
        route_ends.end_route(
            self.principal, vehicle, self.day, uow=self.ports.uow(), clock=self.ports.clock,
            ids=self.ports.ids,
        )  # fmt: skip

    def _close(self) -> None:
        reconciliation.close_day(
            self.principal, self.station_ref, self.day, uow=self.ports.uow(),
            clock=self.ports.clock,
        )  # fmt: skip
