// Run planning: start a job for the station's day, poll it for the search's progress (time
// used, the solver's objective so far, whether a plan without late stops was found), cancel it (the
// server keeps the best plan found so far), then hand the stored version to the plan view.
import { describe, toast, $ } from "./app.js";
import { call } from "./planner_call.js";

const POLL_MS = 500;

export function initRun(ctx) {
  const startButton = $("#run-start");
  const cancelButton = $("#run-cancel");
  let job = null;
  let timer = null;

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
    const elapsed = Math.min(Math.max(p ? p.elapsed_s : 0, seen), j.time_limit_s);
    const finished = ["succeeded", "failed", "cancelled"].includes(j.status);
    const share = j.status === "succeeded" ? 1 : Math.min(elapsed / j.time_limit_s, 1);
    $("#run-bar").style.width = `${(share * 100).toFixed(0)}%`;
    const parts = [words(j.status)];
    if (!finished) {
      if (p) box.dataset.progressSeen = "1"; // for the browser test: the search was watched
      parts.push(`${elapsed.toFixed(0)} of ${j.time_limit_s} s`);
      // The solver's own objective (penalties included), not the plan's cost: it only shows
      // the search improving.
      if (p && p.best_cost !== null) parts.push(`search objective ${p.best_cost.toFixed(2)}`);
      if (p) parts.push(p.feasible ? "all stops in time" : "no plan on time yet");
    } else {
      parts.push(`after ${elapsed.toFixed(1)} s`);
      if (j.plan_id) parts.push("plan stored");
    }
    if (j.outcome) parts.push(j.outcome);
    if (j.error) parts.push(j.error);
    $("#run-status").textContent = parts.join(" · ");
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
    cancelButton.hidden = true;
    cancelButton.disabled = false;
  }

  startButton.addEventListener("click", async () => {
    startButton.disabled = true;
    runningSince = null;
    delete $("#run-progress").dataset.progressSeen;
    $("#run-status").textContent = "Starting…";
    $("#run-bar").style.width = "0";
    $("#run-progress").dataset.status = "starting";
    try {
      job = await call("planning-jobs", { method: "POST", body: { station: ctx.station.code, date: ctx.day, time_limit_s: Number($("#run-seconds").value) } });
    } catch (error) {
      toast(`Could not start planning: ${describe(error)}`, "bad");
      startButton.disabled = false;
      return;
    }
    cancelButton.hidden = false;
    show(job);
    timer = setTimeout(poll, POLL_MS);
  });

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
