"""HttpActions against a real `doorstep serve` on a paced, simulated clock: each write of the
twin changes the server's state as the same call through the services would."""

from __future__ import annotations

import inspect
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from doorstep.adapters.system import PacedClock, SystemClock
from doorstep.adapters.twin_http import HttpActions, ServerUnavailable
from doorstep.bootstrap import Container, build
from doorstep.config import Settings
from doorstep.domain.errors import AuthenticationFailed, Conflict, InvalidValue, NotFound
from doorstep.domain.exceptions import Resolution
from doorstep.domain.geo import Location
from doorstep.domain.inspections import CHECKLIST, InspectionKind, ItemResult
from doorstep.domain.orders import (
    Address,
    OrderKind,
    Parcel,
    ProofKind,
    ProofRequirement,
    Recipient,
)
from doorstep.domain.proofs import Proof
from doorstep.domain.scans import FailReason, ScanKind
from doorstep.domain.schedules import TimeWindow
from doorstep.services.positions import IncomingPing
from doorstep.services.scans import IncomingScan
from doorstep.simulation.actions import Actions
from tests.entrypoints.api.conftest import Tenant, client, driver_body, tenant_a
from tests.entrypoints.api.test_plans import DAY, container, orders
from tests.entrypoints.api.test_station_day import publish_day
from tests.support.server import STARTUP_LIMIT_S, free_port, health, running, serve_command

__all__ = ["client", "container", "orders", "tenant_a"]  # fixtures, used by name

HELSINKI = ZoneInfo("Europe/Helsinki")
SERVICE_DAY = date.fromisoformat(DAY)
# The server's clock starts on the planned day's morning and runs a minute a second.
CLOCK_START = datetime(2026, 11, 23, 7, 0, tzinfo=HELSINKI)
SPEED = 60.0
PNG = b"\x89PNG\r\n\x1a\n" + b"a signature"
ALL_FINE = [ItemResult(item, ok=True) for item in CHECKLIST]


@dataclass
class Served:
    """The running server, the admin API key the twin uses, and the published plan."""

    url: str
    key: str
    plan_id: str
    log: Path

    def get(self, path: str, **params: str) -> Any:
        answer = httpx2.get(
            f"{self.url}/api/v1{path}", params=params, headers=self.auth, timeout=30
        )
        assert answer.status_code == 200, answer.text
        return answer.json() if answer.headers["content-type"].endswith("json") else answer

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def status(self, order_id: str) -> str:
        return str(self.get(f"/orders/{order_id}")["status"])

    def twin(self, **options: Any) -> HttpActions:
        return HttpActions(self.url, self.key, **options)


@pytest.fixture
def served(
    container: Container, client: TestClient, tenant_a: Tenant, orders: list[str], tmp_path: Path
) -> Iterator[Served]:
    """HEL1, a van, a driver and four orders (PARCEL-1..4) planned and published through the
    API in this process; then `doorstep serve` on the same database, on the simulated clock."""
    driver = client.post("/api/v1/drivers", json=driver_body(), headers=tenant_a.admin)
    assert driver.status_code == 201, driver.text
    plan_id = publish_day(client, tenant_a)
    created = client.post(
        "/api/v1/api-keys", json={"name": "twin", "roles": ["admin"]}, headers=tenant_a.admin
    )
    assert created.status_code == 201, created.text
    port, log = free_port(), tmp_path / "server.log"
    env = {
        **os.environ,
        "DOORSTEP_DATABASE_URL": container.settings.resolved_database_url,
        "DOORSTEP_DATA_DIR": str(tmp_path / "server"),
        "DOORSTEP_TRAVEL_PROVIDER": "haversine",
        "DOORSTEP_OUTBOX_INTERVAL_S": "0",
        "DOORSTEP_CLOCK_START": CLOCK_START.isoformat(),
        "DOORSTEP_CLOCK_SPEED": str(SPEED),
    }
    with running(serve_command(port), env, log) as server:
        url = f"http://127.0.0.1:{port}"
        answered = health(f"{url}/healthz", time.monotonic() + STARTUP_LIMIT_S, server)
        assert answered is not None, log.read_text(errors="replace")
        yield Served(url, created.json()["secret"], plan_id, log)


@pytest.fixture
def twin(served: Served) -> Iterator[HttpActions]:
    with served.twin() as actions:
        yield actions


def scan(kind: ScanKind, barcode: str, minutes: float, tag: str = "", **extra: Any) -> IncomingScan:
    at = CLOCK_START + timedelta(minutes=minutes)
    return IncomingScan(f"twin-{kind.value}{tag}-{barcode}", kind, barcode, at, **extra)


def test_the_http_twin_has_every_method_of_the_actions_port() -> None:
    """Checked here, where the simulation may be imported (adapters may not import it)."""
    port = [name for name in vars(Actions) if not name.startswith("_")]
    assert {"scans", "depart", "watch", "resolve_case"} <= set(port)
    for name in port:
        wanted = inspect.signature(getattr(Actions, name))
        assert inspect.signature(getattr(HttpActions, name)) == wanted, name


def test_a_day_over_http_changes_the_server_as_the_services_would(
    served: Served, twin: HttpActions, orders: list[str]
) -> None:
    lines = served.get("/stations/HEL1/sort-plan", date=DAY)["lines"]
    vehicle = lines[0]["vehicle_id"]
    lanes = {line["barcode"]: line["lane"] for line in lines}
    barcodes = [f"PARCEL-{n}" for n in range(1, 5)]

    # The server lives in the simulated morning (a bound of 12 hours, not a timing).
    assert "SIMULATED CLOCK" in served.log.read_text(errors="replace")
    now = datetime.fromisoformat(served.get("/stations/HEL1/dispatch", date=DAY)["at"])
    assert CLOCK_START <= now < CLOCK_START + timedelta(hours=12)

    # GPS pings an hour ahead of the real clock are taken: the server's clock is the day's.
    at_station = [
        IncomingPing("phone-1", vehicle, CLOCK_START + timedelta(seconds=20 * n), 60.1699,
                     24.9384, 5.0, 0.0)
        for n in range(3)
    ]  # fmt: skip
    twin.pings(at_station)
    trail = served.get(f"/vehicles/{vehicle}/breadcrumbs", date=DAY)["pings"]
    assert len(trail) == 3

    # Receive, sort and load: PARCEL-4 stays on the shelf.
    station_work = [scan(ScanKind.RECEIVE, code, 0.1) for code in barcodes]
    station_work += [scan(ScanKind.SORT, code, 0.2, lane=lanes[code]) for code in barcodes]
    station_work += [scan(ScanKind.LOAD, code, 0.3, vehicle_id=vehicle) for code in barcodes[:3]]
    twin.scans(station_work)
    assert [served.status(o) for o in orders] == ["loaded", "loaded", "loaded", "sorted"]

    # Without its pre-trip inspection the van may not leave; with parcels missing, only
    # with a reason: InvalidValue, as the service raises it in-process.
    twin.inspect(vehicle, SERVICE_DAY, InspectionKind.PRE_TRIP, ALL_FINE)
    with pytest.raises(InvalidValue, match="PARCEL-4") as refused:
        twin.depart("HEL1", SERVICE_DAY, vehicle)
    assert refused.value.field == "override_reason"
    twin.depart("HEL1", SERVICE_DAY, vehicle, override_reason="not on the shelf")
    departure = served.get(f"/stations/HEL1/load-out/{vehicle}", date=DAY)["departure"]
    assert (departure["missing"], departure["override_reason"]) == (
        ["PARCEL-4"],
        "not on the shelf",
    )
    assert datetime.fromisoformat(departure["departed_at"]) >= CLOCK_START
    assert served.status(orders[0]) == "out_for_delivery"

    # Dispatch watches the board, and resolves the case the missing parcel opened.
    twin.watch("HEL1", SERVICE_DAY)
    (case,) = [c for c in served.get("/exceptions")["items"] if c["type"] == "missing_parcel"]
    twin.resolve_case(case["id"], Resolution.RESCHEDULED, "on tomorrow's van")
    (done,) = served.get("/exceptions", status="resolved")["items"]
    assert (done["id"], done["resolution"]) == (case["id"], "rescheduled")

    # A delivery with its uploaded signature; a failed attempt brought back to the station.
    sha = twin.proof_file(PNG, "image/png")
    assert served.get(f"/proof-files/{sha}").content == PNG
    signed = Proof(recipient_name="Aino", signature_sha256=sha)
    twin.scans(
        [
            scan(ScanKind.DELIVER, "PARCEL-1", 180, proof=signed),
            scan(ScanKind.FAIL, "PARCEL-2", 181, reason=FailReason.RECIPIENT_ABSENT),
        ]
    )
    twin.scans([scan(ScanKind.RECEIVE, "PARCEL-2", 300, tag="-back")])
    statuses = [served.status(o) for o in orders]
    assert statuses == ["delivered", "received", "out_for_delivery", "sorted"]

    # The route ends after the post-trip inspection; the day closes: PARCEL-2 is re-planned.
    twin.inspect(vehicle, SERVICE_DAY, InspectionKind.POST_TRIP, ALL_FINE)
    twin.end_route(vehicle, SERVICE_DAY)
    (route,) = served.get("/stations/HEL1/dispatch", date=DAY)["routes"]
    assert route["state"] == "finished"
    twin.close_day("HEL1", SERVICE_DAY)
    again = served.get(f"/orders/{orders[1]}")
    assert date.fromisoformat(again["service_date"]) > SERVICE_DAY
    assert (twin.counts.requests, twin.counts.retries) == (13, 0)


class LosesAnswers(httpx2.BaseTransport):
    """In front of the real server: the next ``lose`` answers are replaced by a 502 after
    the server acted, as when a proxy or the network drops the answer."""

    def __init__(self) -> None:
        self.inner = httpx2.HTTPTransport()
        self.lose = 0
        self.forwarded = 0

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = self.inner.handle_request(request)
        self.forwarded += 1
        if self.lose == 0:
            return response
        self.lose -= 1
        response.read()
        response.close()
        return httpx2.Response(502, text="bad gateway", request=request)

    def close(self) -> None:
        self.inner.close()


def test_a_batch_whose_answer_is_lost_is_sent_again_and_stored_once(
    served: Served, orders: list[str]
) -> None:
    waits: list[float] = []
    lossy = LosesAnswers()
    with httpx2.Client(transport=lossy) as http:
        twin = served.twin(client=http, sleep=waits.append)
        batch = [scan(ScanKind.RECEIVE, f"PARCEL-{n}", 1) for n in range(1, 5)]
        lossy.lose = 1
        twin.scans(batch)
        assert (lossy.forwarded, twin.counts.requests, twin.counts.retries) == (2, 2, 1)
        stored = served.get("/events", limit="100")["items"]
        assert sorted(e["id"] for e in stored) == sorted(e.id for e in batch)
        assert [served.status(o) for o in orders] == ["received"] * 4

        # A new order: the retry carries the same Idempotency-Key, so one order is made.
        lossy.lose = 1
        made = twin.create_order(late_order("R-RETRY", "PARCEL-RETRY"))
        found = served.get("/orders", shipper_reference="R-RETRY")["items"]
        assert [o["id"] for o in found] == [made]

        # Closing the day would act twice: its lost answer is raised, not sent again.
        lossy.lose = 1
        before = twin.counts.requests
        with pytest.raises(ServerUnavailable, match="502"):
            twin.close_day("HEL1", SERVICE_DAY)
        assert twin.counts.requests == before + 1
    assert waits == [0.2, 0.2]


def test_a_request_that_finds_no_server_is_sent_again_then_raised() -> None:
    """Nothing listens: never sent, so even a departure is retried, with a growing wait."""
    waits: list[float] = []
    twin = HttpActions(f"http://127.0.0.1:{free_port()}", "dk_none", attempts=3, sleep=waits.append)
    with twin, pytest.raises(ServerUnavailable, match="3 attempts"):
        twin.depart("HEL1", SERVICE_DAY, "Van 1")
    assert (twin.counts.requests, twin.counts.retries) == (3, 2)
    assert waits == [0.2, 0.4]


def late_order(reference: str, barcode: str) -> dict[str, Any]:
    """A shipper's order of the day in the services' own values, as the twin holds them."""
    window = TimeWindow(CLOCK_START + timedelta(hours=2), CLOCK_START + timedelta(hours=8))
    return {
        "shipper": "acme", "shipper_reference": reference, "kind": OrderKind.DELIVERY,
        "station_id": "HEL1", "recipient": Recipient("Late Larsen", "+358 40 765 4321"),
        "address": Address("Street 9, 00100 Helsinki", city="Helsinki", country="FI"),
        "location": Location(60.1700, 24.9400), "service_date": SERVICE_DAY,
        "time_windows": (window,), "parcels": (Parcel(barcode, 2.5),),
        "proof": ProofRequirement(ProofKind.SIGNATURE), "required_skills": frozenset(),
    }  # fmt: skip


def test_a_new_order_joins_the_running_plan_and_a_broken_van_leaves_it(
    served: Served, twin: HttpActions
) -> None:
    new = twin.create_order(late_order("R-LATE", "PARCEL-LATE"))
    order = served.get(f"/orders/{new}")
    assert (order["status"], order["service_date"]) == ("ready", DAY)
    assert [p["barcode"] for p in order["parcels"]] == ["PARCEL-LATE"]

    twin.add_to_plan(served.plan_id, new)
    latest = served.get("/plans", station="HEL1", date=DAY)["items"][-1]
    assert (latest["number"], latest["status"]) == (2, "published")
    plan = served.get(f"/plans/{latest['id']}")
    (route,) = plan["routes"]
    assert new in [v["order_id"] for v in route["visits"]]
    # The old version again: refused as stale, nothing doubled.
    with pytest.raises(Conflict):
        twin.add_to_plan(served.plan_id, new)

    twin.take_off_road(latest["id"], route["vehicle_id"])
    newest = served.get("/plans", station="HEL1", date=DAY)["items"][-1]
    assert newest["number"] == 3
    assert served.get(f"/plans/{newest['id']}")["routes"] == []

    # 4xx answers raise the error the service raises in-process, with the server's words.
    with pytest.raises(NotFound, match="ord_nope"):
        twin.add_to_plan(newest["id"], "ord_nope")
    with pytest.raises(InvalidValue, match="NOPE") as unknown:
        twin.close_day("NOPE", SERVICE_DAY)
    assert unknown.value.field == "station"
    with pytest.raises(AuthenticationFailed), HttpActions(served.url, "dk_wrong") as stranger:
        stranger.close_day("HEL1", SERVICE_DAY)


class FakeWall:
    """A monotonic wall clock that moves only when told to, or when slept on."""

    def __init__(self) -> None:
        self.seconds = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.seconds

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.seconds += seconds


def test_the_paced_clock_runs_speed_times_the_wall_from_its_start() -> None:
    wall = FakeWall()
    clock = PacedClock(CLOCK_START, 60, wall=wall, sleep=wall.sleep)
    assert clock.now() == CLOCK_START
    assert clock.now().utcoffset() == timedelta(0), "in UTC, as the system clock"
    wall.seconds += 90  # a minute and a half of wall time: an hour and a half simulated
    assert clock.now() == CLOCK_START + timedelta(minutes=90)
    clock.sleep_until(CLOCK_START + timedelta(hours=2))
    assert wall.slept == [30.0]
    assert clock.now() == CLOCK_START + timedelta(hours=2)
    clock.sleep_until(CLOCK_START + timedelta(hours=1))  # past already: no wait
    assert wall.slept == [30.0]


def test_the_paced_clock_refuses_a_naive_start_or_a_speed_of_zero() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        PacedClock(datetime(2026, 11, 23, 7, 0), 60)
    with pytest.raises(ValueError, match="more than 0"):
        PacedClock(CLOCK_START, 0)


def test_clock_settings_are_checked_and_choose_the_containers_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValidationError, match=r"DOORSTEP_CLOCK_START .* has no UTC offset"):
        Settings(data_dir=tmp_path, clock_start="2026-11-23T07:00:00")
    for speed in (0, -2, 3601):
        with pytest.raises(ValidationError, match="clock_speed"):
            Settings(data_dir=tmp_path, clock_start=CLOCK_START, clock_speed=speed)
    real = build(Settings(data_dir=tmp_path))
    assert isinstance(real.clock, SystemClock)
    real.close()
    monkeypatch.setenv("DOORSTEP_CLOCK_START", "2026-11-23T07:00:00+02:00")
    monkeypatch.setenv("DOORSTEP_CLOCK_SPEED", "3600")
    paced = build(Settings(data_dir=tmp_path))
    assert isinstance(paced.clock, PacedClock)
    assert (paced.clock.start, paced.clock.speed) == (CLOCK_START, 3600)
    paced.close()
