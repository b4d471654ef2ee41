// Hours of service: the driver's clock (driving left, time to the next break, the working
// window), the duty buttons (drive, work, break) and the plan's break. Duty changes go
// through the outbox like any event, so a break taken offline still counts.

import { api, el, newId, $ } from "./app.js";
import { enqueue, sync } from "./driver_queue.js";
import { remember, recall } from "./driver_store.js";

const LABELS = { driving: "Driving", on_duty: "Working", off_duty: "On break" };
let hours = null; // the server's last answer

export function driverId() {
  return hours ? hours.driver_id : null;
}

export async function loadHours() {
  try {
    hours = await api("me/hours");
    await remember("hours", hours);
  } catch (error) {
    hours = (await recall("hours")) || hours; // offline: the last answer
    if (!hours && error.status && error.status !== 0) throw error;
  }
  return hours;
}

function span(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const minutes = Math.max(0, Math.round(seconds / 60));
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

// Make the duty change now (as the phone's corrected clock says); once the server has it,
// read the clock again.
async function change(status, day, now) {
  const id = driverId();
  if (!id) return;
  await enqueue({ type: "duty", day, driver: id, body: { id: newId("duty"), status, at: now() } });
  await sync();
  if (navigator.onLine) await loadHours();
}

// The hours card; `route` gives the plan's break, `now()` the corrected time as ISO, and
// `outbox` the duty changes not yet sent, the last of which is the status now.
export function renderHours(box, { route, day, now, onChange, outbox }) {
  box.replaceChildren();
  if (!hours) {
    box.append(el("p", { class: "muted" }, "Hours of service are not available."));
    return;
  }
  const unsent = outbox.filter((e) => e.type === "duty" && e.state === "waiting");
  const local = unsent.length ? unsent[unsent.length - 1].body : null;
  const status = local ? local.status : hours.status;
  // The server's figures are as of its answer; while driving they run down since then.
  const since = local ? 0 : (Date.parse(now()) - Date.parse(hours.at)) / 1000;
  const driving = status === "driving" ? Math.max(0, since) : 0;
  const due = hours.break_due || (route && route.break_status && route.break_status.break_due);
  box.append(
    el("div", { class: "hours-head" },
      el("h2", {}, "Hours"),
      el("span", { class: `badge ${status === "off_duty" ? "" : "ok"}`, id: "duty-status" },
        LABELS[status] || status)),
    el("div", { class: "hours-figures" },
      figure("Driving left", span(hours.driving_left_s - driving)),
      figure("Until break", span(hours.until_break_s - driving), due ? "warn" : ""),
      figure("Shift left", span(hours.window_left_s === null ? null : hours.window_left_s - since))),
  );
  if (due) box.append(el("p", { class: "hours-due" }, "A break is due now."));
  for (const f of hours.findings || []) {
    box.append(el("p", { class: f.kind === "violation" ? "error" : "hours-due" }, f.message));
  }
  const planned = route && route.breaks && route.breaks[0];
  if (planned) {
    const after = planned.after_stop ? `after stop ${planned.after_stop}` : "before the first stop";
    box.append(el("p", { class: "muted" },
      `Planned break ${after}, ${hhmm(planned.start_at)}, ${Math.round(planned.duration_s / 60)} min.`));
  }
  const button = (s, text) => el("button", {
    type: "button", class: s === status ? "primary" : "", "aria-pressed": String(s === status),
    dataset: { duty: s },
    onclick: async () => { await change(s, day, now); onChange(); },
  }, text);
  box.append(el("div", { class: "duty-buttons" },
    button("driving", "Drive"), button("on_duty", "Work"), button("off_duty", "Break")));
}

function figure(label, value, kind = "") {
  return el("div", { class: `figure ${kind}` }, el("span", { class: "value" }, value),
    el("span", { class: "label" }, label));
}

// The station's wall time as the server wrote it ("2026-11-23T08:05:00+02:00" -> 08:05).
export function hhmm(iso) {
  return iso ? String(iso).slice(11, 16) : "";
}

export const hoursBox = () => $("#hours");
