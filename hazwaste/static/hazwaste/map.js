/* District map of hazardous-waste producers coloured by open warnings. */
(function () {
  "use strict";
  var element = document.getElementById("hw-map");
  if (!element) { return; }
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var map = L.map(element, { preferCanvas: true }).setView(config.center, config.zoom);
  var tiles = L.tileLayer(config.tileUrl, { attribution: config.attribution, maxZoom: 19 });
  tiles.on("tileerror", function () { element.classList.add("no-tiles"); });
  tiles.addTo(map);
  var colours = { green: "#20bf6b", yellow: "#f7b731", red: "#eb3b5a" };
  fetch(element.dataset.url, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var layer = L.featureGroup();
      data.features.forEach(function (f) {
        L.circleMarker([f.lat, f.lon], { radius: 7, color: colours[f.level], fillOpacity: 0.85 })
          .bindPopup('<a href="/hazwaste/producers/' + f.id + '/">' + f.name.replace(/</g, "&lt;") + "</a><br>" + f.open_warnings)
          .addTo(layer);
      });
      layer.addTo(map);
      if (data.features.length) { map.fitBounds(layer.getBounds().pad(0.1)); }
    });
})();
