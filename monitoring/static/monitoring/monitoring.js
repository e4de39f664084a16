/* Monitoring pages: Chart.js charts from json_script data (redrawn after an htmx
   refresh), the station map, survey tracks and tracing results on Leaflet. */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function drawCharts(root) {
    if (!window.Chart) { return; }
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var spec = readJson(canvas.dataset.chart);
      if (!spec) { return; }
      var existing = Chart.getChart(canvas);
      if (existing) { existing.destroy(); }
      var y = { reverse: !!spec.yReverse, beginAtZero: true };
      if (spec.yMax) { y.max = spec.yMax; }
      if (spec.yTicks) {
        y.min = 1; y.max = 6;
        y.ticks = { stepSize: 1, callback: function (v) { return spec.yTicks[v] || ""; } };
      }
      new Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: spec.datasets },
        options: { animation: false, responsive: true, scales: { y: y }, plugins: { legend: { position: "bottom" } } },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.body.addEventListener("htmx:afterSwap", function (event) { drawCharts(event.target); });

  var configNode = document.getElementById("map-config");
  if (!configNode || !window.L) { return; }
  var config = JSON.parse(configNode.textContent);
  var fromWgs = function (lat, lon) { return [lat, lon]; };
  if (config.crs === "GCJ02" && window.EnvGeo) {
    fromWgs = function (lat, lon) { var p = window.EnvGeo.wgs84ToGcj02(lon, lat); return [p[1], p[0]]; };
  }
  function baseMap(element) {
    var map = L.map(element, { preferCanvas: true }).setView(config.center, config.zoom);
    var tiles = L.tileLayer(config.tileUrl, { attribution: config.attribution, maxZoom: 19 });
    tiles.on("tileerror", function () { element.classList.add("no-tiles"); });
    tiles.addTo(map);
    return map;
  }
  function escape(text) { return String(text).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; }); }

  var stationMap = document.getElementById("station-map");
  if (stationMap) {
    var map = baseMap(stationMap);
    var layer = L.layerGroup().addTo(map);
    var fitted = false;
    var load = function () {
      fetch(stationMap.dataset.url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
        layer.clearLayers();
        var bounds = [];
        data.features.forEach(function (f) {
          var p = f.properties, c = f.geometry.coordinates, at = fromWgs(c[1], c[0]);
          bounds.push(at);
          L.circleMarker(at, { radius: p.alarm ? 11 : 8, color: p.alarm ? "#c0392b" : "#333", weight: p.alarm ? 3 : 1, fillColor: p.colour, fillOpacity: 0.9 })
            .bindTooltip(escape(p.name) + (p.label ? " · " + escape(p.label) : ""))
            .bindPopup('<a href="' + p.url + '">' + escape(p.name) + "</a><br>" + escape(p.kind_label) + (p.label ? "<br>" + escape(p.label) : ""))
            .addTo(layer);
        });
        if (!fitted && bounds.length) { map.fitBounds(bounds, { padding: [30, 30], animate: false }); fitted = true; }
        stationMap.dataset.stations = String(data.features.length);
      });
    };
    load();
    setInterval(load, 60000);
  }

  var track = document.getElementById("survey-map");
  if (track) {
    var data = readJson("survey-track");
    var tmap = baseMap(track);
    var values = data.points.map(function (p) { return p[2]; });
    var low = Math.min.apply(null, values), high = Math.max.apply(null, values);
    var colour = function (v) {
      var t = high > low ? (v - low) / (high - low) : 0;
      return "hsl(" + Math.round(120 - 120 * t) + ", 85%, 45%)";
    };
    var line = [];
    for (var i = 1; i < data.points.length; i++) {
      var a = data.points[i - 1], b = data.points[i];
      L.polyline([fromWgs(a[0], a[1]), fromWgs(b[0], b[1])], { color: colour(b[2]), weight: 5 }).addTo(tmap);
      line.push(fromWgs(b[0], b[1]));
    }
    data.hotspots.forEach(function (h) {
      L.marker(fromWgs(h.lat, h.lon)).bindTooltip("#" + h.rank + " · " + h.peak, { permanent: true }).addTo(tmap);
    });
    if (line.length) { tmap.fitBounds(line, { padding: [20, 20] }); }
  }

  var tracing = document.getElementById("tracing-map");
  if (tracing) {
    var t = readJson("tracing-points");
    var rmap = baseMap(tracing);
    var origin = fromWgs(t.origin[0], t.origin[1]);
    L.circle(origin, { radius: t.radius, color: "#888", weight: 1, fillOpacity: 0.03 }).addTo(rmap);
    L.circleMarker(origin, { radius: 9, color: "#c0392b", fillOpacity: 1 }).bindTooltip("●").addTo(rmap);
    // an arrow from upwind: the wind comes from t.wind degrees
    var rad = t.wind * Math.PI / 180, len = t.radius / 111320;
    var from = [t.origin[0] + len * Math.cos(rad), t.origin[1] + len * Math.sin(rad) / Math.cos(t.origin[0] * Math.PI / 180)];
    L.polyline([fromWgs(from[0], from[1]), origin], { color: "#2980b9", dashArray: "6 6" }).addTo(rmap);
    t.candidates.forEach(function (c) {
      L.circleMarker(fromWgs(c.lat, c.lon), { radius: 7, color: "#8e44ad", fillOpacity: 0.8 })
        .bindTooltip("#" + c.rank + " " + escape(c.name) + " (" + c.score + ")").addTo(rmap);
    });
    rmap.fitBounds(L.circle(origin, { radius: t.radius }).addTo(rmap).getBounds());
  }
})();
