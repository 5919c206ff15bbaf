// CityBase front-end glue: CSRF header for htmx, the language of charts, and small helpers.
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector('meta[name="csrf-token"]');
    if (token) { event.detail.headers["X-CSRF-Token"] = token.content; }
  });

  // Region tree: a toggle loads the children once (hx-trigger "click once"), then only opens and closes them.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-tree-toggle]");
    if (!toggle) { return; }
    var node = toggle.closest("li");
    var list = node.querySelector(":scope > ul");
    if (list && list.dataset.loaded === "true") {
      var open = node.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      event.preventDefault();
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.detail.target;
    if (list.matches && list.matches("ul.tree-children")) {
      list.dataset.loaded = "true";
      var node = list.closest("li");
      node.classList.add("open");
      var toggle = node.querySelector("[data-tree-toggle]");
      if (toggle) { toggle.setAttribute("aria-expanded", "true"); }
    }
  });

  // Charts: every element with data-chart holds its ECharts option as JSON.
  function drawCharts(root) {
    if (typeof echarts === "undefined") { return; }
    root.querySelectorAll("[data-chart]").forEach(function (element) {
      if (element.dataset.drawn) { return; }
      var option = JSON.parse(element.querySelector("script[type='application/json']").textContent);
      if (element.dataset.map) {
        var geo = JSON.parse(document.getElementById(element.dataset.map).textContent);
        echarts.registerMap(element.dataset.map, geo);
      }
      var chart = echarts.init(element, null, { renderer: element.dataset.renderer || "svg" });
      chart.setOption(option);
      if (element.dataset.linkPrefix) {
        chart.on("click", function (params) {
          var code = params.data && params.data.code;
          if (code) { window.location.href = element.dataset.linkPrefix + code; }
        });
      }
      element.dataset.drawn = "true";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  // A button marked data-chart-png="ID" saves that chart as a PNG (charts drawn with data-renderer="canvas").
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-chart-png]");
    if (!button || typeof echarts === "undefined") { return; }
    var chart = echarts.getInstanceByDom(document.getElementById(button.dataset.chartPng));
    if (!chart) { return; }
    var link = document.createElement("a");
    link.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" });
    link.download = button.dataset.filename || "chart.png";
    link.click();
  });
  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawCharts(event.detail.elt); });

  // Copy buttons (the API token shown once).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var source = document.getElementById(button.dataset.copy);
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.textContent.trim());
      button.textContent = button.dataset.copied || button.textContent;
    }
  });
})();

// Collection pages: a select marked data-autosubmit sends its form when changed (the board's period).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("select[data-autosubmit]");
    if (select && select.form) { select.form.submit(); }
  });

  // The data-entry grid: a block copied from Excel (tab-separated cells, one line per row) pasted into any
  // cell fills the grid rightwards and downwards from that cell; a single value pastes as usual.
  document.addEventListener("paste", function (event) {
    var start = event.target.closest && event.target.closest("input.grid-cell");
    if (!start) { return; }
    var text = (event.clipboardData || window.clipboardData).getData("text");
    if (!text || (text.indexOf("\t") < 0 && text.indexOf("\n") < 0)) { return; }
    event.preventDefault();
    var lines = text.replace(/\r\n?/g, "\n").split("\n");
    if (lines.length > 1 && lines[lines.length - 1] === "") { lines.pop(); }
    var rows = Array.prototype.slice.call(start.closest("tbody").rows);
    var row = rows.indexOf(start.closest("tr"));
    var cellsOf = function (tr) { return tr.querySelectorAll("input.grid-cell"); };
    var column = Array.prototype.indexOf.call(cellsOf(rows[row]), start);
    lines.forEach(function (line, down) {
      var target = rows[row + down];
      if (!target) { return; }
      var inputs = cellsOf(target);
      line.split("\t").forEach(function (value, across) {
        var input = inputs[column + across];
        if (!input) { return; }
        input.value = value.trim();
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
    });
  });
})();
