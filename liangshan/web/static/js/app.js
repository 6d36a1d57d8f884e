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

  function sparkline(el, item, years) {
    var vals = item.values.map(numeric);
    if (vals.every(function (v) { return v === null; })) { el.textContent = "—"; return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false, grid: { left: 2, right: 2, top: 4, bottom: 4 },
      xAxis: { type: "category", data: years, show: false },
      yAxis: { type: "value", show: false, scale: true },
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
    if (pie) {
      var c = echarts.init(pie, null, { renderer: "svg" });
      var entries = Object.keys(d.counts).map(function (k) { return { name: k, value: d.counts[k], itemStyle: { color: COLORS[k] } }; });
      c.setOption({
        animation: false, tooltip: { trigger: "item" },
        legend: { bottom: 0 },
        series: [{ type: "pie", radius: ["45%", "70%"], center: ["50%", "45%"], data: entries.filter(function (e) { return e.value > 0; }),
                   label: { formatter: "{b}\n{c}项" } }]
      });
    }
    var bar = document.getElementById("completeness-chart");
    if (bar && d.completeness.units.length) {
      var b = echarts.init(bar, null, { renderer: "svg" });
      bar.style.height = Math.max(220, 26 * d.completeness.units.length + 60) + "px";
      b.resize();
      b.setOption({
        animation: false, tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 }, grid: { left: 150, right: 20, top: 30, bottom: 20 },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: d.completeness.units, inverse: true, axisLabel: { width: 140, overflow: "truncate" } },
        series: [
          { name: "已审核通过", type: "bar", stack: "t", data: d.completeness.approved, itemStyle: { color: "#1e8e3e" } },
          { name: "已提交待审", type: "bar", stack: "t", data: d.completeness.pending, itemStyle: { color: "#4a8fe7" } },
          { name: "未提交", type: "bar", stack: "t", data: d.completeness.missing, itemStyle: { color: "#d9d9d9" } }
        ]
      });
    }
  }

  function indicatorChart(el) {
    var d = data(el, "data-chart");
    if (!d || typeof echarts === "undefined") return;
    var vals = d.values.map(numeric);
    if (vals.every(function (v) { return v === null; })) { el.textContent = "暂无可绘制的数值"; el.classList.add("muted"); el.style.height = "auto"; return; }
    var c = echarts.init(el, null, { renderer: "svg" });
    var series = [{ name: d.name, type: "line", data: vals, label: { show: true }, symbolSize: 8,
                    lineStyle: { width: 3, color: "#1d6b45" }, itemStyle: { color: "#1d6b45" } }];
    if (typeof d.threshold === "number") {
      series[0].markLine = { symbol: "none", lineStyle: { color: "#c5221f", type: "dashed" },
                             label: { formatter: "目标 " + d.threshold + (d.unit || "") }, data: [{ yAxis: d.threshold }] };
    }
    c.setOption({
      animation: false, tooltip: { trigger: "axis" }, grid: { left: 60, right: 40, top: 30, bottom: 30 },
      xAxis: { type: "category", data: d.years.map(function (y) { return y + "年"; }) },
      yAxis: { type: "value", scale: true, name: d.unit || "",
               min: function (v) { return typeof d.threshold === "number" ? Math.min(v.min, d.threshold) : v.min; },
               max: function (v) { return typeof d.threshold === "number" ? Math.max(v.max, d.threshold) : v.max; } },
      series: series
    });
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
