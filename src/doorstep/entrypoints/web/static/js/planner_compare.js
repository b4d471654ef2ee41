// Compare two versions of the day: their figures side by side with the change, and which
// orders moved to another van, joined or left the plan. Defaults to the last two versions.
import { describe, el, km, toast, $ } from "./app.js";
import { call } from "./planner_call.js";
import { nameOrders } from "./planner_names.js";

const FIGURES = [
  ["cost", "Cost", (v) => v.toFixed(2), false],
  ["distance_m", "Distance", km, false],
  ["routes_used", "Routes", String, false],
  ["unassigned", "Left out", String, false],
  ["lateness_s", "Late (min)", (v) => (v / 60).toFixed(0), false],
];

export function initCompare(ctx) {
  const pickA = $("#compare-a");
  const pickB = $("#compare-b");
  let versions = [];

  ctx.on("versions", ({ versions: found }) => {
    versions = found;
    const options = () => [...versions].reverse().map((v) => el("option", { value: v.id }, `Plan ${v.number} · ${v.status}`));
    pickA.replaceChildren(...options());
    pickB.replaceChildren(...options());
    // A new version is what a planner wants to see against the one before it.
    const last = versions.length - 1;
    if (last >= 0) {
      pickB.value = versions[last].id;
      pickA.value = versions[Math.max(last - 1, 0)].id;
    }
  });

  const name = (id) => (id === null ? "left out" : ctx.vehicleNames[id] || id);

  $("#compare-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = $("#compare-result");
    if (!pickA.value || !pickB.value) { out.replaceChildren(el("p", { class: "muted" }, "Plan the day twice to compare.")); return; }
    let found;
    try {
      found = await call(`plans:compare?${new URLSearchParams({ a: pickA.value, b: pickB.value })}`);
    } catch (error) {
      toast(`Could not compare: ${describe(error)}`, "bad");
      return;
    }
    const rows = FIGURES.map(([key, label, shown]) => {
      const delta = found.b[key] - found.a[key];
      const tone = delta < 0 ? "better" : delta > 0 ? "worse" : "";
      return el("tr", { dataset: { figure: key } }, el("th", {}, label), el("td", { class: "num" }, shown(found.a[key])),
        el("td", { class: "num" }, shown(found.b[key])),
        el("td", { class: `num delta ${tone}` }, delta === 0 ? "=" : `${delta > 0 ? "+" : "−"}${shown(Math.abs(delta))}`));
    });
    const moves = found.moved.map((m) => el("li", { dataset: { order: m.order_id } },
      el("button", { type: "button", class: "link ref", onclick: () => ctx.locate && ctx.locate(m.order_id) }, m.order_id),
      ` ${name(m.vehicle_a)} → ${name(m.vehicle_b)}`));
    out.replaceChildren(...[
      el("table", { class: "compare-table" },
        el("thead", {}, el("tr", {}, el("th", {}), el("th", {}, `Plan ${found.a.number}`), el("th", {}, `Plan ${found.b.number}`), el("th", {}, "Change"))),
        el("tbody", {}, rows)),
      el("h3", { class: "section" }, `Moved orders `, el("span", { class: "count", id: "moved-count" }, found.moved.length)),
      moves.length ? el("ul", { class: "moved" }, moves) : el("p", { class: "muted" }, "No order changed van."),
      found.added.length ? el("p", {}, `Only in plan ${found.b.number}: ${found.added.length} orders`) : null,
      found.dropped.length ? el("p", {}, `Only in plan ${found.a.number}: ${found.dropped.length} orders`) : null,
    ].filter(Boolean));
    out.dataset.done = `${found.a.plan_id}:${found.b.plan_id}`;
    nameOrders(found.moved.map((m) => m.order_id), out);
  });
}

