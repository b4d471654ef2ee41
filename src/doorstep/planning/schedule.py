"""Schedule arithmetic shared by the validator, explainer, insertion and the fake planner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from doorstep.planning.plan import Route, Unassigned, Visit
from doorstep.planning.problem import Break, Problem, Stop, Vehicle, Window
from doorstep.planning.wording import clock, spans

# A latest time no arrival can meet: what follows is infeasible however early the van comes.
NEVER = -(1 << 62)

Load = tuple[int, ...]


def padded(values: Sequence[int], size: int) -> Load:
    """``values`` with missing trailing dimensions as zero (``()`` means nothing to carry)."""
    return tuple(values) + (0,) * (size - len(values))


def over(load: Sequence[int], capacity: Sequence[int]) -> int | None:
    """The first dimension where ``load`` exceeds ``capacity`` (missing capacity is zero)."""
    cap = padded(capacity, len(load))
    return next((d for d, amount in enumerate(load) if amount > cap[d]), None)


def earliest_start(arrival_s: int, windows: Sequence[Window]) -> int | None:
    """The earliest start of service at or after ``arrival_s`` in any window; None if too late."""
    if not windows:
        return arrival_s
    starts = [max(arrival_s, w.start_s) for w in windows if arrival_s <= w.end_s]
    return min(starts) if starts else None


def latest_start(bound_s: int, windows: Sequence[Window]) -> int:
    """The latest start of service at or before ``bound_s`` in any window; NEVER if none."""
    if not windows:
        return bound_s
    return max((min(w.end_s, bound_s) for w in windows if w.start_s <= bound_s), default=NEVER)


def window_of(start_s: int, windows: Sequence[Window]) -> Window | None:
    """The window service starting at ``start_s`` falls in (None: no windows, or outside)."""
    return next((w for w in windows if w.contains(start_s)), None)


def windows_text(windows: Sequence[Window]) -> str:
    """``window 28800-34200`` or ``windows 28800-30600, 36000-37800`` for messages."""
    spans = ", ".join(f"{w.start_s}-{w.end_s}" for w in windows)
    return f"window{'s' if len(windows) > 1 else ''} {spans}"


def location_of_depot(problem: Problem, index: int) -> int:
    return problem.depots[index].location


def earliest_leave(problem: Problem, vehicle: Vehicle) -> int:
    """When the vehicle may leave at the earliest: its shift and its depot's opening both."""
    return max(vehicle.shift.start_s, problem.depots[vehicle.start_depot].window.start_s)


def latest_return(problem: Problem, vehicle: Vehicle, start_s: int) -> int:
    """``deadline`` without its reason, for checks on hot paths (no message is built)."""
    end = min(vehicle.shift.end_s, problem.depots[vehicle.end_depot].window.end_s)
    limit = vehicle.max_duration_s
    return end if limit is None else min(end, start_s + limit)


def deadline(problem: Problem, vehicle: Vehicle, start_s: int) -> tuple[int, str]:
    """The latest return to the end depot for a route leaving at ``start_s``, and what sets it."""
    depot = problem.depots[vehicle.end_depot]
    limits = [
        (vehicle.shift.end_s, f"the shift end {clock(vehicle.shift.end_s)}"),
        (depot.window.end_s, f"depot {depot.id} closing at {clock(depot.window.end_s)}"),
    ]
    if vehicle.max_duration_s is not None:
        end = start_s + vehicle.max_duration_s
        limits.append((end, f"{clock(end)} (max duration {vehicle.max_duration_s // 60} min)"))
    return min(limits)


def loads(problem: Problem, stops: Sequence[Stop]) -> list[Load]:
    """What the van carries leaving the depot, then leaving each stop: deliveries go out first."""
    size = len(problem.dimensions)
    current = [0] * size
    for stop in stops:
        current = [c + d for c, d in zip(current, padded(stop.delivery, size), strict=True)]
    result = [tuple(current)]
    for stop in stops:
        delivery, pickup = padded(stop.delivery, size), padded(stop.pickup, size)
        current = [c - d + p for c, d, p in zip(current, delivery, pickup, strict=True)]
        result.append(tuple(current))
    return result


def route_cost(vehicle: Vehicle, distance_m: int, duration_s: int) -> int:
    return vehicle.fixed_cost + vehicle.cost_per_m * distance_m + vehicle.cost_per_s * duration_s


def plan_cost(problem: Problem, routes: Sequence[Route], unassigned: Sequence[Unassigned]) -> int:
    """Routes' cost plus the penalties of optional stops left out (``Plan.cost``)."""
    left_out = (problem.stops_by_id.get(u.stop_id) for u in unassigned)
    return sum(r.cost for r in routes) + sum(s.penalty for s in left_out if s and not s.required)


@dataclass(frozen=True)
class Fault:
    """The first thing that makes a schedule infeasible, with the numbers for a message."""

    kind: str  # "window", "break", "return" or "leave"
    stop_index: int | None
    at_s: int
    limit: str


@dataclass(frozen=True)
class Sweep:
    """Times along a sequence of stops: earliest arrival, start and departure at each."""

    leave_s: int
    arrivals: tuple[int, ...]
    starts: tuple[int, ...]
    departures: tuple[int, ...]
    end_s: int
    break_start_s: int | None = None
    break_after: int | None = None  # index in the swept stops; -1 before the first
    fault: Fault | None = None


def _take_break(brk: Break, at_s: int) -> tuple[int, int, Fault | None]:
    """Break start and end when the van is free at ``at_s``; a fault if past its window."""
    start = max(at_s, brk.window.start_s)
    if start <= brk.window.end_s:
        return start, start + brk.duration_s, None
    window = f"its window {clock(brk.window.start_s)}-{clock(brk.window.end_s)}"
    return start, start + brk.duration_s, Fault("break", None, start, window)


def sweep(
    problem: Problem,
    vehicle: Vehicle,
    stops: Sequence[Stop],
    *,
    leave_s: int,
    leave_location: int,
    route_start_s: int,
    break_after: int | None = None,
) -> Sweep:
    """Drive ``stops`` in order from ``leave_location`` at ``leave_s``, then to the end depot.

    Service starts as early as a window allows; the break (if ``break_after`` is given and the
    vehicle has one) starts as soon as the van is free after that stop. Infeasibility is not an
    exception but the first ``Fault``, so callers can both filter and explain. Longer than
    most: one pass that keeps time, place and the first fault together.
    """
    durations = problem.travel(vehicle).durations_s
    brk = vehicle.break_ if break_after is not None else None
    # Only the first fault is reported, so later ones are not worded: this loop is the
    # insertion's and the explainer's inner loop, and a message costs more than the arithmetic.
    t, here, fault = leave_s, leave_location, None
    arrivals, starts, departures = [], [], []
    break_start = None
    if brk is not None and break_after == -1:
        break_start, t, fault = _take_break(brk, t)
    for i, stop in enumerate(stops):
        arrival = t + int(durations[here, stop.location])
        start = earliest_start(arrival, stop.windows)
        if start is None:
            if fault is None:
                fault = Fault("window", i, arrival, f"after its {spans(stop.windows)}")
            start = arrival
        arrivals.append(arrival)
        starts.append(start)
        t, here = start + stop.service_s, stop.location
        departures.append(t)
        if brk is not None and break_after == i:
            break_start, t, late = _take_break(brk, t)
            fault = fault or late
    end = t + int(durations[here, location_of_depot(problem, vehicle.end_depot)])
    if fault is None and end > latest_return(problem, vehicle, route_start_s):
        fault = Fault("return", None, end, f"after {deadline(problem, vehicle, route_start_s)[1]}")
    return Sweep(
        leave_s,
        tuple(arrivals),
        tuple(starts),
        tuple(departures),
        end,
        break_start_s=break_start,
        break_after=break_after if brk is not None else None,
        fault=fault,
    )


def timeline(
    problem: Problem,
    vehicle: Vehicle,
    stops: Sequence[Stop],
    *,
    break_after: int | None = None,
    start_s: int | None = None,
) -> Sweep:
    """A whole route from the start depot, leaving at ``start_s`` (default: as early as allowed)."""
    earliest = earliest_leave(problem, vehicle)
    start = earliest if start_s is None else start_s
    depot = problem.depots[vehicle.start_depot]
    result = sweep(
        problem,
        vehicle,
        stops,
        leave_s=start,
        leave_location=depot.location,
        route_start_s=start,
        break_after=break_after,
    )
    if start < earliest or start > depot.window.end_s:
        opening = f"the shift/depot opening {clock(earliest)}-{clock(depot.window.end_s)}"
        fault = Fault("leave", None, start, f"outside {opening}")
        return replace(result, fault=fault)
    return result


def _delay(problem: Problem, stops: Sequence[Stop], timed: Sweep, brk: Break | None) -> int:
    """How much later the van can leave without moving its return or missing a window.

    Leaving later by D shifts each start by D minus the waiting absorbed before it, so D is
    bounded by the total waiting and, per stop, by its window end plus the waiting so far.
    """
    room, waited = 1 << 62, 0
    if brk is not None and timed.break_after == -1 and timed.break_start_s is not None:
        waited += timed.break_start_s - timed.leave_s
        room = min(room, brk.window.end_s - timed.break_start_s + waited)
    for i, stop in enumerate(stops):
        waited += timed.starts[i] - timed.arrivals[i]
        window = window_of(timed.starts[i], stop.windows)
        if window is not None:
            room = min(room, window.end_s - timed.starts[i] + waited)
        if brk is not None and timed.break_after == i and timed.break_start_s is not None:
            waited += timed.break_start_s - timed.departures[i]
            room = min(room, brk.window.end_s - timed.break_start_s + waited)
    return max(0, min(room, waited))


def settle(
    problem: Problem, vehicle: Vehicle, stops: Sequence[Stop], *, break_after: int | None = None
) -> Sweep:
    """The route's times leaving as late as costs no lateness, so it waits as little as it can."""
    first = timeline(problem, vehicle, stops, break_after=break_after)
    if first.fault is not None and first.fault.kind != "return":
        return first  # leaving later cannot make a missed window or break any better
    # A late return may still be a max duration spent waiting, which leaving later removes.
    latest = problem.depots[vehicle.start_depot].window.end_s - first.leave_s
    delay = min(_delay(problem, stops, first, vehicle.break_), latest)
    if delay <= 0:
        return first
    later = timeline(
        problem, vehicle, stops, break_after=break_after, start_s=first.leave_s + delay
    )
    return later if later.fault is None else first


def owes_break(vehicle: Vehicle, start_s: int, end_s: int) -> bool:
    """Whether a route leaving at ``start_s`` and back at ``end_s`` without a break owes one.

    The one rule (``Break.owed``) the validator, insertion, the planners and the adapters
    share: the working time is the break-free route's, since the break only lengthens it.
    """
    return vehicle.break_ is not None and vehicle.break_.owed(end_s - start_s)


def settle_owed(
    problem: Problem, vehicle: Vehicle, stops: Sequence[Stop], *, break_after: int | None
) -> Sweep:
    """``settle`` without the break if the route does not owe it, else with it after
    ``break_after`` (None: without the break, owed or not)."""
    plain = settle(problem, vehicle, stops)
    if break_after is None or not stops or not owes_break(vehicle, plain.leave_s, plain.end_s):
        return plain
    return settle(problem, vehicle, stops, break_after=break_after)


def placed(problem: Problem, vehicle: Vehicle, stops: Sequence[Stop]) -> Sweep:
    """``settle`` without the break if the route does not owe it, else with the break where
    the route ends earliest; O(n^2): short routes.

    Timing with the break can only end later, so a route short without it stays without it.
    """
    plain = settle(problem, vehicle, stops)
    if not stops or not owes_break(vehicle, plain.leave_s, plain.end_s):
        return plain
    options = [
        settle(problem, vehicle, stops, break_after=b) for b in range(len(stops) - 1, -2, -1)
    ]
    feasible = [o for o in options if o.fault is None]
    return min(feasible or options, key=lambda o: o.end_s)


def assemble(
    problem: Problem,
    vehicle: Vehicle,
    stops: Sequence[Stop],
    *,
    start_s: int,
    times: Sequence[tuple[int, int, int]],
    end_s: int,
    break_start_s: int | None,
    break_after: int | None,
) -> Route:
    """A ``Route`` from stops and their (arrival, start, departure): loads, distances and cost."""
    distances = problem.travel(vehicle).distances_m
    here = location_of_depot(problem, vehicle.start_depot)
    carried = loads(problem, stops)
    visits = []
    for stop, (arrival, start, departure), load in zip(stops, times, carried[1:], strict=True):
        leg = int(distances[here, stop.location])
        visits.append(Visit(stop.id, arrival, start, departure, load, leg))
        here = stop.location
    back = int(distances[here, location_of_depot(problem, vehicle.end_depot)])
    distance = sum(v.distance_from_previous_m for v in visits) + back
    cost = route_cost(vehicle, distance, end_s - start_s)
    return Route(
        vehicle.id,
        tuple(visits),
        start_s,
        end_s,
        distance,
        cost,
        load_at_start=carried[0],
        break_start_s=break_start_s,
        break_after=break_after,
    )


def route_of(problem: Problem, vehicle: Vehicle, stops: Sequence[Stop], timed: Sweep) -> Route:
    """The ``Route`` for a whole-route sweep (``timeline``, ``settle`` or ``placed``)."""
    times = list(zip(timed.arrivals, timed.starts, timed.departures, strict=True))
    return assemble(
        problem,
        vehicle,
        stops,
        start_s=timed.leave_s,
        times=times,
        end_s=timed.end_s,
        break_start_s=timed.break_start_s,
        break_after=timed.break_after,
    )
