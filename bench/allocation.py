"""Allocation between the own fleet and partners on the digital twin's peak day, three ways.

    python bench/allocation.py                          # 400 orders, 2 vans, Helsinki
    python bench/allocation.py --orders 150 --time-limit 5     # a quick look

The day is the twin's (``simulation.demo.prepare``: a station at the centre of Helsinki's
addresses, orders at real places with the twin's mix: a quarter with time windows, 1-4
parcels, 2 % heavy lift-gate orders, 3 % pickups) with a small fleet of two vans (900 kg,
180 parcels, 08:00-14:00 shifts; one with a lift gate), so the peak day is beyond its
capacity. Six-hour shifts owe no break: on a day far beyond capacity with 10-hour shifts,
the planner's repair pass (``planning.repair.put_back``, which ``plan_day`` runs too) spends
minutes re-timing routes for the break of every left-out stop it tries to insert.
Allocation runs at 06:00 on the day, so an order without a window needs ``same_day`` and a
windowed one ``scheduled`` (``domain.rate_shopping.needed_level``).

The partners are the samples' (``services/carriers/samples``: Kaupunkikuriiri same day by
distance, Pakettiexpress next day by postcode) with their rate cards as shipped, and a
benchmark-only partner for time windows, Ikkunakuriiri (``scheduled``, priced 3.00 above the
courier by distance), since the samples have no ``scheduled`` card and a windowed order can
only go to a carrier that keeps its window. The carrier file (``bench/allocation_partners/``)
raises the courier's capacity from 40 to 300 parcels for the peak and gives both polygon
coverage: the twin's orders carry coordinates, not postcodes, so Pakettiexpress (postcodes,
next day) is never feasible here and appears only in the reasons.

Three strategies, each on its own organisation with the same day (same seed):

(a) doorstep: ``services.carriers.allocation.run`` (plan, decide, re-plan; PyVRP with
    --time-limit per round);
(b) all own fleet: ``plan_day`` with the same fleet and --time-limit; orders it leaves out
    count as not served within their service level;
(c) cheapest carrier only: every order to the cheapest partner that can take it (coverage,
    level, size, tags, capacity left, in order of reference); orders none can take count as
    not served.

Cost is the own fleet's route costs (vehicles' per-km, per-hour and per-day costs) plus the
partner prices paid. Printed: orders, within service level, own fleet / partner split,
total cost, cost per order (of the day) and per order served, and the ratios of (a) to each
baseline; written as JSON to --json. Nothing is asserted. The baselines' cost per order is
low because they pay nothing for the orders they fail.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time as timing
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from doorstep.adapters.spreadsheets import read_table  # noqa: E402
from doorstep.bootstrap import Container, build, optimizer  # noqa: E402
from doorstep.config import Settings  # noqa: E402
from doorstep.domain.carriers import CarrierKind  # noqa: E402
from doorstep.domain.fleet import Capacity, SpeedProfile, VehicleCosts, VehicleType  # noqa: E402
from doorstep.domain.order_status import PLANNABLE  # noqa: E402
from doorstep.domain.rate_shopping import judge, needed_level  # noqa: E402
from doorstep.domain.rates import Shipment, price  # noqa: E402
from doorstep.domain.schedules import DailyWindow  # noqa: E402
from doorstep.services import accounts  # noqa: E402
from doorstep.services.authorization import Principal, system_principal  # noqa: E402
from doorstep.services.carriers import SAMPLE_RATE_CARDS, allocation, registry  # noqa: E402
from doorstep.services.carriers.rate_shopping import UNITS_PER_CENT  # noqa: E402
from doorstep.services.orders import orders_matching  # noqa: E402
from doorstep.services.planning import runs  # noqa: E402
from doorstep.services.ports import OrderFilter  # noqa: E402
from doorstep.simulation.demo import CountingIds, DemoPorts, prepare  # noqa: E402
from doorstep.simulation.scenario import OrderSpec, Scenario, VehicleGroup  # noqa: E402
from doorstep.simulation.world import SimClock  # noqa: E402

DAY = date(2026, 11, 23)  # a Monday
PARTNERS = ROOT / "bench" / "allocation_partners"
COSTS = VehicleCosts(per_km=0.45, per_hour=30.0, fixed_per_use=40.0)
VAN = Capacity(900, 3500, 180)


@dataclass
class Outcome:
    name: str
    orders: int
    within: int
    own: int
    partner: int
    fleet_cents: int
    partner_cents: int
    seconds: float

    @property
    def total_cents(self) -> int:
        return self.fleet_cents + self.partner_cents

    @property
    def per_order_all(self) -> float:
        """Currency per order of the day, served or not."""
        return self.total_cents / 100 / self.orders if self.orders else float("inf")

    @property
    def per_order(self) -> float:
        """Currency per order served within its service level."""
        return self.total_cents / 100 / self.within if self.within else float("inf")


def rows(path: Path) -> list[tuple[int, dict[str, object]]]:
    with read_table(path) as table:
        return [(n, dict(zip(table.header, cells, strict=False))) for n, cells in table.rows]


def scenario(orders: int, vans: int) -> Scenario:
    shift = DailyWindow(time(8), time(14))  # six hours: no break owed (see the docstring)
    groups = [VehicleGroup(VehicleType.VAN, 1, VAN, shift, COSTS, frozenset({"lift_gate"}))]
    if vans > 1:
        groups.append(VehicleGroup(VehicleType.VAN, vans - 1, VAN, shift, COSTS))
    return Scenario(name="peak", orders=OrderSpec(count=orders), fleet=tuple(groups))


def setup(c: Container, name: str, args: Any, places: list[Any], zone: str) -> Principal:
    made = accounts.ensure_organisation(
        f"allocation {name}", f"{name}@allocation.example", "allocation bench password",
        uow=c.uow(), clock=c.clock, ids=c.ids, hasher=c.hasher,
    )  # fmt: skip
    principal = system_principal(made.organisation.id)
    eve = datetime.combine(DAY - timedelta(days=1), time(18), ZoneInfo(zone))
    ports = DemoPorts(c.uow, SimClock(eve), CountingIds(name[:2]), c.travel())
    prepare(
        principal, ports=ports, places=places, orders_count=args.orders, seed=args.seed,
        day=DAY, timezone=zone, scenario=scenario(args.orders, args.vans),
    )  # fmt: skip
    registry.import_files(
        principal, rows(PARTNERS / "carriers.csv"), rows(SAMPLE_RATE_CARDS),
        uow=c.uow(), clock=c.clock, ids=c.ids,
    )  # fmt: skip
    registry.import_files(
        principal, None, rows(PARTNERS / "scheduled_rates.csv"),
        uow=c.uow(), clock=c.clock, ids=c.ids,
    )  # fmt: skip
    return principal


def doorstep(c: Container, principal: Principal, args: Any, clock: SimClock) -> Outcome:
    started = timing.perf_counter()
    ports = allocation.AllocationPorts(c.uow(), c.travel(), optimizer(), clock, c.ids)
    run = allocation.run(
        principal, "SYN1", DAY, ports=ports, time_limit_s=args.time_limit, seed=args.seed
    )
    plan = run.version.plan if run.version is not None else None
    fleet = sum(r.cost for r in plan.routes) if plan is not None else 0
    totals = run.totals()
    print(f"  doorstep: {run.rounds} rounds, fleet at {run.utilisation.share:.0%} of its time; "
          + "; ".join(run.notes))  # fmt: skip
    for d in run.decisions:
        if not d.within_level:
            print(f"  not served: {d.label}: {' | '.join(d.reasons)}")
    return Outcome(
        "doorstep allocation", len(run.decisions), sum(1 for d in run.decisions if d.within_level),
        totals["own_fleet"], totals["partner"], round(fleet / UNITS_PER_CENT),
        totals["partner_cents"], timing.perf_counter() - started,
    )  # fmt: skip


def own_fleet(c: Container, principal: Principal, args: Any, clock: SimClock) -> Outcome:
    started = timing.perf_counter()
    version = runs.plan_day(
        principal, "SYN1", DAY, uow=c.uow(), travel=c.travel(), optimizer=optimizer(),
        clock=clock, ids=c.ids, time_limit_s=args.time_limit, seed=args.seed,
    )  # fmt: skip
    plan = version.plan
    served = sum(len(r.visits) for r in plan.routes)
    orders = served + len(plan.unassigned) + len(version.left_out)
    fleet = sum(r.cost for r in plan.routes)
    return Outcome(
        "all own fleet", orders, served, served, 0, round(fleet / UNITS_PER_CENT), 0,
        timing.perf_counter() - started,
    )  # fmt: skip


def cheapest_only(c: Container, principal: Principal, clock: SimClock) -> Outcome:
    started = timing.perf_counter()
    org = principal.organisation_id
    with c.reader() as uow:
        station = next(s for s in uow.stations.list(org) if s.code == "SYN1")
        where = OrderFilter(statuses=PLANNABLE, station_id=station.id, service_date=DAY)
        found = orders_matching(uow, org, where)
        partners = [x for x in uow.carriers.list(org) if x.active and x.kind is CarrierKind.PARTNER]
        cards = uow.rate_cards.list(org)
    zone = ZoneInfo(station.timezone)
    now = clock.now()
    placed = [o for o in found if o.location is not None]
    matrix = c.travel().matrix(
        [station.location], [o.location for o in placed if o.location is not None],
        profile=SpeedProfile.VAN,
    )  # fmt: skip
    used: dict[str, int] = {}
    within = paid = 0
    index_of = {o.id: k for k, o in enumerate(placed)}
    for order in sorted(placed, key=lambda o: o.shipper_reference):
        index = index_of[order.id]
        km = int(matrix.distances_m[0, index]) / 1000
        need = needed_level(order, now, zone)
        options = []
        for carrier in partners:
            card = cards.get((carrier.id, need.level))
            pricing = None
            if card is not None and order.parcels:
                pricing = price(card, Shipment(order.parcels, order.address.postcode or None, km))
            option = judge(
                carrier, order, need, pricing, used_parcels=used.get(carrier.id, 0),
                booked_at=now, zone=zone,
            )  # fmt: skip
            if option.feasible and option.price_cents is not None:
                options.append(option)
        if not options:
            continue
        best = min(options, key=lambda o: (o.price_cents or 0, o.carrier_code))
        used[best.carrier_id] = used.get(best.carrier_id, 0) + len(order.parcels)
        within += 1
        paid += best.price_cents or 0
    return Outcome(
        "cheapest carrier only", len(found), within, 0, within, 0, paid,
        timing.perf_counter() - started,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--vans", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=10.0, help="PyVRP s per plan")
    parser.add_argument("--region", default="helsinki")
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "bench" / "allocation.json")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="doorstep-allocation-"))
    built = Settings().data_dir / "regions"
    if built.is_dir():  # reuse the regions `doorstep region build` made
        (scratch / "regions").symlink_to(built)
    c = build(
        Settings(
            database_url=f"sqlite:///{scratch / 'allocation.db'}", data_dir=scratch,
            fast_password_hashing=True, region=args.region,
        )
    )  # fmt: skip
    c.migrate()
    if args.region == "helsinki" and args.region not in c.regions.names():
        c.regions.build(None)
    zone = c.regions.info(args.region).timezone
    places = [a.location for a in c.regions.addresses(args.region).known()]
    print(f"{args.orders} orders, {args.vans} vans, seed {args.seed}, {args.region}, "
          f"{args.time_limit:g} s per plan; machine: {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}")  # fmt: skip
    morning = SimClock(datetime.combine(DAY, time(6), ZoneInfo(zone)))
    results = [
        doorstep(c, setup(c, "alloc", args, places, zone), args, morning),
        own_fleet(c, setup(c, "own", args, places, zone), args, morning),
        cheapest_only(c, setup(c, "cheap", args, places, zone), morning),
    ]
    print()
    print("| strategy | orders | within service level | own fleet | partners | fleet cost "
          "| partner cost | total | per order | per order served | time |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.name} | {r.orders} | {r.within} ({r.within / r.orders:.1%}) | {r.own} "
            f"| {r.partner} | {r.fleet_cents / 100:,.2f} | {r.partner_cents / 100:,.2f} "
            f"| {r.total_cents / 100:,.2f} | {r.per_order_all:.2f} | {r.per_order:.2f} "
            f"| {r.seconds:.0f} s |"
        )
    ours = results[0]
    ratios = {}
    for base in results[1:]:
        ratio = ours.per_order / base.per_order
        overall = ours.per_order_all / base.per_order_all
        ratios[base.name] = {"per_order": overall, "per_order_served": ratio}
        print(f"doorstep / {base.name}: cost per order x{overall:.3f}, per order served "
              f"x{ratio:.3f}; within service level {ours.within} vs {base.within} "
              f"of {ours.orders}")  # fmt: skip
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "orders": args.orders, "vans": args.vans, "seed": args.seed,
                "time_limit_s": args.time_limit, "region": args.region,
                "results": [
                    r.__dict__ | {
                        "total_cents": r.total_cents, "per_order": r.per_order_all,
                        "per_order_served": r.per_order,
                    }
                    for r in results
                ],
                "ratios": ratios,
            },
            indent=2,
        ),
        encoding="utf-8",
    )  # fmt: skip
    print(f"written: {args.json}")
    c.close()


if __name__ == "__main__":
    main()
