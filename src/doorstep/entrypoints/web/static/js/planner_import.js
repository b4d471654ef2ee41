// Import an order file: the file goes as the raw body to /orders:import-file, which answers
// one NDJSON line per row as it commits batches, so the count moves while a big file is read
// and a dropped connection still shows what was stored. The last line is the summary.
import { ApiError, describe, el, toast, $ } from "./app.js";
import { call, isLeaving } from "./planner_call.js";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const SHOWN = 300; // rows drawn at once; more on request, so a 10,000-row file stays quick

const OUTCOME = {
  rejected: ["rejected", "bad"],
  held: ["held for attention", "warn"],
  created: ["imported", "ok"],
  updated: ["updated", "ok"],
  unchanged: ["unchanged", ""],
};

function kindOf(row) {
  if (row.outcome === "rejected") return "rejected";
  if (row.status === "needs_attention") return "held";
  return row.outcome;
}

// How many data rows a CSV file has, to show a share done; null for a workbook (unknown
// until read). Quoted line breaks make this an estimate, so the bar never passes 100 %.
async function estimateRows(file) {
  if (!file.name.toLowerCase().endsWith(".csv") || file.size > 50e6) return null;
  const text = await file.text();
  const lines = text.split("\n").filter((l) => l.trim() !== "").length;
  return Math.max(lines - 1, 0);
}

export function initImport(ctx) {
  $("#import-station").textContent = ctx.station.code;
  $("#import-day").textContent = ctx.day;
  const form = $("#import-form");
  let rows = [];
  let filter = "problems";
  let shown = SHOWN;

  function drawRows() {
    const body = $("#import-rows");
    const wanted = rows.filter((r) => {
      const kind = kindOf(r);
      if (filter === "all") return true;
      if (filter === "problems") return kind === "rejected" || kind === "held";
      return kind === filter;
    });
    const cells = wanted.slice(0, shown).map((r) => {
      const kind = kindOf(r);
      const [label, tone] = OUTCOME[kind] || [kind, ""];
      const notes = [
        ...r.problems.map((p) => el("div", { class: "problem" }, el("strong", {}, p.field), ": ", p.message,
          p.fix ? el("span", { class: "muted" }, ` (${p.fix})`) : null)),
        ...r.flags.map((f) => el("div", { class: `flag ${f.severity}` }, el("strong", {}, f.field || f.code), ": ", f.message)),
      ];
      return el("tr", { class: `row-${kind}`, dataset: { row: r.row } },
        el("td", { class: "num" }, r.row), el("td", {}, r.reference),
        el("td", {}, el("span", { class: `badge ${tone}` }, label)), el("td", {}, notes));
    });
    body.replaceChildren(...cells);
    if (wanted.length > shown) {
      body.append(el("tr", {}, el("td", { colspan: 4 },
        el("button", { type: "button", class: "link", onclick: () => { shown += SHOWN; drawRows(); } },
          `Show ${Math.min(SHOWN, wanted.length - shown)} more of ${wanted.length - shown}`))));
    }
    if (!wanted.length) body.append(el("tr", {}, el("td", { colspan: 4, class: "muted" }, "No rows of this kind.")));
  }

  function drawSummary(summary) {
    const tiles = [
      ["created", "imported", "ok"], ["updated", "updated", "ok"], ["unchanged", "unchanged", ""],
      ["needs_attention", "held for attention", "warn"], ["rejected", "rejected", "bad"],
    ];
    $("#import-summary").replaceChildren(...tiles.map(([key, label, tone]) =>
      el("div", { class: `tile ${tone}`, dataset: { count: key } },
        el("div", { class: "value" }, summary[key] ?? 0), el("div", { class: "label" }, label))));
    const filters = [["problems", "Problems"], ["rejected", "Rejected"], ["held", "Held"], ["all", "All rows"]];
    $("#import-filters").replaceChildren(...filters.map(([key, label]) =>
      el("button", { type: "button", class: key === filter ? "chip on" : "chip",
        onclick: () => { filter = key; shown = SHOWN; drawSummary(summary); drawRows(); } }, label)));
  }

  function progress(done, total) {
    const share = total ? Math.min(done / total, 1) : null;
    $("#import-bar").style.width = share === null ? "100%" : `${(share * 100).toFixed(0)}%`;
    $("#import-bar").classList.toggle("indeterminate", share === null);
    $("#import-status").textContent = total ? `${done} of about ${total} rows read` : `${done} rows read`;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = $("#import-file").files[0];
    if (!file) return;
    const type = file.name.toLowerCase().endsWith(".xlsx") ? XLSX : "text/csv";
    const query = new URLSearchParams({ shipper: $("#import-shipper").value.trim(), station: ctx.station.code, default_date: ctx.day });
    const button = $("#import-start");
    button.disabled = true;
    rows = [];
    shown = SHOWN;
    filter = "problems";
    $("#import-progress").hidden = false;
    $("#import-report").hidden = true;
    const total = await estimateRows(file);
    progress(0, total);
    let summary = null;
    try {
      const answer = await call(`orders:import-file?${query}`, { method: "POST", body: file, raw: true, headers: { "Content-Type": type } });
      if (!answer.ok) {
        let problem = {};
        try { problem = await answer.json(); } catch { problem = { detail: answer.statusText }; }
        throw new ApiError(answer.status, problem);
      }
      const reader = answer.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
        const lines = buffer.split("\n");
        buffer = lines.pop();
        for (const line of lines) {
          if (!line.trim()) continue;
          const item = JSON.parse(line);
          if (item.summary) {
            summary = item.summary;
            if (item.error) toast(`The import stopped: ${item.error}`, "bad");
          } else {
            rows.push(item);
          }
        }
        progress(rows.length, total);
        if (done) break;
      }
    } catch (error) {
      if (isLeaving()) return;
      toast(`Import failed: ${describe(error)}`, "bad");
    } finally {
      button.disabled = false;
    }
    if (!summary && !rows.length) { $("#import-progress").hidden = true; return; }
    summary = summary || countRows(rows);
    $("#import-status").textContent = `${rows.length} rows read · done`;
    $("#import-bar").style.width = "100%";
    $("#import-report").hidden = false;
    $("#import-report").dataset.done = "1";
    drawSummary(summary);
    drawRows();
    const said = [`${summary.created} new`, summary.updated && `${summary.updated} updated`,
      summary.unchanged && `${summary.unchanged} unchanged`, `${summary.needs_attention} held`, `${summary.rejected} rejected`];
    toast(`${rows.length} rows: ${said.filter(Boolean).join(", ")}`, summary.rejected ? "" : "ok");
    ctx.emit("orders-changed");
  });
}

// A summary from the rows themselves, when the stream broke before its last line.
function countRows(rows) {
  const summary = { created: 0, updated: 0, unchanged: 0, rejected: 0, needs_attention: 0 };
  for (const r of rows) {
    summary[r.outcome] = (summary[r.outcome] || 0) + 1;
    if (r.status === "needs_attention") summary.needs_attention += 1;
  }
  return summary;
}
