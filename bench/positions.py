"""GPS ping ingestion through POST /api/v1/positions, and one vehicle's day out of a full day.

    python bench/positions.py                                   # SQLite, 200 vans x 10 h
    python bench/positions.py --database-url postgresql+psycopg://user@127.0.0.1:54329/doorstep
    python bench/positions.py --vehicles 20 --api-pings 5000    # a quick look

Ingestion goes through the real API (FastAPI's TestClient, in this process: JSON parsing,
validation and the database all count; no network), in a fresh organisation of --vehicles
vans with a telematics key: --api-pings pings in batches of 1,000, the same in batches of
5,000, one of those batches sent again (a retry: all duplicates), and the baseline, the naive
way: --baseline-pings pings one per request.

Then a day is stored straight through the repository (the storage alone, batches of 5,000 in
time order, every van pinging every --interval-s seconds for --hours hours: 720,000 pings by
default), and the breadcrumb query (one van's day, in time order) is timed through the
service and through the repository, then again with the (organisation, vehicle, time) index
dropped inside a transaction that is rolled back. Figures are printed; nothing is asserted.
On PostgreSQL the database must exist and be empty or migrated; the bench's organisations
are left in it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time as clock
from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import text  # noqa: E402

from doorstep.bootstrap import Container, build  # noqa: E402
from doorstep.config import Settings  # noqa: E402
from doorstep.domain.accounts import Role  # noqa: E402
from doorstep.domain.fleet import Capacity, Vehicle, VehicleType  # noqa: E402
from doorstep.domain.geo import Location  # noqa: E402
from doorstep.domain.positions import Ping, PingSource  # noqa: E402
from doorstep.domain.schedules import DailyWindow, OpeningHours  # noqa: E402
from doorstep.domain.stations import Station  # noqa: E402
from doorstep.entrypoints.api.app import create_app  # noqa: E402
from doorstep.services import accounts, positions  # noqa: E402
from doorstep.services.authorization import system_principal  # noqa: E402

ZONE = ZoneInfo("Europe/Helsinki")
# Yesterday: the server refuses pings from a device clock ahead of its own.
DAY = datetime.now(ZONE).date() - timedelta(days=1)
START = datetime.combine(DAY, time(7), ZONE)


def organisation(c: Container, name: str, vehicles: int) -> tuple[str, str, list[str]]:
    """A new organisation with a station and ``vehicles`` vans; its id, a telematics key's
    secret and the vans' ids."""
    setup = accounts.ensure_organisation(
        name, f"admin@{accounts.slugify(name)}.test", "bench password 1",
        uow=c.uow(), clock=c.clock, ids=c.ids, hasher=c.hasher,
    )  # fmt: skip
    org = setup.organisation.id
    _, secret = accounts.create_api_key(
        system_principal(org), "telematics", frozenset({Role.DRIVER}),
        uow=c.uow(), clock=c.clock, ids=c.ids, secrets=c.secrets,
    )  # fmt: skip
    hours = OpeningHours.every_day(DailyWindow(time(6), time(22)))
    station = Station(
        c.ids.new_id("stn"), org, "HEL1", "Helsinki", Location(60.17, 24.94), "Main St 1",
        "Europe/Helsinki", hours,
    )  # fmt: skip
    vans = [c.ids.new_id("veh") for _ in range(vehicles)]
    with c.uow() as uow:
        uow.stations.add(station)
        for n, van in enumerate(vans):
            shift = DailyWindow(time(7), time(17))
            capacity = Capacity(800, 6000, 120)
            uow.vehicles.add(
                Vehicle(van, org, station.id, f"Van {n}", VehicleType.VAN, capacity, shift)
            )
        uow.commit()
    return org, secret, vans


def fix(
    vans: list[str], step: int, n: int, interval_s: int = 10
) -> tuple[str, str, datetime, float, float]:
    """Van ``n``'s ``step``-th fix: a slow drift from its own start, every ``interval_s``."""
    at = START + timedelta(seconds=interval_s * step)
    return f"tel-{n}", vans[n], at, 60.10 + n * 1e-3 + step * 1e-5, 24.80 + step * 1e-5


def api_pings(vans: list[str], count: int, first_step: int) -> list[dict[str, Any]]:
    found = []
    for i in range(count):
        device, van, at, lat, lon = fix(vans, first_step + i // len(vans), i % len(vans))
        found.append(
            {
                "device_id": device,
                "vehicle_id": van,
                "device_time": at.isoformat(),
                "lat": lat,
                "lon": lon,
                "accuracy_m": 6.5,
                "speed_mps": 8.3,
                "heading_deg": 45.0,
                "source": "telematics",
            }
        )
    return found


def send(client: TestClient, secret: str, pings: list[dict[str, Any]], batch: int) -> float:
    """Pings per second through the API, counting every ping sent."""
    headers = {"Authorization": f"Bearer {secret}"}
    started = clock.perf_counter()
    for start in range(0, len(pings), batch):
        answer = client.post(
            "/api/v1/positions", json={"pings": pings[start : start + batch]}, headers=headers
        )
        if answer.status_code != 200 or answer.json()["rejected"]:
            raise SystemExit(f"batch at {start}: {answer.status_code} {answer.text[:500]}")
    return len(pings) / (clock.perf_counter() - started)


def day_chunks(vans: list[str], steps: int, interval_s: int, size: int) -> Iterator[list[Ping]]:
    """The whole day in time order (every van at each step), ``size`` pings at a time."""
    chunk: list[Ping] = []
    for step in range(steps):
        for n in range(len(vans)):
            device, van, at, lat, lon = fix(vans, step, n, interval_s)
            chunk.append(Ping(device, van, at, lat, lon, 6.5, 8.3, 45.0, PingSource.TELEMATICS))
            if len(chunk) == size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def store_day(
    c: Container, org: str, vans: list[str], steps: int, interval_s: int
) -> tuple[int, float]:
    stored, started = 0, clock.perf_counter()
    for chunk in day_chunks(vans, steps, interval_s, 5000):
        with c.uow() as uow:
            stored += uow.positions.add_many(org, chunk)
            uow.commit()
    return stored, clock.perf_counter() - started


def timed_ms(run: Callable[[], int], repeat: int = 7) -> tuple[float, int]:
    """The median wall time of ``run`` in milliseconds, and the rows it returned."""
    times, rows = [], 0
    for _ in range(repeat):
        started = clock.perf_counter()
        rows = run()
        times.append((clock.perf_counter() - started) * 1000)
    return statistics.median(times), rows


def queries(c: Container, org: str, van: str) -> None:
    admin = system_principal(org)
    end = START + timedelta(days=1)

    def service() -> int:
        return len(positions.breadcrumbs(admin, van, DAY, uow=c.reader()))

    def repository(uow: Any) -> Callable[[], int]:
        return lambda: len(uow.positions.between(org, van, START, end))

    ms, rows = timed_ms(service)
    print(f"breadcrumbs of one van's day (service): {rows} pings in {ms:.1f} ms")
    with c.reader() as uow:
        ms, rows = timed_ms(repository(uow))
    print(f"  the query alone (repository):         {rows} pings in {ms:.1f} ms")
    with c.uow() as uow:  # dropped and restored by the rollback
        uow.positions._conn.execute(text("DROP INDEX ix_positions_vehicle_time"))
        ms, rows = timed_ms(repository(uow), repeat=3)
    print(f"  the same without the vehicle index:   {rows} pings in {ms:.1f} ms")
    with c.reader() as uow:
        started = clock.perf_counter()
        last = uow.positions.latest(org, van)
        ms = (clock.perf_counter() - started) * 1000
    print(f"last position of one van: {ms:.2f} ms ({last.device_time if last else None})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vehicles", type=int, default=200)
    parser.add_argument("--hours", type=float, default=10)
    parser.add_argument("--interval-s", type=int, default=10, help="seconds between fixes")
    parser.add_argument("--api-pings", type=int, default=20_000)
    parser.add_argument("--baseline-pings", type=int, default=500)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="doorstep-positions-"))
    url = args.database_url or f"sqlite:///{scratch / 'doorstep.db'}"
    c = build(Settings(database_url=url, data_dir=scratch, fast_password_hashing=True))
    c.migrate()
    print(
        f"{c.engine.dialect.name}; machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}"
    )
    suffix = f"{clock.time_ns() % 10**9}"
    with TestClient(create_app(c)) as client:
        _, secret, vans = organisation(c, f"Bench api {suffix}", args.vehicles)
        n = args.api_pings
        per_step = -(-n // len(vans))
        rates = {
            "batches of 1,000": send(client, secret, api_pings(vans, n, 0), 1000),
            "batches of 5,000": send(client, secret, api_pings(vans, n, per_step), 5000),
            "a 5,000 batch again": send(client, secret, api_pings(vans, 5000, per_step), 5000),
            "one per request": send(
                client, secret, api_pings(vans, args.baseline_pings, 2 * per_step), 1
            ),
        }
    for label, rate in rates.items():
        print(f"API {label:>20}: {rate:>9,.0f} pings/s")
    ratio = rates["batches of 5,000"] / rates["one per request"]
    print(f"batches of 5,000 / one per request: {ratio:.0f}x")
    steps = int(args.hours * 3600 / args.interval_s)
    day_org, _, day_vans = organisation(c, f"Bench day {suffix}", args.vehicles)
    stored, seconds = store_day(c, day_org, day_vans, steps, args.interval_s)
    print(
        f"a day of {args.vehicles} vans x {steps} fixes: {stored:,} pings stored in "
        f"{seconds:.1f} s, {stored / seconds:,.0f} rows/s (repository, batches of 5,000)"
    )
    queries(c, day_org, day_vans[len(day_vans) // 2])
    print(f"load after: {os.getloadavg()[0]:.2f}")
    c.close()


if __name__ == "__main__":
    main()
