"""The real clock and sources of ids and secrets, for everything but simulations and tests;
and a paced clock, for a server that plays a simulated day (demos, load tests)."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class PacedClock:
    """A clock that reads ``start`` when made and then runs ``speed`` times as fast as the wall.

    A running server on this clock lives in the digital twin's simulated day, so the twin's
    device times (tomorrow 06:00) are judged against the same day instead of being refused
    as far ahead of the real clock. ``wall`` is a monotonic source in seconds, so a change
    of the machine's clock does not move the simulated one; ``sleep`` is injected with it,
    so tests can check the pacing without waiting.
    """

    def __init__(
        self,
        start: datetime,
        speed: float = 1.0,
        wall: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError(f"start must have a UTC offset, got {start.isoformat()}")
        if not speed > 0:
            raise ValueError(f"speed must be more than 0, got {speed}")
        self.start = start.astimezone(UTC)
        self.speed = speed
        self._wall = wall
        self._sleep = sleep
        self._origin = wall()

    def now(self) -> datetime:
        # In UTC like SystemClock, so nothing downstream sees a zone it never saw before.
        elapsed_s = (self._wall() - self._origin) * self.speed
        return self.start + timedelta(seconds=elapsed_s)

    def sleep_until(self, at: datetime) -> None:
        """Wait the wall time until this clock reads ``at``; return at once if it is past."""
        ahead_s = (at - self.now()).total_seconds()
        if ahead_s > 0:
            self._sleep(ahead_s / self.speed)


class RandomIds:
    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{uuid.uuid4().hex}"


class TokenSecrets:
    def token(self, prefix: str) -> str:
        return f"{prefix}_{secrets.token_urlsafe(32)}"
