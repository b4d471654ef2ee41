// The driver app's storage on the phone (IndexedDB): the outbox of events not yet confirmed
// by the server, the proof images they name (as blobs), and small remembered values (the
// last route answer, the driver's id, the clock offset). It outlives reloads and being offline.

import { pageData } from "./app.js";

// One database per login: events queued by one driver are never sent in another's session
// on a shared phone.
const NAME = `doorstep-driver-${(pageData().user || {}).id || "anonymous"}`;
const VERSION = 1;
let opened = null;

function db() {
  if (opened === null) {
    opened = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = () => {
        const d = request.result;
        if (!d.objectStoreNames.contains("outbox")) {
          d.createObjectStore("outbox", { keyPath: "id" }).createIndex("seq", "seq");
        }
        if (!d.objectStoreNames.contains("files")) d.createObjectStore("files", { keyPath: "sha256" });
        if (!d.objectStoreNames.contains("kv")) d.createObjectStore("kv");
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opened;
}

// One request in its own transaction, as a promise.
async function run(store, mode, work) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const tx = d.transaction(store, mode);
    const request = work(tx.objectStore(store));
    tx.oncomplete = () => resolve(request ? request.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export const store = {
  put: (name, value, key) => run(name, "readwrite", (s) => s.put(value, key)),
  get: (name, key) => run(name, "readonly", (s) => s.get(key)),
  remove: (name, key) => run(name, "readwrite", (s) => s.delete(key)),
  all: (name) => run(name, "readonly", (s) => s.getAll()),
  // In the order they were made: events of one parcel must reach the server in that order.
  ordered: () => run("outbox", "readonly", (s) => s.index("seq").getAll()),
};

export const remember = (key, value) => store.put("kv", value, key);
export const recall = (key) => store.get("kv", key);
