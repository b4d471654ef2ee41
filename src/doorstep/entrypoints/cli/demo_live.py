"""The live demo: the server runs on the twin's clock while the day plays at a speed-up.

``live_server`` serves the API (the tracking pages, the dispatch board, the live stream) in
a thread of this process on a container whose clock is the twin's own ``SimClock``: what
the server stamps and computes (ETAs, late risks, tracking windows) is in the played day.
``Pacer`` holds the play to the wall clock, ``speed`` simulated seconds a second, and moves
the shared clock on smoothly while it waits, so a page polled between two events still sees
time pass. ``watch_links`` makes what a user needs to look: an API key and tracking links.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import uvicorn

from doorstep.bootstrap import Container, build
from doorstep.config import Settings
from doorstep.domain.accounts import Role
from doorstep.entrypoints.api.app import create_app
from doorstep.planning.versions import PlanVersion
from doorstep.services import accounts, dispatch, fleet, tracking_links
from doorstep.services.authorization import Principal
from doorstep.services.ports import Clock
from doorstep.simulation.world import DayRun, SimClock

STARTUP_LIMIT_S = 15.0
STEP_S = 0.25  # the shared clock moves on at least this often (wall seconds) while waiting


class Pacer:
    """Called with each moment before it is played: waits until ``speed`` times the wall time
    since the first moment has passed, moving ``clock`` on meanwhile, then shows progress."""

    def __init__(
        self,
        clock: SimClock,
        speed: float,
        show: Callable[[datetime, DayRun], None] = lambda _at, _so_far: None,
        wall: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.clock, self.speed, self.show = clock, speed, show
        self._wall, self._sleep = wall, sleep
        self._origin: tuple[datetime, float] | None = None

    def __call__(self, at: datetime, so_far: DayRun) -> None:
        if self._origin is None:
            self._origin = (at, self._wall())
        first, started = self._origin
        due = started + (at - first).total_seconds() / self.speed
        while (ahead := due - self._wall()) > 0:
            self._sleep(min(ahead, STEP_S))
            moved = first + timedelta(seconds=(self._wall() - started) * self.speed)
            self.clock.current = min(max(self.clock.current, moved), at)
        self.show(at, so_far)


@contextmanager
def live_server(settings: Settings, clock: SimClock, host: str, port: int) -> Iterator[str]:
    """The API on ``host:port`` in a thread, reading ``clock``; its base URL while it runs."""
    container = build(settings, clock=clock)
    config = uvicorn.Config(create_app(container), host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="demo-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        if not server.started:
            raise OSError(f"the server did not start on {host}:{port} (is the port taken?)")
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        container.close()


@dataclass(frozen=True)
class WatchLinks:
    api_key: str
    tracking: tuple[tuple[str, str], ...]  # (order's shipper reference, tracking page path)
    driver: tuple[str, str, str] | None = None  # the first route's driver: name, e-mail, password


def watch_links(
    c: Container, principal: Principal, version: PlanVersion, clock: Clock, *, pages: int = 3
) -> WatchLinks:
    """An admin API key for the demo organisation, and tracking pages of the first stops of
    the first routes, as their customers get them (issued on the played day's ``clock``)."""
    _, key = accounts.create_api_key(
        principal, "doorstep demo", frozenset({Role.ADMIN}), uow=c.uow(), clock=clock,
        ids=c.ids, secrets=c.secrets,
    )  # fmt: skip
    firsts = _first_stops([r.stop_ids for r in version.plan.routes if r.visits], pages)
    with c.reader() as uow:
        found = uow.orders.get_many(principal.organisation_id, firsts)
    links = []
    for order_id in firsts:
        issued = tracking_links.issue_link(
            principal, order_id, uow=c.uow(), clock=clock, ids=c.ids, secrets=c.secrets
        )
        links.append((found[order_id].shipper_reference, f"/t/{issued.token}"))
    return WatchLinks(key, tuple(links), _driver_login(c, principal, version, clock))


def _driver_login(
    c: Container, principal: Principal, version: PlanVersion, clock: Clock
) -> tuple[str, str, str] | None:
    """A login for the driver of the first route, linked to their driver record, so the
    driver app can be watched following the day: (name, e-mail, password)."""
    with c.reader() as uow:
        crews = dispatch.drivers_of_day(uow, version)
    first = next((r.vehicle_id for r in version.plan.routes if r.visits), None)
    driver_id = crews.get(first) if first else None
    if driver_id is None:
        return None
    with c.reader() as uow:
        driver = uow.drivers.get(principal.organisation_id, driver_id)
    if driver is None:
        return None
    email, password = f"driver-{driver_id.lower()}@doorstep.example", c.secrets.token("pw")
    user = accounts.create_user(
        principal, email, driver.name, frozenset({Role.DRIVER}), password, uow=c.uow(),
        clock=clock, ids=c.ids, hasher=c.hasher,
    )  # fmt: skip
    fleet.update_driver(principal, driver_id, {"user_id": user.id}, uow=c.uow())
    return driver.name, email, password


def _first_stops(routes: Sequence[Sequence[str]], count: int) -> list[str]:
    """The first stop of each route, then the second of each, ... until ``count``."""
    found: list[str] = []
    for depth in range(max((len(r) for r in routes), default=0)):
        for stops in routes:
            if depth < len(stops) and len(found) < count:
                found.append(stops[depth])
    return found
