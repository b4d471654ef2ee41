"""Route schedules recomputed on the problem's own matrices: locked stops, breaks, feasibility."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from doorstep.planning.plan import Visit
from doorstep.planning.problem import LockedRoute, Problem, Stop, Vehicle, Window
from doorstep.planning.schedule import (
    Load,
    earliest_leave,
    earliest_start,
    latest_return,
    loads,
    padded,
)


@dataclass(frozen=True)
class Leg:
    """A stop on a route with the windows its service may start in (empty: any time)."""

    stop: Stop
    windows: tuple[Window, ...]
    locked: bool = False  # a locked stop is never dropped to make the route fit


@dataclass(frozen=True)
class Timeline:
    """One vehicle's legs driven in order: the visits, times, distance and loads."""

    visits: tuple[Visit, ...]
    start_s: int
    end_s: int
    distance_m: int
    load_at_start: Load
    late: bool  # some service would start after its last window closed
    break_start_s: int | None = None
    break_after: int | None = None


@dataclass(frozen=True)
class LockedStart:
    """A locked route driven from its depot: where and when the vehicle is free for more."""

    lock: LockedRoute
    legs: tuple[Leg, ...]
    start_s: int  # leaving the start depot
    free_s: int  # leaving the last locked stop
    location: int  # the problem location it is then at
    on_board: Load  # pickups of the locked stops, carried to the end depot
    peak: Load  # the most the locked stops alone have on board at any point


def service_start(arrival_s: int, windows: Sequence[Window]) -> tuple[int, bool]:
    """When service starts on arriving at ``arrival_s``, and whether a window was still open
    (a late arrival is served on arrival, and the timeline marked late)."""
    start = earliest_start(arrival_s, windows)
    return (arrival_s, False) if start is None else (start, True)


def _rest(vehicle: Vehicle, clock: int) -> tuple[int, int]:
    """Start and end of the break taken where the van is at ``clock``."""
    assert vehicle.break_ is not None
    start = max(clock, vehicle.break_.window.start_s)
    return start, start + vehicle.break_.duration_s


def run(
    problem: Problem, vehicle: Vehicle, start_s: int, legs: Sequence[Leg], pause: int | None = None
) -> Timeline:
    """Drive ``legs`` leaving at ``start_s``; the break follows leg ``pause`` (-1: the depot)."""
    travel, here = problem.travel(vehicle), problem.depots[vehicle.start_depot].location
    first, *after_each = loads(problem, [leg.stop for leg in legs])
    clock, break_start, late, visits = start_s, None, False, list[Visit]()
    if pause == -1:
        break_start, clock = _rest(vehicle, clock)
        start_s = break_start  # nothing to do at the depot before the break
    for index, leg in enumerate(legs):
        arrival = clock + int(travel.durations_s[here, leg.stop.location])
        start, in_window = service_start(arrival, leg.windows)
        load, late = after_each[index], late or not in_window
        metres = int(travel.distances_m[here, leg.stop.location])
        clock, here = start + leg.stop.service_s, leg.stop.location
        visits.append(Visit(leg.stop.id, arrival, start, clock, load, metres))
        if pause == index:
            break_start, clock = _rest(vehicle, clock)
    home = problem.depots[vehicle.end_depot].location
    distance = sum(v.distance_from_previous_m for v in visits) + int(travel.distances_m[here, home])
    end = clock + int(travel.durations_s[here, home])
    after = pause if break_start is not None else None
    return Timeline(tuple(visits), start_s, end, distance, first, late, break_start, after)


def owed(vehicle: Vehicle, timeline: Timeline) -> bool:
    """Whether a timeline without the break is long enough to owe it (``problem.Break``)."""
    brk = vehicle.break_
    return brk is not None and brk.owed(timeline.end_s - timeline.start_s)


def feasible(problem: Problem, vehicle: Vehicle, timeline: Timeline) -> bool:
    """Windows, shift, depot hours, maximum duration, capacity and the break all respected.

    The break is respected if taken in its window, or not taken by a route that does not owe it.
    """
    brk, rest = vehicle.break_, timeline.break_start_s
    if brk is None or rest is None:
        rested = not owed(vehicle, timeline)
    else:
        rested = brk.window.contains(rest)
    return (
        _sound(problem, vehicle, timeline)
        and _ends_in_time(problem, vehicle, timeline.start_s, timeline.end_s)
        and rested
    )


def _sound(problem: Problem, vehicle: Vehicle, timeline: Timeline) -> bool:
    """What a break cannot change: on time everywhere, a lawful start, within capacity."""
    capacity = padded(vehicle.capacity, len(problem.dimensions))
    carried = [timeline.load_at_start, *(v.load_after for v in timeline.visits)]
    return (
        not timeline.late
        and timeline.start_s >= earliest_leave(problem, vehicle)
        and all(held <= most for load in carried for held, most in zip(load, capacity, strict=True))
    )


def _ends_in_time(problem: Problem, vehicle: Vehicle, start_s: int, end_s: int) -> bool:
    """Back before the shift ends and the depot closes, and within the maximum duration."""
    return end_s <= latest_return(problem, vehicle, start_s)


def with_break(
    problem: Problem, vehicle: Vehicle, start_s: int, legs: Sequence[Leg]
) -> Timeline | None:
    """The feasible schedule with the break where it delays the route least, if there is one.

    A route that does not owe the break without it (``problem.Break``) goes without: the
    break only lengthens it. Otherwise waiting the van would do anyway absorbs the break, so
    the least delay of the return (then of the visits) picks those positions first; ties go
    to the earliest position.
    """
    plain = run(problem, vehicle, start_s, legs)
    if not owed(vehicle, plain) and feasible(problem, vehicle, plain):
        return plain
    if vehicle.break_ is None or not _sound(problem, vehicle, plain):
        return None  # a break only delays: what is late or too full stays so
    scores = ((_pause_score(problem, vehicle, plain, legs, p), p) for p in range(-1, len(legs)))
    best = min(((score, p) for score, p in scores if score is not None), default=None)
    if best is None:
        return None
    paused = run(problem, vehicle, start_s, legs, best[1])
    return paused if feasible(problem, vehicle, paused) else None


def _pause_score(
    problem: Problem, vehicle: Vehicle, plain: Timeline, legs: Sequence[Leg], pause: int
) -> tuple[int, int] | None:
    """(delay of the return, summed delay of the visits) with the break after leg ``pause``,
    None if that breaks a rule. The delay is pushed along only until waiting absorbs it, so
    trying every position stays cheap on long routes."""
    assert vehicle.break_ is not None
    visits, window = plain.visits, vehicle.break_.window
    rest = max(visits[pause].departure_s if pause >= 0 else plain.start_s, window.start_s)
    if rest > window.end_s:
        return None
    begin = rest if pause < 0 else plain.start_s  # a break at the depot starts the route
    clock, delay, end = rest + vehicle.break_.duration_s, 0, None
    for i in range(pause + 1, len(visits)):
        before = visits[i - 1].departure_s if i else plain.start_s
        start, in_window = service_start(clock + visits[i].arrival_s - before, legs[i].windows)
        if not in_window:
            return None
        if start == visits[i].start_s:
            end = plain.end_s  # waiting absorbed the break: the rest runs as planned
            break
        clock, delay = start + legs[i].stop.service_s, delay + start - visits[i].start_s
    if end is None:
        end = clock + plain.end_s - (visits[-1].departure_s if visits else plain.start_s)
    return (end - plain.end_s, delay) if _ends_in_time(problem, vehicle, begin, end) else None


def settle(
    problem: Problem, vehicle: Vehicle, start_s: int, legs: Sequence[Leg]
) -> tuple[Timeline | None, tuple[Leg, ...]]:
    """A feasible schedule, dropping unlocked stops from the end until one fits, and the drops.

    The timeline is None when no stop is left, or when the locked stops alone do not fit.
    """
    kept, dropped = list(legs), list[Leg]()
    while kept:
        timeline = with_break(problem, vehicle, start_s, kept)
        if timeline is not None:
            return timeline, tuple(dropped)
        last = max((i for i, leg in enumerate(kept) if not leg.locked), default=None)
        if last is None:
            break
        dropped.append(kept.pop(last))
    return None, tuple(dropped)


def locked_start(problem: Problem, lock: LockedRoute) -> LockedStart:
    """Drive a locked route from its depot, leaving late enough not to wait at the first stop."""
    vehicle = problem.vehicle(lock.vehicle_id)
    legs = tuple(Leg(problem.stop(i), problem.stop(i).windows, locked=True) for i in lock.stop_ids)
    depot = problem.depots[vehicle.start_depot]
    earliest = earliest_leave(problem, vehicle)
    first = run(problem, vehicle, earliest, legs).visits
    start = earliest + (first[0].wait_s if first else 0)
    timeline = run(problem, vehicle, start, legs)
    carried = [timeline.load_at_start, *(v.load_after for v in timeline.visits)]
    free = timeline.visits[-1].departure_s if timeline.visits else start
    location = legs[-1].stop.location if legs else depot.location
    peak = tuple(map(max, zip(*carried, strict=True)))
    return LockedStart(lock, legs, start, free, location, carried[-1], peak)
