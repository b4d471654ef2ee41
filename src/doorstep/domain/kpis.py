"""The day's KPIs: pure functions of ``DayFacts``, each a numerator over a denominator.

Every KPI keeps both parts (so a report can say "412/430") and is undefined (``value`` None,
shown "n/a") when its denominator is zero: a day without deliveries has no on-time rate, it
does not have a rate of 0. Aggregates over several routes add numerators and denominators,
never average the routes' rates. A stop is *done* when every parcel of its order had a
delivery or failure scan that applied on the day.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import combinations

from doorstep.domain.day_facts import DayFacts, Outcomes, RouteFacts, outcomes
from doorstep.domain.exceptions import CaseStatus, ExceptionType
from doorstep.domain.scans import ScanKind

# Tailpipe grams of CO2 per km by vehicle kind. Modelling defaults, not measurements: of the
# order of published conversion factors for an average diesel van and a small rigid truck,
# and zero for a cargo bike. An electric van has no tailpipe CO2: give its kind the grid
# factor of the electricity it charges on (g/kWh x kWh/km) through ``co2_g_per_km``.
CO2_G_PER_KM: Mapping[str, float] = {"van": 200.0, "truck": 500.0, "cargo_bike": 0.0}

FULL_SEQUENCE = frozenset({ScanKind.RECEIVE, ScanKind.SORT, ScanKind.LOAD, ScanKind.DEPART})
# A parcel handed to a partner carrier is scanned by the partner: its hand-off stands for the
# station's receive, sort, load and depart.
PARTNER_SEQUENCE = frozenset({ScanKind.HAND_OFF})


@dataclass(frozen=True)
class Ratio:
    """``numerator / denominator``; undefined when the denominator is zero."""

    numerator: float
    denominator: float

    @property
    def value(self) -> float | None:
        return None if self.denominator == 0 else self.numerator / self.denominator

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(self.numerator + other.numerator, self.denominator + other.denominator)

    def __str__(self) -> str:
        return f"{_number(self.numerator)}/{_number(self.denominator)}"


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


def shown(ratio: Ratio | None, *, percent: bool) -> str:
    """A KPI as people read it: "412/430 (95.8%)", "3.25 (13/4)", "3" (of 1), "n/a (0/0)"
    when undefined, "n/a" when not known at all. The tables and the charts print the same."""
    if ratio is None or ratio.value is None:
        return "n/a" if ratio is None else f"n/a ({ratio})"
    if percent:
        return f"{ratio} ({ratio.value:.1%})"
    if ratio.denominator == 1:
        return f"{ratio.value:g}"
    return f"{ratio.value:.2f} ({ratio})"


def _sum(ratios: list[Ratio]) -> Ratio:
    return sum(ratios, Ratio(0, 0))


def on_time(facts: DayFacts, seen: Outcomes) -> Ratio:
    """Delivered orders whose delivery (the device time of its last parcel's delivery scan)
    falls inside one of the order's windows, start and end included; an order without
    windows is on time when delivered on its service date (or has none) / delivered orders."""
    hits = total = 0
    for order in facts.orders.values():
        at = seen.delivered_at(order)
        if at is None:
            continue
        total += 1
        if order.windows:
            hits += any(start <= at <= end for start, end in order.windows)
        else:
            hits += order.service_date in (None, facts.day)
    return Ratio(hits, total)


def first_attempt(facts: DayFacts, seen: Outcomes) -> Ratio:
    """Orders delivered on the day with no failed attempt before, on any day / orders
    attempted on the day (some parcel delivered or failed on the day)."""
    hits = total = 0
    for order in facts.orders.values():
        parcels = seen.of(order)
        if not any(p.done_at for p in parcels):
            continue
        total += 1
        hits += seen.delivered_at(order) is not None and all(p.first_attempt for p in parcels)
    return Ratio(hits, total)


def scan_compliance(seen: Outcomes) -> tuple[Ratio, Ratio]:
    """(parcels whose scans by the day's end include receive, sort, load and depart (or a
    hand-off to a partner carrier), with a delivery or failure on the day / parcels handled:
    with any scan on the day), and
    (events of the day the replay could not apply / events of the day)."""
    handled = [p for p in seen.parcels.values() if p.events_today]
    full = [
        p
        for p in handled
        if (p.applied >= FULL_SEQUENCE or p.applied >= PARTNER_SEQUENCE)
        and p.today & {ScanKind.DELIVER, ScanKind.FAIL}
    ]
    problems = Ratio(sum(p.problems_today for p in handled), sum(p.events_today for p in handled))
    return Ratio(len(full), len(handled)), problems


def load_use(facts: DayFacts) -> dict[str, Ratio]:
    """Per dimension: the routes' peak loads (the most on board at any point) / capacities."""
    found = {}
    for n, name in enumerate(facts.dimensions):
        parts = [
            Ratio(r.peak_load[n], r.capacity[n])
            for r in facts.routes
            if len(r.peak_load) > n and len(r.capacity) > n
        ]
        found[name] = _sum(parts)
    return found


def shift_use(facts: DayFacts) -> Ratio:
    """Seconds from departure to route end (planned, where it did not both depart and end) /
    shift seconds, over routes with a bounded shift."""
    return _sum(
        [Ratio(_road_s(r, None, planned=True), r.shift_s) for r in facts.routes if r.shift_s]
    )


def _road_s(route: RouteFacts, last_done: datetime | None, *, planned: bool = False) -> float:
    """Seconds on the road: departure to route end, else to the last stop done. Planned
    instead, if asked and it did not both depart and end."""
    if route.departed_at is not None and route.ended_at is not None:
        return (route.ended_at - route.departed_at).total_seconds()
    if planned:
        return route.planned_duration_s
    if route.departed_at is not None and last_done is not None:
        return max(0.0, (last_done - route.departed_at).total_seconds())
    return 0.0


def _done(route: RouteFacts, facts: DayFacts, seen: Outcomes) -> dict[str, datetime]:
    found = {}
    for stop in route.stop_ids:
        order = facts.orders.get(stop)
        at = seen.done_at(order) if order else None
        if at is not None:
            found[stop] = at
    return found


@dataclass(frozen=True)
class RoadKpis:
    stops_per_hour: Ratio  # stops done / hours on the road
    planned_m_per_stop: Ratio  # planned metres / planned stops
    gps_m_per_stop: Ratio | None  # GPS metres / stops done; None: some route has no GPS
    cost_per_stop: Ratio  # currency / stops done
    co2_g_per_stop: Ratio  # grams / stops done
    actual_vs_planned_s: Ratio  # actual seconds / planned seconds, routes that departed and ended
    gps_vs_planned_m: Ratio | None  # GPS metres / planned metres
    sequence: Ratio  # stop pairs done in planned order / pairs of done stops


def road(
    facts: DayFacts, seen: Outcomes, co2_g_per_km: Mapping[str, float] = CO2_G_PER_KM
) -> RoadKpis:
    """The route KPIs, summed over ``facts.routes``.

    Hours on the road run from departure to the route's end, or to its last stop done while
    it has not ended. Cost = fixed per use (routes that departed) + per km x km + per hour x
    hours on the road; km and CO2 (km x the kind's g/km) use the GPS distance when known,
    else the planned distance. Sequence adherence is the share of pairs of done stops whose
    done times keep their planned order (Kendall's concordance; tau = 2 x share - 1).
    """
    parts = [_route_parts(r, facts, seen, co2_g_per_km) for r in facts.routes]
    gps = all(r.gps_distance_m is not None for r in facts.routes)

    def total(i: int) -> Ratio:
        return _sum([p[i] for p in parts])

    return RoadKpis(
        stops_per_hour=total(0),
        planned_m_per_stop=total(1),
        gps_m_per_stop=total(2) if gps else None,
        cost_per_stop=total(3),
        co2_g_per_stop=total(4),
        actual_vs_planned_s=total(5),
        gps_vs_planned_m=total(6) if gps else None,
        sequence=total(7),
    )


def _route_parts(
    r: RouteFacts, facts: DayFacts, seen: Outcomes, co2: Mapping[str, float]
) -> tuple[Ratio, ...]:
    done = _done(r, facts, seen)
    hours = _road_s(r, max(done.values(), default=None)) / 3600
    known = r.gps_distance_m if r.gps_distance_m is not None else r.planned_distance_m
    km = known / 1000 if r.departed_at else 0.0  # a route that never left cost nothing
    cost = r.costs.per_km * km + r.costs.per_hour * hours
    cost += r.costs.fixed_per_use if r.departed_at else 0.0
    ran = r.departed_at is not None and r.ended_at is not None
    actual_s = _road_s(r, None) if ran else 0.0
    return (
        Ratio(len(done), hours),
        Ratio(r.planned_distance_m, len(r.stop_ids)),
        Ratio(r.gps_distance_m or 0.0, len(done)),
        Ratio(cost, len(done)),
        Ratio(co2.get(r.vehicle_kind, 0.0) * km, len(done)),
        Ratio(actual_s, r.planned_duration_s if ran else 0),
        Ratio(r.gps_distance_m or 0.0, r.planned_distance_m),
        _sequence(r.stop_ids, done),
    )


def _sequence(planned: tuple[str, ...], done: Mapping[str, datetime]) -> Ratio:
    order = sorted(done, key=lambda s: (done[s], planned.index(s)))
    pairs = list(combinations(order, 2))  # (earlier done, later done)
    kept = sum(planned.index(a) < planned.index(b) for a, b in pairs)
    return Ratio(kept, len(pairs))


@dataclass(frozen=True)
class CaseKpis:
    opened: Mapping[ExceptionType, int]  # cases opened on the day, by type
    median_to_resolve: timedelta | None  # of those resolved; None: none resolved
    still_open: tuple[str, ...]  # ids of those not resolved


def cases(facts: DayFacts) -> CaseKpis:
    """Cases opened on the day, by type; the median of resolved_at - opened_at over the
    resolved ones; and the ids of those still open."""
    day = [c for c in facts.cases if facts.on_day(c.opened_at)]
    spans = [
        (c.resolved_at - c.opened_at).total_seconds() for c in day if c.resolved_at is not None
    ]
    return CaseKpis(
        dict(Counter(c.type for c in day).most_common()),
        timedelta(seconds=statistics.median(spans)) if spans else None,
        tuple(sorted(c.id for c in day if c.status is CaseStatus.OPEN)),
    )


def failure_reasons(seen: Outcomes) -> list[tuple[str, Ratio]]:
    """Failure scans on the day (one per parcel) by reason, most first (ties by name):
    count / all failure scans of the day."""
    counts = Counter(r.value for p in seen.parcels.values() for r in p.fails)
    total = sum(counts.values())
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(reason, Ratio(n, total)) for reason, n in ranked]


@dataclass(frozen=True)
class Scorecard:
    """Every KPI of one scope: a day at a station, one route, or one driver's routes."""

    on_time: Ratio
    first_attempt: Ratio
    scan_compliance: Ratio
    scan_problems: Ratio
    load_use: Mapping[str, Ratio]
    shift_use: Ratio
    road: RoadKpis
    cases: CaseKpis
    failure_reasons: list[tuple[str, Ratio]]


def scorecard(facts: DayFacts, co2_g_per_km: Mapping[str, float] = CO2_G_PER_KM) -> Scorecard:
    seen = outcomes(facts)
    compliance, problems = scan_compliance(seen)
    return Scorecard(
        on_time(facts, seen), first_attempt(facts, seen), compliance, problems,
        load_use(facts), shift_use(facts), road(facts, seen, co2_g_per_km), cases(facts),
        failure_reasons(seen),
    )  # fmt: skip


@dataclass(frozen=True)
class DayKpis:
    """A station's day as a whole, per route (vehicle id) and per driver (driver id)."""

    day: Scorecard
    routes: Mapping[str, Scorecard]
    drivers: Mapping[str, Scorecard]


def day_kpis(facts: DayFacts, co2_g_per_km: Mapping[str, float] = CO2_G_PER_KM) -> DayKpis:
    """The scorecards of the day, its routes and its drivers (a route without a driver is
    counted in the day and under its vehicle only)."""
    crews: dict[str, list[str]] = {}
    for r in facts.routes:
        if r.driver_id:
            crews.setdefault(r.driver_id, []).append(r.vehicle_id)
    return DayKpis(
        scorecard(facts, co2_g_per_km),
        {
            r.vehicle_id: scorecard(facts.of_routes([r.vehicle_id]), co2_g_per_km)
            for r in facts.routes
        },
        {d: scorecard(facts.of_routes(vs), co2_g_per_km) for d, vs in crews.items()},
    )
