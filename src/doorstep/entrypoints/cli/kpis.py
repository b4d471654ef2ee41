"""``doorstep kpis --date D [--station S] [--format table|csv|json] [--chart PATH]``: a day's
KPIs, printed, and drawn as a PNG or an HTML page if asked."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from doorstep.adapters import charts
from doorstep.domain.kpis import Ratio, Scorecard, shown
from doorstep.entrypoints.api.schemas.kpis import KpiReportOut
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.options import service_day
from doorstep.entrypoints.cli.scope import OrgOption, organisation_scope
from doorstep.services import kpis, stations
from doorstep.services.authorization import Principal
from doorstep.services.kpis import KpiReport
from doorstep.services.ports import UnitOfWork


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


PERCENT = "%"  # a rate, shown as a percentage; else the quotient itself


def kpis_command(
    day: Annotated[str, typer.Option("--date", help="The service day, YYYY-MM-DD.")],
    station: Annotated[
        str | None,
        typer.Option(help="The station, by code (HEL1) or id; needed when there are several."),
    ] = None,
    shape: Annotated[Format, typer.Option("--format", help="How to print them.")] = Format.TABLE,
    chart: Annotated[
        Path | None,
        typer.Option(
            "--chart",
            metavar="PATH",
            help="Also draw them: PATH.png (one image) or PATH.html (a page with the numbers).",
        ),
    ] = None,
    org: OrgOption = None,
) -> None:
    """The KPIs of a station's published day: the day as a whole and each route and driver."""
    service_date = service_day(day)
    save = _chart_saver(chart)  # a wrong ending fails before any work
    with organisation_scope(org) as s:
        ref = station or _only_station(s.principal, s.uow())
        report = kpis.day_kpis(s.principal, ref, service_date, uow=s.uow())
    if shape is Format.JSON:
        output.json(KpiReportOut.of(report))
    elif shape is Format.CSV:
        _csv(report)
    else:
        show_tables(report)
    if save:
        save(report)


CHART_WRITERS: dict[str, Callable[[KpiReport], bytes]] = {
    ".png": charts.report_png,
    ".html": lambda report: charts.report_html(report).encode("utf-8"),
}


def _chart_saver(path: Path | None) -> Callable[[KpiReport], None] | None:
    if path is None:
        return None
    draw = CHART_WRITERS.get(path.suffix.lower())
    if draw is None:
        output.usage_error(f"--chart: PATH must end in .png or .html, got {path.name!r}")
    return lambda report: _write_chart(path, draw(report))


def _write_chart(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as e:
        output.fail(f"--chart: cannot write {path}: {e.strerror or e}")
    # On stderr, so the table, CSV or JSON on stdout can still be piped.
    output.note(f"chart written to {path}")


def _only_station(principal: Principal, uow: UnitOfWork) -> str:
    found = stations.list_stations(principal, uow=uow)
    if len(found) != 1:
        codes = ", ".join(s.code for s in found) or "none yet"
        output.usage_error(f"--station: say which station ({codes})")
    return found[0].code


def rows(card: Scorecard) -> list[tuple[str, Ratio | None, str]]:
    """Each KPI of a scorecard as (name, ratio or None when unknown, unit)."""
    road = card.road
    found: list[tuple[str, Ratio | None, str]] = [
        ("on time", card.on_time, PERCENT),
        ("first attempt", card.first_attempt, PERCENT),
        ("scan compliance", card.scan_compliance, PERCENT),
        ("scan events with a problem", card.scan_problems, PERCENT),
        *((f"load use ({k})", v, PERCENT) for k, v in card.load_use.items()),
        ("shift use", card.shift_use, PERCENT),
        ("stops per hour", road.stops_per_hour, ""),
        ("planned m per stop", road.planned_m_per_stop, ""),
        ("GPS m per stop", road.gps_m_per_stop, ""),
        ("cost per stop", road.cost_per_stop, ""),
        ("CO2 g per stop", road.co2_g_per_stop, ""),
        ("actual / planned time", road.actual_vs_planned_s, PERCENT),
        ("GPS / planned distance", road.gps_vs_planned_m, PERCENT),
        ("sequence adherence", road.sequence, PERCENT),
    ]
    found += [(f"failures: {r}", x, PERCENT) for r, x in card.failure_reasons]
    found += [(f"cases opened: {t.value}", Ratio(n, 1), "") for t, n in card.cases.opened.items()]
    median = card.cases.median_to_resolve
    seconds = None if median is None else Ratio(median.total_seconds() / 60, 1)
    found.append(("median minutes to resolve", seconds, ""))
    found.append(("cases still open", Ratio(len(card.cases.still_open), 1), ""))
    return found


def _scopes(report: KpiReport) -> list[tuple[str, str, Scorecard]]:
    numbers = report.kpis
    return [
        ("day", report.station.code, numbers.day),
        *(("route", report.vehicles.get(v, v), c) for v, c in numbers.routes.items()),
        *(("driver", report.drivers.get(d, d), c) for d, c in numbers.drivers.items()),
    ]


WIDEST = 12  # scopes a table shows side by side; a bigger day shows the day alone


def show_tables(report: KpiReport) -> None:
    scopes = _scopes(report)
    if len(scopes) > WIDEST:  # 99 routes and their drivers would not fit any terminal
        output.note(
            f"{len(scopes) - 1} routes and drivers: the day alone below; each of them with "
            "`doorstep kpis --format csv` or `--chart`"
        )
        scopes = scopes[:1]
    names = [name for name, _, _ in rows(scopes[0][2])]
    per_scope = [
        {n: shown(r, percent=u == PERCENT) for n, r, u in rows(card)} for _, _, card in scopes
    ]
    title = f"KPIs {report.station.code} {report.day.isoformat()} (plan {report.plan_number})"
    headers = ["KPI", *(f"{kind} {name}" for kind, name, _ in scopes)]
    extra = sorted({n for cells in per_scope for n in cells} - set(names))
    output.table(
        title, headers, ([n, *(cells.get(n, "") for cells in per_scope)] for n in names + extra)
    )


def _csv(report: KpiReport) -> None:
    writer = csv.writer(sys.stdout)
    writer.writerow(["scope", "name", "kpi", "numerator", "denominator", "value"])
    for kind, name, card in _scopes(report):
        for kpi, ratio, _ in rows(card):
            if ratio is None:
                writer.writerow([kind, name, kpi, "", "", ""])
                continue
            value = "" if ratio.value is None else f"{ratio.value:.4f}"
            writer.writerow([kind, name, kpi, ratio.numerator, ratio.denominator, value])
