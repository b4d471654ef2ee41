"""What a station's day left behind, as the KPI functions read it: routes, orders, scans, cases.

The facts are plain values gathered by ``services.kpis`` (or built by hand in tests), so the
KPIs (``domain.kpis``) are pure functions of them and serve a simulated day and a real one
alike. Scan events are given whole (every event of each parcel, any day, in any order): a
parcel's outcome comes from ``domain.scans.replay``, which sorts by device time, so events
arriving late or out of order change nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from doorstep.domain.exceptions import ExceptionCase
from doorstep.domain.fleet import VehicleCosts
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.scans import FailReason, ScanEvent, ScanKind, replay


@dataclass(frozen=True)
class OrderFacts:
    order_id: str
    barcodes: tuple[str, ...]
    windows: tuple[tuple[datetime, datetime], ...] = ()  # alternatives, (start, end)
    service_date: date | None = None


@dataclass(frozen=True)
class RouteFacts:
    """One published route and what became of it. Loads and capacities are per dimension in
    the plan's integer units; ``shift_s`` is None when the vehicle's shift is open-ended."""

    vehicle_id: str
    stop_ids: tuple[str, ...]  # in planned order
    planned_start: datetime
    planned_end: datetime
    planned_distance_m: int
    capacity: tuple[int, ...] = ()
    peak_load: tuple[int, ...] = ()
    shift_s: int | None = None
    vehicle_kind: str = "van"  # domain.fleet.VehicleType value, for the CO2 factor
    costs: VehicleCosts = field(default_factory=VehicleCosts)
    driver_id: str | None = None
    departed_at: datetime | None = None
    ended_at: datetime | None = None
    gps_distance_m: float | None = None  # None: no breadcrumbs, so unknown (never guessed)

    @property
    def planned_duration_s(self) -> float:
        return (self.planned_end - self.planned_start).total_seconds()


@dataclass(frozen=True)
class DayFacts:
    """A station's day: ``start``/``end`` bound it (local midnight to midnight)."""

    day: date
    start: datetime
    end: datetime
    routes: tuple[RouteFacts, ...] = ()
    orders: Mapping[str, OrderFacts] = field(default_factory=dict)
    events: tuple[ScanEvent, ...] = ()
    cases: tuple[ExceptionCase, ...] = ()
    dimensions: tuple[str, ...] = ("weight_g", "volume_ml", "parcels")

    def of_routes(self, vehicle_ids: Iterable[str]) -> DayFacts:
        """These facts narrowed to some routes: their orders, their parcels' scans and the
        cases about them (a case about a vehicle names it in its key)."""
        wanted = set(vehicle_ids)
        routes = tuple(r for r in self.routes if r.vehicle_id in wanted)
        order_ids = {s for r in routes for s in r.stop_ids}
        orders = {k: o for k, o in self.orders.items() if k in order_ids}
        codes = {b for o in orders.values() for b in o.barcodes}
        events = tuple(e for e in self.events if e.barcode in codes)
        cases = tuple(c for c in self.cases if _about(c, order_ids, codes, wanted))
        return replace(self, routes=routes, orders=orders, events=events, cases=cases)

    def on_day(self, at: datetime) -> bool:
        return self.start <= at < self.end


def _about(case: ExceptionCase, orders: set[str], codes: set[str], vehicles: set[str]) -> bool:
    if case.order_id is not None or case.barcode:
        return case.order_id in orders or case.barcode in codes
    return any(f":{v}:" in case.key for v in vehicles)


@dataclass(frozen=True)
class ParcelDay:
    """One parcel's day, from the replay of all its events: what applied on the day."""

    barcode: str
    status: OrderStatus  # after every event up to the day's end
    failed_before: int  # failed attempts, on any day up to the day's end
    applied: frozenset[ScanKind]  # kinds that applied up to the day's end, any day
    today: frozenset[ScanKind]  # kinds that applied on the day
    done_at: datetime | None  # its last delivery or failure scan on the day
    delivered_at: datetime | None  # when delivered on the day, if it was
    fails: tuple[FailReason, ...]  # the reasons of its failed attempts on the day
    events_today: int
    problems_today: int  # events of the day the replay could not apply

    @property
    def first_attempt(self) -> bool:
        return self.delivered_at is not None and self.failed_before == 0


def parcel_days(facts: DayFacts) -> dict[str, ParcelDay]:
    """Each parcel of the facts' orders, by barcode, replayed up to the end of the day."""
    by_code: dict[str, list[ScanEvent]] = {b: [] for o in facts.orders.values() for b in o.barcodes}
    for event in facts.events:
        if event.barcode in by_code and event.device_time < facts.end:
            by_code[event.barcode].append(event)
    return {code: _parcel_day(facts, code, events) for code, events in by_code.items()}


def _parcel_day(facts: DayFacts, barcode: str, events: list[ScanEvent]) -> ParcelDay:
    result = replay(barcode, events)
    unique = sorted({e.id: e for e in events}.values(), key=lambda e: e.replay_key)
    applied = [e for e in unique if e.id not in result.problems]
    today = [e for e in applied if facts.on_day(e.device_time)]
    ends = [e.device_time for e in today if e.kind in (ScanKind.DELIVER, ScanKind.FAIL)]
    delivered = result.state.status is OrderStatus.DELIVERED
    delivered_at = next((e.device_time for e in today if e.kind is ScanKind.DELIVER), None)
    return ParcelDay(
        barcode=barcode,
        status=result.state.status,
        failed_before=result.state.attempts if delivered_at is None else _fails_before(applied),
        applied=frozenset(e.kind for e in applied),
        today=frozenset(e.kind for e in today),
        done_at=max(ends, default=None),
        delivered_at=delivered_at if delivered else None,
        fails=tuple(e.reason for e in today if e.kind is ScanKind.FAIL and e.reason is not None),
        events_today=sum(1 for e in unique if facts.on_day(e.device_time)),
        problems_today=sum(
            1 for e in unique if facts.on_day(e.device_time) and e.id in result.problems
        ),
    )


def _fails_before(applied: list[ScanEvent]) -> int:
    """Failed attempts before the (first) delivery that applied."""
    fails = 0
    for event in applied:
        if event.kind is ScanKind.DELIVER:
            return fails
        fails += event.kind is ScanKind.FAIL
    return fails


@dataclass(frozen=True)
class Outcomes:
    """Per order what the day did, from its parcels (``domain.day_facts.ParcelDay``)."""

    parcels: Mapping[str, ParcelDay]

    def of(self, order: OrderFacts) -> list[ParcelDay]:
        return [self.parcels[b] for b in order.barcodes if b in self.parcels]

    def delivered_at(self, order: OrderFacts) -> datetime | None:
        """The last parcel's delivery, if every parcel was delivered on the day."""
        found = self.of(order)
        times = [p.delivered_at for p in found if p.delivered_at is not None]
        return max(times) if found and len(times) == len(found) else None

    def done_at(self, order: OrderFacts) -> datetime | None:
        found = self.of(order)
        times = [p.done_at for p in found if p.done_at is not None]
        return max(times) if found and len(times) == len(found) else None


def outcomes(facts: DayFacts) -> Outcomes:
    return Outcomes(parcel_days(facts))
