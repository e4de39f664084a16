/* Maps: the enterprise pin on a file page and the district map. Tiles are a
   setting; when they cannot be fetched (an intranet), the grid polygons and
   markers still draw on a plain background. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var fromWgs = function (lat, lon) { return [lat, lon]; };
  if (config.crs === "GCJ02" && window.EnvGeo) {
    fromWgs = function (lat, lon) { var p = window.EnvGeo.wgs84ToGcj02(lon, lat); return [p[1], p[0]]; };
  }

  function baseMap(element, center, zoom) {
    var map = L.map(element, { preferCanvas: true }).setView(center, zoom);
    var tiles = L.tileLayer(config.tileUrl, { attribution: config.attribution, maxZoom: 19 });
    tiles.on("tileerror", function () { element.classList.add("no-tiles"); });
    tiles.addTo(map);
    return map;
  }

  var pin = document.getElementById("pin-map");
  if (pin) {
    var at = fromWgs(parseFloat(pin.dataset.lat), parseFloat(pin.dataset.lon));
    var small = baseMap(pin, at, 16);
    L.circleMarker(at, { radius: 8, color: "#0b6e4f", fillOpacity: 0.8 }).addTo(small).bindTooltip(pin.dataset.name);
  }

  var district = document.getElementById("district-map");
  if (!district) { return; }
  var map = baseMap(district, config.center, config.zoom);
  var status = document.getElementById("map-status");
  var streetSelect = document.getElementById("street-filter");
  var cellsLayer = L.geoJSON(null, {
    coordsToLatLng: function (c) { return L.latLng(fromWgs(c[1], c[0])); },
    style: { color: "#3867d6", weight: 1, fillOpacity: 0.04 },
    onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.street + " · " + f.properties.code); },
  }).addTo(map);
  var markers = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false });
  var clusters = L.layerGroup();
  map.addLayer(markers);
  map.addLayer(clusters);
  var sectorColours = { catering: "#e67e22", construction_site: "#8e5b3a", auto_repair: "#2d98da",
    industrial: "#8854d0", medical: "#20bf6b", laboratory: "#0fb9b1", other: "#778ca3" };

  function loadCells(fit) {
    var url = district.dataset.cellsUrl + (streetSelect.value ? "?street=" + streetSelect.value : "");
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      cellsLayer.clearLayers();
      cellsLayer.addData(data);
      if (fit && data.features.length) { map.fitBounds(cellsLayer.getBounds()); }
    });
  }

  var pending = null;
  function loadEnterprises() {
    var b = map.getBounds();
    var params = new URLSearchParams({
      bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); }).join(","),
      zoom: map.getZoom(),
    });
    if (streetSelect.value) { params.set("street", streetSelect.value); }
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(district.dataset.enterprisesUrl + "?" + params, { credentials: "same-origin", signal: pending.signal })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        markers.clearLayers();
        clusters.clearLayers();
        if (data.type === "points") {
          markers.addLayers(data.features.map(function (f) {
            return L.circleMarker(fromWgs(f.lat, f.lon), { radius: 6, color: sectorColours[f.sector] || "#555", fillOpacity: 0.8 })
              .bindPopup('<a href="/enterprises/' + f.id + '/">' + f.name.replace(/</g, "&lt;") + "</a>");
          }));
        } else {
          data.features.forEach(function (c) {
            var size = 18 + Math.min(30, Math.round(Math.log(c.count) * 4));
            L.marker(fromWgs(c.lat, c.lon), { icon: L.divIcon({ className: "server-cluster", html: "<span>" + c.count + "</span>", iconSize: [size, size] }) })
              .on("click", function () { map.setView(fromWgs(c.lat, c.lon), map.getZoom() + 2); })
              .addTo(clusters);
          });
        }
        status.textContent = data.count.toLocaleString();
      })
      .catch(function () {});
  }

  streetSelect.addEventListener("change", function () { loadCells(true); loadEnterprises(); });
  map.on("moveend", loadEnterprises);
  loadCells(true);
  loadEnterprises();
})();
