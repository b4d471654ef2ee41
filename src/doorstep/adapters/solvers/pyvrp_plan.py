"""PyVRP solutions as feasible doorstep plans, locked stops first; earlier plans as solutions."""

from __future__ import annotations

from collections.abc import Sequence

import pyvrp

from doorstep.adapters.solvers.pyvrp_model import Translation
from doorstep.adapters.solvers.pyvrp_schedule import Leg, Timeline, owed, run, settle
from doorstep.planning.plan import Plan, Route, Unassigned, Visit
from doorstep.planning.problem import Vehicle, Window

SOLVER = "pyvrp 0.14"


def to_plan(translation: Translation, solution: pyvrp.Solution | None) -> Plan:
    """The plan of ``solution`` (None: nothing solved), feasible whatever the solution was.

    Stops on a route that breaks a rule are taken off it and listed as unassigned.
    """
    problem = translation.problem
    assigned = _assigned(translation, solution)
    served: set[str] = set()
    routes, notes = [], []
    for vehicle in problem.vehicles:
        route, note = _route(translation, vehicle, assigned.get(vehicle.id, []), served)
        routes += [route] if route is not None else []
        notes += [note] if note else []
    left = [stop for stop in problem.stops if stop.id not in served]
    penalties = sum(stop.penalty for stop in left if not stop.required)
    return Plan(
        routes=tuple(routes),
        unassigned=tuple(Unassigned(stop.id) for stop in left),
        cost=sum(route.cost for route in routes) + penalties,
        solver=SOLVER,
        notes=tuple(notes),
    )


def _assigned(translation: Translation, solution: pyvrp.Solution | None) -> dict[str, list[int]]:
    """Client indices in visiting order, by vehicle id: a type's routes go to its vehicles."""
    found: dict[str, list[int]] = {}
    for route in solution.routes() if solution is not None else ():
        fleet = translation.fleets[route.vehicle_type()]
        vehicle = next(v for v in fleet if v.id not in found)
        found[vehicle.id] = [activity.idx for activity in route if activity.is_client()]
    return found


def _route(
    translation: Translation, vehicle: Vehicle, clients: list[int], served: set[str]
) -> tuple[Route | None, str | None]:
    """The vehicle's route: locked stops, then the solver's; None when it serves nothing."""
    start = translation.starts.get(vehicle.id)
    index = translation.vehicle_index.get(vehicle.id)
    if index is not None and clients:
        clients = _lawful(translation, vehicle, index, clients, served)
    legs = [*(start.legs if start else ()), *_legs(translation, clients)]
    if not legs:
        return None, None
    leave = start.start_s if start is not None else _leave(translation, clients, index)
    timeline, _ = settle(translation.problem, vehicle, leave, legs)
    note = _unskilled(vehicle, start.legs) if start is not None else None
    if timeline is None and start is not None and start.legs:
        timeline = _locked_anyway(translation, vehicle, leave, start.legs)
        note = f"vehicle {vehicle.id}: its locked stops alone break a rule; kept as locked"
    if timeline is None:
        return None, None
    served.update(visit.stop_id for visit in timeline.visits)
    return _as_route(vehicle, timeline), note


def _unskilled(vehicle: Vehicle, legs: Sequence[Leg]) -> str | None:
    """A dispatcher may lock a stop on a vehicle without its skills; it stays, with a note."""
    lacking = [leg.stop.id for leg in legs if not leg.stop.skills <= vehicle.skills]
    if not lacking:
        return None
    return f"vehicle {vehicle.id} lacks skills for its locked stops {', '.join(lacking)}"


def _leave(translation: Translation, clients: list[int], index: int | None) -> int:
    """PyVRP's start time: the earliest that gives the route its least duration, so a van
    does not wait at its first stop when leaving later is possible."""
    assert index is not None  # only vehicles the solver had get clients
    return pyvrp.Route(translation.solver_data, clients, index).start_time()


def _legs(translation: Translation, clients: Sequence[int]) -> list[Leg]:
    return [Leg(translation.clients[c].stop, translation.clients[c].windows) for c in clients]


def _lawful(
    translation: Translation, vehicle: Vehicle, index: int, clients: list[int], served: set[str]
) -> list[int]:
    """The clients the vehicle may serve, each stop once, cut down until PyVRP finds it feasible.

    The skills check catches a solution that still uses a barred arc; repeated stops come from
    an infeasible solution serving two windows of one stop.
    """
    seen, kept = set(served), list[int]()
    for client in clients:
        stop = translation.clients[client].stop
        if stop.id not in seen and stop.skills <= vehicle.skills:
            seen.add(stop.id)
            kept.append(client)
    return repair(translation.solver_data, kept, index)


def repair(data: pyvrp.ProblemData, clients: list[int], vehicle_type: int) -> list[int]:
    """Take clients off an infeasible route, the one whose removal relieves it most first."""
    kept = list(clients)
    route = pyvrp.Route(data, kept, vehicle_type)
    while kept and not route.is_feasible():
        options = [
            (pyvrp.Route(data, kept[:i] + kept[i + 1 :], vehicle_type), i) for i in range(len(kept))
        ]
        route, worst = min(options, key=lambda option: _strain(option[0], route))
        del kept[worst]
    return kept


def _strain(route: pyvrp.Route, before: pyvrp.Route) -> tuple[float, int]:
    """What is left of ``before``'s violations, as fractions (seconds and grams do not add)."""
    parts = [(route.time_warp(), before.time_warp())]
    parts += list(zip(route.excess_load(), before.excess_load(), strict=True))
    parts += [(route.excess_distance(), before.excess_distance())]
    return sum(now / was for now, was in parts if was), route.distance()


def _locked_anyway(
    translation: Translation, vehicle: Vehicle, leave: int, legs: Sequence[Leg]
) -> Timeline:
    """Locked stops that do not fit are still kept, with the break (if owed) in its window."""
    problem, brk = translation.problem, vehicle.break_
    plain = run(problem, vehicle, leave, legs)
    if brk is None or not owed(vehicle, plain):
        return plain
    options = [run(problem, vehicle, leave, legs, pause) for pause in range(-1, len(legs))]
    starts = [(t, t.break_start_s) for t in options]
    timely = [t for t, rest in starts if rest is not None and brk.window.contains(rest)]
    return min(timely, key=lambda t: t.end_s, default=plain)


def _as_route(vehicle: Vehicle, timeline: Timeline) -> Route:
    duration = timeline.end_s - timeline.start_s
    return Route(
        vehicle_id=vehicle.id,
        visits=timeline.visits,
        start_s=timeline.start_s,
        end_s=timeline.end_s,
        distance_m=timeline.distance_m,
        cost=vehicle.fixed_cost
        + vehicle.cost_per_m * timeline.distance_m
        + vehicle.cost_per_s * duration,
        load_at_start=timeline.load_at_start,
        break_start_s=timeline.break_start_s,
        break_after=timeline.break_after,
    )


def warm_start(translation: Translation, plan: Plan) -> pyvrp.Solution:
    """An earlier plan as a PyVRP solution: its routes without locked stops and stops now gone."""
    data, routes, taken = translation.solver_data, list[pyvrp.Route](), set[str]()
    for route in plan.routes:
        index = translation.vehicle_index.get(route.vehicle_id)
        if index is None or sum(r.vehicle_type() == index for r in routes) == len(
            translation.fleets[index]
        ):
            continue  # a vehicle gone, or (from a malformed plan) more routes than vehicles
        found = (_client(translation, visit, taken) for visit in route.visits)
        clients = [client for client in found if client is not None]
        if clients:
            routes.append(pyvrp.Route(data, clients, index))
    return pyvrp.Solution(data, routes)


def _client(translation: Translation, visit: Visit, taken: set[str]) -> int | None:
    """The client for a visit: the one whose window its service started in, else the first."""
    clients = translation.stop_clients.get(visit.stop_id, ())
    if not clients or visit.stop_id in taken:
        return None
    taken.add(visit.stop_id)
    windows = [translation.clients[c].windows for c in clients]
    fitting = [c for c, w in zip(clients, windows, strict=True) if _within(visit.start_s, w)]
    return (fitting or list(clients))[0]


def _within(start_s: int, windows: Sequence[Window]) -> bool:
    return not windows or any(w.contains(start_s) for w in windows)
