"""The independent plan validator: recomputes every time, load and distance from the problem."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from doorstep.planning.plan import Plan, Route, Visit
from doorstep.planning.problem import Problem, Stop, Vehicle
from doorstep.planning.schedule import loads, location_of_depot, padded, route_cost, windows_text


class Code(StrEnum):
    """What a plan gets wrong; one test per kind in tests/planning/test_validation.py."""

    UNKNOWN_STOP = "unknown_stop"  # a visit or unassigned entry names no stop of the problem
    UNKNOWN_VEHICLE = "unknown_vehicle"
    DUPLICATE_STOP = "duplicate_stop"  # served twice, or served and unassigned, or listed twice
    MISSING_STOP = "missing_stop"  # neither served nor unassigned
    VEHICLE_REUSED = "vehicle_reused"  # two routes for one vehicle
    SKILLS = "skills"
    CAPACITY = "capacity"  # the recomputed load exceeds capacity somewhere
    LOAD = "load"  # the reported load differs from the recomputed one
    ARRIVAL = "arrival"  # arrival != previous departure + travel
    EARLY_START = "early_start"  # service starts before the van arrives
    WINDOW = "window"
    DEPARTURE = "departure"  # departure != start + service
    BREAK_MISSING = "break_missing"  # owed (see problem.Break) but not taken, or malformed
    BREAK_UNEXPECTED = "break_unexpected"  # a break on a vehicle that has none
    BREAK_WINDOW = "break_window"
    BREAK_TIMING = "break_timing"  # overlaps the visit before it or the drive after it
    SHIFT = "shift"
    MAX_DURATION = "max_duration"
    DEPOT_HOURS = "depot_hours"
    RETURN = "return"  # end != last departure (or break end) + travel to the end depot
    LOCKED = "locked"
    DISTANCE = "distance"
    COST = "cost"


@dataclass(frozen=True)
class Violation:
    code: Code
    message: str
    vehicle_id: str | None = None
    stop_id: str | None = None


class InvalidPlan(AssertionError):
    """A plan that breaks its problem's rules; the message lists every violation."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = tuple(violations)
        lines = "\n".join(f"  [{v.code}] {v.message}" for v in violations)
        super().__init__(f"{len(violations)} violation(s):\n{lines}")


def assert_valid(problem: Problem, plan: Plan) -> None:
    violations = validate(problem, plan)
    if violations:
        raise InvalidPlan(violations)


def validate(problem: Problem, plan: Plan) -> list[Violation]:
    """Every rule ``plan`` breaks, recomputed from ``problem`` without trusting the plan's sums."""
    found = [*_coverage(problem, plan), *_locked(problem, plan)]
    for route in plan.routes:
        found += _route(problem, route)
    expected = sum(r.cost for r in plan.routes) + sum(
        problem.stops_by_id[u.stop_id].penalty
        for u in plan.unassigned
        if u.stop_id in problem.stops_by_id and not problem.stops_by_id[u.stop_id].required
    )
    if plan.cost != expected:
        message = (
            f"plan cost is {plan.cost} but its routes and left-out penalties sum to {expected}"
        )
        found.append(Violation(Code.COST, message))
    return found


def _coverage(problem: Problem, plan: Plan) -> Iterator[Violation]:
    """Each stop served once or unassigned once; known ids; one route per vehicle."""
    places: dict[str, list[str]] = {}
    for route in plan.routes:
        for stop_id in route.stop_ids:
            places.setdefault(stop_id, []).append(f"vehicle {route.vehicle_id}")
    for entry in plan.unassigned:
        places.setdefault(entry.stop_id, []).append("unassigned")
    for stop_id, where in places.items():
        if stop_id not in problem.stops_by_id:
            message = f"stop {stop_id} ({', '.join(where)}) is not in the problem"
            yield Violation(Code.UNKNOWN_STOP, message, stop_id=stop_id)
        elif len(where) > 1:
            message = f"stop {stop_id} appears {len(where)} times: {', '.join(where)}"
            yield Violation(Code.DUPLICATE_STOP, message, stop_id=stop_id)
    for stop in problem.stops:
        if stop.id not in places:
            message = f"stop {stop.id} is neither served nor unassigned"
            yield Violation(Code.MISSING_STOP, message, stop_id=stop.id)
    for vehicle_id, count in Counter(r.vehicle_id for r in plan.routes).items():
        if count > 1:
            message = f"vehicle {vehicle_id} has {count} routes"
            yield Violation(Code.VEHICLE_REUSED, message, vehicle_id)


def _locked(problem: Problem, plan: Plan) -> Iterator[Violation]:
    """Locked routes begin with their stops in order; closed ones have nothing more."""
    for locked in problem.locked:
        route = next((r for r in plan.routes if r.vehicle_id == locked.vehicle_id), None)
        have = route.stop_ids if route else ()
        want = locked.stop_ids
        if have[: len(want)] != want:
            message = (
                f"vehicle {locked.vehicle_id} must begin with locked stops {', '.join(want)} "
                f"but has {', '.join(have) or 'no route'}"
            )
            yield Violation(Code.LOCKED, message, locked.vehicle_id)
        elif locked.closed and len(have) > len(want):
            extra = ", ".join(have[len(want) :])
            message = (
                f"vehicle {locked.vehicle_id} is closed after its locked stops "
                f"but also serves {extra}"
            )
            yield Violation(Code.LOCKED, message, locked.vehicle_id)


def _route(problem: Problem, route: Route) -> list[Violation]:
    vehicle = problem.vehicles_by_id.get(route.vehicle_id)
    if vehicle is None:
        message = f"route for vehicle {route.vehicle_id}, which is not in the problem"
        return [Violation(Code.UNKNOWN_VEHICLE, message, route.vehicle_id)]
    known = [problem.stops_by_id.get(stop_id) for stop_id in route.stop_ids]
    stops = [s for s in known if s is not None]
    if len(stops) < len(known):
        return []  # reported by _coverage; times and loads cannot be computed without the stop
    check = _RouteCheck(problem, vehicle, route, stops)
    parts = (check.skills, check.loads, check.times, check.breaks, check.ends, check.distances)
    return [violation for part in parts for violation in part()]


@dataclass
class _RouteCheck:
    """The checks of one route; each compares the plan's numbers with recomputed ones."""

    problem: Problem
    vehicle: Vehicle
    route: Route
    stops: list[Stop]

    def _v(self, code: Code, message: str, stop: Stop | None = None) -> Violation:
        text = f"vehicle {self.vehicle.id} {message}"
        return Violation(code, text, self.vehicle.id, stop.id if stop else None)

    def skills(self) -> Iterator[Violation]:
        for stop in self.stops:
            missing = stop.skills - self.vehicle.skills
            if missing:
                text = f"lacks skills {', '.join(sorted(missing))} for stop {stop.id}"
                yield self._v(Code.SKILLS, text, stop)

    def loads(self) -> Iterator[Violation]:
        dimensions = self.problem.dimensions
        capacity = padded(self.vehicle.capacity, len(dimensions))
        carried = loads(self.problem, self.stops)
        places = ["the depot"] + [f"stop {s.id}" for s in self.stops]
        for i, (load, place) in enumerate(zip(carried, places, strict=True)):
            stop = self.stops[i - 1] if i else None
            for d, name in enumerate(dimensions):
                if load[d] > capacity[d]:
                    text = (
                        f"leaves {place} carrying {name} {load[d]}, over its capacity {capacity[d]}"
                    )
                    yield self._v(Code.CAPACITY, text, stop)
            reported = self.route.visits[i - 1].load_after if i else self.route.load_at_start
            if tuple(reported) != load:
                text = f"reports load {reported} leaving {place}, recomputed {load}"
                yield self._v(Code.LOAD, text, stop)

    def _break_ok(self) -> bool:
        """Whether the route reports a break the schedule checks can build on."""
        after, n = self.route.break_after, len(self.stops)
        has = self.vehicle.break_ is not None and self.route.break_start_s is not None
        return has and after is not None and -1 <= after < n

    def _after_break(self, index: int) -> int | None:
        """The end of the break the van takes just before leg ``index`` (to visit or depot)."""
        brk = self.vehicle.break_
        if brk is None or not self._break_ok() or self.route.break_after != index - 1:
            return None
        assert self.route.break_start_s is not None
        return self.route.break_start_s + brk.duration_s

    def times(self) -> Iterator[Violation]:
        durations = self.problem.travel(self.vehicle).durations_s
        here = location_of_depot(self.problem, self.vehicle.start_depot)
        free = self.route.start_s
        for i, (stop, visit) in enumerate(zip(self.stops, self.route.visits, strict=True)):
            drive = int(durations[here, stop.location])
            resumed = self._after_break(i)
            yield from self._visit(stop, visit, free, drive, resumed)
            here, free = stop.location, visit.departure_s

    def _visit(
        self, stop: Stop, visit: Visit, free: int, drive: int, resumed: int | None
    ) -> Iterator[Violation]:
        """One visit's times: leaving the previous place at ``free`` (or a break ending then)."""
        at = f"stop {stop.id} at"
        if resumed is not None and visit.arrival_s < resumed + drive:
            text = f"arrives at {at} {visit.arrival_s} s, before break end {resumed} s + {drive} s"
            yield self._v(Code.BREAK_TIMING, text, stop)
        elif resumed is None and visit.arrival_s != free + drive:
            due = f"{free + drive} s ({free} s + {drive} s)"
            text = f"arrives at {at} {visit.arrival_s} s, expected {due}"
            yield self._v(Code.ARRIVAL, text, stop)
        if visit.start_s < visit.arrival_s:
            text = (
                f"starts service at {at} {visit.start_s} s, before arriving at {visit.arrival_s} s"
            )
            yield self._v(Code.EARLY_START, text, stop)
        if stop.windows and not any(w.contains(visit.start_s) for w in stop.windows):
            side = "after" if visit.start_s > max(w.end_s for w in stop.windows) else "outside"
            windows = windows_text(stop.windows)
            text = f"starts service at {at} {visit.start_s} s, {side} its {windows}"
            yield self._v(Code.WINDOW, text, stop)
        expected = visit.start_s + stop.service_s
        if visit.departure_s != expected:
            text = f"leaves {at} {visit.departure_s} s, expected {expected} s (+{stop.service_s} s)"
            yield self._v(Code.DEPARTURE, text, stop)

    def breaks(self) -> Iterator[Violation]:
        brk, route = self.vehicle.break_, self.route
        if brk is None:
            if route.break_start_s is not None or route.break_after is not None:
                text = f"reports a break at {route.break_start_s} s but has no break"
                yield self._v(Code.BREAK_UNEXPECTED, text)
            return
        if not self.stops:
            return
        if route.break_start_s is None and route.break_after is None:
            if brk.owed(route.duration_s):  # no break: the route is all working time
                limit = f"over {brk.after_work_s} s" if brk.after_work_s else "on every route"
                text = (
                    f"works {route.duration_s} s without a break, but owes its {brk.duration_s} s "
                    f"break in {brk.window.start_s}-{brk.window.end_s} when working {limit}"
                )
                yield self._v(Code.BREAK_MISSING, text)
            return
        if not self._break_ok():
            text = (
                f"must take a {brk.duration_s} s break in {brk.window.start_s}-{brk.window.end_s} "
                f"but reports start {route.break_start_s} after visit {route.break_after} "
                f"of {len(self.stops)}"
            )
            yield self._v(Code.BREAK_MISSING, text)
            return
        start, after = route.break_start_s, route.break_after
        assert start is not None
        assert after is not None
        if not brk.window.contains(start):
            window = f"{brk.window.start_s}-{brk.window.end_s}"
            yield self._v(Code.BREAK_WINDOW, f"starts its break at {start} s, outside {window}")
        free = route.visits[after].departure_s if after >= 0 else route.start_s
        where = f"stop {self.stops[after].id}" if after >= 0 else "the depot"
        if start < free:
            text = f"starts its break at {start} s, before it is free at {where} at {free} s"
            yield self._v(Code.BREAK_TIMING, text)

    def ends(self) -> Iterator[Violation]:
        vehicle, route, problem = self.vehicle, self.route, self.problem
        shift, begin, end = vehicle.shift, route.start_s, route.end_s
        if begin < shift.start_s or end > shift.end_s:
            text = f"works {begin}-{end} s, outside its shift {shift.start_s}-{shift.end_s}"
            yield self._v(Code.SHIFT, text)
        limit = vehicle.max_duration_s
        if limit is not None and route.duration_s > limit:
            text = f"works {route.duration_s} s, over its max duration {limit} s"
            yield self._v(Code.MAX_DURATION, text)
        for label, index, at in (
            ("leaves", vehicle.start_depot, begin),
            ("returns to", vehicle.end_depot, end),
        ):
            depot = problem.depots[index]
            if not depot.window.contains(at):
                hours = f"{depot.window.start_s}-{depot.window.end_s}"
                yield self._v(
                    Code.DEPOT_HOURS, f"{label} depot {depot.id} at {at} s, outside {hours}"
                )
        yield from self._return()

    def _return(self) -> Iterator[Violation]:
        problem, vehicle, route = self.problem, self.vehicle, self.route
        start_depot = location_of_depot(problem, vehicle.start_depot)
        last = self.stops[-1].location if self.stops else start_depot
        end_depot = location_of_depot(problem, vehicle.end_depot)
        drive = int(problem.travel(vehicle).durations_s[last, end_depot])
        free = route.visits[-1].departure_s if route.visits else route.start_s
        resumed = self._after_break(len(self.stops))
        free = free if resumed is None else resumed
        if route.end_s != free + drive:
            text = f"returns at {route.end_s} s, expected {free + drive} s ({free} s + {drive} s)"
            yield self._v(Code.RETURN, text)

    def distances(self) -> Iterator[Violation]:
        matrix = self.problem.travel(self.vehicle).distances_m
        here = location_of_depot(self.problem, self.vehicle.start_depot)
        total = 0
        for stop, visit in zip(self.stops, self.route.visits, strict=True):
            leg = int(matrix[here, stop.location])
            if visit.distance_from_previous_m != leg:
                text = (
                    f"reports {visit.distance_from_previous_m} m to stop {stop.id}, matrix {leg} m"
                )
                yield self._v(Code.DISTANCE, text, stop)
            total, here = total + leg, stop.location
        total += int(matrix[here, location_of_depot(self.problem, self.vehicle.end_depot)])
        if self.route.distance_m != total:
            text = f"reports {self.route.distance_m} m in total, recomputed {total} m"
            yield self._v(Code.DISTANCE, text)
        yield from self._cost()

    def _cost(self) -> Iterator[Violation]:
        vehicle, route = self.vehicle, self.route
        cost = route_cost(vehicle, route.distance_m, route.duration_s)
        if route.cost != cost:
            text = (
                f"reports cost {route.cost}, expected {cost} (fixed {vehicle.fixed_cost} "
                f"+ {vehicle.cost_per_m}/m x {route.distance_m} m "
                f"+ {vehicle.cost_per_s}/s x {route.duration_s} s)"
            )
            yield self._v(Code.COST, text)
