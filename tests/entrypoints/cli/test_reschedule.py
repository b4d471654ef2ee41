"""`doorstep orders reschedule`: move an order of a published day to Thursday, from the shell.

The server clock starts at 06:00 on DAY (a Monday) in Helsinki, so Thursday is three days on.
"""

from __future__ import annotations

import json
from datetime import datetime

from tests.entrypoints.cli.runner import Cli, one_line_error
from tests.entrypoints.cli.test_plans import DAY, day, plan

__all__ = ["day"]  # a fixture, used by name

THURSDAY = "2026-11-26"


def test_reschedule_takes_the_order_out_of_the_published_plan_once(
    cli: Cli, day: dict[str, str]
) -> None:
    cli.env["DOORSTEP_CLOCK_START"] = f"{DAY}T06:00:00+02:00"
    cli.ok("plan", "publish", plan(cli)["id"])
    order_id = day["A-1"]
    args = ("orders", "reschedule", order_id, "--date", THURSDAY, "--window", "10:00-12:00")

    moved = cli.ok(*args).stdout
    assert f"order {order_id} moved to {THURSDAY} (ready)" in moved
    assert "its stop left plan 1: the day runs plan 2 (published, pln_" in moved
    plan_id = next(w.strip("()") for w in moved.split() if w.startswith("pln_"))
    shown = json.loads(cli.ok("orders", "show", order_id, "--json").stdout)
    assert shown["service_date"] == THURSDAY
    [window] = shown["time_windows"]
    # The slot in the station's own time zone: the fixture's HEL1 keeps the default, UTC.
    starts, ends = (datetime.fromisoformat(window[k]) for k in ("start_at", "end_at"))
    assert (starts, ends) == (
        datetime.fromisoformat(f"{THURSDAY}T10:00:00+00:00"),
        datetime.fromisoformat(f"{THURSDAY}T12:00:00+00:00"),
    )
    latest = json.loads(cli.ok("plan", "show", plan_id, "--json").stdout)
    assert (latest["number"], latest["status"]) == (2, "published")
    planned = [v["order_id"] for r in latest["routes"] for v in r["visits"]]
    planned += [u["order_id"] for u in latest["unassigned"]]
    assert order_id not in planned
    assert len(planned) == 3

    again = cli.ok(*args).stdout
    assert f"order {order_id} is on {THURSDAY} already: nothing changed" in again
    listed = json.loads(cli.ok("plan", "list", "--station", "HEL1", "--date", DAY, "--json").stdout)
    assert [p["number"] for p in listed["items"]] in ([1, 2], [2, 1])  # no third version

    today = cli("orders", "reschedule", day["A-2"], "--date", DAY)
    assert today.exit_code == 1
    assert one_line_error(today).startswith("Error: --date: must be tomorrow (2026-11-24)")
