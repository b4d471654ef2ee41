// The planner page: import a day's orders, fix the ones held back, plan (or allocate between
// the own fleet and partners, then hand the partners' orders off), read the plan on the map
// and as a timeline, lock, compare and publish. This module wires the parts together;
// each tab's work lives in its own planner_*.js module and they talk through `ctx.events`.
import { describe, pageData, station, toast, $, $$ } from "./app.js";
import { call } from "./planner_call.js";
import { makeMap } from "./map.js";
import { initImport } from "./planner_import.js";
import { initAttention } from "./planner_attention.js";
import { initRun } from "./planner_run.js";
import { initPlan } from "./planner_plan.js";
import { initCompare } from "./planner_compare.js";
import { initAllocation } from "./planner_allocation.js";

const data = pageData();
const here = station();

// Everything the parts share. Events: "plan-stored" {planId} after a run or a lock made or
// changed a version; "allocated" {job} after an allocation job succeeded; "versions" {versions} when the day's list is read; "orders-changed"
// after an import or a fix; "tab" {name} to switch tabs, "tab-shown" {name} once switched.
const ctx = {
  day: data.date,
  station: here,
  zone: here ? here.timezone : undefined,
  stationId: null,
  map: null,
  events: new EventTarget(),
  emit(name, detail = {}) { this.events.dispatchEvent(new CustomEvent(name, { detail })); },
  on(name, fn) { this.events.addEventListener(name, (e) => fn(e.detail)); },
};

function showTab(name) {
  for (const tab of $$(".planner-tabs [role=tab]")) {
    const mine = tab.id === `tab-${name}`;
    tab.setAttribute("aria-selected", String(mine));
    $(`#${tab.getAttribute("aria-controls")}`).hidden = !mine;
  }
  document.body.dataset.tab = name;
  ctx.emit("tab-shown", { name });
}

async function start() {
  for (const tab of $$(".planner-tabs [role=tab]")) {
    tab.addEventListener("click", () => showTab(tab.id.replace("tab-", "")));
  }
  ctx.on("tab", ({ name }) => showTab(name));
  if (!here) {
    $("#pane-plan").prepend("No station to plan: register one in Settings first.");
    return;
  }
  ctx.map = makeMap($("#planner-map"), { center: [here.location.lat, here.location.lon], zoom: 13 });
  try {
    const stations = await call("stations");
    const found = stations.find((s) => s.code === here.code);
    ctx.stationId = found ? found.id : null;
  } catch (error) {
    toast(`Could not read the stations: ${describe(error)}`, "bad");
  }
  initImport(ctx);
  initAttention(ctx);
  initRun(ctx);
  initPlan(ctx);
  initCompare(ctx);
  initAllocation(ctx);
  const tabs = { "#import": "import", "#carriers": "allocation" };
  showTab(tabs[location.hash] || "plan");
  document.body.dataset.ready = "1";
}

start();
