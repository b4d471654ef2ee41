"""VRPLIB instances as doorstep problems: the DIMACS and TSPLIB conventions, .sol routes, plans."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from doorstep import bootstrap
from doorstep.adapters.solvers.vrplib_instances import (
    DIMACS,
    TSPLIB,
    Instance,
    NotAnInstance,
    cost_of,
    distance_of,
    format_routes,
    read_instance,
    read_solution,
    to_plan,
)
from doorstep.planning.problem import Window
from doorstep.planning.validation import Code, validate

DATA = Path(__file__).parent / "data"
VRPTW = DATA / "tiny_vrptw.vrp"  # 8 customers, 3 vehicles, windows that bind
CVRP = DATA / "tiny_cvrp.vrp"  # 7 customers, capacity 20
VRPTW_OPTIMUM = 1255  # tenths: 125.5 under DIMACS (120.0 if the windows are ignored)
CVRP_OPTIMUM = 82

TWO_NODES = """NAME : pair
TYPE : VRPTW
DIMENSION : 2
VEHICLES : 1
CAPACITY : 10
SERVICE_TIME : 0
EDGE_WEIGHT_TYPE : EUC_2D
NODE_COORD_SECTION
1 0 0
2 10.06 0
DEMAND_SECTION
1 0
2 1
TIME_WINDOW_SECTION
1 0 100
2 0 100
DEPOT_SECTION
1
-1
EOF
"""


def brute_force(instance: Instance) -> int:
    """The least integer distance over every split of the customers into feasible routes.

    Every order of every subset is tried as one route (capacity, windows with waiting, back
    before the depot closes), then subsets are combined into at most ``fleet`` routes.
    """
    problem, d, n = instance.problem, instance.distances, instance.num_clients
    capacity, depot = problem.vehicles[0].capacity[0], problem.depots[0].window

    def length(route: tuple[int, ...]) -> int:
        return sum(int(d[a, b]) for a, b in itertools.pairwise((0, *route, 0)))

    def on_time(route: tuple[int, ...]) -> bool:
        t, at = depot.start_s, 0
        for c in route:
            stop = problem.stop(str(c))
            t = max([t + int(d[at, c]), *(w.start_s for w in stop.windows)])
            if any(t > w.end_s for w in stop.windows):
                return False
            t, at = t + stop.service_s, c
        return t + int(d[at, 0]) <= depot.end_s

    single: dict[int, int] = {}
    for mask in range(1, 1 << n):
        members = [i + 1 for i in range(n) if mask >> i & 1]
        if sum(problem.stop(str(c)).delivery[0] for c in members) > capacity:
            continue
        lengths = [length(r) for r in itertools.permutations(members) if on_time(r)]
        if lengths:
            single[mask] = min(lengths)
    full, best, layer = (1 << n) - 1, None, {0: 0}
    for _ in range(instance.fleet):
        following: dict[int, int] = {}
        for covered, cost in layer.items():
            rest = full & ~covered
            low, subset = rest & -rest, rest
            while subset:  # subsets holding the lowest uncovered customer: each split once
                if subset & low and subset in single:
                    key, value = covered | subset, cost + single[subset]
                    following[key] = min(value, following.get(key, value))
                subset = (subset - 1) & rest
        layer = following
        if full in layer:
            best = layer[full] if best is None else min(best, layer[full])
    assert best is not None
    return best


def test_dimacs_truncates_to_a_tenth_and_stores_tenths(tmp_path: Path) -> None:
    """DIMACS: floor(10 * euclid) as the integer distance, also when 10 * euclid is whole."""
    tiny = read_instance(VRPTW)
    assert (tiny.convention, tiny.scale) == (DIMACS, 10)
    d = tiny.distances
    assert d[0, 1] == 102  # (50,50)-(55,59): 10.2956 -> 10.2, not rounded up to 10.3
    assert d[0, 2] == 50  # (50,50)-(53,54): exactly 5, not 4.9 from a float slip
    assert (d == d.T).all()
    assert (tiny.problem.matrices["van"].durations_s == d).all()  # travel time = distance
    pair = tmp_path / "pair.vrp"
    pair.write_text(TWO_NODES)
    assert read_instance(pair).distances[0, 1] == 100  # 10.06 -> 10.0 -> 100


def test_dimacs_times_are_scaled_like_distances() -> None:
    """Service times and windows are stored x10, demands and capacity as in the file."""
    tiny = read_instance(VRPTW)
    stop = tiny.problem.stop("3")  # node 4: window 10-30, demand 9
    assert stop.location == 3
    assert stop.windows == (Window(100, 300),)
    assert stop.service_s == 20
    assert stop.delivery == (9,)
    assert tiny.problem.depots[0].window == Window(0, 2000)
    assert tiny.fleet == len(tiny.problem.vehicles) == 3
    assert {v.capacity for v in tiny.problem.vehicles} == {(30,)}
    assert {(v.cost_per_m, v.cost_per_s, v.fixed_cost) for v in tiny.problem.vehicles} == {
        (1, 0, 0)
    }
    assert tiny.problem.dimensions == ("demand",)


def test_cvrp_rounds_to_the_nearest_integer_with_an_unlimited_fleet() -> None:
    """TSPLIB: nint(euclid), no windows, no service, one vehicle per customer."""
    tiny = read_instance(CVRP)
    assert (tiny.convention, tiny.scale) == (TSPLIB, 1)
    d = tiny.distances
    assert (d[0, 1], d[0, 2], d[0, 6]) == (5, 10, 11)  # 5.0, 10.05, 10.82
    assert all(not s.windows and s.service_s == 0 for s in tiny.problem.stops)
    assert tiny.fleet == len(tiny.problem.vehicles) == tiny.num_clients == 7


def test_brute_force_finds_the_stated_optima() -> None:
    """The tiny instances' optima (in their files' comments) are what brute force finds."""
    assert brute_force(read_instance(VRPTW)) == VRPTW_OPTIMUM
    assert brute_force(read_instance(CVRP)) == CVRP_OPTIMUM


@pytest.mark.parametrize(("path", "optimum"), [(VRPTW, VRPTW_OPTIMUM), (CVRP, CVRP_OPTIMUM)])
def test_the_planner_finds_the_optimum_in_one_second(path: Path, optimum: int) -> None:
    """doorstep's optimizer reaches the brute-force optimum, and the validator accepts it."""
    tiny = read_instance(path)
    plan = bootstrap.optimizer().optimize(tiny.problem, time_limit_s=1.0, seed=1)
    routes = format_routes(tiny.problem, plan)
    assert validate(tiny.problem, plan) == []
    assert not plan.unassigned
    assert sorted(c for r in routes for c in r) == list(range(1, tiny.num_clients + 1))
    assert distance_of(tiny, routes) == optimum
    assert cost_of(tiny, routes) == optimum / tiny.scale


def test_solutions_read_back_and_become_valid_plans(tmp_path: Path) -> None:
    """A .sol file's routes make a plan at earliest starts that the validator accepts."""
    solution = tmp_path / "tiny.sol"
    solution.write_text("Route #1: 3 4 5 8\nRoute #2: 6 7 1 2\nCost 125.5\n")
    read = read_solution(solution)
    assert read.routes == [[3, 4, 5, 8], [6, 7, 1, 2]]
    assert read.cost == 125.5
    tiny = read_instance(VRPTW)
    assert cost_of(tiny, read.routes) == 125.5
    plan = to_plan(tiny, read.routes)
    assert validate(tiny.problem, plan) == []
    assert format_routes(tiny.problem, plan) == read.routes
    assert plan.distance_m == plan.cost == VRPTW_OPTIMUM


def test_plans_from_broken_routes_keep_their_faults_for_the_validator() -> None:
    """Late arrivals and left-out customers reach the plan as they are, not repaired."""
    tiny = read_instance(VRPTW)
    plan = to_plan(tiny, [[8, 5, 4, 3], [6, 7, 1]])  # the first route reversed, 2 left out
    codes = {v.code for v in validate(tiny.problem, plan)}
    assert Code.WINDOW in codes
    assert [u.stop_id for u in plan.unassigned] == ["2"]
    with pytest.raises(ValueError, match="routes but only 3 vehicles"):
        to_plan(tiny, [[1], [2], [3], [4]])
    with pytest.raises(ValueError, match=r"outside 1\.\.8"):
        to_plan(tiny, [[9]])


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "no DIMENSION"),
        ("hello world\n", "not in VRPLIB format"),
        ("NAME : x\nDIMENSION : 3\n", "no NODE_COORD"),
    ],
)
def test_files_that_are_not_instances_are_refused(tmp_path: Path, text: str, why: str) -> None:
    """Anything but a VRPLIB routing instance raises NotAnInstance saying what is wrong."""
    path = tmp_path / "bad.vrp"
    path.write_text(text)
    with pytest.raises(NotAnInstance, match=why):
        read_instance(path)
    with pytest.raises(NotAnInstance, match="cannot be read"):
        read_instance(tmp_path / "missing.vrp")
