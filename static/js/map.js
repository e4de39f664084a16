/* Maps: the enterprise pin on a file page and the district map.

   Tiles are a setting (MAP_TILE_URL). When they cannot be fetched (an intranet
   without the tile server, a blocked host) the map switches to a plain
   background and says so; grid polygons and enterprise markers do not depend on
   tiles and still draw. Coordinates come from the API in WGS-84; with
   MAP_TILE_CRS=GCJ02 they are shifted for display only (static/js/geo.js), and
   the viewport is shifted back before asking the API for a bounding box. */
(function () {
  "use strict";
  var configNode = document.getElementById("map-config");
  if (!configNode || typeof window.L === "undefined") { return; }
  var config = JSON.parse(configNode.textContent);
  var geo = window.EnvGeo;
  var gcj = config.crs === "GCJ02" && !!geo;
  var css = getComputedStyle(document.documentElement);

  function toDisplay(lat, lon) {
    if (!gcj) { return L.latLng(lat, lon); }
    var p = geo.wgs84ToGcj02(lon, lat);
    return L.latLng(p[1], p[0]);
  }

  function toWgs(latlng) {
    if (!gcj) { return latlng; }
    var p = geo.gcj02ToWgs84(latlng.lng, latlng.lat);
    return L.latLng(p[1], p[0]);
  }

  function cssColour(name, fallback) {
    return css.getPropertyValue(name).trim() || fallback;
  }

  function format(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, function (_m, key) {
      return values[key] === undefined ? "" : values[key];
    });
  }

  /* A map with a tile layer that degrades to a plain background. */
  function baseMap(element, center, zoom) {
    var map = L.map(element, { preferCanvas: true, zoomSnap: 0.25 }).setView(center, zoom);
    var note = null;
    function showNoTiles() {
      if (element.classList.contains("no-tiles")) { return; }
      element.classList.add("no-tiles");
      element.dataset.tiles = "unavailable";
      if (element.dataset.noTiles) {
        note = L.control({ position: "topright" });
        note.onAdd = function () {
          var box = L.DomUtil.create("div", "map-note");
          box.setAttribute("role", "status");
          box.textContent = element.dataset.noTiles;
          return box;
        };
        note.addTo(map);
      }
    }
    function showTiles() {
      element.classList.remove("no-tiles");
      element.dataset.tiles = "ok";
      if (note) { note.remove(); note = null; }
    }
    if (!config.tileUrl) {
      showNoTiles();
      return map;
    }
    var anyLoaded = false;
    // Tiles carry alt="", so a failed one shows nothing rather than a broken image.
    var tiles = L.tileLayer(config.tileUrl, { attribution: config.attribution, maxZoom: 19 });
    tiles.on("tileload", function () {
      if (!anyLoaded) { anyLoaded = true; showTiles(); }
    });
    tiles.on("tileerror", function () {
      if (!anyLoaded) { showNoTiles(); }
    });
    tiles.addTo(map);
    // a firewall that drops packets answers with nothing at all: do not wait for ever
    window.setTimeout(function () { if (!anyLoaded) { showNoTiles(); } }, 8000);
    return map;
  }

  /* ---------- the pin on an enterprise file ---------- */

  var pin = document.getElementById("pin-map");
  if (pin) {
    var at = toDisplay(parseFloat(pin.dataset.lat), parseFloat(pin.dataset.lon));
    var pinMap = baseMap(pin, at, 16);
    var cellNode = document.getElementById("pin-cell");
    if (cellNode) {
      var cell = L.geoJSON(JSON.parse(cellNode.textContent), {
        coordsToLatLng: function (c) { return toDisplay(c[1], c[0]); },
        style: { color: cssColour("--primary", "#1d4f91"), weight: 2, dashArray: "6 4", fillOpacity: 0.06 },
        interactive: false,
      }).addTo(pinMap);
      pinMap.fitBounds(cell.getBounds().extend(at), { padding: [24, 24], maxZoom: 17 });
    }
    L.circleMarker(at, {
      radius: 9, color: "#fff", weight: 3, fillColor: cssColour("--primary", "#1d4f91"), fillOpacity: 1,
    }).addTo(pinMap).bindTooltip(pin.dataset.name, { permanent: true, direction: "top", offset: [0, -10] });
    L.circle(at, { radius: 60, color: cssColour("--primary", "#1d4f91"), weight: 1, fillOpacity: 0.08 }).addTo(pinMap);
    pin.dataset.state = "ready";
  }

  /* ---------- the district map ---------- */

  var district = document.getElementById("district-map");
  if (!district) { return; }
  var labels = JSON.parse(document.getElementById("map-labels").textContent);
  var status = document.getElementById("map-status");
  var streetSelect = document.getElementById("street-filter");
  var params = new URLSearchParams(window.location.search);
  var focusLat = parseFloat(params.get("lat"));
  var focusLon = parseFloat(params.get("lon"));
  var hasFocus = isFinite(focusLat) && isFinite(focusLon);
  var startCenter = hasFocus ? toDisplay(focusLat, focusLon) : toDisplay(config.center[0], config.center[1]);
  var startZoom = hasFocus ? (parseInt(params.get("zoom"), 10) || 17) : config.zoom;
  if (params.get("street") && streetSelect.querySelector('option[value="' + CSS.escape(params.get("street")) + '"]')) {
    streetSelect.value = params.get("street");
  }

  var map = baseMap(district, startCenter, startZoom);
  var primary = cssColour("--primary", "#1d4f91");
  // soft tints so neighbouring streets read apart even without a base map
  var streetTints = ["#5b8fd6", "#4fae8a", "#c99a3d", "#9a7cc9", "#d27a7a", "#4aa7b8", "#8fa05a"];
  var cellsLayer = L.geoJSON(null, {
    coordsToLatLng: function (c) { return toDisplay(c[1], c[0]); },
    style: function (feature) {
      return {
        color: primary, weight: 1, opacity: 0.55,
        fillColor: streetTints[feature.properties.street_id % streetTints.length], fillOpacity: 0.14,
      };
    },
    onEachFeature: function (feature, layer) {
      layer.bindTooltip(feature.properties.street + " · " + feature.properties.name, { sticky: true });
    },
  }).addTo(map);
  var markers = L.markerClusterGroup
    ? L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, disableClusteringAtZoom: 17 })
    : L.layerGroup();
  var clusters = L.layerGroup();
  map.addLayer(markers);
  map.addLayer(clusters);

  function sectorColour(sector) {
    return cssColour("--sector-" + sector, cssColour("--sector-other", "#66758a"));
  }

  function detailUrl(id) {
    return district.dataset.detailUrl.replace(/\/0\/$/, "/" + id + "/");
  }

  function popup(feature) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = detailUrl(feature.id);
    link.textContent = feature.name;
    box.appendChild(link);
    var meta = document.createElement("div");
    meta.className = "muted";
    meta.textContent = (labels.sectors[feature.sector] || feature.sector) + " · " + (labels.statuses[feature.status] || feature.status);
    box.appendChild(meta);
    return box;
  }

  function setStatus(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", !!isError);
  }

  function getJson(url, signal) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, signal: signal })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
  }

  function loadCells(fit) {
    var url = district.dataset.cellsUrl + (streetSelect.value ? "?street=" + encodeURIComponent(streetSelect.value) : "");
    return getJson(url).then(function (data) {
      cellsLayer.clearLayers();
      cellsLayer.addData(data);
      district.dataset.cells = String(data.features.length);
      // without animation the view is final when this returns, so the next
      // request for enterprises asks for the right box
      if (fit && data.features.length) { map.fitBounds(cellsLayer.getBounds(), { padding: [12, 12], animate: false }); }
    }).catch(function () {
      setStatus(labels.cellsError, true);
    });
  }

  /* The viewport as a WGS-84 box inside the valid range; null when the map
     has no size yet. GCJ-02 viewports are shifted back and padded a little. */
  function viewportBox() {
    var size = map.getSize();
    if (!size.x || !size.y) { return null; }
    var bounds = map.getBounds();
    var sw = toWgs(bounds.getSouthWest());
    var ne = toWgs(bounds.getNorthEast());
    var pad = gcj ? 0.0005 : 0;
    var west = Math.max(-180, sw.lng - pad);
    var south = Math.max(-90, sw.lat - pad);
    var east = Math.min(180, ne.lng + pad);
    var north = Math.min(90, ne.lat + pad);
    if (!(west < east && south < north)) { return null; }
    return [west, south, east, north];
  }

  var pending = null;
  function loadEnterprises() {
    var box = viewportBox();
    if (!box) { return; }
    var query = new URLSearchParams({
      bbox: box.map(function (v) { return v.toFixed(6); }).join(","),
      zoom: String(Math.max(0, Math.min(22, Math.round(map.getZoom())))),
    });
    if (streetSelect.value) { query.set("street", streetSelect.value); }
    if (pending) { pending.abort(); }
    pending = new AbortController();
    district.dataset.state = "loading";
    setStatus(labels.loading);
    getJson(district.dataset.enterprisesUrl + "?" + query, pending.signal)
      .then(function (data) {
        markers.clearLayers();
        clusters.clearLayers();
        var count = data.count.toLocaleString(document.documentElement.lang);
        if (data.type === "points") {
          var layers = data.features.map(function (f) {
            return L.circleMarker(toDisplay(f.lat, f.lon), {
              radius: 6, weight: 1.5, color: "#fff", fillColor: sectorColour(f.sector), fillOpacity: 0.95,
            }).bindPopup(function () { return popup(f); });
          });
          if (markers.addLayers) { markers.addLayers(layers); } else { layers.forEach(function (l) { markers.addLayer(l); }); }
          setStatus(format(labels.points, { count: count }));
        } else {
          data.features.forEach(function (c) {
            if (c.count === 1) {  // a lone enterprise in its square: a plain dot
              L.circleMarker(toDisplay(c.lat, c.lon), {
                radius: 5, weight: 1.5, color: "#fff", fillColor: primary, fillOpacity: 0.9, interactive: false,
              }).addTo(clusters);
              return;
            }
            var size = 26 + Math.min(28, Math.round(Math.log(c.count) * 3));
            L.marker(toDisplay(c.lat, c.lon), {
              icon: L.divIcon({ className: "server-cluster", html: "<span>" + Number(c.count).toLocaleString() + "</span>", iconSize: [size, size] }),
              keyboard: true,
              title: String(c.count),
            }).on("click", function () { map.setView(toDisplay(c.lat, c.lon), map.getZoom() + 2); })
              .addTo(clusters);
          });
          setStatus(format(labels.clusters, { count: count }));
        }
        district.dataset.kind = data.type;
        district.dataset.zoom = String(map.getZoom());
        district.dataset.enterprises = String(data.count);
        district.dataset.state = "ready";
      })
      .catch(function (error) {
        if (error.name === "AbortError") { return; }
        district.dataset.state = "error";
        setStatus(labels.error, true);
      });
  }

  streetSelect.addEventListener("change", function () {
    var url = new URL(window.location.href);
    if (streetSelect.value) { url.searchParams.set("street", streetSelect.value); } else { url.searchParams.delete("street"); }
    url.searchParams.delete("lat");
    url.searchParams.delete("lon");
    url.searchParams.delete("zoom");
    window.history.replaceState(null, "", url);
    loadCells(true).then(loadEnterprises);  // moveend may have asked already; the newer request wins
  });
  // Cells first: fitting the view to them decides which enterprises to ask for.
  loadCells(!hasFocus).then(function () {
    map.on("moveend", loadEnterprises);
    loadEnterprises();
  });
  if (hasFocus) {
    L.circle(startCenter, { radius: 40, color: "#a61b1b", weight: 2, fill: false }).addTo(map);
  }
})();
