"""The fleet in PyVRP terms: depots, vehicle types, and the capacity locked stops leave."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyvrp

from doorstep.adapters.solvers.pyvrp_schedule import LockedStart
from doorstep.planning.problem import Problem, Vehicle
from doorstep.planning.schedule import padded

UNLIMITED = int(np.iinfo(np.int64).max)


def depots(problem: Problem, resumed: Sequence[LockedStart], horizon: int) -> list[pyvrp.Depot]:
    """The problem's depots (opening hours), then where each resumed vehicle is free again."""
    own = [
        pyvrp.Depot(i, d.window.start_s, d.window.end_s, name=d.id)
        for i, d in enumerate(problem.depots)
    ]
    first = len(problem.depots)
    return own + [
        pyvrp.Depot(first + i, s.free_s, max(horizon, s.free_s), name=f"{s.lock.vehicle_id}+")
        for i, s in enumerate(resumed)
    ]


def load_guards(problem: Problem, resumed: Sequence[LockedStart]) -> tuple[int, ...]:
    """Load dimensions where locked stops had more aboard earlier than they leave aboard."""
    size = len(problem.dimensions)
    return tuple(d for d in range(size) if any(s.peak[d] > s.on_board[d] for s in resumed))


def vehicle_types(
    problem: Problem,
    fleets: Sequence[Sequence[Vehicle]],
    starts: Mapping[str, LockedStart],
    guards: Sequence[int],
    profiles: Sequence[int],
) -> list[pyvrp.VehicleType]:
    """One type per fleet of alike vehicles; a resumed one starts at its own extra depot."""
    first = len(problem.depots)  # extra depots follow the problem's, in fleet order
    extra = {v.id: first + i for i, v in enumerate(f[0] for f in fleets if f[0].id in starts)}
    types = []
    for fleet, profile in zip(fleets, profiles, strict=True):
        vehicle, start = fleet[0], starts.get(fleet[0].id)
        depot = extra.get(vehicle.id, vehicle.start_depot)
        kind = _vehicle_type(problem, vehicle, start, guards)
        name = ",".join(v.id for v in fleet)
        types.append(kind.replace(len(fleet), start_depot=depot, profile=profile, name=name))
    return types


def _vehicle_type(
    problem: Problem, vehicle: Vehicle, start: LockedStart | None, guards: Sequence[int]
) -> pyvrp.VehicleType:
    """The vehicle with its break's duration taken off its shift end and maximum duration.

    Conservative: the solver cannot tell whether a route will owe the break (a route short
    enough does not, ``problem.Break``), so every route plans room for it; a route read back
    short enough then goes without it (``pyvrp_schedule.with_break``).
    A resumed vehicle starts, exactly when its locked stops are done, where the last one is;
    it already paid its fixed cost (the locked route uses it) and used part of its duration.
    """
    rest = vehicle.break_.duration_s if vehicle.break_ else 0
    depot = problem.depots[vehicle.start_depot].window
    leave = max(vehicle.shift.start_s, depot.start_s) if start is None else start.free_s
    used = 0 if start is None else start.free_s - start.start_s
    home = problem.depots[vehicle.end_depot].window
    close = max(leave, min(vehicle.shift.end_s, home.end_s) - rest)
    limit = vehicle.max_duration_s
    capacity, initial = _capacity(problem, vehicle, start, guards)
    return pyvrp.VehicleType(
        capacity=capacity,
        end_depot=vehicle.end_depot,
        fixed_cost=vehicle.fixed_cost if start is None else 0,
        tw_early=leave,
        tw_late=close,
        shift_duration=UNLIMITED if limit is None else max(0, limit - used - rest),
        unit_distance_cost=vehicle.cost_per_m,
        unit_duration_cost=vehicle.cost_per_s,
        start_late=None if start is None else start.free_s,
        initial_load=initial,
        name=vehicle.id,
    )


def _capacity(
    problem: Problem, vehicle: Vehicle, start: LockedStart | None, guards: Sequence[int]
) -> tuple[list[int], list[int]]:
    """Capacity and initial load per dimension, the delivery-only twins of ``guards`` last.

    PyVRP's ``initial_load`` stays aboard until the end depot: that is what the locked stops'
    pickups do. Their deliveries are gone once the solver's part starts, but they shared the
    van with the solver's deliveries on the way there; the twins count deliveries only, so
    capacity minus the locked stops' peak bounds what the solver may load at the depot.
    """
    size = len(problem.dimensions)
    most = padded(vehicle.capacity, size)
    if start is None:
        return [*most, *(most[d] for d in guards)], [0] * (size + len(guards))
    twins = [max(0, most[d] - start.peak[d]) for d in guards]
    # PyVRP refuses an initial load above capacity; an overfull locked route gets no more.
    aboard = [min(held, cap) for held, cap in zip(start.on_board, most, strict=True)]
    return [*most, *twins], [*aboard, *(0 for _ in guards)]
