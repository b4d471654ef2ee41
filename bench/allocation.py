"""Allocation between the own fleet and partners on the digital twin's peak day, three ways.

    python bench/allocation.py                          # 400 orders, 2 vans, Helsinki
    python bench/allocation.py --orders 150 --time-limit 5     # a quick look
    python bench/allocation.py --play --time-limit 5           # and each day played

The day is the twin's (``simulation.demo.prepare``: a station at the centre of Helsinki's
addresses, orders at real places with the twin's mix: a quarter with time windows, 1-4
parcels, 2 % heavy lift-gate orders, 3 % pickups) with a small fleet of two vans (900 kg,
180 parcels, 08:00-18:00 shifts owing a 30-minute break past six hours of work; one with a
lift gate), so the peak day is beyond its capacity (--shift-hours changes the shifts).
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

**--play** then plays each strategy's day on the twin, from 06:00, with the same seed:

(a) the allocation's own-fleet plan is published, ``allocation.hand_off_allocated`` books
    the partner decisions through the twin's in-process partners
    (``simulation.partners``), and the twin plays the plan (``day_run.run_day``: vans on
    real roads, absences, mistakes, breakdowns, the dispatcher) with the partners' tracking
    events applied among its steps at their times, through ``handoff.apply_events`` (the
    webhook's path);
(b) the own fleet's plan is published and played; the orders it left out are not served
    (the day's close moves them to the next day);
(c) every order the cheapest partner can take is handed off (``handoff.hand_off``) and the
    partners' events are applied alone, in time order.

The partners deliver around their promises (``PartnerWorld``: --partner-late of them after
it, --partner-failed failing, about the own drivers' failure rate). The shippers' orders
during the day (the scenario's late orders) are not sent: the day is the allocated one.
Measured from what was stored, over every order of the day (``kpis.order_kpis``): the
orders delivered within their service level (the KPI engine's on time: inside a window, or
on the day without one; a pickup collected counts nowhere, as in the KPIs), delivered,
attempted and not delivered, the hand-offs made (and refused), the partner attempts drawn
late or failed, and the played cost: the routes as driven (``kpis.day_kpis``: per km by
GPS, per hour on the road, per van used) plus the prices of the bookings made (paid
whatever came of them); per order of the day and per order delivered within its level.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time as timing
from dataclasses import asdict, dataclass
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
from doorstep.domain.errors import DomainError  # noqa: E402
from doorstep.domain.fleet import Capacity, SpeedProfile, VehicleCosts, VehicleType  # noqa: E402
from doorstep.domain.order_status import PLANNABLE  # noqa: E402
from doorstep.domain.rate_shopping import judge, needed_level  # noqa: E402
from doorstep.domain.rates import Shipment, price  # noqa: E402
from doorstep.domain.schedules import DailyWindow  # noqa: E402
from doorstep.services import accounts, kpis  # noqa: E402
from doorstep.services.authorization import Principal, system_principal  # noqa: E402
from doorstep.services.carriers import SAMPLE_RATE_CARDS, allocation, handoff, registry  # noqa: E402
from doorstep.services.carriers.rate_shopping import UNITS_PER_CENT  # noqa: E402
from doorstep.services.orders import orders_matching  # noqa: E402
from doorstep.services.planning import runs  # noqa: E402
from doorstep.services.ports import OrderFilter  # noqa: E402
from doorstep.simulation.day_run import run_day  # noqa: E402
from doorstep.simulation.demo import CountingIds, DemoPorts, prepare  # noqa: E402
from doorstep.simulation.partners import (  # noqa: E402
    PartnerWorld,
    SimulatedPartners,
    TwinGateways,
    connect_partners,
)
from doorstep.simulation.scenario import OrderSpec, Scenario, VehicleGroup  # noqa: E402
from doorstep.simulation.world import SimClock, SimPorts  # noqa: E402

DAY = date(2026, 11, 23)  # a Monday
PARTNERS = ROOT / "bench" / "allocation_partners"
COSTS = VehicleCosts(per_km=0.45, per_hour=30.0, fixed_per_use=40.0)
VAN = Capacity(900, 3500, 180)


class Costs:
    """Cost per order, of the day and per order within its service level (the fleet's and
    the partners' cents over ``orders`` and ``within``)."""

    orders: int
    within: int
    fleet_cents: int
    partner_cents: int

    @property
    def total_cents(self) -> int:
        return self.fleet_cents + self.partner_cents

    @property
    def per_order_all(self) -> float:
        """Currency per order of the day, served or not."""
        return self.total_cents / 100 / self.orders if self.orders else float("inf")

    @property
    def per_order(self) -> float:
        """Currency per order within its service level (planned, or played with --play)."""
        return self.total_cents / 100 / self.within if self.within else float("inf")


@dataclass
class Outcome(Costs):
    name: str
    orders: int
    within: int
    own: int
    partner: int
    fleet_cents: int
    partner_cents: int
    seconds: float
    played: Played | None = None  # with --play: the day as the twin played it


@dataclass
class Played(Costs):
    """The day as played (--play), from the stored events: ``within`` is the KPI engine's on
    time (delivered inside a window, or on the day for an order without one), over every
    order of the day; ``fleet_cents`` the played routes' costs (``kpis.day_kpis``: per km by
    GPS, per hour on the road, per van used), ``partner_cents`` the prices of the bookings
    made (paid whatever came of them). ``partner_late`` and ``partner_failed`` are the
    partner attempts drawn after their promise or failed."""

    orders: int
    within: int
    delivered: int
    failed_attempts: int  # orders attempted on the day and not delivered
    handed_off: int
    refused: int  # hand-offs the service refused (with the reasons printed)
    fleet_cents: int
    partner_cents: int
    partner_late: int
    partner_failed: int
    seconds: float


def rows(path: Path) -> list[tuple[int, dict[str, object]]]:
    with read_table(path) as table:
        return [(n, dict(zip(table.header, cells, strict=False))) for n, cells in table.rows]


def scenario(orders: int, vans: int, hours: int = 10) -> Scenario:
    shift = DailyWindow(time(8), time(8 + hours))
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
        day=DAY, timezone=zone, scenario=scenario(args.orders, args.vans, args.shift_hours),
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
    ids = day_orders(c, principal)
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
    outcome = Outcome(
        "doorstep allocation", len(run.decisions), sum(1 for d in run.decisions if d.within_level),
        totals["own_fleet"], totals["partner"], round(fleet / UNITS_PER_CENT),
        totals["partner_cents"], timing.perf_counter() - started,
    )  # fmt: skip
    if getattr(args, "play", False):
        started = timing.perf_counter()
        played = SimClock(clock.now())
        if run.version is not None:
            runs.publish(principal, run.version.id, uow=c.uow(), clock=played)
        hports = twin_ports(c, principal, played)
        report = allocation.hand_off_allocated(principal, "SYN1", DAY, ports=hports)
        for o in report.outcomes:
            if not o.booked:
                print(f"  hand-off refused: {o.label} to {o.carrier_code}: {o.reason}")
        prices = {d.order_id: d.price_cents or 0 for d in run.decisions}
        paid = sum(prices.get(o.order_id, 0) for o in report.outcomes if o.booked)
        outcome.played = play(
            c, principal, args, ids, hports, played, paid, (report.booked, report.refused),
            own=run.version is not None, started=started,
        )  # fmt: skip
    return outcome


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
    outcome = Outcome(
        "all own fleet", orders, served, served, 0, round(fleet / UNITS_PER_CENT), 0,
        timing.perf_counter() - started,
    )  # fmt: skip
    if getattr(args, "play", False):
        started = timing.perf_counter()
        ids = day_orders(c, principal)
        played = SimClock(clock.now())
        runs.publish(principal, version.id, uow=c.uow(), clock=played)
        hports = twin_ports(c, principal, played)  # no hand-offs: the partners draw nothing
        outcome.played = play(
            c, principal, args, ids, hports, played, 0, (0, 0), own=True, started=started
        )
    return outcome


def cheapest_only(c: Container, principal: Principal, clock: SimClock, args: Any = None) -> Outcome:
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
    chosen: list[tuple[str, str, Any, int]] = []  # order id, carrier id, level, price
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
        chosen.append((order.id, best.carrier_id, need.level, best.price_cents or 0))
    outcome = Outcome(
        "cheapest carrier only", len(found), within, 0, within, 0, paid,
        timing.perf_counter() - started,
    )  # fmt: skip
    if getattr(args, "play", False):
        started = timing.perf_counter()
        played = SimClock(now)
        hports = twin_ports(c, principal, played)
        booked = refused = spent = 0
        for order_id, carrier_id, level, cents in chosen:
            try:
                handoff.hand_off(principal, order_id, carrier_id, level, ports=hports)
            except DomainError as error:
                refused += 1
                print(f"  hand-off refused: {order_id}: {error}")
                continue
            booked += 1
            spent += cents
        outcome.played = play(
            c, principal, args, [o.id for o in found], hports, played, spent, (booked, refused),
            own=False, started=started,
        )  # fmt: skip
    return outcome


def day_orders(c: Container, principal: Principal) -> list[str]:
    """The ids of the station's plannable orders of the day (before anything is played: the
    day's close moves the orders it did not serve to the next day)."""
    with c.reader() as uow:
        station = next(s for s in uow.stations.list(principal.organisation_id) if s.code == "SYN1")
        where = OrderFilter(statuses=PLANNABLE, station_id=station.id, service_date=DAY)
        return [o.id for o in orders_matching(uow, principal.organisation_id, where)]


def twin_ports(c: Container, principal: Principal, clock: SimClock) -> handoff.HandoffPorts:
    """The partners connected to the twin's in-process gateways; the ports hand-offs and
    the partners' events go through, on ``clock`` (the played day's)."""
    connect_partners(principal, uow=c.uow, clock=clock)
    return handoff.HandoffPorts(c.uow(), clock, c.ids, TwinGateways(), proofs=c.proofs())


def play(
    c: Container,
    principal: Principal,
    args: Any,
    ids: list[str],
    hports: handoff.HandoffPorts,
    clock: SimClock,
    paid_cents: int,
    handed: tuple[int, int],
    *,
    own: bool,
    started: float,
) -> Played:
    """Play the day: the partners' events drawn for the hand-offs made, then the own fleet's
    published plan played by the twin with those events among its steps (``own``), or the
    events alone in time order; measured by the KPI engine over the orders ``ids``."""
    world = PartnerWorld(late_share=args.partner_late, failed_share=args.partner_failed)
    partners = SimulatedPartners(principal, DAY, ports=hports, seed=args.seed, world=world)
    partners.draw()
    fleet = 0.0
    if own:
        sim = SimPorts(c.uow, clock, c.ids, c.travel(), c.proofs())
        day_world = scenario(args.orders, args.vans, args.shift_hours).day_world()
        result = run_day(
            principal, "SYN1", DAY, ports=sim, seed=args.seed, world=day_world,
            elsewhere=partners.steps(),
        )  # fmt: skip
        card = kpis.day_kpis(principal, "SYN1", DAY, uow=c.reader()).kpis.day
        fleet = card.road.cost_per_stop.numerator
        closed = result.ended_at.astimezone(clock.now().tzinfo) if result.ended_at else None
        print(f"  played: {result.routes} routes, {result.delivered} delivered by the vans, "
              f"{sum(result.failed.values())} failed, {result.not_attempted} not attempted, "
              f"{result.breakdowns} breakdowns; the day closed at {closed:%H:%M}")  # fmt: skip
    else:
        partners.play(clock)
    for rejected in partners.rejected():
        print(f"  partner event rejected: {rejected}")
    found = kpis.order_kpis(principal, ids, DAY, uow=c.reader())
    outcomes = [d.outcome for d in partners.drawn]
    return Played(
        orders=len(ids),
        within=int(found.on_time.numerator),
        delivered=int(found.on_time.denominator),
        failed_attempts=int(found.first_attempt.denominator - found.on_time.denominator),
        handed_off=handed[0],
        refused=handed[1],
        fleet_cents=round(fleet * 100),
        partner_cents=paid_cents,
        partner_late=outcomes.count("late"),
        partner_failed=outcomes.count("failed"),
        seconds=timing.perf_counter() - started,
    )


def report_played(results: list[Outcome]) -> dict[str, dict[str, float]]:
    """Print the played day's table next to the planned figures; the played ratios."""
    print()
    print("Played on the twin (the KPI engine over every order of the day):")
    print("| strategy | orders | within service level: planned | played | delivered "
          "| attempted, not delivered | handed off (refused) | partner late / failed "
          "| fleet cost | partner cost | total | per order | per order within level "
          "| time |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        p = r.played
        assert p is not None
        print(
            f"| {r.name} | {p.orders} | {r.within} ({r.within / r.orders:.1%}) "
            f"| {p.within} ({p.within / p.orders:.1%}) | {p.delivered} | {p.failed_attempts} "
            f"| {p.handed_off} ({p.refused}) | {p.partner_late} / {p.partner_failed} "
            f"| {p.fleet_cents / 100:,.2f} | {p.partner_cents / 100:,.2f} "
            f"| {p.total_cents / 100:,.2f} | {p.per_order_all:.2f} | {p.per_order:.2f} "
            f"| {p.seconds:.0f} s |"
        )
    ours = results[0].played
    assert ours is not None
    ratios = {}
    for base in results[1:]:
        theirs = base.played
        assert theirs is not None
        overall = ours.per_order_all / theirs.per_order_all
        within = ours.per_order / theirs.per_order
        ratios[base.name] = {"per_order": overall, "per_order_within": within}
        print(f"played, doorstep / {base.name}: cost per order x{overall:.3f}, per order "
              f"within its service level x{within:.3f}; within service level {ours.within} "
              f"vs {theirs.within} of {ours.orders}")  # fmt: skip
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--vans", type=int, default=2)
    parser.add_argument("--shift-hours", type=int, default=10, help="from 08:00")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=10.0, help="PyVRP s per plan")
    parser.add_argument("--region", default="helsinki")
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "bench" / "allocation.json")
    parser.add_argument("--play", action="store_true", help="play each strategy's day on the twin")
    parser.add_argument(
        "--partner-late",
        type=float,
        default=PartnerWorld().late_share,
        help="share of partner deliveries after their promise (--play)",
    )
    parser.add_argument("--partner-failed", type=float, default=PartnerWorld().failed_share,
                        help="share of partner attempts that fail (--play)")  # fmt: skip
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
    print(f"{args.orders} orders, {args.vans} vans on {args.shift_hours} h shifts, seed "
          f"{args.seed}, {args.region}, "
          f"{args.time_limit:g} s per plan; machine: {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}")  # fmt: skip
    morning = SimClock(datetime.combine(DAY, time(6), ZoneInfo(zone)))
    results = [
        doorstep(c, setup(c, "alloc", args, places, zone), args, morning),
        own_fleet(c, setup(c, "own", args, places, zone), args, morning),
        cheapest_only(c, setup(c, "cheap", args, places, zone), morning, args),
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
    played_ratios = report_played(results) if args.play else {}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "orders": args.orders, "vans": args.vans, "seed": args.seed,
                "shift_hours": args.shift_hours,
                "time_limit_s": args.time_limit, "region": args.region,
                "play": args.play,
                "results": [
                    {k: v for k, v in r.__dict__.items() if k != "played"} | {
                        "total_cents": r.total_cents, "per_order": r.per_order_all,
                        "per_order_served": r.per_order,
                    } | ({} if r.played is None else {"played": asdict(r.played) | {
                        "total_cents": r.played.total_cents,
                        "per_order": r.played.per_order_all,
                        "per_order_within": r.played.per_order,
                    }})
                    for r in results
                ],
                "ratios": ratios,
                "played_ratios": played_ratios,
            },
            indent=2,
        ),
        encoding="utf-8",
    )  # fmt: skip
    print(f"written: {args.json}")
    c.close()


if __name__ == "__main__":
    main()
