// The two live changes a dispatcher makes to the running plan from the control tower: an
// urgent order put into it (POST /orders, then POST /plans/{id}:add-order) and a vehicle
// taken off the road (POST /plans/{id}:take-off-road). Both answer with the new version;
// the page says where the stops went and redraws from it.
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
      result.replaceChildren(
        el("p", { class: "placed" }, el("strong", {}, `${ctx.name(vehicleId)} is off the road.`),
          ` Plan version ${change.plan.number}${left ? `; ${left} ${left === 1 ? "order" : "orders"} could not be fitted` : ""}.`),
        changeSummary(change, ctx),
        el("div", { class: "dialog-buttons" }, el("button", { type: "button", onclick: () => dialog.close() }, "Done")));
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
