// The plan as a timeline: one row per route, bars for driving, waiting, serving and the
// break, on an hour axis in the station's time zone. Plain DOM with percentages, so it
// scales with its box and needs no redraw on resize; a phone scrolls it sideways.
import { clock, el } from "./app.js";

const HOUR = 3600e3;
const WORDS = { drive: "drive to stop", wait: "wait", service: "serve stop", break: "break" };

// Minutes and seconds past the local hour at `ms` in `zone` (zones off by half hours too).
function pastLocalHour(ms, zone) {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: zone, minute: "2-digit", second: "2-digit" }).formatToParts(new Date(ms));
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  return (get("minute") * 60 + get("second")) * 1000 + (ms % 1000);
}

export function drawGantt(box, timeline, { colors = {}, onRoute, onStop } = {}) {
  const zone = timeline.timezone;
  if (!timeline.routes.length) {
    box.replaceChildren(el("p", { class: "empty" }, "No routes in this plan."));
    return;
  }
  const starts = timeline.routes.map((r) => Date.parse(r.start_at));
  const ends = timeline.routes.map((r) => Date.parse(r.end_at));
  const from = Math.min(...starts) - pastLocalHour(Math.min(...starts), zone);
  let to = from + HOUR;
  while (to < Math.max(...ends)) to += HOUR;
  const span = to - from;
  const at = (iso) => ((Date.parse(iso) - from) / span) * 100;

  const hours = [];
  const step = span > 14 * HOUR ? 2 : 1;
  for (let t = from, i = 0; t <= to; t += HOUR, i += 1) {
    if (i % step) continue;
    hours.push(el("span", { class: "tick", style: `left:${((t - from) / span) * 100}%` }, clock(new Date(t).toISOString(), zone)));
  }
  const grid = el("div", { class: "gantt-grid" }, hours.map((h) => el("i", { style: `left:${h.style.left}` })));
  const axis = el("div", { class: "gantt-row gantt-axis" }, el("div", { class: "gantt-label" }), el("div", { class: "gantt-track" }, hours));

  const rows = timeline.routes.map((route) => {
    const color = colors[route.vehicle_id] || "#475569";
    const bars = route.segments.map((s) => {
      const left = at(s.start_at);
      const width = Math.max(at(s.end_at) - left, 0.08);
      const what = s.position ? `${WORDS[s.kind]} ${s.position}` : s.kind === "drive" ? "drive back to the station" : WORDS[s.kind];
      return el("span", {
        class: `seg ${s.kind}`,
        style: `left:${left.toFixed(3)}%;width:${width.toFixed(3)}%${s.kind === "service" ? `;background:${color}` : ""}`,
        title: `${what} · ${clock(s.start_at, zone)}–${clock(s.end_at, zone)}`,
        dataset: { kind: s.kind, ...(s.order_id ? { order: s.order_id } : {}) },
        onclick: s.order_id && onStop ? () => onStop(s.order_id, route.vehicle_id) : null,
      });
    });
    const stops = route.segments.filter((s) => s.kind === "service").length;
    return el("div", { class: "gantt-row", dataset: { vehicle: route.vehicle_id } },
      el("button", { type: "button", class: "gantt-label", onclick: () => onRoute && onRoute(route.vehicle_id), title: `${route.vehicle_name}: ${stops} stops` },
        el("i", { class: "swatch", style: `background:${color}` }), route.vehicle_name),
      el("div", { class: "gantt-track" }, bars));
  });
  box.replaceChildren(el("div", { class: "gantt-body" }, axis, el("div", { class: "gantt-rows" }, grid, rows)));
}

// Widen the timeline (it scrolls sideways) so that two-minute stops become clickable bars.
export function initGanttZoom() {
  const box = document.getElementById("gantt");
  let scale = 1;
  const apply = () => {
    box.style.width = scale === 1 ? "" : `${scale * 100}%`;
    document.getElementById("gantt-scale").textContent = `${scale}×`;
    box.dataset.scale = String(scale);
  };
  document.getElementById("gantt-in").addEventListener("click", () => { scale = Math.min(scale * 2, 16); apply(); });
  document.getElementById("gantt-out").addEventListener("click", () => { scale = Math.max(scale / 2, 1); apply(); });
}
