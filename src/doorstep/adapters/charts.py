"""Charts of a station's day in KPIs: one PNG, or a self-contained HTML page of inline SVGs.

Drawn with matplotlib's object API (a ``Figure`` renders itself on Agg or SVG when saved),
never pyplot: pyplot keeps global figures and state, and the API draws in worker threads.
A value that is undefined (``Ratio.value`` None, or no GPS) is never drawn as a zero bar:
its slot says "n/a", and a panel with nothing defined says "no data".
"""

from __future__ import annotations

import html
import io
import re
import threading
from collections.abc import Callable, Sequence

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from doorstep.domain.kpis import Ratio, Scorecard, shown
from doorstep.services.kpis import KpiReport

PANEL_INCHES = (6.0, 3.6)
PNG_GRID = (3, 2)  # rows, columns: five charts and the headline numbers
PNG_DPI = 100
PNG_SIZE_PX = (  # width, height
    int(PANEL_INCHES[0] * PNG_GRID[1] * PNG_DPI),
    int(PANEL_INCHES[1] * PNG_GRID[0] * PNG_DPI),
)
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")
NO_DATA = "no data"
LABEL_CHARS = 24  # vehicle names are free text; long ones would squeeze the plot away
HEADROOM = 1.35
BAR_VALUES_UP_TO = 8  # routes; with more, numbers on the bars overlap


# --- what the report holds, in rows the charts and the table share ---


def _routes(report: KpiReport) -> list[tuple[str, Scorecard]]:
    """(vehicle name, scorecard) per route, by name then id, so the same day draws the same."""
    named = [(report.vehicles.get(v, v), v, card) for v, card in report.kpis.routes.items()]
    return [(name, card) for name, _, card in sorted(named, key=lambda t: (t[0], t[1]))]


def _value(ratio: Ratio | None) -> float | None:
    return None if ratio is None else ratio.value


def headline(report: KpiReport) -> list[tuple[str, str]]:
    """The day's numbers a station lead reads first, as (KPI, text)."""
    day = report.kpis.day
    road = day.road
    failures = sum(r.numerator for _, r in day.failure_reasons)
    return [
        ("on time", shown(day.on_time, percent=True)),
        ("first attempt", shown(day.first_attempt, percent=True)),
        ("failed attempts", f"{failures:g}"),
        ("scan compliance", shown(day.scan_compliance, percent=True)),
        *((f"load use ({k})", shown(v, percent=True)) for k, v in day.load_use.items()),
        ("shift use", shown(day.shift_use, percent=True)),
        ("stops per hour", shown(road.stops_per_hour, percent=False)),
        ("actual / planned time", shown(road.actual_vs_planned_s, percent=True)),
        ("GPS / planned distance", shown(road.gps_vs_planned_m, percent=True)),
        ("sequence adherence", shown(road.sequence, percent=True)),
        ("cases opened", str(sum(day.cases.opened.values()))),
        ("cases still open", str(len(day.cases.still_open))),
    ]


def title(report: KpiReport) -> str:
    station = report.station
    return (
        f"KPIs {station.code} ({station.name}), {report.day.isoformat()}, plan {report.plan_number}"
    )


# --- drawing helpers ---


def _text(s: str, limit: int | None = LABEL_CHARS) -> str:
    """User text as matplotlib shows it literally: cut to ``limit``, and with ``$`` escaped,
    since an even number of dollars is parsed as mathtext (and bad mathtext fails the draw)."""
    short = s if limit is None or len(s) <= limit else s[: limit - 1] + "…"
    return short.replace("$", r"\$")


def _no_data(ax: Axes, message: str = NO_DATA) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="grey")


Series = tuple[str, Sequence[float | None]]  # (legend name, one value per label, None: n/a)


def _grouped_bars(ax: Axes, labels: Sequence[str], series: Sequence[Series], *, pct: bool) -> bool:
    """Bars per label, one per series; an undefined value gets "n/a" instead of a bar.
    False (and "no data") when no value is defined at all."""
    if not labels or all(v is None for _, values in series for v in values):
        _no_data(ax)
        return False
    width = 0.8 / len(series)
    for i, (_, values) in enumerate(series):
        offset = (i - (len(series) - 1) / 2) * width
        _bars(ax, [n + offset for n in range(len(labels))], values, width, COLOURS[i], pct=pct)
    ax.set_xticks(range(len(labels)), [_text(s) for s in labels])
    if len(labels) > 4:  # names side by side would overlap: slant them, ending at their bar
        for label in ax.get_xticklabels():
            label.set_rotation(30)
            label.set_horizontalalignment("right")
    ax.set_xlim(-0.5, len(labels) - 0.5)
    top = max(v for _, values in series for v in values if v is not None)
    if pct:
        top = max(top, 1.0)  # a rate axis always shows 100%, so 40% does not look full
    # Headroom above the highest bar for its number and the legend's one row.
    ax.set_ylim(0, top * HEADROOM if top > 0 else 1.0)
    if pct:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    handles = [Patch(color=COLOURS[i], label=_text(name)) for i, (name, _) in enumerate(series)]
    ax.legend(handles=handles, fontsize=7, loc="upper left", ncols=len(handles))
    return True


def _bars(
    ax: Axes,
    xs: Sequence[float],
    values: Sequence[float | None],
    width: float,
    colour: str,
    *,
    pct: bool,
) -> None:
    known = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
    drawn = ax.bar([x for x, _ in known], [v for _, v in known], width, color=colour)
    if len(xs) <= BAR_VALUES_UP_TO:
        ax.bar_label(drawn, [f"{v:.0%}" if pct else f"{v:.1f}" for _, v in known], fontsize=6)
    for x, v in zip(xs, values, strict=True):
        if v is None:
            ax.text(x, 0, "n/a", ha="center", va="bottom", rotation=90, fontsize=7, color="dimgrey")


# --- the panels ---


def _rates(ax: Axes, report: KpiReport) -> None:
    routes = _routes(report)
    ax.set_title("On time and first attempt, per route")
    _grouped_bars(
        ax,
        [name for name, _ in routes],
        [
            ("on time", [c.on_time.value for _, c in routes]),
            ("first attempt", [c.first_attempt.value for _, c in routes]),
        ],
        pct=True,
    )


def _failures(ax: Axes, report: KpiReport) -> None:
    """Failed attempts by reason, most first; with attempts but no failures that is a fact
    ("no failed attempts"), without attempts there is nothing to say ("no data")."""
    day = report.kpis.day
    ax.set_title("Failed attempts by reason")
    if not day.failure_reasons:
        _no_data(ax, "no failed attempts" if day.first_attempt.denominator else NO_DATA)
        return
    names = [_text(reason.replace("_", " ")) for reason, _ in day.failure_reasons]
    counts = [share.numerator for _, share in day.failure_reasons]
    ys = range(len(names))
    drawn = ax.barh(ys, counts, height=0.6, color=COLOURS[3])
    shares = [f"{share.numerator:g} ({share.value or 0:.0%})" for _, share in day.failure_reasons]
    ax.bar_label(drawn, shares, fontsize=7, padding=2)
    ax.set_yticks(ys, names)
    ax.invert_yaxis()  # the most frequent on top
    ax.set_xlim(0, max(counts) * 1.3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 0.5 of a scan
    ax.set_xlabel("failure scans")


def _utilisation(ax: Axes, report: KpiReport) -> None:
    routes = _routes(report)
    dimensions = list(report.kpis.day.load_use)
    series: list[Series] = [
        (f"load ({d})", [_value(c.load_use.get(d)) for _, c in routes]) for d in dimensions
    ]
    series.append(("shift", [c.shift_use.value for _, c in routes]))
    ax.set_title("Load use (peak / capacity) and shift use, per route")
    _grouped_bars(ax, [name for name, _ in routes], series, pct=True)


def _against_plan(ax: Axes, report: KpiReport) -> None:
    routes = _routes(report)
    ax.set_title("Actual / planned, per route")
    drawn = _grouped_bars(
        ax,
        [name for name, _ in routes],
        [
            ("time", [c.road.actual_vs_planned_s.value for _, c in routes]),
            ("distance (GPS)", [_value(c.road.gps_vs_planned_m) for _, c in routes]),
        ],
        pct=True,
    )
    if drawn:
        ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--")  # as planned


def _stops_per_hour(ax: Axes, report: KpiReport) -> None:
    routes = _routes(report)
    ax.set_title("Stops done per hour on the road, per route")
    drawn = _grouped_bars(
        ax,
        [name for name, _ in routes],
        [("stops / h", [c.road.stops_per_hour.value for _, c in routes])],
        pct=False,
    )
    day = report.kpis.day.road.stops_per_hour.value
    if drawn and day is not None:
        ax.axhline(day, color="black", linewidth=0.8, linestyle="--")
        ax.text(-0.45, day, f" day {day:.1f}", va="bottom", fontsize=7)


def _headline_table(ax: Axes, report: KpiReport) -> None:
    ax.set_axis_off()
    ax.set_title("The day")
    cells = [[name, _text(text, limit=None)] for name, text in headline(report)]
    table = ax.table(cells, loc="center", cellLoc="left", edges="horizontal")
    table.auto_set_font_size(False)
    table.set_fontsize(8)


Draw = Callable[[Axes, KpiReport], None]
CHARTS: tuple[Draw, ...] = (_rates, _failures, _utilisation, _against_plan, _stops_per_hour)


# --- the outputs ---


def report_png(report: KpiReport) -> bytes:
    """One image of ``PNG_SIZE_PX``: every chart and the day's headline numbers."""
    rows, columns = PNG_GRID
    figure = Figure(figsize=(PANEL_INCHES[0] * columns, PANEL_INCHES[1] * rows), dpi=PNG_DPI)
    figure.set_layout_engine("constrained")
    figure.suptitle(_text(title(report), limit=None))
    for draw, ax in zip(
        (*CHARTS, _headline_table), figure.subplots(rows, columns).flat, strict=True
    ):
        draw(ax, report)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=PNG_DPI)  # Agg writes no time into a PNG
    return out.getvalue()


def report_html(report: KpiReport) -> str:
    """A page that needs nothing else: title, the day's numbers and each chart as inline SVG."""
    heading = html.escape(title(report))
    rows = "\n".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(text)}</td></tr>"
        for name, text in headline(report)
    )
    figures = "\n".join(
        f"<figure>{_svg(draw, report, f'c{n}-')}</figure>" for n, draw in enumerate(CHARTS)
    )
    return PAGE.format(title=heading, rows=rows, figures=figures)


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 1.5em; }}
th, td {{ text-align: left; padding: 0.2em 1em 0.2em 0; border-bottom: 1px solid #ddd; }}
th {{ font-weight: normal; color: #555; }}
figure {{ margin: 0 0 1.5em 0; }}
svg {{ max-width: 100%; height: auto; }}
</style>
</head>
<body>
<h1>{title}</h1>
<table>
{rows}
</table>
{figures}
</body>
</html>
"""

# rc_context changes matplotlib's global rcParams for its duration: the lock keeps two
# threads from interleaving (one leaving would reset the salt the other is drawing with).
_SVG_LOCK = threading.Lock()
# No Date (a timestamp) and no creator, format or type (URLs) in the SVG's metadata.
_SVG_METADATA: dict[str, str | None] = {"Date": None, "Creator": None, "Format": None, "Type": None}


def _svg(draw: Draw, report: KpiReport, prefix: str) -> str:
    figure = Figure(figsize=PANEL_INCHES, layout="constrained")
    draw(figure.add_subplot(), report)
    out = io.StringIO()
    # A fixed salt gives clip paths and markers the same ids on every run; glyphs are drawn
    # as paths (the default, said here so a site's matplotlibrc cannot change it): no fonts.
    with _SVG_LOCK, matplotlib.rc_context({"svg.hashsalt": "doorstep", "svg.fonttype": "path"}):
        figure.savefig(out, format="svg", metadata=_SVG_METADATA)
    return _inline(out.getvalue(), prefix)


_TAG = re.compile(r"<[^<>]*>")  # the writer escapes < and > in text and attribute values
_REFERENCE = re.compile(r'(\bid="|href="#|url\(#)')
_NAMESPACE = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')


def _inline(svg: str, prefix: str) -> str:
    """The SVG document as an element of an HTML page.

    The XML declaration and doctype go (not allowed in HTML), and so do the namespace
    declarations: the HTML parser puts ``<svg>`` and ``xlink:href`` in their namespaces
    itself, and the page then names no URL at all. Every id and reference gets ``prefix``:
    each chart names its groups alike (``figure_1``, ``axes_1``) and its glyphs by font and
    character, and ids must be unique in the page.
    """
    root = svg[svg.index("<svg") :]
    root = _NAMESPACE.sub("", root[: root.index(">")]) + root[root.index(">") :]
    return _TAG.sub(lambda tag: _REFERENCE.sub(rf"\g<1>{prefix}", tag.group(0)), root)
