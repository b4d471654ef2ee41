"""A published day played through doorstep's own services as it unfolds (the digital twin).

The station receives, sorts (now and then to the wrong lane, then right) and loads every
parcel; each van is inspected and leaves (some late) and follows its route *as the published
plan says at each stop*, so dispatch's live changes take effect: it drives each leg's road
path at the hour's speeds, spread by the day's traffic and by chance, pinging GPS; serves
each stop for a time drawn around the planned one (waiting for a window only if it opens
soon); delivers with the proof the order asks for or fails (the recipient absent more often
in the afternoon and outside the booked window, a parcel refused or damaged); and now and
then a driver forgets a scan or a van breaks down (``_break_down``: dispatch takes it off
the road, the vans its stops go to take its parcels over in the street, a tow brings back
the rest). Shippers send orders during the day (``LateOrder``), which dispatch puts into the
running plan; the dispatcher watches the board and takes its cases (``dispatcher``). Back at
the station the failed parcels are scanned in, the van is inspected and its route ended, and
the day is closed. Everything goes through the services the API and the handhelds use (or a
running server's API: ``actions``), so the exceptions, messages, KPIs and re-attempts come
out exactly as on a real day.

A heap of steps is played in time order with the simulated clock set to each moment; steps
add later steps, and what happens away from the station at given moments (a partner
carrier's events, ``run_day``'s ``elsewhere``) joins the heap. Randomness is drawn per thing
(``_Day.draw``), so the same seed plays the same day, event for event, and a variant of the
day changes only what it must.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import random
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial

from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.domain.fleet import SpeedProfile, Vehicle
from doorstep.domain.geo import Location
from doorstep.domain.inspections import CHECKLIST, InspectionKind, ItemResult
from doorstep.domain.order_status import PLANNABLE, OrderStatus
from doorstep.domain.orders import Order, OrderKind, ProofKind
from doorstep.domain.proofs import Proof
from doorstep.domain.scans import FailReason, ScanKind
from doorstep.domain.sorting import SortLine
from doorstep.services import loadout, sorting
from doorstep.services.authorization import Principal
from doorstep.services.positions import IncomingPing
from doorstep.services.scans import IncomingScan
from doorstep.services.stations import resolve_station
from doorstep.simulation import gps
from doorstep.simulation.actions import Actions, ServiceActions
from doorstep.simulation.dispatcher import Dispatcher
from doorstep.simulation.world import DayRun, LateOrder, SimPorts, World

LOAD_S = 20  # seconds to scan a parcel onto a van
PNG = b"\x89PNG\r\n\x1a\n" + b"a signature drawn on the driver's phone"
JPEG = b"\xff\xd8\xff\xe0" + b"a photo of the parcel at the door"


COMING_BACK = (OrderStatus.FAILED_ATTEMPT, OrderStatus.RETURNING_TO_STATION)


@dataclass(order=True)
class _Step:
    at: datetime
    seq: int
    run: Callable[[], None] = field(compare=False)


@dataclass
class _Van:
    """One vehicle of the day as the twin follows it."""

    vehicle: Vehicle
    rng: random.Random  # its own draws: legs, lateness, breakdown
    at: Location
    done: set[str] = field(default_factory=set)  # stops it has finished with
    breaks_after: int | None = None  # stops served before it breaks down, if it does
    broken: bool = False
    left: bool = False
    empty: bool = False  # left with nothing loaded (to take over a broken-down van's parcels)

    @property
    def id(self) -> str:
        return self.vehicle.id

    @property
    def profile(self) -> SpeedProfile:
        return self.vehicle.speed_profile or SpeedProfile.VAN


def run_day(
    principal: Principal,
    station_ref: str,
    day: date,
    *,
    ports: SimPorts,
    seed: int,
    world: World = World(),
    late_orders: Sequence[LateOrder] = (),
    actions: Actions | None = None,
    pace: Callable[[datetime, DayRun], None] | None = None,
    elsewhere: Sequence[tuple[datetime, Callable[[], None]]] = (),
) -> DayRun:
    """Play the station's published ``day``; the services store everything as they would.

    ``actions`` carries the day's writes out (the services in this process by default, or a
    running server); reads go to ``ports.uow`` either way. ``pace`` is told each moment
    before it is played, with the day so far: to wait for the wall clock in a live demo, or
    to show progress. ``elsewhere`` is what happens away from the station and its vans at
    given moments (a partner carrier's events: ``simulation.partners``): each is played
    among the day's steps in time order, with the clock set to its moment, and the day is
    closed after the last of them.
    """
    act = actions or ServiceActions(
        principal, ports.uow, ports.clock, ports.ids, ports.travel, ports.proofs
    )
    played = _Day(principal, station_ref, day, ports, act, seed, world, late_orders)
    played.pace, played.elsewhere = pace, elsewhere
    return played.play()


class _Day:
    def __init__(
        self,
        principal: Principal,
        station_ref: str,
        day: date,
        ports: SimPorts,
        actions: Actions,
        seed: int,
        world: World,
        late_orders: Sequence[LateOrder],
    ) -> None:
        self.principal, self.station_ref, self.day = principal, station_ref, day
        self.ports, self.act, self.seed, self.world = ports, actions, seed, world
        self.late_orders = late_orders
        self.pace: Callable[[datetime, DayRun], None] | None = None
        self.elsewhere: Sequence[tuple[datetime, Callable[[], None]]] = ()
        self.steps: list[_Step] = []
        self.count = 0
        self.result = DayRun()
        self._events = 0
        self.orders: dict[str, Order] = {}
        self.vans: dict[str, _Van] = {}
        self.idle: set[str] = set()  # vans at the station with nothing to do (yet)
        self.planned: set[str] = set()  # orders on a route at some point of the day
        self.attempted: set[str] = set()  # orders a driver served (whatever came of it)
        # Where each parcel is: "received" (at the station, in no lane), "station" (in its
        # lane, ready to load), a vehicle id, "broken:<id>", or "customer".
        self.where: dict[str, str] = {}
        self.lanes: dict[str, str] = {}  # the lane each parcel was last sorted into
        self.home = Location(0.0, 0.0)
        self.traffic = 1.0
        self.last = datetime.min.replace(tzinfo=UTC)

    def draw(self, *key: object) -> random.Random:
        """Draws of their own for one thing of the day (an order's stop, a van, a parcel's
        sort), named as a person would name it (never by a database id): the same thing draws
        the same in another organisation, and whatever else a variant of the day changes."""
        return random.Random(f"{self.seed}|" + "|".join(map(str, key)))  # noqa: S311

    # -- the day --------------------------------------------------------------------------

    def play(self) -> DayRun:
        org = self.principal.organisation_id
        with self.ports.uow() as uow:
            station = resolve_station(uow, org, "station", self.station_ref)
            version = uow.plans.published(org, station.id, self.day)
            if version is None:
                raise NotFound("published plan", f"{station.code} {self.day.isoformat()}")
            vehicles = {v.id: v for v in uow.vehicles.list(org, station.id)}
        self.station, self.version, self.home = station, version, station.location
        self._read_orders()
        plan = sorting.sort_plan(self.principal, station.code, self.day, uow=self.ports.uow())
        self.traffic = math.exp(self.draw("traffic").gauss(0, self.world.day_traffic_spread))
        routes = [r for r in version.plan.routes if r.visits]
        # The night's trucks are in three and a half hours before the first van leaves: an
        # hour to receive and sort, time to load the biggest van (LOAD_S a parcel).
        first = min((version.at(r.start_s) for r in routes), default=version.at(6 * 3600))
        self._station_morning(plan.lines, first - timedelta(hours=3, minutes=30))
        loads = Counter(line.assignment.vehicle_id for line in plan.lines)
        for vehicle_id in version.inputs.vehicles_by_id:
            vehicle = vehicles[vehicle_id]
            van = _Van(vehicle, self.draw("van", vehicle.name), self.home)
            self.vans[van.id] = van
            route = version.route_of_vehicle(vehicle_id)
            if route is None or not route.visits:  # at the station, in case dispatch needs it
                self.idle.add(van.id)
                continue
            if van.rng.random() < self.world.breakdown_share:  # one draw per planned route
                van.breaks_after = int(van.rng.uniform(0.2, 0.8) * len(route.visits))
            start = version.at(route.start_s)
            # Twenty seconds a parcel, done a quarter of an hour before the planned start.
            loading = start - timedelta(minutes=15, seconds=LOAD_S * loads[van.id])
            self._at(loading, partial(self._load, van, start))
        self.result.routes = len(routes)
        self.planned = {i for r in routes for i in r.stop_ids}
        for late in sorted(self.late_orders, key=lambda x: x.at):
            self._at(late.at, partial(self._late_order, late))
        for at, run in self.elsewhere:
            self._at(at, run)
        if routes and self.world.watch_every_min > 0:
            dispatcher = Dispatcher(
                self.act, self.principal, self.ports.uow, self.ports.clock, self.station_ref,
                self.day, self.world, self.draw, self._at, lambda: bool(self.steps), self.orders,
            )  # fmt: skip
            self._at(first, dispatcher.watch)
        while self.steps:
            step = heapq.heappop(self.steps)
            if self.pace is not None:
                self.pace(max(self.last, step.at), self.result)
            self.ports.clock.current = self.last = max(self.last, step.at)
            step.run()
        self.result.not_attempted = len(self.planned - self.attempted)
        closing = self.last + timedelta(minutes=5)
        self.ports.clock.current = closing
        self.act.close_day(self.station_ref, self.day)
        self.result.ended_at = closing
        return self.result

    def _read_orders(self) -> None:
        """The orders of the running plan the twin does not know yet."""
        wanted = [i for r in self.version.plan.routes for i in r.stop_ids]
        wanted += [u.stop_id for u in self.version.plan.unassigned]
        missing = [i for i in wanted if i not in self.orders]
        if missing:
            with self.ports.uow() as uow:
                self.orders |= uow.orders.get_many(self.principal.organisation_id, missing)

    def _replanned(self) -> None:
        """Read the plan dispatch just changed (a live change is published at once)."""
        with self.ports.uow() as uow:
            found = uow.plans.published(self.principal.organisation_id, self.station.id, self.day)
        assert found is not None  # a live change to the published plan stays published
        self.version = found
        self._read_orders()
        now = self.ports.clock.now()
        self._re_sort(now)
        for van_id in sorted(self.idle):  # dispatch gave a waiting van work: it loads and goes
            route = found.route_of_vehicle(van_id)
            if route is not None and route.visits:
                self.idle.discard(van_id)
                load = sum(len(self.orders[i].parcels) for i in route.stop_ids)
                loading = timedelta(minutes=15, seconds=LOAD_S * load)
                start = max(found.at(route.start_s), now + loading)
                self._at(start - loading, partial(self._load, self.vans[van_id], start))

    def _re_sort(self, now: datetime) -> None:
        """Parcels in a lane the new plan gives another: the station screen says where they
        belong now, and they are moved there (a few minutes later)."""
        waiting = sorted(b for b, w in self.where.items() if w == "station")
        if not waiting:
            return
        with self.ports.uow() as uow:
            found = uow.assignments.of_barcodes(self.principal.organisation_id, waiting)
        for barcode in waiting:
            a = found.get(barcode)
            if a is not None and a.lane != self.lanes.get(barcode):
                self.where[barcode] = "received"  # out of its lane until sorted again
                self._at(now + timedelta(minutes=5), partial(self._sort, barcode, a.lane))

    def _station_morning(self, lines: Sequence[SortLine], opening: datetime) -> None:
        """Receive and sort at the station, each parcel at its own moment after opening."""
        for line in sorted(lines, key=lambda x: (x.assignment.lane, x.assignment.position)):
            a = line.assignment
            rng = self.draw("sort", a.barcode)
            at = opening + timedelta(seconds=rng.uniform(0, 1800))
            self._receive_and_sort(a.barcode, at, rng, a.lane)

    def _receive_and_sort(
        self, barcode: str, at: datetime, rng: random.Random, lane: str | None
    ) -> None:
        """Received at ``at``, sorted within half an hour into ``lane`` (None: the lane the
        sort plan gives it then, for a parcel whose plan may still change)."""
        self._scan(at, ScanKind.RECEIVE, barcode)
        sort_at = at + timedelta(seconds=rng.uniform(300, 1800))
        mis_sorted = rng.random() < self.world.mis_sort
        self._at(sort_at, partial(self._sort, barcode, lane, mis_sorted))

    def _sort(self, barcode: str, lane: str | None, mis_sorted: bool = False) -> None:
        if lane is None:
            with self.ports.uow() as uow:
                org = self.principal.organisation_id
                found = uow.assignments.of_barcodes(org, [barcode]).get(barcode)
            if found is None:  # on no route: it waits at the station, unsorted
                self.where[barcode] = "received"
                return
            lane = found.lane
        self.where[barcode] = "station"  # in its lane now, ready to load
        self.lanes[barcode] = lane
        now = self.ports.clock.now()
        if mis_sorted:  # refused on the spot, sorted again
            self.result.mis_sorts += 1
            self.act.scans([self._incoming(now, ScanKind.SORT, barcode, lane="L99")])
            now += timedelta(seconds=30)
        self.act.scans([self._incoming(now, ScanKind.SORT, barcode, lane=lane)])

    # -- a van's day ----------------------------------------------------------------------

    def _load(self, van: _Van, start: datetime) -> None:
        """Load what the van's load list holds now, inspect, and leave (some late)."""
        found = loadout.load_out(
            self.principal, self.station_ref, self.day, van.id, uow=self.ports.uow()
        )
        now = self.ports.clock.now()
        # What is at the station; the rest of its list is on its way in, or on a broken-down
        # van the driver will fetch it from.
        here = [
            i.assignment.barcode
            for i in found.list.items
            if not i.loaded and self.where.get(i.assignment.barcode) == "station"
        ]
        van.empty = not here and not any(i.loaded for i in found.list.items)
        for n, barcode in enumerate(here):
            self._scan(
                now + timedelta(seconds=LOAD_S * n), ScanKind.LOAD, barcode, vehicle_id=van.id
            )
            self.where[barcode] = van.id
        w = self.world
        late = van.rng.random() < w.late_departure_share
        delay = van.rng.uniform(*w.late_departure_min) if late else 0.0
        leave = start + timedelta(minutes=delay)
        self.result.late_departures += late
        self._at(leave - timedelta(minutes=10), partial(self._inspect, van, None))
        self._at(leave, partial(self._depart, van))

    def _depart(self, van: _Van, reason: str = "") -> None:
        if van.empty:  # nothing to send out for delivery: no departure, it just drives off
            van.left = True
            self._next(van)
            return
        try:
            self.act.depart(self.station_ref, self.day, van.id, reason)
        except InvalidValue:  # a parcel did not make it onto the van: leave, saying so
            if reason:
                raise
            self._depart(van, "the shift cannot wait for the missing parcels")
            return
        van.left = True
        self._next(van)

    def _next(self, van: _Van) -> None:
        """Where the van goes now, by the plan as it stands: its next stop, a colleague's
        broken-down van to take over parcels, or home."""
        route = self.version.route_of_vehicle(van.id)
        for stop_id in route.stop_ids if route else ():
            if stop_id in van.done:
                continue
            order = self.orders[stop_id]
            codes = [p.barcode for p in order.parcels]
            if order.kind is not OrderKind.PICKUP and any(
                self.where.get(b) != van.id for b in codes
            ):
                broken = {
                    self.where.get(b, "")
                    for b in codes
                    if self.where.get(b, "").startswith("broken:")
                }
                if broken:  # dispatch gave it this van: fetch the parcels from the broken one
                    other = self.vans[min(broken).removeprefix("broken:")]
                    self._drive(van, other.at, partial(self._take_over, van, other))
                    return
                van.done.add(stop_id)  # not on board (at the station): it waits for tomorrow
                continue
            if van.breaks_after is not None and len(van.done) >= van.breaks_after:
                self._drive(van, order.location or self.home, partial(self._break_down, van), 0.5)
                return
            self._drive(van, order.location or self.home, partial(self._serve, van, order))
            return
        self._drive(van, self.home, partial(self._back, van))

    def _drive(self, van: _Van, to: Location, then: Callable[[], None], share: float = 1.0) -> None:
        """Drive ``share`` of the road from where the van is to ``to``, pinging on the way;
        ``then`` at the end. Times are the roads' for the hour, spread by the day's traffic
        and by chance."""
        now = self.ports.clock.now()
        path = self.ports.travel.path(van.at, to, profile=van.profile, departure=now)
        spread = math.exp(van.rng.gauss(0, self.world.leg_spread))
        seconds = path.duration_s * self.traffic * spread
        fixes = gps.leg_fixes(path.points, now, seconds, self.world.gps_interval_s)
        fixes = [f for f in fixes if f[0] <= now + timedelta(seconds=seconds * share)]
        arrive = now + timedelta(seconds=seconds * share)
        if share < 1.0 and path.points:
            to, _ = gps.along(path.points, share)
        self._pings(van, fixes, arrive)

        def arrived() -> None:
            van.at = to
            then()

        self._at(arrive, arrived)

    def _pings(
        self,
        van: _Van,
        fixes: Sequence[tuple[datetime, Location, float | None, float]],
        send_at: datetime,
    ) -> None:
        """The app sends a leg's pings as one batch when the van stops."""
        if not fixes:
            return
        sigma = self.world.gps_noise_m
        batch = [
            IncomingPing(
                f"twin-{van.id}", van.id, at, *_pair(gps.noisy(where, sigma, van.rng)),
                accuracy_m=round(2 * sigma, 1), speed_mps=round(speed, 2),
                heading_deg=None if heading is None else round(heading, 1),
            )
            for at, where, heading, speed in fixes
        ]  # fmt: skip
        self._at(send_at, partial(self.act.pings, batch))

    def _serve(self, van: _Van, order: Order) -> None:
        """At the stop: wait for its window, serve it for a drawn time, deliver or fail."""
        w, rng = self.world, self.draw("stop", order.shipper, order.shipper_reference)
        arrive = self.ports.clock.now()
        t, outside = _when(order, arrive, timedelta(minutes=w.window_wait_max_min))
        kind = _stop_kind(order)
        typical = order.service_duration_s * dict(w.service_by_kind).get(kind, 1.0)
        serve = max(10.0, typical * math.exp(rng.gauss(0, w.service_spread)))
        leave = t + timedelta(seconds=serve)
        van.done.add(order.id)
        self.attempted.add(order.id)
        # Parked at the stop, the phone keeps pinging; they reach the server before the
        # delivery scan does (the app sends them every half minute), so GPS sees the arrival
        # while the stop is still open.
        stay = gps.leg_fixes(
            [_pair(van.at)] * 2, arrive, (leave - arrive).total_seconds(), w.gps_interval_s
        )
        self._pings(van, [(at, where, None, 0.0) for at, where, _, _ in stay], leave)
        self._stop(order, t, leave, rng, outside)
        if order.kind is OrderKind.PICKUP:  # collected: it rides home with the van
            self.where |= dict.fromkeys((p.barcode for p in order.parcels), van.id)
        self._at(leave, partial(self._next, van))

    def _stop(
        self, order: Order, arrive: datetime, leave: datetime, rng: random.Random, outside: bool
    ) -> None:
        w = self.world
        if order.kind is OrderKind.PICKUP:  # a return: collected, then received back
            for parcel in order.parcels:
                self._scan(leave, ScanKind.PICK_UP, parcel.barcode)
            self.result.picked_up += 1
            return
        for parcel in order.parcels:
            self._scan(arrive, ScanKind.ARRIVE, parcel.barcode)
        absent = w.absent_morning if arrive.hour < 12 else w.absent_afternoon
        if outside:  # the recipient chose a window for a reason
            absent = max(absent, w.absent_outside_window)
        draw = rng.random()
        reason = (
            FailReason.RECIPIENT_ABSENT if draw < absent
            else FailReason.REFUSED if draw < absent + w.refused
            else FailReason.DAMAGED if draw < absent + w.refused + w.damaged
            else None
        )  # fmt: skip
        if rng.random() < w.missed_scan:  # handed over, or not, and never scanned
            self.result.missed_scans += 1
            return
        if reason is not None:
            self.result.failed[reason.value] = self.result.failed.get(reason.value, 0) + 1
            for parcel in order.parcels:
                self._scan(leave, ScanKind.FAIL, parcel.barcode, reason=reason)
            return
        self.result.delivered += 1
        self.where |= dict.fromkeys((p.barcode for p in order.parcels), "customer")
        for parcel in order.parcels:  # ids drawn now: the timeline names every event
            self._at(leave, partial(self._deliver, order, parcel.barcode, self._event_id()))

    def _break_down(self, van: _Van) -> None:
        """The van stops on the road; dispatch takes it off the road a quarter of an hour
        later, and a tow brings it and what nobody took over back to the station."""
        van.broken = True
        self.result.breakdowns += 1
        for barcode, where in list(self.where.items()):
            if where == van.id:
                self.where[barcode] = f"broken:{van.id}"
        now = self.ports.clock.now()
        self._at(now + timedelta(minutes=15), partial(self._off_road, van))
        self._at(now + timedelta(minutes=90), partial(self._towed, van))

    def _off_road(self, van: _Van) -> None:
        self.act.take_off_road(self.version.id, van.id)
        self._replanned()  # each other van reads the new plan at its next stop

    def _take_over(self, van: _Van, broken: _Van) -> None:
        """At the broken-down van: take over the parcels of this van's stops from it."""
        route = self.version.route_of_vehicle(van.id)
        mine = {
            b
            for i in (route.stop_ids if route else ())
            for p in self.orders[i].parcels
            if (b := p.barcode)
        }
        moved = [b for b, w in self.where.items() if w == f"broken:{broken.id}" and b in mine]
        for barcode in moved:
            self.where[barcode] = van.id
        self.result.parcels_taken_over += len(moved)
        later = self.ports.clock.now() + timedelta(seconds=120 + 10 * len(moved))
        self._at(later, partial(self._next, van))

    def _towed(self, van: _Van) -> None:
        """The broken-down van is back with whatever nobody took over: scanned in, its route
        ended with the defect on the post-trip inspection (which opens maintenance)."""
        van.at = self.home
        left = [b for b, w in self.where.items() if w == f"broken:{van.id}"]
        back = self._scan_in(left, (*COMING_BACK, OrderStatus.OUT_FOR_DELIVERY))
        later = self.ports.clock.now() + timedelta(minutes=10)
        for barcode in back:  # into the lane of the van that has its stop now, if any
            self._at(later, partial(self._sort, barcode, None))
        self._inspect(van, "broke down on the road, towed back")
        if not van.empty:  # a route ends after its departure, and an empty van has none
            self.act.end_route(van.id, self.day)

    def _back(self, van: _Van) -> None:
        """Scan in what came back (failed parcels, collected returns), inspect, end the route;
        unless dispatch gave the van a stop on its way home: then it goes out again."""
        route = self.version.route_of_vehicle(van.id)
        if route is not None and any(s not in van.done for s in route.stop_ids):
            self._next(van)
            return
        self._scan_in([b for b, w in self.where.items() if w == van.id], COMING_BACK)
        self._inspect(van, None)
        if not van.empty:  # a route ends after its departure, and an empty van has none
            self.act.end_route(van.id, self.day)

    def _scan_in(self, codes: Sequence[str], statuses: Collection[OrderStatus]) -> list[str]:
        """Receive at the station the parcels of ``codes`` whose state is one of ``statuses``
        (a parcel a driver forgot to scan may have been handed over: it is not scanned in)."""
        with self.ports.uow() as uow:
            states = uow.scans.states(self.principal.organisation_id, codes)
        back = sorted(b for b, (_, s) in states.items() if s.status in statuses)
        now = self.ports.clock.now()
        if back:
            self.act.scans([IncomingScan(self._event_id(), ScanKind.RECEIVE, b, now) for b in back])
        self.where |= dict.fromkeys(back, "received")  # not in a lane: nobody loads it so
        return back

    # -- new orders -----------------------------------------------------------------------

    def _late_order(self, late: LateOrder) -> None:
        """A shipper's order during the day: created; one for today goes into the running
        plan (a delivery only onto a van still at the station). A same-day order is sent
        as its parcels are handed in at the station: they are scanned in minutes later."""
        order_id = self.act.create_order(late.values)
        with self.ports.uow() as uow:
            order = uow.orders.get(self.principal.organisation_id, order_id)
        assert order is not None
        self.result.late_orders += 1
        if order.service_date != self.day or order.status not in PLANNABLE:
            return
        self.act.add_to_plan(self.version.id, order_id)
        self._replanned()
        self.orders[order_id] = order
        if not any(order_id in r.stop_ids for r in self.version.plan.routes):
            return  # no van can take it today: it waits at the station for the next day
        self.result.late_planned += 1
        self.planned.add(order_id)
        if order.kind is OrderKind.PICKUP:
            return
        rng = self.draw("late", order.shipper, order.shipper_reference)
        at = self.ports.clock.now() + timedelta(minutes=rng.uniform(2, 10))
        for parcel in order.parcels:
            self._at(at, partial(self._late_parcel, parcel.barcode, rng))

    def _late_parcel(self, barcode: str, rng: random.Random) -> None:
        self._receive_and_sort(barcode, self.ports.clock.now(), rng, None)

    # -- the people's acts ----------------------------------------------------------------

    def _at(self, at: datetime, run: Callable[[], None]) -> None:
        self.count += 1
        heapq.heappush(self.steps, _Step(at, self.count, run))

    def _event_id(self) -> str:
        """A scan id from the organisation, day and count: the same seed names every event
        the same, and playing a day again stores nothing twice."""
        self._events += 1
        key = f"{self.principal.organisation_id}:{self.day}:{self._events}"
        return "sim-" + hashlib.sha256(key.encode()).hexdigest()[:24]

    def _scan(self, at: datetime, kind: ScanKind, barcode: str, **extra: str) -> None:
        self._at(at, partial(self.act.scans, [self._incoming(at, kind, barcode, **extra)]))

    def _incoming(self, at: datetime, kind: ScanKind, barcode: str, **extra: str) -> IncomingScan:
        return IncomingScan(self._event_id(), kind, barcode, at, "twin", **extra)  # type: ignore[arg-type]

    def _deliver(self, order: Order, barcode: str, scan_id: str) -> None:
        proof, at = self._proof(order), self.ports.clock.now()
        self.act.scans([IncomingScan(scan_id, ScanKind.DELIVER, barcode, at, "twin", proof=proof)])

    def _proof(self, order: Order) -> Proof | None:
        kind, files = order.proof.kind, self.ports.proofs is not None
        if kind is ProofKind.PIN:
            return Proof(pin="4821")
        if kind is ProofKind.MINIMUM_AGE:
            return Proof(recipient_name="Aino", age_verified=True)
        if kind is ProofKind.SIGNATURE and files:
            return Proof("Aino", signature_sha256=self.act.proof_file(PNG, "image/png"))
        if kind is ProofKind.PHOTO and files:
            return Proof(photo_sha256=self.act.proof_file(JPEG, "image/jpeg"))
        return None

    def _inspect(self, van: _Van, defect: str | None) -> None:
        """Pre-trip (before it leaves) or post-trip; a defect fails the brakes item, unsafe."""
        kind = InspectionKind.POST_TRIP if van.left else InspectionKind.PRE_TRIP
        items = [
            ItemResult(item, False, defect, unsafe=True)
            if defect is not None and item == "brakes"
            else ItemResult(item, True)
            for item in CHECKLIST
        ]
        self.act.inspect(van.id, self.day, kind, items)


def _when(order: Order, arrive: datetime, wait_max: timedelta) -> tuple[datetime, bool]:
    """When the driver serves a stop reached at ``arrive``, and whether that is outside its
    windows: at once in a window; at the opening of one that opens within ``wait_max`` (the
    driver waits); otherwise at once, outside (a missed window is not waited for for hours:
    the driver tries now, and the recipient is less often in)."""
    windows = order.time_windows
    if not windows or any(w.start_at <= arrive <= w.end_at for w in windows):
        return arrive, False
    soon = [w.start_at for w in windows if arrive < w.start_at <= arrive + wait_max]
    if soon:
        return min(soon), False
    return arrive, True


def _stop_kind(order: Order) -> str:
    """What takes a stop's time beyond the planned: a return to collect, a proof to take."""
    if order.kind is OrderKind.PICKUP:
        return "pickup"
    return order.proof.kind.value


def _pair(point: Location) -> tuple[float, float]:
    return point.lat, point.lon
