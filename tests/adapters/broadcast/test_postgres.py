"""LISTEN/NOTIFY fan-out: a notice sent by one process reaches the subscribers of another."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import text

from doorstep.adapters.broadcast.postgres import (
    APPLICATION_NAME,
    MAX_NOTIFY_BYTES,
    PostgresBroadcaster,
    pack,
    unpack,
)
from doorstep.adapters.broadcast.wire import MAX_PAYLOAD_BYTES, RESYNC, encode
from doorstep.bootstrap import Container


def test_notices_are_packed_into_few_payloads_each_under_the_limit() -> None:
    """Many notices share NOTIFY payloads, none over the limit, and unpack to what was sent."""
    notices = [(f"order:o{n}", encode({"kind": "order.changed", "n": n})) for n in range(600)]
    packets = pack(notices)
    assert 1 < len(packets) < 10
    assert all(len(p.encode()) <= MAX_NOTIFY_BYTES for p in packets)
    found = [(c, encode(p)) for packet in packets for c, p in unpack(packet)]
    assert found == notices


def test_a_payload_as_big_as_allowed_still_fits_a_notify() -> None:
    """The largest payload encode lets through, with a long channel name, is one NOTIFY."""
    payload = encode({"kind": "k", "pad": "x" * (MAX_PAYLOAD_BYTES - 30)})
    assert "resync" not in payload
    (packet,) = pack([("order:" + "o" * 200, payload)])
    assert len(packet.encode()) <= MAX_NOTIFY_BYTES


@pytest.mark.parametrize("backend", ["postgresql"])  # LISTEN/NOTIFY is PostgreSQL's
def test_a_notice_from_one_process_reaches_another(container: Container) -> None:
    """Two broadcasters on the same database stand for two server processes."""
    sender, receiver = PostgresBroadcaster(container.engine), PostgresBroadcaster(container.engine)
    try:
        listener = receiver.subscribe(["org:a"])  # returns once LISTEN is in place
        other = receiver.subscribe(["org:b"])
        sender.publish_many([("org:a", {"kind": "orders.changed", "more": 0}), ("org:c", {})])

        async def read() -> str | None:
            found = await listener.next(timeout_s=30)  # a hang guard, not a timing
            return found.data if found else None

        assert json.loads(asyncio.run(read()) or "null") == {"kind": "orders.changed", "more": 0}
        assert other.take() is None
    finally:
        sender.close()
        receiver.close()
    assert listener.closed


@pytest.mark.parametrize("backend", ["postgresql"])
def test_subscribers_are_told_to_resync_when_the_listening_connection_comes_back(
    container: Container,
) -> None:
    """Notices sent while the connection was down are lost: the listener reconnects and says so."""
    hub = PostgresBroadcaster(container.engine)
    try:
        listener = hub.subscribe(["org:a"])
        with container.engine.begin() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": APPLICATION_NAME},
            )

        async def read() -> str | None:
            found = await listener.next(timeout_s=30)  # a hang guard: reconnecting takes ~2 s
            return found.data if found else None

        assert asyncio.run(read()) == RESYNC
        hub.publish("org:a", {"kind": "after"})  # and it listens again
        assert asyncio.run(read()) == '{"kind":"after"}'
    finally:
        hub.close()
