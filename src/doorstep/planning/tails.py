"""Improving the rest of a route already on the road, its history kept.

A van on the road cannot swap stops with other vans (its parcels are aboard), and a solver
asked to re-plan it would re-time its history. So the part after its frozen visits is improved
here, alone, by local search: move one stop elsewhere in the tail (relocate) and, where loaded
parcels may be reordered, reverse a stretch of it (2-opt). A move is kept when the route stays
on time and within capacity and costs less; the search repeats until no move pays or the time
is up. Pickups are not aboard yet, so moving them never reorders the load; deliveries move only
with ``reorder_loaded`` (the driver then finds parcels in another order than loaded).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from doorstep.planning.insertion import retime
from doorstep.planning.plan import Route
from doorstep.planning.problem import Problem, Stop
from doorstep.planning.schedule import loads, over, padded


def improve_tail(
    problem: Problem,
    route: Route,
    first: int,
    *,
    reorder_loaded: bool = False,
    time_limit_s: float = 1.0,
) -> Route:
    """``route`` with its visits after the first ``first`` reordered where that costs less."""
    deadline = time.perf_counter() + time_limit_s
    best = route
    stops = [problem.stop(s) for s in route.stop_ids]
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for candidate in _neighbours(stops, first, reorder_loaded):
            if time.perf_counter() >= deadline:
                break
            found = _feasible(problem, best, candidate, first)
            if found is not None and found.cost < best.cost:
                best, stops, improved = found, candidate, True
                break  # first improvement: the neighbourhood changed with the route
    return best


def _neighbours(stops: list[Stop], first: int, reorder_loaded: bool) -> Iterator[list[Stop]]:
    """Relocations of one movable stop, then (if allowed) reversals of a stretch."""
    n = len(stops)
    for i in range(first, n):
        if not reorder_loaded and any(stops[i].delivery):
            continue
        rest = stops[:i] + stops[i + 1 :]
        for j in range(first, n):
            if j != i:
                yield [*rest[:j], stops[i], *rest[j:]]
    if reorder_loaded:
        for i in range(first, n - 1):
            for j in range(i + 1, n):
                yield stops[:i] + stops[i : j + 1][::-1] + stops[j + 1 :]


def _feasible(problem: Problem, route: Route, stops: list[Stop], first: int) -> Route | None:
    """The route driving ``stops`` if it breaks no time or load rule, else None."""
    driven, fault = retime(problem, route, stops, first)
    if fault is not None:
        return None
    vehicle = problem.vehicle(route.vehicle_id)
    capacity = padded(vehicle.capacity, len(problem.dimensions))
    if any(over(load, capacity) is not None for load in loads(problem, stops)):
        return None
    return driven
