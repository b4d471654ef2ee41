"""``doorstep demo``: a whole delivery day of the bundled city, set up, planned and played.

Each run makes a fresh demo organisation (``doorstep demo N``) in the configured database, a
station at the centre of the region with vans and drivers, and the orders; plans and
publishes the day; plays it through the services in fast-forward (``simulation.day_run``);
and prints what happened. The clock stands still while the day is set up, ids come from a
counter and the solver stops after a number of iterations, so the same seed prints the same
figures, the day's own and the KPIs that ``doorstep kpis`` prints for a real day. The
live mode (the server running while the day plays) comes with the web pages.
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from doorstep.bootstrap import Container, optimizer
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.kpis import show_tables
from doorstep.entrypoints.cli.scope import ensure_region, migrate, opened
from doorstep.services import accounts, kpis
from doorstep.services.authorization import system_principal
from doorstep.simulation import scenario as scenarios
from doorstep.simulation.day_run import DayRun
from doorstep.simulation.demo import demo_day


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
        typer.Option(help="Play the day at full speed and print the report (for now, always)."),
    ] = True,
    scenario: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE.yaml",
            help="The day's scenario (station, orders, fleet, cut-off, late orders); the "
            "shipped Helsinki micro-hub if left out.",
        ),
    ] = None,
) -> None:
    """Set up, plan and play a delivery day in fast-forward, then print what happened."""
    started = time.perf_counter()
    drawn = scenarios.load(scenario) if scenario is not None else scenarios.default()
    orders = orders if orders is not None else drawn.orders.count
    seed = seed if seed is not None else drawn.orders.seed
    with opened() as c:
        migrate(c)
        name = region or c.settings.region
        ensure_region(c, name)
        zone = c.regions.info(name).timezone
        places = [a.location for a in c.regions.addresses(name).known()]
        day = (c.clock.now().astimezone(ZoneInfo(zone)) + timedelta(days=1)).date()
        principal = system_principal(_organisation(c))
        played = demo_day(
            principal, uow=c.uow, travel=c.travel(), optimizer=optimizer(), proofs=c.proofs(),
            places=places, orders_count=orders, seed=seed, day=day, timezone=zone,
            iterations=iterations, tag=principal.organisation_id.removeprefix("org_")[:8],
            say=lambda text: output.note(f"{name}: {text}"), scenario=drawn,
        )  # fmt: skip
        report = kpis.day_kpis(principal, played.station.code, day, uow=c.reader())
    result = played.played
    _report(result, orders, time.perf_counter() - started)
    show_tables(report)  # the same KPIs as `doorstep kpis` prints for a real day


def _organisation(c: Container) -> str:
    """A new demo organisation: doorstep demo 1, 2, ... (one per run)."""
    with c.reader() as uow:
        taken = {o.slug for o in uow.organisations.list()}
    n = next(i for i in range(1, 10_000) if f"doorstep-demo-{i}" not in taken)
    setup = accounts.ensure_organisation(
        f"doorstep demo {n}", f"demo{n}@doorstep.example", c.secrets.token("pw"),
        uow=c.uow(), clock=c.clock, ids=c.ids, hasher=c.hasher,
    )  # fmt: skip
    return setup.organisation.id


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
