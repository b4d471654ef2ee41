"""`doorstep kpis`: the published day's KPIs as a table, CSV or the API's JSON."""

from __future__ import annotations

import csv
import io
import json

from tests.entrypoints.cli.runner import Cli, one_line_error
from tests.entrypoints.cli.test_plans import DAY, day, plan

__all__ = ["day"]  # a fixture, used by name


def test_kpis_in_each_format(cli: Cli, day: dict[str, str]) -> None:
    """Refused before a plan is published; then the table names every KPI, the CSV has a row
    per scope and KPI, and the JSON is the API's (undefined rates are null)."""
    refused = cli("kpis", "--date", DAY, "--station", "HEL1")
    assert refused.exit_code == 1
    assert "published plan" in one_line_error(refused)
    cli.ok("plan", "publish", plan(cli)["id"])
    table = cli.ok("kpis", "--date", DAY).stdout  # the only station
    assert "on time" in table
    assert "n/a (0/0)" in table
    rows = list(
        csv.DictReader(io.StringIO(cli.ok("kpis", "--date", DAY, "--format", "csv").stdout))
    )
    assert {r["scope"] for r in rows} >= {"day", "route"}
    on_time = next(r for r in rows if r["scope"] == "day" and r["kpi"] == "on time")
    assert (on_time["numerator"], on_time["denominator"], on_time["value"]) == ("0", "0", "")
    body = json.loads(cli.ok("kpis", "--date", DAY, "--format", "json").stdout)
    assert body["station"] == "HEL1"
    assert body["day"]["first_attempt"]["value"] is None
