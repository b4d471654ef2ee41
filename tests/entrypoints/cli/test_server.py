"""`doorstep serve`: a real process on a fresh data directory answers HTTP."""

from __future__ import annotations

import json
import os
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _health(url: str, deadline: float, server: subprocess.Popen[bytes]) -> dict[str, str] | None:
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
def _running(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """The process, always terminated (killed if it hangs) when the block ends."""
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def test_serve_starts_on_a_fresh_data_dir_and_answers(tmp_path: Path) -> None:
    """`serve` migrates an empty data dir, then answers GET /healthz within 20 seconds."""
    port = _free_port()
    env = {**os.environ, "DOORSTEP_DATA_DIR": str(tmp_path / "data")}
    env.pop("DOORSTEP_DATABASE_URL", None)
    command = [sys.executable, "-m", "doorstep.entrypoints.cli.main", "serve", "--port", str(port)]
    log = tmp_path / "server.log"
    with _running(command, env, log) as server:
        url = f"http://127.0.0.1:{port}/healthz"
        health = _health(url, time.monotonic() + STARTUP_LIMIT_S, server)
    output = log.read_text(errors="replace")
    assert health is not None, f"no answer within {STARTUP_LIMIT_S} s; server said:\n{output}"
    assert health["status"] == "ok"
    assert "database upgraded: empty -> " in output
    assert (tmp_path / "data" / "doorstep.db").exists()
