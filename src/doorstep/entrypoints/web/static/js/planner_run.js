// Run planning: start a job for the station's day, poll it for the search's progress (time
// used, the best plan's route cost so far and the stops it leaves out, whether a plan without
// late stops was found), cancel it (the server keeps the best plan found so far), then hand the
// stored version to the plan view.
// "Allocate" runs the same way as an allocation job (POST /allocations:run): a few rounds of
// planning, each up to the search time, deciding per order own fleet or a partner; cancelled,
// it stores nothing. When it ends the plan view gets its version and the Carriers tab its
// decisions ("allocated").
import { api, describe, toast, $ } from "./app.js";
import { call } from "./planner_call.js";

const POLL_MS = 500;
// An allocation plans the fleet about three times (see services/carriers/allocation.py): the
// bar measures against that, and never shows full before the job ends.
const ALLOCATION_ROUNDS = 3;

export function initRun(ctx) {
  const startButton = $("#run-start");
  const allocateButton = $("#run-allocate");
  const cancelButton = $("#run-cancel");
  let job = null;
  let kind = "plan"; // or "allocate"
  let timer = null;
  // The organisation's currency, for the cost in the progress line; without it the bare figure.
  let currency = "";
  api("organisation").then((org) => { currency = org.currency || ""; }).catch(() => {});

  // The solver reports on each new best and every few hundred iterations, so its elapsed
  // time lags; a wall clock started when the job is first seen running fills the gaps.
  let runningSince = null;

  function show(j) {
    const box = $("#run-progress");
    box.hidden = false;
    box.dataset.status = j.status;
    if (j.status === "running" && runningSince === null) runningSince = performance.now();
    const p = j.progress;
    const seen = runningSince === null ? 0 : (performance.now() - runningSince) / 1000;
    const budget = kind === "allocate" ? j.time_limit_s * ALLOCATION_ROUNDS : j.time_limit_s;
    const elapsed = kind === "allocate" ? Math.max(p ? p.elapsed_s : 0, seen)
      : Math.min(Math.max(p ? p.elapsed_s : 0, seen), j.time_limit_s);
    const finished = ["succeeded", "failed", "cancelled"].includes(j.status);
    const share = j.status === "succeeded" ? 1 : Math.min(elapsed / budget, kind === "allocate" ? 0.95 : 1);
    $("#run-bar").style.width = `${(share * 100).toFixed(0)}%`;
    box.dataset.kind = kind;
    const parts = [kind === "allocate" && !finished ? `Allocating: ${words(j.status).toLowerCase()}` : words(j.status)];
    if (!finished) {
      if (p) box.dataset.progressSeen = "1"; // for the browser test: the search was watched
      parts.push(kind === "allocate" ? `${elapsed.toFixed(0)} s, rounds of up to ${j.time_limit_s} s`
        : `${elapsed.toFixed(0)} of ${j.time_limit_s} s`);
      // The best plan's route cost so far (no penalties), as the stored plan will count it;
      // the solver's own objective (search_objective) is not shown: it is no cost.
      if (p && p.best_cost !== null) parts.push(cost(p));
      if (p) parts.push(p.feasible ? "all stops in time" : "no plan on time yet");
    } else {
      parts.push(`after ${elapsed.toFixed(1)} s`);
      if (j.plan_id) parts.push("plan stored");
    }
    if (j.outcome) parts.push(j.outcome);
    if (j.error) parts.push(j.error);
    $("#run-status").textContent = parts.join(" · ");
  }

  function cost(p) {
    const money = `cost ${p.best_cost.toFixed(2)} ${currency}`.trim();
    return p.left_out === null ? money : `${money}, ${p.left_out} left out`;
  }

  function words(status) {
    return { queued: "Waiting to start", running: "Searching", succeeded: "Done", failed: "Failed", cancelled: "Cancelled" }[status] || status;
  }

  async function poll() {
    try {
      job = await call(`planning-jobs/${encodeURIComponent(job.id)}`);
    } catch (error) {
      toast(`Lost the planning job: ${describe(error)}`, "bad");
      finish();
      return;
    }
    show(job);
    if (["succeeded", "failed", "cancelled"].includes(job.status)) {
      finish();
      if (kind === "allocate") {
        if (job.status === "succeeded") toast(`Allocated: ${job.outcome}`, "ok");
        else if (job.status === "failed") toast(`Allocation failed: ${job.error || "no reason given"}`, "bad");
        else toast("Allocation cancelled: nothing stored", "");
        if (job.plan_id) ctx.emit("plan-stored", { planId: job.plan_id });
        if (job.status === "succeeded") ctx.emit("allocated", { job });
        return;
      }
      if (job.plan_id) {
        toast(`Plan stored${job.status === "cancelled" ? " (cancelled: the best plan so far)" : ""}`, "ok");
        ctx.emit("plan-stored", { planId: job.plan_id });
      } else if (job.status === "failed") {
        toast(`Planning failed: ${job.error || "no reason given"}`, "bad");
      }
      return;
    }
    timer = setTimeout(poll, POLL_MS);
  }

  function finish() {
    clearTimeout(timer);
    startButton.disabled = false;
    allocateButton.disabled = false;
    cancelButton.hidden = true;
    cancelButton.disabled = false;
  }

  // Both kinds answer a planning job, polled and cancelled at /planning-jobs/{id}.
  async function begin(which) {
    kind = which;
    startButton.disabled = true;
    allocateButton.disabled = true;
    runningSince = null;
    delete $("#run-progress").dataset.progressSeen;
    $("#run-progress").hidden = false;
    $("#run-status").textContent = "Starting…";
    $("#run-bar").style.width = "0";
    $("#run-progress").dataset.status = "starting";
    $("#run-progress").dataset.kind = kind;
    const body = { station: ctx.station.code, date: ctx.day, time_limit_s: Number($("#run-seconds").value) };
    try {
      job = await call(kind === "allocate" ? "allocations:run" : "planning-jobs", { method: "POST", body });
    } catch (error) {
      toast(`Could not start ${kind === "allocate" ? "the allocation" : "planning"}: ${describe(error)}`, "bad");
      finish();
      return;
    }
    cancelButton.hidden = false;
    show(job);
    timer = setTimeout(poll, POLL_MS);
  }

  startButton.addEventListener("click", () => begin("plan"));
  allocateButton.addEventListener("click", () => begin("allocate"));

  cancelButton.addEventListener("click", async () => {
    if (!job) return;
    cancelButton.disabled = true;
    try {
      job = await call(`planning-jobs/${encodeURIComponent(job.id)}:cancel`, { method: "POST" });
      show(job);
    } catch (error) {
      toast(`Could not cancel: ${describe(error)}`, "bad");
      cancelButton.disabled = false;
    }
  });
}
