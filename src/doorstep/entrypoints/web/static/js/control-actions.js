// The live changes a dispatcher makes to the running plan from the control tower: an
// urgent order put into it (POST /orders, then POST /plans/{id}:add-order), a vehicle
// taken off the road (POST /plans/{id}:take-off-road), and a case's order moved to another
// day (POST /orders/{id}:reschedule: its stop leaves the plan, the parcel stays at the
// station). Each answers with the new version; the page says what changed and redraws.
import { api, clock, describe, el, newId, pageData, station, toast, $ } from "./app.js";
import { changeSummary } from "./control-queue.js";
import { statusWords } from "./status_words.js";

// "+02:00" for the station's zone on `day` (noon, away from a DST switch at night).
export function zoneOffset(zone, day) {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
    .formatToParts(new Date(`${day}T12:00:00Z`));
  const name = (parts.find((p) => p.type === "timeZoneName") || { value: "GMT" }).value;
  return name === "GMT" ? "+00:00" : name.slice(3);
}

function hhmm(date, zone) {
  return date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: zone, hour12: false });
}

// Where an order sits in a plan (PlanOut): its route, stop number and arrival.
function placeOf(plan, orderId) {
  for (const route of plan.routes) {
    const i = route.visits.findIndex((v) => v.order_id === orderId);
    if (i >= 0) return { vehicle_id: route.vehicle_id, position: i + 1, stops: route.visits.length, visit: route.visits[i] };
  }
  return null;
}

export function setupUrgent(ctx) {
  const dialog = $("#urgent-dialog");
  const form = $("#urgent-form");
  const error = $("#urgent-error");
  const result = $("#urgent-result");
  $("#urgent-open").addEventListener("click", () => {
    const zone = station() ? station().timezone : undefined;
    const now = new Date(pageData().now);
    form.reset();
    form.from.value = hhmm(now, zone);
    form.until.value = hhmm(new Date(Math.min(now.getTime() + 4 * 3600e3, Date.parse(`${ctx.day}T21:59:00Z`))), zone);
    form.barcode.value = `URG-${newId("").slice(1, 9).toUpperCase()}`;
    error.hidden = true;
    result.hidden = true;
    form.hidden = false;
    dialog.showModal();
  });
  // The modal dialog covers the map: picking closes it until the next click on the map.
  let picking = false;
  $("#urgent-pick").addEventListener("click", () => {
    picking = true;
    dialog.close();
    toast("Click the map where the stop is");
  });
  ctx.map.onMapClick = (latlng) => {
    if (!picking) return;
    picking = false;
    form.lat.value = latlng.lat.toFixed(6);
    form.lon.value = latlng.lng.toFixed(6);
    dialog.showModal();
  };

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.hidden = true;
    const button = $("button[type=submit]", form);
    button.disabled = true;
    const zone = station().timezone;
    const offset = zoneOffset(zone, ctx.day);
    const body = {
      shipper: "dispatch",
      shipper_reference: form.barcode.value,
      station_id: ctx.station,
      recipient: { name: form.name.value, phone: form.phone.value, email: form.email.value },
      address: { as_given: form.address.value },
      location: { lat: Number(form.lat.value), lon: Number(form.lon.value) },
      service_date: ctx.day,
      time_windows: [{ start_at: `${ctx.day}T${form.from.value}:00${offset}`, end_at: `${ctx.day}T${form.until.value}:00${offset}` }],
      parcels: [{ barcode: form.barcode.value, weight_kg: Number(form.weight.value || 0) }],
      priority: "urgent",
    };
    try {
      const order = await api("orders", { method: "POST", body, headers: { "Idempotency-Key": newId("urgent") } });
      if (order.status !== "ready") {
        const flags = (order.flags || []).map((f) => f.message).join("; ");
        throw new Error(`the order was created but is ${statusWords(order.status)}${flags ? `: ${flags}` : ""}`);
      }
      // No background re-plan (improve_s 0): the answer is the version the page then shows.
      const change = await api(`plans/${ctx.planId}:add-order`, { method: "POST", body: { order_id: order.id, improve_s: 0 } });
      const place = placeOf(change.plan, order.id);
      const label = `${body.recipient.name} · ${form.barcode.value}`;
      form.hidden = true;
      result.hidden = false;
      result.replaceChildren(
        place
          ? el("p", { class: "placed" }, el("strong", {}, `${label} → ${ctx.name(place.vehicle_id)}, stop ${place.position} of ${place.stops}`),
            `, arrives ${clock(place.visit.arrival_at)}.`)
          : el("p", { class: "error placed" }, `${label} could not be fitted: it is left out of plan version ${change.plan.number}.`),
        changeSummary(change, ctx),
        el("div", { class: "dialog-buttons" }, el("button", { type: "button", onclick: () => dialog.close() }, "Done")));
      toast(place ? `Urgent order on ${ctx.name(place.vehicle_id)}, stop ${place.position}` : "Urgent order left out", place ? "ok" : "bad");
      await ctx.reloadPlan();
      if (place) ctx.map.focus([body.location.lat, body.location.lon]);
    } catch (err) {
      error.textContent = describe(err);
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
}

export function setupBreakdown(ctx) {
  const dialog = $("#breakdown-dialog");
  const form = $("#breakdown-form");
  const error = $("#breakdown-error");
  const result = $("#breakdown-result");
  const warn = $("#breakdown-warning");
  const explain = () => {
    const r = ctx.routes.find((x) => x.vehicle_id === form.vehicle.value);
    warn.textContent = r
      ? `${r.vehicle_name} has ${r.stops_total - r.stops_done} open stops; they go to the other vehicles and ${r.vehicle_name} takes no more work today. This cannot be undone from here.`
      : "";
  };
  form.vehicle.addEventListener("change", explain);
  $("#breakdown-open").addEventListener("click", () => {
    form.reset();
    form.vehicle.replaceChildren(...ctx.routes.filter((r) => r.state !== "finished")
      .map((r) => el("option", { value: r.vehicle_id }, `${r.vehicle_name} · ${r.stops_total - r.stops_done} open`)));
    explain();
    error.hidden = true;
    result.hidden = true;
    form.hidden = false;
    dialog.showModal();
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const vehicleId = form.vehicle.value;
    const button = $("button[type=submit]", form);
    button.disabled = true;
    try {
      const change = await api(`plans/${ctx.planId}:take-off-road`, { method: "POST", body: { vehicle_id: vehicleId, improve_s: 0 } });
      const left = change.plan.unassigned.length;
      form.hidden = true;
      result.hidden = false;
      const buttons = el("div", { class: "dialog-buttons" },
        left ? el("button", { type: "button", id: "breakdown-fit", class: "primary", onclick: (ev) => fitLeftOut(ev.currentTarget, change.plan, ctx) },
          `Try to fit ${left === 1 ? "it" : "them"}: re-plan the vans at the station (${FIT_S} s)`) : null,
        el("button", { type: "button", id: "breakdown-done", onclick: () => dialog.close() }, "Done"));
      result.replaceChildren(
        el("p", { class: "placed" }, el("strong", {}, `${ctx.name(vehicleId)} is off the road.`),
          ` Plan version ${change.plan.number}${left ? `; ${left} ${left === 1 ? "order" : "orders"} could not be fitted` : ""}.`),
        changeSummary(change, ctx),
        el("p", { id: "breakdown-fit-result", class: "muted", hidden: true }),
        buttons);
      toast(`${ctx.name(vehicleId)} off the road: plan version ${change.plan.number}`, "ok");
      await ctx.reloadPlan();
    } catch (err) {
      error.textContent = describe(err);
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
}

// Insertion never reorders a route, so stops a breakdown could not fit may fit once the vans
// still at the station are solved again (POST /plans/{id}:improve, station_vans): a planning
// job, followed until it ends. The dispatcher asks for it: the plan changes under them only
// when they do.
const FIT_S = 10;

async function fitLeftOut(button, plan, ctx) {
  const said = $("#breakdown-fit-result");
  button.disabled = true;
  said.hidden = false;
  delete said.dataset.done;
  said.textContent = "Re-planning the vans at the station…";
  try {
    let job = await api(`plans/${plan.id}:improve`, { method: "POST", body: { station_vans: true, time_limit_s: FIT_S } });
    while (job.status === "queued" || job.status === "running") {
      await new Promise((done) => setTimeout(done, 1000));
      job = await api(`planning-jobs/${job.id}`);
    }
    if (job.status !== "succeeded") throw new Error(job.error || `the re-plan ${job.status}`);
    if (!job.plan_id) {
      said.textContent = "No better plan found: the orders stay unfitted. Move them by hand or to another day.";
      return;
    }
    const now = await api(`plans/${job.plan_id}`);
    const fitted = plan.unassigned.length - now.unassigned.length;
    said.textContent = `Plan version ${now.number}: ${fitted} more ${fitted === 1 ? "order" : "orders"} fitted, ${now.unassigned.length} left out.`;
    said.dataset.fitted = String(fitted);
    toast(`Plan version ${now.number}: ${fitted} more fitted`, "ok");
    await ctx.reloadPlan();
  } catch (err) {
    said.textContent = describe(err);
    button.disabled = false;
  } finally {
    said.dataset.done = "1";
  }
}

// ---- another day -------------------------------------------------------------------------

function nextDay(day) {
  const next = new Date(`${day}T12:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().slice(0, 10);
}

// POST /orders/{id}:reschedule; `window` "HH:MM-HH:MM" or empty (the order keeps its hours).
// One key per asking: a retried request is answered once; the same move again changes nothing.
export async function rescheduleOrder(orderId, day, window = "") {
  const body = window ? { date: day, window } : { date: day };
  return api(`orders/${encodeURIComponent(orderId)}:reschedule`, {
    method: "POST", body, headers: { "Idempotency-Key": newId("reschedule") },
  });
}

// Before the parcel reaches the station, without plans:live: the order's own date and windows
// (PATCH /orders), which the API refuses once the station has the parcel.
async function patchDay(orderId, order, day) {
  const shift = Date.parse(`${day}T00:00:00Z`) - Date.parse(`${order.service_date}T00:00:00Z`);
  const windows = order.time_windows.map((w) => ({
    start_at: new Date(Date.parse(w.start_at) + shift).toISOString(),
    end_at: new Date(Date.parse(w.end_at) + shift).toISOString(),
  }));
  await api(`orders/${encodeURIComponent(orderId)}`, { method: "PATCH", body: { service_date: day, time_windows: windows } });
}

// A case's "Reschedule" part: a day (tomorrow or later), optionally one of that day's delivery
// slots, and the move. With plans:live it is :reschedule, which moves an order received or
// sorted (or not at the station yet) and refuses one on a van, saying what to do instead.
export function rescheduleSection(c, ctx, dialog) {
  const tomorrow = nextDay(ctx.day);
  const day = el("input", { type: "date", name: "day", min: tomorrow, value: tomorrow, "aria-label": "new day" });
  const slot = el("input", {
    name: "window", placeholder: "slot, e.g. 10:00-12:00", pattern: "\\d{2}:\\d{2}-\\d{2}:\\d{2}",
    size: "13", "aria-label": "delivery slot (optional)", title: "a delivery slot of that day; empty keeps the order's hours",
  });
  const out = el("p", { class: "muted small reschedule-note" },
    "The parcel stays at the station; its stop leaves today's plan. Not once it is on a van.");
  const go = el("button", { type: "button", class: "reschedule", dataset: { live: "1" }, disabled: !(ctx.canWritePlans || ctx.canWriteOrders) }, "Move to this day");
  go.addEventListener("click", async () => {
    go.disabled = true;
    try {
      let text = `Moved to ${day.value}`;
      if (ctx.canWritePlans) {
        const done = await rescheduleOrder(c.order_id, day.value, slot.value.trim());
        const change = done.plan_change;
        text = done.changed ? `Moved to ${done.order.service_date}${slot.value.trim() ? `, ${slot.value.trim()}` : ""}` : `Already on ${done.order.service_date}`;
        if (change) text += `; its stop left the plan (now plan version ${change.plan.number})`;
        if (change) await ctx.reloadPlan();
      } else {
        await patchDay(c.order_id, await api(`orders/${encodeURIComponent(c.order_id)}`), day.value);
      }
      out.className = "small reschedule-note ok-text";
      out.textContent = `${text}. Resolve the case as “rescheduled” when done.`;
      $("select[name=resolution]", dialog).value = "rescheduled";
      toast(text, "ok");
    } catch (e) {
      out.className = "small reschedule-note error";
      out.textContent = describe(e);
    } finally {
      go.disabled = false;
    }
  });
  return el("section", { class: "case-part case-reschedule" }, el("h3", {}, "Reschedule"),
    el("div", { class: "inline" }, day, slot, go), out);
}
