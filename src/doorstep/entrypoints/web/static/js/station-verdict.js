// What one answered scan means to the person holding the parcel: ok (green), bad (red:
// it is in the wrong lane or on the wrong vehicle; the right one is named) or warn (amber:
// no such parcel, a repeat, or a scan out of step). The server decides; this only words it.
//
// `plan`: the parcel's line of the sort plan (lane, vehicle) or null; `before`: its stage as
// the page knew it before this scan; `planned`: a sort plan of the day is published;
// `vehicleName(id)`: a vehicle's name.

import { describe } from "./app.js";

const ORDER = ["expected", "received", "sorted", "loaded", "gone"];
const STEP_MISSED = { sort: "Receive it first", load: "Sort it first", receive: "Check it" };
const DONE = { receive: "received", sort: "sorted", load: "loaded" };

export function verdict(scan, result, error, { plan, planned, before, vehicleName }) {
  const { kind, barcode } = scan.event;
  if (error) return { kind: "bad", title: "Not stored", big: "Scan again", detail: describe(error) };
  if (!result) return { kind: "bad", title: "No answer", big: "Scan again", detail: barcode };
  if (result.outcome === "rejected" || result.outcome === "conflict") {
    return { kind: "bad", title: "Not stored", big: "Scan again", detail: result.message };
  }
  const problem = result.problem || "";
  if (problem && !result.parcel_status) {
    // Only a barcode of no order has no status: a label nobody announced.
    return { kind: "warn", title: "Unknown parcel", big: "?", detail: `No order has barcode ${barcode}. Put it aside for the lead.` };
  }
  if (problem.startsWith("mis-sort")) {
    // The server's word first: the page's copy of the plan may predate a republished one.
    const lane = (problem.match(/belongs in lane (\S+)/) || [])[1] || (plan && plan.lane) || "?";
    return {
      kind: "bad", title: "Wrong lane", big: lane, bigLabel: "belongs in lane",
      detail: `Not ${scan.event.lane}. Move it to lane ${lane} and scan it again.`,
    };
  }
  if (problem.startsWith("mis-load")) {
    // The server names the right van ("belongs on Van 1 (lane L03), not ..."): its word
    // first, as for lanes; the page's copy of the plan only when the words are not there.
    const named = (problem.match(/belongs on (.+?) \(lane/) || [])[1];
    const name = named || vehicleName((plan && plan.vehicle_id) || "");
    return {
      kind: "bad", title: "Wrong vehicle", big: name, bigLabel: "belongs on",
      detail: `Not ${vehicleName(scan.event.vehicle_id)}. Take it off${plan ? ` (lane ${plan.lane})` : ""}.`,
    };
  }
  const done = DONE[kind];
  const repeat = before && ORDER.indexOf(before.stage) >= ORDER.indexOf(done) &&
    (kind !== "sort" || before.scanned_lane === scan.event.lane);
  if (problem) {
    if (repeat || result.parcel_status === done) {
      return { kind: "warn", title: `Already ${done}`, big: repeatBig(kind, plan, vehicleName), detail: `${barcode} was scanned before.` };
    }
    return { kind: "warn", title: `Cannot ${kind} it`, big: STEP_MISSED[kind] || "Check it", detail: problem };
  }
  if (repeat) {
    return { kind: "warn", title: `Already ${done}`, big: repeatBig(kind, plan, vehicleName), detail: `${barcode} was scanned before.` };
  }
  if (kind === "receive") {
    if (!plan && !planned) return { kind: "ok", title: "Received", big: "In", detail: `${barcode} · no plan published yet: sort it once there is one` };
    if (!plan) return { kind: "warn", title: "Received", big: "No lane", detail: `${barcode} is not in today's sort plan: ask the lead.` };
    return { kind: "ok", title: "Received", big: plan.lane, bigLabel: "lane", detail: barcode };
  }
  if (kind === "sort") return { kind: "ok", title: "Sorted", big: scan.event.lane, bigLabel: "lane", detail: barcode };
  return { kind: "ok", title: "Loaded", big: vehicleName(scan.event.vehicle_id), bigLabel: "on", detail: barcode };
}

function repeatBig(kind, plan, vehicleName) {
  if (kind === "load") return plan ? vehicleName(plan.vehicle_id) : "Loaded";
  return plan ? plan.lane : "Repeat";
}
