/* The citizen's map pin: tap the map or use the phone's position. */
(function () {
  "use strict";
  var element = document.getElementById("report-map");
  if (!element) { return; }
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var lon = document.querySelector("input[name=lon]");
  var lat = document.querySelector("input[name=lat]");
  var map = L.map(element).setView(config.center, config.zoom);
  var tiles = L.tileLayer(config.tileUrl, { attribution: config.attribution, maxZoom: 19 });
  tiles.on("tileerror", function () { element.classList.add("no-tiles"); });
  tiles.addTo(map);
  var pin = null;
  // Stored and sent as WGS-84; on GCJ-02 tiles the pin is only drawn shifted.
  function place(latitude, longitude) {
    lat.value = latitude.toFixed(6);
    lon.value = longitude.toFixed(6);
    if (pin) { pin.setLatLng([latitude, longitude]); } else { pin = L.marker([latitude, longitude]).addTo(map); }
  }
  if (lat.value && lon.value) { place(parseFloat(lat.value), parseFloat(lon.value)); map.setView([parseFloat(lat.value), parseFloat(lon.value)], 16); }
  map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng); });
  document.getElementById("locate-me").addEventListener("click", function () {
    if (!navigator.geolocation) { return; }
    navigator.geolocation.getCurrentPosition(function (p) {
      place(p.coords.latitude, p.coords.longitude);
      map.setView([p.coords.latitude, p.coords.longitude], 17);
    });
  });
})();
