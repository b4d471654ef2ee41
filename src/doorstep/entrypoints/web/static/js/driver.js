// The driver app: the day's route stop by stop, with arriving, scanning each parcel, proof
// of delivery, failed attempts and pickups. Everything the driver does is queued on the
// phone first (driver_queue.js) and shown as done at once, so the app works offline; the
// service worker keeps the page and its files for a reload without network.

import { api, ApiError, describe, el, newId, pageData, toast, $ } from "./app.js";
import { enqueue, entries, keepFile, onChange, prune, resendAll, start, sync } from "./driver_queue.js";
import { recall, remember } from "./driver_store.js";
import { hhmm, loadHours, renderHours } from "./driver_hours.js";
import { photoBlob, signaturePad } from "./driver_proof.js";
import { renderTrip } from "./driver_trip.js";

const day = new URLSearchParams(location.search).get("date") || pageData().date;
const DEVICE = `web ${navigator.userAgent.includes("Mobile") ? "phone" : "browser"}`.slice(0, 100);
const REASONS = {
  recipient_absent: "Recipient not at home", no_access: "No access to the building",
  address_not_found: "Address not found", refused: "Refused by the recipient",
  damaged: "Parcel damaged", business_closed: "Business closed", unsafe: "Unsafe to deliver",
  out_of_time: "Out of time",
};
const PROOF = {
  none: "No proof needed", signature: "Signature and name", photo: "Photo of the parcel",
  pin: "PIN from the recipient", minimum_age: "ID check",
};
// What each event does to the parcel, to show it before the server has it.
const EFFECT = { deliver: "delivered", fail: "failed_attempt", pick_up: "returning_to_station" };
const DONE = new Set(["delivered", "failed_attempt", "returning_to_station", "returned_to_sender"]);

let route = null;
let routeProblem = "";
let stale = false; // the route shown is the one saved on the phone
let outbox = [];
let chosen = null; // the stop number the driver opened; else the next open stop
let panel = ""; // "", "deliver" or "fail": what the stop card shows below its parcels
const scanned = new Map(); // stop number -> Set of barcodes scanned at the door
let offset = 0; // server clock minus this phone's clock

// The time as the server's clock has it: a phone's clock may be off, and the server orders
// each parcel's events by the time the device gave.
const now = () => new Date(Date.now() + offset).toISOString();

async function setClock() {
  const seen = pageData().now;
  const stored = await recall("clock");
  if (stored && stored.seen === seen) {
    offset = stored.offset; // the page came from the phone's cache: its "now" is old
  } else {
    offset = Date.parse(seen) - Date.now();
    await remember("clock", { seen, offset });
  }
}

async function loadRoute() {
  try {
    route = await api(`me/route?date=${day}`);
    routeProblem = "";
    stale = !navigator.onLine; // the service worker answered from its cache
    await remember(`route:${day}`, route);
  } catch (error) {
    if (error instanceof ApiError && error.status < 500) {
      route = null;
      routeProblem = describe(error);
      return;
    }
    route = (await recall(`route:${day}`)) || route;
    stale = true;
    if (!route) routeProblem = "Offline, and no route is saved on this phone yet.";
  }
}

// ---- what the outbox says happened, on top of what the server said ----

function statusOf(barcode, given) {
  let status = given;
  for (const e of outbox) {
    if (e.type === "scan" && e.state !== "refused" && e.body.barcode === barcode && EFFECT[e.body.kind]) {
      status = EFFECT[e.body.kind];
    }
  }
  return status;
}

// Why the stop's delivery failed: the reason given on this phone, else just "failed" (the
// route answer says a parcel failed, not why).
function reasonOf(stop) {
  if (!parcels(stop).some((p) => p.status === "failed_attempt")) return null;
  const codes = new Set(stop.parcels.map((p) => p.barcode));
  const failed = outbox.filter((e) => e.body.kind === "fail" && codes.has(e.body.barcode) && e.state !== "refused");
  return failed.length ? failed[failed.length - 1].body.reason : "failed";
}

function parcels(stop) {
  return stop.parcels.map((p) => ({ ...p, status: statusOf(p.barcode, p.status) }));
}

const isDone = (stop) => parcels(stop).every((p) => DONE.has(p.status));
const arrived = (stop) => outbox.some((e) => e.body.kind === "arrive" && stop.parcels.some((p) => p.barcode === e.body.barcode));

function current() {
  if (!route) return null;
  return route.stops.find((s) => s.number === chosen) || route.stops.find((s) => !isDone(s)) || null;
}

// ---- events ----

async function scanEvents(stop, kind, extra = {}, files = []) {
  // A failed parcel may be tried again the same day; a delivered one is finished.
  const open = parcels(stop).filter((p) => !DONE.has(p.status) || p.status === "failed_attempt");
  for (const p of open) {
    await enqueue({
      type: "scan", day, files,
      body: { id: newId(kind.slice(0, 4)), kind, barcode: p.barcode, device_time: now(), device: DEVICE, ...extra },
    });
  }
}

function scanBarcode(stop, code) {
  const wanted = stop.parcels.find((p) => p.barcode === code.trim());
  const feedback = $("#scan-feedback");
  if (!wanted) {
    const elsewhere = route.stops.find((s) => s.parcels.some((p) => p.barcode === code.trim()));
    feedback.textContent = `${code} is not a parcel of this stop` + (elsewhere ? `: it goes to stop ${elsewhere.number}` : "");
    feedback.className = "scan-feedback bad";
    return;
  }
  if (!scanned.has(stop.number)) scanned.set(stop.number, new Set());
  scanned.get(stop.number).add(wanted.barcode);
  render();
  const again = $("#scan-feedback");
  again.textContent = `${wanted.barcode} scanned`;
  again.className = "scan-feedback ok";
}

const allScanned = (stop) => parcels(stop).every((p) => DONE.has(p.status) && p.status !== "failed_attempt"
  || (scanned.get(stop.number) || new Set()).has(p.barcode));

// ---- rendering ----

// full: the driver did something; else news from the outbox or the network, which must not
// rebuild a stop whose proof or failure form is open (a half-drawn signature would go).
function render(full = true) {
  renderStatus();
  if (full || !panel) renderStop();
  renderList();
  renderHours($("#hours"), { route, day, now, onChange: render, outbox });
}

function renderStatus() {
  const waiting = outbox.filter((e) => e.state === "waiting").length;
  const refused = outbox.filter((e) => e.state === "refused");
  const offline = !navigator.onLine;
  const banner = $("#offline-banner");
  banner.hidden = !offline;
  $("#waiting-count").textContent = String(waiting);
  $("#sync-state").textContent = !waiting ? "All events sent"
    : offline ? "kept on this phone, sent when online" : "sending…";
  $("#sync-bar").dataset.state = offline ? "offline" : waiting ? "waiting" : "sent";
  $("#sync-now").hidden = offline || !waiting;
  $("#stale-note").hidden = !stale;
  const problems = $("#refused");
  problems.replaceChildren(...refused.map((e) => el("li", {}, `${e.body.kind} ${e.body.barcode || ""}: ${e.message}`)));
  problems.hidden = refused.length === 0;
}

function renderStop() {
  const box = $("#stop");
  if (!route) {
    box.replaceChildren(el("h1", {}, "No route"), el("p", { class: "muted", id: "route-problem" }, routeProblem));
    return;
  }
  const stop = current();
  if (!stop) {
    box.replaceChildren(el("h1", {}, "All stops done"),
      el("p", { class: "muted" }, "Drive back to the station and end the route below."));
    return;
  }
  const list = parcels(stop);
  const done = isDone(stop);
  const pickup = stop.kind === "pickup";
  const seen = scanned.get(stop.number) || new Set();
  const reason = reasonOf(stop);
  const windows = stop.windows.map((w) => `${hhmm(w.start_at)}–${hhmm(w.end_at)}`).join(", ") || "any time";
  const where = stop.lat === null ? null : `${stop.lat.toFixed(5)}, ${stop.lon.toFixed(5)}`;
  const state = done
    ? el("span", { class: `badge ${reason ? "bad" : "ok"}`, id: "stop-state" },
      reason ? (REASONS[reason] ? `Failed: ${REASONS[reason]}` : "Failed") : pickup ? "Picked up" : "Delivered")
    : arrived(stop) ? el("span", { class: "badge", id: "stop-state" }, "Arrived") : null;
  box.replaceChildren(
    el("div", { class: "stop-head" },
      el("span", { class: "stop-no" }, String(stop.number)),
      el("div", {},
        el("div", { class: "muted" }, `Stop ${stop.number} of ${route.stops.length} · ${pickup ? "Pickup" : "Delivery"} · planned ${hhmm(stop.arrival_at)}`),
        el("h1", { id: "stop-recipient" }, stop.recipient_name || "Recipient")),
      state),
    el("p", { class: "address", id: "stop-address" }, stop.address),
    el("dl", { class: "facts" },
      el("dt", {}, "Window"), el("dd", {}, windows),
      stop.access_notes ? [el("dt", {}, "Access"), el("dd", { class: "access" }, stop.access_notes)] : null,
      stop.safe_place ? [el("dt", {}, "Safe place"), el("dd", {}, stop.safe_place)] : null,
      stop.neighbour ? [el("dt", {}, "Neighbour"), el("dd", {}, stop.neighbour)] : null,
      el("dt", {}, "Proof"), el("dd", {}, el("span", { class: "badge warn", id: "stop-proof" },
        stop.proof_required === "minimum_age" ? `ID check: age ${stop.minimum_age_years}+` : PROOF[stop.proof_required] || stop.proof_required)),
      stop.recipient_phone ? [el("dt", {}, "Phone"), el("dd", {}, el("a", { href: `tel:${stop.recipient_phone}` }, stop.recipient_phone))] : null),
    where ? el("div", { class: "navigate" },
      el("a", { class: "button", id: "navigate", href: `geo:${stop.lat},${stop.lon}?q=${stop.lat},${stop.lon}` }, "Navigate"),
      el("span", { class: "coords num", title: "coordinates" }, where)) : null,
    el("ul", { class: "parcels", id: "parcels" }, ...list.map((p) => el("li", {
      class: seen.has(p.barcode) ? "scanned" : "", dataset: { barcode: p.barcode },
    }, el("span", { class: "tick", "aria-hidden": "true" }, seen.has(p.barcode) || DONE.has(p.status) ? "✓" : "○"),
    el("span", { class: "num" }, p.barcode), el("span", { class: "badge" }, p.status.replaceAll("_", " "))))),
    done && !reason ? null : actions(stop, pickup, list),
  );
}

function actions(stop, pickup, list) {
  const input = el("input", {
    id: "scan", type: "text", inputmode: "text", autocomplete: "off", placeholder: "Scan or type a barcode",
    "aria-label": "barcode",
  });
  const form = el("form", { class: "scan-form", onsubmit: (e) => { e.preventDefault(); scanBarcode(stop, input.value); $("#scan").focus(); } },
    input, el("button", { type: "submit" }, "Scan"));
  const ready = allScanned(stop);
  const buttons = el("div", { class: "stop-actions" },
    arrived(stop) || pickup ? null : el("button", { type: "button", id: "arrive", onclick: () => scanEvents(stop, "arrive") }, "Arrived"),
    pickup
      ? el("button", { type: "button", class: "primary", id: "pick-up", disabled: !ready,
        onclick: async () => { await scanEvents(stop, "pick_up"); toast("Picked up.", "ok"); } }, "Picked up")
      : el("button", { type: "button", class: "primary", id: "deliver", disabled: !ready,
        onclick: () => { panel = "deliver"; render(); } }, "Deliver"),
    el("button", { type: "button", class: "danger", id: "fail", onclick: () => { panel = "fail"; render(); } }, "Failed"));
  const hint = ready ? null : el("p", { class: "muted" }, `Scan each parcel (${list.length}) to deliver.`);
  return el("div", {}, form, el("p", { id: "scan-feedback", class: "scan-feedback", role: "status" }), hint, buttons,
    panel === "deliver" ? proofPanel(stop) : null, panel === "fail" ? failPanel(stop) : null);
}

function proofPanel(stop) {
  const kind = stop.proof_required;
  const box = el("form", { class: "proof", id: "proof" });
  const name = el("input", { type: "text", name: "recipient_name", autocomplete: "off", value: stop.recipient_name });
  let pad = null;
  const parts = [];
  if (kind === "signature") {
    const canvas = el("canvas", { id: "signature", class: "signature", "aria-label": "signature" });
    parts.push(el("label", {}, "Recipient's name", name),
      el("div", { class: "sig-head" }, el("span", {}, "Signature"), el("button", { type: "button", class: "link", onclick: () => pad.clear() }, "Clear")),
      canvas);
    requestAnimationFrame(() => { pad = signaturePad(canvas); });
  }
  if (kind === "minimum_age") {
    parts.push(el("label", {}, "Recipient's name", name),
      el("label", { class: "inline check" }, el("input", { type: "checkbox", name: "age_verified" }),
        ` I saw an ID: ${stop.minimum_age_years} or older`));
  }
  if (kind === "pin") {
    parts.push(el("label", {}, "PIN", el("input", { type: "text", name: "pin", inputmode: "numeric", pattern: "[0-9]{4,8}", autocomplete: "off" })));
  }
  const photoNeeded = kind === "photo";
  if (kind === "none") {
    parts.push(el("label", {}, "Handed to",
      el("select", { name: "left" }, el("option", { value: "" }, "the recipient"),
        el("option", { value: "safe_place" }, "a safe place (photo)"), el("option", { value: "neighbour" }, "a neighbour (photo)"))),
    el("label", {}, "Where or who", el("input", { type: "text", name: "where", value: stop.safe_place || "" })));
  }
  if (kind === "photo" || kind === "none") {
    parts.push(el("label", {}, photoNeeded ? "Photo" : "Photo (for a safe place or neighbour)",
      el("input", { type: "file", name: "photo", accept: "image/*", capture: "environment" })));
  }
  box.append(...parts, el("div", { class: "stop-actions" },
    el("button", { type: "button", onclick: () => { panel = ""; render(); } }, "Cancel"),
    el("button", { type: "submit", class: "primary", id: "confirm-deliver" }, "Confirm delivery")));
  box.addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = $("#confirm-deliver");
    button.disabled = true; // one tap, one delivery
    try {
      const { proof, files } = await collect(kind, box, pad, stop);
      await scanEvents(stop, "deliver", { proof }, files);
      panel = "";
      chosen = null;
      scanned.delete(stop.number);
      toast(`Stop ${stop.number} delivered.`, "ok");
      render();
    } catch (error) {
      button.disabled = false;
      toast(describe(error), "bad");
    }
  });
  return box;
}

// The proof the order asks for, checked here so the driver fixes it at the door.
async function collect(kind, form, pad, stop) {
  const f = form.elements;
  const proof = {};
  const files = [];
  const name = f.recipient_name ? f.recipient_name.value.trim() : "";
  if (name) proof.recipient_name = name;
  if (kind === "signature") {
    if (!pad || pad.isEmpty()) throw new Error("Ask the recipient to sign.");
    if (!name) throw new Error("Write the recipient's name.");
    proof.signature_sha256 = await keepFile(await pad.toBlob());
    files.push(proof.signature_sha256);
  }
  if (kind === "minimum_age") {
    if (!f.age_verified.checked) throw new Error(`Check an ID: ${stop.minimum_age_years} or older.`);
    if (!name) throw new Error("Write the recipient's name.");
    proof.age_verified = true;
  }
  if (kind === "pin") {
    if (!/^[0-9]{4,8}$/.test(f.pin.value.trim())) throw new Error("The PIN is 4 to 8 digits.");
    proof.pin = f.pin.value.trim();
  }
  const file = f.photo && f.photo.files[0];
  if (file) {
    proof.photo_sha256 = await keepFile(await photoBlob(file));
    files.push(proof.photo_sha256);
  }
  if (kind === "photo" && !file) throw new Error("Take a photo of the delivered parcel.");
  if (kind === "none" && f.left.value) {
    if (!file) throw new Error("Take a photo of where the parcel was left.");
    const where = f.where.value.trim();
    if (!where) throw new Error("Say where, or who took it.");
    proof[f.left.value] = where;
  }
  return { proof: Object.keys(proof).length ? proof : undefined, files };
}

function failPanel(stop) {
  const box = el("form", { class: "proof", id: "failure" },
    el("label", {}, "Why",
      el("select", { name: "reason", id: "fail-reason", required: true },
        el("option", { value: "" }, "Choose a reason"),
        ...Object.entries(REASONS).map(([value, text]) => el("option", { value }, text)))),
    el("label", {}, "Note", el("input", { type: "text", name: "note", maxlength: 1000 })),
    el("label", {}, "Photo (optional)", el("input", { type: "file", name: "photo", accept: "image/*", capture: "environment" })),
    el("div", { class: "stop-actions" },
      el("button", { type: "button", onclick: () => { panel = ""; render(); } }, "Cancel"),
      el("button", { type: "submit", class: "danger", id: "confirm-fail" }, "Record failed attempt")));
  box.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = box.elements;
    if (!f.reason.value) { toast("Choose why the delivery failed.", "bad"); return; }
    $("#confirm-fail").disabled = true;
    const extra = { reason: f.reason.value, note: f.note.value.trim() };
    const files = [];
    const file = f.photo.files[0];
    if (file) {
      extra.proof = { photo_sha256: await keepFile(await photoBlob(file)) };
      files.push(extra.proof.photo_sha256);
    }
    await scanEvents(stop, "fail", extra, files);
    panel = "";
    chosen = null;
    toast(`Stop ${stop.number}: failed attempt recorded.`);
    render();
  });
  return box;
}

function renderList() {
  const box = $("#stops");
  if (!route) { box.replaceChildren(); return; }
  const open = route.stops.filter((s) => !isDone(s)).length;
  const next = current();
  $("#stops-count").textContent = `${route.stops.length - open} of ${route.stops.length} done`;
  box.replaceChildren(...route.stops.map((s) => {
    const done = isDone(s);
    const reason = done && reasonOf(s);
    return el("li", {
      class: [done ? "done" : "", reason ? "failed" : "", next && s.number === next.number ? "current" : ""]
        .filter(Boolean).join(" "),
      dataset: { stop: String(s.number) },
    }, el("button", {
      type: "button", class: "stop-row",
      onclick: () => { chosen = s.number; panel = ""; render(); scrollTo({ top: 0, behavior: "smooth" }); },
    },
    el("span", { class: "stop-no" }, String(s.number)),
    el("span", { class: "stop-text" }, el("strong", {}, s.recipient_name), el("span", { class: "muted" }, s.address)),
    el("span", { class: "stop-time num" }, hhmm(s.arrival_at)),
    done ? el("span", { class: `badge ${reason ? "bad" : "ok"}` }, reason ? "failed" : s.kind === "pickup" ? "picked up" : "delivered") : null));
  }));
}

// ---- start ----

// Read the route and the clock again; `full` as for render (and the trip card with it).
async function refresh(full = true) {
  await loadRoute();
  try { await loadHours(); } catch (error) { console.warn("hours", error); }
  render(full);
  if (route && (full || !$("#trip").childElementCount)) renderTrip($("#trip"), { route, day, onDone: refresh });
}

async function main() {
  $("#resend").addEventListener("click", async () => {
    const { sent, known } = await resendAll();
    $("#resend-result").textContent = navigator.onLine
      ? `Sent ${sent} again: the server already had ${known}.`
      : "Offline: everything will be sent again when the network is back.";
  });
  $("#sync-now").addEventListener("click", () => sync());
  // The cached page and route are this driver's: signing out leaves none for the next
  // person on a shared phone. (Unsent events stay, in this login's own database.)
  const out = $("#sign-out");
  if (out && "caches" in window) {
    out.addEventListener("click", async () => {
      for (const name of await caches.keys()) if (name.startsWith("doorstep-driver")) await caches.delete(name);
    });
  }
  addEventListener("online", () => { render(false); sync().then(() => refresh(false)); });
  addEventListener("offline", () => render(false));
  onChange((found) => { outbox = found.filter((e) => e.day === day); render(false); });
  await setClock();
  outbox = (await entries()).filter((e) => e.day === day);
  await prune(day);
  await refresh();
  start();
  if ("serviceWorker" in navigator) {
    // Under /api/v1 (served by the app) but allowed to control the /driver page.
    navigator.serviceWorker.register("/api/v1/driver-app/sw.js", { scope: "/driver" })
      .catch((error) => console.warn("no offline support", error));
  }
}

main().catch((error) => toast(describe(error), "bad"));
