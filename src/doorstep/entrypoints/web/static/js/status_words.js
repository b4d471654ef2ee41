// An order's or parcel's status in words, the same on every staff page: the API's values are
// identifiers (handed_off), a person reads "with partner carrier". A status not listed here
// (a newer server) still reads, with its underscores as spaces.
export const STATUS_WORDS = {
  created: "created",
  needs_attention: "needs attention",
  ready: "ready",
  received: "received",
  sorted: "sorted",
  loaded: "loaded",
  out_for_delivery: "out for delivery",
  handed_off: "with partner carrier",
  delivered: "delivered",
  failed_attempt: "failed attempt",
  returning_to_station: "returning to station",
  returned_to_sender: "returned to sender",
  cancelled: "cancelled",
};

export const statusWords = (status) => STATUS_WORDS[status] || String(status).replaceAll("_", " ");
