"""Fan-out across server processes through PostgreSQL's LISTEN/NOTIFY.

Every process sends its notices with ``pg_notify`` and listens on one connection of its own,
handing what it hears to its local subscribers (``MemoryBroadcaster``). All notices travel on
one PostgreSQL channel, with the page channel inside: listening per page channel would mean a
LISTEN on the waiting connection each time a page opens, and a few server processes can well
afford to skip the notices nobody in them follows.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence

import psycopg
from psycopg.rows import TupleRow
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from doorstep.adapters.broadcast.memory import Listener, MemoryBroadcaster
from doorstep.adapters.broadcast.wire import encode

log = logging.getLogger(__name__)

CHANNEL = "doorstep_live"
MAX_NOTIFY_BYTES = 7_999  # PostgreSQL: "must be shorter than 8000 bytes"
POLL_S = 0.5  # how often the listener looks up from waiting to see if it should stop
RETRY_S = 2.0  # wait before connecting again after the listening connection broke
READY_WAIT_S = 5.0  # how long a first subscriber waits for LISTEN to be in place
APPLICATION_NAME = "doorstep live notices"  # names the connection in pg_stat_activity

_NOTIFY = text("SELECT pg_notify(:channel, :payload)")


def pack(notices: Sequence[tuple[str, str]]) -> list[str]:
    """Encoded ``(channel, payload)`` notices as few NOTIFY payloads as fit under the limit.

    Each payload is a JSON list of ``[channel, payload]`` pairs, written around the payloads'
    own JSON text so it is not escaped (and grown) a second time.
    """
    packets: list[str] = []
    items: list[str] = []
    size = 2  # the brackets around the list
    for channel, data in notices:
        item = f"[{json.dumps(channel)},{data}]"
        grown = len(item.encode()) + 1  # with its comma
        if items and size + grown > MAX_NOTIFY_BYTES:
            packets.append(f"[{','.join(items)}]")
            items, size = [], 2
        items.append(item)
        size += grown
    if items:
        packets.append(f"[{','.join(items)}]")
    return packets


def unpack(packet: str) -> list[tuple[str, Mapping[str, object]]]:
    """The ``(channel, payload)`` notices of one NOTIFY payload."""
    return [(str(channel), dict(payload)) for channel, payload in json.loads(packet)]


class PostgresBroadcaster:
    """Notices through the database, so a page on any server process hears every change."""

    def __init__(self, engine: Engine, local: MemoryBroadcaster | None = None) -> None:
        self._engine = engine
        # The listening connection is plain psycopg: SQLAlchemy's pool would not wait on it.
        url = engine.url.set(drivername="postgresql")
        self._conninfo = url.render_as_string(hide_password=False)
        self.local = local or MemoryBroadcaster()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def publish(self, channel: str, payload: Mapping[str, object]) -> None:
        self.publish_many([(channel, payload)])

    def publish_many(self, notices: Sequence[tuple[str, Mapping[str, object]]]) -> None:
        packets = pack([(channel, encode(payload)) for channel, payload in notices])
        if not packets:
            return
        try:
            with self._engine.begin() as connection:  # one transaction: all go out at commit
                connection.execute(_NOTIFY, [{"channel": CHANNEL, "payload": p} for p in packets])
        except SQLAlchemyError:
            # The change is committed; the pages catch up at their next reload or resync.
            log.exception("could not send %d live notices", len(notices))

    def subscribe(self, channels: Iterable[str]) -> Listener:
        """A local subscription; the first one starts listening and waits until it does, so
        a notice sent after this returns reaches the subscriber (blocks: call off the loop)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._listen, name="live-listen", daemon=True
                )
                self._thread.start()
        self._ready.wait(READY_WAIT_S)
        return self.local.subscribe(channels)

    def subscribers(self, channel: str) -> int:
        return self.local.subscribers(channel)

    def close(self) -> None:
        """Stop listening and end the local subscriptions."""
        self._stop.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(POLL_S + READY_WAIT_S)
        self.local.close()

    def _listen(self) -> None:
        broke = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._conninfo, autocommit=True, application_name=APPLICATION_NAME
                ) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    if broke:  # notices sent while we were away are lost to our pages
                        self.local.resync_all()
                    self._ready.set()
                    self._relay(connection)
            except psycopg.Error:
                log.exception("live notices: the listening connection failed; retrying")
                broke = True
                self._stop.wait(RETRY_S)

    def _relay(self, connection: psycopg.Connection[TupleRow]) -> None:
        while not self._stop.is_set():
            for notify in connection.notifies(timeout=POLL_S):
                self._fan_out(notify.payload)

    def _fan_out(self, packet: str) -> None:
        try:
            notices = unpack(packet)
        except (ValueError, TypeError):
            log.warning("live notices: ignored a payload that is not ours: %.80r", packet)
            return
        for channel, payload in notices:
            if self.local.subscribers(channel):  # most notices concern pages of other processes
                self.local.deliver(channel, encode(payload))
