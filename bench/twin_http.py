"""Load test: the digital twin plays a station day against a running ``doorstep serve``.

    python bench/twin_http.py                              # 500 orders, speed-up 150, Helsinki
    python bench/twin_http.py --orders 60 --iterations 200        # a quick look
    python bench/twin_http.py --work /tmp/twin-http        # keep the data dir; the region is reused
    python bench/twin_http.py --speed 3600                 # faster than this machine keeps up
    python bench/twin_http.py --late-orders 0              # without the shippers' orders of the day

In a scratch data directory (``--work`` keeps it) it builds the bundled Helsinki region, then
sets up the same scenario day (``simulation.scenario.default()`` with ``--orders`` orders,
``--seed``) twice, each in a fresh SQLite database, planned in this process exactly alike
(``simulation.demo.demo_day``: ids from a counter, the solver stopped after ``--iterations``),
and plays it twice:

- **in-process** (the baseline): the twin's writes go to the services in this process
  (``ServiceActions``) on a simulated clock set to each moment, as fast as it can.
- **over HTTP**: ``doorstep serve`` is started on that database as a subprocess when the play
  reaches its first moment, its clock paced (``DOORSTEP_CLOCK_SPEED`` = ``--speed``, and
  ``DOORSTEP_CLOCK_START`` = that moment less ``--startup-s`` of wall time, since the clock
  runs from before the server answers), and every write of the day goes to its API
  (``adapters.twin_http.HttpActions`` with an admin API key: scan batches, GPS pings, proof
  files, inspections, departures, route ends, new orders and live plan changes). Before each
  moment the twin waits for the server's clock (a local ``PacedClock`` set from the ``at`` of
  the dispatch board, so it is never ahead: the server refuses pings from the future); its
  reads go to the database directly, as in-process.

Both plays are timed from the first moment (the server already answering) to the day's close.
Printed: scan events and pings sent, requests, retries, the wall time, requests per second,
p50/p95/max latency of a request (``HttpActions.counts``), the ratio HTTP / in-process wall
time at the speed-up, and what set the HTTP wall time: the pacing (at that speed-up the day
cannot take less than its simulated length / speed) or the throughput, with how far the twin
fell behind the server's clock. Then the two databases side by side: the facts (scan events,
pings, order statuses, departures, route ends, inspections, cases, and every KPI figure of
``services.kpis.day_kpis`` that counts what happened), which must be the same, and apart from
them the times the server stamps with its own clock where in-process the twin's moment is
taken (departures, route ends, cases, and the KPI figures made from them), which differ by how
far the twin ran behind. A load test that loses or reorders writes measures nothing, so the
verdict is printed. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support.server starts `doorstep serve`, as in the tests

import httpx2  # noqa: E402
from sqlalchemy import text  # noqa: E402
from tests.support.server import (  # noqa: E402
    STARTUP_LIMIT_S,
    free_port,
    health,
    running,
    serve_command,
)

from doorstep.adapters.system import PacedClock  # noqa: E402
from doorstep.adapters.twin_http import HttpActions  # noqa: E402
from doorstep.bootstrap import Container, build, optimizer  # noqa: E402
from doorstep.config import Settings  # noqa: E402
from doorstep.domain.accounts import Role  # noqa: E402
from doorstep.domain.stations import Station  # noqa: E402
from doorstep.entrypoints.api.schemas.orders import OrderIn  # noqa: E402
from doorstep.planning.versions import PlanVersion  # noqa: E402
from doorstep.services import accounts, kpis  # noqa: E402
from doorstep.services.authorization import Principal, system_principal  # noqa: E402
from doorstep.services.positions import IncomingPing  # noqa: E402
from doorstep.services.scans import IncomingScan  # noqa: E402
from doorstep.simulation import scenario  # noqa: E402
from doorstep.simulation.actions import Actions  # noqa: E402
from doorstep.simulation.demo import DemoDay, Playing, demo_day  # noqa: E402
from doorstep.simulation.world import DayRun  # noqa: E402

DAY = date(2026, 11, 23)  # a Monday
REGION = "helsinki"
TAG = "th"  # the same id tag in both databases, so vehicles and orders have the same ids


class CountingHttp(HttpActions):
    """``HttpActions`` that also counts the scan events and pings it sends."""

    def __init__(self, base_url: str, api_key: str) -> None:
        super().__init__(base_url, api_key)
        self.events = 0
        self.pings_sent = 0
        self.dropped: Counter[str] = Counter()

    # A guard: a late order's field that POST /orders would refuse ("Extra inputs are not
    # permitted") is dropped and reported, so a twin that sends more than the
    # ``Actions.create_order`` contract allows shows up in the output instead of failing.
    def create_order(self, values: Mapping[str, Any]) -> str:
        extra = values.keys() - OrderIn.model_fields.keys()
        self.dropped.update(extra)
        return super().create_order({k: v for k, v in values.items() if k not in extra})

    def scans(self, batch: Sequence[IncomingScan]) -> None:
        self.events += len(batch)
        super().scans(batch)

    def pings(self, batch: Sequence[IncomingPing]) -> None:
        self.pings_sent += len(batch)
        super().pings(batch)


@dataclasses.dataclass
class Timing:
    """The play's wall time, from its first moment to the day's close."""

    started: float | None = None
    ended: float = 0.0
    first_at: datetime | None = None  # the first moment played
    last_at: datetime | None = None  # the last one

    def moment(self, at: datetime) -> None:
        if self.started is None:
            self.started, self.first_at = time.perf_counter(), at
        self.last_at = at

    @property
    def seconds(self) -> float:
        assert self.started is not None
        return self.ended - self.started


@dataclasses.dataclass
class Pacing:
    """How the HTTP play went against the server's clock."""

    server_start_s: float = 0.0  # `doorstep serve` until it answers
    waited_s: float = 0.0  # the twin asleep, waiting for the server's clock
    behind_s: float = 0.0  # most simulated seconds the twin was behind the server's clock
    first_behind_s: float = 0.0  # at the first moment (< 0: the twin waited for the server)
    moments: int = 0  # moments played
    late: int = 0  # of those, played more than a simulated minute behind the server's clock


def container(scratch: Path, name: str) -> Container:
    db = scratch / f"{name}.db"
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)  # a fresh database each run, the region kept
    c = build(
        Settings(
            database_url=f"sqlite:///{db}",
            data_dir=scratch,
            fast_password_hashing=True,
            region=REGION,
        )
    )
    c.migrate()
    return c


def organisation(c: Container, name: str) -> Principal:
    setup = accounts.ensure_organisation(
        f"twin {name}", f"{name}@twin.example", "twin bench password",
        uow=c.uow(), clock=c.clock, ids=c.ids, hasher=c.hasher,
    )  # fmt: skip
    return system_principal(setup.organisation.id)


def play(c: Container, principal: Principal, args: Any, playing: Playing) -> DemoDay:
    return demo_day(
        principal, uow=c.uow, travel=c.travel(), optimizer=optimizer(), proofs=c.proofs(),
        places=[a.location for a in c.regions.addresses(REGION).known()], seed=args.seed,
        day=DAY, timezone=c.regions.info(REGION).timezone, iterations=args.iterations,
        tag=TAG, orders_count=args.orders, scenario=day_scenario(args), playing=playing,
    )  # fmt: skip


def day_scenario(args: Any) -> scenario.Scenario:
    drawn = scenario.default()
    if args.late_orders is None:
        return drawn
    late = dataclasses.replace(drawn.late_orders, count=args.late_orders)
    return dataclasses.replace(drawn, late_orders=late)


def in_process(c: Container, args: Any) -> tuple[Principal, DemoDay, Timing]:
    principal = organisation(c, "baseline")
    timing = Timing()
    played = play(c, principal, args, Playing(pace=lambda at, _: timing.moment(at)))
    timing.ended = time.perf_counter()
    return principal, played, timing


def over_http(
    c: Container, scratch: Path, args: Any
) -> tuple[Principal, DemoDay, Timing, CountingHttp, Pacing]:
    principal = organisation(c, "http")
    _, key = accounts.create_api_key(
        principal, "load test", frozenset({Role.ADMIN}), uow=c.uow(), clock=c.clock, ids=c.ids,
        secrets=c.secrets,
    )  # fmt: skip
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    actions = CountingHttp(base, key)
    timing, pacing = Timing(), Pacing()
    log = scratch / "server.log"
    clock: list[PacedClock] = []  # the server's clock as the twin reads it, once it runs
    station: list[Station] = []

    def ready(where: Station, _: PlanVersion) -> None:
        station.append(where)

    def pace(at: datetime, _: DayRun) -> None:
        if not clock:
            # The server starts at the first moment of the play, not in `ready`: only the
            # twin knows that moment (the station's morning, hours before the first van),
            # and a server clock started earlier would make the twin wait idle hours.
            clock.append(start_server(at))
        started = time.perf_counter()
        behind_s = (clock[0].now() - at).total_seconds()
        if not pacing.moments:
            pacing.first_behind_s = behind_s  # > 0: the server took over --startup-s to start
        pacing.behind_s = max(pacing.behind_s, behind_s)
        pacing.moments += 1
        pacing.late += behind_s > 60
        clock[0].sleep_until(at)
        if timing.started is not None:  # the wait for the first moment is not the play's
            pacing.waited_s += time.perf_counter() - started
        timing.moment(at)

    def start_server(at: datetime) -> PacedClock:
        env = {
            **os.environ,
            "DOORSTEP_DATABASE_URL": c.settings.resolved_database_url,
            "DOORSTEP_DATA_DIR": str(scratch),
            "DOORSTEP_REGION": REGION,
            "DOORSTEP_FAST_PASSWORD_HASHING": "true",
            # Its clock starts as its container is built, a few seconds before it answers:
            # started that much before the first moment, it is not ahead of the twin from
            # the start (at 3600x each second of start-up is a simulated hour).
            "DOORSTEP_CLOCK_START": (
                at - timedelta(seconds=args.startup_s * args.speed)
            ).isoformat(),
            "DOORSTEP_CLOCK_SPEED": str(args.speed),
        }
        started = time.perf_counter()
        server = stack.enter_context(running(serve_command(port), env, log))
        if health(f"{base}/healthz", time.monotonic() + STARTUP_LIMIT_S, server) is None:
            raise RuntimeError(f"the server did not answer; it said:\n{log.read_text()[-3000:]}")
        pacing.server_start_s = time.perf_counter() - started
        return synced_clock()

    def synced_clock() -> PacedClock:
        # The server's clock started when its container was built, somewhere between the
        # process start and its first answer (at 3600x every 0.1 s of that is 6 simulated
        # minutes), so read it: the dispatch board says the server's now. Stamped while the
        # request was under way, it is at most one round trip ahead of the copy made on its
        # arrival, so the copy runs a few simulated seconds behind the server, never ahead.
        answer = httpx2.get(
            f"{base}/api/v1/stations/{station[0].code}/dispatch",
            params={"date": DAY.isoformat()},
            headers={"Authorization": f"Bearer {key}"},
            timeout=30.0,
        )
        answer.raise_for_status()
        return PacedClock(datetime.fromisoformat(answer.json()["at"]), args.speed)

    with ExitStack() as stack, actions:  # the server is stopped whatever happens
        played = play(c, principal, args, Playing(pace=pace, ready=ready, actions=actions))
        timing.ended = time.perf_counter()
    return principal, played, timing, actions, pacing


# -- the facts each database ends with ---------------------------------------------------


# KPI figures made from instants the server stamps with its own clock when the request
# arrives (a departure, a route's end, a case opened or resolved), where in-process the
# twin's moment is taken: over HTTP they are off by how far the twin runs behind the
# server's clock, so they are compared apart from the facts.
SERVER_TIMED = ("shift_use", "stops_per_hour", "actual_vs_planned_s", "cost_per_stop",
                "median_to_resolve")  # fmt: skip


@dataclasses.dataclass
class Facts:
    same: dict[str, Any]  # what must be the same whatever carried the writes
    timed: dict[str, Any]  # what carries the time of the server's clock


def facts(c: Container, principal: Principal, station: str) -> Facts:
    """What a day's play leaves in the database, by what the twin names (barcodes, shipper
    references, vehicle ids), never by the ids a server makes (late orders, inspections)."""
    org = {"org": principal.organisation_id}
    same: dict[str, Any] = {}
    timed: dict[str, Any] = {}
    with c.engine.connect() as db:

        def rows(sql: str) -> list[Any]:
            return list(db.execute(text(sql), org))

        def count(table: str) -> int:
            sql = f"SELECT count(*) FROM {table} WHERE organisation_id = :org"  # noqa: S608
            return int(db.execute(text(sql), org).scalar_one())

        scans = rows(
            "SELECT kind, barcode, device_time FROM scan_events WHERE organisation_id = :org"
        )
        same["scan events"] = len(scans)
        same["scan events by kind"] = dict(Counter(s.kind for s in scans))
        same["scan events (kind, barcode)"] = Counter((s.kind, s.barcode) for s in scans)
        # The server stamps some events itself (a departure's), with its clock.
        timed["scan events (kind, barcode, device time)"] = Counter(tuple(s) for s in scans)
        same["pings stored"] = count("positions")
        statuses = rows(
            "SELECT shipper, shipper_reference, status FROM orders WHERE organisation_id = :org"
        )
        same["orders by status"] = dict(Counter(r.status for r in statuses))
        same["order status by shipper reference"] = {
            (r.shipper, r.shipper_reference): r.status for r in statuses
        }
        for table in ("departures", "route_ends", "inspections"):
            same[table] = count(table)
        cases = rows("SELECT type, status FROM exception_cases WHERE organisation_id = :org")
        same["cases by type"] = dict(Counter(r.type for r in cases))
        same["cases by status"] = dict(Counter(r.status for r in cases))
        for name, table, column in (("departed", "departures", "departed_at"),
                                    ("route ended", "route_ends", "ended_at")):  # fmt: skip
            sql = f"SELECT vehicle_id, {column} FROM {table} WHERE organisation_id = :org"  # noqa: S608
            timed[f"{name} at, by vehicle"] = {r[0]: r[1] for r in rows(sql)}
    report = kpis.day_kpis(principal, station, DAY, uow=c.reader())
    for name, value in flat(report.kpis).items():
        kind = timed if any(part in name for part in SERVER_TIMED) else same
        kind[f"kpi {name}"] = value
    return Facts(same, timed)


def flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """Every leaf of the KPI report, named by its path (``day.on_time.value``); a list of
    names (cases still open) by its length, as case ids hash the organisation's id."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        items: Mapping[Any, Any] = {
            f.name: getattr(value, f.name) for f in dataclasses.fields(value)
        }
    elif isinstance(value, Mapping):
        items = value
    elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return {f"{prefix} (count)": len(value)}
    elif isinstance(value, list | tuple):
        items = dict(enumerate(value))
    else:
        return {prefix: value}
    out: dict[str, Any] = {}
    for name, inner in items.items():
        out |= flat(inner, f"{prefix}.{name}" if prefix else str(name))
    return out


def compare(a: Facts, b: Facts, show: Callable[[str], None], most: int) -> bool:
    """Print both databases' facts side by side; True if they are the same."""
    for name in ("scan events", "scan events by kind", "pings stored", "orders by status",
                 "departures", "route_ends", "inspections", "cases by type"):  # fmt: skip
        verdict = "same" if a.same[name] == b.same[name] else "DIFFERENT"
        show(f"  {name:<20} in-process {_short(a.same[name])}")
        show(f"  {'':<20} over HTTP  {_short(b.same[name])}  {verdict}")
    differ = _differing(a.same, b.same)
    kpis_same = [k for k in a.same if k.startswith("kpi ")]
    show(f"  KPI figures that count what happened: {len(kpis_same)}, different: "
         f"{sum(1 for k in differ if k.startswith('kpi '))}")  # fmt: skip
    for name in differ[:most]:
        show(_difference(name, a.same.get(name), b.same.get(name)))
    if len(differ) > most:
        show(f"  ... and {len(differ) - most} more (--show N prints more)")
    timed = _differing(a.timed, b.timed)
    kpis_timed = [k for k in a.timed if k.startswith("kpi ")]
    show(f"  stamped by the server's clock (departures, route ends, cases; in-process: the "
         f"twin's moment): {len(kpis_timed)} KPI figures, different: "
         f"{sum(1 for k in timed if k.startswith('kpi '))}")  # fmt: skip
    for name in timed[:most]:
        show(_difference(name, a.timed.get(name), b.timed.get(name)))
    if len(timed) > most:
        show(f"  ... and {len(timed) - most} more (--show N prints more)")
    return not differ


def _differing(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return [k for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)]


def _difference(name: str, left: Any, right: Any) -> str:
    if isinstance(left, dict) and isinstance(right, dict):
        only_a = {k: v for k, v in left.items() if right.get(k) != v}
        only_b = {k: v for k, v in right.items() if left.get(k) != v}
        examples = f"{list(only_a.items())[:2]} vs {list(only_b.items())[:2]}"
        return (f"    differs: {name}: {len(only_a)} only in-process, {len(only_b)} only over "
                f"HTTP; e.g. {examples}")  # fmt: skip
    if isinstance(left, int | float) and isinstance(right, int | float) and left:
        off = f" ({(right - left) / abs(left):+.1%})"
    else:
        off = ""
    return f"    differs: {name}: in-process {left!r} | over HTTP {right!r}{off}"


def _short(value: Any) -> str:
    return str(dict(sorted(value.items())) if isinstance(value, dict) else value)


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--speed",
        type=float,
        default=150.0,
        help="the server clock's speed-up (this machine keeps up with 150)",
    )
    parser.add_argument("--iterations", type=int, default=1000, help="the planner's budget")
    parser.add_argument(
        "--late-orders", type=int, help="orders shippers send during the day (the scenario's: 30)"
    )
    parser.add_argument(
        "--startup-s",
        type=float,
        default=6.0,
        help="the server's clock starts this much wall time before the first moment (its start-up)",
    )
    parser.add_argument("--show", type=int, default=30, help="differing facts to print")
    parser.add_argument("--work", type=Path, help="keep the data dir here (the region is reused)")
    args = parser.parse_args()
    # HttpActions matches the twin's Actions by shape only (adapters may not import the
    # simulation): a method the twin gained and HttpActions lacks would fail mid-play.
    wanted = {n for n in vars(Actions) if not n.startswith("_")}
    missing = sorted(n for n in wanted if not callable(getattr(HttpActions, n, None)))
    if missing:
        sys.exit(f"HttpActions lacks what the twin's Actions do: {', '.join(missing)}")
    scratch = args.work or Path(tempfile.mkdtemp(prefix="doorstep-twin-http-"))
    scratch.mkdir(parents=True, exist_ok=True)
    print(f"{args.orders} orders, seed {args.seed}, {REGION}, speed-up {args.speed:g}; machine: "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; data in {scratch}")  # fmt: skip
    try:
        base = container(scratch, "baseline")
        built = time.perf_counter()
        base.regions.build(None)  # cached by the extract's hash, so reused with --work
        print(f"region ready in {time.perf_counter() - built:.1f} s")

        principal, day, timing = in_process(base, args)
        print(f"in-process: {day.played.routes} routes played in {timing.seconds:.1f} s "
              f"({timing.first_at:%H:%M} to {timing.last_at:%H:%M} simulated)")  # fmt: skip

        http_c = container(scratch, "http")
        http_principal, http_day, http_timing, sent, pacing = over_http(http_c, scratch, args)
        counts = sent.counts
        wall = http_timing.seconds
        assert http_timing.first_at is not None
        assert http_timing.last_at is not None
        length_s = (http_timing.last_at - http_timing.first_at).total_seconds()
        floor_s = length_s / args.speed
        print(f"over HTTP: server up in {pacing.server_start_s:.1f} s (--startup-s "
              f"{args.startup_s:g}); "
              f"{http_day.played.routes} routes played in {wall:.1f} s")  # fmt: skip
        print(f"  sent: {sent.events:,} scan events, {sent.pings_sent:,} pings; "
              f"{counts.requests:,} requests, {counts.retries} retries, "
              f"{counts.requests / wall:,.1f} requests/s")  # fmt: skip
        if sent.dropped:
            print(f"  NOTE: late orders sent without the fields POST /orders refuses: "
                  f"{dict(sorted(sent.dropped.items()))} (see CountingHttp.dropped)")  # fmt: skip
        ms = [1000 * s for s in counts.seconds]
        print(f"  latency of a request: p50 {percentile(ms, 0.5):.1f} ms, "
              f"p95 {percentile(ms, 0.95):.1f} ms, max {max(ms):.1f} ms")  # fmt: skip
        print(f"  ratio HTTP / in-process wall time: {wall / timing.seconds:.2f} "
              f"({wall:.1f} s / {timing.seconds:.1f} s) at speed-up {args.speed:g}")  # fmt: skip
        # The twin never goes ahead of the server's clock, so the day takes at least its
        # simulated length / speed: near that, the pacing set the wall time, not the server.
        bound = "the pacing" if wall < 1.1 * floor_s else "the throughput (server and twin)"
        in_requests = sum(counts.seconds)
        print(f"  wall time set by {bound}: the day's {length_s / 3600:.1f} simulated h take at "
              f"least {floor_s:.1f} s at {args.speed:g}x; of the {wall:.1f} s, "
              f"{in_requests:.1f} s in requests, {pacing.waited_s:.1f} s asleep waiting for the "
              f"server's clock, the rest the twin's own work")  # fmt: skip
        if pacing.first_behind_s > 0:
            print(f"  the server took longer than --startup-s to start: the play began "
                  f"{pacing.first_behind_s / 60:.1f} simulated min behind its clock")  # fmt: skip
        print(f"  the twin was at most {pacing.behind_s / 60:.1f} simulated min behind the "
              f"server's clock; {pacing.late} of {pacing.moments} moments were played more "
              f"than a minute late (what the server stamps, it stamps that late)")  # fmt: skip

        print("facts of the two databases:")
        same = compare(
            facts(base, principal, day.station.code),
            facts(http_c, http_principal, http_day.station.code),
            print,
            args.show,
        )
        print(f"both databases end with the same facts: {'yes' if same else 'NO'}")
        print(f"load after: {os.getloadavg()[0]:.2f}")
        base.close()
        http_c.close()
    finally:
        if args.work is None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
