/* The street officer's phone page: the enterprises in their streets, from the
   REST API (same-origin session cookie), with search and a "more" button.
   Everything is built with DOM nodes and textContent: names come from users. */
(function () {
  "use strict";
  var list = document.getElementById("m-list");
  if (!list) { return; }
  var labels = JSON.parse(document.getElementById("mobile-labels").textContent);
  var search = document.getElementById("m-search");
  var more = document.getElementById("m-more");
  var status = document.getElementById("m-status");
  var PAGE_SIZE = 20;

  var state = { query: "", page: 0, hasNext: false, total: 0, shown: 0, controller: null };

  function format(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, function (_m, key) {
      return values[key] === undefined ? "" : values[key];
    });
  }

  function detailUrl(id) {
    return list.dataset.detailUrl.replace(/\/0\/$/, "/" + id + "/");
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function item(enterprise) {
    var li = element("li");
    var link = element("a", "m-item");
    link.href = detailUrl(enterprise.id);
    var title = element("div", "m-title");
    var dot = element("span", "dot sector-" + enterprise.sector);
    dot.setAttribute("aria-hidden", "true");
    title.appendChild(dot);
    title.appendChild(element("span", "m-name", enterprise.name));
    title.appendChild(element("span", "badge status-" + enterprise.status, labels.statuses[enterprise.status] || enterprise.status));
    link.appendChild(title);
    if (enterprise.address) { link.appendChild(element("div", "m-address", enterprise.address)); }
    var meta = element("div", "m-meta");
    meta.appendChild(element("span", null, labels.sectors[enterprise.sector] || enterprise.sector));
    meta.appendChild(element("span", null, enterprise.street_name + (enterprise.grid_cell_code ? " · " + enterprise.grid_cell_code : "")));
    link.appendChild(meta);
    li.appendChild(link);
    return li;
  }

  function setStatus(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", !!isError);
  }

  function summary() {
    if (!state.total) { return labels.empty; }
    var count = format(labels.count, { count: state.total.toLocaleString(document.documentElement.lang) });
    return state.shown < state.total ? count + " · " + format(labels.shown, { shown: state.shown }) : count;
  }

  function load(page) {
    if (state.controller) { state.controller.abort(); }
    var controller = new AbortController();
    state.controller = controller;
    var url = new URL(list.dataset.url, window.location.href);
    url.searchParams.set("page", String(page));
    url.searchParams.set("page_size", String(PAGE_SIZE));
    if (state.query) { url.searchParams.set("q", state.query); }
    more.disabled = true;
    list.setAttribute("aria-busy", "true");
    if (page === 1) { setStatus(labels.loading); }
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, signal: controller.signal })
      .then(function (response) {
        if (response.status === 401) {
          window.location.reload();  // the session ended: the login page takes over
          throw new Error("signed out");
        }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        if (page === 1) { list.textContent = ""; state.shown = 0; }
        var fragment = document.createDocumentFragment();
        data.results.forEach(function (enterprise) { fragment.appendChild(item(enterprise)); });
        list.appendChild(fragment);
        state.page = page;
        state.total = data.count;
        state.shown += data.results.length;
        state.hasNext = !!data.next;
        more.textContent = labels.more;
        more.hidden = !state.hasNext;
        more.disabled = false;
        list.removeAttribute("aria-busy");
        list.dataset.loaded = String(state.shown);
        setStatus(summary());
      })
      .catch(function (error) {
        if (error.name === "AbortError") { return; }
        list.removeAttribute("aria-busy");
        setStatus(labels.error, true);
        more.textContent = labels.retry;
        more.hidden = false;
        more.disabled = false;
        more.dataset.retryPage = String(page);
      });
  }

  var timer = null;
  search.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var query = search.value.trim();
      if (query === state.query) { return; }
      state.query = query;
      var url = new URL(window.location.href);
      if (query) { url.searchParams.set("q", query); } else { url.searchParams.delete("q"); }
      window.history.replaceState(null, "", url);
      load(1);
    }, 300);
  });
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { search.blur(); }  // closes the phone keyboard
  });
  more.addEventListener("click", function () {
    var retry = more.dataset.retryPage;
    delete more.dataset.retryPage;
    load(retry ? parseInt(retry, 10) : state.page + 1);
  });

  state.query = (new URLSearchParams(window.location.search).get("q") || "").trim();
  search.value = state.query;
  load(1);
})();
