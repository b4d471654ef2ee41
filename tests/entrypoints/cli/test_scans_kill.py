"""Scan events survive `kill -9` of a real server: every acknowledged event is stored once."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from doorstep.adapters.storage import tables as t
from doorstep.bootstrap import Container
from doorstep.domain.accounts import Role
from doorstep.domain.geo import Location
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Address, Order, OrderKind, Parcel, Recipient
from doorstep.services import accounts
from doorstep.services.authorization import system_principal
from tests.support.server import STARTUP_LIMIT_S, free_port, health, running

PARCELS = 600
BATCH = 100
T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def _setup(c: Container) -> tuple[str, str]:
    """An organisation with PARCELS ready orders and a driver's API key."""
    setup = accounts.ensure_organisation(
        "Kill Couriers", "admin@kill.test", "a long password 1", uow=c.uow(), clock=c.clock,
        ids=c.ids, hasher=c.hasher,
    )  # fmt: skip
    org = setup.organisation.id
    _, secret = accounts.create_api_key(
        system_principal(org), "handhelds", frozenset({Role.DRIVER}), uow=c.uow(),
        clock=c.clock, ids=c.ids, secrets=c.secrets,
    )  # fmt: skip
    orders = []
    for n in range(PARCELS):
        order = Order(
            id=f"ord_kill_{n:05d}", organisation_id=org, shipper="acme",
            shipper_reference=f"K-{n}", kind=OrderKind.DELIVERY, recipient=Recipient("Ann"),
            address=Address(f"Kill Street {n}"), created_at=T0, location=Location(60.17, 24.94),
            parcels=(Parcel(f"KILL-{n:05d}", 1.0),),
        )  # fmt: skip
        order.move_to(OrderStatus.READY, T0)
        orders.append(order)
    with c.uow() as uow:
        uow.orders.add_many(orders)
        uow.commit()
    return org, secret


def _batches() -> list[list[dict[str, Any]]]:
    """Receive, sort and load scans of every parcel, in batches of BATCH."""
    events = []
    for step, kind in enumerate(("receive", "sort", "load")):
        for n in range(PARCELS):
            event = {
                "id": f"kill-{kind}-{n:05d}",
                "kind": kind,
                "barcode": f"KILL-{n:05d}",
                "device_time": (T0 + timedelta(hours=step, seconds=n)).isoformat(),
            }
            event |= {"sort": {"lane": "L1"}, "load": {"vehicle_id": "veh_1"}}.get(kind, {})
            events.append(event)
    return [events[i : i + BATCH] for i in range(0, len(events), BATCH)]


def _post(url: str, token: str, batch: list[dict[str, Any]]) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - a local http URL
        url,
        data=json.dumps({"events": batch}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        answer: dict[str, Any] = json.load(response)
        return answer


def _stored(c: Container, org: str) -> set[str]:
    with c.reader() as uow:
        conn = uow.scans._conn  # the test reads the table as it is on disk
        rows = conn.execute(
            select(t.scan_events.c.id).where(t.scan_events.c.organisation_id == org)
        )
        return {row.id for row in rows}


def _serve(c: Container, tmp_path: Path, port: int, log: str) -> Any:
    env = {
        **os.environ,
        "DOORSTEP_DATABASE_URL": c.settings.database_url,
        "DOORSTEP_DATA_DIR": str(tmp_path / "data"),
    }
    command = [sys.executable, "-m", "doorstep.entrypoints.cli.main", "serve", "--port", str(port)]
    return running(command, env, tmp_path / log)


def test_killing_the_server_mid_ingestion_loses_no_acknowledged_event(
    container: Container, tmp_path: Path
) -> None:
    """SIGKILL while batches stream in; acknowledged events are on disk, resending completes."""
    org, token = _setup(container)
    batches = _batches()
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/v1/events"
    acknowledged: list[str] = []
    with _serve(container, tmp_path, port, "first.log") as server:
        health_url = f"http://127.0.0.1:{port}/healthz"
        assert health(health_url, time.monotonic() + STARTUP_LIMIT_S, server) is not None
        in_flight = threading.Event()

        def stream() -> None:
            for batch in batches:
                in_flight.set()
                try:
                    _post(url, token, batch)
                except (urllib.error.URLError, ConnectionError, OSError):
                    return  # the server died under this request: not acknowledged
                acknowledged.extend(e["id"] for e in batch)

        sender = threading.Thread(target=stream)
        sender.start()
        while len(acknowledged) < 3 * BATCH and sender.is_alive():
            time.sleep(0.005)
        in_flight.wait(5)
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        sender.join(30)
    assert len(acknowledged) >= 3 * BATCH, "the kill came before any batch was acknowledged"
    assert len(acknowledged) < PARCELS * 3, "the kill came after the last batch"
    on_disk = _stored(container, org)
    assert set(acknowledged) <= on_disk
    assert len(on_disk) % BATCH == 0, "a batch is stored whole or not at all"

    with _serve(container, tmp_path, port, "second.log") as server:
        assert health(health_url, time.monotonic() + STARTUP_LIMIT_S, server) is not None
        answers = [_post(url, token, batch) for batch in batches]
    duplicates = sum(a["counts"]["duplicate"] for a in answers)
    assert duplicates == len(on_disk)
    assert _stored(container, org) == {e["id"] for b in batches for e in b}
    assert all(a["counts"]["problems"] == 0 for a in answers)
