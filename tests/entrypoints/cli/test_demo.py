"""``doorstep demo`` end to end on the bundled Helsinki extract: set up, planned, played."""

from __future__ import annotations

from sqlalchemy import text

from tests.entrypoints.cli.runner import Cli


def table(out: str) -> list[str]:
    """The rows of the printed tables: the day's figures and its KPIs."""
    return [line for line in out.splitlines() if line.startswith("│")]


def test_the_demo_plays_a_day_and_the_same_seed_prints_the_same_figures(cli: Cli) -> None:
    """On a fresh data directory the demo builds the region, plays 40 orders and reports
    every one; a second run with the same seed, in a second demo organisation, prints the
    same table, and the day leaves no scan that did not apply but the refused mis-sorts."""
    args = ("demo", "--headless", "--orders", "40", "--seed", "3", "--iterations", "100")
    first = cli.ok(*args)
    assert "building the bundled Helsinki region" in first.stderr
    rows = table(first.stdout)
    counts = {r.split("│")[1].strip(): r.split("│")[2].strip() for r in rows if r.count("│") == 3}
    assert counts["orders"] == "40"
    accounted = sum(
        int(counts[k].split()[0])
        for k in (
            "delivered", "returns collected", "failed attempts", "scans forgotten",
            "on a route, not attempted",
        )
    )  # fmt: skip
    on_a_route = int(counts["sent during the day"].split("(")[1].split()[0])
    assert accounted == 40 + on_a_route
    assert "first attempt" in first.stdout  # the KPI report of the day follows
    second = cli.ok(*args)
    assert table(second.stdout) == rows
    with cli.container().engine.connect() as connection:
        problems = connection.execute(
            text("SELECT kind, count(*) FROM scan_events WHERE problem IS NOT NULL GROUP BY kind")
        ).all()
        organisations = connection.execute(text("SELECT count(*) FROM organisations")).scalar()
    assert {kind for kind, _ in problems} <= {"sort"}
    assert organisations == 2
