"""Live notices cross processes: a page on one `doorstep serve` hears a scan sent to another."""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Role
from doorstep.domain.geo import Location
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Address, Order, OrderKind, Parcel, Recipient
from doorstep.services import accounts
from doorstep.services.authorization import system_principal
from tests.entrypoints.cli.test_scans_kill import _post
from tests.support.server import STARTUP_LIMIT_S, free_port, health, running

T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
# A hang guard only: heartbeats (every 15 s) keep each read well inside the socket's timeout.
HANG_GUARD_S = 60.0


def _setup(c: Container) -> tuple[str, str]:
    """An organisation with one ready order (parcel LIVE-1) and an admin's API key."""
    setup = accounts.ensure_organisation(
        "Live Couriers", "admin@live.test", "a long password 1", uow=c.uow(), clock=c.clock,
        ids=c.ids, hasher=c.hasher,
    )  # fmt: skip
    org = setup.organisation.id
    _, secret = accounts.create_api_key(
        system_principal(org), "ops", frozenset({Role.ADMIN}), uow=c.uow(), clock=c.clock,
        ids=c.ids, secrets=c.secrets,
    )  # fmt: skip
    order = Order(
        id="ord_live_1", organisation_id=org, shipper="acme", shipper_reference="L-1",
        kind=OrderKind.DELIVERY, recipient=Recipient("Ann"), address=Address("Live Street 1"),
        created_at=T0, location=Location(60.17, 24.94), parcels=(Parcel("LIVE-1", 1.0),),
    )  # fmt: skip
    order.move_to(OrderStatus.READY, T0)
    with c.uow() as uow:
        uow.orders.add_many([order])
        uow.commit()
    return org, secret


def _server(stack: ExitStack, c: Container, tmp_path: Path, name: str) -> str:
    """Start `doorstep serve` on the test's database; its base URL once it answers."""
    port = free_port()
    env = {
        **os.environ,
        "DOORSTEP_DATABASE_URL": c.settings.resolved_database_url,
        "DOORSTEP_DATA_DIR": str(tmp_path / name),
    }
    command = [sys.executable, "-m", "doorstep.entrypoints.cli.main", "serve", "--port", str(port)]
    server = stack.enter_context(running(command, env, tmp_path / f"{name}.log"))
    base = f"http://127.0.0.1:{port}"
    answered = health(f"{base}/healthz", time.monotonic() + STARTUP_LIMIT_S, server)
    assert answered is not None, (tmp_path / f"{name}.log").read_text(errors="replace")
    return base


def _notices(lines: Iterator[bytes]) -> Iterator[dict[str, Any]]:
    deadline = time.monotonic() + HANG_GUARD_S
    for line in lines:
        if line.startswith(b"data: "):
            yield json.loads(line.removeprefix(b"data: "))
        assert time.monotonic() < deadline, f"no notice within {HANG_GUARD_S} s"


@pytest.mark.parametrize("backend", ["postgresql"])  # several processes share PostgreSQL only
def test_a_page_on_one_server_hears_a_scan_sent_to_another(
    container: Container, tmp_path: Path
) -> None:
    """Stream from process A, scan through process B: A's stream names the order's new status."""
    _, token = _setup(container)
    auth = {"Authorization": f"Bearer {token}"}
    with ExitStack() as stack:
        a, b = (_server(stack, container, tmp_path, name) for name in ("a", "b"))
        request = urllib.request.Request(f"{a}/api/v1/stream", headers=auth)  # noqa: S310
        stream = stack.enter_context(urllib.request.urlopen(request, timeout=30))  # noqa: S310
        assert stream.readline() == b": subscribed\n"  # A listens from here on
        event = {"id": "live-0001", "kind": "receive", "barcode": "LIVE-1"}  # ids: 8+ chars
        event["device_time"] = T0.replace(hour=7).isoformat()
        answer = _post(f"{b}/api/v1/events", token, [event])
        status = answer["results"][0]["parcel_status"]
        heard = next(n for n in _notices(stream) if n["kind"] == "orders.changed")
        stream.close()  # before the servers stop: an open stream would hold A's shutdown
    assert heard == {"kind": "orders.changed", "orders": {"ord_live_1": status}, "more": 0}
