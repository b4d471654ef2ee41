"""A 2,000-stop day on the shared map: every stop drawn, the page still answers, and the
time it took measured and reported (printed and written to var/screenshots/map-load.json).

No time is asserted: machines are noisy. What the issue asks ("render under a second after
load") is measured here and read from the report.
"""

from __future__ import annotations

import json
import time
from typing import Any

from doorstep.domain.accounts import Role
from tests.entrypoints.web.conftest import Browsing, Site, screenshot_dir

STOPS = 2000

# Runs in the page: a full-window map, the plan fetched through the pages' own api() and
# drawn by the shared map module; the time to the second frame after drawing is the render.
DRAW = """async (id) => {
  const m = await import('/static/js/map.js');
  const {api} = await import('/static/js/app.js');
  document.body.replaceChildren();
  const box = document.createElement('div');
  box.id = 'load-map';
  box.style.cssText = 'position:fixed;inset:0';
  document.body.append(box);
  const map = m.makeMap(box, {zoom: 12});
  window.loadMap = map;
  const t0 = performance.now();
  const data = await api(`plans/${id}/map`);
  const t1 = performance.now();
  const drawn = m.drawPlan(map, data);
  map.fitBounds(drawn.bounds);
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const t2 = performance.now();
  let numbered = 0;
  drawn.group.eachLayer((layer) => { if (layer instanceof m.NumberedStop) numbered += 1; });
  return {
    fetch_ms: t1 - t0, render_ms: t2 - t1, numbered,
    routes: data.routes.length,
    stops: data.routes.reduce((n, r) => n + r.stops.length, 0),
    left_out: data.left_out.filter((l) => l.lat !== null).length,
    path_points: data.routes.reduce((n, r) => n + r.path.length, 0),
    json_kb: Math.round(JSON.stringify(data).length / 1024),
  };
}"""

# Zoom in one step and pan: both must finish (Leaflet fires zoomend and moveend) while the
# 2,000 stops are on the canvas. The time each took is reported too.
INTERACT = """async () => {
  const map = window.loadMap;
  const done = (event) => new Promise((r) => map.once(event, r));
  const t0 = performance.now();
  const zoomed = done('zoomend');
  map.setZoom(map.getZoom() + 1, {animate: false});
  await zoomed;
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const t1 = performance.now();
  const moved = done('moveend');
  map.panBy([200, 120], {animate: false});
  await moved;
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return {zoom_ms: t1 - t0, pan_ms: performance.now() - t1, zoom: map.getZoom()};
}"""


def timings(drawn: dict[str, Any]) -> dict[str, int]:
    return {"fetch_ms": round(drawn["fetch_ms"]), "render_ms": round(drawn["render_ms"])}


def test_a_day_of_2000_stops_draws_every_stop_and_stays_responsive(
    browsing: Browsing, site: Site
) -> None:
    started = time.monotonic()
    org = site.new_org(orders=STOPS, plan=True)
    setup_s = time.monotonic() - started
    assert org.version is not None
    plan = org.version.plan
    planned = sum(len(r.stop_ids) for r in plan.routes)
    assert planned > 0
    assert len(plan.routes) > 1

    page: Any = browsing.page(org, Role.ADMIN, "/settings", size="desktop")
    page.wait_for_selector("body[data-ready]")  # the settings page's own script is done
    first = page.evaluate(DRAW, org.version.id)
    # The road paths are cached after the first answer: a second load shows the warm time.
    again = page.evaluate(DRAW, org.version.id)
    page.wait_for_load_state("networkidle")  # the streets' tiles, for the screenshot
    browsing.shoot(page, "map-2000", "desktop")
    interaction = page.evaluate(INTERACT)

    # Every planned stop is a numbered marker (plus one per left-out order with a place).
    assert first["stops"] == planned
    assert first["numbered"] == planned + first["left_out"]
    assert again["numbered"] == first["numbered"]
    assert interaction["zoom"] > 0
    # Still answering after the zoom and pan: a click reaches the page's script.
    assert page.evaluate("() => new Promise(r => setTimeout(() => r(1), 0))") == 1

    report = {
        "orders": STOPS,
        "planned_stops": planned,
        "routes": first["routes"],
        "left_out_with_place": first["left_out"],
        "path_points": first["path_points"],
        "json_kb": first["json_kb"],
        "setup_s": round(setup_s, 1),
        "first_load": timings(first),  # the server computes the road paths on the first
        "warm_load": timings(again),  # and keeps them: the second is the warm time
        "zoom_ms": round(interaction["zoom_ms"]),
        "pan_ms": round(interaction["pan_ms"]),
    }
    (screenshot_dir() / "map-load.json").write_text(json.dumps(report, indent=2) + "\n")
    print("map load:", json.dumps(report))
