"""A real `doorstep serve` process on loopback for tests: a free port, start-up, health."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STARTUP_LIMIT_S = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve_command(port: int) -> list[str]:
    """`doorstep serve` on ``port``, with this interpreter (so in the test's virtualenv)."""
    return [sys.executable, "-m", "doorstep.entrypoints.cli.main", "serve", "--port", str(port)]


def health(url: str, deadline: float, server: subprocess.Popen[bytes]) -> dict[str, str] | None:
    """Poll until the server answers, exits, or the deadline passes."""
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - local http URL
                body: dict[str, str] = json.load(response)
                return body
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    return None


@contextmanager
def running(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """The process, always terminated (killed if it hangs) when the block ends."""
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            yield process
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the process if it still runs, and kill it if it hangs."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
