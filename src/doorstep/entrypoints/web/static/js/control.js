// The dispatch control tower: the day's published plan on a map with the vans where they are,
// the dispatch board (routes, and the deliveries handed to partner carriers), the KPI tiles
// and the exception queue, kept current by the server's
// push notices (GET /api/v1/stream) rather than by reloading. A notice says what changed;
// the page refetches only the parts that notice touches.
import { api, ApiError, describe, pageData, station, stream, toast, $ } from "./app.js";
import { ControlMap, DONE } from "./control-map.js";
import { renderBoard, renderTiles } from "./control-board.js";
import { loadCases, openCase, renderQueue } from "./control-queue.js";
import { openPartner, renderPartners } from "./control-partners.js";
import { setupBreakdown, setupUrgent } from "./control-actions.js";

const data = pageData();
const here = station();
// Pings announce themselves (positions.changed); this slow read is only the fallback for a
// notice lost while the stream was down.
const GPS_EVERY_MS = 60000;
const MAX_PAGE = 500;

const ctx = {
  station: data.station,
  day: data.date,
  me: data.user.id,
  canWritePlans: (data.permissions || []).includes("plans:live"),
  canWriteOrders: (data.permissions || []).includes("orders:write"),
  planId: null,
  board: null,
  routes: [],
  users: new Map(), // who may own a case: id -> {id, name, roles}
  positions: new Map(), // order_id -> {vehicle_id, vehicle_name, position}
  etas: new Map(), // vehicle_id -> RouteEtasOut
  gps: new Map(), // vehicle_id -> latest ping
  kpis: null,
  cases: [],
  map: null,
  vehicles: new Map(), // vehicle_id -> name, the station's whole fleet (idle vans too)
  name: (vehicleId) => (ctx.map && ctx.map.names.get(vehicleId)) || ctx.vehicles.get(vehicleId) || vehicleId,
  refresh: (...parts) => schedule(...parts),
  reloadPlan: () => reloadPlan(),
};

const q = (path, params) => `${path}?${new URLSearchParams(params)}`;

// ---- loading -------------------------------------------------------------------------

async function loadBoard() {
  try {
    ctx.board = await api(q(`stations/${encodeURIComponent(ctx.station)}/dispatch`, { date: ctx.day }));
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 409)) {
      ctx.board = null;
      ctx.routes = [];
      $("#board-empty").textContent = `No published plan for ${ctx.day}: ${describe(e)}`;
      $("#board-empty").hidden = false;
      $("#board").replaceChildren();
      drawPartners();
      return;
    }
    throw e;
  }
  ctx.routes = ctx.board.routes;
  // No published plan, but orders handed to partners: the board lists those alone.
  $("#board-empty").hidden = Boolean(ctx.board.plan_id);
  if (!ctx.board.plan_id) {
    $("#board-empty").textContent = `No published plan for ${ctx.day}: partner deliveries only.`;
    $("#plan-label").textContent = "";
  } else if (ctx.board.plan_id !== ctx.planId) {
    // A saved live change publishes a new version: the map follows it.
    await loadPlan(ctx.board.plan_id);
  }
  drawBoard();
}

function drawPartners() {
  const onPick = (d) => openPartner($("#partner-dialog"), d, {
    caseOf: ctx.cases.find((c) => c.order_id === d.order_id),
    openCase: (c) => openCase($("#case-dialog"), c, ctx),
  });
  renderPartners($("#partners"), ctx.board, { onPick });
  // The same deliveries on the map, after any new plan's stops so they are drawn on top.
  ctx.map.drawPartners(ctx.board ? ctx.board.partners || [] : [], onPick);
}

function drawBoard() {
  if (!ctx.board) return;
  drawPartners();
  renderBoard($("#board"), ctx.board, {
    colors: ctx.map.colors, positions: ctx.positions, etas: ctx.etas, gps: ctx.gps,
    onPick: (r) => {
      const marker = ctx.map.vehicles.get(r.vehicle_id);
      const drawn = ctx.map.drawn && ctx.map.drawn.routes[r.vehicle_id];
      if (marker) ctx.map.focus(marker.getLatLng(), 14);
      else if (drawn) ctx.map.map.fitBounds(drawn.line.getBounds(), { padding: [24, 24] });
    },
  });
}

async function loadPlan(planId) {
  const planMap = await api(`plans/${planId}/map`);
  ctx.planId = planId;
  ctx.positions.clear();
  for (const route of planMap.routes) {
    for (const s of route.stops) ctx.positions.set(s.order_id, { vehicle_id: route.vehicle_id, vehicle_name: route.vehicle_name, position: s.position });
  }
  ctx.map.draw(planMap);
  $("#plan-label").textContent = `plan v${planMap.plan.number}`;
  await loadStatuses();
}

async function reloadPlan() {
  ctx.planId = null; // loadBoard sees a new version and redraws
  await Promise.all([loadBoard(), loadQueue(), loadKpis()]);
  drawTiles();
}

// Which stops are done: the day's orders in a finished status (a page at a time).
async function loadStatuses() {
  const params = new URLSearchParams({ service_date: ctx.day, limit: String(MAX_PAGE) });
  for (const s of DONE) params.append("status", s);
  let cursor = null;
  do {
    if (cursor) params.set("cursor", cursor);
    const page = await api(`orders?${params}`);
    for (const o of page.items) ctx.map.status.set(o.id, o.status);
    cursor = page.next_cursor;
  } while (cursor);
  for (const id of ctx.map.stops.keys()) ctx.map.paint(id);
  ctx.map.updateLegend();
}

async function loadEtas() {
  const moving = ctx.routes.filter((r) => r.state === "on_road" && r.stops_done < r.stops_total);
  ctx.etas.clear();
  await Promise.all(moving.map(async (r) => {
    try { ctx.etas.set(r.vehicle_id, await api(q(`vehicles/${r.vehicle_id}/etas`, { date: ctx.day }))); } catch { /* no open stops: nothing to show */ }
  }));
  drawBoard();
}

async function loadGps() {
  let moved = false;
  await Promise.all(ctx.routes.map(async (r) => {
    try {
      const trail = await api(q(`vehicles/${r.vehicle_id}/breadcrumbs`, { date: ctx.day, min_interval_s: "60" }));
      const last = trail.pings[trail.pings.length - 1];
      const before = ctx.gps.get(r.vehicle_id);
      if (last && (!before || before.device_time !== last.device_time)) {
        ctx.gps.set(r.vehicle_id, last);
        ctx.map.placeVehicle(r.vehicle_id, last);
        moved = true;
      }
    } catch { /* a vehicle without pings today */ }
  }));
  if (moved) drawBoard();
}

async function loadQueue() {
  ctx.cases = await loadCases(ctx);
  renderQueue($("#queue"), ctx.cases, { users: ctx.users, positions: ctx.positions, onOpen: (c) => openCase($("#case-dialog"), c, ctx) });
  $("#queue-count").textContent = String(ctx.cases.length);
  $("#queue-count").className = `badge ${ctx.cases.length ? "bad" : "ok"}`;
  $("#queue-empty").hidden = ctx.cases.length > 0;
}

async function loadKpis() {
  try { ctx.kpis = await api(q("kpis", { station: ctx.station, date: ctx.day })); } catch { ctx.kpis = null; }
}

function drawTiles() { renderTiles($("#tiles"), { kpis: ctx.kpis, board: ctx.board, openCases: ctx.cases.length }); }

async function loadVehicles() {
  try { for (const v of await api("vehicles")) ctx.vehicles.set(v.id, v.name); } catch { /* named by id */ }
}

async function loadUsers() {
  try { for (const u of await api("control/case-owners")) ctx.users.set(u.id, u); } catch { /* owners shown by id */ }
}

// ---- refreshing what a notice touched, a burst of notices at once ---------------------

const pending = new Set();
let timer = null;
function schedule(...parts) {
  for (const p of parts) pending.add(p);
  clearTimeout(timer);
  timer = setTimeout(run, 250);
}

async function run() {
  const parts = new Set(pending);
  pending.clear();
  try {
    if (parts.has("all")) {
      ctx.planId = null;
      ["board", "queue", "kpis", "statuses", "etas", "gps"].forEach((p) => parts.add(p));
    }
    const jobs = [];
    if (parts.has("board")) jobs.push(loadBoard().then(() => parts.has("etas") && loadEtas()));
    else if (parts.has("etas")) jobs.push(loadEtas());
    if (parts.has("queue")) jobs.push(loadQueue());
    if (parts.has("kpis")) jobs.push(loadKpis());
    if (parts.has("statuses") && ctx.planId) jobs.push(loadStatuses());
    if (parts.has("gps")) jobs.push(loadGps());
    await Promise.all(jobs);
    drawTiles();
  } catch (e) {
    toast(describe(e), "bad");
  }
}

function onNotice(notice) {
  switch (notice.kind) {
    case "orders.changed":
      for (const [orderId, status] of Object.entries(notice.orders || {})) ctx.map.setStatus(orderId, status);
      ctx.map.updateLegend();
      schedule("board", "kpis", "queue", "etas", ...(notice.more ? ["statuses"] : []));
      break;
    case "parcels.changed":
      schedule("board", "kpis", "queue");
      break;
    case "board.changed":
      if (!notice.date || notice.date === ctx.day) schedule("board", "queue", "kpis", "etas");
      break;
    case "positions.changed":
      schedule("gps");
      break;
    case "route.departed":
      if (notice.date === ctx.day) schedule("board", "kpis", "etas", "statuses");
      break;
    case "plan.changed":
      // A new version of the day (published, or changed live): the board names it and
      // loadBoard redraws the map when the version differs.
      if (notice.date === ctx.day) schedule("board", "kpis", "etas", "statuses");
      break;
    case "case.changed":
      schedule("queue", "kpis");
      break;
    case "resync":
      schedule("all");
      break;
    default:
      break;
  }
}

// ---- the live indicator ---------------------------------------------------------------

function live(on, text) {
  const badge = $("#live");
  badge.className = `live ${on ? "on" : "off"}`;
  badge.textContent = text;
}

// EventSource reconnects by itself after a dropped connection, but gives up on an answer that
// is not a stream (a restart's 502, say): then the page opens a new one a little later. A
// device going offline (a tablet out of Wi-Fi) may keep a dead connection open for minutes,
// so the browser's offline event turns the badge off at once.
const RETRY_MS = 5000;
let source = null;
let dropped = false;

function connect() {
  if (source) source.close();
  source = stream(onNotice);
  const mine = source;
  mine.addEventListener("open", () => {
    live(true, "live");
    // Notices sent while the stream was down are lost: read everything once.
    if (dropped) schedule("all");
    dropped = false;
  });
  mine.addEventListener("error", () => {
    dropped = true;
    if (mine.readyState === EventSource.CLOSED) {
      live(false, "offline");
      setTimeout(() => { if (source === mine && navigator.onLine) connect(); }, RETRY_MS);
    } else {
      live(false, "reconnecting…");
    }
  });
}

window.addEventListener("offline", () => {
  dropped = true;
  if (source) source.close();
  live(false, "offline");
});
window.addEventListener("online", connect);
window.addEventListener("pagehide", () => source && source.close());

// ---- start ----------------------------------------------------------------------------

async function start() {
  const center = here ? [here.location.lat, here.location.lon] : undefined;
  ctx.map = new ControlMap($("#map"), $("#legend"), center);
  ctx.map.onStop = (s) => {
    const c = ctx.cases.find((x) => x.order_id === s.order_id);
    if (c) openCase($("#case-dialog"), c, ctx);
  };
  if (!ctx.canWritePlans) {
    for (const id of ["#urgent-open", "#breakdown-open"]) $(id).disabled = true;
    const note = $("#write-note");
    note.textContent = "Inserting orders and taking vehicles off the road change the plan: they need the plans:live permission (a dispatcher, planner or admin).";
    note.hidden = false;
  }
  setupUrgent(ctx);
  setupBreakdown(ctx);
  connect();
  await Promise.all([loadUsers(), loadVehicles()]);
  await Promise.all([loadBoard(), loadQueue(), loadKpis()]);
  drawTiles();
  await Promise.all([loadEtas(), loadGps()]);
  document.body.dataset.ready = "1"; // for the browser tests: the first load is done
  setInterval(loadGps, GPS_EVERY_MS);
  new ResizeObserver(() => ctx.map.resize()).observe($("#map"));
}

start().catch((e) => toast(describe(e), "bad"));
