/* Dashboard charts: enterprises by sector and by street, from the page's
   json_script data, drawn with the vendored Chart.js. The tables beside the
   charts carry the same figures for screen readers and for printing. */
(function () {
  "use strict";
  var script = document.currentScript;
  var source = document.getElementById("chart-data");
  if (!source || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var css = getComputedStyle(document.documentElement);
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  Chart.defaults.font.family = css.getPropertyValue("--font").trim() || "sans-serif";
  Chart.defaults.color = "#3a4554";
  Chart.defaults.maintainAspectRatio = false;
  if (reduceMotion) { Chart.defaults.animation = false; }

  function sectorColour(key) {
    return css.getPropertyValue("--sector-" + key).trim() || css.getPropertyValue("--sector-other").trim();
  }

  var sectorCanvas = document.getElementById("chart-sector");
  if (sectorCanvas && data.sector.values.length) {
    new Chart(sectorCanvas, {
      type: "doughnut",
      data: {
        labels: data.sector.labels,
        datasets: [{
          data: data.sector.values,
          backgroundColor: data.sector.keys.map(sectorColour),
          borderColor: "#fff",
          borderWidth: 2,
        }],
      },
      options: {
        cutout: "58%",
        plugins: { legend: { position: "right", labels: { boxWidth: 12, boxHeight: 12, padding: 10 } } },
        onClick: function (_event, elements) {
          if (elements.length) {
            window.location.href = script.dataset.listUrl + "?sector=" + encodeURIComponent(data.sector.keys[elements[0].index]);
          }
        },
      },
    });
    sectorCanvas.dataset.drawn = "true";
  }

  var streetCanvas = document.getElementById("chart-street");
  if (streetCanvas && data.street.values.length) {
    // one readable bar per street, however many streets the user covers
    streetCanvas.parentNode.style.height = Math.max(220, data.street.values.length * 26 + 50) + "px";
    new Chart(streetCanvas, {
      type: "bar",
      data: {
        labels: data.street.labels,
        datasets: [{
          label: script.dataset.label,
          data: data.street.values,
          backgroundColor: css.getPropertyValue("--primary").trim(),
          hoverBackgroundColor: css.getPropertyValue("--primary-dark").trim(),
          borderRadius: 3,
          maxBarThickness: 22,
        }],
      },
      options: {
        indexAxis: "y",
        plugins: { legend: { display: false } },
        scales: {
          x: { beginAtZero: true, grid: { color: "#e8ecf1" }, ticks: { precision: 0 } },
          y: { grid: { display: false }, ticks: { autoSkip: false } },
        },
        onHover: function (event, elements) {
          event.native.target.style.cursor = elements.length ? "pointer" : "default";
        },
        onClick: function (_event, elements) {
          if (elements.length) {
            window.location.href = script.dataset.listUrl + "?street=" + data.street.ids[elements[0].index];
          }
        },
      },
    });
    streetCanvas.dataset.drawn = "true";
  }
})();
