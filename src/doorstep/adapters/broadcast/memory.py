"""In-process fan-out of notices to the live pages, each subscriber with a bounded queue.

Publishers are request threads (and the PostgreSQL listener's thread); subscribers are server-
sent event streams awaiting on the event loop. A queue takes notices from any thread and wakes
its reader through the reader's own loop, so a waiting stream never holds a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from doorstep.adapters.broadcast.wire import RESYNC, encode

# A page that cannot keep up (a stalled connection) holds at most this many notices; past it
# the oldest go and the page is told to reload, so memory never grows with a slow reader.
QUEUE_LENGTH = 256


@dataclass(frozen=True)
class Notice:
    channel: str  # empty for a resync, which is about every channel of the listener
    data: str  # the payload as JSON text, encoded once for all subscribers


class Listener:
    """One subscriber: notices in from any thread, out through ``await next(timeout_s)``."""

    def __init__(self, channels: frozenset[str], hub: MemoryBroadcaster, length: int) -> None:
        self.channels = channels
        self._hub = hub
        self._length = length
        self._queue: deque[Notice] = deque()
        self._lock = threading.Lock()
        self._lost = False
        self._closed = False
        self._wakeup: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None

    @property
    def closed(self) -> bool:
        return self._closed

    def offer(self, notice: Notice) -> None:
        """Queue ``notice``; with the queue full the oldest goes and a resync is read first."""
        with self._lock:
            if self._closed:
                return
            if len(self._queue) >= self._length:
                self._queue.popleft()
                self._lost = True
            self._queue.append(notice)
            wakeup = self._wakeup
        _wake(wakeup)

    def resync(self) -> None:
        """Tell the reader that notices were lost (say while the database connection was down)."""
        with self._lock:
            self._lost = True
            wakeup = self._wakeup
        _wake(wakeup)

    def take(self) -> Notice | None:
        """The next notice if one is queued, without waiting."""
        with self._lock:
            if self._lost:
                self._lost = False
                return Notice("", RESYNC)
            return self._queue.popleft() if self._queue else None

    async def next(self, timeout_s: float) -> Notice | None:
        """The next notice, or None after ``timeout_s`` or once closed."""
        loop = asyncio.get_running_loop()
        event = self._event(loop)
        deadline = loop.time() + timeout_s
        while not self._closed:
            event.clear()  # before looking: an offer after the look sets it again
            found = self.take()
            if found is not None:
                return found
            left = deadline - loop.time()
            if left <= 0:
                return None
            try:
                await asyncio.wait_for(event.wait(), left)
            except TimeoutError:
                return None
        return None

    def close(self) -> None:
        """Unsubscribe; a reader waiting in ``next`` returns None."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.clear()
            wakeup = self._wakeup
        self._hub.unsubscribe(self)
        _wake(wakeup)

    def _event(self, loop: asyncio.AbstractEventLoop) -> asyncio.Event:
        # Bound to the loop of the first read: publishers wake the reader through that loop.
        with self._lock:
            if self._wakeup is None or self._wakeup[0] is not loop:
                self._wakeup = (loop, asyncio.Event())
            return self._wakeup[1]


def _wake(wakeup: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None) -> None:
    if wakeup is None:
        return
    loop, event = wakeup
    with contextlib.suppress(RuntimeError):  # the reader's loop closed: nobody left to wake
        loop.call_soon_threadsafe(event.set)


class Hub(Protocol):
    """A broadcaster the shells can also subscribe to (the services only publish)."""

    def publish(self, channel: str, payload: Mapping[str, object]) -> None: ...
    def publish_many(self, notices: Sequence[tuple[str, Mapping[str, object]]]) -> None: ...
    def subscribe(self, channels: Iterable[str]) -> Listener: ...
    def subscribers(self, channel: str) -> int: ...
    def close(self) -> None: ...


class MemoryBroadcaster:
    """Fan-out within this process: enough for one server process (the SQLite installation)."""

    def __init__(self, queue_length: int = QUEUE_LENGTH) -> None:
        self._length = queue_length
        self._listeners: dict[str, set[Listener]] = {}
        self._lock = threading.Lock()

    def publish(self, channel: str, payload: Mapping[str, object]) -> None:
        self.deliver(channel, encode(payload))

    def publish_many(self, notices: Sequence[tuple[str, Mapping[str, object]]]) -> None:
        for channel, payload in notices:
            self.publish(channel, payload)

    def deliver(self, channel: str, data: str) -> None:
        """Hand an encoded payload to this process's subscribers of ``channel``."""
        with self._lock:
            found = list(self._listeners.get(channel, ()))
        notice = Notice(channel, data)
        for listener in found:
            listener.offer(notice)

    def subscribe(self, channels: Iterable[str]) -> Listener:
        listener = Listener(frozenset(channels), self, self._length)
        with self._lock:
            for channel in listener.channels:
                self._listeners.setdefault(channel, set()).add(listener)
        return listener

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            for channel in listener.channels:
                found = self._listeners.get(channel)
                if found is not None:
                    found.discard(listener)
                    if not found:
                        del self._listeners[channel]

    def subscribers(self, channel: str) -> int:
        """How many listeners ``channel`` has in this process."""
        with self._lock:
            return len(self._listeners.get(channel, ()))

    def resync_all(self) -> None:
        """Tell every subscriber to reload: notices may have been missed."""
        for listener in self._all():
            listener.resync()

    def close(self) -> None:
        """Close every subscription, ending the streams that wait on them."""
        for listener in self._all():
            listener.close()

    def _all(self) -> set[Listener]:
        with self._lock:
            return set().union(*self._listeners.values())
