"""Order intake: a 10,000-row order file through `doorstep orders import`, against one by one.

    python bench/intake.py                                      # 10,000 rows, 25 km city
    python bench/intake.py --rows 2000 --baseline-rows 200 --synth-km 8   # a quick look
    python bench/intake.py --work /tmp/intake-bench             # keep the built city
    python bench/intake.py --inline        # the import without its worker pool, as the API's

It builds a synthetic city (`doorstep region synth`, through RegionStore) in a scratch data
directory, creates two organisations with one station each at the city centre (`doorstep
init`, `doorstep stations add`), and writes --rows sample orders at the city's addresses with
the sample generator (`doorstep orders sample`: mixed phone formats, a third with pins, 8 %
with one realistic mistake). Then it times, in this process:

1. the import of the file through the real command (`doorstep orders import FILE --station
   SYN1 --json`, via Typer's CliRunner): reading, parsing, geocoding, the data checks (phone,
   service area, roads, windows) and saving, batch by batch. The command builds its own
   container, so the time includes loading the address index and the road graph; that setup
   is also timed on its own and reported, to give the steady rate;
2. the same file imported again, which must leave every row unchanged;
3. the baseline, the naive way: the first --baseline-rows rows of the same file created one
   by one through the single-order service (`services.orders.create_order`, one transaction
   and one run of the same checks per order) in the second organisation, with a container
   warmed up beforehand, so the baseline pays no setup at all.

It prints rows per second for each, the ratio of the import to the baseline, the import's
summary, and how the injected mistakes came out (held for a person, placed near the true
address). Nothing is asserted: the figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from typer.testing import CliRunner, Result  # noqa: E402

from doorstep.adapters.roads.regions import RegionStore  # noqa: E402
from doorstep.adapters.roads.synth import write_synthetic_city  # noqa: E402
from doorstep.adapters.spreadsheets import read_table, write_table  # noqa: E402
from doorstep.bootstrap import Container, build  # noqa: E402
from doorstep.domain.geo import Location, distance_m  # noqa: E402
from doorstep.domain.order_status import OrderStatus  # noqa: E402
from doorstep.domain.orders import Order, Recipient  # noqa: E402
from doorstep.entrypoints.cli.main import app  # noqa: E402
from doorstep.services import accounts, orders  # noqa: E402
from doorstep.services.authorization import Principal, system_principal  # noqa: E402
from doorstep.services.intake.columns import recognise  # noqa: E402
from doorstep.services.intake.rows import OrderDraft, RowRejected, parse_row  # noqa: E402
from doorstep.services.ports import OrderFilter  # noqa: E402
from doorstep.simulation.mistakes import Mistake  # noqa: E402
from doorstep.simulation.sample_orders import SampleSet, sample_orders  # noqa: E402

STATION = "SYN1"
PASSWORD = "bench password 123"  # noqa: S105 - a throwaway database's admin
IMPORT_ORG, NAIVE_ORG = "Bench Import", "Bench Naive"
PLACED_NEAR_M = 50.0  # an order placed this close to its true address is in the right place
# Variables a developer's shell may hold that would point the commands elsewhere.
_OUTSIDE = ("DOORSTEP_DATABASE_URL", "DOORSTEP_ORG", "DOORSTEP_ORG_SLUG", "DOORSTEP_GEOCODER")


@dataclass
class Timed:
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def doorstep(*args: str) -> Result:
    """``doorstep ARGS`` in this process, as the shell would run it; stops the bench on failure."""
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def checked(result: Result) -> Result:
    if result.exit_code != 0:
        sys.exit(f"command failed ({result.exit_code}):\n{result.output}")
    return result


def prepare(work: Path, km: float, region: str) -> RegionStore:
    """The scratch data directory: the city built (or reused), a fresh database."""
    data = work / "data"
    for stale in data.glob("doorstep.db*"):
        stale.unlink()  # every run imports into an empty database; the city is kept
    os.environ.update(
        {
            "DOORSTEP_DATA_DIR": str(data),
            "DOORSTEP_REGION": region,
            "DOORSTEP_FAST_PASSWORD_HASHING": "1",
            "DOORSTEP_TRAVEL_PROVIDER": "road",
        }
    )
    for name in _OUTSIDE:
        os.environ.pop(name, None)
    sources = data / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    pbf = sources / f"{region}.osm.pbf"
    started = time.perf_counter()
    if not pbf.exists():
        summary = write_synthetic_city(pbf, name=region, size_km=km, seed=0)
        print(
            f"synthetic city {km:g} km: {summary.intersections:,} intersections, "
            f"{summary.addresses:,} addresses"
        )
    store = RegionStore(data / "regions")
    info, built = store.build(pbf, name=region, timezone="UTC")
    what = "built" if built else "reused"
    print(f"region {region} {what} in {time.perf_counter() - started:.1f} s")
    checked(doorstep("init", "--org", IMPORT_ORG, "--admin-email", "import@bench.test",
                     "--admin-password", PASSWORD))  # fmt: skip
    checked(doorstep("init", "--org", NAIVE_ORG, "--admin-email", "naive@bench.test",
                     "--admin-password", PASSWORD))  # fmt: skip
    min_lat, min_lon, max_lat, max_lon = info.bbox
    lat, lon = f"{(min_lat + max_lat) / 2:.6f}", f"{(min_lon + max_lon) / 2:.6f}"
    for org in (IMPORT_ORG, NAIVE_ORG):
        checked(
            doorstep(
                "stations", "add", "--code", STATION, "--name", "Synth Central",
                "--lat", lat, "--lon", lon, "--org", accounts.slugify(org),
            )
        )  # fmt: skip
    return store


def write_orders(
    store: RegionStore, region: str, path: Path, rows: int, day: date, mistakes: float
) -> SampleSet:
    started = time.perf_counter()
    addresses = store.addresses(region).known()
    loaded = time.perf_counter() - started
    samples = sample_orders(
        addresses, count=rows, seed=1, day=day, timezone="UTC", mistakes=mistakes
    )
    write_table(path, samples.header, samples.rows)
    print(
        f"{rows:,} sample orders for {day} ({sum(m != 'none' for m in _kinds(samples)):,} with a "
        f"mistake) from {len(addresses):,} addresses in {time.perf_counter() - started:.1f} s "
        f"(addresses loaded in {loaded:.1f} s) -> {path.name}, {path.stat().st_size / 1e6:.1f} MB"
    )
    return samples


def import_file(path: Path) -> tuple[Timed, dict[str, Any]]:
    """``doorstep orders import FILE --station SYN1 --json``, timed; returns its JSON answer."""
    args = ("orders", "import", str(path), "--station", STATION, "--json")
    started = time.perf_counter()
    result = doorstep(*args, "--org", accounts.slugify(IMPORT_ORG))
    seconds = time.perf_counter() - started
    # Before forking its workers the command froze the objects it found, for good: a real
    # `doorstep orders import` is a process that ends with the import. Here the bench goes on,
    # and what it times next must not run faster for it.
    gc.unfreeze()
    if result.exit_code not in (0, 1):  # 1: some rows were rejected, the others saved
        sys.exit(f"import failed ({result.exit_code}):\n{result.output[-3000:]}")
    answer: dict[str, Any] = json.loads(result.stdout)
    return Timed(len(answer["rows"]), seconds), answer


def warm_container() -> tuple[Container, float]:
    """A container with the address index and road graph loaded, and how long that took.

    This is the setup `orders import` pays inside its time (it builds its own container).
    """
    started = time.perf_counter()
    container = build()
    checks = container.checks()
    probe = Location(*_centre(container))
    checks.geocoder.reverse(probe, radius_m=5000.0)
    checks.travel.snap([probe])
    return container, time.perf_counter() - started


def naive(container: Container, path: Path, rows: int) -> tuple[Timed, int]:
    """The first ``rows`` rows created one by one through ``create_order``; returns failures."""
    principal = _principal(container, NAIVE_ORG)
    checks = container.checks()
    table = read_table(path)
    columns = recognise(table.header)
    zone = ZoneInfo(container.timezone())
    failed = 0
    done = 0
    started = time.perf_counter()
    with table:
        for number, cells in table.rows:
            if done == rows:
                break
            done += 1
            draft = parse_row(
                number,
                columns.cells(cells),
                timezone=zone,
                default_date=None,
                default_shipper=accounts.slugify(NAIVE_ORG),
                formats=columns.formats,
            )
            if isinstance(draft, RowRejected):
                failed += 1
                continue
            orders.create_order(
                principal,
                _fields(draft),
                uow=container.uow(),
                clock=container.clock,
                ids=container.ids,
                checks=checks,
            )
    return Timed(done, time.perf_counter() - started), failed


def _fields(draft: OrderDraft) -> Mapping[str, Any]:
    """The order a row describes, as the single-order service takes it (as the import saves it)."""
    fields: dict[str, Any] = {
        "shipper": draft.shipper,
        "shipper_reference": draft.reference,
        "kind": draft.kind,
        "station_id": draft.station or STATION,
        "recipient": Recipient(draft.name, draft.phone, draft.email),
        "address": draft.address,
        "location": draft.location,
        "service_date": draft.service_date,
        "time_windows": draft.time_windows,
        "parcels": draft.parcels,
        "priority": draft.priority,
        "proof": draft.proof,
        "access_notes": draft.notes,
        "fingerprint": draft.fingerprint,
    }
    if draft.service_duration_s is not None:
        fields["service_duration_s"] = draft.service_duration_s
    return fields


def outcomes(container: Container, samples: SampleSet, answer: dict[str, Any]) -> None:
    """Per mistake kind: rows, held for a person, and placed near the true address."""
    principal = _principal(container, IMPORT_ORG)
    placed: dict[str, Order] = {}
    cursor: str | None = None
    while True:
        page = orders.list_orders(
            principal, OrderFilter(), cursor=cursor, limit=500, uow=container.reader()
        )
        placed |= {o.shipper_reference: o for o in page.orders}
        cursor = page.next_cursor
        if cursor is None:
            break
    rows: Counter[str] = Counter()
    held: Counter[str] = Counter()
    near: Counter[str] = Counter()
    flags: dict[str, Counter[str]] = {}
    by_reference = {row["reference"]: row for row in answer["rows"]}
    for label in samples.labels:
        kind = label.mistake.value
        rows[kind] += 1
        order = placed.get(label.reference)
        row = by_reference.get(label.reference, {})
        if row.get("status") == OrderStatus.NEEDS_ATTENTION.value:
            held[kind] += 1
        flags.setdefault(kind, Counter()).update(f["code"] for f in row.get("flags", []))
        if order is not None and order.location is not None:
            near[kind] += distance_m(order.location, label.address.location) <= PLACED_NEAR_M
    print(f"\n{'mistake':<20} {'rows':>6} {'held':>6} {'placed <50 m':>13}  most common flags")
    for kind in [m.value for m in Mistake]:
        if rows[kind]:
            common = ", ".join(f"{code} {n}" for code, n in flags[kind].most_common(3))
            print(
                f"{kind:<20} {rows[kind]:>6,} {held[kind] / rows[kind]:>6.0%} "
                f"{near[kind] / rows[kind]:>13.0%}  {common or '-'}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--baseline-rows", type=int, default=1_000)
    parser.add_argument("--synth-km", type=float, default=25.0)
    parser.add_argument("--mistakes", type=float, default=0.08)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--work", type=Path, help="keep the data directory here (reuses the city)")
    parser.add_argument(
        "--inline", action="store_true", help="import without the worker pool (executor=None)"
    )
    args = parser.parse_args()
    if args.inline:
        # The command takes its pool from the container; without one it parses and checks
        # every batch in this process, as the API's import does.
        Container.executor = _no_pool  # type: ignore[assignment,method-assign]
    region = f"synth{args.synth_km:g}km".replace(".", "-")
    print(
        f"machine: {os.cpu_count()} cores" + (", import without worker pool" if args.inline else "")
    )
    scratch = None if args.work else Path(tempfile.mkdtemp(prefix="doorstep-intake-"))
    work = args.work or scratch
    assert work is not None
    try:
        store = prepare(work, args.synth_km, region)
        day = datetime.now(UTC).date() + timedelta(days=1)
        path = work / f"orders-{args.rows}.{args.format}"
        samples = write_orders(store, region, path, args.rows, day, args.mistakes)

        first, answer = import_file(path)
        print(
            f"\nimport      {first.rows:>7,} rows in {first.seconds:6.1f} s = "
            f"{first.rate:7,.0f} rows/s   {answer['summary']}"
        )
        again, second = import_file(path)
        unchanged = second["summary"].get("unchanged", 0)
        verdict = "all unchanged" if unchanged == again.rows else f"ONLY {unchanged} unchanged"
        print(
            f"again       {again.rows:>7,} rows in {again.seconds:6.1f} s = "
            f"{again.rate:7,.0f} rows/s   {verdict}"
        )

        container, setup_s = warm_container()
        try:
            baseline, failed = naive(container, path, min(args.baseline_rows, args.rows))
            steady = Timed(first.rows, max(first.seconds - setup_s, 1e-9))
            print(
                f"setup       address index + road graph loaded in {setup_s:.1f} s "
                f"(inside the import's time)"
            )
            print(
                f"baseline    {baseline.rows:>7,} rows in {baseline.seconds:6.1f} s = "
                f"{baseline.rate:7,.0f} rows/s   create_order one by one, warm"
                + (f", {failed} rows unreadable" if failed else "")
            )
            print(
                f"\nimport / baseline: {first.rate / baseline.rate:.1f}x as measured, "
                f"{steady.rate / baseline.rate:.1f}x without the import's setup "
                f"({steady.rate:,.0f} rows/s)"
            )
            outcomes(container, samples, answer)
        finally:
            container.close()
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _no_pool(container: Container) -> None:
    return None


def _principal(container: Container, organisation: str) -> Principal:
    found = accounts.list_organisations(uow=container.reader())
    slug = accounts.slugify(organisation)
    return system_principal(next(o.id for o in found if o.slug == slug))


def _centre(container: Container) -> tuple[float, float]:
    min_lat, min_lon, max_lat, max_lon = container.regions.info(container.settings.region).bbox
    return (min_lat + max_lat) / 2, (min_lon + max_lon) / 2


def _kinds(samples: SampleSet) -> list[str]:
    return [label.mistake.value for label in samples.labels]


if __name__ == "__main__":
    main()
