/* liangshan web: region switcher, charts (ECharts, vendored). No inline scripts (CSP script-src 'self'). */
(function () {
  "use strict";
  var COLORS = { "达标": "#1e8e3e", "基本达标": "#e8a33d", "未达标": "#c5221f", "数据缺失": "#6b4fbb", "不适用": "#9aa0a6" };

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function data(el, attr) {
    try { return JSON.parse(el.getAttribute(attr) || "null"); } catch (e) { return null; }
  }

  function numeric(v) { return typeof v === "number" && isFinite(v) ? v : null; }

  // The text alternative of a chart: a collapsible table of the same numbers (built by the server).
  function tableAlt(el, t) {
    if (!t || !el.parentNode || el.parentNode.querySelector(".chart-table[data-for='" + el.id + "']")) return;
    var det = document.createElement("details");
    det.className = "chart-table";
    det.setAttribute("data-for", el.id);
    var sum = document.createElement("summary");
    sum.textContent = "查看数据表";
    det.appendChild(sum);
    var table = document.createElement("table");
    var cap = document.createElement("caption");
    cap.textContent = t.caption;
    table.appendChild(cap);
    var head = document.createElement("tr");
    t.columns.forEach(function (c) { var th = document.createElement("th"); th.scope = "col"; th.textContent = c; head.appendChild(th); });
    var thead = document.createElement("thead"); thead.appendChild(head); table.appendChild(thead);
    var body = document.createElement("tbody");
    t.rows.forEach(function (r) {
      var tr = document.createElement("tr");
      r.forEach(function (v, i) { var td = document.createElement(i === 0 ? "th" : "td"); if (i === 0) td.scope = "row"; td.textContent = v; tr.appendChild(td); });
      body.appendChild(tr);
    });
    table.appendChild(body);
    det.appendChild(table);
    el.parentNode.insertBefore(det, el.nextSibling);
  }

  function sparkline(el, item, years) {
    var vals = item.values.map(numeric);
    if (vals.every(function (v) { return v === null; })) { el.textContent = "—"; return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false, grid: { left: 2, right: 2, top: 4, bottom: 4 },
      xAxis: { type: "category", data: years, show: false },
      yAxis: item.axis ? { type: "value", show: false, min: item.axis.min, max: item.axis.max } : { type: "value", show: false, scale: true },
      tooltip: { trigger: "axis", confine: true, valueFormatter: function (v) { return v === null ? "—" : v + (item.unit || ""); } },
      series: [{ type: "line", data: vals, symbolSize: 4, lineStyle: { width: 2, color: "#1d6b45" }, itemStyle: { color: "#1d6b45" } }]
    });
  }

  function dashboard(root) {
    var d = data(root, "data-chart");
    if (!d || typeof echarts === "undefined") return;
    document.querySelectorAll(".spark[data-ind]").forEach(function (el) {
      var id = Number(el.getAttribute("data-ind"));
      var item = d.trend.find(function (t) { return t.id === id; });
      if (item) sparkline(el, item, d.years);
    });
    var pie = document.getElementById("verdict-chart");
    if (pie && d.options) {
      echarts.init(pie, null, { renderer: "svg" }).setOption(d.options.verdict);
      tableAlt(pie, d.tables.verdict);
    }
    var bar = document.getElementById("completeness-chart");
    if (bar && d.options && d.completeness.units.length) {
      bar.style.height = Math.max(220, 30 * d.completeness.units.length + 60) + "px";
      echarts.init(bar, null, { renderer: "svg" }).setOption(d.options.completeness);
      tableAlt(bar, d.tables.completeness);
    }
  }

  function indicatorChart(el) {
    var d = data(el, "data-chart");
    if (!d || typeof echarts === "undefined") return;
    var vals = d.values.map(numeric);
    if (vals.every(function (v) { return v === null; })) { el.textContent = "暂无可绘制的数值"; el.classList.add("muted"); el.style.height = "auto"; return; }
    echarts.init(el, null, { renderer: "svg" }).setOption(d.option);
    tableAlt(el, d.table);
  }

  onReady(function () {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
      s.addEventListener("change", function () { s.form.submit(); });
    });
    document.querySelectorAll("[data-confirm]").forEach(function (b) {
      b.addEventListener("click", function (ev) { if (!window.confirm(b.getAttribute("data-confirm"))) ev.preventDefault(); });
    });
    var dash = document.getElementById("dashboard");
    if (dash) dashboard(dash);
    var ind = document.getElementById("indicator-chart");
    if (ind) indicatorChart(ind);
    window.addEventListener("resize", function () {
      document.querySelectorAll("[_echarts_instance_]").forEach(function (el) { var c = echarts.getInstanceByDom(el); if (c) c.resize(); });
    });
  });
})();
