// The needs-attention queue: the day's orders held back by their data, each with its flags,
// and the three fixes a planner makes from a desk: pick one of the geocoder's candidates,
// drag the pin to the door on the map, or release with the warnings accepted. A fixed order
// leaves the queue only when the server says it is ready; otherwise its new flags show.
/* global L */
import { describe, el, toast, $ } from "./app.js";
import { call } from "./planner_call.js";
import { statusWords } from "./status_words.js";

const PAGE = 500;

function addressLine(order) {
  const a = order.address;
  if (a.as_given) return a.as_given;
  return [`${a.street} ${a.house_number}`.trim(), `${a.postcode} ${a.city}`.trim()].filter(Boolean).join(", ");
}

const pinIcon = (tone) => L.divIcon({ className: `attention-pin ${tone}`, html: "<span></span>", iconSize: [22, 30], iconAnchor: [11, 30] });

export function initAttention(ctx) {
  const list = $("#attention-list");
  const layer = L.layerGroup();
  let orders = [];
  let pin = null; // the draggable marker while a pin is being moved

  async function load() {
    const found = [];
    let cursor = null;
    try {
      do {
        const query = new URLSearchParams({ status: "needs_attention", service_date: ctx.day, limit: String(PAGE) });
        if (cursor) query.set("cursor", cursor);
        const page = await call(`orders?${query}`);
        found.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor);
    } catch (error) {
      toast(`Could not read the queue: ${describe(error)}`, "bad");
      return;
    }
    // This station's orders and those no station took yet (the planner decides where they go).
    orders = found.filter((o) => !o.station_id || !ctx.stationId || o.station_id === ctx.stationId);
    draw();
  }

  function draw() {
    $("#attention-count").textContent = String(orders.length);
    $("#attention-count").classList.toggle("hot", orders.length > 0);
    $("#attention-empty").hidden = orders.length > 0;
    list.replaceChildren(...orders.map(item));
    layer.clearLayers();
    for (const order of orders) {
      if (!order.location) continue;
      L.marker([order.location.lat, order.location.lon], { icon: pinIcon("warn"), title: order.shipper_reference })
        .on("click", () => focus(order)).addTo(layer);
    }
  }

  function item(order) {
    const flags = order.flags.map((f) => el("li", { class: `flag ${f.severity}` },
      el("span", { class: `badge ${f.severity === "blocking" ? "bad" : "warn"}` }, f.code.replaceAll("_", " ")),
      " ", f.message, f.fix ? el("div", { class: "muted small" }, f.fix) : null));
    const body = el("div", { class: "fix-area" });
    return el("li", { class: "attention-item", dataset: { order: order.id } },
      el("div", { class: "attention-head" },
        el("button", { type: "button", class: "link ref", onclick: () => focus(order) }, order.shipper_reference),
        el("span", { class: "muted" }, order.recipient.name)),
      el("div", { class: "address" }, addressLine(order)),
      el("ul", { class: "flags" }, flags),
      el("div", { class: "actions" },
        el("button", { type: "button", class: "candidates", onclick: () => showCandidates(order, body) }, "Pick address"),
        el("button", { type: "button", class: "move-pin", onclick: () => movePin(order, body) }, "Move pin"),
        el("button", { type: "button", class: "release", onclick: () => release(order) }, "Release")),
      body);
  }

  function focus(order) {
    if (order.location) ctx.map.setView([order.location.lat, order.location.lon], 16, { animate: false });
    const node = list.querySelector(`[data-order="${order.id}"]`);
    if (node) { node.scrollIntoView({ block: "nearest" }); node.classList.add("focus"); setTimeout(() => node.classList.remove("focus"), 1200); }
  }

  async function showCandidates(order, area) {
    area.replaceChildren(el("p", { class: "muted" }, "Looking up addresses…"));
    let found;
    try {
      found = await call(`orders/${encodeURIComponent(order.id)}/candidates?limit=5`);
    } catch (error) {
      area.replaceChildren(el("p", { class: "error" }, describe(error)));
      return;
    }
    if (!found.length) {
      area.replaceChildren(el("p", { class: "muted" }, "The geocoder found no address like this one: move the pin instead."));
      return;
    }
    area.replaceChildren(el("ol", { class: "candidates-list" }, found.map((c, i) =>
      el("li", {},
        el("button", { type: "button", class: "choose", dataset: { candidate: i }, onclick: () => choose(order, i) }, "Use"),
        el("span", {}, c.label, " ",
          el("span", { class: "muted small" }, `${c.level} · ${(c.confidence * 100).toFixed(0)} %`,
            c.distance_m !== null ? ` · ${Math.round(c.distance_m)} m from the pin` : "")))),
    ));
    const group = L.featureGroup(found.map((c, i) => L.circleMarker([c.lat, c.lon], { radius: 8, color: "#1d4ed8", fillOpacity: 0.6 })
      .bindTooltip(`${i + 1}. ${c.label}`))).addTo(layer);
    ctx.map.fitBounds(group.getBounds().pad(0.5), { maxZoom: 17 });
  }

  async function choose(order, index) {
    await fix(order, `orders/${encodeURIComponent(order.id)}:choose-candidate`, { candidate: index, note: "picked on the planner page" });
  }

  function movePin(order, area) {
    if (pin) pin.remove();
    const start = order.location || (order.geocode && { lat: order.geocode.lat, lon: order.geocode.lon }) || ctx.station.location;
    pin = L.marker([start.lat, start.lon], { draggable: true, autoPan: true, icon: pinIcon("move"), title: "drag me to the door", zIndexOffset: 2000 }).addTo(ctx.map);
    ctx.map.setView([start.lat, start.lon], 17, { animate: false });
    const where = el("span", { class: "num pin-where" }, `${start.lat.toFixed(5)}, ${start.lon.toFixed(5)}`);
    pin.on("drag", () => { const p = pin.getLatLng(); where.textContent = `${p.lat.toFixed(5)}, ${p.lng.toFixed(5)}`; });
    // Where a tap on the map puts the pin, too: easier than dragging on a phone.
    const tap = (e) => { pin.setLatLng(e.latlng); pin.fire("drag"); };
    ctx.map.on("click", tap);
    const done = () => { ctx.map.off("click", tap); if (pin) { pin.remove(); pin = null; } area.replaceChildren(); };
    area.replaceChildren(el("div", { class: "pin-box" },
      el("p", {}, "Drag the pin (or tap the map) where the door is: ", where),
      el("button", { type: "button", class: "primary save-pin", onclick: async () => {
        const p = pin.getLatLng();
        const ok = await fix(order, `orders/${encodeURIComponent(order.id)}:move-pin`, { location: { lat: p.lat, lon: p.lng }, note: "pin moved on the planner map" });
        if (ok) done();
      } }, "Save pin"),
      el("button", { type: "button", onclick: done }, "Cancel")));
    if (window.matchMedia("(max-width: 800px)").matches) $("#planner-map").scrollIntoView({ behavior: "smooth" });
  }

  async function release(order) {
    await fix(order, `orders/${encodeURIComponent(order.id)}:release`, { note: "released on the planner page" });
  }

  // Send a fix; the queue follows what the server answered.
  async function fix(order, path, body) {
    let fixed;
    try {
      fixed = await call(path, { method: "POST", body });
    } catch (error) {
      toast(`${order.shipper_reference}: ${describe(error)}`, "bad");
      return false;
    }
    if (fixed.status === "needs_attention") {
      orders = orders.map((o) => (o.id === fixed.id ? fixed : o));
      toast(`${fixed.shipper_reference} still needs attention: ${fixed.flags.filter((f) => f.severity === "blocking").map((f) => f.message).join("; ")}`);
    } else {
      orders = orders.filter((o) => o.id !== fixed.id);
      toast(`${fixed.shipper_reference} is ${statusWords(fixed.status)}`, "ok");
    }
    draw();
    return true;
  }

  ctx.on("orders-changed", load);
  ctx.on("tab-shown", ({ name }) => {
    if (name === "attention") layer.addTo(ctx.map);
    else { layer.remove(); if (pin) { pin.remove(); pin = null; } }
  });
  $("#attention-reload").addEventListener("click", load);
  load();
}
