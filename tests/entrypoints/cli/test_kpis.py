"""`doorstep kpis`: the published day's KPIs as a table, CSV or the API's JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

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


def test_kpis_drawn_to_a_png_or_an_html_page(cli: Cli, day: dict[str, str], tmp_path: Path) -> None:
    """``--chart`` writes by the ending (.png or .html, any case), says where on stderr and
    still prints the table or JSON on stdout; any other ending is a usage error, before any
    work, that names the option and both endings."""
    wrong = cli("kpis", "--date", DAY, "--chart", str(tmp_path / "kpis.pdf"))
    assert wrong.exit_code == 2
    message = one_line_error(wrong)
    assert all(word in message for word in ("--chart", ".png", ".html", "kpis.pdf"))
    cli.ok("plan", "publish", plan(cli)["id"])
    png = tmp_path / "kpis.PNG"
    table = cli.ok("kpis", "--date", DAY, "--chart", str(png))
    assert "on time" in table.stdout
    assert f"chart written to {png}" in table.stderr
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    page = tmp_path / "kpis.html"
    body = cli.ok("kpis", "--date", DAY, "--format", "json", "--chart", str(page)).stdout
    assert json.loads(body)["station"] == "HEL1"  # nothing but the JSON on stdout
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert f"KPIs HEL1 (Helsinki West), {DAY}, plan " in html
    assert "<svg" in html
    missing = cli("kpis", "--date", DAY, "--chart", str(tmp_path / "no" / "such" / "k.png"))
    assert missing.exit_code == 1
    assert "--chart: cannot write" in one_line_error(missing)
