// The control tower's map: every route of the published plan (map.js drawPlan), its stops
// greyed once done, and each vehicle at its latest GPS fix. Stops stay canvas circles (one
// canvas for a 2,000-stop day); vehicles are a handful of DOM markers the tests can read.
// The day's partner deliveries (the board's partners) are small canvas squares at their
// orders' locations, coloured by stage, so a few hundred cost what stops cost.
/* global L */
import { clock } from "./app.js";
import { drawPlan, makeMap } from "./map.js";
import { statusWords } from "./status_words.js";

// Statuses after which a stop is history for the dispatcher (as services/planning/live.py DONE).
export const DONE = new Set(["delivered", "failed_attempt", "returning_to_station", "returned_to_sender"]);
const DONE_FILL = "#9ca3af";

// A partner delivery's colour by where it stands: what needs the dispatcher's eye is loud.
export const PARTNER_FILL = { open: "#0e7490", delivered: "#9ca3af", failed: "#d97706", overdue: "#b91c1c" };
export function partnerTone(d) {
  if (d.overdue) return "overdue";
  if (d.stage === "booked" || d.stage === "in_progress") return "open";
  return d.stage === "delivered" ? "delivered" : "failed"; // failed and returned: back to us
}

// A square on the shared canvas renderer (a CircleMarker for Leaflet's hit-testing), so a
// partner delivery never reads as a van's numbered stop.
const PartnerSquare = L.CircleMarker.extend({
  options: { radius: 6, weight: 2, color: "#fff", fillOpacity: 1 },
  _updatePath() {
    const renderer = this._renderer;
    if (!renderer._drawing || this._empty()) return;
    const p = this._point;
    const r = Math.max(Math.round(this._radius), 1);
    renderer._ctx.beginPath();
    renderer._ctx.rect(p.x - r, p.y - r, 2 * r, 2 * r);
    renderer._fillStroke(renderer._ctx, this);
  },
});

export class ControlMap {
  constructor(element, legend, center) {
    this.map = makeMap(element, { center, zoom: 13 });
    this.legend = legend;
    this.layer = L.layerGroup().addTo(this.map);
    this.partnerLayer = L.layerGroup().addTo(this.map);
    this.partners = new Map(); // order_id -> PartnerSquare (the handoff's latest, if twice)
    this.vehicles = new Map(); // vehicle_id -> L.marker
    this.stops = new Map(); // order_id -> NumberedStop
    this.status = new Map(); // order_id -> order status, as pushed or read
    this.colors = new Map(); // vehicle_id -> route colour
    this.names = new Map(); // vehicle_id -> name
    this.drawn = null;
    this.onStop = null;
    this.onMapClick = null;
    this.map.on("click", (e) => this.onMapClick && this.onMapClick(e.latlng));
    // For the browser tests: the partner squares drawn, where they are on the map's box.
    element.partnerMarkers = () => [...this.partners.values()].map((m) => {
      const p = this.map.latLngToContainerPoint(m.getLatLng());
      return { order: m.delivery.order_id, tone: m.tone, x: p.x, y: p.y, lat: m.getLatLng().lat, lon: m.getLatLng().lng };
    });
  }

  // Draw the board's partner deliveries anew (a few hundred at most: cheap on canvas), over
  // the stops, so a click on one opens it. Those without a location are left off the map.
  drawPartners(deliveries, onPick) {
    this.partnerLayer.clearLayers();
    this.partners.clear();
    for (const d of deliveries) {
      if (d.lat === null || d.lat === undefined || d.lon === null || d.lon === undefined) continue;
      const tone = partnerTone(d);
      const marker = new PartnerSquare([d.lat, d.lon], { fillColor: PARTNER_FILL[tone] });
      marker.delivery = d;
      marker.tone = tone;
      marker.bindTooltip(`${d.shipper_reference} · ${d.carrier_name} · ${tone}`);
      marker.on("click", () => onPick(d));
      this.partners.set(d.order_id, marker.addTo(this.partnerLayer));
    }
    this.updateLegend();
  }

  // Draw a plan map; the first drawing fits the view, later ones (a new version) keep it.
  draw(planMap) {
    const first = this.drawn === null;
    this.drawn = drawPlan(this.map, planMap, { group: this.layer, onStop: (s, r) => this.onStop && this.onStop(s, r) });
    this.stops.clear();
    this.colors.clear();
    for (const [vehicleId, drawn] of Object.entries(this.drawn.routes)) {
      this.colors.set(vehicleId, drawn.color);
      this.names.set(vehicleId, drawn.route.vehicle_name);
      for (const marker of drawn.stops) {
        this.stops.set(marker.stop.order_id, marker);
        marker.bindTooltip(() => this.tip(marker));
      }
    }
    for (const [orderId] of this.stops) this.paint(orderId);
    for (const [vehicleId, marker] of this.vehicles) this.recolour(vehicleId, marker);
    if (first && this.drawn.bounds.isValid()) this.map.fitBounds(this.drawn.bounds, { padding: [24, 24] });
    this.updateLegend();
  }

  tip(marker) {
    const s = marker.stop;
    const st = this.status.get(s.order_id);
    return `${marker.route.vehicle_name} · stop ${s.position} · planned ${clock(s.arrival_at)}${st ? ` · ${statusWords(st)}` : ""}`;
  }

  setStatus(orderId, status) {
    this.status.set(orderId, status);
    this.paint(orderId);
  }

  paint(orderId) {
    const marker = this.stops.get(orderId);
    if (!marker) return;
    const done = DONE.has(this.status.get(orderId));
    const colour = this.colors.get(marker.route.vehicle_id);
    marker.setStyle({ fillColor: done ? DONE_FILL : colour, fillOpacity: done ? 0.7 : 1, radius: done ? 7 : 9 });
    marker.options.label = done ? (this.status.get(orderId) === "delivered" ? "✓" : "✗") : String(marker.stop.position);
    marker.redraw();
  }

  updateLegend() {
    let done = 0;
    for (const id of this.stops.keys()) if (DONE.has(this.status.get(id))) done += 1;
    const open = this.stops.size - done;
    this.legend.replaceChildren();
    this.legend.dataset.done = String(done);
    this.legend.dataset.open = String(open);
    const item = (cls, text) => {
      const row = document.createElement("span");
      row.className = `legend-item ${cls}`;
      row.textContent = text;
      return row;
    };
    this.legend.dataset.partners = String(this.partners.size);
    this.legend.append(item("open", `${open} open`), item("done", `${done} done`),
      item("van", `${this.vehicles.size} on GPS`));
    if (this.partners.size) this.legend.append(item("partner", `${this.partners.size} partner`));
  }

  // A vehicle at its latest ping: a square in its route's colour, named in its title.
  placeVehicle(vehicleId, ping) {
    const latlng = [ping.lat, ping.lon];
    const name = this.names.get(vehicleId) || vehicleId;
    const title = `${name} · GPS ${clock(ping.device_time)}`;
    let marker = this.vehicles.get(vehicleId);
    if (!marker) {
      marker = L.marker(latlng, { zIndexOffset: 1000, keyboard: false }).addTo(this.map);
      this.vehicles.set(vehicleId, marker);
    } else {
      marker.setLatLng(latlng);
    }
    marker.ping = ping;
    marker.title = title;
    this.recolour(vehicleId, marker);
    this.updateLegend();
  }

  recolour(vehicleId, marker) {
    const colour = this.colors.get(vehicleId) || "#0f172a";
    const name = this.names.get(vehicleId) || vehicleId;
    const short = name.replace(/[^0-9A-Za-z]/g, "").slice(-3) || "•";
    const wrap = document.createElement("span");
    wrap.style.background = colour;
    wrap.dataset.vehicle = vehicleId;
    wrap.dataset.at = marker.ping ? marker.ping.device_time : "";
    wrap.dataset.lat = marker.ping ? String(marker.ping.lat) : "";
    wrap.dataset.lon = marker.ping ? String(marker.ping.lon) : "";
    wrap.title = marker.title || name;
    wrap.textContent = short;
    marker.setIcon(L.divIcon({ className: "vehicle-marker control-van", html: wrap.outerHTML, iconSize: [28, 28] }));
  }

  focus(latlng, zoom = 15) { this.map.setView(latlng, Math.max(this.map.getZoom(), zoom)); }

  // Leaflet measures its box once; a layout change (phone rotation, panel) needs a nudge.
  resize() { this.map.invalidateSize(); }
}
