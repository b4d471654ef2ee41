// The station screens: Receive, Sort and Load, for a handheld or keyboard-wedge scanner.
// Every scan becomes a scan event (POST /events, a fresh id each), queued so none is lost
// while the previous one is in flight; the answer shows big and coloured, with a tone.
// The mode, lane and vehicle live in the URL (?mode=sort&lane=L02, ?mode=load&vehicle=...).

import { api, describe, el, newId, pageData, stream, toast, $ } from "./app.js";
import { beep, unlockSound } from "./station-sound.js";
import { keepScanning } from "./station-scanner.js";
import { ScanQueue } from "./station-queue.js";
import { verdict } from "./station-verdict.js";
import { showVerdict, historyRow, settleRow, settleFlash } from "./station-feedback.js";
import * as views from "./station-views.js";
import { fill } from "./station-views.js";

const MODES = ["receive", "sort", "load"];
const KIND_RANK = { ok: 0, info: 0, warn: 1, bad: 2 };
const STAGE_OF = { ready: "expected", received: "received", sorted: "sorted", loaded: "loaded" };

const data = pageData();
const query = new URLSearchParams(location.search);
const mode = MODES.includes(query.get("mode")) ? query.get("mode") : "receive";
const state = {
  lane: query.get("lane") || "",  // sort: the lane the associate stands at; "" = the plan's
  vehicle: query.get("vehicle") || "",  // load: the vehicle being loaded
  plan: null, lines: new Map(), floor: null, parcels: new Map(), receiving: null, loadOut: null,
};
const feedback = $("#feedback");
const recent = $("#history");
const input = $("#scan");

// Scans are stamped on the server's clock, not the device's: the page learnt the server's
// time when it loaded, and a handheld whose clock is off would otherwise order its scans
// wrongly against the server's own (a departure) and fall outside the station's day. The
// server replays a parcel's scans in this time's order, so it never goes back on a device,
// even across reloads (the last one used is kept in localStorage).
const skew = data.now ? Date.parse(data.now) - Date.now() : 0;
const LAST_SCAN = "doorstep.station.lastScanTime";
function scanTime() {
  let last = 0;
  try { last = Number(localStorage.getItem(LAST_SCAN)) || 0; } catch { last = 0; }
  const at = Math.max(Date.now() + skew, last + 1);
  try { localStorage.setItem(LAST_SCAN, String(at)); } catch { /* private mode: no memory */ }
  return new Date(at).toISOString();
}

function stationPath(rest) {
  return `stations/${encodeURIComponent(data.station)}/${rest}${rest.includes("?") ? "&" : "?"}date=${data.date}`;
}

function setUrl() {
  const q = new URLSearchParams(location.search);
  q.set("mode", mode);
  for (const key of ["lane", "vehicle"]) q.delete(key);
  if (mode === "sort" && state.lane) q.set("lane", state.lane);
  if (mode === "load" && state.vehicle) q.set("vehicle", state.vehicle);
  window.history.replaceState(null, "", `?${q}`);
}

function vehicleName(id) {
  const lane = state.floor && state.floor.lanes.find((l) => l.vehicle_id === id);
  return lane ? lane.vehicle_name : id || "?";
}

// ---- loading what the screens show -----------------------------------------------------

async function loadPlan() {
  try {
    state.plan = await api(stationPath("sort-plan"));
    state.lines = new Map(state.plan.lines.map((l) => [l.barcode, l]));
  } catch (error) {
    state.plan = null;
    if (error.status !== 404) toast(describe(error), "bad");
  }
}

// Refreshes overlap (a scan's answer, a pushed notice, the poll) and their answers may come
// back in any order: one that started before a later one finished must not draw the floor as
// it was before the later scans. Only the newest started refresh is drawn.
let refreshes = 0;

async function refresh() {
  const mine = ++refreshes;
  try {
    const want = (path) => api(stationPath(path));
    const vehicle = mode === "load" && state.plan ? state.vehicle : "";
    const [floor, receiving, loadOut] = await Promise.all([
      state.plan ? want("floor") : null,
      mode === "receive" ? want("receiving") : null,
      vehicle ? want(`load-out/${encodeURIComponent(vehicle)}`).catch((error) => ({ error })) : null,
    ]);
    if (mine !== refreshes) return;  // a later refresh is on its way: it draws
    if (floor) state.floor = floor;
    if (receiving) state.receiving = receiving;
    if (loadOut && loadOut.error) {
      state.loadOut = null; state.vehicle = ""; setUrl(); toast(describe(loadOut.error), "bad");
    } else if (loadOut && vehicle === state.vehicle) {
      state.loadOut = loadOut;
    }
    // A plan republished since the page loaded moves parcels: read its sort plan again.
    if (state.floor && state.plan && state.floor.plan_id !== state.plan.plan_id) await loadPlan();
    if (state.floor) {
      state.parcels = new Map(state.floor.parcels.map((p) => [p.barcode, { stage: p.stage, scanned_lane: p.scanned_lane }]));
    }
    render();
  } catch (error) {
    if (mine === refreshes) toast(describe(error), "bad");
  }
}

let refreshTimer = 0;
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => { if (!queue.pending) refresh(); }, 250);
}
// Other associates scan too: their parcels arrive as notices on the stream (and, should the
// stream be down, a slow poll catches up).
setInterval(() => { if (!queue.pending && !document.hidden) refresh(); }, 60000);

// ---- what the screens show ---------------------------------------------------------------

function render() {
  for (const tab of document.querySelectorAll("#modes a")) {
    if (tab.dataset.mode === mode) tab.setAttribute("aria-current", "page");
  }
  document.body.dataset.mode = mode;
  const togo = $("#togo");
  const details = $("#details");
  if (!state.plan && mode !== "receive") {
    fill(togo, el("p", { class: "togo-big" }, "No published plan for this day yet"),
      el("p", { class: "muted" }, "The planner publishes the day's plan; its sort plan appears here."));
    fill(details);
    renderTarget();
    return;
  }
  if (mode === "receive" && state.receiving) {
    views.receiveCounts(togo, state.receiving);
    views.receiveDetails(details, state.receiving);
  } else if (mode === "sort" && state.floor) {
    views.sortCounts(togo, state.floor);
    const base = `/api/v1/${stationPath("sort-plan/labels.pdf")}`;
    views.sortPlanTable(details, state.plan, state.floor, { labels: base, sheet: base.replace("labels.pdf", "sheet.pdf") });
  } else if (mode === "load") {
    views.loadCounts(togo, state.loadOut, { onDepart: depart });
    views.loadList(details, state.loadOut, state.plan ? state.plan.lines : []);
  }
  renderTarget();
  // The phone's short line under the scanner: the counts box is below the fold there.
  const big = $("#togo .togo-big");
  $("#togo-mini").textContent = big && big.dataset.summary ? big.dataset.summary : "";
}

// Sort: the lane the parcels go into; Load: the vehicle. Big buttons, the chosen one lit.
function renderTarget() {
  const box = $("#target");
  if (mode === "receive" || !state.floor) { box.hidden = true; return; }
  box.hidden = false;
  if (mode === "sort") {
    const choices = [["", "Show me"], ...state.floor.lanes.map((l) => [l.lane, l.lane])];
    fill(box,
      el("span", { class: "target-label" }, state.lane ? `Sorting into lane ${state.lane}` : "Each parcel's lane is shown: put it there"),
      el("div", { class: "choices", id: "lanes" }, choices.map(([lane, text]) =>
        el("button", { type: "button", class: "choice", "aria-pressed": String(state.lane === lane), dataset: { lane }, onclick: () => chooseLane(lane) }, text))),
    );
  } else {
    const seen = new Set();
    const vehicles = state.floor.lanes.filter((l) => !seen.has(l.vehicle_id) && seen.add(l.vehicle_id));
    fill(box,
      el("span", { class: "target-label" }, state.loadOut ? `Loading ${state.loadOut.vehicle_name}` : "Pick the vehicle you load"),
      el("div", { class: "choices", id: "vehicles" }, vehicles.map((l) => {
        const done = (l.counts.loaded || 0) + (l.counts.gone || 0);
        return el("button", { type: "button", class: "choice", "aria-pressed": String(state.vehicle === l.vehicle_id), dataset: { vehicle: l.vehicle_id }, onclick: () => chooseVehicle(l.vehicle_id) },
          l.vehicle_name, el("small", {}, ` ${done}/${l.parcels}`));
      })),
    );
  }
}

function chooseLane(lane) {
  state.lane = lane;
  setUrl();
  renderTarget();
  showVerdict(feedback, { kind: "info", title: lane ? "Lane chosen" : "Lane by plan", big: lane || "Show me", detail: lane ? `Parcels scanned now go into lane ${lane}.` : "Each parcel's lane is shown as you scan it." });
}

function chooseVehicle(id) {
  state.vehicle = id;
  state.loadOut = null;
  setUrl();
  refresh();
  showVerdict(feedback, { kind: "info", title: "Vehicle chosen", big: vehicleName(id), detail: "Scan the parcels as they go on." });
}

async function depart(reason) {
  if (!state.loadOut) return;
  const missing = state.loadOut.items.filter((i) => !i.loaded).length;
  if (missing && !reason) {
    showVerdict(feedback, { kind: "warn", title: "Reason needed", big: `${missing} missing`, detail: "Say why it leaves without them, or load them first." });
    beep("warn");
    $("#depart-reason")?.focus();
    return;
  }
  try {
    await api(stationPath(`load-out/${encodeURIComponent(state.vehicle)}:depart`), { method: "POST", body: { override_reason: reason } });
    showVerdict(feedback, { kind: "ok", title: "Departed", big: state.loadOut.vehicle_name, detail: missing ? `Left ${missing} behind: ${reason}` : "Every parcel on board." });
    beep("ok");
  } catch (error) {
    showVerdict(feedback, { kind: "bad", title: "Cannot depart", big: state.loadOut.vehicle_name, detail: describe(error) });
    beep("bad");
  }
  refocus();  // the reason field had the focus: the scanner gets it back
  refresh();
}

// ---- scanning --------------------------------------------------------------------------

function onCode(code) {
  const upper = code.toUpperCase();
  if (mode === "sort" && state.floor && state.floor.lanes.some((l) => l.lane.toUpperCase() === upper)) {
    chooseLane(state.floor.lanes.find((l) => l.lane.toUpperCase() === upper).lane);  // a lane sign
    beep("ok");
    return;
  }
  if (mode === "load" && state.floor) {
    const van = state.floor.lanes.find((l) => l.vehicle_id === code || l.vehicle_name.toUpperCase() === upper);
    if (van) { chooseVehicle(van.vehicle_id); beep("ok"); return; }  // the vehicle's sign
  }
  if (code.length > 64) return local({ kind: "bad", title: "Not a barcode", big: "Scan again", detail: "That was too long for a parcel label." }, code);
  const line = state.lines.get(code) || null;
  const event = { id: newId("scan"), kind: mode, barcode: code, device_time: scanTime(), device: "station web" };
  if (mode === "sort") {
    if (!state.plan) return local({ kind: "warn", title: "No sort plan", big: "Wait", detail: "No published plan for this day yet." }, code);
    const lane = state.lane || (line && line.lane);
    if (!lane) return local({ kind: "warn", title: "Unknown parcel", big: "?", detail: `${code} is not in today's sort plan: pick the lane it is in to record it, or put it aside.` }, code);
    event.lane = lane;
  }
  if (mode === "load") {
    if (!state.vehicle) return local({ kind: "warn", title: "Pick the vehicle first", big: "Vehicle?", detail: "Tap the vehicle you load, then scan." }, code);
    if (state.loadOut && state.loadOut.departure) return local({ kind: "warn", title: "Vehicle gone", big: state.loadOut.vehicle_name, detail: "It departed already: pick the vehicle you load now." }, code);
    event.vehicle_id = state.vehicle;
  }
  const what = mode === "sort" ? `→ ${event.lane}` : mode === "load" ? `→ ${vehicleName(event.vehicle_id)}` : "receive";
  queue.push({ event, row: historyRow(recent, code, what), plan: line });
}

// A scan answered here without the server (nothing to record).
function local(v, code) {
  showVerdict(feedback, v);
  settleRow(historyRow(recent, code, mode), v);
  beep(v.kind);
}

function onResults(answered) {
  let shown = null;
  for (const [scan, result, error] of answered) {
    const { barcode } = scan.event;
    const v = verdict(scan, result, error, { plan: scan.plan, planned: Boolean(state.plan), before: state.parcels.get(barcode), vehicleName });
    settleRow(scan.row, v);
    if (result && result.parcel_status && !result.problem) {
      const known = state.parcels.get(barcode) || {};
      state.parcels.set(barcode, { stage: STAGE_OF[result.parcel_status] || "gone", scanned_lane: scan.event.lane || known.scanned_lane || "" });
    }
    // A red verdict stays up over later green ones of the same batch: never hide a mistake.
    if (!shown || KIND_RANK[v.kind] >= KIND_RANK[shown.kind]) shown = v;
  }
  if (shown) { showVerdict(feedback, shown); beep(shown.kind); }
  refreshSoon();
}

function onState({ pending, offline }) {
  const box = $("#queue-state");
  box.textContent = offline ? `No connection: ${pending} scan${pending === 1 ? "" : "s"} kept, retrying…` : pending ? `Sending ${pending}…` : "";
  box.className = `queue-state${offline ? " offline" : ""}`;
}

const queue = new ScanQueue({ onResults, onState });
settleFlash(feedback);
const refocus = keepScanning(input, $("#scan-form"), onCode, { keyboardButton: $("#keyboard") });
document.addEventListener("keydown", unlockSound, { capture: true });
document.addEventListener("pointerdown", unlockSound, { capture: true });

if (!data.station) {
  fill($("#togo"), el("p", { class: "togo-big" }, "No station to work at"));
} else {
  showVerdict(feedback, { kind: "idle", title: { receive: "Receive", sort: "Sort", load: "Load" }[mode], big: "Scan", detail: { receive: "Scan each parcel as it comes off the shipper's truck.", sort: "Scan a parcel: its lane shows here.", load: "Pick the vehicle, then scan each parcel as it goes on." }[mode] });
  loadPlan().then(refresh);
  stream((notice) => {
    if (["parcels.changed", "resync"].includes(notice.kind)) refreshSoon();
  });
}
