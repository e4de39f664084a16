// Phone page of a joint action: GPS check-in and evidence upload through the API,
// each with an Idempotency-Key so a retry on a bad connection records once.
(function () {
  "use strict";
  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }
  function key() {
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function headers(idempotencyKey) {
    return { "X-CSRFToken": cookie("csrftoken"), "Idempotency-Key": idempotencyKey };
  }
  var box = document.getElementById("check-in");
  var button = document.getElementById("check-in-button");
  if (box && button) {
    var checkInKey = key();
    button.addEventListener("click", function () {
      var result = document.getElementById("check-in-result");
      if (!navigator.geolocation) { result.textContent = box.dataset.nogps; return; }
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (position) {
        var h = headers(checkInKey);
        h["Content-Type"] = "application/json";
        fetch(box.dataset.url, {
          method: "POST", credentials: "same-origin", headers: h,
          body: JSON.stringify({
            lon: position.coords.longitude, lat: position.coords.latitude,
            accuracy_m: position.coords.accuracy
          })
        }).then(function (r) { return r.json().then(function (d) { return [r, d]; }); })
          .then(function (pair) {
            var data = pair[1];
            if (!pair[0].ok) { result.textContent = data.detail; button.disabled = false; return; }
            result.textContent = (data.is_far ? box.dataset.far : box.dataset.ok) +
              " · " + Math.round(data.distance_m) + " m";
          });
      }, function () { result.textContent = box.dataset.nogps; button.disabled = false; },
      { enableHighAccuracy: true, timeout: 20000 });
    });
  }
  var upload = document.getElementById("evidence-upload");
  if (upload) {
    document.getElementById("evidence-button").addEventListener("click", function () {
      var input = document.getElementById("evidence-file");
      var result = document.getElementById("evidence-result");
      if (!input.files.length) { return; }
      var form = new FormData();
      form.append("case", upload.dataset.case);
      form.append("action", upload.dataset.action);
      form.append("note", document.getElementById("evidence-note").value);
      form.append("file", input.files[0]);
      fetch(upload.dataset.url, {
        method: "POST", credentials: "same-origin", headers: headers(key()), body: form
      }).then(function (r) { return r.json().then(function (d) { return [r, d]; }); })
        .then(function (pair) {
          result.textContent = pair[0].ok ? upload.dataset.done + " · " + pair[1].sha256.slice(0, 12)
            : pair[1].detail;
        });
    });
  }
})();
