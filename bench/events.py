"""Scan-event ingestion: batches of 1,000 through POST /api/v1/events, against one per request.

    python bench/events.py                                   # SQLite, 20,000 parcels
    python bench/events.py --database-url postgresql+psycopg://user@127.0.0.1:54329/doorstep
    python bench/events.py --parcels 2000 --baseline-events 500      # a quick look

Each run stores --parcels ready orders of one parcel each, in a fresh organisation, then sends
their day through the real API (FastAPI's TestClient, in this process, so JSON parsing,
validation and the database all count; no network). A parcel's day is five scans: received,
sorted to a lane, loaded, out with its van, delivered, at realistic device times. Three
streams go through, each in its own organisation of the same database:

1. in order: the day's events by device time, in batches of --batch;
2. messy: the same day with 10 % of the events sent again later (a handheld retrying after a
   lost answer) and 10 % held back and sent several batches late (no signal in a basement),
   so they arrive after events that follow them on the device;
3. the baseline, the naive way: the first --baseline-events events of the in-order stream,
   one event per request, as a client that does not batch would send them.

It prints events per second for each (counting every event sent, duplicates included), the
ratio of the in-order batches to the baseline, and checks that every parcel of every stream
ended delivered with no event lost or doubled. Nothing is asserted: figures go to
docs/benchmarks.md. On PostgreSQL the database must exist and be empty or migrated.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from doorstep.adapters.storage import tables as t  # noqa: E402
from doorstep.bootstrap import Container, build  # noqa: E402
from doorstep.config import Settings  # noqa: E402
from doorstep.domain.accounts import Role  # noqa: E402
from doorstep.domain.geo import Location  # noqa: E402
from doorstep.domain.order_status import OrderStatus  # noqa: E402
from doorstep.domain.orders import Address, Order, OrderKind, Parcel, Recipient  # noqa: E402
from doorstep.entrypoints.api.app import create_app  # noqa: E402
from doorstep.services import accounts  # noqa: E402
from doorstep.services.authorization import system_principal  # noqa: E402

DAY = ("receive", "sort", "load", "depart", "deliver")
START = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


@dataclass
class Tenant:
    org_id: str
    token: str
    barcodes: list[str]


@dataclass
class Timed:
    events: int
    seconds: float
    cpu_seconds: float  # this process's (client and server both): wall above it is waiting

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def tenant(c: Container, client: TestClient, name: str, parcels: int) -> Tenant:
    """An organisation with ``parcels`` ready one-parcel orders and a driver's API key."""
    setup = accounts.ensure_organisation(
        name,
        f"admin@{accounts.slugify(name)}.test",
        "bench password 1",
        uow=c.uow(),
        clock=c.clock,
        ids=c.ids,
        hasher=c.hasher,
    )
    org = setup.organisation.id
    _, secret = accounts.create_api_key(
        system_principal(org),
        "handhelds",
        frozenset({Role.DRIVER}),
        uow=c.uow(),
        clock=c.clock,
        ids=c.ids,
        secrets=c.secrets,
    )
    barcodes = [f"{accounts.slugify(name)[:8].upper()}-{n:07d}" for n in range(parcels)]
    now = c.clock.now()
    for start in range(0, parcels, 2000):
        chunk = barcodes[start : start + 2000]
        with c.uow() as uow:
            uow.orders.add_many([_order(c, org, b, now) for b in chunk])
            uow.commit()
    return Tenant(org, secret, barcodes)


def _order(c: Container, org: str, barcode: str, now: datetime) -> Order:
    order = Order(
        id=c.ids.new_id("ord"),
        organisation_id=org,
        shipper="bench",
        shipper_reference=barcode,
        kind=OrderKind.DELIVERY,
        recipient=Recipient("Bench Recipient"),
        address=Address(f"Bench Street {barcode}"),
        created_at=now,
        location=Location(60.17, 24.94),
        parcels=(Parcel(barcode, 1.0),),
    )
    order.move_to(OrderStatus.READY, now)
    return order


def day_events(barcodes: list[str], seed: int) -> list[dict[str, Any]]:
    """The day in device-time order: receiving in the early morning, sorting, loading, the
    vans leaving, deliveries through the day (one lane per 200 parcels, van per 150)."""
    rng = random.Random(seed)
    events = []
    for n, barcode in enumerate(barcodes):
        at = START + timedelta(seconds=rng.uniform(0, 3600))
        for step, kind in enumerate(DAY):
            at += timedelta(seconds=rng.uniform(60, 3600) if step else 0)
            event: dict[str, Any] = {
                "id": f"{barcode}-{step}-{rng.getrandbits(32):08x}",
                "kind": kind,
                "barcode": barcode,
                "device_time": at.isoformat(),
                "device": f"tc52-{n % 40:02d}",
                "position": {"lat": 60.17, "lon": 24.94},
            }
            if kind == "sort":
                event["lane"] = f"L{n // 200:03d}"
            if kind == "load":
                event["vehicle_id"] = f"veh_{n // 150:03d}"
            events.append(event)
    events.sort(key=lambda e: e["device_time"])
    return events


def messy(events: list[dict[str, Any]], batch: int, seed: int) -> list[dict[str, Any]]:
    """10 % sent again later, 10 % held back 1-5 batches: duplicates and late arrivals."""
    rng = random.Random(seed)
    slots: list[tuple[float, int, dict[str, Any]]] = []
    for n, event in enumerate(events):
        late = rng.random() < 0.10
        slots.append((n + (rng.uniform(1, 5) * batch if late else 0), n, event))
        if rng.random() < 0.10:
            slots.append((n + rng.uniform(0, 5) * batch, n, event))
    return [event for _, _, event in sorted(slots, key=lambda s: (s[0], s[1]))]


def send(client: TestClient, token: str, events: list[dict[str, Any]], batch: int) -> Timed:
    headers = {"Authorization": f"Bearer {token}"}
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(events), batch):
        body = {"events": events[start : start + batch]}
        answer = client.post("/api/v1/events", json=body, headers=headers)
        if answer.status_code != 200:
            raise SystemExit(f"batch at {start}: {answer.status_code} {answer.text[:500]}")
    return Timed(len(events), time.perf_counter() - started, time.process_time() - cpu)


def check(c: Container, org: str, expected_events: int, parcels: int) -> str:
    """Every event stored once, every parcel delivered, no problem left."""
    with c.reader() as uow:
        conn = uow.scans._conn  # a count, for the bench only
        stored = conn.execute(
            select(func.count()).where(t.scan_events.c.organisation_id == org)
        ).scalar_one()
        problems = conn.execute(
            select(func.count()).where(
                t.scan_events.c.organisation_id == org, t.scan_events.c.problem.is_not(None)
            )
        ).scalar_one()
        delivered = conn.execute(
            select(func.count()).where(
                t.orders.c.organisation_id == org, t.orders.c.status == "delivered"
            )
        ).scalar_one()
    ok = stored == expected_events and delivered == parcels and problems == 0
    verdict = "ok" if ok else "MISMATCH"
    return (
        f"{stored} events stored, {delivered}/{parcels} delivered, {problems} problems: {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--baseline-events", type=int, default=2000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--streams",
        default="in order,messy,baseline",
        help="which streams to send, comma-separated (the ratio needs in order and baseline)",
    )
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="doorstep-events-"))
    url = args.database_url or f"sqlite:///{scratch / 'doorstep.db'}"
    settings = Settings(database_url=url, data_dir=scratch, fast_password_hashing=True)
    c = build(settings)
    c.migrate()
    backend = c.engine.dialect.name
    print(f"{backend}, {args.parcels} parcels x {len(DAY)} scans, batches of {args.batch}")
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    with TestClient(create_app(c)) as client:
        suffix = f"{time.time_ns() % 10**9}"
        runs = {}
        for label in [s.strip() for s in args.streams.split(",")]:
            count = args.parcels if label != "baseline" else -(-args.baseline_events // len(DAY))
            who = tenant(c, client, f"Bench {label} {suffix}", count)
            events = day_events(who.barcodes, args.seed)
            if label == "messy":
                events = messy(events, args.batch, args.seed)
            if label == "baseline":
                events = events[: args.baseline_events]
            batch = 1 if label == "baseline" else args.batch
            timed = send(client, who.token, events, batch)
            unique = len({e["id"] for e in events})
            runs[label] = timed
            extra = f", {len(events) - unique} of them duplicates" if label == "messy" else ""
            print(
                f"{label:>9}: {timed.events} events{extra} in {timed.seconds:.1f} s, "
                f"{timed.rate:,.0f} events/s (CPU {timed.cpu_seconds:.1f} s)"
            )
            if label != "baseline":
                print(f"           {check(c, who.org_id, unique, count)}")
    if {"in order", "baseline"} <= runs.keys():
        ratio = runs["in order"].rate / runs["baseline"].rate
        print(f"in-order batches / one per request: {ratio:.1f}x")
    print(f"load after: {os.getloadavg()[0]:.2f}")
    c.close()


if __name__ == "__main__":
    main()
