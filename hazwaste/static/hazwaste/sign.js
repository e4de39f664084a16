/* Phones add their position to a signature when the user allows it. */
(function () {
  "use strict";
  if (!navigator.geolocation) { return; }
  var forms = document.querySelectorAll("form.hw-sign");
  if (!forms.length) { return; }
  navigator.geolocation.getCurrentPosition(function (p) {
    forms.forEach(function (f) { f.lon.value = p.coords.longitude; f.lat.value = p.coords.latitude; });
  });
})();
