// What every page's script shares: the page's data, calls to the JSON API, small DOM
// helpers and messages. The API is the same one integrators use; the pages sign in with the
// session cookie and mark their writes with the X-Doorstep-Page header.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

// Set once the person signs out: the page's late calls then answer 401, which must not send
// the browser to /login?next=<this page> instead of the plain sign-in page.
let leaving = false;
export function leave() { leaving = true; }

let cached = null;
export function pageData() {
  if (cached === null) {
    const node = document.getElementById("page-data");
    cached = node ? JSON.parse(node.textContent) : {};
  }
  return cached;
}

// fetch against /api/v1 (or an absolute path), JSON in and out. `body` may be an object
// (sent as JSON), a Blob/File (sent as it is) or a string.
export async function api(path, { method = "GET", body, headers = {}, raw = false, signal } = {}) {
  const url = path.startsWith("/") ? path : `/api/v1/${path}`;
  const sent = { method, headers: { ...headers }, credentials: "same-origin", signal };
  if (method !== "GET" && method !== "HEAD") sent.headers["X-Doorstep-Page"] = "1";
  if (body !== undefined) {
    if (body instanceof Blob || typeof body === "string") {
      sent.body = body;
    } else {
      sent.body = JSON.stringify(body);
      sent.headers["Content-Type"] = "application/json";
    }
  }
  const answer = await fetch(url, sent);
  if (raw) return answer;
  if (!answer.ok) {
    let problem = {};
    try { problem = await answer.json(); } catch { problem = { detail: answer.statusText }; }
    if (answer.status === 401 && !leaving && !url.startsWith("/session")) {
      location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
    }
    throw new ApiError(answer.status, problem);
  }
  if (answer.status === 204) return null;
  const type = answer.headers.get("Content-Type") || "";
  return type.includes("json") ? answer.json() : answer.text();
}

// The problem's own words, with the field each error names.
export function describe(error) {
  if (error instanceof ApiError) {
    const fields = (error.problem.errors || []).map((e) => `${e.field}: ${e.message}`);
    return [error.message, ...fields].join(" · ");
  }
  return String(error && error.message ? error.message : error);
}

export function toast(message, kind = "") {
  const box = document.getElementById("toasts");
  if (!box) return;
  const item = el("div", { class: `toast ${kind}` }, message);
  box.append(item);
  setTimeout(() => item.remove(), kind === "bad" ? 8000 : 4000);
}

// el("button", {class: "primary", onclick: fn}, "Text", child, ...)
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function $(selector, root = document) { return root.querySelector(selector); }
export function $$(selector, root = document) { return [...root.querySelectorAll(selector)]; }

export function station() {
  const data = pageData();
  return (data.stations || []).find((s) => s.code === data.station) || null;
}

// A time in the station's zone: "14:05".
export function clock(iso, zone) {
  if (!iso) return "";
  const tz = zone || (station() && station().timezone) || undefined;
  return new Date(iso).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: tz });
}

export function km(metres) { return `${(metres / 1000).toFixed(1)} km`; }
export function percent(share) { return share === null || share === undefined ? "–" : `${(share * 100).toFixed(1)} %`; }

// Server-sent events from /api/v1/stream (signed in by the cookie); reconnects by itself.
export function stream(onEvent, path = "/api/v1/stream") {
  const source = new EventSource(path, { withCredentials: true });
  source.onmessage = (m) => onEvent(JSON.parse(m.data), m);
  const kinds = ["order", "parcel", "board", "route", "plan", "exception", "position"];
  for (const kind of kinds) source.addEventListener(kind, (m) => onEvent(JSON.parse(m.data), m));
  return source;
}

// A fresh id for an event a device makes (the server stores each once, whatever the retries).
export function newId(prefix = "evt") {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `${prefix}_${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}
