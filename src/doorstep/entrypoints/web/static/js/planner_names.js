// Plans know orders by id; a planner knows them by the shipper's reference and the
// recipient. Lists first show ids, then these fill in the names as the orders are read.
import { call } from "./planner_call.js";

export const NAMED = 50; // orders named per list; the rest keep their ids (one read each)

// Replace the text of `[data-order=ID] .ref` in `box` with the order's reference and name.
export async function nameOrders(ids, box) {
  await Promise.all(ids.slice(0, NAMED).map(async (id) => {
    let order;
    try { order = await call(`orders/${encodeURIComponent(id)}`); } catch { return; }
    const node = box.querySelector(`[data-order="${id}"] .ref`);
    if (node) { node.textContent = `${order.shipper_reference} · ${order.recipient.name}`; node.title = id; }
  }));
}
