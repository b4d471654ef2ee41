"""In-process fan-out: every subscriber of a channel hears each notice, a slow one is bounded."""

from __future__ import annotations

import asyncio
import json
import threading

from doorstep.adapters.broadcast.memory import Listener, MemoryBroadcaster
from doorstep.adapters.broadcast.wire import MAX_PAYLOAD_BYTES, RESYNC, encode


def drained(listener: Listener) -> list[str]:
    found = []
    while (notice := listener.take()) is not None:
        found.append(notice.data)
    return found


def test_each_subscriber_of_a_channel_gets_each_notice_and_others_none() -> None:
    """Two listeners of org:a both hear it; a listener of org:b hears nothing."""
    hub = MemoryBroadcaster()
    first, second, other = (
        hub.subscribe(["org:a"]),
        hub.subscribe(["org:a", "x"]),
        hub.subscribe(["org:b"]),
    )
    hub.publish("org:a", {"kind": "orders.changed", "more": 0})
    assert drained(first) == drained(second) == ['{"kind":"orders.changed","more":0}']
    assert drained(other) == []


def test_a_slow_subscriber_keeps_the_newest_and_is_told_to_resync() -> None:
    """Past the queue's length the oldest notices go, and the next read is a resync marker."""
    hub = MemoryBroadcaster(queue_length=3)
    listener = hub.subscribe(["c"])
    for n in range(5):
        hub.publish("c", {"n": n})
    assert drained(listener) == [RESYNC, '{"n":2}', '{"n":3}', '{"n":4}']


def test_a_closed_subscription_hears_nothing_and_is_forgotten() -> None:
    """After close the hub holds no reference to the listener and delivers nothing to it."""
    hub = MemoryBroadcaster()
    listener = hub.subscribe(["c", "d"])
    listener.close()
    hub.publish("c", {"n": 1})
    assert drained(listener) == []
    assert hub.subscribers("c") == hub.subscribers("d") == 0
    assert listener.closed


def test_a_waiting_reader_is_woken_by_a_publisher_on_another_thread() -> None:
    """``next`` waits on the loop while a request thread publishes."""
    hub = MemoryBroadcaster()
    listener = hub.subscribe(["c"])

    async def read() -> str | None:
        loop = asyncio.get_running_loop()
        publisher = threading.Thread(target=hub.publish, args=("c", {"n": 1}))
        loop.call_later(0.05, publisher.start)
        found = await listener.next(timeout_s=60)
        publisher.join()
        return found.data if found else None

    assert asyncio.run(read()) == '{"n":1}'


def test_next_gives_none_when_nothing_comes_or_the_hub_closes() -> None:
    """A quiet channel times out with None (the stream's heartbeat); closing wakes the reader."""
    hub = MemoryBroadcaster()
    listener = hub.subscribe(["c"])

    async def read() -> tuple[object, object]:
        quiet = await listener.next(timeout_s=0.01)
        asyncio.get_running_loop().call_later(0.05, hub.close)
        return quiet, await listener.next(timeout_s=60)

    assert asyncio.run(read()) == (None, None)
    assert listener.closed


def test_a_payload_over_the_limit_becomes_a_resync_of_its_kind() -> None:
    """A notice too big for NOTIFY is replaced, not sent and not failed."""
    small = encode({"kind": "orders.changed", "orders": {"o1": "received"}})
    assert json.loads(small) == {"kind": "orders.changed", "orders": {"o1": "received"}}
    big = encode({"kind": "orders.changed", "ids": ["x" * 100] * (MAX_PAYLOAD_BYTES // 100)})
    assert json.loads(big) == {"kind": "orders.changed", "resync": True}
