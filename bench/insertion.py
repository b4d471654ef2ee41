"""Inserting one new order into a planned 3,000-stop day: O(1) gap checks against re-simulation.

    python bench/insertion.py                                   # 3,000 stops, 30 vans, 200 new
    python bench/insertion.py --stops 1000 --vehicles 10 --inserts 50 --baseline-inserts 5

The day is synthetic: random points on a 20 km square with euclidean-ish integer matrices
(straight-line metres x 1.3 plus a little asymmetry, driven at 9 m/s). That is enough here,
because this measures the insertion algorithm, not the roads: real matrices cost the same to
index. 40 % of the stops have a 2-3 hour window, every van has a capacity in three dimensions,
an 08:00-18:00 shift and a 30-minute break. The plan comes from the deterministic
``NearestNeighbourOptimizer``, whose greedy routes leave about a third of the day out, so its
leftovers are then inserted one by one (as a repair step would) to load the routes fully. Then
each of --inserts new stops is inserted, one at a time and each into that same plan, by:

1. ``planning.insertion.cheapest_insertion`` (per route O(n) preparation, then an O(1) test
   per position in NumPy, then one simulation of the chosen route), timed per call;
2. the baseline, the naive way: for every position of every route the whole route is
   simulated again (``schedule.settle`` and the loads) and costed exactly; the cheapest
   feasible one wins. Only the first --baseline-inserts stops, as it is slow.

3. the live path at --now (default 11:00, every van on the road): the same new stops as
   pickups (a return to collect; a new delivery's parcel would wait at the station) through
   ``planning.live.insert_order``, which first works out each van's history (visits done,
   under way or being driven to) and keeps it, timed per call the same way.

It prints the median and P90 time per insertion of each, the ratio of the first two, how often
both chose the same place and what the O(1) method's detour ranking costs against the exact
cost. Every plan the O(1) and live methods return is checked with the validator (outside the
timing), and the live ones also for history kept. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from doorstep.planning.insertion import cheapest_insertion  # noqa: E402
from doorstep.planning.live import Underway, frozen, insert_order  # noqa: E402
from doorstep.planning.nearest import NearestNeighbourOptimizer  # noqa: E402
from doorstep.planning.plan import Plan, Route  # noqa: E402
from doorstep.planning.problem import (  # noqa: E402
    Break,
    Depot,
    Problem,
    Stop,
    Travel,
    Vehicle,
    Window,
)
from doorstep.planning.schedule import loads, over, padded, route_of, settle  # noqa: E402
from doorstep.planning.validation import validate  # noqa: E402

HOUR = 3600


@dataclass
class Choice:
    """Where one method put a stop and what that route costs more than before."""

    vehicle_id: str | None
    position: int | None
    extra_cost: int | None
    seconds: float


def synthetic_day(stops: int, vehicles: int, extra: int, seed: int) -> Problem:
    """A depot in the middle of a 20 km square and ``stops + extra`` random stops around it."""
    rng = np.random.default_rng(seed)
    points = np.vstack([[10_000, 10_000], rng.uniform(0, 20_000, size=(stops + extra, 2))])
    straight = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    metres = (straight * 1.3 + rng.integers(0, 150, size=straight.shape)).astype(np.int32)
    np.fill_diagonal(metres, 0)
    travel = Travel((metres / 9.0).astype(np.int32), metres)
    picks = random.Random(seed)
    day = tuple(_stop(picks, k) for k in range(stops + extra))
    per_van = -(-stops // vehicles) + 15  # a little more room than the day needs
    brk = Break(Window(11 * HOUR + 1800, 13 * HOUR + 1800), 1800)
    fleet = tuple(
        Vehicle(
            f"v{k}",
            (per_van * 12_000, per_van * 40_000, per_van),
            shift=Window(8 * HOUR, 18 * HOUR),
            break_=brk,
        )
        for k in range(vehicles)
    )
    return Problem((Depot("depot", 0),), fleet, day, {"van": travel})


def _stop(picks: random.Random, k: int) -> Stop:
    windows: tuple[Window, ...] = ()
    if picks.random() < 0.4:
        start = picks.randrange(9 * HOUR, 15 * HOUR, 900)
        windows = (Window(start, start + picks.choice([2, 3]) * HOUR),)
    delivery = (picks.randint(500, 15_000), picks.randint(1_000, 60_000), 1)
    return Stop(
        f"s{k}", k + 1, service_s=picks.randint(60, 240), windows=windows, delivery=delivery
    )


def fast(problem: Problem, plan: Plan, stop_id: str) -> tuple[Choice, Plan]:
    started = time.perf_counter()
    after = cheapest_insertion(problem, plan, stop_id)
    seconds = time.perf_counter() - started
    route = after.route_of(stop_id)
    if route is None:
        return Choice(None, None, None, seconds), after
    old = next((r.cost for r in plan.routes if r.vehicle_id == route.vehicle_id), 0)
    return Choice(route.vehicle_id, route.stop_ids.index(stop_id), route.cost - old, seconds), after


def naive(problem: Problem, plan: Plan, stop_id: str) -> Choice:
    """Every position of every route, each simulated whole and costed exactly."""
    started = time.perf_counter()
    new = problem.stop(stop_id)
    best: tuple[int, str, int] | None = None
    for route in plan.routes:
        vehicle = problem.vehicle(route.vehicle_id)
        old = [problem.stop(s) for s in route.stop_ids]
        for p in range(len(old) + 1):
            for after in _break_options(route, p):
                candidate = _simulated(problem, vehicle, [*old[:p], new, *old[p:]], after)
                if candidate is not None and (
                    best is None or candidate.cost - route.cost < best[0]
                ):
                    best = (candidate.cost - route.cost, route.vehicle_id, p)
    seconds = time.perf_counter() - started
    if best is None:
        return Choice(None, None, None, seconds)
    return Choice(best[1], best[2], best[0], seconds)


def _break_options(route: Route, p: int) -> list[int | None]:
    """Where the break goes once a stop takes index ``p``: both sides if it sat in that gap."""
    after = route.break_after
    if route.break_start_s is None or after is None:
        return [None]
    if after == p - 1:
        return [p, after]
    return [after if after < p else after + 1]


def _simulated(
    problem: Problem, vehicle: Vehicle, stops: list[Stop], after: int | None
) -> Route | None:
    timed = settle(problem, vehicle, stops, break_after=after)
    if timed.fault is not None:
        return None
    capacity = padded(vehicle.capacity, len(problem.dimensions))
    if any(over(load, capacity) is not None for load in loads(problem, stops)):
        return None
    return route_of(problem, vehicle, stops, timed)


def _ms(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, default=3000)
    parser.add_argument("--vehicles", type=int, default=30)
    parser.add_argument("--inserts", type=int, default=200)
    parser.add_argument("--baseline-inserts", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--now", type=float, default=11.0, help="hour of the live inserts")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores")
    started = time.perf_counter()
    problem = synthetic_day(args.stops, args.vehicles, args.inserts, args.seed)
    print(f"synthetic day built in {time.perf_counter() - started:.1f} s")
    base = replace(problem, stops=problem.stops[: args.stops])
    started = time.perf_counter()
    plan = NearestNeighbourOptimizer().optimize(base, time_limit_s=60.0)
    first = sum(len(r.visits) for r in plan.routes)
    for entry in plan.unassigned:  # complete the greedy day, as a repair step would
        plan = cheapest_insertion(base, plan, entry.stop_id)
    served = sum(len(r.visits) for r in plan.routes)
    print(
        f"plan in {time.perf_counter() - started:.1f} s: nearest neighbour {first:,} stops, "
        f"+ leftovers inserted = {served:,} of {args.stops:,} on {len(plan.routes)} routes "
        f"(longest {max(len(r.visits) for r in plan.routes)}), "
        f"{len(validate(base, plan))} violations"
    )
    new_ids = [s.id for s in problem.stops[args.stops :]]
    quick: list[Choice] = []
    invalid = 0
    for stop_id in new_ids:
        choice, after = fast(problem, plan, stop_id)
        quick.append(choice)
        day = replace(base, stops=(*base.stops, problem.stop(stop_id)))  # this new stop only
        invalid += bool(validate(day, after))  # outside the timing
    slow = [naive(problem, plan, stop_id) for stop_id in new_ids[: args.baseline_inserts]]
    underway = Underway(int(args.now * 3600))
    held = sum(frozen(plan, underway).values())
    live_runs, live_invalid, kept = [], 0, 0
    for stop_id in new_ids:
        pickup = replace(problem.stop(stop_id), delivery=(), pickup=problem.stop(stop_id).delivery)
        day = replace(base, stops=(*base.stops, pickup))
        started = time.perf_counter()
        changed = insert_order(day, plan, stop_id, underway)
        seconds = time.perf_counter() - started
        route = changed.plan.route_of(stop_id)
        live_runs.append(Choice(route.vehicle_id if route else None, None, None, seconds))
        live_invalid += bool(validate(changed.problem, changed.plan))  # outside the timing
        kept += _history_kept(plan, changed.plan, underway)
    report(quick, slow, invalid)
    print(
        f"\nlive at {args.now:g}:00 ({held:,} visits are history): "
        f"{_ms([c.seconds for c in live_runs], 0.5):.1f} ms median, "
        f"{_ms([c.seconds for c in live_runs], 0.9):.1f} ms P90, "
        f"{sum(c.vehicle_id is not None for c in live_runs)} of {len(live_runs)} placed, "
        f"{live_invalid} failing the validator, history kept in {kept} of {len(live_runs)}"
    )


def _history_kept(before: Plan, after: Plan, underway: Underway) -> bool:
    counts = frozen(before, underway)
    for route in before.routes:
        new = next(r for r in after.routes if r.vehicle_id == route.vehicle_id)
        if new.visits[: counts[route.vehicle_id]] != route.visits[: counts[route.vehicle_id]]:
            return False
    return True


def report(quick: list[Choice], slow: list[Choice], invalid: int) -> None:
    print(f"\n{'method':<34} {'inserts':>7} {'median ms':>10} {'P90 ms':>8} {'placed':>7}")
    for name, runs in (
        ("O(1) gaps (cheapest_insertion)", quick),
        ("naive: re-simulate every place", slow),
    ):
        times = [c.seconds for c in runs]
        placed = sum(c.vehicle_id is not None for c in runs)
        print(
            f"{name:<34} {len(runs):>7} {_ms(times, 0.5):>10.1f} {_ms(times, 0.9):>8.1f}"
            f" {placed:>7}"
        )
    print(f"plans from the O(1) method failing the validator: {invalid} of {len(quick)}")
    if not slow:
        return
    pairs = list(zip(quick, slow, strict=False))
    ratio = statistics.median(c.seconds for c in slow) / statistics.median(
        c.seconds for c, _ in pairs
    )
    same = sum((q.vehicle_id, q.position) == (s.vehicle_id, s.position) for q, s in pairs)
    excess = [
        q.extra_cost - s.extra_cost
        for q, s in pairs
        if q.extra_cost is not None and s.extra_cost is not None
    ]
    print(f"\nnaive / O(1) at the median: {ratio:,.0f}x")
    print(
        f"same place chosen in {same} of {len(pairs)}; the O(1) method's detour ranking costs "
        f"{statistics.mean(excess) if excess else 0:.0f} more on average than the exact cheapest "
        f"(max {max(excess, default=0)})"
    )


if __name__ == "__main__":
    main()
