"""Why stops were left out and what limits each route: reasons and bindings for a plan.

A left-out stop is tested against each constraint in turn and gets the first that explains it:

1. ``NO_SKILL``: no vehicle has every skill it needs (names the missing skills);
2. ``TOO_BIG``: alone it exceeds the capacity of every vehicle with those skills;
3. ``WINDOW_UNREACHABLE``: served alone by any of those vehicles, leaving as early as its
   shift and depot allow, it misses every window or the return (shift end, depot closing, max
   duration) or the break (if the route owes it, ``problem.Break``); names the earliest
   arrival and what it misses;
4. then against the plan (``insertion.survey``: every open gap of every route, and unused
   vehicles): if some place is feasible in time and load, ``OPTIONAL_DROPPED`` for an optional
   stop whose cheapest insertion costs more than its penalty (both numbers). A stop that could
   simply be inserted was left out by the planner, not by a constraint: optional ones still get
   ``OPTIONAL_DROPPED``, required ones ``SHIFTS_FULL``, and the message says where it fits;
5. ``CAPACITY_FULL``: some places are feasible in time, but each would overload the vehicle
   (names the least overloaded);
6. ``SHIFTS_FULL``: no route has a place in time and no unused vehicle can take it.

A route's binding is the first that holds of: ``CAPACITY``, its peak load reaches 95 % of
some dimension's capacity; ``SHIFT``, its duration reaches 95 % of the time it has (shift and
depot hours, capped by the max duration); ``WINDOWS``, some visit starts within 5 minutes of
the end of its window; else ``NONE``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from doorstep.planning.insertion import cheapest_insertion, survey
from doorstep.planning.plan import Binding, Plan, Reason, ReasonCode, Route, Unassigned
from doorstep.planning.problem import Problem, Stop, Vehicle
from doorstep.planning.schedule import (
    Load,
    Sweep,
    deadline,
    earliest_leave,
    loads,
    over,
    padded,
    placed,
    window_of,
)
from doorstep.planning.wording import Words, clock, money, spans

NEAR_FULL = 0.95  # share of capacity or of available time from which a route counts as bound
WINDOW_MARGIN_S = 300  # a visit this close to its window's end binds the route


def explain(problem: Problem, plan: Plan, words: Words | None = None) -> Plan:
    """``plan`` with a reason on every unassigned stop and a binding on every route.

    ``words`` renders times, money and names in the messages (``wording.Words``).
    """
    render = (words or Words()).render
    unassigned = tuple(
        Unassigned(u.stop_id, _rendered(reason(problem, plan, u.stop_id), render))
        for u in plan.unassigned
    )
    routes = tuple(replace(r, binding=binding(problem, r)) for r in plan.routes)
    return replace(plan, routes=routes, unassigned=unassigned)


def _rendered(found: Reason, render: Callable[[str], str]) -> Reason:
    return Reason(found.code, render(found.message))


def reason(problem: Problem, plan: Plan, stop_id: str) -> Reason:
    """Why ``stop_id`` is not on any route of ``plan``: the first constraint that explains it."""
    stop = problem.stop(stop_id)
    able = [v for v in problem.vehicles if stop.skills <= v.skills]
    if not able:
        return _no_skill(problem, stop)
    need = _need(problem, stop)
    roomy = [v for v in able if _excess(problem, v, need) is None]
    if not roomy:
        return _too_big(problem, stop, able, need)
    alone = [(v, placed(problem, v, [stop])) for v in roomy]
    if all(timed.fault is not None for _, timed in alone):
        return _unreachable(problem, stop, alone)
    return _against_plan(problem, plan, stop)


def _need(problem: Problem, stop: Stop) -> Load:
    """The most the stop alone puts on a vehicle, per dimension: its delivery or its pickup."""
    size = len(problem.dimensions)
    pairs = zip(padded(stop.delivery, size), padded(stop.pickup, size), strict=True)
    return tuple(max(d, p) for d, p in pairs)


def _excess(problem: Problem, vehicle: Vehicle, need: Load) -> tuple[int, int] | None:
    """The first dimension where ``need`` exceeds the vehicle's capacity, with that capacity."""
    capacity = padded(vehicle.capacity, len(problem.dimensions))
    d = over(need, capacity)
    return None if d is None else (d, capacity[d])


def _no_skill(problem: Problem, stop: Stop) -> Reason:
    needed = ", ".join(sorted(stop.skills))
    message = f"no vehicle has every skill stop {stop.id} needs ({needed})"
    if problem.vehicles:
        closest = min(problem.vehicles, key=lambda v: len(stop.skills - v.skills))
        lacking = ", ".join(sorted(stop.skills - closest.skills))
        message += f"; the closest, {closest.id}, lacks {lacking}"
    return Reason(ReasonCode.NO_SKILL, message)


def _too_big(problem: Problem, stop: Stop, able: list[Vehicle], need: Load) -> Reason:
    size = len(problem.dimensions)
    for d, name in enumerate(problem.dimensions):
        largest = max(able, key=lambda v: padded(v.capacity, size)[d])
        holds = padded(largest.capacity, size)[d]
        if need[d] > holds:
            message = (
                f"stop {stop.id} carries {name} {need[d]} but the largest able vehicle, "
                f"{largest.id}, holds {holds}"
            )
            return Reason(ReasonCode.TOO_BIG, message)
    per = []
    for vehicle in able:
        excess = _excess(problem, vehicle, need)
        if excess is not None:
            d, holds = excess
            per.append(f"{vehicle.id} {problem.dimensions[d]} {need[d]} > {holds}")
    message = f"stop {stop.id} is too big for every able vehicle: {'; '.join(per)}"
    return Reason(ReasonCode.TOO_BIG, message)


def _unreachable(problem: Problem, stop: Stop, alone: list[tuple[Vehicle, Sweep]]) -> Reason:
    """Names the able vehicle that gets there first: when it leaves, arrives and what it misses.

    A window that opens only after every able vehicle must be back (or closes before any can
    leave) is said first and plainly: that, not the drive, is what a dispatcher has to change.
    """
    outside = _outside_hours(problem, stop, [v for v, _ in alone])
    if outside is not None:
        return Reason(ReasonCode.WINDOW_UNREACHABLE, outside)
    vehicle, timed = min(alone, key=lambda pair: pair[1].arrivals[0])
    fault = timed.fault
    assert fault is not None
    depot = problem.depots[vehicle.start_depot].id
    arrival = timed.arrivals[0]
    misses = {
        "window": f"{fault.limit}",
        "return": (
            f"served from {clock(timed.starts[0])} it is back at {clock(fault.at_s)}, {fault.limit}"
        ),
        "break": f"its break would start at {clock(fault.at_s)}, {fault.limit}",
        "leave": f"it cannot leave at {clock(fault.at_s)}, {fault.limit}",
    }[fault.kind]
    message = (
        f"no able vehicle reaches stop {stop.id} in time: the first, {vehicle.id}, leaving "
        f"depot {depot} at {clock(timed.leave_s)}, arrives at {clock(arrival)} at the earliest; "
        f"{misses}"
    )
    return Reason(ReasonCode.WINDOW_UNREACHABLE, message)


def _outside_hours(problem: Problem, stop: Stop, able: list[Vehicle]) -> str | None:
    if not stop.windows:
        return None
    leaves = [earliest_leave(problem, v) for v in able]
    hours = [(leave, deadline(problem, v, leave)) for v, leave in zip(able, leaves, strict=True)]
    first_leave = min(leave for leave, _ in hours)
    last_back, why = max(limit for _, limit in hours)
    if all(w.start_s >= last_back for w in stop.windows):
        return (
            f"stop {stop.id} may only be served in its {spans(stop.windows)}, but every able "
            f"vehicle must be back by {clock(last_back)} (the latest: {why})"
        )
    if all(w.end_s < first_leave for w in stop.windows):
        return (
            f"stop {stop.id} may only be served in its {spans(stop.windows)}, before any able "
            f"vehicle can leave (the first at {clock(first_leave)})"
        )
    return None


def _against_plan(problem: Problem, plan: Plan, stop: Stop) -> Reason:
    """Steps 4-6 of the module doc: the stop fits some vehicle alone, so look at the plan."""
    checked = [c for c, _ in survey(problem, plan, stop)]
    places = sum(len(c.in_time) for c in checked)
    if any((c.in_time & c.fits).any() for c in checked):
        return _insertable(problem, plan, stop)
    in_time = [c for c in checked if c.in_time.any()]
    if not in_time:
        message = (
            f"no route has time for stop {stop.id} and no free vehicle can take it "
            f"({places} places tried on {len(checked)} vehicles)"
        )
        return Reason(ReasonCode.SHIFTS_FULL, message)
    least = min(in_time, key=lambda c: int(c.overload[c.in_time].max(axis=1).min()))
    rows = least.overload[least.in_time]
    row = rows[int(np.argmin(rows.max(axis=1)))]
    d = int(np.argmax(row))
    capacity = padded(least.vehicle.capacity, len(problem.dimensions))[d]
    message = (
        f"stop {stop.id} fits in time on {', '.join(c.vehicle.id for c in in_time)} but would "
        f"overload each: the least, {least.vehicle.id}, would carry "
        f"{problem.dimensions[d]} {capacity + int(row[d])} of {capacity}"
    )
    return Reason(ReasonCode.CAPACITY_FULL, message)


def _insertable(problem: Problem, plan: Plan, stop: Stop) -> Reason:
    """A feasible place exists: compare its cost with the penalty, or say the planner missed it."""
    inserted = cheapest_insertion(problem, plan, stop.id)
    route = inserted.route_of(stop.id)
    if route is None:  # places that pass the O(1) test but break a max duration or an owed break
        message = (
            f"no route has time for stop {stop.id} within its max duration "
            "or with the break it would then owe"
        )
        return Reason(ReasonCode.SHIFTS_FULL, message + " and no free vehicle can take it")
    cost = sum(r.cost for r in inserted.routes) - sum(r.cost for r in plan.routes)
    index = route.stop_ids.index(stop.id)
    after = f"after stop {route.stop_ids[index - 1]}" if index else "first"
    where = f"on vehicle {route.vehicle_id} {after}"
    if not stop.required and cost > stop.penalty:
        message = (
            f"optional stop {stop.id} would cost {money(cost)} to serve (cheapest {where}), "
            f"more than its penalty {money(stop.penalty)}"
        )
        return Reason(ReasonCode.OPTIONAL_DROPPED, message)
    code = ReasonCode.SHIFTS_FULL if stop.required else ReasonCode.OPTIONAL_DROPPED
    message = (
        f"stop {stop.id} fits {where} for {money(cost)} more"
        + ("" if stop.required else f" (its penalty is {money(stop.penalty)})")
        + ": the planner left it out, insert it or plan again"
    )
    return Reason(code, message)


def binding(problem: Problem, route: Route) -> Binding:
    """The constraint ``route`` runs closest to, by the rules of the module docstring."""
    vehicle = problem.vehicle(route.vehicle_id)
    stops = [problem.stop(stop_id) for stop_id in route.stop_ids]
    capacity = padded(vehicle.capacity, len(problem.dimensions))
    peak = [max(column) for column in zip(*loads(problem, stops), strict=True)]
    if any(cap > 0 and top >= NEAR_FULL * cap for top, cap in zip(peak, capacity, strict=True)):
        return Binding.CAPACITY
    leave = earliest_leave(problem, vehicle)
    latest, _ = deadline(problem, vehicle, leave)  # shift, depot hours and max duration
    if route.duration_s >= NEAR_FULL * max(latest - leave, 0):
        return Binding.SHIFT
    for stop, visit in zip(stops, route.visits, strict=True):
        window = window_of(visit.start_s, stop.windows)
        if window is not None and window.end_s - visit.start_s <= WINDOW_MARGIN_S:
            return Binding.WINDOWS
    return Binding.NONE
