/* Wall screen (大屏): fetches the one data endpoint every data-refresh seconds
   and draws every panel. No interaction; no tiles; Chart.js is vendored. */
(function () {
  "use strict";
  var body = document.body;
  var endpoint = body.dataset.endpoint;
  var refresh = Math.max(10, parseInt(body.dataset.refresh, 10) || 60) * 1000;
  var lang = body.dataset.lang || "zh-hans";
  var T = JSON.parse(document.getElementById("screen-strings").textContent);
  var charts = {};
  var SVG = "http://www.w3.org/2000/svg";
  var TEXT = "#d7e3f4";
  var GRID = "rgba(215,227,244,0.12)";
  var CODE = { green: "#2ecc71", yellow: "#f1c40f", red: "#e74c3c" };

  if (window.Chart) {
    Chart.defaults.color = TEXT;
    Chart.defaults.borderColor = GRID;
    Chart.defaults.animation = false;
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.font.family = getComputedStyle(body).fontFamily;
    Chart.defaults.font.size = Math.round(window.innerHeight / 80);
    Chart.defaults.plugins.legend.labels.boxWidth = 12;
  }

  function fmtTime(iso) {
    var d = new Date(iso);
    return d.toLocaleTimeString(lang === "en" ? "en-GB" : "zh-CN", {
      hour: "2-digit", minute: "2-digit", timeZone: "Asia/Shanghai"
    });
  }
  function fill(panel, data) {
    var root = document.getElementById("panel-" + panel);
    root.querySelectorAll("[data-field]").forEach(function (el) {
      var v = data[el.dataset.field];
      el.textContent = v === null || v === undefined ? "—" : v;
    });
    root.classList.toggle("empty", !data.stations);
  }
  function chart(id, config) {
    if (charts[id]) {
      charts[id].data = config.data;
      charts[id].update("none");
      return;
    }
    charts[id] = new Chart(document.getElementById(id), config);
  }
  function rows(tbody, items, cells, empty) {
    tbody.replaceChildren();
    if (!items.length) {
      var tr = tbody.insertRow();
      var td = tr.insertCell();
      td.className = "muted";
      td.textContent = empty;
      return;
    }
    items.forEach(function (item) {
      var tr = tbody.insertRow();
      cells(item).forEach(function (value) {
        var td = tr.insertCell();
        if (value && value.nodeType) td.appendChild(value); else td.textContent = value;
      });
    });
  }
  function badge(text, cls) {
    var span = document.createElement("span");
    span.className = "badge " + (cls || "");
    span.textContent = text;
    return span;
  }

  function drawMap(map) {
    var svg = document.getElementById("map");
    var lons = [], lats = [];
    map.cells.forEach(function (c) {
      c.rings.forEach(function (r) { r.forEach(function (p) { lons.push(p[0]); lats.push(p[1]); }); });
    });
    map.stations.forEach(function (s) { lons.push(s.lon); lats.push(s.lat); });
    if (!lons.length) { svg.replaceChildren(); return; }
    var minX = Math.min.apply(null, lons), maxX = Math.max.apply(null, lons);
    var minY = Math.min.apply(null, lats), maxY = Math.max.apply(null, lats);
    var k = Math.cos(((minY + maxY) / 2) * Math.PI / 180);  // equirectangular
    var W = 1000, pad = 12;
    var scale = (W - 2 * pad) / Math.max((maxX - minX) * k, 1e-9);
    var H = Math.max(200, (maxY - minY) * scale + 2 * pad);
    function x(lon) { return pad + (lon - minX) * k * scale; }
    function y(lat) { return pad + (maxY - lat) * scale; }
    svg.setAttribute("viewBox", "0 0 " + W + " " + Math.round(H));
    var frag = document.createDocumentFragment();
    var most = Math.max.apply(null, map.cells.map(function (c) { return c.open_tickets; }).concat([1]));
    map.cells.forEach(function (c) {
      c.rings.forEach(function (r) {
        var poly = document.createElementNS(SVG, "polygon");
        poly.setAttribute("points", r.map(function (p) { return x(p[0]).toFixed(1) + "," + y(p[1]).toFixed(1); }).join(" "));
        poly.setAttribute("class", "cell");
        poly.style.fillOpacity = (0.06 + 0.5 * c.open_tickets / most).toFixed(2);
        frag.appendChild(poly);
      });
    });
    map.tickets.forEach(function (t) {
      var dot = document.createElementNS(SVG, "circle");
      dot.setAttribute("cx", x(t[0]).toFixed(1));
      dot.setAttribute("cy", y(t[1]).toFixed(1));
      dot.setAttribute("r", t[2] ? 3.2 : 2.4);
      dot.setAttribute("class", t[2] ? "ticket overdue" : "ticket");
      frag.appendChild(dot);
    });
    map.stations.forEach(function (s) {
      var g = document.createElementNS(SVG, "g");
      g.setAttribute("class", "station" + (s.alarm ? " alarm" : ""));
      var c = document.createElementNS(SVG, "circle");
      c.setAttribute("cx", x(s.lon).toFixed(1));
      c.setAttribute("cy", y(s.lat).toFixed(1));
      c.setAttribute("r", 8);
      c.setAttribute("fill", s.colour);
      var title = document.createElementNS(SVG, "title");
      title.textContent = s.name + (s.label ? " · " + s.label : "");
      c.appendChild(title);
      g.appendChild(c);
      if (s.label) {
        var label = document.createElementNS(SVG, "text");
        label.setAttribute("x", (x(s.lon) + 11).toFixed(1));
        label.setAttribute("y", (y(s.lat) + 4).toFixed(1));
        label.textContent = s.label;
        g.appendChild(label);
      }
      frag.appendChild(g);
    });
    svg.replaceChildren(frag);
  }

  function doughnut(id, items) {
    chart(id, {
      type: "doughnut",
      data: {
        labels: items.map(function (i) { return i.label + " " + i.count; }),
        datasets: [{ data: items.map(function (i) { return i.count; }),
                     backgroundColor: items.map(function (i) { return CODE[i.colour]; }),
                     borderWidth: 0 }]
      },
      options: { cutout: "58%", plugins: { legend: { position: "right" } } }
    });
  }

  function draw(d) {
    document.getElementById("district-name").textContent = d.district;
    document.getElementById("updated").textContent = fmtTime(d.generated_at);
    drawMap(d.map);

    var air = d.boards.air;
    fill("air", air);
    chart("chart-air", {
      type: "line",
      data: { labels: air.trend.map(function (p) { return fmtTime(p.hour); }),
              datasets: [{ label: T.aqi, data: air.trend.map(function (p) { return p.aqi; }),
                           borderColor: "#4fc3f7", backgroundColor: "rgba(79,195,247,0.2)",
                           fill: true, pointRadius: 0, tension: 0.3 }] },
      options: { plugins: { legend: { display: false } }, scales: { x: { ticks: { maxTicksLimit: 6 } }, y: { beginAtZero: true } } }
    });
    var water = d.boards.water;
    fill("water", water);
    chart("chart-water", {
      type: "bar",
      data: { labels: water.classes.map(function (c) { return c.label; }),
              datasets: [{ label: T.sections, data: water.classes.map(function (c) { return c.count; }),
                           backgroundColor: ["#00a0e9", "#2ecc71", "#9bd35a", "#f1c40f", "#e67e22", "#e74c3c"] }] },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
    fill("noise", d.boards.noise);
    var indoor = d.boards.indoor;
    fill("indoor", indoor);
    rows(document.querySelector("#indoor-table tbody"), indoor.parameters, function (p) {
      var over = p.max !== null && p.max > p.limit;
      return [p.label, p.max === null ? "—" : badge(p.max + " " + p.unit, over ? "bad" : "ok"), "≤ " + p.limit];
    }, T.no_data);

    var alarms = d.alarms_today;
    document.getElementById("alarms-total").textContent = alarms.total;
    var states = document.getElementById("alarm-states");
    states.replaceChildren();
    alarms.by_dispatch.forEach(function (s) {
      var li = document.createElement("li");
      li.className = "state-" + s.state;
      li.innerHTML = "<b></b><small></small>";
      li.firstChild.textContent = s.count;
      li.lastChild.textContent = s.label;
      states.appendChild(li);
    });
    rows(document.querySelector("#alarm-table tbody"), alarms.rows, function (a) {
      return [fmtTime(a.at), a.station, a.parameter, a.peak.toFixed(a.peak < 10 ? 2 : 0) + " " + a.unit,
              badge(a.dispatch_label, "dispatch-" + a.dispatch)];
    }, T.no_alarms);

    var tickets = d.overdue_tickets;
    document.getElementById("overdue-total").textContent = tickets.total_overdue;
    chart("chart-overdue", {
      type: "bar",
      data: { labels: tickets.streets.map(function (s) { return s.street; }),
              datasets: [
                { label: T.overdue, data: tickets.streets.map(function (s) { return s.overdue; }), backgroundColor: "#e74c3c" },
                { label: T.open, data: tickets.streets.map(function (s) { return s.open - s.overdue; }), backgroundColor: "#3d7bd9" }
              ] },
      options: { indexAxis: "y", plugins: { legend: { position: "top" } },
                 scales: { x: { stacked: true, ticks: { precision: 0 } }, y: { stacked: true, ticks: { autoSkip: false } } } }
    });
    doughnut("chart-health", d.health_codes);
    doughnut("chart-credit", d.credit_codes);

    var joint = d.joint_actions;
    var jointPanel = document.getElementById("panel-joint");
    jointPanel.classList.toggle("empty", !joint.available);
    document.getElementById("joint-total").textContent = joint.available ? joint.total : "—";
    rows(document.querySelector("#joint-table tbody"), joint.available ? joint.rows : [], function (r) {
      return [r.at ? new Date(r.at).toLocaleDateString(lang === "en" ? "en-GB" : "zh-CN", { timeZone: "Asia/Shanghai" }) : "", r.title, r.detail || "", badge(r.state || "", "")];
    }, joint.available ? T.none_this_week : T.not_connected);
    body.classList.remove("stale");
    body.dataset.loaded = "true";
  }

  function load() {
    fetch(endpoint, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.status === 401 || r.status === 403) { window.location.reload(); throw new Error("logged out"); }
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(draw)
      .catch(function () { body.classList.add("stale"); })
      .finally(function () { window.setTimeout(load, refresh); });
  }
  function tick() {
    document.getElementById("clock").textContent = new Date().toLocaleString(
      lang === "en" ? "en-GB" : "zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
  }
  tick();
  window.setInterval(tick, 1000);
  load();
})();
