"""KPI charts: a PNG of the expected size and a page that needs nothing from elsewhere, the
same bytes for the same day, and undefined numbers said as "n/a" or "no data", never as 0."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from matplotlib import image
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from doorstep.adapters import charts
from doorstep.domain import kpis
from doorstep.domain.day_facts import DayFacts
from doorstep.domain.scans import FailReason
from doorstep.services.kpis import KpiReport
from tests.domain.test_kpis import DAY, delivered, facts, failed, route
from tests.domain.test_stations import station

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NASTY = '<b>&"'  # names are typed by users


def report(
    day: DayFacts, *, name: str = "Helsinki", vehicles: dict[str, str] | None = None
) -> KpiReport:
    return KpiReport(
        station(name=name), DAY, 3, kpis.day_kpis(day), vehicles or {"v1": "Van 1"}, {}
    )


def busy_day() -> DayFacts:
    """Two vans with capacities and shifts (one with GPS), deliveries and two failures."""
    fields = {"capacity": (100, 10), "peak_load": (80, 6), "shift_s": 8 * 3600}
    r1 = route("a", "b", "c", driver_id="d1", gps_distance_m=45_000.0, **fields)
    r2 = route("d", "e", vehicle_id="v2", ended_at=None, **fields)
    events = delivered("P-a", 9) + delivered("P-b", 11) + failed("P-c", 10)
    events += delivered("P-d", 9) + failed("P-e", 10, FailReason.REFUSED)
    day = facts(events, r1, r2, windows={"a": (8, 10), "b": (8, 10)})
    return replace(day, dimensions=("weight_kg", "parcels"))


def two_vans() -> KpiReport:
    return report(busy_day(), vehicles={"v1": "Van 1", "v2": "Van 2"})


def no_deliveries() -> KpiReport:
    return report(facts([], route("a", "b")))


def all_failed() -> KpiReport:
    events = failed("P-a", 9) + failed("P-b", 10, FailReason.REFUSED)
    return report(facts(events, route("a", "b")))


def not_departed() -> KpiReport:
    """One route, never left: its time and stops per hour are undefined (Ratio value None),
    and without GPS the distance ratio is None itself."""
    return report(facts([], route("a", departed_at=None, ended_at=None)))


def no_routes() -> KpiReport:
    return report(facts([]))


EDGE_CASES = [no_deliveries, all_failed, not_departed, no_routes]


class _Page(HTMLParser):
    """Counts the elements the page is made of, so the test reads it as a browser would."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(page: str) -> _Page:
    found = _Page()
    found.feed(page)
    return found


def test_the_png_is_one_image_of_the_announced_size() -> None:
    data = charts.report_png(two_vans())
    assert data.startswith(PNG_MAGIC)
    pixels = image.imread(io.BytesIO(data), format="png")
    width, height = charts.PNG_SIZE_PX
    assert pixels.shape[:2] == (height, width)


def test_the_page_is_self_contained_with_one_svg_per_chart() -> None:
    """No URL at all (no scripts, fonts, styles or images from elsewhere), one inline <svg>
    per chart, and ids unique across the charts (each SVG numbers its own from 1)."""
    page = charts.report_html(two_vans())
    assert "http://" not in page
    assert "https://" not in page
    assert "<script" not in page
    assert "<link" not in page
    assert "<img" not in page
    found = parsed(page)
    assert found.tags.count("svg") == len(charts.CHARTS) == page.count("<svg")
    ids = [v for k, v in found.attributes if k == "id"]
    assert ids
    assert len(ids) == len(set(ids))
    refs = [re.findall(r"^#(.+)$|url\(#([^)]+)\)", v or "") for _, v in found.attributes]
    targets = {a or b for found_in_one in refs for a, b in found_in_one}
    assert targets
    assert targets <= set(ids)  # every reference finds its target in the page


def test_the_page_shows_the_title_and_the_day_in_numbers() -> None:
    page = charts.report_html(two_vans())
    text = " ".join(parsed(page).text)
    assert "KPIs HEL1 (Helsinki), 2026-11-23, plan 3" in text
    assert "on time" in text
    assert "2/3 (66.7%)" in text
    assert "failed attempts" in text


def test_user_text_is_escaped_in_the_page_and_shown_literally_in_the_charts() -> None:
    """A station and a vehicle named like markup (and like mathtext: dollars) are text."""
    nasty = report(busy_day(), name=NASTY, vehicles={"v1": NASTY, "v2": "Van $2$"})
    page = charts.report_html(nasty)
    assert NASTY not in page
    assert "&lt;b&gt;&amp;&quot;" in page  # the title and heading
    assert "<b>" not in page
    assert charts.report_png(nasty).startswith(PNG_MAGIC)  # the dollars did not break a draw


def test_the_same_day_gives_the_same_bytes() -> None:
    assert charts.report_png(two_vans()) == charts.report_png(two_vans())
    assert charts.report_html(two_vans()) == charts.report_html(two_vans())


def test_drawing_in_threads_gives_the_same_bytes() -> None:
    """The API draws in worker threads: concurrent pages stay identical to a lone one."""
    alone = charts.report_html(two_vans())
    with ThreadPoolExecutor(4) as pool:
        pages = list(pool.map(lambda _: charts.report_html(two_vans()), range(8)))
    assert set(pages) == {alone}


@pytest.mark.parametrize("case", EDGE_CASES, ids=lambda f: f.__name__)
def test_edge_cases_draw_without_failing(case: Callable[[], KpiReport]) -> None:
    made = case()
    assert charts.report_png(made).startswith(PNG_MAGIC)
    assert parsed(charts.report_html(made)).tags.count("svg") == len(charts.CHARTS)


def drawn(draw: charts.Draw, made: KpiReport) -> Axes:
    ax = Figure().add_subplot()
    draw(ax, made)
    return ax


def texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def heights(ax: Axes) -> list[float]:
    return [p.get_height() for p in ax.patches if isinstance(p, Rectangle)]


def test_no_deliveries_say_no_data_rather_than_zero() -> None:
    """Nothing attempted: no on-time or first-attempt bars (not bars of height 0), and the
    failure panel says "no data", not "no failed attempts"."""
    made = no_deliveries()
    assert texts(drawn(charts.CHARTS[0], made)) == [charts.NO_DATA]
    assert not drawn(charts.CHARTS[0], made).patches
    assert texts(drawn(charts.CHARTS[1], made)) == [charts.NO_DATA]


def test_all_failed_draws_zero_first_attempts_and_ranks_the_reasons() -> None:
    """First attempt 0/2 is a real 0 (a bar); on time is undefined (n/a); reasons ranked."""
    made = all_failed()
    rates = drawn(charts.CHARTS[0], made)
    assert texts(rates) == ["n/a", "0%"]  # on time has no bar; first attempt's says 0%
    assert heights(rates) == [0.0]
    reasons = drawn(charts.CHARTS[1], made)
    assert [t.get_text() for t in reasons.get_yticklabels()] == ["recipient absent", "refused"]


def test_attempts_without_failures_say_so() -> None:
    made = report(facts(delivered("P-a", 9), route("a")))
    assert texts(drawn(charts.CHARTS[1], made)) == ["no failed attempts"]


def test_an_undefined_ratio_is_marked_not_drawn() -> None:
    """A route that never left: actual/planned time is 0/0 and GPS distance None; the panel
    has nothing to draw and says so; stops per hour likewise."""
    made = not_departed()
    assert made.kpis.day.road.actual_vs_planned_s.value is None
    assert made.kpis.day.road.gps_vs_planned_m is None
    assert texts(drawn(charts.CHARTS[3], made)) == [charts.NO_DATA]
    assert texts(drawn(charts.CHARTS[4], made)) == [charts.NO_DATA]


def test_one_undefined_value_among_known_ones_is_marked_n_a() -> None:
    """Van 2 has not ended: its actual/planned time is n/a beside Van 1's bar."""
    ax = drawn(charts.CHARTS[3], two_vans())
    assert "n/a" in texts(ax)
    assert all(h > 0 for h in heights(ax))
