"""``doorstep demo`` live: the server answers on the played day's clock while the day plays."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from doorstep.entrypoints.cli.demo_live import Pacer
from doorstep.simulation.world import DayRun, SimClock
from tests.support.server import free_port

T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
DAY_LIMIT_S = 300.0


class FakeWall:
    """A wall clock that moves only when slept on."""

    def __init__(self) -> None:
        self.now, self.slept = 100.0, 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


def test_the_pacer_holds_the_day_to_the_wall_and_moves_the_clock_meanwhile() -> None:
    """At 60 times as fast, an hour of the day waits a minute of wall time; the shared clock
    moves on while waiting, never past the moment about to be played, never backwards."""
    wall, clock, seen = FakeWall(), SimClock(T0), []
    pacer = Pacer(clock, 60.0, lambda at, _: seen.append(clock.current), wall, wall.sleep)
    pacer(T0, DayRun())
    assert wall.slept == 0.0
    pacer(T0 + timedelta(hours=1), DayRun())
    assert wall.slept == 60.0
    assert seen[-1] == T0 + timedelta(hours=1)
    wall.now += 120  # the play itself was slow: behind the wall, nothing waits
    pacer(T0 + timedelta(hours=2), DayRun())
    assert wall.slept == 60.0
    pacer(T0 + timedelta(hours=1, minutes=30), DayRun())
    assert wall.slept == 60.0
    assert clock.current == T0 + timedelta(hours=1)  # the play sets it; the pacer never waits
    # for a moment behind the wall, and never moves the clock back


def _get(url: str, key: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - local http URL
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
        return answer.status, answer.read().decode()


def _check_pages(printed: str, port: int, day: str) -> None:
    """The printed control tower opens (a stranger is sent to sign in), and the printed
    driver's login signs in and reads their own route."""
    base = f"http://127.0.0.1:{port}"
    tower = re.search(rf"{base}/control\?station=\S+", printed)
    assert tower, printed
    status, html = _get(tower.group(0))
    assert status == 200
    assert "Sign in" in html
    driver = re.search(r"driver app \(phone\).*?: (\S+@\S+) / (\S+)", printed)
    assert driver, printed
    body = json.dumps({"email": driver.group(1), "password": driver.group(2)}).encode()
    request = urllib.request.Request(  # noqa: S310 - local http URL
        f"{base}/session", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
        cookie = answer.headers["Set-Cookie"].split(";")[0]
    mine = urllib.request.Request(  # noqa: S310
        f"{base}/api/v1/me/route?date={day}", headers={"Cookie": cookie}
    )
    with urllib.request.urlopen(mine, timeout=5) as answer:  # noqa: S310
        route = json.load(answer)
    assert route["stops"]


def test_the_live_demo_serves_the_day_as_it_plays(tmp_path: Path) -> None:
    """While a small day plays an hour a second, the printed tracking page and the dispatch
    board answer, on the played day's clock; then the day's report is printed."""
    port = free_port()
    env = os.environ | {
        "DOORSTEP_DATA_DIR": str(tmp_path / "data"), "DOORSTEP_FAST_PASSWORD_HASHING": "1",
    }  # fmt: skip
    env.pop("DOORSTEP_DATABASE_URL", None)
    command = [
        sys.executable, "-m", "doorstep.entrypoints.cli.main", "demo", "--orders", "12",
        "--seed", "2", "--iterations", "50", "--speed", "3600", "--port", str(port),
    ]  # fmt: skip
    out = tmp_path / "out.txt"
    with out.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.PIPE)  # noqa: S603
        try:
            deadline = time.monotonic() + DAY_LIMIT_S
            while "tracking page of" not in out.read_text() and process.poll() is None:
                assert time.monotonic() < deadline, out.read_text()
                time.sleep(0.2)
            printed = out.read_text()
            page = re.search(rf"http://127\.0\.0\.1:{port}/t/trk_\S+", printed)
            key = re.search(r"dsk_\S+", printed)
            assert page, printed
            assert key, printed
            status, html = _get(page.group(0))
            assert status == 200
            assert "Your delivery" in html
            board_url = re.search(
                rf"http://127\.0\.0\.1:{port}/api/v1/stations/\S+?date=\S+\b", printed
            )
            assert board_url, printed
            status, body = _get(board_url.group(0), key.group(0))
            board = json.loads(body)
            assert status == 200
            at = datetime.fromisoformat(board["at"])
            day = board_url.group(0).split("date=")[1][:10]
            assert at.date().isoformat() == day
            _check_pages(printed, port, day)
            _, err = process.communicate(timeout=DAY_LIMIT_S)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
    assert process.returncode == 0, err.decode()
    assert "first attempt" in out.read_text()  # the KPI report after the day
