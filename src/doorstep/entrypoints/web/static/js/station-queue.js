// Scans waiting for the server, in the order they were made. Each scan gets its event id
// when it is made, so a batch resent after a lost answer is stored once (the server answers
// the repeats as duplicates). One batch is in flight at a time; scans made meanwhile wait
// and go together in the next one. Nothing is dropped on a network fault: it is retried.

import { api, ApiError } from "./app.js";

const BATCH = 200;

export class ScanQueue {
  constructor({ onResults, onState }) {
    this.waiting = [];
    this.sending = false;
    this.retryAt = 0;
    this.onResults = onResults;  // ([scan, result, error], ...) in scan order
    this.onState = onState;
    window.addEventListener("online", () => this.pump());
  }

  get pending() { return this.waiting.length; }

  push(scan) {
    this.waiting.push(scan);
    this.onState(this.state());
    this.pump();
  }

  state() {
    return { pending: this.waiting.length, sending: this.sending, offline: this.retryAt > 0 };
  }

  async pump() {
    if (this.sending || this.waiting.length === 0) return;
    this.sending = true;
    const batch = this.waiting.slice(0, BATCH);
    this.onState(this.state());
    try {
      const answer = await api("events", { method: "POST", body: { events: batch.map((s) => s.event) } });
      this.retryAt = 0;
      this.waiting.splice(0, batch.length);
      const byId = new Map(answer.results.map((r) => [r.id, r]));
      this.onResults(batch.map((scan) => [scan, byId.get(scan.event.id) || null, null]));
    } catch (error) {
      if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429) {
        // The server refused the batch as it is: resending cannot help. Say so per scan.
        this.waiting.splice(0, batch.length);
        this.onResults(batch.map((scan) => [scan, null, error]));
      } else {
        this.retryAt = Date.now() + 2000;  // offline or the server is down: same ids again
      }
    } finally {
      this.sending = false;
      this.onState(this.state());
    }
    if (this.waiting.length) setTimeout(() => this.pump(), this.retryAt ? 2000 : 0);
  }
}
