"""``doorstep demo``: a whole delivery day of the bundled city, set up, planned and played.

Each run makes a fresh demo organisation (``doorstep demo N``) in the configured database, a
station at the centre of the region with vans and drivers, and the orders; plans and
publishes the day; plays it through the services in fast-forward (``simulation.day_run``);
and prints what happened. The clock stands still while the day is set up, ids come from a
counter and the solver stops after a number of iterations, so the same seed prints the same
figures, the day's own and the KPIs that ``doorstep kpis`` prints for a real day.

Live (the default), the API server runs in this process on the played day's clock while the
day plays ``--speed`` times as fast as real time (``demo_live``): the printed tracking pages,
the dispatch board and the live event stream follow the day as it happens. ``--headless``
plays it at full speed. In the bundled Helsinki extract the day is the shipped micro-hub
scenario; in another region (a synthetic city, ``--orders 10000``) it is a depot at its
centre with one van per 100 orders, unless ``--scenario`` says otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from doorstep.bootstrap import Container, optimizer, travel_provider
from doorstep.config import Settings
from doorstep.domain.stations import Station
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.demo_live import Pacer, WatchLinks, live_server, watch_links
from doorstep.entrypoints.cli.kpis import show_tables
from doorstep.entrypoints.cli.scope import ensure_region, migrate, opened
from doorstep.planning.versions import PlanVersion
from doorstep.services import accounts, kpis
from doorstep.services.authorization import Principal, system_principal
from doorstep.simulation import scenario as scenarios
from doorstep.simulation.demo import DemoDay, Playing, demo_day
from doorstep.simulation.world import DayRun, SimClock


def demo(
    orders: Annotated[
        int | None,
        typer.Option(min=1, max=20_000, help="Orders of the day; the scenario's if left out."),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(help="Same seed, same day and same figures; the scenario's if left out."),
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="Region to deliver in; the configured one if left out.")
    ] = None,
    iterations: Annotated[
        int, typer.Option(min=1, help="The solver's budget, in iterations (not seconds).")
    ] = 1000,
    headless: Annotated[
        bool,
        typer.Option(
            "--headless", help="Play the day at full speed, without the server, and report."
        ),
    ] = False,
    scenario: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE.yaml",
            help="The day's scenario (station, orders, fleet, cut-off, late orders); the "
            "shipped Helsinki micro-hub if left out (a depot at the centre elsewhere).",
        ),
    ] = None,
    speed: Annotated[
        float,
        typer.Option(min=1, max=3600, help="Live: simulated seconds per second of real time."),
    ] = 120.0,
    host: Annotated[str, typer.Option(help="Live: the address the server listens on.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="Live: the server's port.")] = 8000,
) -> None:
    """Set up, plan and play a delivery day while the server runs (or --headless), then
    print what happened and the day's KPIs."""
    started = time.perf_counter()
    with opened() as c:
        migrate(c)
        name = region or c.settings.region
        ensure_region(c, name)
        drawn = _scenario(scenario, name)
        count = orders if orders is not None else drawn.orders.count
        zone = c.regions.info(name).timezone
        places = [a.location for a in c.regions.addresses(name).known()]
        day = (c.clock.now().astimezone(ZoneInfo(zone)) + timedelta(days=1)).date()
        settings = c.settings.model_copy(update={"region": name})  # its roads, not the default's
        travel = travel_provider(settings, c.regions)
        organisation, login = _organisation(c)
        principal = system_principal(organisation)
        clock = SimClock(datetime.combine(day, dt_time(0), ZoneInfo(zone)))
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
            console=output.errors(), transient=True,
        ) as bar:  # fmt: skip
            task = bar.add_task("setting up", total=None)

            def show(at: datetime, so_far: DayRun) -> None:
                bar.update(task, description=_progress(at, so_far))

            def play(pace: Callable[[datetime, DayRun], None], ready: Ready) -> DemoDay:
                return demo_day(
                    principal, uow=c.uow, travel=travel, optimizer=optimizer(),
                    proofs=c.proofs(), places=places, orders_count=count,
                    seed=seed if seed is not None else drawn.orders.seed, day=day,
                    timezone=zone, iterations=iterations,
                    tag=principal.organisation_id.removeprefix("org_")[:8],
                    say=lambda text: output.note(f"{name}: {text}"), scenario=drawn,
                    playing=Playing(clock=clock, pace=pace, ready=ready),
                )  # fmt: skip

            if headless:
                played = play(show, lambda _s, _v: None)
            else:
                played = _live(c, settings, clock, principal, login, play, show, host, port, speed)
        report = kpis.day_kpis(principal, played.station.code, day, uow=c.reader())
    _report(played.played, count, time.perf_counter() - started)
    show_tables(report)  # the same KPIs as `doorstep kpis` prints for a real day


Ready = Callable[[Station, PlanVersion], None]


def _live(
    c: Container,
    settings: Settings,
    clock: SimClock,
    principal: Principal,
    login: tuple[str, str],
    play: Callable[[Callable[[datetime, DayRun], None], Ready], DemoDay],
    show: Callable[[datetime, DayRun], None],
    host: str,
    port: int,
    speed: float,
) -> DemoDay:
    """Play the day while the server runs on its clock; what to open is printed first."""
    try:
        with live_server(settings, clock, host, port) as url:

            def ready(station: Station, version: PlanVersion) -> None:
                links = watch_links(c, principal, version, clock)
                _say_where(url, station, version, login, links, speed)

            return play(Pacer(clock, speed, show), ready)
    except OSError as error:
        output.fail(f"--port: {error}; choose another with --port, or use --headless")


def _say_where(
    url: str,
    station: Station,
    version: PlanVersion,
    login: tuple[str, str],
    links: WatchLinks,
    speed: float,
) -> None:
    day = version.service_date.isoformat()
    board = f"{url}/api/v1/stations/{station.code}/dispatch?date={day}"
    query = f"?station={station.code}&date={day}"
    driver = links.driver
    output.details(
        f"Watch the day: {station.code} {day}, {speed:g} times as fast as real time",
        [
            ("control tower", f"{url}/control{query}"),
            ("planner", f"{url}/planner{query}"),
            ("station screens", f"{url}/station{query}"),
            ("sign in", f"{login[0]} / {login[1]}"),
            *(_driver_line(url, day, driver) if driver else []),
            ("API and its docs", f"{url}/docs"),
            ("API key", links.api_key),
            ("dispatch board", f'curl -H "Authorization: Bearer {links.api_key}" "{board}"'),
            ("live events", f"{url}/api/v1/stream (Server-Sent Events, same key)"),
            *((f"tracking page of {ref}", f"{url}{path}") for ref, path in links.tracking),
        ],
    )


def _driver_line(url: str, day: str, driver: tuple[str, str, str]) -> list[tuple[str, str]]:
    name, email, password = driver
    return [("driver app (phone)", f"{url}/driver?date={day} as {name}: {email} / {password}")]


def _progress(at: datetime, so_far: DayRun) -> str:
    failed = sum(so_far.failed.values())
    return (
        f"{at:%H:%M}  {so_far.delivered:,} delivered, {failed:,} failed, "
        f"{so_far.picked_up:,} returns collected"
    )


def _scenario(path: Path | None, region: str) -> scenarios.Scenario:
    if path is not None:
        return scenarios.load(path)
    # The shipped micro-hub lives in the bundled extract's centre; elsewhere, a city depot
    # (one van per 100 orders), whose dispatcher watches the board hourly: a watch judges
    # every route by its live ETA, about 40 s of road searches on a 10,000-stop day.
    if region == "helsinki":
        return scenarios.default()
    return scenarios.Scenario(name=region, world=(("watch_every_min", 60.0),))


def _organisation(c: Container) -> tuple[str, tuple[str, str]]:
    """A new demo organisation, doorstep demo 1, 2, ... (one per run); its id and admin's
    sign-in (e-mail, password)."""
    with c.reader() as uow:
        taken = {o.slug for o in uow.organisations.list()}
    n = next(i for i in range(1, 10_000) if f"doorstep-demo-{i}" not in taken)
    email, password = f"demo{n}@doorstep.example", c.secrets.token("pw")
    setup = accounts.ensure_organisation(
        f"doorstep demo {n}", email, password, uow=c.uow(), clock=c.clock, ids=c.ids,
        hasher=c.hasher,
    )  # fmt: skip
    return setup.organisation.id, (email, password)


def _report(result: DayRun, orders: int, seconds: float) -> None:
    failed = sum(result.failed.values())
    reasons = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(result.failed.items()))
    output.table(
        "The day",
        ["what", "count"],
        [
            ("orders", f"{orders:,}"),
            ("routes", result.routes),
            ("delivered", result.delivered),
            ("returns collected", result.picked_up),
            ("failed attempts", f"{failed} ({reasons or 'none'})"),
            ("scans forgotten", result.missed_scans),
            ("on a route, not attempted", result.not_attempted),
            ("sent during the day", f"{result.late_orders} ({result.late_planned} on a route)"),
            ("breakdowns", result.breakdowns),
            ("mis-sorts (refused, then right)", result.mis_sorts),
            ("late departures", result.late_departures),
            ("day closed at", result.ended_at.strftime("%H:%M") if result.ended_at else "-"),
        ],
    )
    output.done(f"a whole day in {seconds:.0f} s")
