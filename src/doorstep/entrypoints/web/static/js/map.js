// The map every page shares: Leaflet (served by this server from the xstatic-leaflet package)
// over the region's own streets, drawn on canvas from /map/tiles (no tile server, no
// internet). Stops are canvas circles with their number drawn in them, so a day of 2,000
// stops stays one canvas rather than 2,000 DOM markers.
/* global L */

const ROAD_STYLE = {
  arterial: { color: "#f6c26b", casing: "#d59a3a", width: [2, 3, 5, 8, 12] },
  collector: { color: "#fde8a8", casing: "#cfb46a", width: [1, 2, 4, 6, 10] },
  local: { color: "#ffffff", casing: "#c9ced6", width: [0.6, 1, 3, 5, 8] },
  cycle: { color: "#8fb9a8", casing: null, width: [0.4, 0.6, 1, 1.5, 2] },
};
const ORDER = ["cycle", "local", "collector", "arterial"];

function widthAt(style, zoom) {
  const k = Math.max(0, Math.min(style.width.length - 1, Math.floor((zoom - 11) / 2)));
  return style.width[k];
}

const RoadLayer = L.GridLayer.extend({
  createTile(coords, done) {
    const tile = document.createElement("canvas");
    const size = this.getTileSize();
    const ratio = window.devicePixelRatio || 1;
    tile.width = size.x * ratio;
    tile.height = size.y * ratio;
    fetch(`/map/tiles/${coords.z}/${coords.x}/${coords.y}.json`)
      .then((r) => (r.ok ? r.json() : { lines: [], extent: 4096 }))
      .then((data) => {
        const ctx = tile.getContext("2d");
        const k = (size.x * ratio) / data.extent;
        ctx.lineCap = "round";
        ctx.lineJoin = "round";
        for (const pass of ["casing", "fill"]) {
          for (const kind of ORDER) {
            const style = ROAD_STYLE[kind];
            if (pass === "casing" && !style.casing) continue;
            const w = widthAt(style, coords.z) * ratio;
            ctx.strokeStyle = pass === "casing" ? style.casing : style.color;
            ctx.lineWidth = pass === "casing" ? w + 2 * ratio : w;
            ctx.beginPath();
            for (const [cls, pts] of data.lines) {
              if (cls !== kind) continue;
              ctx.moveTo(pts[0] * k, pts[1] * k);
              for (let i = 2; i < pts.length; i += 2) ctx.lineTo(pts[i] * k, pts[i + 1] * k);
            }
            ctx.stroke();
          }
        }
        done(null, tile);
      })
      .catch((e) => done(e, tile));
    return tile;
  },
});

// A circle with its stop number drawn in it (on the shared canvas renderer).
export const NumberedStop = L.CircleMarker.extend({
  options: { label: "", radius: 9, weight: 2, color: "#fff", fillOpacity: 1 },
  _updatePath() {
    this._renderer._updateCircle(this);
    const label = this.options.label;
    const ctx = this._renderer._ctx;
    if (!label || !ctx || this._radius < 7) return;
    const p = this._point;
    ctx.save();
    ctx.fillStyle = this.options.textColor || "#fff";
    ctx.font = `700 ${label.length > 2 ? 8 : 10}px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(label, p.x, p.y + 0.5);
    ctx.restore();
  },
});

export const COLORS = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#db2777",
  "#0891b2", "#65a30d", "#ea580c", "#4f46e5", "#be123c", "#0d9488", "#a16207", "#9333ea"];
export function routeColor(i) { return COLORS[i % COLORS.length]; }

// A Leaflet map on `element` with the streets layer, centred on `center` ([lat, lon]).
export function makeMap(element, { center, zoom = 14 } = {}) {
  const map = L.map(element, { preferCanvas: true, zoomControl: true, maxZoom: 19, minZoom: 10 });
  map.attributionControl.setPrefix("");
  map.attributionControl.addAttribution("Streets © OpenStreetMap contributors");
  new RoadLayer({ maxZoom: 19, minZoom: 10, className: "roads" }).addTo(map);
  map.setView(center || [60.1699, 24.9384], zoom);
  return map;
}

export function depotMarker(latlng) {
  return L.marker(latlng, {
    icon: L.divIcon({ className: "vehicle-marker", html: '<span style="background:#0f172a">⌂</span>', iconSize: [28, 28] }),
    title: "station",
  });
}

export function vehicleMarker(latlng, label, color) {
  return L.marker(latlng, {
    icon: L.divIcon({ className: "vehicle-marker", html: `<span style="background:${color}">${label}</span>`, iconSize: [28, 28] }),
    zIndexOffset: 1000,
  });
}

// Draw a plan map (GET /plans/{id}/map) into a layer group; returns {group, routes} where
// routes[vehicle_id] = {line, stops: [marker], color}.
export function drawPlan(map, planMap, { onStop, group } = {}) {
  const layer = group || L.layerGroup().addTo(map);
  layer.clearLayers();
  const routes = {};
  const bounds = L.latLngBounds([planMap.depot]);
  planMap.routes.forEach((route, i) => {
    const color = routeColor(i);
    const line = L.polyline(route.path, { color, weight: 4, opacity: 0.75 }).addTo(layer);
    const stops = route.stops.map((s) => {
      const marker = new NumberedStop([s.lat, s.lon], { label: String(s.position), fillColor: color });
      marker.stop = s;
      marker.route = route;
      if (onStop) marker.on("click", () => onStop(s, route));
      bounds.extend([s.lat, s.lon]);
      return marker.addTo(layer);
    });
    routes[route.vehicle_id] = { line, stops, color, route };
  });
  for (const left of planMap.left_out) {
    if (left.lat === null) continue;
    new NumberedStop([left.lat, left.lon], { label: "!", fillColor: "#6b7280" })
      .bindTooltip(`${left.order_id}: ${left.reason}`).addTo(layer);
  }
  depotMarker(planMap.depot).addTo(layer);
  return { group: layer, routes, bounds };
}
