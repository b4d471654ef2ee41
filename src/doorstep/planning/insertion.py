"""Cheapest feasible insertion of one stop into a plan, each position checked in O(1).

Per route, the visits after its frozen (completed, loaded or locked) prefix are re-timed as
early as they can go, so a new stop can use time the plan spent waiting; frozen visits keep
their times. One backward pass gives the latest arrival at every visit and at the end depot
that still lets the rest of the route meet its windows, break, shift, depot hours and max
duration (waiting is allowed, so any earlier arrival is fine, alternative windows included).
Loads get prefix and suffix maxima: a stop's delivery raises every load before it, its pickup
every load after it. A stop may take any gap after the frozen prefix (either side of the
break too); for all gaps of a route at once (NumPy) its arrival and departure follow from when
the van leaves the place before, and the gap is feasible if the next place is reached by its
latest arrival and both load maxima plus the stop fit: O(1) per gap after O(n) per route.
Exact, except for the max duration of a route with nothing frozen (its start may still move)
and for a route without its vehicle's break (it did not owe it; ``problem.Break``): the test
ignores the break, which the new stop may make owed. Both are checked when the chosen place
is simulated (the break placed where the route ends earliest), and the next place tried if
that fails. A route that took its break keeps it.

Gaps are ranked by detour cost (``cost_per_m`` x extra metres + ``cost_per_s`` x extra driving
and service; changes in waiting are not priced), an unused vehicle by the cost of serving the
stop alone. Only the best gap's route is simulated, from its frozen prefix on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from doorstep.planning.plan import Plan, Route, Unassigned
from doorstep.planning.problem import Problem, Stop, Vehicle, Window
from doorstep.planning.schedule import (
    NEVER,
    Fault,
    Sweep,
    assemble,
    deadline,
    earliest_leave,
    earliest_start,
    latest_start,
    location_of_depot,
    owes_break,
    padded,
    placed,
    plan_cost,
    route_of,
    settle,
    sweep,
)

Ints = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]
_LATE = 1 << 62  # a start of service no window allows


@dataclass(frozen=True)
class Gaps:
    """Where one route of the plan can take a new stop, as arrays over its open gaps."""

    route_index: int
    vehicle: Vehicle
    first: int  # leading visits frozen: they keep their reported times
    break_after: int | None  # the route's break (None: no break)
    tail: Sweep  # the visits after the frozen ones, re-timed as early as they can go
    insert_at: Ints  # the visit index the new stop would take
    before_break: Flags  # the break follows the new stop (it sat where the stop goes)
    leave_s: Ints  # when the van leaves the place before the gap (a break's end after it)
    leave_at: Ints  # that place's location
    next_at: Ints  # the next visit's location, or the end depot's
    next_latest: Ints  # the latest arrival there that keeps the rest of the route feasible
    peak_before: Ints  # (gaps, dimensions): highest load from the depot to the gap
    peak_after: Ints  # (gaps, dimensions): highest load from the gap to the end


@dataclass(frozen=True)
class Checked:
    """One candidate vehicle's verdict for one stop: per gap, in time, within capacity, cost."""

    vehicle: Vehicle
    gaps: Gaps | None  # None: an unused vehicle, serving the stop alone
    in_time: Flags
    fits: Flags
    estimate: Ints
    overload: Ints  # (gaps, dimensions): load beyond capacity, <= 0 where it fits


def frozen_counts(
    problem: Problem, frozen: Mapping[str, int | None] | None
) -> dict[str, int | None]:
    """Leading visits per vehicle that may not change; None: the route takes nothing new.

    Locked routes always count: an explicit ``frozen`` can only freeze more.
    """
    counts: dict[str, int | None] = dict(frozen or {})
    for lock in problem.locked:
        if lock.vehicle_id in counts and counts[lock.vehicle_id] is None:
            continue  # the caller closed the route: a lock cannot open it again
        given = counts.get(lock.vehicle_id) or 0
        counts[lock.vehicle_id] = None if lock.closed else max(given, len(lock.stop_ids))
    return counts


def _latest_arrivals(
    problem: Problem, vehicle: Vehicle, stops: Sequence[Stop], after: int | None, bound: int
) -> Ints:
    """Per visit and then the end depot: the latest arrival keeping what follows feasible."""
    durations = problem.travel(vehicle).durations_s
    latest = [bound]
    brk = vehicle.break_
    following = location_of_depot(problem, vehicle.end_depot)
    for i in range(len(stops) - 1, -1, -1):
        stop = stops[i]
        leave_by = bound - int(durations[stop.location, following])
        if brk is not None and after == i:  # the break sits between this stop and the next
            break_by = min(brk.window.end_s, leave_by - brk.duration_s)
            leave_by = break_by if break_by >= brk.window.start_s else NEVER
        bound = latest_start(leave_by - stop.service_s, stop.windows)
        latest.append(bound)
        following = stop.location
    return np.array(latest[::-1], dtype=np.int64)


def _tail(
    problem: Problem, route: Route, stops: list[Stop], first: int, after: int | None
) -> Sweep:
    """The unfrozen visits (with ``stops`` as the route's) re-timed as early as they can go.

    With nothing frozen the van may leave as early as its shift allows; otherwise it leaves the
    last frozen visit at its reported departure. A break among frozen visits stays put.
    """
    vehicle = problem.vehicle(route.vehicle_id)
    if first == 0:
        leave = earliest_leave(problem, vehicle)
        start, here = leave, location_of_depot(problem, vehicle.start_depot)
    else:
        start, here = route.start_s, stops[first - 1].location
        leave = route.visits[first - 1].departure_s
    relative = None if after is None or after < first - 1 else after - first
    return sweep(
        problem,
        vehicle,
        stops[first:],
        leave_s=leave,
        leave_location=here,
        route_start_s=start,
        break_after=relative,
    )


def _bound(problem: Problem, vehicle: Vehicle, route: Route, first: int) -> int:
    """The latest return the O(1) test holds a route to.

    A route with nothing frozen may leave later again once the stop is in (``settle``), so
    its max duration is left to the simulation of the chosen place, not to this bound.
    """
    if first > 0 or vehicle.max_duration_s is None:
        return deadline(problem, vehicle, route.start_s)[0]
    return deadline(problem, replace(vehicle, max_duration_s=None), route.start_s)[0]


def _carried(problem: Problem, stops: Sequence[Stop]) -> Ints:
    """``schedule.loads`` as a (stops + 1, dimensions) array, by cumulative sums (it is hot)."""
    size = len(problem.dimensions)
    deliveries = np.array([padded(s.delivery, size) for s in stops], dtype=np.int64)
    pickups = np.array([padded(s.pickup, size) for s in stops], dtype=np.int64)
    change = (pickups - deliveries).reshape(len(stops), size)
    start = deliveries.reshape(len(stops), size).sum(axis=0)
    return np.vstack([start, start + np.cumsum(change, axis=0)])


def _open_gaps(
    vehicle: Vehicle, tail: Sweep, first: int, n: int, after: int | None
) -> tuple[Ints, Flags, Ints]:
    """Per open gap: the visit index a stop would take, before-break flag, leaving time."""
    at = np.arange(first, n + 1, dtype=np.int64)
    before = np.zeros(len(at), dtype=np.bool_)
    leave_s = np.array([tail.leave_s, *tail.departures], dtype=np.int64)
    if vehicle.break_ is None or after is None or after + 1 < first:
        return at, before, leave_s
    gap = after + 1 - first  # the gap holding the break splits in two: before and after it
    break_end = (tail.break_start_s or 0) + vehicle.break_.duration_s
    leave_s = np.insert(leave_s, gap + 1, break_end)
    return np.insert(at, gap, after + 1), np.insert(before, gap, True), leave_s


def route_gaps(problem: Problem, plan: Plan, index: int, first: int) -> Gaps:
    """The gaps of ``plan.routes[index]`` from visit ``first`` on, with their O(1) bounds."""
    route = plan.routes[index]
    vehicle = problem.vehicle(route.vehicle_id)
    stops = [problem.stops_by_id[v.stop_id] for v in route.visits]
    has_break = vehicle.break_ is not None and route.break_start_s is not None
    after = route.break_after if has_break else None
    tail = _tail(problem, route, stops, first, after)
    at, before, leave_s = _open_gaps(vehicle, tail, first, len(stops), after)
    ends = [location_of_depot(problem, d) for d in (vehicle.start_depot, vehicle.end_depot)]
    places = np.array([ends[0], *(s.location for s in stops), ends[1]], dtype=np.int64)
    bound = _bound(problem, vehicle, route, first)
    latest = _latest_arrivals(problem, vehicle, stops, after, bound)[at]
    carried = _carried(problem, stops)
    peaks = np.maximum.accumulate(carried), np.maximum.accumulate(carried[::-1])[::-1]
    per_gap = (at, before, leave_s, places[at], places[at + 1], latest, *(p[at] for p in peaks))
    return Gaps(index, vehicle, first, after, tail, *per_gap)


def _earliest(arrive: Ints, windows: Sequence[Window]) -> Ints:
    """Vectorised ``schedule.earliest_start``; ``_LATE`` where every window has closed."""
    if not windows:
        return arrive
    best = np.full(arrive.shape, _LATE, dtype=np.int64)
    for w in windows:
        best = np.minimum(best, np.where(arrive <= w.end_s, np.maximum(arrive, w.start_s), _LATE))
    return best


def check(problem: Problem, gaps: Gaps, stop: Stop) -> Checked:
    """Every gap of one route for ``stop`` at once: the O(1)-per-gap test of the module doc."""
    vehicle, u = gaps.vehicle, stop.location
    durations = problem.travel(vehicle).durations_s
    # Index first, widen after: the matrices are int32 and can hold millions of cells.
    to_u = durations[gaps.leave_at, u].astype(np.int64)
    from_u = durations[u, gaps.next_at].astype(np.int64)
    start = _earliest(gaps.leave_s + to_u, stop.windows)
    in_time = start < _LATE
    leave_u = start + stop.service_s
    brk = vehicle.break_
    if brk is not None and gaps.before_break.any():
        break_start = np.maximum(leave_u, brk.window.start_s)
        in_time &= ~gaps.before_break | (break_start <= brk.window.end_s)
        leave_u = np.where(gaps.before_break, break_start + brk.duration_s, leave_u)
    in_time &= leave_u + from_u <= gaps.next_latest
    size = len(problem.dimensions)
    capacity = np.array(padded(vehicle.capacity, size), dtype=np.int64)
    over_before = gaps.peak_before + np.array(padded(stop.delivery, size)) - capacity
    over_after = gaps.peak_after + np.array(padded(stop.pickup, size)) - capacity
    overload = np.maximum(over_before, over_after)
    fits = (overload <= 0).all(axis=1)
    return Checked(vehicle, gaps, in_time, fits, _detour(problem, gaps, stop), overload)


def _detour(problem: Problem, gaps: Gaps, stop: Stop) -> Ints:
    """Per gap: ``cost_per_m`` x extra metres + ``cost_per_s`` x extra driving and service."""
    vehicle, u = gaps.vehicle, stop.location
    travel = problem.travel(vehicle)

    def extra(matrix: npt.NDArray[np.int32]) -> Ints:
        via: Ints = matrix[gaps.leave_at, u].astype(np.int64) + matrix[u, gaps.next_at]
        return via - matrix[gaps.leave_at, gaps.next_at]

    seconds = extra(travel.durations_s) + stop.service_s
    return vehicle.cost_per_m * extra(travel.distances_m) + vehicle.cost_per_s * seconds


def _alone(problem: Problem, vehicle: Vehicle, stop: Stop) -> tuple[Checked, Route]:
    """An unused vehicle serving only ``stop``: its verdict and the route it would drive."""
    timed = placed(problem, vehicle, [stop])
    route = route_of(problem, vehicle, [stop], timed)
    size = len(problem.dimensions)
    need = np.maximum(padded(stop.delivery, size), padded(stop.pickup, size))
    overload = (need - np.array(padded(vehicle.capacity, size))).reshape(1, size)
    return (
        Checked(
            vehicle,
            None,
            np.array([timed.fault is None]),
            (overload <= 0).all(axis=1),
            np.array([route.cost], dtype=np.int64),
            overload.astype(np.int64),
        ),
        route,
    )


def survey(
    problem: Problem, plan: Plan, stop: Stop, frozen: Mapping[str, int | None] | None = None
) -> list[tuple[Checked, Route | None]]:
    """Every able vehicle's verdict: the plan's routes (gaps) and unused vehicles (alone)."""
    counts = frozen_counts(problem, frozen)
    found: list[tuple[Checked, Route | None]] = []
    for index, route in enumerate(plan.routes):
        vehicle = problem.vehicle(route.vehicle_id)
        first = counts.get(vehicle.id, 0)
        if first is not None and stop.skills <= vehicle.skills:
            gaps = route_gaps(problem, plan, index, min(first, len(route.visits)))
            found.append((check(problem, gaps, stop), None))
    used = {route.vehicle_id for route in plan.routes}
    locked = {lock.vehicle_id for lock in problem.locked if lock.closed or lock.stop_ids}
    for vehicle in problem.vehicles:
        free = vehicle.id not in used and vehicle.id not in locked
        free = free and counts.get(vehicle.id, 0) is not None  # None: it takes nothing
        if free and stop.skills <= vehicle.skills:
            found.append(_alone(problem, vehicle, stop))
    return found


def break_fits(
    problem: Problem,
    vehicle: Vehicle,
    stops: Sequence[Stop],
    leave_s: int,
    leave_location: int | None,
) -> bool:
    """Whether some place for the vehicle's break keeps ``stops`` feasible, in O(n).

    The van leaves ``leave_location`` (None: its start depot) at ``leave_s`` and serves
    ``stops`` as early as their windows allow, then returns; the break may go before any of
    them or after any. With ``latest`` the latest start at each stop that keeps the rest
    feasible (as ``_latest_arrivals``, without the break), the break fits after stop ``b`` when
    the stops up to ``b`` are on time, it starts within its window, and the next place is
    then reached by its latest time: one forward pass. A route's max duration is left out
    (its start may still move), so this is exact without one and a necessary condition with
    one; either way ``False`` means no place works.
    """
    brk = vehicle.break_
    if brk is None:
        return True
    durations = problem.travel(vehicle).durations_s
    here = leave_location
    if here is None:
        here = location_of_depot(problem, vehicle.start_depot)
    no_limit = replace(vehicle, max_duration_s=None)
    latest = _latest_arrivals(problem, no_limit, stops, None, deadline(problem, no_limit, 0)[0])
    places = [*(s.location for s in stops), location_of_depot(problem, vehicle.end_depot)]
    t = leave_s
    for b in range(-1, len(stops)):
        if b >= 0:
            stop = stops[b]
            start = earliest_start(t + int(durations[here, stop.location]), stop.windows)
            if start is None:
                return False  # late already, and a break before it would only add to that
            t, here = start + stop.service_s, stop.location
        break_start = max(t, brk.window.start_s)
        arrive = break_start + brk.duration_s + int(durations[here, places[b + 1]])
        if break_start <= brk.window.end_s and arrive <= latest[b + 1]:
            return True
    return False


def insert_in_gap(problem: Problem, plan: Plan, gaps: Gaps, g: int, stop: Stop) -> Route | None:
    """The route with ``stop`` in gap ``g``: frozen visits keep their times, the rest are new.

    When the stop makes the route owe a break it did not, ``break_fits`` first rules out in
    O(n) a route with no place for it, before the O(n^2) search for the best place: on a
    full day most gaps fail so, and the search at each was most of the time spent inserting.
    """
    route, vehicle, first = plan.routes[gaps.route_index], gaps.vehicle, gaps.first
    p, after = int(gaps.insert_at[g]), gaps.break_after
    old = [problem.stops_by_id[v.stop_id] for v in route.visits]
    stops = [*old[:p], stop, *old[p:]]
    if gaps.before_break[g]:
        after = p
    elif after is not None and after >= p:
        after += 1
    if first == 0:  # nothing frozen: the whole route is timed again, leaving as late as pays
        if after is None:  # no break yet: the stop may make it owed
            plain = settle(problem, vehicle, stops)
            if not owes_break(vehicle, plain.leave_s, plain.end_s):
                timed = plain
            elif not break_fits(problem, vehicle, stops, earliest_leave(problem, vehicle), None):
                return None
            else:
                timed = placed(problem, vehicle, stops)
        else:
            timed = settle(problem, vehicle, stops, break_after=after)
        return None if timed.fault is not None else route_of(problem, vehicle, stops, timed)
    tail = _tail(problem, route, stops, first, after)
    if after is None and tail.fault is None and owes_break(vehicle, route.start_s, tail.end_s):
        leave = route.visits[first - 1].departure_s
        if not break_fits(problem, vehicle, stops[first:], leave, stops[first - 1].location):
            return None
        tail, after = _owed_tail(problem, route, stops, first)
    if tail.fault is not None:
        return None  # the O(1) test is exact here (but for an owed break): a safety net
    return _joined(problem, route, stops, first, tail, after)


def _joined(
    problem: Problem, route: Route, stops: list[Stop], first: int, tail: Sweep, after: int | None
) -> Route:
    """The route's first ``first`` visits as timed, then ``tail`` (the rest re-timed).

    The break is the tail's if it was placed there, else the route's own among the kept
    visits (``after`` given), else none.
    """
    head = [(v.arrival_s, v.start_s, v.departure_s) for v in route.visits[:first]]
    if tail.break_after is not None:
        break_start = tail.break_start_s
    else:
        break_start = route.break_start_s if after is not None else None
    return assemble(
        problem,
        problem.vehicle(route.vehicle_id),
        stops,
        start_s=route.start_s,
        times=[*head, *zip(tail.arrivals, tail.starts, tail.departures, strict=True)],
        end_s=tail.end_s,
        break_start_s=break_start,
        break_after=after,
    )


def _owed_tail(problem: Problem, route: Route, stops: list[Stop], first: int) -> tuple[Sweep, int]:
    """The unfrozen visits re-timed with the break where the route ends earliest, and where.

    For a route that did not owe its break until the new stop: it goes after the frozen visits.
    """
    options = [(_tail(problem, route, stops, first, a), a) for a in range(first - 1, len(stops))]
    feasible = [o for o in options if o[0].fault is None]
    return min(feasible or options, key=lambda o: o[0].end_s)


def retimed(problem: Problem, route: Route, stops: list[Stop], first: int) -> Route:
    """``route`` driving ``stops`` instead (``retime`` without its verdict)."""
    return retime(problem, route, stops, first)[0]


def retime(
    problem: Problem, route: Route, stops: list[Stop], first: int
) -> tuple[Route, Fault | None]:
    """``route`` driving ``stops`` instead, its first ``first`` visits (unchanged) kept as timed,
    and the first time rule it breaks (None: on time; loads are not checked here).

    Unlike insertion this never refuses: a stop reached after its windows is served late and
    an overload is carried, so the validator can show the consequences of a change a person
    asks for. The break stays among the kept visits if it was taken there, else goes where the
    route ends earliest (only if owed). With nothing kept the whole route is timed again.
    """
    vehicle = problem.vehicle(route.vehicle_id)
    if first == 0 or not stops:
        timed = placed(problem, vehicle, stops)
        return route_of(problem, vehicle, stops, timed), timed.fault
    after = route.break_after if route.break_start_s is not None else None
    if after is not None and after < first - 1:
        tail = _tail(problem, route, stops, first, after)
    else:
        tail = _tail(problem, route, stops, first, None)
        if owes_break(vehicle, route.start_s, tail.end_s):
            tail, after = _owed_tail(problem, route, stops, first)
        else:
            after = None
    return _joined(problem, route, stops, first, tail, after), tail.fault


def cheapest_insertion(
    problem: Problem,
    plan: Plan,
    stop_id: str,
    *,
    frozen: Mapping[str, int | None] | None = None,
) -> Plan:
    """``plan`` with ``stop_id`` at its cheapest feasible place, or listed unassigned if none.

    ``frozen`` maps a vehicle id to how many leading visits may not change, or None for a
    route that takes nothing (default: the problem's locked routes; a closed locked route
    takes nothing). See the module docstring.
    """
    stop = problem.stop(stop_id)
    if any(v.stop_id == stop_id for route in plan.routes for v in route.visits):
        raise ValueError(f"stop {stop_id} is already on a route")
    rest = tuple(u for u in plan.unassigned if u.stop_id != stop_id)
    options: list[tuple[int, int, Checked, int, Route | None]] = []
    for checked, alone in survey(problem, plan, stop, frozen):
        for g in np.flatnonzero(checked.in_time & checked.fits).tolist():
            options.append((int(checked.estimate[g]), len(options), checked, g, alone))
    for _, _, checked, g, alone in sorted(options, key=lambda o: o[:2]):
        routes = list(plan.routes)
        new = alone if checked.gaps is None else insert_in_gap(problem, plan, checked.gaps, g, stop)
        if new is None:
            continue
        if checked.gaps is None:
            routes.append(new)
        else:
            routes[checked.gaps.route_index] = new
        cost = plan_cost(problem, routes, rest)
        return replace(plan, routes=tuple(routes), unassigned=rest, cost=cost)
    unassigned = (*rest, Unassigned(stop_id))
    return replace(plan, unassigned=unassigned, cost=plan_cost(problem, plan.routes, unassigned))
