"""Changing a day that is under way: a new order, a vehicle off the road, a dispatcher's move,
an order taken out of the day (moved to another one).

The plan's times stand for where the vans are: a visit whose service started before ``now``
(or that a driver reported done) is history and never changes, and a van on the road is
driving to its next stop, which it keeps too (``frozen``). Everything after that may change.
A van still at the station cannot leave before ``now`` (``as_of``).

Parcels decide what may go where. A new delivery's parcel is at the station, so only vans that
have not left may take it; a pickup may go to any van. After a breakdown the stranded van's
parcels are handed over (at the roadside or through the station) to whichever vans take its
stops, so those stops may go to vans on the road; their capacity is checked as if the parcels
had been aboard from the start, which can only overstate the load.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from doorstep.planning.insertion import cheapest_insertion, check, retimed, route_gaps
from doorstep.planning.plan import Plan, Route, Unassigned
from doorstep.planning.problem import LockedRoute, Problem, Window
from doorstep.planning.schedule import assemble, plan_cost
from doorstep.planning.validation import Violation, validate


@dataclass(frozen=True)
class Underway:
    """Where the day stands: seconds after the epoch now, and the stops drivers reported done
    (delivered, attempted or collected)."""

    now_s: int
    done: frozenset[str] = frozenset()
    departed: frozenset[str] = frozenset()  # vehicles that left the station, by their scans
    ended: frozenset[str] = frozenset()  # vehicles whose route is over: they take nothing new


@dataclass(frozen=True)
class Changed:
    """A change's outcome: the problem as of now, the plan, the vehicles whose routes changed,
    and what the change broke (empty for every change the planner makes on its own)."""

    problem: Problem
    plan: Plan
    affected: tuple[str, ...]
    violations: tuple[Violation, ...] = ()


def frozen(plan: Plan, underway: Underway) -> dict[str, int]:
    """Per vehicle, how many leading visits are history: done, started, or being driven to."""
    counts: dict[str, int] = {}
    for route in plan.routes:
        past = [
            i
            for i, v in enumerate(route.visits)
            if v.stop_id in underway.done or v.start_s <= underway.now_s
        ]
        count = max(past, default=-1) + 1
        on_road = route.start_s <= underway.now_s
        if on_road and count < len(route.visits):
            between = count == 0 or route.visits[count - 1].departure_s <= underway.now_s
            count += 1 if between else 0  # on the way to the next stop: it stays next
        counts[route.vehicle_id] = count
    return counts


def on_the_road(
    plan: Plan, underway: Underway, counts: Mapping[str, int] | None = None
) -> set[str]:
    """Vehicles that have left the station (or served anything); ``counts`` is ``frozen``'s
    answer when the caller has it already."""
    counts = frozen(plan, underway) if counts is None else counts
    return {
        r.vehicle_id for r in plan.routes if r.start_s <= underway.now_s or counts[r.vehicle_id]
    }


def as_of(
    problem: Problem, plan: Plan, underway: Underway, gone: Collection[str] | None = None
) -> Problem:
    """``problem`` as of now: a vehicle still at the station cannot leave in the past.

    ``gone`` is ``on_the_road``'s answer when the caller has it already."""
    gone = on_the_road(plan, underway) if gone is None else gone
    vehicles = tuple(
        v
        if v.id in gone or v.shift.start_s >= underway.now_s
        else replace(v, shift=Window(min(underway.now_s, v.shift.end_s), v.shift.end_s))
        for v in problem.vehicles
    )
    return replace(problem, vehicles=vehicles)


def insert_order(
    problem: Problem, plan: Plan, stop_id: str, underway: Underway, *, at_station: bool = True
) -> Changed:
    """``stop_id`` (in ``problem``, not in ``plan``) put where it costs least and fits.

    Frozen visits and locked routes never change and nothing is reordered, and a route that
    has ended takes nothing. With ``at_station`` (a new order's parcel waits at the station) a
    delivery only goes to a van still there, by the plan's clock and by its departure.
    """
    history = frozen(plan, underway)
    gone = on_the_road(plan, underway, history)
    now = as_of(problem, plan, underway, gone)
    counts: dict[str, int | None] = dict(history) | dict.fromkeys(underway.ended)
    stop = now.stop(stop_id)
    if at_station and any(stop.delivery):
        counts |= dict.fromkeys(gone | underway.departed)
    before = {r.vehicle_id: r for r in plan.routes}
    after = cheapest_insertion(now, _without(now, plan, [stop_id]), stop_id, frozen=counts)
    return Changed(now, after, _changed(before, after))


def take_off_road(problem: Problem, plan: Plan, vehicle_id: str, underway: Underway) -> Changed:
    """``vehicle_id`` out for the rest of the day; its open stops go to the others.

    The vehicle keeps what it had served (what drivers reported done; on a day without
    reports, what the plan has finished by now) as a closed route; the rest are inserted one
    by one, required and costliest first, each where it costs least after the other vans'
    frozen visits, never on a route that has ended. Those that fit nowhere are left
    unassigned.
    """
    now = as_of(problem, plan, underway)
    vehicle = now.vehicle(vehicle_id)  # KeyError names an unknown vehicle
    route = next((r for r in plan.routes if r.vehicle_id == vehicle_id), None)
    kept: tuple[str, ...] = ()
    routes = [r for r in plan.routes if r.vehicle_id != vehicle_id]
    if route is not None:
        # Drivers who scan say what the broken van served; the plan's clock, which runs on
        # while the van stands still, only speaks for a station whose drivers report nothing.
        done = [
            i
            for i, v in enumerate(route.visits)
            if v.stop_id in underway.done or (not underway.done and v.departure_s <= underway.now_s)
        ]
        kept = route.stop_ids[: max(done, default=-1) + 1]
        if kept:  # what it served stays on record; the break too if it was owed by then
            stops = [now.stop(s) for s in kept]
            routes.append(retimed(now, route, stops, len(kept)))
    open_stops = [s for s in (route.stop_ids if route else ()) if s not in kept]
    locks = tuple(lock for lock in now.locked if lock.vehicle_id != vehicle_id)
    now = replace(now, locked=(*locks, LockedRoute(vehicle.id, kept, closed=True)))
    order = {v.id: n for n, v in enumerate(now.vehicles)}
    routes.sort(key=lambda r: order[r.vehicle_id])
    rest = (*plan.unassigned, *(Unassigned(s) for s in open_stops))
    changed = Plan(tuple(routes), rest, plan_cost(now, routes, rest), notes=plan.notes)
    counts: dict[str, int | None] = dict(frozen(changed, underway))
    counts |= dict.fromkeys({vehicle_id, *underway.ended})
    waiting = sorted(
        (now.stop(s) for s in open_stops), key=lambda s: (not s.required, -s.penalty, s.id)
    )
    for stop in waiting:
        changed = cheapest_insertion(now, _without(now, changed, [stop.id]), stop.id, frozen=counts)
    before = {r.vehicle_id: r for r in plan.routes}
    affected = tuple(sorted({vehicle_id, *_changed(before, changed)}, key=order.__getitem__))
    return Changed(now, changed, affected)


def move_stops(
    problem: Problem,
    plan: Plan,
    stop_ids: Sequence[str],
    vehicle_id: str,
    underway: Underway,
    *,
    position: int | None = None,
) -> Changed:
    """A dispatcher's move: ``stop_ids`` onto ``vehicle_id``'s route, in that order.

    At ``position`` (0 = first stop; past the route's frozen visits) or, without it, each
    where it adds the least detour, preferring places where it is on time and fits. The routes
    are timed again but nothing is refused: ``violations`` says what the move would break
    (lateness, overload, shift, skills), for a person to weigh before saving. Raises
    ValueError for a stop that is not in the plan or already history, or a bad position.
    """
    now = as_of(problem, plan, underway)
    target = now.vehicle(vehicle_id)
    counts = frozen(plan, underway)
    for stop_id in stop_ids:
        _movable(now, plan, stop_id, counts)
    if len(set(stop_ids)) != len(stop_ids):
        raise ValueError("a stop is named twice")
    moving = set(stop_ids)
    routes: dict[str, Route] = {}
    for route in plan.routes:
        if moving & set(route.stop_ids) and route.vehicle_id != vehicle_id:
            stops = [now.stop(s) for s in route.stop_ids if s not in moving]
            routes[route.vehicle_id] = retimed(now, route, stops, counts[route.vehicle_id])
    current = next((r for r in plan.routes if r.vehicle_id == vehicle_id), None)
    first = counts.get(vehicle_id, 0)
    staying = [s for s in (current.stop_ids if current else ()) if s not in moving]
    if position is not None and not first <= position <= len(staying):
        raise ValueError(
            f"position {position} is outside {first}..{len(staying)}: "
            f"the first {first} stops of {vehicle_id} are already served or under way"
        )
    sequence = list(staying)
    base = current or assemble(
        now, target, [], start_s=0, times=[], end_s=0, break_start_s=None, break_after=None
    )
    for k, stop_id in enumerate(stop_ids):
        at = (
            position + k if position is not None else _best_gap(now, base, sequence, stop_id, first)
        )
        sequence.insert(at, stop_id)
    routes[vehicle_id] = retimed(now, base, [now.stop(s) for s in sequence], first)
    changed = _replaced(now, plan, routes, drop=moving)
    return Changed(now, changed, tuple(routes), tuple(validate(now, changed)))


def remove_stops(
    problem: Problem, plan: Plan, stop_ids: Collection[str], underway: Underway
) -> Changed:
    """``stop_ids`` out of the day: gone from the problem, their routes and the unassigned.

    The caller knows the stops were not served (their parcels are still at the station), so a
    stop the plan's clock has passed may go too. The visits before the first removed stop of a
    route keep their times; the rest are timed again and move earlier, nothing is reordered.
    Raises ValueError for a stop that is not in the problem.
    """
    gone = set(stop_ids)
    unknown = sorted(gone - set(problem.stops_by_id))
    if unknown:
        raise ValueError(f"{', '.join(unknown)} is not a stop of this plan")
    now = as_of(problem, plan, underway)
    counts = frozen(plan, underway)
    locks = tuple(
        replace(lock, stop_ids=tuple(s for s in lock.stop_ids if s not in gone))
        for lock in now.locked
    )
    now = replace(now, stops=tuple(s for s in now.stops if s.id not in gone), locked=locks)
    routes: dict[str, Route] = {}
    for route in plan.routes:
        if gone.isdisjoint(route.stop_ids):
            continue
        keep = min(
            counts[route.vehicle_id], *(route.stop_ids.index(s) for s in gone & set(route.stop_ids))
        )
        stops = [now.stop(s) for s in route.stop_ids if s not in gone]
        routes[route.vehicle_id] = retimed(now, route, stops, min(keep, len(stops)))
    changed = _replaced(now, plan, routes, drop=gone)
    return Changed(now, changed, tuple(routes))


def _movable(problem: Problem, plan: Plan, stop_id: str, counts: dict[str, int]) -> None:
    if stop_id not in problem.stops_by_id:
        raise ValueError(f"{stop_id} is not a stop of this plan")
    route = plan.route_of(stop_id)
    if route is not None and route.stop_ids.index(stop_id) < counts[route.vehicle_id]:
        raise ValueError(f"{stop_id} is already served or under way on {route.vehicle_id}")
    locked = {s for lock in problem.locked for s in lock.stop_ids}
    if stop_id in locked:
        raise ValueError(f"{stop_id} is on a locked route: unlock it first")


def _best_gap(problem: Problem, route: Route, sequence: list[str], stop_id: str, first: int) -> int:
    """The index in ``sequence`` where ``stop_id`` adds the least, on time and fitting first."""
    stops = [problem.stop(s) for s in sequence]
    timed = retimed(problem, route, stops, min(first, len(stops)))
    trial = Plan((timed,))
    gaps = route_gaps(problem, trial, 0, min(first, len(stops)))
    verdict = check(problem, gaps, problem.stop(stop_id))
    good = verdict.in_time & verdict.fits
    rank = np.where(good, 0, 1) * (1 << 40) + verdict.estimate
    return int(gaps.insert_at[int(np.argmin(rank))])


def _without(problem: Problem, plan: Plan, stop_ids: Collection[str]) -> Plan:
    """``plan`` not listing ``stop_ids`` as unassigned (they are about to be placed)."""
    rest = tuple(u for u in plan.unassigned if u.stop_id not in stop_ids)
    return replace(plan, unassigned=rest, cost=plan_cost(problem, plan.routes, rest))


def _replaced(
    problem: Problem, plan: Plan, routes: dict[str, Route], *, drop: Collection[str]
) -> Plan:
    """``plan`` with ``routes`` in place of its vehicles' (empty ones removed)."""
    order = {v.id: n for n, v in enumerate(problem.vehicles)}
    kept = {r.vehicle_id: r for r in plan.routes} | routes
    new = sorted((r for r in kept.values() if r.visits), key=lambda r: order[r.vehicle_id])
    rest = tuple(u for u in plan.unassigned if u.stop_id not in drop)
    return replace(plan, routes=tuple(new), unassigned=rest, cost=plan_cost(problem, new, rest))


def _changed(before: dict[str, Route], after: Plan) -> tuple[str, ...]:
    """Vehicles whose route is new or differs in its stops."""
    return tuple(
        r.vehicle_id
        for r in after.routes
        if r.vehicle_id not in before or before[r.vehicle_id].stop_ids != r.stop_ids
    )
