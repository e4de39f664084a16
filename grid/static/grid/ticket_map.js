/* Open tickets as dots coloured by age, over the grid cells. */
(function () {
  "use strict";
  var element = document.getElementById("ticket-map");
  if (!element) { return; }
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var fromWgs = function (lat, lon) { return [lat, lon]; };
  if (config.crs === "GCJ02" && window.EnvGeo) {
    fromWgs = function (lat, lon) { var p = window.EnvGeo.wgs84ToGcj02(lon, lat); return [p[1], p[0]]; };
  }
  var map = L.map(element, { preferCanvas: true }).setView(config.center, config.zoom);
  var tiles = L.tileLayer(config.tileUrl, { attribution: config.attribution, maxZoom: 19 });
  tiles.on("tileerror", function () { element.classList.add("no-tiles"); });
  tiles.addTo(map);
  var street = document.getElementById("street-filter");
  var status = document.getElementById("map-status");
  var cells = L.geoJSON(null, {
    coordsToLatLng: function (c) { return L.latLng(fromWgs(c[1], c[0])); },
    style: { color: "#3867d6", weight: 1, fillOpacity: 0.03 },
  }).addTo(map);
  var dots = L.layerGroup().addTo(map);
  function get(url) { return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }); }
  function load(fit) {
    var query = street.value ? "?street=" + street.value : "";
    get(element.dataset.cellsUrl + query).then(function (data) {
      cells.clearLayers(); cells.addData(data);
      if (fit && data.features.length) { map.fitBounds(cells.getBounds()); }
    });
    get(element.dataset.pointsUrl + query).then(function (data) {
      dots.clearLayers();
      data.features.forEach(function (f) {
        L.circleMarker(fromWgs(f.lat, f.lon), { radius: f.overdue ? 7 : 5, color: f.overdue ? "#2d3436" : f.colour, fillColor: f.colour, fillOpacity: 0.85, weight: f.overdue ? 2 : 1 })
          .bindPopup('<a href="/grid/tickets/' + f.id + '/">' + f.reference + "</a>")
          .addTo(dots);
      });
      status.textContent = data.count.toLocaleString();
    });
  }
  street.addEventListener("change", function () { load(true); });
  load(true);
})();
