// The counts to go and the lists beside the scanner, one renderer per mode. Each takes the
// data the page holds and fills its box; none calls the server.

import { el, clock } from "./app.js";

const TO_SORT = ["expected", "received"];
const SORTED = ["sorted", "loaded", "gone"];

// replaceChildren, leaving out the null and false a conditional part gives.
export function fill(box, ...children) {
  box.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

function sum(counts, stages) { return stages.reduce((n, s) => n + (counts[s] || 0), 0); }

function bar(done, total) {
  const share = total ? Math.round((done / total) * 100) : 0;
  return el("span", { class: "bar", role: "img", "aria-label": `${done} of ${total}` },
    el("span", { class: "bar-fill", style: `width:${share}%` }));
}

function bigCount(n, what, done) {
  return el("p", { class: `togo-big${n === 0 ? " all-done" : ""}`, dataset: { summary: `${n} ${what}` } },
    el("span", { class: "togo-n num" }, String(n)), " ", what,
    done ? el("span", { class: "togo-done muted" }, done) : null);
}

export function receiveCounts(box, receiving) {
  const rows = receiving.manifests.map((m) => {
    const got = m.received.length;
    return el("tr", { dataset: { shipper: m.shipper } },
      el("th", { scope: "row" }, m.shipper),
      el("td", { class: "num togo-cell" }, String(m.expected - got)),
      el("td", { class: "num" }, `${got} / ${m.expected}`),
      el("td", { class: "bar-cell" }, bar(got, m.expected)));
  });
  const left = receiving.manifests.reduce((n, m) => n + m.expected - m.received.length, 0);
  const all = receiving.manifests.reduce((n, m) => n + m.expected, 0);
  fill(box,
    bigCount(left, "to receive", ` · ${all - left} of ${all} in`),
    el("table", { class: "counts", id: "receive-counts" },
      el("thead", {}, el("tr", {}, el("th", {}, "Shipper"), el("th", {}, "To go"), el("th", {}, "Received"), el("th", {}))),
      el("tbody", {}, rows)),
  );
}

export function receiveDetails(box, receiving) {
  const missing = receiving.manifests.flatMap((m) => m.missing);
  fill(box,
    el("h2", {}, "Still to come in"),
    missing.length
      ? el("ul", { class: "codes" }, missing.slice(0, 60).map((p) =>
        el("li", {}, el("code", {}, p.barcode), " ", el("span", { class: "muted" }, p.shipper))))
      : el("p", { class: "muted" }, "Every expected parcel is in."),
    missing.length > 60 ? el("p", { class: "muted" }, `and ${missing.length - 60} more`) : null,
    receiving.unexpected.length ? el("h2", {}, "Not expected") : null,
    receiving.unexpected.length
      ? el("ul", { class: "codes", id: "unexpected" }, receiving.unexpected.map((u) =>
        el("li", {}, el("code", {}, u.barcode), " ", el("span", { class: "muted" }, u.why))))
      : null,
  );
}

export function sortCounts(box, floor) {
  const left = floor.lanes.reduce((n, l) => n + sum(l.counts, TO_SORT), 0);
  const all = floor.lanes.reduce((n, l) => n + l.parcels, 0);
  const rows = floor.lanes.map((l) => {
    const done = sum(l.counts, SORTED);
    return el("tr", { dataset: { lane: l.lane } },
      el("th", { scope: "row", class: "lane-code" }, l.lane),
      el("td", { class: "num togo-cell" }, String(l.parcels - done)),
      el("td", { class: "num" }, `${done} / ${l.parcels}`),
      el("td", { class: "bar-cell" }, bar(done, l.parcels)),
      el("td", { class: "muted vehicle" }, l.vehicle_name));
  });
  fill(box,
    bigCount(left, "to sort", ` · ${all - left} of ${all} in lanes`),
    el("table", { class: "counts", id: "sort-counts" },
      el("thead", {}, el("tr", {}, el("th", {}, "Lane"), el("th", {}, "To go"), el("th", {}, "Sorted"), el("th", {}), el("th", {}, "Vehicle"))),
      el("tbody", {}, rows)),
  );
}

const STAGE_BADGE = { expected: ["", "not in"], received: ["warn", "to sort"], sorted: ["ok", "sorted"], loaded: ["ok", "loaded"], gone: ["ok", "gone"] };

export function sortPlanTable(box, plan, floor, links) {
  const stage = new Map(floor.parcels.map((p) => [p.barcode, p.stage]));
  const lanes = new Map();
  for (const line of plan.lines) {
    if (!lanes.has(line.lane)) lanes.set(line.lane, []);
    lanes.get(line.lane).push(line);
  }
  const body = [];
  for (const [lane, lines] of lanes) {
    body.push(el("tbody", { dataset: { lane } },
      el("tr", { class: "lane-head" }, el("th", { colspan: 4 }, `Lane ${lane}`, el("span", { class: "muted" }, ` · ${lines[0].vehicle_name} · ${lines.length} parcels`))),
      lines.map((line) => {
        const [cls, text] = STAGE_BADGE[stage.get(line.barcode) || "expected"];
        return el("tr", { dataset: { barcode: line.barcode } },
          el("td", { class: "num" }, String(line.position)),
          el("td", {}, el("code", {}, line.barcode)),
          el("td", { class: "where" }, line.recipient_name, el("br"), el("span", { class: "muted" }, line.address)),
          el("td", {}, el("span", { class: `badge ${cls}` }, text)));
      })));
  }
  fill(box,
    el("div", { class: "plan-head" },
      el("h2", {}, `Sort plan · version ${plan.plan_number}`),
      el("div", { class: "print" },
        el("a", { class: "button", href: links.labels, target: "_blank", id: "print-labels" }, "Print labels"),
        el("a", { class: "button", href: links.sheet, target: "_blank", id: "print-sheet" }, "Print sheet"))),
    el("table", { class: "plan", id: "sort-plan" },
      el("thead", {}, el("tr", {}, el("th", {}, "Stop"), el("th", {}, "Barcode"), el("th", {}, "To"), el("th", {}, "Now"))),
      body),
  );
}

export function loadCounts(box, loadOut, { onDepart }) {
  if (!loadOut) {
    fill(box, el("p", { class: "togo-big" }, "Pick the vehicle to load"));
    return;
  }
  const loaded = loadOut.items.filter((i) => i.loaded).length;
  const left = loadOut.items.length - loaded;
  const parts = [bigCount(left, "to load", ` · ${loaded} of ${loadOut.items.length} on ${loadOut.vehicle_name}`)];
  if (loadOut.departure) {
    parts.push(el("p", { class: "departed", id: "departed" },
      `${loadOut.vehicle_name} departed at ${clock(loadOut.departure.departed_at)}`,
      loadOut.departure.missing.length ? ` without ${loadOut.departure.missing.length}: ${loadOut.departure.override_reason}` : ""));
  } else {
    const reason = el("input", { id: "depart-reason", name: "reason", maxlength: 500, placeholder: "Why it leaves without them" });
    const form = el("form", { class: "depart", id: "depart" },
      left ? el("label", { for: "depart-reason" }, `${left} parcel${left === 1 ? "" : "s"} missing: the reason is recorded`) : null,
      left ? reason : null,
      el("button", { type: "submit", class: left ? "danger" : "primary" }, left ? "Depart without them" : "Depart"));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      onDepart(left ? reason.value.trim() : "");
    });
    parts.push(form);
  }
  fill(box, ...parts);
}

export function loadList(box, loadOut, lines) {
  if (!loadOut) { fill(box); return; }
  const byBarcode = new Map(lines.map((l) => [l.barcode, l]));
  fill(box,
    el("h2", {}, `Load order · ${loadOut.vehicle_name}`),
    el("p", { class: "muted" }, "First in: the last stop's parcels."),
    el("table", { class: "plan", id: "load-list" },
      el("thead", {}, el("tr", {}, el("th", {}, "#"), el("th", {}, "Barcode"), el("th", {}, "Stop"), el("th", {}, ""))),
      el("tbody", {}, loadOut.items.map((i) => {
        const line = byBarcode.get(i.barcode);
        return el("tr", { dataset: { barcode: i.barcode }, class: i.loaded ? "is-loaded" : "" },
          el("td", { class: "num" }, String(i.load_index)),
          el("td", {}, el("code", {}, i.barcode), line ? el("div", { class: "muted" }, line.recipient_name) : null),
          el("td", { class: "num" }, `${i.position} · ${i.lane}`),
          el("td", {}, i.loaded ? el("span", { class: "badge ok" }, "loaded") : el("span", { class: "badge bad" }, "missing")));
      }))),
  );
}
