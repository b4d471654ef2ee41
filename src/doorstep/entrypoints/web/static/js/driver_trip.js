// Pre- and post-trip inspections, and ending the route back at the station. These need the
// network (the server decides whether the van may leave), so they are not queued.

import { api, describe, el, toast } from "./app.js";
import { remember, recall } from "./driver_store.js";

const NAMES = {
  fluid_leaks: "Fluid leaks", cargo_door_and_lock: "Cargo door and lock",
  fire_extinguisher: "Fire extinguisher", first_aid_kit: "First aid kit",
};
const label = (item) => NAMES[item] || item[0].toUpperCase() + item.slice(1).replaceAll("_", " ");

async function checklist() {
  try {
    const items = await api("inspections/checklist");
    await remember("checklist", items);
    return items;
  } catch {
    return (await recall("checklist")) || [];
  }
}

// One row per item: fine, or the defect and whether the van must not be driven.
function itemRow(item) {
  const defect = el("input", { type: "text", name: `defect-${item}`, placeholder: "What is wrong?", hidden: true });
  const unsafe = el("label", { class: "inline", hidden: true },
    el("input", { type: "checkbox", name: `unsafe-${item}` }), " Unsafe to drive");
  const ok = el("input", { type: "checkbox", name: `ok-${item}`, checked: true,
    onchange: () => { defect.hidden = ok.checked; unsafe.hidden = ok.checked; } });
  return el("div", { class: "check-item", dataset: { item } },
    el("label", { class: "inline" }, ok, " ", label(item)), defect, unsafe);
}

function answers(form, items) {
  return items.map((item) => {
    const ok = form.elements[`ok-${item}`].checked;
    return ok ? { item, ok } : {
      item, ok, defect: form.elements[`defect-${item}`].value.trim() || "defect",
      unsafe: form.elements[`unsafe-${item}`].checked,
    };
  });
}

// The trip card: the pre-trip inspection, and the post-trip one that ends the route.
export async function renderTrip(box, { route, day, onDone }) {
  const items = await checklist();
  const done = (await recall(`trip:${day}`)) || {};
  const vehicle = encodeURIComponent(route.vehicle_id);
  const form = (kind, title, submit, send) => {
    const f = el("form", { class: "inspection", dataset: { kind } },
      ...items.map(itemRow),
      kind === "post_trip" ? el("label", {}, "Odometer (km)",
        el("input", { type: "number", name: "odometer", min: 0, inputmode: "numeric" })) : null,
      el("button", { type: "submit", class: "primary" }, submit));
    f.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!navigator.onLine) { toast("Inspections need the network: try again when online.", "bad"); return; }
      const button = f.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const answer = await send(answers(f, items), f);
        done[kind] = answer;
        await remember(`trip:${day}`, done);
        onDone();
      } catch (error) {
        toast(describe(error), "bad");
      } finally {
        button.disabled = false;
      }
    });
    return el("details", { class: "trip-step", open: !done[kind] && kind === "pre_trip" && notDeparted(route) },
      el("summary", {}, title, done[kind] ? el("span", { class: "badge ok" }, "done") : null), f);
  };
  const preTrip = form("pre_trip", "Pre-trip inspection", "Submit inspection", (answered) =>
    api(`vehicles/${vehicle}/inspections?date=${day}`, {
      method: "POST", body: { kind: "pre_trip", items: answered },
    }).then((a) => { toast(a.unsafe ? "Unsafe defect: the van must not leave." : "Pre-trip inspection saved.", a.unsafe ? "bad" : "ok"); return a; }));
  const end = form("post_trip", "Post-trip inspection and end of route", "End route", (answered, f) => {
    const km = f.elements.odometer.value;
    return api(`vehicles/${vehicle}/route:end?date=${day}`, {
      method: "POST", body: { items: answered, odometer_km: km === "" ? null : Number(km) },
    }).then((a) => {
      toast(a.on_board.length ? `Route ended: scan ${a.on_board.length} parcels back in at the station.` : "Route ended.", "ok");
      return a;
    });
  });
  const ended = done.post_trip;
  box.replaceChildren(el("h2", {}, `Vehicle ${route.vehicle_name}`), preTrip, end);
  if (ended && ended.on_board.length) {
    box.append(el("p", { class: "hours-due" }, `Still on board: ${ended.on_board.join(", ")}`));
  }
}

function notDeparted(route) {
  const statuses = route.stops.flatMap((s) => s.parcels.map((p) => p.status));
  return statuses.length > 0 && !statuses.includes("out_for_delivery") && !statuses.includes("delivered");
}
