"""Splitting a day into parts, the parts' sub-problems and merging their plans."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from doorstep.planning.decomposition import Part, merge, regroup, restrict, split, subproblem
from doorstep.planning.nearest import NearestNeighbourOptimizer
from doorstep.planning.plan import Plan
from doorstep.planning.problem import Depot, LockedRoute, Problem, Stop, Travel, Vehicle, Window
from doorstep.planning.validation import assert_valid

HOUR = 3600


def spread_day(stops: int, vehicles: int, *, seed: int = 0, kinds: bool = False) -> Problem:
    """Stops on a 20 km square around a central depot, with coordinates and straight lines."""
    rng = np.random.default_rng(seed)
    xy = np.vstack([[0.0, 0.0], rng.uniform(-10_000, 10_000, size=(stops, 2))])
    metres = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    travel = Travel((metres // 10).astype(np.int32), metres.astype(np.int32))
    lat0, lon0 = 60.17, 24.94
    coordinates = tuple(
        (lat0 + y / 111_000, lon0 + x / (111_000 * np.cos(np.radians(lat0)))) for x, y in xy
    )
    fleet = tuple(
        Vehicle(
            f"v{k}",
            capacity=(200, 200, 40) if kinds and k % 3 == 0 else (100, 100, 20),
            shift=Window(8 * HOUR, 18 * HOUR),
        )
        for k in range(vehicles)
    )
    windows = (Window(9 * HOUR, 13 * HOUR), Window(12 * HOUR, 17 * HOUR))
    day = tuple(
        Stop(f"s{k}", k + 1, service_s=60, delivery=(3, 2, 1), windows=windows[: k % 3 // 2])
        for k in range(stops)
    )
    depot = Depot("d0", 0, Window(7 * HOUR, 19 * HOUR))
    return Problem((depot,), fleet, day, {"van": travel}, coordinates=coordinates)


def solve_parts(problem: Problem, parts: list[Part]) -> list[Plan]:
    """Each part's nearest-neighbour plan (deterministic, fast)."""
    solver = NearestNeighbourOptimizer()
    return [solver.optimize(subproblem(problem, p), time_limit_s=1) for p in parts]


@pytest.mark.parametrize("coordinates", [True, False])
def test_parts_cover_every_stop_once_with_own_vehicles(coordinates: bool) -> None:
    """Each stop is in one part; each part has a vehicle; no vehicle is in two parts."""
    problem = spread_day(230, 12, kinds=True)
    if not coordinates:
        problem = replace(problem, coordinates=())
    parts = split(problem, stops_per_part=50)
    assert len(parts) == 5
    stops = Counter(i for p in parts for i in p.stop_ids)
    assert stops == Counter(s.id for s in problem.stops)
    assert all(p.vehicle_ids for p in parts)
    vehicles = Counter(v for p in parts for v in p.vehicle_ids)
    assert max(vehicles.values()) == 1
    assert set(vehicles) == {v.id for v in problem.vehicles}


def test_vehicle_kinds_are_dealt_round_robin() -> None:
    """The big vans are spread over the parts, not all given to the first."""
    problem = spread_day(200, 12, kinds=True)
    parts = split(problem, stops_per_part=50)
    big = {v.id for v in problem.vehicles if v.capacity[0] == 200}
    assert all(big & set(p.vehicle_ids) for p in parts)


def test_sub_matrices_are_the_parents_entries() -> None:
    """A sub-problem's matrices are the parent's at its depots' and stops' locations."""
    problem = spread_day(120, 6)
    part = split(problem, stops_per_part=40)[1]
    sub = subproblem(problem, part)
    parent, child = problem.matrices["van"], sub.matrices["van"]
    places = [(problem.depots[0].location, sub.depots[0].location)] + [
        (problem.stop(s.id).location, s.location) for s in sub.stops
    ]
    assert sub.num_locations == 1 + len(part.stop_ids)
    for a, sa in places:
        for b, sb in places:
            assert child.durations_s[sa, sb] == parent.durations_s[a, b]
            assert child.distances_m[sa, sb] == parent.distances_m[a, b]
    assert [s.id for s in sub.stops] == list(part.stop_ids)
    assert {v.id for v in sub.vehicles} == set(part.vehicle_ids)


def test_merged_part_plans_validate_against_the_whole_day() -> None:
    """Nearest-neighbour plans of the parts, merged, are a valid plan of the parent."""
    problem = spread_day(300, 15)
    parts = split(problem, stops_per_part=60)
    plan = merge(problem, parts, solve_parts(problem, parts))
    assert_valid(problem, plan)
    assert sum(len(r.visits) for r in plan.routes) > 200


def test_locked_routes_stay_in_one_part_with_their_vehicle() -> None:
    """A locked route's stops (far apart) land in one part, which holds its vehicle."""
    problem = spread_day(200, 10)
    locked = (
        LockedRoute("v3", ("s5", "s77", "s150")),
        LockedRoute("v7", ("s2",), closed=True),
    )
    problem = replace(problem, locked=locked)
    parts = split(problem, stops_per_part=40)
    for lock in locked:
        (holder,) = [p for p in parts if lock.vehicle_id in p.vehicle_ids]
        assert set(lock.stop_ids) <= set(holder.stop_ids)
    plan = merge(problem, parts, solve_parts(problem, parts))
    assert_valid(problem, plan)


def test_regrouped_parts_follow_stops_moved_between_routes() -> None:
    """After a stop moves to another part's route, regroup puts it in that route's part."""
    problem = spread_day(120, 6)
    parts = split(problem, stops_per_part=40)
    plan = merge(problem, parts, solve_parts(problem, parts))
    moved = parts[0].stop_ids[0]
    route = plan.route_of(moved)
    assert route is not None
    emptied = replace(route, visits=tuple(v for v in route.visits if v.stop_id != moved))
    other = next(r for r in plan.routes if r.vehicle_id in parts[1].vehicle_ids)
    taken = replace(other, visits=(*other.visits, route.visits[route.stop_ids.index(moved)]))
    swapped = {route.vehicle_id: emptied, other.vehicle_id: taken}
    plan = replace(plan, routes=tuple(swapped.get(r.vehicle_id, r) for r in plan.routes))
    groups = regroup(plan, parts)
    assert moved in groups[1].stop_ids
    assert moved not in groups[0].stop_ids
    assert Counter(i for g in groups for i in g.stop_ids) == Counter(s.id for s in problem.stops)
    shares = [restrict(problem, plan, g) for g in groups]
    assert sorted(r.vehicle_id for s in shares for r in s.routes) == sorted(
        r.vehicle_id for r in plan.routes
    )
