// The Carriers tab: the day's allocation (GET /allocations), one card per order with its
// carrier (the own fleet or a partner), price, promise and the own fleet's marginal cost, its
// reasons on demand; totals per carrier; and "Hand off N orders" (POST /allocations:hand-off),
// which books the partners' orders still waiting, one by one, and lists each outcome.
import { clock, describe, el, toast, $ } from "./app.js";
import { call } from "./planner_call.js";

function money(cents, currency) {
  if (cents === null || cents === undefined) return "–";
  return `${(cents / 100).toFixed(2)} ${currency || ""}`.trim();
}

// The promise in the station's clock, with its date when it is not the planned day.
function promise(iso, ctx) {
  if (!iso) return "–";
  const day = new Date(iso).toLocaleDateString("en-CA", { timeZone: ctx.zone });
  return day === ctx.day ? clock(iso, ctx.zone) : `${day} ${clock(iso, ctx.zone)}`;
}

function carrierOf(d) {
  if (d.within_level === false) return "not served";
  return d.kind === "partner" ? (d.carrier_name || d.carrier) : "own fleet";
}

export function initAllocation(ctx) {
  const list = $("#alloc-list");
  const handButton = $("#alloc-handoff");
  let items = [];

  async function load() {
    try {
      const found = await call(`allocations?${new URLSearchParams({ station: ctx.station.code, date: ctx.day })}`);
      items = found.items;
    } catch (error) {
      toast(`Could not read the allocation: ${describe(error)}`, "bad");
      return;
    }
    draw();
  }

  function draw() {
    const pane = $("#pane-allocation");
    pane.dataset.orders = String(items.length);
    $("#alloc-empty").hidden = items.length > 0;
    $("#alloc-body").hidden = items.length === 0;
    $("#alloc-count").textContent = String(items.length);
    const currency = (items.find((d) => d.currency) || {}).currency || "";
    const partners = items.filter((d) => d.kind === "partner");
    const own = items.filter((d) => d.kind !== "partner" && d.within_level !== false);
    const missed = items.filter((d) => d.within_level === false);
    const sum = (ds) => ds.reduce((n, d) => n + (d.price_cents || 0), 0);
    const tiles = [
      ["own", own.length, "own fleet"],
      ["partner", partners.length, "to partners"],
      ["missed", missed.length, "no carrier can serve"],
      ["cost", money(sum(partners), currency), "partner cost"],
    ];
    $("#alloc-tiles").replaceChildren(...tiles.map(([key, value, label]) =>
      el("div", { class: `tile${key === "missed" && value ? " bad" : ""}`, dataset: { count: key } },
        el("div", { class: "value num" }, value), el("div", { class: "label" }, label))));

    // Per carrier: orders, parcels and what they cost (the fleet's: its marginal costs).
    const per = new Map();
    for (const d of items) {
      const name = carrierOf(d);
      const row = per.get(name) || { name, orders: 0, parcels: 0, cents: 0, partner: d.kind === "partner" };
      row.orders += 1;
      row.parcels += d.parcels;
      row.cents += d.price_cents || 0;
      per.set(name, row);
    }
    const rows = [...per.values()].sort((a, b) => Number(b.partner) - Number(a.partner) || b.orders - a.orders);
    $("#alloc-carriers tbody").replaceChildren(...rows.map((r) =>
      el("tr", { dataset: { carrier: r.name } },
        el("td", {}, r.name),
        el("td", { class: "num" }, r.orders),
        el("td", { class: "num" }, r.parcels),
        el("td", { class: "num" }, r.name === "not served" ? "–" : money(r.cents, currency)
          + (r.partner ? "" : " marginal")))));

    const waiting = partners.filter((d) => d.to_hand_off);
    handButton.hidden = partners.length === 0;
    handButton.disabled = waiting.length === 0;
    handButton.textContent = `Hand off ${waiting.length} order${waiting.length === 1 ? "" : "s"}`;
    handButton.dataset.count = String(waiting.length);
    const done = partners.length - waiting.length;
    $("#alloc-handoff-note").textContent = partners.length === 0 ? ""
      : done ? `${done} handed off already` : "books each partner's orders with it";

    list.replaceChildren(...items.map((d) => card(d, currency)));
  }

  function card(d, currency) {
    const kind = d.within_level === false ? "missed" : d.kind;
    const handed = d.kind === "partner" && !d.to_hand_off;
    return el("li", { class: `decision ${kind}`, dataset: { order: d.order_id, kind, carrier: d.carrier } },
      el("div", { class: "decision-head" },
        el("strong", { class: "ref" }, d.order),
        el("span", { class: `badge ${kind}` }, carrierOf(d)),
        handed ? el("span", { class: "badge handed" }, d.order_status === "handed_off" ? "handed off" : d.order_status) : null),
      // A partner's price beside what the own fleet would cost; an own-fleet order's price
      // is its marginal cost, shown once.
      el("dl", { class: "figures" },
        d.kind === "partner"
          ? el("div", {}, el("dt", {}, "Price"), el("dd", { class: "price num" }, money(d.price_cents, d.currency || currency)))
          : null,
        el("div", {}, el("dt", {}, "Promised by"), el("dd", { class: "num" }, promise(d.promised_by, ctx))),
        el("div", { class: "wide" }, el("dt", {}, "Own fleet"), el("dd", { class: "fleet" }, d.own_fleet_cost || "–"))),
      el("p", { class: "summary small" }, d.summary),
      el("details", { class: "reasons" },
        el("summary", {}, `Why (${d.reasons.length})`),
        el("ul", {}, d.reasons.map((r) => el("li", {}, r)))));
  }

  async function handOff() {
    handButton.disabled = true;
    let report;
    try {
      report = await call("allocations:hand-off", { method: "POST", body: { station: ctx.station.code, date: ctx.day } });
    } catch (error) {
      toast(`Could not hand off: ${describe(error)}`, "bad");
      handButton.disabled = false;
      return;
    }
    const box = $("#alloc-outcomes");
    box.hidden = false;
    box.dataset.booked = String(report.booked);
    box.dataset.refused = String(report.refused);
    const skipped = report.already_handed_off ? `, ${report.already_handed_off} handed off before` : "";
    $("#alloc-outcome-sum").textContent = `${report.booked} booked, ${report.refused} refused${skipped}`;
    $("#alloc-outcome-list").replaceChildren(...report.outcomes.map((o) =>
      el("li", { class: `outcome ${o.booked ? "booked" : "refused"}`, dataset: { order: o.order_id } },
        el("strong", {}, o.order), " ",
        el("span", { class: `badge ${o.booked ? "ok" : "bad"}` }, o.booked ? "booked" : "refused"), " ",
        o.booked ? `${o.carrier} · tracking ${o.tracking_number}` : o.reason)));
    toast(`${report.booked} booked, ${report.refused} refused`, report.refused ? "bad" : "ok");
    await load();
  }

  handButton.addEventListener("click", handOff);
  $("#alloc-reload").addEventListener("click", load);
  // A new allocation: the last hand-off's outcomes no longer apply; showing the tab reads it.
  ctx.on("allocated", () => {
    $("#alloc-outcomes").hidden = true;
    ctx.emit("tab", { name: "allocation" });
  });
  ctx.on("tab-shown", ({ name }) => { if (name === "allocation") load(); });
}
