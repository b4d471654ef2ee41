"""What a dispatcher's move would break, in the words a person reads: clock times of the
station's day, durations in hours and minutes, vehicles by name.

``planning.validation`` words its violations for the planning code and its tests (seconds
after midnight, ids). A preview (``services.planning.live.move_stops``) shows them to a
person, so the rules whose words carry times (a window, a shift, a maximum duration) are
worded again here from the plan and the problem; the others keep their words with names for
ids (``Words.render``).
"""

from __future__ import annotations

from dataclasses import replace

from doorstep.planning.plan import Plan
from doorstep.planning.problem import Problem
from doorstep.planning.validation import Code, Violation
from doorstep.planning.wording import Words, clock, spans


def worded(problem: Problem, plan: Plan, found: Violation, words: Words) -> Violation:
    """``found`` with a message for people: ``Van 1 would ...`` (``vehicle veh_...`` only for
    a vehicle without a name)."""
    text = _text(problem, plan, found)
    vehicle_id = found.vehicle_id or ""
    if vehicle_id in words.names and text.startswith(f"vehicle {vehicle_id} "):
        text = text.removeprefix("vehicle ")
    return replace(found, message=words.render(text))


def duration(seconds: int) -> str:
    """``45 min``, ``8 h``, ``8 h 20 min``: to the minute, rounded."""
    minutes = (seconds + 30) // 60
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest} min" if rest else "")


def _text(problem: Problem, plan: Plan, found: Violation) -> str:
    vehicle_id = found.vehicle_id
    route = next((r for r in plan.routes if r.vehicle_id == vehicle_id), None)
    if route is None or vehicle_id not in problem.vehicles_by_id:
        return found.message
    vehicle = problem.vehicle(vehicle_id)
    who = f"vehicle {vehicle_id}"  # rendered as its name
    if found.code is Code.WINDOW and found.stop_id in problem.stops_by_id:
        stop = problem.stop(found.stop_id)
        visit = next((v for v in route.visits if v.stop_id == stop.id), None)
        if visit is None or not stop.windows:
            return found.message
        side = "after" if visit.start_s > max(w.end_s for w in stop.windows) else "outside"
        late = visit.start_s - max(w.end_s for w in stop.windows)
        by = f", {duration(late)} late" if side == "after" else ""
        return (
            f"{who} would reach stop {stop.id} at {clock(visit.start_s)}, {side} its "
            f"{spans(stop.windows)}{by}"
        )
    if found.code is Code.SHIFT:
        shift = vehicle.shift
        return (
            f"{who} would work {clock(route.start_s)}-{clock(route.end_s)}, outside its shift "
            f"{clock(shift.start_s)}-{clock(shift.end_s)}"
        )
    if found.code is Code.MAX_DURATION and vehicle.max_duration_s is not None:
        return (
            f"{who} would work {duration(route.duration_s)}, over its longest day of "
            f"{duration(vehicle.max_duration_s)}"
        )
    return found.message
