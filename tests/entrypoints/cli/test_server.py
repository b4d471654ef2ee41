"""`doorstep serve`: a real process on a fresh data directory answers HTTP."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.support.server import STARTUP_LIMIT_S, free_port, health, running, serve_command


def test_serve_starts_on_a_fresh_data_dir_and_answers(tmp_path: Path) -> None:
    """`serve` migrates an empty data dir, then answers GET /healthz within 20 seconds."""
    port = free_port()
    env = {**os.environ, "DOORSTEP_DATA_DIR": str(tmp_path / "data")}
    env.pop("DOORSTEP_DATABASE_URL", None)
    log = tmp_path / "server.log"
    with running(serve_command(port), env, log) as server:
        url = f"http://127.0.0.1:{port}/healthz"
        answer = health(url, time.monotonic() + STARTUP_LIMIT_S, server)
    output = log.read_text(errors="replace")
    assert answer is not None, f"no answer within {STARTUP_LIMIT_S} s; server said:\n{output}"
    assert answer["status"] == "ok"
    assert "database upgraded: empty -> " in output
    assert (tmp_path / "data" / "doorstep.db").exists()
