// The outbox: every event the driver makes is stored on the phone first, shown as done at
// once, and sent when the network allows (now, on the `online` event, and on a retry timer).
// Each event carries the id the phone made for it, and the server stores an id once, so
// sending again after an answer was lost never records anything twice. Proof images are
// kept as blobs and uploaded before the event that names them (their SHA-256 names them).

import { api, ApiError } from "./app.js";
import { store } from "./driver_store.js";

const RETRY_MS = 15000;
const BATCH = 100;
const listeners = new Set();
let running = null;
let timer = null;
let counter = 0;

// fn(entries) after every change, with all entries in the order they were made.
export function onChange(fn) {
  listeners.add(fn);
}

async function changed() {
  const entries = await store.ordered();
  for (const fn of listeners) fn(entries);
}

export const entries = () => store.ordered();

// entry: {type: "scan" | "duty", day, body, files?: [sha256], driver?: id}
export async function enqueue(entry) {
  const full = {
    files: [], ...entry,
    // A number that grows across reloads too: the order the driver did things in.
    seq: Date.now() * 1000 + (counter++ % 1000),
    state: "waiting", message: "", tries: 0,
  };
  full.id = entry.body.id;
  await store.put("outbox", full);
  await changed();
  sync();
  return full;
}

// Keep an image until its event is sent; its SHA-256 names it on the server.
export async function keepFile(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  await store.put("files", { sha256, blob, type: blob.type, uploaded: false });
  return sha256;
}

export async function fileBlob(sha256) {
  const found = await store.get("files", sha256);
  return found ? found.blob : null;
}

// One sync at a time; callers share the running one.
export function sync() {
  if (running === null) running = flush().finally(() => { running = null; });
  return running;
}

// Mark every event sent today as waiting again and send it all: after a phone's trouble,
// this makes sure the server has everything (what it has already counts as a duplicate).
// Answers how many were sent and how many of those the server already had.
export async function resendAll() {
  const ids = new Set();
  for (const entry of await store.ordered()) {
    if (entry.state !== "sent") continue;
    ids.add(entry.id);
    await store.put("outbox", { ...entry, state: "waiting", outcome: "" });
  }
  await changed();
  await running; // a sync already under way may have missed them
  await sync();
  const after = (await store.ordered()).filter((e) => ids.has(e.id));
  return {
    sent: after.filter((e) => e.state === "sent").length,
    known: after.filter((e) => e.outcome === "duplicate").length,
  };
}

export function start() {
  addEventListener("online", () => sync());
  timer = timer || setInterval(() => sync(), RETRY_MS);
  sync();
}

async function flush() {
  if (!navigator.onLine) return;
  const waiting = (await store.ordered()).filter((e) => e.state === "waiting");
  if (waiting.length === 0) return;
  try {
    const ready = [];
    for (const entry of waiting) {
      if (await upload(entry)) ready.push(entry);
    }
    const scans = ready.filter((e) => e.type === "scan");
    for (let i = 0; i < scans.length; i += BATCH) await sendScans(scans.slice(i, i + BATCH));
    const duties = ready.filter((e) => e.type === "duty");
    const drivers = [...new Set(duties.map((e) => e.driver))];
    for (const driver of drivers) await sendDuty(driver, duties.filter((e) => e.driver === driver));
  } catch (error) {
    // Offline or the server did not answer: everything unsent stays waiting for the next try.
    if (!(error instanceof TypeError) && !(error instanceof ApiError && error.status >= 500)) {
      console.warn("sync stopped", error);
    }
  } finally {
    await changed();
  }
}

// Upload the entry's images not yet on the server; false when one was refused.
async function upload(entry) {
  for (const sha256 of entry.files) {
    const file = await store.get("files", sha256);
    if (!file) {
      await refuse(entry, "the proof image was lost on this phone; capture it again");
      return false;
    }
    if (file.uploaded) continue;
    try {
      await api("proof-files", {
        method: "POST", body: file.blob, headers: { "Content-Type": file.type },
      });
    } catch (error) {
      if (error instanceof ApiError && error.status < 500 && error.status !== 401) {
        await refuse(entry, error.message);
        return false;
      }
      throw error;
    }
    await store.put("files", { ...file, uploaded: true });
  }
  return true;
}

async function sendScans(batch) {
  const answer = await api("events", { method: "POST", body: { events: batch.map((e) => e.body) } });
  const byId = new Map(answer.results.map((r) => [r.id, r]));
  for (const entry of batch) {
    const result = byId.get(entry.id);
    if (!result) continue;
    if (result.outcome === "stored" || result.outcome === "duplicate") {
      await store.put("outbox", {
        ...entry, state: "sent", outcome: result.outcome, tries: entry.tries + 1,
        message: result.problem || "",
      });
    } else {
      await refuse(entry, result.message || result.outcome);
    }
  }
}

async function sendDuty(driver, batch) {
  try {
    const answer = await api(`drivers/${encodeURIComponent(driver)}/duty`, {
      method: "POST", body: { changes: batch.map((e) => e.body) },
    });
    const outcome = answer.duplicates === batch.length ? "duplicate" : "stored";
    for (const entry of batch) {
      await store.put("outbox", { ...entry, state: "sent", outcome, tries: entry.tries + 1 });
    }
  } catch (error) {
    if (error instanceof ApiError && error.status < 500 && error.status !== 401) {
      for (const entry of batch) await refuse(entry, error.message);
      return;
    }
    throw error;
  }
}

async function refuse(entry, message) {
  await store.put("outbox", { ...entry, state: "refused", message, tries: entry.tries + 1 });
}

// Sent events of other days are of no more use on the phone.
export async function prune(day) {
  for (const entry of await store.ordered()) {
    if (entry.day !== day && entry.state === "sent") {
      await store.remove("outbox", entry.id);
      for (const sha256 of entry.files) await store.remove("files", sha256);
    }
  }
}
