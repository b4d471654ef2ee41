// The board's partner deliveries (GET /stations/{s}/dispatch: partners, partner_totals): one
// card per partner carrier with its counts, then its deliveries, overdue first, as the server
// orders them. Clicking one shows its details (and its case, when it has one). Redrawn whole
// on every board read, like the route cards.
import { clock, el, $ } from "./app.js";
import { statusWords } from "./status_words.js";

// The stage as a badge: what needs the dispatcher's eye is warn or bad.
const STAGE = {
  booked: ["booked", ""],
  in_progress: ["with the partner", "ok"],
  delivered: ["delivered", "muted-badge"],
  failed: ["attempt failed", "warn"],
  returned: ["returned", "warn"],
};

const windowText = (d) => (d.window_end ? `${clock(d.window_start)}–${clock(d.window_end)}` : "by end of day");

function counts(t) {
  const parts = [
    ["booked", t.booked], ["in progress", t.in_progress], ["delivered", t.delivered],
    ["failed", t.failed], ["returned", t.returned],
  ].filter(([, n]) => n > 0).map(([label, n]) => `${n} ${label}`);
  return parts.join(" · ") || "none";
}

function badge(d) {
  if (d.overdue) return el("span", { class: "badge bad", "data-role": "overdue", title: `due ${clock(d.due_at)}` }, "overdue");
  const [text, tone] = STAGE[d.stage] || [d.stage, ""];
  return el("span", { class: `badge ${tone}`, "data-role": "stage" }, text);
}

export function renderPartners(box, board, { onPick }) {
  const partners = board ? board.partners || [] : [];
  const totals = board ? board.partner_totals || [] : [];
  box.replaceChildren();
  $("#partners-section").hidden = partners.length === 0;
  for (const t of totals) {
    const mine = partners.filter((d) => d.carrier_code === t.carrier_code);
    box.append(el("article", { class: `partner-card${t.overdue ? " behind" : ""}`, dataset: { carrier: t.carrier_code } },
      el("header", {},
        el("strong", { class: "route-name" }, t.carrier_name),
        el("span", { class: "num muted small", "data-role": "counts" }, `${t.total} · ${counts(t)}`),
        t.overdue ? el("span", { class: "badge bad", "data-role": "overdue-count" }, `${t.overdue} overdue`) : null),
      el("ol", { class: "partner-list" }, mine.map((d) => el("li", {},
        el("button", {
          type: "button", class: `partner-row${d.overdue ? " overdue" : ""}`,
          dataset: { order: d.order_id, stage: d.stage, overdue: String(d.overdue) },
          onclick: () => onPick(d),
        },
          el("span", { class: "partner-line" },
            el("span", { class: "partner-ref" }, `${d.shipper_reference} · ${d.recipient_name}`), badge(d)),
          el("span", { class: "partner-line muted small" },
            el("span", { "data-role": "status" }, statusWords(d.order_status)),
            el("span", { class: "num", "data-role": "tracking" }, d.tracking_number),
            el("span", { "data-role": "window" }, windowText(d)))))))));
  }
}

// The details of one partner delivery in the page's partner dialog; `caseOf` is its open
// case, if any, and `openCase` shows that.
export function openPartner(dialog, d, { caseOf, openCase }) {
  const row = (label, value) => [el("dt", {}, label), el("dd", {}, value || "–")];
  $("#partner-title", dialog).textContent = `${d.shipper_reference} · ${d.recipient_name}`;
  const [stageText] = STAGE[d.stage] || [d.stage];
  $("#partner-body", dialog).replaceChildren(
    el("dl", { class: "partner-facts" },
      row("Carrier", d.carrier_name),
      row("Tracking number", el("span", { class: "num" }, d.tracking_number)),
      row("Order", statusWords(d.order_status)),
      row("Hand-off", stageText),
      row("Window", windowText(d)),
      row("Due", d.overdue ? el("span", { class: "badge bad" }, `overdue since ${clock(d.due_at)}`) : clock(d.due_at)),
      row("Partner's last event", d.last_event_at ? clock(d.last_event_at) : "none yet")),
    el("p", { class: "inline" },
      el("a", { class: "button-link", href: `/api/v1/handoffs/${encodeURIComponent(d.handoff_id)}/label.pdf`, target: "_blank", rel: "noopener" }, "Label (PDF)"),
      caseOf ? el("button", { type: "button", onclick: () => { dialog.close(); openCase(caseOf); } }, "Open its case") : null));
  if (!dialog.open) dialog.showModal();
}
