// The dispatch board (GET /stations/{s}/dispatch) as one card per route, and the KPI tiles
// of the day so far (GET /kpis; the stops-done tile is the board's `progress`). Both are
// redrawn whole from the server's answer: a handful of routes, so there is no diffing to get
// wrong. The partner deliveries are drawn by control-partners.js.
import { clock, el, percent } from "./app.js";

const STATE = {
  waiting: ["waiting", ""],
  late_departure: ["late departure", "bad"],
  on_road: ["on the road", "ok"],
  finished: ["finished", "muted-badge"],
};

// positions: order_id -> {vehicle_id, position} in the drawn plan, to name stops by number.
export function renderBoard(box, board, { colors, positions, etas, gps, onPick }) {
  box.replaceChildren();
  for (const r of board.routes) {
    const [stateText, stateClass] = STATE[r.state] || [r.state, ""];
    const share = r.stops_total ? r.stops_done / r.stops_total : 0;
    const delay = r.delay_min;
    const delayBadge = el("span", {
      class: `badge ${r.behind ? "bad" : delay > 0 ? "warn" : "ok"}`,
      title: "how late the route runs against its plan",
    }, delay > 0 ? `+${delay} min` : delay < 0 ? `${delay} min` : "on time");
    const number = (id) => (positions.get(id) ? `#${positions.get(id).position}` : id);
    const eta = etas.get(r.vehicle_id);
    const next = eta && eta.stops.length ? eta.stops[0] : null;
    const lateEtas = eta ? eta.stops.filter((s) => s.late_risk) : [];
    const risky = [...new Set([...r.at_risk, ...lateEtas.map((s) => s.order_id)])];
    const ping = gps.get(r.vehicle_id);
    const card = el("article", {
      class: `route-card${r.behind ? " behind" : ""}`,
      dataset: { vehicle: r.vehicle_id, state: r.state, done: String(r.stops_done), total: String(r.stops_total) },
      tabindex: "0",
      onclick: () => onPick(r),
      onkeydown: (e) => { if (e.key === "Enter") onPick(r); },
    },
      el("header", {},
        el("span", { class: "swatch", style: `background:${colors.get(r.vehicle_id) || "#64748b"}` }),
        el("strong", { class: "route-name" }, r.vehicle_name),
        el("span", { class: `badge ${stateClass}`, "data-role": "state" }, stateText),
        delayBadge),
      el("div", { class: "progress", role: "progressbar", "aria-valuemin": "0",
        "aria-valuemax": String(r.stops_total), "aria-valuenow": String(r.stops_done) },
        el("span", { style: `width:${(share * 100).toFixed(1)}%` })),
      el("div", { class: "route-facts" },
        el("span", { class: "num stops-done" }, `${r.stops_done}/${r.stops_total} stops`),
        r.departed_at ? el("span", {}, `left ${clock(r.departed_at)}`) : el("span", {}, `starts ${clock(r.planned_start)}`),
        next ? el("span", { title: "live ETA of the next open stop (p10–p90)" },
          `next ${number(next.order_id)} ${clock(next.eta)} (${clock(next.earliest)}–${clock(next.latest)})`) : null,
        ping ? el("span", { class: "gps", title: "latest GPS fix" }, `GPS ${clock(ping.device_time)}`) : el("span", { class: "muted" }, "no GPS")),
      risky.length ? el("p", { class: "risk" }, `⚠ late risk: ${risky.map(number).join(", ")}`) : null,
      r.dwelling.length ? el("p", { class: "risk" }, `long at stop: ${r.dwelling.map(number).join(", ")}`) : null,
      r.ended_at ? el("p", { class: "muted small" }, `route ended ${clock(r.ended_at)}`) : null);
    box.append(card);
  }
}

// detail: text, or nodes (a figure's parts a test or a screen reader can tell apart).
function tile(key, label, value, detail, tone = "") {
  return el("div", { class: `tile ${tone}`, dataset: { kpi: key } },
    el("div", { class: "value" }, value),
    el("div", { class: "label" }, label),
    detail ? el("div", { class: "detail muted" }, detail) : null);
}

// A ratio's tone: the dispatcher's eye goes to the red one first.
function tone(ratio, good, fair) {
  if (!ratio || ratio.value === null || ratio.value === undefined) return "";
  return ratio.value >= good ? "good" : ratio.value >= fair ? "fair" : "poor";
}

// The day's progress (the board's `progress`). The headline is the whole day, the vans' stops
// and the partner deliveries together: "how much of today is left" is what the tile is read
// for, and a vans-only figure tells a day further along than it is while orders are still
// with partners. Under it, each side's own count, because the dispatcher acts differently on
// each (move a van's stops, chase a partner) and needs to see which one lags. A day without
// partner deliveries shows as before: the vans' count and its share.
function progressTile(board) {
  const p = board ? board.progress : null;
  if (!p) return tile("stops_done", "Stops done", "0/0", "");
  const share = p.total ? percent(p.done / p.total) : "";
  // One line each: the narrow tile would otherwise break a figure in two.
  const detail = p.partners_total ? [
    el("span", { "data-role": "share" }, share), el("br"),
    el("span", { "data-role": "vans" }, `vans ${p.stops_done}/${p.stops_total}`), el("br"),
    el("span", { "data-role": "partners" }, `partners ${p.partners_done}/${p.partners_total}`),
  ] : share;
  return tile("stops_done", "Stops done", `${p.done}/${p.total}`, detail);
}

export function renderTiles(box, { kpis, board, openCases }) {
  const day = kpis ? kpis.day : null;
  const ratio = (r) => (r ? percent(r.value) : "–");
  const text = (r) => (r && r.denominator ? r.text : "nothing yet");
  box.replaceChildren(
    tile("on_time", "On time", ratio(day && day.on_time), text(day && day.on_time), tone(day && day.on_time, 0.95, 0.85)),
    tile("first_attempt", "First attempt", ratio(day && day.first_attempt), text(day && day.first_attempt), tone(day && day.first_attempt, 0.95, 0.85)),
    tile("scan_compliance", "Scan compliance", ratio(day && day.scan_compliance), text(day && day.scan_compliance), tone(day && day.scan_compliance, 0.98, 0.9)),
    progressTile(board),
    tile("open_cases", "Open exceptions", String(openCases), "", openCases ? "poor" : "good"),
  );
}
