// One plan version: the day's versions to pick from, the plan on the map, its figures, each
// route with what limits it, the orders left out and why, locks, and publishing. The
// timeline (Gantt) is drawn by planner_gantt.js from the page's own /plans/{id}/timeline.
/* global L */
import { clock, describe, el, km, toast, $ } from "./app.js";
import { call } from "./planner_call.js";
import { drawPlan } from "./map.js";
import { drawGantt, initGanttZoom } from "./planner_gantt.js";
import { nameOrders } from "./planner_names.js";

const STATUS_TONE = { draft: "", published: "ok", superseded: "warn", cancelled: "bad" };

// What the binding constraint means for this route, in a planner's words.
export function bindingWords(route, zone) {
  switch (route.binding) {
    case "capacity": return `Full: loaded to ${(route.peak_load * 100).toFixed(0)} % of its capacity`;
    case "shift": return `Out of time: the shift ends, back at ${clock(route.end_at, zone)}`;
    case "windows": return "Time windows leave no room for more stops";
    default: return "Room to spare: could take more work";
  }
}

export function initPlan(ctx) {
  const picker = $("#version-pick");
  const layer = L.layerGroup().addTo(ctx.map);
  let versions = [];
  let current = null; // {plan, map, drawn}
  ctx.vehicleNames = {};

  async function loadVersions(wanted) {
    try {
      const found = await call(`plans?${new URLSearchParams({ station: ctx.station.code, date: ctx.day })}`);
      versions = found.items;
    } catch (error) {
      toast(`Could not read the day's plans: ${describe(error)}`, "bad");
      return;
    }
    picker.replaceChildren(...(versions.length ? [] : [el("option", { value: "" }, "No plan yet")]),
      ...[...versions].reverse().map((v) => el("option", { value: v.id },
        `Plan ${v.number} · ${v.status} · ${v.routes_used} routes · ${v.cost.toFixed(2)}`)));
    ctx.emit("versions", { versions });
    const published = versions.find((v) => v.status === "published");
    const pick = wanted || (current && versions.some((v) => v.id === current.plan.id) ? current.plan.id : null)
      || (versions.length ? versions[versions.length - 1].id : null) || (published && published.id);
    if (pick) { picker.value = pick; await show(pick); } else { empty(); }
  }

  function empty() {
    layer.clearLayers();
    $("#routes-empty").hidden = false;
    $("#route-list").replaceChildren();
    $("#left-list").replaceChildren();
    $("#plan-tiles").replaceChildren();
    $("#publish").hidden = true;
    $("#version-status").replaceChildren();
  }

  async function show(planId) {
    let plan, map, timeline;
    try {
      [plan, map, timeline] = await Promise.all([
        call(`plans/${encodeURIComponent(planId)}`),
        call(`plans/${encodeURIComponent(planId)}/map`),
        call(`plans/${encodeURIComponent(planId)}/timeline`),
      ]);
    } catch (error) {
      toast(`Could not read the plan: ${describe(error)}`, "bad");
      return;
    }
    for (const r of map.routes) ctx.vehicleNames[r.vehicle_id] = r.vehicle_name;
    ctx.map.closePopup();
    const drawn = drawPlan(ctx.map, map, { group: layer, onStop: (s, r) => { highlight(r.vehicle_id, false); stopPopup(s, r); } });
    if (drawn.bounds.isValid()) ctx.map.fitBounds(drawn.bounds.pad(0.05));
    $("#planner-map").dataset.routes = String(Object.keys(drawn.routes).length);
    $("#planner-map").dataset.stops = String(Object.values(drawn.routes).reduce((n, r) => n + r.stops.length, 0));
    current = { plan, map, drawn };
    const latest = versions.length && versions[versions.length - 1].id === plan.id;
    drawHead(plan);
    drawRoutes(plan, map, drawn, latest);
    drawLeftOut(plan, map);
    drawGantt($("#gantt"), timeline, {
      colors: Object.fromEntries(Object.entries(drawn.routes).map(([k, v]) => [k, v.color])),
      onRoute: highlight,
      onStop: (orderId) => ctx.locate(orderId),
    });
    $("#gantt-zone").textContent = `times in ${timeline.timezone}`;
    const box = $("#pane-plan");
    box.dataset.plan = plan.id;
    box.dataset.number = String(plan.number);
  }

  function drawHead(plan) {
    const stops = plan.routes.reduce((n, r) => n + r.stops, 0);
    const tiles = [
      [plan.routes_used, "routes"], [stops, "stops"], [km(plan.distance_m), "distance"],
      [plan.cost.toFixed(2), "cost"], [plan.left_out, "left out"],
    ];
    $("#plan-tiles").replaceChildren(...tiles.map(([value, label]) =>
      el("div", { class: "tile", dataset: { tile: label } }, el("div", { class: "value" }, value), el("div", { class: "label" }, label))));
    $("#version-status").replaceChildren(el("span", { class: `badge ${STATUS_TONE[plan.status] || ""}`, id: "plan-status" }, plan.status),
      el("span", { class: "muted small" }, plan.published_at ? ` at ${clock(plan.published_at, ctx.zone)}` : ""));
    const publish = $("#publish");
    publish.hidden = plan.status !== "draft";
    publish.textContent = `Publish plan ${plan.number}`;
  }

  function drawRoutes(plan, map, drawn, latest) {
    const used = plan.routes.filter((r) => r.stops > 0);
    $("#routes-empty").hidden = used.length > 0;
    const locks = Object.fromEntries(plan.locked.map((k) => [k.vehicle_id, k]));
    $("#route-list").replaceChildren(...used.map((r) => {
      const color = drawn.routes[r.vehicle_id] ? drawn.routes[r.vehicle_id].color : "#6b7280";
      const kept = locks[r.vehicle_id];
      const firstStops = el("input", { type: "number", min: 1, max: r.stops, value: Math.min(3, r.stops), class: "lock-count", "aria-label": "stops to lock" });
      return el("li", { class: "route-item", dataset: { vehicle: r.vehicle_id } },
        el("button", { type: "button", class: "route-head", onclick: () => highlight(r.vehicle_id) },
          el("i", { class: "swatch", style: `background:${color}` }),
          el("strong", {}, ctx.vehicleNames[r.vehicle_id] || r.vehicle_id),
          el("span", { class: "muted small" }, `${clock(r.start_at, ctx.zone)}–${clock(r.end_at, ctx.zone)}`),
          kept ? el("span", { class: "badge ok locked" }, kept.order_ids.length >= r.stops ? "locked" : `first ${kept.order_ids.length} locked`) : null),
        el("dl", { class: "figures" },
          el("div", {}, el("dt", {}, "stops"), el("dd", { class: "num" }, r.stops)),
          el("div", {}, el("dt", {}, "distance"), el("dd", { class: "num" }, km(r.distance_m))),
          el("div", {}, el("dt", {}, "cost"), el("dd", { class: "num" }, r.cost.toFixed(2))),
          el("div", {}, el("dt", {}, "peak load"), el("dd", { class: "num" }, `${(r.peak_load * 100).toFixed(0)} %`))),
        el("p", { class: `binding ${r.binding}` }, el("span", { class: "badge" }, r.binding), " ", bindingWords(r, ctx.zone)),
        latest ? el("div", { class: "lock-row" },
          el("button", { type: "button", class: "lock-route", onclick: () => lock(plan, r, null) }, "Lock route"),
          el("span", { class: "lock-first" },
            el("button", { type: "button", class: "lock-stops", onclick: () => lock(plan, r, Number(firstStops.value)) }, "Lock first"),
            firstStops, "stops")) : null);
    }));
  }

  function drawLeftOut(plan, map) {
    const where = Object.fromEntries(map.left_out.map((x) => [x.order_id, x]));
    $("#left-count").textContent = String(plan.unassigned.length);
    $("#left-list").replaceChildren(...(plan.unassigned.length ? plan.unassigned.map((u) =>
      el("li", { class: "left-item", dataset: { order: u.order_id } },
        el("button", { type: "button", class: "link ref", onclick: () => { const w = where[u.order_id]; if (w && w.lat !== null) ctx.map.setView([w.lat, w.lon], 16); } }, u.order_id),
        " ", el("span", { class: "badge warn" }, u.code.replaceAll("_", " ")),
        el("div", { class: "small why" }, u.message || "no reason recorded"))) : [el("li", { class: "muted" }, "Every order is on a route.")]));
    nameOrders(plan.unassigned.map((u) => u.order_id), $("#left-list"));
  }

  // A stop's place in its route, built as nodes (order data is never parsed as HTML).
  function stopPopup(stop, route) {
    const body = el("div", { class: "stop-popup" },
      el("strong", {}, `${route.vehicle_name} · stop ${stop.position}`), el("br"),
      el("code", {}, stop.order_id), el("br"),
      `arrives ${clock(stop.arrival_at, ctx.zone)}, leaves ${clock(stop.departure_at, ctx.zone)}`);
    L.popup().setLatLng([stop.lat, stop.lon]).setContent(body).openOn(ctx.map);
  }

  // Show an order's stop in the plan on screen (from the timeline, the comparison ...).
  ctx.locate = (orderId) => {
    if (!current) return false;
    for (const [vehicleId, drawnRoute] of Object.entries(current.drawn.routes)) {
      const marker = drawnRoute.stops.find((m) => m.stop.order_id === orderId);
      if (!marker) continue;
      highlight(vehicleId, false);
      ctx.map.setView(marker.getLatLng(), Math.max(ctx.map.getZoom(), 16));
      stopPopup(marker.stop, drawnRoute.route);
      for (const bar of document.querySelectorAll("#gantt .seg.current")) bar.classList.remove("current");
      const bar = document.querySelector(`#gantt .seg.service[data-order="${orderId}"]`);
      if (bar) { bar.classList.add("current"); bar.scrollIntoView({ block: "nearest", inline: "center" }); }
      return true;
    }
    return false;
  };

  function highlight(vehicleId, fit = true) {
    if (!current) return;
    for (const [id, r] of Object.entries(current.drawn.routes)) {
      r.line.setStyle({ weight: id === vehicleId ? 6 : 4, opacity: id === vehicleId ? 0.9 : 0.25 });
      if (id === vehicleId) { r.line.bringToFront(); if (fit) ctx.map.fitBounds(r.line.getBounds().pad(0.1)); }
    }
    for (const node of document.querySelectorAll("[data-vehicle]")) node.classList.toggle("picked", node.dataset.vehicle === vehicleId);
  }

  async function lock(plan, route, count) {
    const visits = route.visits.map((v) => v.order_id);
    const body = count ? { stop_ids: visits.slice(0, count) } : {};
    try {
      await call(`plans/${encodeURIComponent(plan.id)}/routes/${encodeURIComponent(route.vehicle_id)}:lock`, { method: "POST", body });
    } catch (error) {
      toast(`Could not lock: ${describe(error)}`, "bad");
      return;
    }
    toast(`${ctx.vehicleNames[route.vehicle_id] || route.vehicle_id}: ${count ? `first ${count} stops` : "route"} locked for the next run`, "ok");
    await show(plan.id);
  }

  initGanttZoom();
  picker.addEventListener("change", () => { if (picker.value) show(picker.value); });
  $("#publish").addEventListener("click", async () => {
    if (!current) return;
    const button = $("#publish");
    button.disabled = true;
    try {
      await call(`plans/${encodeURIComponent(current.plan.id)}:publish`, { method: "POST" });
      toast(`Plan ${current.plan.number} published: drivers and the station see it now`, "ok");
      await loadVersions(current.plan.id);
    } catch (error) {
      toast(`Could not publish: ${describe(error)}`, "bad");
    } finally {
      button.disabled = false;
    }
  });
  ctx.on("plan-stored", ({ planId }) => { ctx.emit("tab", { name: "plan" }); loadVersions(planId); });
  loadVersions();
}
