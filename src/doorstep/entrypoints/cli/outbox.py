"""``doorstep outbox run``: send the customer messages and webhooks that are due.

``doorstep serve`` runs the same loop in a background thread; run this instead when the API
runs elsewhere (or with ``--once`` from cron). Each pass claims what is due with a lease, so
several workers never send one message twice.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Annotated

import typer

from doorstep.bootstrap import Container
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.scope import opened

app = typer.Typer(no_args_is_help=True)


@app.command("run")
def run(
    once: Annotated[bool, typer.Option(help="One pass, then exit.")] = False,
    interval: Annotated[float, typer.Option(min=0.5, help="Seconds between passes.")] = 5.0,
) -> None:
    """Send what is due, every INTERVAL seconds until Ctrl+C (or once)."""
    rng = random.Random()  # noqa: S311 - retry jitter, not a secret
    with opened() as container:
        while True:
            sent, delivered = container.run_outbox_once(rng.random)
            if sent or delivered or once:
                output.note(f"{sent} messages and {delivered} webhook deliveries attempted")
            if once:
                return
            time.sleep(interval)


def start_worker(container: Container, interval_s: float) -> threading.Event:
    """Run the outbox in a daemon thread every ``interval_s``; set the event to stop it."""
    stop = threading.Event()
    rng = random.Random()  # noqa: S311 - retry jitter, not a secret

    def loop() -> None:
        while not stop.wait(interval_s):
            try:
                container.run_outbox_once(rng.random)
            except Exception as error:  # a bad pass must not end the server's sending
                output.note(f"outbox pass failed: {error}")

    threading.Thread(target=loop, name="doorstep-outbox", daemon=True).start()
    return stop
