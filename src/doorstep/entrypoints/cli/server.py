"""``doorstep serve``: the HTTP API and its docs page, on a database brought up to date first."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from doorstep.bootstrap import Container
from doorstep.entrypoints.api.app import create_app
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.outbox import start_worker
from doorstep.entrypoints.cli.scope import migrate, opened


def serve(
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on; 0.0.0.0 makes the API reachable from other machines."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65_535, help="TCP port to listen on.")] = 8000,
) -> None:
    """Run the HTTP API (docs at /docs), upgrading the database first so a fresh data dir works."""
    with opened() as container:
        migrate(container)
        _say_if_simulated(container)
        output.note(f"doorstep API on http://{host}:{port} (docs at /docs); Ctrl+C stops it")
        interval = container.settings.outbox_interval_s
        stop = start_worker(container, interval) if interval > 0 else None
        try:
            uvicorn.run(create_app(container), host=host, port=port)
        finally:
            if stop is not None:
                stop.set()


def _say_if_simulated(container: Container) -> None:
    # Everything the server stamps (scans, departures, messages) takes this clock's time, so
    # whoever reads the log must not mistake it for a production server.
    settings = container.settings
    if settings.clock_start is None:
        return
    output.note(
        f"SIMULATED CLOCK (for demos and load tests only): the server's time started at "
        f"{settings.clock_start.isoformat()} and runs "
        f"{settings.clock_speed:g} times as fast as real time "
        "(DOORSTEP_CLOCK_START, DOORSTEP_CLOCK_SPEED)"
    )
