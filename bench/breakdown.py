"""A big van off the road at mid-morning: live insertion of its open stops against solving
the rest of the day again with PyVRP.

    python bench/breakdown.py                     # 600 orders, 4 vans, 10 h shifts, 10:30
    python bench/breakdown.py --orders 300 --vans 2 --iterations 500   # a quick look
    python bench/breakdown.py --full-search       # and with the O(n^2) break search back on
    python bench/breakdown.py --profile 25        # and cProfile's top 25 of take_off_road
    # the control tower's day (160 orders, the twin's fleet: 151 + 9 stops), small van out:
    python bench/breakdown.py --demo-fleet --orders 160 --iterations 300 --at 07:00 \
        --victim fewest --time-limit 5 --full-search

The day is the twin's on Helsinki's roads (``simulation.demo.prepare``: a station at the
centre of the bundled region's addresses, orders at real places with the twin's mix: a
quarter with time windows, 1-4 parcels, 3 % pickups, 60-120 s of service) on --vans vans
with 08:00-18:00 shifts, a 30-minute break owed past six hours of work and room for
--parcels parcels each (900 kg, 3,500 l), so every van is used and the biggest routes come
near 160 stops. (--demo-fleet: the twin's own fleet instead, one van per 100 orders, as the
control tower's browser tests have it.) It is planned with PyVRP for --iterations (an
iteration budget, not a time limit, so it is the same day on any machine at any load) and
published; then the clock moves to --at: the stops the plan has finished by then are
served (``Underway.done``), the vans that started have left (``Underway.departed``), and
each van is where the plan has it. The van with the most open stops (--victim) breaks
down and its open stops go elsewhere:

1. doorstep: ``planning.live.take_off_road`` (cheapest insertion after every van's
   history), then the service that wraps it (``services.planning.live.take_off_road``: the
   same on the stored day, then explained, validated and stored as the next version);
2. the baseline, the naive way: the rest of the day solved again from scratch by PyVRP for
   --time-limit s (same seed): every van's history locked as driven, the broken van closed
   after what it served, every other open stop free to go to any van. It may swap stops
   between vans already on the road, which a live change may not (their parcels are aboard),
   so it is a reference for what a re-plan would give, not a rival under the same rules;
3. with --full-search, ``take_off_road`` with ``insertion.break_fits`` answering "maybe"
   always, so every owed break is searched for at every place (how it ran before the O(n)
   break test, as a breakdown ran two sessions ago), with the explanation the service adds
   timed too; the same plan is expected.

Printed per way: wall time, the day's route cost (currency; stops left out are not
priced), how many of the moved stops were left unfitted, all stops left out, and whether
the independent validator accepts the plan; the ratio of times; and why the service's
explanation says the moved stops left out could not be fitted. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time as timing
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from doorstep.bootstrap import Container, build, optimizer  # noqa: E402
from doorstep.config import Settings  # noqa: E402
from doorstep.domain.fleet import Capacity, VehicleCosts, VehicleType  # noqa: E402
from doorstep.domain.schedules import DailyWindow  # noqa: E402
from doorstep.planning import live  # noqa: E402
from doorstep.planning.explanation import explain  # noqa: E402
from doorstep.planning.plan import Plan  # noqa: E402
from doorstep.planning.problem import LockedRoute, Problem  # noqa: E402
from doorstep.planning.validation import validate  # noqa: E402
from doorstep.planning.versions import PlanVersion  # noqa: E402
from doorstep.services import accounts  # noqa: E402
from doorstep.services.authorization import Principal, system_principal  # noqa: E402
from doorstep.services.planning import live as live_service  # noqa: E402
from doorstep.simulation import demo  # noqa: E402
from doorstep.simulation.scenario import OrderSpec, Scenario, VehicleGroup  # noqa: E402
from doorstep.simulation.world import SimClock  # noqa: E402

DAY = date(2026, 11, 23)  # a Monday
COSTS = VehicleCosts(per_km=0.45, per_hour=30.0, fixed_per_use=40.0)
UNITS_PER_EURO = 100_000  # plan costs are in 1/1000 cent


def scenario(args: argparse.Namespace) -> Scenario | None:
    if args.demo_fleet:
        return None
    shift = DailyWindow(time(8), time(18))
    van = Capacity(900, 3500, args.parcels)
    group = VehicleGroup(VehicleType.VAN, args.vans, van, shift, COSTS)
    return Scenario(name="breakdown", orders=OrderSpec(count=args.orders), fleet=(group,))


def container(scratch: Path, database: str = "breakdown.db") -> Container:
    """A container on a scratch SQLite database with the Helsinki region (linked from the
    project's data when built there, else built). ``bench/repair_breaks.py`` uses it too."""
    built = Settings().data_dir / "regions"
    if built.is_dir():
        (scratch / "regions").symlink_to(built)
    c = build(
        Settings(
            database_url=f"sqlite:///{scratch / database}", data_dir=scratch,
            fast_password_hashing=True, region="helsinki",
        )
    )  # fmt: skip
    c.migrate()
    if "helsinki" not in c.regions.names():
        c.regions.build(None)
    return c


def published_day(c: Container, args: argparse.Namespace) -> tuple[Principal, PlanVersion]:
    """The day set up, planned by PyVRP and published: the principal and the version."""
    zone = c.regions.info("helsinki").timezone
    places = [a.location for a in c.regions.addresses("helsinki").known()]
    made = accounts.ensure_organisation(
        "breakdown bench", "bench@breakdown.example", "breakdown bench password",
        uow=c.uow(), clock=c.clock, ids=c.ids, hasher=c.hasher,
    )  # fmt: skip
    principal = system_principal(made.organisation.id)
    eve = SimClock(datetime.combine(DAY - timedelta(days=1), time(18), ZoneInfo(zone)))
    ports = demo.DemoPorts(c.uow, eve, demo.CountingIds("bd"), c.travel())
    station = demo.prepare(
        principal, ports=ports, places=places, orders_count=args.orders, seed=args.seed,
        day=DAY, timezone=zone, scenario=scenario(args),
    )  # fmt: skip
    started = timing.perf_counter()
    version = demo.plan(
        principal, station, DAY, ports=ports, optimizer=optimizer(),
        iterations=args.iterations, seed=args.seed,
    )  # fmt: skip
    print(f"  planned in {timing.perf_counter() - started:.1f} s ({args.iterations} iterations)")
    return principal, version


def underway_at(plan: Plan, now_s: int) -> live.Underway:
    """The day at ``now_s`` as the plan has it: what it finished is done, every van that
    started has left."""
    done = frozenset(v.stop_id for r in plan.routes for v in r.visits if v.departure_s <= now_s)
    departed = frozenset(r.vehicle_id for r in plan.routes if r.start_s <= now_s)
    return live.Underway(now_s, done, departed)


def resolved(
    problem: Problem, plan: Plan, vehicle_id: str, underway: live.Underway, args: Any
) -> Plan:
    """The baseline: the rest of the day solved again by PyVRP, every van's history locked."""
    now = live.as_of(problem, plan, underway)
    counts = live.frozen(plan, underway)
    locks = [LockedRoute(vehicle_id, (), closed=True)]  # its served stops, below
    for route in plan.routes:
        if route.vehicle_id == vehicle_id:
            served = tuple(v.stop_id for v in route.visits if v.stop_id in underway.done)
            locks[0] = LockedRoute(vehicle_id, served, closed=True)
        elif counts[route.vehicle_id]:
            locks.append(LockedRoute(route.vehicle_id, route.stop_ids[: counts[route.vehicle_id]]))
    now = replace(now, locked=tuple(locks))
    return optimizer().optimize(now, time_limit_s=args.time_limit, seed=args.seed)


def timed(run: Callable[[], Any]) -> tuple[Any, float]:
    started = timing.perf_counter()
    result = run()
    return result, timing.perf_counter() - started


def row(name: str, seconds: float, problem: Problem, plan: Plan, moved: set[str]) -> str:
    left = {u.stop_id for u in plan.unassigned}
    cost = sum(r.cost for r in plan.routes) / UNITS_PER_EURO
    broken = validate(problem, plan)
    valid = "yes" if not broken else f"NO ({len(broken)})"
    return (
        f"| {name} | {seconds:.2f} s | {cost:,.2f} | {len(left & moved)} of {len(moved)} "
        f"| {len(left)} | {valid} |"
    )


def full_search(
    problem: Problem,
    plan: Plan,
    victim: str,
    underway: live.Underway,
    changed: live.Changed,
    moved: set[str],
    ours_s: float,
) -> None:
    """The rows of ``take_off_road`` (and the explanation the service adds) as they ran before
    the O(n) break test: every owed break searched for at every place."""
    _, explain_s = timed(lambda: explain(changed.problem, changed.plan))
    with patch("doorstep.planning.insertion.break_fits", return_value=True):
        full, full_s = timed(lambda: live.take_off_road(problem, plan, victim, underway))
        _, told_s = timed(lambda: explain(full.problem, full.plan))
    same = "same plan" if full.plan == changed.plan else "PLANS DIFFER"
    print(row(f"take_off_road, full break search ({same})", full_s, full.problem, full.plan,
              moved))  # fmt: skip
    print(f"full break search / take_off_road: x{full_s / ours_s:.1f} the time; with the "
          f"explanation the service adds: {full_s + told_s:.2f} s against "
          f"{ours_s + explain_s:.2f} s")  # fmt: skip


def describe(plan: Plan, underway: live.Underway, victim: str, at: str) -> None:
    for r in plan.routes:
        served = sum(1 for v in r.visits if v.stop_id in underway.done)
        print(
            f"  {r.vehicle_id}: {len(r.visits)} stops, {served} served by {at}, out "
            f"{clock(r.start_s)}-{clock(r.end_s)}, break "
            f"{'none' if r.break_start_s is None else clock(r.break_start_s)}"
        )
    print(f"  left out by the plan: {len(plan.unassigned)}; {victim} breaks down at {at}")


def clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders", type=int, default=600)
    parser.add_argument("--vans", type=int, default=4)
    parser.add_argument("--parcels", type=int, default=200, help="each van's room")
    parser.add_argument("--demo-fleet", action="store_true", help="the twin's fleet instead")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=3000, help="PyVRP's, for the day")
    parser.add_argument("--time-limit", type=float, default=10.0, help="PyVRP s, baseline")
    parser.add_argument("--at", default="10:30", help="the clock when the van breaks down")
    most = "the van with the most (or fewest) open stops breaks down"
    parser.add_argument("--victim", choices=("most", "fewest"), default="most", help=most)
    parser.add_argument("--full-search", action="store_true", help="also without break_fits")
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's top N")
    return parser.parse_args()


def main() -> None:
    args = parse()
    fleet = "the twin's fleet" if args.demo_fleet else f"{args.vans} vans of {args.parcels} parcels"
    print(f"{args.orders} orders, {fleet} on 10-hour shifts, seed {args.seed}, "
          f"machine: {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="doorstep-breakdown-") as scratch:
        c = container(Path(scratch))
        try:
            run(c, args)
        finally:
            c.close()


def run(c: Container, args: argparse.Namespace) -> None:
    principal, base = published_day(c, args)
    hour, minute = (int(x) for x in args.at.split(":"))
    at = datetime.combine(DAY, time(hour, minute), base.epoch.tzinfo)
    ports = replace(c.live_ports(), clock=SimClock(at))
    problem, plan = live_service._problem(base, ports), base.plan
    underway = underway_at(plan, int((at - base.epoch).total_seconds()))
    open_of = {r.vehicle_id: [s for s in r.stop_ids if s not in underway.done] for r in plan.routes}
    pick = max if args.victim == "most" else min
    victim = pick(open_of, key=lambda v: len(open_of[v]))
    moved = set(open_of[victim])
    describe(plan, underway, victim, args.at)
    changed, ours_s = timed(lambda: live.take_off_road(problem, plan, victim, underway))
    stored, service_s = timed(
        lambda: live_service.take_off_road(principal, base.id, victim, ports=ports)
    )
    # What the dispatcher gets next: the improvement job a breakdown starts (improve_s) on
    # the routes it changed and every van still at the station, for the same time as the
    # baseline. Vans at the station are solved again with the day's left-out stops offered
    # to them; vans on the road are improved after their history and take no new stop.
    improved, improve_s = timed(
        lambda: live_service.improve_routes(
            principal, stored.version.id, stored.affected, optimizer=optimizer(),
            time_limit_s=args.time_limit, ports=ports, station_vans=True,
        )
    )  # fmt: skip
    again, base_s = timed(lambda: resolved(problem, plan, victim, underway, args))
    print()
    print(f"{len(moved)} open stops of {victim} to place")
    print("| way | time | route cost | moved stops unfitted | all left out | valid |")
    print("|---|---:|---:|---:|---:|---|")
    print(row("doorstep take_off_road", ours_s, changed.problem, changed.plan, moved))
    print(row("doorstep, the service (+ explain, validate, store)", service_s, changed.problem,
              stored.version.plan, moved))  # fmt: skip
    after = improved.version.plan if improved is not None else stored.version.plan
    print(row(f"the service, then improving its routes for {args.time_limit:g} s",
              service_s + improve_s, changed.problem, after, moved))  # fmt: skip
    print(row(f"PyVRP from scratch, {args.time_limit:g} s", base_s, changed.problem, again, moved))
    if args.full_search:
        full_search(problem, plan, victim, underway, changed, moved, ours_s)
    print(f"PyVRP from scratch / take_off_road: x{base_s / ours_s:.1f} the time")
    why = Counter(
        u.reason.code.value if u.reason else "?"
        for u in stored.version.plan.unassigned
        if u.stop_id in moved
    )
    print(f"why the moved stops left out were: {dict(why) or 'none left out'}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(live.take_off_road, problem, plan, victim, underway)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
