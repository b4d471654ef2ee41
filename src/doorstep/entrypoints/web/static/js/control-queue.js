// The exception queue of the page's station and day (GET /exceptions, most urgent first) and
// a case's actions: take it or give it an owner, resolve it with a code, move its stop to
// another route (previewed first), move the order to another day, and contact the recipient.
import { api, clock, describe, el, toast, $ } from "./app.js";
import { rescheduleSection } from "./control-actions.js";

const CODES = ["fixed", "rescheduled", "returned_to_sender", "found", "lost", "damaged_claim", "no_action"];
const words = (s) => String(s).replaceAll("_", " ");
const QUEUE_SIZE = "200";

// The open cases of the station's day (ctx.station, ctx.day), not the whole organisation's:
// the server decides which cases are a station's day's (its orders of the day, its vans'
// route cases, unknown barcodes scanned that day).
export async function loadCases(ctx) {
  const query = new URLSearchParams({ station: ctx.station, date: ctx.day, limit: QUEUE_SIZE });
  const page = await api(`exceptions?${query}`);
  return page.items;
}

export function renderQueue(list, cases, { users, positions, onOpen }) {
  list.replaceChildren();
  for (const c of cases) {
    const owner = c.owner_id ? (users.get(c.owner_id) || { name: c.owner_id }).name : null;
    const where = c.order_id && positions.get(c.order_id);
    list.append(el("li", { class: `case${c.overdue ? " overdue" : ""}`, dataset: { case: c.id, type: c.type } },
      el("button", { type: "button", class: "case-open", onclick: () => onOpen(c) },
        el("span", { class: `badge ${c.overdue ? "bad" : "warn"}` }, words(c.type)),
        el("span", { class: "case-summary" }, c.summary),
        el("span", { class: "case-meta muted" },
          c.barcode ? `${c.barcode} · ` : "",
          where ? `${where.vehicle_name} #${where.position} · ` : "",
          c.overdue ? "overdue" : `due ${clock(c.due_at)}`,
          owner ? ` · ${owner}` : " · unowned"))));
  }
}

// The dialog for one case. ctx: {users, me, positions, routes, planId, canWritePlans,
// canWriteOrders, day, refresh(), reloadPlan()}.
export async function openCase(dialog, c, ctx) {
  $("#case-title", dialog).textContent = words(c.type);
  $("#case-summary", dialog).textContent = `${c.summary}${c.barcode ? ` · ${c.barcode}` : ""} · opened ${clock(c.opened_at)}, due ${clock(c.due_at)}`;
  const body = $("#case-body", dialog);
  body.replaceChildren(ownerSection(c, ctx, dialog), resolveSection(c, ctx, dialog));
  if (c.order_id) {
    const contact = el("section", { class: "case-part", id: "case-contact" }, el("h3", {}, "Contact"), el("p", { class: "muted" }, "Loading…"));
    body.append(contact);
    if (ctx.positions.get(c.order_id)) body.append(moveSection(c, ctx, dialog));
    body.append(rescheduleSection(c, ctx, dialog));
    fillContact(contact, c.order_id);
  }
  if (!dialog.open) dialog.showModal();
}

function ownerSection(c, ctx, dialog) {
  const select = el("select", { name: "owner", "aria-label": "owner" },
    el("option", { value: "" }, "— choose —"),
    [...ctx.users.values()].map((u) =>
      el("option", { value: u.id, selected: u.id === c.owner_id }, `${u.name} (${u.roles.map(words).join(", ")})`)));
  const assign = async (ownerId) => {
    if (!ownerId) return;
    try {
      const done = await api(`exceptions/${c.id}:assign`, { method: "POST", body: { owner_id: ownerId } });
      toast(`Case given to ${(ctx.users.get(done.owner_id) || { name: "them" }).name}`, "ok");
      Object.assign(c, done);
      ctx.refresh("queue");
      openCase(dialog, c, ctx);
    } catch (e) { toast(describe(e), "bad"); }
  };
  const owner = c.owner_id ? (ctx.users.get(c.owner_id) || { name: c.owner_id }).name : "nobody yet";
  return el("section", { class: "case-part" }, el("h3", {}, "Owner"),
    el("p", { class: "owner-now" }, `Owner: ${owner}`),
    el("div", { class: "inline" }, select,
      el("button", { type: "button", onclick: () => assign(select.value) }, "Assign"),
      c.owner_id === ctx.me ? null : el("button", { type: "button", class: "take", onclick: () => assign(ctx.me) }, "Take it")));
}

function resolveSection(c, ctx, dialog) {
  const code = el("select", { name: "resolution", "aria-label": "resolution code" },
    CODES.map((x) => el("option", { value: x }, words(x))));
  const note = el("input", { name: "note", maxlength: "1000", placeholder: "note (optional)", "aria-label": "note" });
  const go = el("button", { type: "button", class: "primary resolve", disabled: !ctx.canWriteOrders }, "Resolve");
  go.addEventListener("click", async () => {
    go.disabled = true;
    try {
      await api(`exceptions/${c.id}:resolve`, { method: "POST", body: { resolution: code.value, note: note.value } });
      toast(`Resolved: ${words(code.value)}`, "ok");
      dialog.close();
      ctx.refresh("queue");
    } catch (e) { toast(describe(e), "bad"); go.disabled = false; }
  });
  return el("section", { class: "case-part" }, el("h3", {}, "Resolve"), el("div", { class: "inline" }, code, note, go));
}

async function fillContact(section, orderId) {
  try {
    const [order, messages] = await Promise.all([
      api(`orders/${encodeURIComponent(orderId)}`),
      api(`messages?order_id=${encodeURIComponent(orderId)}&limit=20`),
    ]);
    const r = order.recipient || {};
    const tel = r.phone ? r.phone.replace(/[^+0-9]/g, "") : "";
    section.replaceChildren(el("h3", {}, "Contact"),
      el("p", {}, el("strong", {}, r.name || "–"), " · ", order.address ? order.address.as_given : ""),
      el("p", { class: "inline contact-links" },
        r.phone ? el("a", { class: "button-link", href: `tel:${tel}` }, `☎ ${r.phone}`) : el("span", { class: "muted" }, "no phone"),
        r.email ? el("a", { class: "button-link", href: `mailto:${r.email}?subject=${encodeURIComponent(`Your delivery ${order.shipper_reference || ""}`)}` }, `✉ ${r.email}`) : el("span", { class: "muted" }, "no e-mail")),
      el("h4", {}, "Messages sent"),
      messages.length
        ? el("ul", { class: "messages" }, messages.map((m) => el("li", {},
          el("span", { class: "muted" }, `${clock(m.created_at)} · ${m.channel} · ${words(m.trigger)} · ${m.status}`), " ", m.subject || m.body.slice(0, 80))))
        : el("p", { class: "muted" }, "No messages to this recipient yet."));
  } catch (e) {
    section.replaceChildren(el("h3", {}, "Contact"), el("p", { class: "error" }, describe(e)));
  }
}

function moveSection(c, ctx, dialog) {
  const where = ctx.positions.get(c.order_id);
  const others = ctx.routes.filter((r) => r.vehicle_id !== where.vehicle_id && r.state !== "finished");
  if (!others.length) {
    return el("section", { class: "case-part" }, el("h3", {}, "Move to another route"),
      el("p", { class: "muted" }, `Now on ${where.vehicle_name}, stop ${where.position}; no other route is still running.`));
  }
  const target = el("select", { name: "vehicle", "aria-label": "move to route" },
    others.map((r) => el("option", { value: r.vehicle_id }, r.vehicle_name)));
  const out = el("div", { class: "move-preview" });
  const save = el("button", { type: "button", class: "primary save-move", hidden: true, disabled: !ctx.canWritePlans }, "Save the move");
  const send = async (saveIt) => {
    try {
      const change = await api(`plans/${ctx.planId}:move`, { method: "POST",
        body: { order_ids: [c.order_id], vehicle_id: target.value, save: saveIt } });
      out.replaceChildren(changeSummary(change, ctx));
      if (saveIt) {
        toast(`Moved to ${ctx.name(target.value)}: plan version ${change.plan.number}`, "ok");
        save.hidden = true;
        ctx.reloadPlan();
      } else {
        save.hidden = change.consequences.length > 0;
      }
    } catch (e) { out.replaceChildren(el("p", { class: "error" }, describe(e))); }
  };
  save.addEventListener("click", () => send(true));
  return el("section", { class: "case-part" }, el("h3", {}, "Move to another route"),
    el("p", { class: "muted" }, `Now on ${where.vehicle_name}, stop ${where.position}.`),
    el("div", { class: "inline" }, target, el("button", { type: "button", class: "preview", onclick: () => send(false) }, "Preview"), save),
    ctx.canWritePlans ? null : el("p", { class: "muted small" }, "Saving a move needs the plans:live permission (a dispatcher, planner or admin)."),
    out);
}

// What a live change did (or would do): the routes it touched, its cost, the rules it breaks.
export function changeSummary(change, ctx) {
  return el("div", { class: "change" },
    el("p", {}, change.saved ? `Saved as plan version ${change.plan.number}.` : "Preview: nothing saved yet.",
      // The routes' cost, in money: the plan's own cost also prices stops left out (the
      // planner's penalties), which read as a bill ("+2125.88") after a breakdown.
      ` Routes cost ${change.route_cost_change >= 0 ? "+" : ""}${change.route_cost_change.toFixed(2)}.`),
    el("ul", {}, change.affected.map((a) => el("li", {},
      `${ctx.name(a.vehicle_id)}: ${a.stops_before} → ${a.stops_after} stops, ${(a.distance_before_m / 1000).toFixed(1)} → ${(a.distance_after_m / 1000).toFixed(1)} km`))),
    change.consequences.length
      ? el("ul", { class: "consequences" }, change.consequences.map((x) => el("li", { class: "error" }, `${words(x.code)}: ${x.message}`)))
      : null);
}
