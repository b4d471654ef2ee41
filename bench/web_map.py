"""A 2,000-stop day's plan map: what ``GET /api/v1/plans/{id}/map`` costs the server.

    python bench/web_map.py                   # 2,000 orders on the bundled Helsinki roads
    python bench/web_map.py --orders 500      # a quick look

In a scratch data directory (SQLite, the bundled Helsinki extract as the region) it makes an
organisation with ``--orders`` ready orders, plans and publishes the day as the browser tests
do (``simulation.demo``, PyVRP stopped after --iterations), then asks the running
application (FastAPI's TestClient, a bearer token) for the plan's map:

- **cold**: the first answer, when the road path of every leg is looked up; split into the
  service (``plan_map.plan_map``: the plan read and the paths), the output model, and the
  JSON, each timed on its own after the request;
- **warm**: the median of --repeat later answers, served from the application's map cache;
- **straight**: ``?roads=false`` (stop to stop, no road paths), cold;
- what the cold answer would weigh gzipped (the server sends it plain today).

Baseline in the same run: the straight map. Browser-side drawing is measured by
``tests/entrypoints/web/test_map_load.py`` (var/screenshots/map-load.json). Nothing is
asserted: these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from doorstep.adapters.roads.regions import RegionStore, bundled_helsinki
from doorstep.bootstrap import build, optimizer
from doorstep.config import Settings
from doorstep.entrypoints.api.app import create_app
from doorstep.entrypoints.api.schemas.plans import PlanMapOut
from doorstep.services import accounts
from doorstep.services.authorization import system_principal
from doorstep.services.planning import plan_map
from doorstep.simulation import demo
from doorstep.simulation.world import SimClock

DAY = date(2026, 11, 23)
ZONE = "Europe/Helsinki"
T = TypeVar("T")
PASSWORD = "correct horse battery"  # noqa: S105 - a scratch database's only login


def timed(call: Callable[[], T]) -> tuple[T, float]:
    """The call's result and its wall time in milliseconds."""
    start = time.perf_counter()
    result = call()
    return result, (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="web-map-bench-"))
    regions = RegionStore(work / "regions")
    regions.build(bundled_helsinki())
    settings = Settings(
        data_dir=work, database_url=f"sqlite:///{work / 'doorstep.db'}",
        fast_password_hashing=True, region="helsinki",
    )  # fmt: skip
    clock = SimClock(datetime.combine(DAY, clock_time(7, 0), ZoneInfo(ZONE)))
    c = build(settings, clock=clock)
    c.migrate()
    setup = accounts.ensure_organisation(
        "Bench", "admin@bench.test", PASSWORD, uow=c.uow(), clock=c.clock, ids=c.ids,
        hasher=c.hasher, admin_name="Ada Admin",
    )  # fmt: skip
    principal = system_principal(setup.organisation.id)
    places = [a.location for a in c.regions.addresses("helsinki").known()]
    ports = demo.DemoPorts(c.uow, c.clock, demo.CountingIds("bench"), c.travel())
    station, made_ms = timed(
        lambda: demo.prepare(
            principal, ports=ports, places=places, orders_count=args.orders, seed=1, day=DAY,
            timezone=ZONE,
        )
    )  # fmt: skip
    version, plan_ms = timed(
        lambda: demo.plan(
            principal, station, DAY, ports=ports, optimizer=optimizer(),
            iterations=args.iterations, seed=1,
        )
    )  # fmt: skip
    stops = sum(len(r.stop_ids) for r in version.plan.routes)
    routes = len(version.plan.routes)
    print(
        f"day: {args.orders} orders made in {made_ms / 1000:.1f} s, planned in "
        f"{plan_ms / 1000:.1f} s: {stops} stops on {routes} routes"
    )

    with TestClient(create_app(c)) as client:
        token = client.post(
            "/api/v1/auth/login", json={"email": "admin@bench.test", "password": PASSWORD}
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        url = f"/api/v1/plans/{version.id}/map"
        cold, cold_ms = timed(lambda: client.get(url, headers=auth))
        assert cold.status_code == 200, cold.text
        warm = [timed(lambda: client.get(url, headers=auth))[1] for _ in range(args.repeat)]
        straight, straight_ms = timed(lambda: client.get(f"{url}?roads=false", headers=auth))
        assert straight.status_code == 200, straight.text

    # The cold answer's parts, again, one by one (the cache is per application).
    found, service_ms = timed(
        lambda: plan_map.plan_map(principal, version.id, uow=c.reader(), travel=c.travel())
    )
    model, model_ms = timed(lambda: PlanMapOut.of(found))
    _, json_ms = timed(model.model_dump_json)
    points = sum(len(r["path"]) for r in cold.json()["routes"])
    print(
        f"cold:     {cold_ms:7.0f} ms  ({len(cold.content) / 1024:.0f} KiB, {points} path points)"
    )
    zipped, zip_ms = timed(lambda: gzip.compress(cold.content, compresslevel=5))
    print(f"  gzip    {zip_ms:7.0f} ms  would send {len(zipped) / 1024:.0f} KiB")
    print(f"  service {service_ms:7.0f} ms  (plan read + road paths)")
    print(f"  model   {model_ms:7.0f} ms")
    print(f"  json    {json_ms:7.0f} ms")
    print(f"warm:     {statistics.median(warm):7.0f} ms  (median of {args.repeat}, cached map)")
    print(
        f"straight: {straight_ms:7.0f} ms  ({len(straight.content) / 1024:.0f} KiB, no road paths)"
    )
    c.close()


if __name__ == "__main__":
    main()
