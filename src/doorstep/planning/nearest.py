"""A deterministic nearest-neighbour planner: the fake RouteOptimizer of tests and the simulator."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field

import numpy as np

from doorstep.planning.optimizer import Cancelled, Progress, ProgressCallback
from doorstep.planning.plan import Plan, Route, Unassigned
from doorstep.planning.problem import Problem, Stop, Vehicle
from doorstep.planning.schedule import (
    Load,
    Sweep,
    earliest_leave,
    owes_break,
    padded,
    plan_cost,
    route_of,
    settle_owed,
    sweep,
)


class NearestNeighbourOptimizer:
    """Per vehicle in order, append the nearest unserved stop that keeps the route feasible.

    Locked stops come first and in order (closed routes take nothing more). "Nearest" is by the
    vehicle's own duration matrix, ties going to the stop listed first in the problem. The break
    is deferred while it can still be taken after the newest stop, otherwise taken before it;
    a stop that keeps the route short enough not to owe the break (``problem.Break``) is also
    taken, and the route is given its break only if it ends up owing it.
    ``time_limit_s``, ``seed`` and ``initial`` are ignored: the same problem gives the same plan.
    """

    name = "nearest"

    def optimize(
        self,
        problem: Problem,
        *,
        time_limit_s: float,
        seed: int = 0,
        initial: Plan | None = None,
        progress: ProgressCallback | None = None,
    ) -> Plan:
        locked = {lock.vehicle_id: lock for lock in problem.locked}
        reserved = {stop_id for lock in problem.locked for stop_id in lock.stop_ids}
        pool = [stop for stop in problem.stops if stop.id not in reserved]
        routes: list[Route] = []
        for vehicle in problem.vehicles:
            builder = _Builder(problem, vehicle)
            lock = locked.get(vehicle.id)
            for stop_id in lock.stop_ids if lock else ():
                builder.append(problem.stop(stop_id), forced=True)
            if not (lock and lock.closed):
                builder.extend(pool)
            route = builder.route()
            if route is not None:
                routes.append(route)
        served = {stop_id for route in routes for stop_id in route.stop_ids}
        unassigned = tuple(Unassigned(s.id) for s in problem.stops if s.id not in served)
        cost = plan_cost(problem, routes, unassigned)
        # runtime_s stays 0: a fake must give equal plans for equal problems, timing included.
        plan = Plan(tuple(routes), unassigned, cost, solver=self.name)
        if progress is not None:
            feasible = not any(problem.stop(u.stop_id).required for u in unassigned)
            # The plan is already complete when reported, so cancelling simply keeps it.
            with suppress(Cancelled):
                routes_cost = sum(r.cost for r in routes)
                progress(Progress(0.0, cost, feasible, 1, routes_cost, len(unassigned)))
        return plan


@dataclass
class _Builder:
    """One route growing at its end, with what an O(1) feasibility check of the next stop needs."""

    problem: Problem
    vehicle: Vehicle
    stops: list[Stop] = field(default_factory=list)
    break_after: int | None = None  # set once the break is taken
    free_s: int = 0  # when the van is free to leave its last place (the break as planned)
    plain_s: int = 0  # the same without any break
    resting: bool = False  # whether the break can still be taken as planned
    here: int = 0
    peak: Load = ()  # the highest load so far, at any point of the route
    last: Load = ()  # the load leaving the last stop

    def __post_init__(self) -> None:
        self.start_s = earliest_leave(self.problem, self.vehicle)
        self.free_s = self.plain_s = self.start_s
        self.resting = self.vehicle.break_ is not None
        self.here = self.problem.depots[self.vehicle.start_depot].location
        size = len(self.problem.dimensions)
        self.capacity = padded(self.vehicle.capacity, size)
        self.peak = self.last = (0,) * size
        self.durations = self.problem.travel(self.vehicle).durations_s
        # A depot that closes before the shift starts leaves the vehicle nothing to do.
        self.usable = self.start_s <= self.problem.depots[self.vehicle.start_depot].window.end_s

    def _pending(self) -> bool:
        return self.vehicle.break_ is not None and self.break_after is None

    def _fits(self, stop: Stop) -> bool:
        """Capacity after appending: every earlier point also carries ``stop``'s delivery."""
        size = len(self.capacity)
        delivery, pickup = padded(stop.delivery, size), padded(stop.pickup, size)
        return all(
            peak + d <= cap and last + p <= cap
            for peak, last, d, p, cap in zip(
                self.peak, self.last, delivery, pickup, self.capacity, strict=True
            )
        )

    def _try(self, stop: Stop, break_after: int | None, leave_s: int) -> Sweep:
        return sweep(
            self.problem,
            self.vehicle,
            [stop],
            leave_s=leave_s,
            leave_location=self.here,
            route_start_s=self.start_s,
            break_after=break_after,
        )

    def append(self, stop: Stop, *, forced: bool = False) -> bool:
        """Append ``stop`` if feasible (or ``forced``): break deferred if it can still follow.

        Feasible with the break as planned, or short enough without it not to owe it; once
        only the latter holds, the break is given up and the route must stay that short.
        """
        able = self.usable and stop.skills <= self.vehicle.skills and self._fits(stop)
        if not forced and not able:
            return False
        plain = self._try(stop, None, self.plain_s)
        short = plain.fault is None and not owes_break(self.vehicle, self.start_s, plain.end_s)
        rested = self._rested(stop) if self.resting else None
        if rested is None or (rested.fault is not None and short):
            if not (short or forced):
                return False
            self.resting = False
        elif rested.fault is not None and not forced:
            return False
        elif rested.break_after == -1:
            self.break_after = len(self.stops) - 1
        if rested is not None and self.resting:
            self.free_s = rested.departures[0]
        size = len(self.capacity)
        delivery, pickup = padded(stop.delivery, size), padded(stop.pickup, size)
        self.peak = tuple(
            max(peak + d, last + p)
            for peak, last, d, p in zip(self.peak, self.last, delivery, pickup, strict=True)
        )
        self.last = tuple(last + p for last, p in zip(self.last, pickup, strict=True))
        self.stops.append(stop)
        self.plain_s, self.here = plain.departures[0], stop.location
        return True

    def _rested(self, stop: Stop) -> Sweep:
        """``stop`` appended with the break as planned: after it if pending, else before it."""
        if not self._pending():
            return self._try(stop, None, self.free_s)
        later = self._try(stop, 0, self.free_s)
        now = self._try(stop, -1, self.free_s) if later.fault is not None else None
        return later if now is None or now.fault is not None else now

    def extend(self, pool: list[Stop]) -> None:
        """Append nearest feasible stops from ``pool`` (removing them) until none fits."""
        while pool:
            locations = np.fromiter((s.location for s in pool), dtype=np.int64, count=len(pool))
            order = np.argsort(self.durations[self.here, locations], kind="stable")
            chosen = next((int(i) for i in order if self.append(pool[int(i)])), None)
            if chosen is None:
                return
            del pool[chosen]

    def route(self) -> Route | None:
        if not self.stops:
            return None
        after = len(self.stops) - 1 if self._pending() else self.break_after
        timed = settle_owed(self.problem, self.vehicle, self.stops, break_after=after)
        return route_of(self.problem, self.vehicle, self.stops, timed)
