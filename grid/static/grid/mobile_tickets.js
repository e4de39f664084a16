/* The street officer's phone pages. Every write carries an Idempotency-Key made
   once per user action and is retried with the same key until the server
   answers, so a flaky connection neither loses nor doubles anything. Pending
   actions survive a reload (localStorage outbox); photos are retried while the
   page is open. */
(function () {
  "use strict";

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }
  function escapeHtml(text) {
    return String(text || "").replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // Send until the server answers (2xx or 4xx); network errors and 5xx retry.
  function send(request, attempt) {
    attempt = attempt || 0;
    var headers = { "X-CSRFToken": cookie("csrftoken"), "Idempotency-Key": request.key };
    var body = request.body;
    if (!(body instanceof FormData)) { headers["Content-Type"] = "application/json"; body = JSON.stringify(body || {}); }
    return fetch(request.url, { method: "POST", credentials: "same-origin", headers: headers, body: body })
      .then(function (response) {
        if (response.status >= 500) { throw new Error("server " + response.status); }
        return response.json().then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
      })
      .catch(function (error) {
        if (attempt >= 8) { throw error; }
        var wait = Math.min(30000, 1000 * Math.pow(2, attempt));
        if (request.onRetry) { request.onRetry(); }
        return new Promise(function (resolve) { setTimeout(resolve, wait); })
          .then(function () { return send(request, attempt + 1); });
      });
  }

  var OUTBOX = "grid-ticket-outbox";
  function outbox() { try { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return []; } }
  function saveOutbox(items) { localStorage.setItem(OUTBOX, JSON.stringify(items)); }
  function flushOutbox() {
    outbox().forEach(function (item) {
      send(item).then(function () {
        saveOutbox(outbox().filter(function (other) { return other.key !== item.key; }));
      }).catch(function () {});
    });
  }

  function withPosition(callback) {
    if (!navigator.geolocation) { callback({}); return; }
    navigator.geolocation.getCurrentPosition(
      function (p) { callback({ lon: +p.coords.longitude.toFixed(6), lat: +p.coords.latitude.toFixed(6) }); },
      function () { callback({}); },
      { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 }
    );
  }

  // ---------------------------------------------------------------- the list
  var list = document.getElementById("m-tickets");
  if (list) {
    var pendingCount = document.getElementById("m-outbox");
    if (outbox().length) { pendingCount.textContent = "⟳ " + outbox().length; }
    flushOutbox();
    var more = document.getElementById("m-more");
    var mapElement = document.getElementById("m-map");
    var points = [];
    var next = list.dataset.url;
    var load = function () {
      fetch(next, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
        if (!data.results.length && !list.children.length) {
          list.innerHTML = "<li>" + escapeHtml(list.dataset.empty) + "</li>";
        }
        data.results.forEach(function (t) {
          points.push(t);
          var item = document.createElement("li");
          if (t.overdue) { item.className = "overdue"; }
          var due = t.stage_deadline ? new Date(t.stage_deadline).toLocaleString() : "";
          item.innerHTML = '<a href="/m/tickets/' + t.id + '/"><strong>' + escapeHtml(t.category_name) + "</strong> · " +
            escapeHtml(t.status_label) + "<br><span class=muted>" + escapeHtml(t.address || t.description.slice(0, 60)) +
            "</span><br>" + escapeHtml(t.overdue ? list.dataset.overdue : list.dataset.due) + " " + escapeHtml(due) + "</a>";
          list.appendChild(item);
        });
        next = data.next;
        more.hidden = !next;
      });
    };
    more.addEventListener("click", load);
    load();
    var map = null;
    document.getElementById("m-toggle-map").addEventListener("click", function () {
      mapElement.hidden = !mapElement.hidden;
      if (mapElement.hidden || !window.L) { return; }
      var config = JSON.parse(document.getElementById("map-config").textContent);
      if (!map) {
        map = L.map(mapElement).setView(config.center, config.zoom);
        L.tileLayer(config.tileUrl, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
      }
      var bounds = [];
      points.forEach(function (t) {
        L.circleMarker([t.lat, t.lon], { radius: 8, color: t.overdue ? "#eb3b5a" : "#0b6e4f", fillOpacity: 0.8 })
          .bindPopup('<a href="/m/tickets/' + t.id + '/">' + escapeHtml(t.category_name) + "</a>").addTo(map);
        bounds.push([t.lat, t.lon]);
      });
      if (bounds.length) { map.fitBounds(bounds, { maxZoom: 17 }); }
    });
  }

  // -------------------------------------------------------------- one ticket
  var panel = document.getElementById("m-ticket");
  if (!panel) { return; }
  flushOutbox();
  var base = panel.dataset.base;
  var message = document.getElementById("m-message");
  var uploaded = [];
  var uploading = 0;

  function say(text) { message.textContent = text; }
  function problem(data) {
    var fields = data.fields || {};
    var parts = Object.keys(fields).map(function (name) { return name + ": " + [].concat(fields[name]).join(" "); });
    return (data.detail || "") + (parts.length ? " " + parts.join("; ") : "");
  }

  var photoInput = document.getElementById("m-photo");
  if (photoInput) {
    photoInput.addEventListener("change", function () {
      Array.prototype.forEach.call(photoInput.files, function (file) {
        var row = document.createElement("li");
        row.textContent = file.name + " …";
        document.getElementById("m-photos").appendChild(row);
        var form = new FormData();
        form.append("file", file);
        uploading += 1;
        send({ url: base + "attachments/", key: newKey(), body: form, onRetry: function () { row.className = "pending"; } })
          .then(function (result) {
            uploading -= 1;
            if (!result.ok) { row.textContent = file.name + ": " + problem(result.data); return; }
            uploaded.push(result.data.id);
            var facts = [panel.dataset.msgUploaded, "SHA-256 " + result.data.sha256.slice(0, 12) + "…"];
            if (result.data.exif_taken_at) { facts.push(new Date(result.data.exif_taken_at).toLocaleString()); }
            if (result.data.exif_lat !== null) { facts.push("GPS " + result.data.exif_lat.toFixed(5) + ", " + result.data.exif_lon.toFixed(5)); }
            row.className = "";
            row.textContent = file.name + " · " + facts.join(" · ");
          })
          .catch(function () { uploading -= 1; row.textContent = file.name + ": " + panel.dataset.msgPending; });
      });
      photoInput.value = "";
    });
  }

  function bodyFor(step, position) {
    var body = { expected_status: panel.dataset.status };
    var reason = document.getElementById("m-reason");
    if (step === "accept") { Object.assign(body, position); }
    if (step === "handle") {
      Object.assign(body, position, {
        note: document.getElementById("m-note").value,
        attachments: uploaded,
        violation_confirmed: document.getElementById("m-violation").checked,
      });
    }
    if (step === "hand-back") { Object.assign(body, position, { note: reason.value }); }
    if (step === "request-extension") {
      body = { expected_status: panel.dataset.status, hours: document.getElementById("m-hours").value, note: reason.value };
    }
    return body;
  }

  Array.prototype.forEach.call(panel.querySelectorAll("button[data-step]"), function (button) {
    button.addEventListener("click", function () {
      if (uploading) { say(panel.dataset.msgPending); return; }
      button.disabled = true;
      withPosition(function (position) {
        var request = { url: base + button.dataset.step + "/", key: newKey(), body: bodyFor(button.dataset.step, position) };
        saveOutbox(outbox().concat([request]));
        request.onRetry = function () { say(panel.dataset.msgPending); };
        send(request).then(function (result) {
          saveOutbox(outbox().filter(function (other) { return other.key !== request.key; }));
          if (result.ok) { say(panel.dataset.msgSent); window.location.reload(); return; }
          button.disabled = false;
          say(problem(result.data));
        }).catch(function () { button.disabled = false; say(panel.dataset.msgPending); });
      });
    });
  });
})();
