// The big verdict panel and the strip of recent scans under it. The panel fills most of a
// phone's screen in the verdict's colour; the strip keeps every scan of the last minutes,
// so a fast run of scans can be checked one by one.

import { el } from "./app.js";
import { fill } from "./station-views.js";

const ICON = { ok: "✓", bad: "✗", warn: "!", info: "→", idle: "" };
const KEEP = 30;

export function showVerdict(box, v) {
  box.className = `feedback ${v.kind}`;
  box.dataset.kind = v.kind;
  fill(box,
    el("span", { class: "fb-title" }, el("span", { class: "fb-icon", "aria-hidden": "true" }, ICON[v.kind] || ""), v.title),
    v.bigLabel ? el("span", { class: "fb-label" }, v.bigLabel) : null,
    el("span", { class: `fb-big${String(v.big).length > 7 ? " long" : ""}` }, v.big),
    el("span", { class: "fb-detail" }, v.detail || ""),
  );
  // Restart the flash even when two verdicts in a row have the same colour.
  box.classList.remove("flash");
  void box.offsetWidth;
  box.classList.add("flash");
}

// The flash is over once its animation ends (tests wait for that before a screenshot).
export function settleFlash(box) {
  box.addEventListener("animationend", () => box.classList.remove("flash"));
}

export function historyRow(list, barcode, what) {
  const row = el("li", { class: "pending", dataset: { barcode } },
    el("span", { class: "h-code" }, barcode), el("span", { class: "h-what" }, what), el("span", { class: "h-verdict" }, "sending…"));
  list.prepend(row);
  while (list.children.length > KEEP) list.lastElementChild.remove();
  return row;
}

export function settleRow(row, v) {
  row.className = v.kind;
  row.dataset.kind = v.kind;
  row.querySelector(".h-verdict").textContent = `${v.title}${v.big && v.big !== v.title ? ` · ${v.bigLabel ? `${v.bigLabel} ` : ""}${v.big}` : ""}`;
}
