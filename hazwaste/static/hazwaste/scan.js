/* Open a container by its label: typed, or read from the label's QR code with
   the phone camera where the browser offers BarcodeDetector. */
(function () {
  "use strict";
  var form = document.getElementById("hw-scan");
  if (!form) { return; }
  function open(text) {
    var label = (text || "").trim();
    var match = label.match(/\/c\/([A-Za-z0-9-]+)\/?/);
    if (match) { label = match[1]; }
    if (label) { window.location.href = form.dataset.base.replace("LABEL", encodeURIComponent(label.toUpperCase())); }
  }
  form.addEventListener("submit", function (event) { event.preventDefault(); open(form.label.value); });
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  var button = document.getElementById("hw-camera");
  var video = document.getElementById("hw-video");
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream; video.hidden = false; video.play();
      var timer = setInterval(function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) { clearInterval(timer); stream.getTracks().forEach(function (t) { t.stop(); }); open(codes[0].rawValue); }
        });
      }, 300);
    });
  });
})();
