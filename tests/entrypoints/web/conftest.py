"""Browser tests: a real server on loopback, Debian's Chromium driven by Playwright.

One server runs per test session (SQLite, the bundled Helsinki roads, a simulated clock
standing at 07:00 on the test day); each test makes its own organisation in it, so tests
never see each other's data. The browser may reach 127.0.0.1 only: every other host is
refused by Chromium's resolver and, should a request get that far, aborted and recorded;
each page fixture fails its test if any page asked for anything elsewhere.

Screenshots go to ``$DOORSTEP_SCREENSHOTS`` (default ``var/screenshots``), named after the
screen and the size: ``phone`` is 390 x 844, ``desktop`` 1440 x 900.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from doorstep.adapters.roads.regions import RegionStore
from doorstep.bootstrap import Container, build, optimizer
from doorstep.config import Settings
from doorstep.domain.accounts import Role
from doorstep.entrypoints.cli.demo_live import live_server
from doorstep.planning.versions import PlanVersion
from doorstep.services import accounts, fleet
from doorstep.services.authorization import Principal, system_principal
from doorstep.simulation import demo
from doorstep.simulation.world import SimClock
from tests.support.server import free_port

playwright_api = pytest.importorskip("playwright.sync_api")

PASSWORD = "correct horse battery"
ZONE = ZoneInfo("Europe/Helsinki")
DAY = date(2026, 11, 23)
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1440, "height": 900}}
ROOT = Path(__file__).resolve().parents[3]
LOOPBACK = {"127.0.0.1", "localhost"}


def screenshot_dir() -> Path:
    found = Path(os.environ.get("DOORSTEP_SCREENSHOTS", ROOT / "var" / "screenshots"))
    found.mkdir(parents=True, exist_ok=True)
    return found


@dataclass
class Org:
    """An organisation in the test server: a station, vans, drivers and ready orders."""

    id: str
    slug: str
    principal: Principal
    station: str
    day: date
    emails: dict[Role, str]
    driver_id: str | None = None  # the driver record linked to the driver user
    version: PlanVersion | None = None  # the published plan, when asked for


@dataclass
class Site:
    url: str
    container: Container  # a second container on the server's database, to seed and read
    clock: SimClock
    places: list[Any]
    count: int = 0

    def new_org(self, orders: int = 30, *, plan: bool = False, seed: int = 1) -> Org:
        """A fresh organisation with a user per role (e-mail ``<role>@<slug>.test``), a
        station with vans and drivers, ``orders`` ready orders for ``DAY``; planned and
        published with ``plan``. The driver user is linked to the first driver."""
        self.count += 1
        c = self.container
        slug = f"org{self.count}"
        setup = accounts.ensure_organisation(
            f"Org {self.count}", f"admin@{slug}.test", PASSWORD, uow=c.uow(), clock=c.clock,
            ids=c.ids, hasher=c.hasher, admin_name="Ada Admin",
        )  # fmt: skip
        principal = system_principal(setup.organisation.id)
        emails = {Role.ADMIN: f"admin@{slug}.test"}
        users = {}
        for role in Role:
            if role is Role.ADMIN:
                continue
            email = f"{role.value}@{slug}.test"
            users[role] = accounts.create_user(
                principal, email, f"{role.value.replace('_', ' ').title()} User",
                frozenset({role}), PASSWORD, uow=c.uow(), clock=c.clock, ids=c.ids,
                hasher=c.hasher,
            )  # fmt: skip
            emails[role] = email
        ports = demo.DemoPorts(c.uow, c.clock, demo.CountingIds(slug), c.travel())
        station = demo.prepare(
            principal, ports=ports, places=self.places, orders_count=orders, seed=seed,
            day=DAY, timezone="Europe/Helsinki",
        )  # fmt: skip
        drivers = fleet.list_drivers(principal, uow=c.uow())
        driver_id = None
        if drivers:
            driver_id = sorted(drivers, key=lambda d: d.name)[0].id
            fleet.update_driver(
                principal, driver_id, {"user_id": users[Role.DRIVER].id}, uow=c.uow()
            )
        org = Org(setup.organisation.id, slug, principal, station.code, DAY, emails, driver_id)
        if plan:
            org.version = demo.plan(
                principal, station, DAY, ports=ports, optimizer=optimizer(),
                iterations=300, seed=seed,
            )  # fmt: skip
        return org


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, helsinki_region: RegionStore) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("site")
    (data / "regions").symlink_to(helsinki_region.root, target_is_directory=True)
    settings = Settings(
        data_dir=data,
        database_url=f"sqlite:///{data / 'doorstep.db'}",
        fast_password_hashing=True,
        region="helsinki",
    )
    clock = SimClock(datetime.combine(DAY, time(7, 0), ZONE))
    seeding = build(settings, clock=clock)
    seeding.migrate()
    places = [a.location for a in seeding.regions.addresses("helsinki").known()]
    with live_server(settings, clock, "127.0.0.1", free_port()) as url:
        yield Site(url, seeding, clock, places)
    seeding.close()


def chromium_path() -> str | None:
    given = os.environ.get("DOORSTEP_CHROMIUM")
    if given:
        return given
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI") or os.environ.get("DOORSTEP_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (scripts/chromium.sh installs Debian's)")
        pytest.skip("no Chromium on this machine (bash scripts/chromium.sh installs it)")
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=path,
            # Every name but loopback fails to resolve: nothing can load from elsewhere.
            args=["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"],
        )
        yield launched
        launched.close()


@dataclass
class Browsing:
    """Opens pages signed in as a role; records any request for another host."""

    browser: Any
    site: Site
    outside: list[str] = field(default_factory=list)
    contexts: list[Any] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def context(self, size: str = "desktop", **options: Any) -> Any:
        viewport = SIZES[size]
        context = self.browser.new_context(
            viewport=viewport, base_url=self.site.url, is_mobile=size == "phone",
            has_touch=size == "phone", **options,
        )  # fmt: skip
        context.route("**/*", self._guard)
        self.contexts.append(context)
        return context

    def _guard(self, route: Any) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def page(self, org: Org, role: Role, path: str, size: str = "desktop") -> Any:
        """A page at ``path``, signed in as ``org``'s user of ``role``."""
        context = self.context(size)
        signed = context.request.post(
            "/session", data={"email": org.emails[role], "password": PASSWORD}
        )
        assert signed.ok, signed.text()
        page = context.new_page()
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        page.goto(path)
        return page

    def _console(self, message: Any) -> None:
        # A refused request shows as a failed resource; the page reports those to the
        # person itself (and tests check what it shows). A script error is a bug.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console_errors.append(message.text)

    def shoot(self, page: Any, name: str, size: str = "desktop") -> Path:
        path = screenshot_dir() / f"{name}-{size}.png"
        page.screenshot(path=str(path), full_page=False)
        return path


@pytest.fixture
def browsing(browser: Any, site: Site) -> Iterator[Browsing]:
    found = Browsing(browser, site)
    yield found
    for context in found.contexts:
        context.close()
    assert found.outside == [], f"pages asked for other hosts: {found.outside}"
    assert found.console_errors == [], f"the pages' scripts failed: {found.console_errors}"


def wait_until(check: Callable[[], bool], timeout_s: float = 30.0) -> None:
    """Until ``check`` holds: as long as Playwright's own waits (30 s), since the server and
    the browser share two busy cores with the rest of the suite (a 10 s wait for one stored
    write ran out in a CI run under load)."""
    import time as _time

    deadline = _time.monotonic() + timeout_s
    while not check():
        if _time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        _time.sleep(0.1)


def advance(site: Site, minutes: float) -> None:
    """Move the server's clock on."""
    site.clock.current = site.clock.current + timedelta(minutes=minutes)
