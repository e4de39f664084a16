/* The inspection form on a phone with a flaky connection.
   - Every change is saved to a local draft (localStorage), so closing the page or
     losing the signal loses nothing typed.
   - The draft carries one Idempotency-Key: however often the phone retries, the
     server records the visit once.
   - Photos are uploaded one by one as soon as they are chosen (the server keeps
     their SHA-256); those that fail are retried before submitting. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("inspection-config").textContent);
  var form = document.getElementById("inspection-form");
  var statusBox = document.getElementById("status");
  var select = document.querySelector("select[data-autosubmit]");
  if (select) { select.addEventListener("change", function () { select.form.submit(); }); }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "k-" + Date.now() + "-" + Math.random().toString(16).slice(2);
  }

  function say(text, kind) {
    statusBox.hidden = !text;
    statusBox.textContent = text || "";
    statusBox.className = "notice " + (kind || "");
  }

  // ---- the draft ------------------------------------------------------------
  var draft = null;
  try { draft = JSON.parse(localStorage.getItem(config.draftKey) || "null"); } catch (e) { draft = null; }
  if (!draft) { draft = { key: newKey(), values: {}, photos: {} }; }

  function fields() { return form.querySelectorAll("input, textarea"); }

  function collectValues() {
    var values = {};
    fields().forEach(function (el) {
      if (!el.name || el.type === "file") { return; }
      if (el.type === "checkbox") {
        values[el.name] = values[el.name] || [];
        if (el.checked) { values[el.name].push(el.value); }
      } else if (el.type === "radio") {
        if (el.checked) { values[el.name] = el.value; }
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function restore() {
    var values = draft.values || {};
    fields().forEach(function (el) {
      if (!el.name || el.type === "file" || !(el.name in values)) { return; }
      var value = values[el.name];
      if (el.type === "checkbox") { el.checked = value.indexOf(el.value) >= 0; }
      else if (el.type === "radio") { el.checked = value === el.value; }
      else { el.value = value; }
    });
    if (!form.inspected_on.value) { form.inspected_on.value = config.today; }
    Object.keys(draft.photos || {}).forEach(showPhotoCount);
  }

  function save() {
    draft.values = collectValues();
    try { localStorage.setItem(config.draftKey, JSON.stringify(draft)); } catch (e) { /* full: keep going */ }
  }

  form.addEventListener("input", save);
  form.addEventListener("change", save);
  restore();

  // ---- photos ----------------------------------------------------------------
  var pending = []; // {field, file}: not uploaded yet (offline or failed)

  function showPhotoCount(fieldName) {
    var input = form.querySelector("input[type=file][name='" + fieldName + "']");
    if (!input) { return; }
    var count = input.parentNode.querySelector(".photo-count") || input.closest(".field").querySelector(".photo-count");
    var uploaded = (draft.photos[fieldName] || []).length;
    var waiting = pending.filter(function (p) { return p.field === fieldName; }).length;
    if (count) { count.textContent = uploaded + " ✓" + (waiting ? " · " + waiting + " …" : ""); }
  }

  function upload(entry) {
    var body = new FormData();
    body.append("file", entry.file);
    return fetch(config.photoUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
    }).then(function (response) {
      if (!response.ok) { throw new Error("upload " + response.status); }
      return response.json();
    }).then(function (photo) {
      draft.photos[entry.field] = draft.photos[entry.field] || [];
      if (draft.photos[entry.field].indexOf(photo.id) < 0) { draft.photos[entry.field].push(photo.id); }
      save();
    });
  }

  function flushPhotos() {
    var queue = pending.slice();
    pending = [];
    return queue.reduce(function (chain, entry) {
      return chain.then(function () {
        return upload(entry).catch(function () { pending.push(entry); });
      });
    }, Promise.resolve()).then(function () {
      Object.keys(draft.photos).forEach(showPhotoCount);
      form.querySelectorAll("input[type=file]").forEach(function (i) { showPhotoCount(i.name); });
      if (pending.length) { throw new Error("photos pending"); }
    });
  }

  form.querySelectorAll("input[type=file]").forEach(function (input) {
    input.addEventListener("change", function () {
      Array.prototype.forEach.call(input.files, function (file) { pending.push({ field: input.name, file: file }); });
      input.value = "";
      showPhotoCount(input.name);
      flushPhotos().catch(function () { say(config.messages.photoFailed, "warning"); });
    });
  });

  // ---- location ---------------------------------------------------------------
  var locate = document.getElementById("locate");
  if (locate && navigator.geolocation) {
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        form.lon.value = position.coords.longitude.toFixed(6);
        form.lat.value = position.coords.latitude.toFixed(6);
        save();
      });
    });
  }

  // ---- submitting -------------------------------------------------------------
  function payload() {
    var values = collectValues();
    var answers = [];
    form.querySelectorAll("[data-item]").forEach(function (li) {
      var code = li.dataset.item, kind = li.dataset.kind, name = "item-" + code;
      if (kind === "photo") {
        answers.push({ item: code, value: draft.photos[name] || [] });
        return;
      }
      var raw = values[name];
      if (raw === undefined || raw === "") { return; }
      if (kind === "yes_no") { answers.push({ item: code, value: raw === "yes" }); }
      else if (kind === "number") { answers.push({ item: code, value: raw }); }
      else { answers.push({ item: code, value: raw }); }
    });
    var photoIds = [];
    Object.keys(draft.photos).forEach(function (name) { photoIds = photoIds.concat(draft.photos[name]); });
    var body = {
      enterprise: config.enterprise,
      template: config.template,
      plan_target: config.target,
      inspected_on: values.inspected_on,
      officers: (values.officers || []).map(Number),
      result: values.result,
      findings: values.findings || "",
      answers: answers,
      photo_ids: photoIds,
      representative_name: values.representative_name || "",
    };
    if (values.lon && values.lat) { body.lon = Number(values.lon); body.lat = Number(values.lat); }
    return body;
  }

  function clearErrors() { form.querySelectorAll(".errors").forEach(function (p) { p.textContent = ""; }); }

  function showErrors(fieldsWithErrors) {
    Object.keys(fieldsWithErrors || {}).forEach(function (name) {
      var messages = fieldsWithErrors[name];
      if (name === "answers" && messages && !Array.isArray(messages)) {
        Object.keys(messages).forEach(function (code) {
          var target = form.querySelector("[data-field='answers." + code + "'] .errors") || form.querySelector("p[data-field=answers]");
          target.textContent = [].concat(messages[code]).join(" ");
        });
        return;
      }
      var holder = form.querySelector("[data-field='" + name + "']");
      var target = holder ? (holder.classList.contains("errors") ? holder : holder.querySelector(".errors")) : form.querySelector("p[data-field=non_field_errors]");
      target.textContent = (name in { officers: 1, location: 1, result: 1, photo_ids: 1, answers: 1, non_field_errors: 1 } ? "" : name + ": ") + [].concat(messages).join(" ");
    });
  }

  var sending = false;
  function submit() {
    if (sending) { return; }
    sending = true;
    save();
    clearErrors();
    say(config.messages.sending);
    flushPhotos().then(function () {
      return fetch(config.submitUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken(), "Idempotency-Key": draft.key },
        body: JSON.stringify(payload()),
      });
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      sending = false;
      if (result.status === 200 || result.status === 201) {
        localStorage.removeItem(config.draftKey);
        window.location.href = config.detailUrl.replace("/0/", "/" + result.data.id + "/");
        return;
      }
      say((result.data && result.data.detail) || config.messages.failed, "error");
      showErrors(result.data && result.data.fields);
    }).catch(function () {
      sending = false;
      say(config.messages.offline, "warning");
    });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); submit(); });
  window.addEventListener("online", function () { if (statusBox.classList.contains("warning")) { submit(); } });
  document.getElementById("discard").addEventListener("click", function () {
    localStorage.removeItem(config.draftKey);
    window.location.reload();
  });
  if (Object.keys(draft.values || {}).length) { say(config.messages.saved); }
})();
