/* liangshan roll-up page: choropleth of the children from the user's GeoJSON (ECharts registerMap;
   no tiles, nothing from the internet). No inline scripts (CSP script-src 'self'). */
(function () {
  "use strict";
  var COLORS = { "达标": "#1e8e3e", "基本达标": "#e8a33d", "未达标": "#c5221f", "数据缺失": "#6b4fbb", "不适用": "#9aa0a6" };

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function say(el, text) {
    el.textContent = text;
    el.classList.add("muted");
    el.style.height = "auto";
  }

  function draw(el, d, geo) {
    var mapName = "liangshan-" + d.region;
    echarts.registerMap(mapName, geo);
    var byCode = {};
    d.items.forEach(function (it) { byCode[it.code] = it; });
    var data = d.items.map(function (it) {
      var item = { name: it.code, value: it.value === null ? NaN : it.value };
      if (d.mode === "verdict") {
        item.itemStyle = { areaColor: COLORS[it.verdict] || "#eeeeee" };
      }
      return item;
    });
    var option = {
      animation: false,
      tooltip: {
        trigger: "item", confine: true,
        formatter: function (p) {
          var it = byCode[p.name];
          if (!it) return p.name;
          var lines = [it.name + "（" + it.code + "）", "排名 " + it.rank];
          if (it.verdict) lines.push("结论 " + it.verdict);
          if (it.shown !== undefined && it.shown !== null) lines.push("数值 " + it.shown);
          lines.push(d.label + " " + (it.value === null ? "—" : it.value));
          return lines.join("<br>");
        }
      },
      series: [{
        type: "map", map: mapName, nameProperty: "code", roam: true, selectedMode: false,
        label: { show: true, fontSize: 11, formatter: function (p) { var it = byCode[p.name]; return it ? it.name : ""; } },
        itemStyle: { borderColor: "#ffffff", borderWidth: 1, areaColor: "#eeeeee" },
        emphasis: { label: { show: true }, itemStyle: { areaColor: "#4a8fe7" } },
        data: data
      }]
    };
    if (d.mode !== "verdict") {
      option.visualMap = {
        type: "continuous", min: 0, max: d.max, calculable: false, right: 10, bottom: 10,
        text: [String(d.max), "0"], itemHeight: 120,
        inRange: { color: ["#f4b4ae", "#fff3c4", "#1e8e3e"] }, outOfRange: { color: "#eeeeee" }
      };
    }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  onReady(function () {
    var root = document.getElementById("rollup");
    var el = document.getElementById("rollup-map");
    if (!root || !el) return;
    if (typeof echarts === "undefined") { say(el, "地图组件未加载"); return; }
    var d;
    try { d = JSON.parse(root.getAttribute("data-map") || "null"); } catch (e) { d = null; }
    if (!d) return;
    fetch(root.getAttribute("data-boundaries"), { credentials: "same-origin", headers: { "Accept": "application/geo+json, application/json" } })
      .then(function (r) {
        if (!r.ok) { return r.json().then(function (j) { throw new Error(j.detail || ("HTTP " + r.status)); }); }
        return r.json();
      })
      .then(function (geo) { draw(el, d, geo); el.setAttribute("data-drawn", "1"); })
      .catch(function (err) { say(el, "无法绘制地图：" + err.message); });
  });
})();
