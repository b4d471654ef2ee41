"""Plans and planning inputs as JSON for the plan_versions table, and back, without loss."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from doorstep.planning.plan import Binding, Plan, Reason, ReasonCode, Route, Unassigned, Visit
from doorstep.planning.problem import (
    Break,
    Depot,
    LockedRoute,
    Problem,
    Stop,
    Vehicle,
    Window,
)

Json = dict[str, Any]


def routes_json(plan: Plan) -> list[Json]:
    return [_route_json(r) for r in plan.routes]


def _route_json(route: Route) -> Json:
    return {
        "vehicle_id": route.vehicle_id,
        "start_s": route.start_s,
        "end_s": route.end_s,
        "distance_m": route.distance_m,
        "cost": route.cost,
        "load_at_start": list(route.load_at_start),
        "break_start_s": route.break_start_s,
        "break_after": route.break_after,
        "binding": route.binding.value,
        # Visits as rows: a day holds thousands, and keys would triple the size.
        "visits": [
            [
                v.stop_id,
                v.arrival_s,
                v.start_s,
                v.departure_s,
                list(v.load_after),
                v.distance_from_previous_m,
            ]
            for v in route.visits
        ],
    }


def routes_from(rows: list[Json]) -> tuple[Route, ...]:
    return tuple(
        Route(
            vehicle_id=r["vehicle_id"],
            visits=tuple(
                Visit(stop, arrival, start, departure, tuple(load), distance)
                for stop, arrival, start, departure, load, distance in r["visits"]
            ),
            start_s=r["start_s"],
            end_s=r["end_s"],
            distance_m=r["distance_m"],
            cost=r["cost"],
            load_at_start=tuple(r["load_at_start"]),
            break_start_s=r["break_start_s"],
            break_after=r["break_after"],
            binding=Binding(r["binding"]),
        )
        for r in rows
    )


def unassigned_json(plan: Plan) -> list[Json]:
    return [
        {
            "stop_id": u.stop_id,
            "reason": None
            if u.reason is None
            else {"code": u.reason.code.value, "message": u.reason.message},
        }
        for u in plan.unassigned
    ]


def unassigned_from(rows: list[Json]) -> tuple[Unassigned, ...]:
    return tuple(
        Unassigned(
            u["stop_id"],
            None
            if u["reason"] is None
            else Reason(ReasonCode(u["reason"]["code"]), u["reason"]["message"]),
        )
        for u in rows
    )


def inputs_json(problem: Problem) -> Json:
    """The problem without its matrices (the epoch is a column of its own)."""
    return {
        "dimensions": list(problem.dimensions),
        "depots": [_depot_json(d) for d in problem.depots],
        "vehicles": [_vehicle_json(v) for v in problem.vehicles],
        "stops": [_stop_json(s) for s in problem.stops],
        "coordinates": [list(c) for c in problem.coordinates],
        "locked": locks_json(problem.locked),
    }


def inputs_from(value: Json, epoch: datetime | None) -> Problem:
    return Problem(
        depots=tuple(Depot(d["id"], d["location"], _window(d["window"])) for d in value["depots"]),
        vehicles=tuple(_vehicle(v) for v in value["vehicles"]),
        stops=tuple(_stop(s) for s in value["stops"]),
        matrices={},
        dimensions=tuple(value["dimensions"]),
        coordinates=tuple((lat, lon) for lat, lon in value["coordinates"]),
        epoch=epoch,
        locked=locks_from(value["locked"]),
    )


def locks_json(locks: tuple[LockedRoute, ...]) -> list[Json]:
    return [
        {"vehicle_id": lock.vehicle_id, "stop_ids": list(lock.stop_ids), "closed": lock.closed}
        for lock in locks
    ]


def locks_from(rows: list[Json]) -> tuple[LockedRoute, ...]:
    return tuple(LockedRoute(r["vehicle_id"], tuple(r["stop_ids"]), r["closed"]) for r in rows)


def _window_json(window: Window) -> list[int]:
    return [window.start_s, window.end_s]


def _window(pair: list[int]) -> Window:
    return Window(pair[0], pair[1])


def _depot_json(depot: Depot) -> Json:
    return {"id": depot.id, "location": depot.location, "window": _window_json(depot.window)}


def _vehicle_json(v: Vehicle) -> Json:
    return {
        "id": v.id,
        "capacity": list(v.capacity),
        "start_depot": v.start_depot,
        "end_depot": v.end_depot,
        "shift": _window_json(v.shift),
        "max_duration_s": v.max_duration_s,
        "profile": v.profile,
        "skills": sorted(v.skills),
        "fixed_cost": v.fixed_cost,
        "cost_per_m": v.cost_per_m,
        "cost_per_s": v.cost_per_s,
        "break": None if v.break_ is None else _break_json(v.break_),
        "driver_id": v.driver_id,
    }


def _break_json(rest: Break) -> Json:
    return {
        "window": _window_json(rest.window),
        "duration_s": rest.duration_s,
        "after_work_s": rest.after_work_s,
    }


def _break(rest: Json) -> Break:
    # Inputs stored before breaks became conditional lack after_work_s: owed on every route.
    return Break(_window(rest["window"]), rest["duration_s"], rest.get("after_work_s", 0))


def _vehicle(v: Json) -> Vehicle:
    rest = v["break"]
    return Vehicle(
        id=v["id"],
        capacity=tuple(v["capacity"]),
        start_depot=v["start_depot"],
        end_depot=v["end_depot"],
        shift=_window(v["shift"]),
        max_duration_s=v["max_duration_s"],
        profile=v["profile"],
        skills=frozenset(v["skills"]),
        fixed_cost=v["fixed_cost"],
        cost_per_m=v["cost_per_m"],
        cost_per_s=v["cost_per_s"],
        break_=None if rest is None else _break(rest),
        driver_id=v["driver_id"],
    )


def _stop_json(s: Stop) -> Json:
    return {
        "id": s.id,
        "location": s.location,
        "service_s": s.service_s,
        "windows": [_window_json(w) for w in s.windows],
        "delivery": list(s.delivery),
        "pickup": list(s.pickup),
        "skills": sorted(s.skills),
        "required": s.required,
        "penalty": s.penalty,
    }


def _stop(s: Json) -> Stop:
    return Stop(
        id=s["id"],
        location=s["location"],
        service_s=s["service_s"],
        windows=tuple(_window(w) for w in s["windows"]),
        delivery=tuple(s["delivery"]),
        pickup=tuple(s["pickup"]),
        skills=frozenset(s["skills"]),
        required=s["required"],
        penalty=s["penalty"],
    )
