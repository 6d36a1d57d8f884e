/* liangshan county map: the layers from the page's JSON drawn with the vendored ECharts (registerMap of the
   uploaded polygons, scatter points on the same geo). No tiles, nothing from the internet; no inline scripts. */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function say(el, text) {
    el.textContent = text;
    el.classList.add("muted");
    el.style.height = "auto";
  }

  function draw(el, d) {
    var areas = [], regions = [], series = [], seen = {};
    d.layers.forEach(function (ly) {
      if (ly.kind !== "area") return;
      ly.features.forEach(function (f, i) {
        if (f.geometry.type === "Point") return;
        var name = ly.label + "·" + (f.name || i + 1);
        while (seen[name]) name += "′";
        seen[name] = true;
        areas.push({ type: "Feature", properties: { name: name }, geometry: f.geometry });
        var boundary = ly.key === "boundary";
        regions.push({
          name: name,
          itemStyle: {
            areaColor: boundary ? "#eef3ee" : f.color, opacity: boundary ? 1 : 0.55,
            borderColor: boundary ? "#3d5a45" : f.color, borderWidth: boundary ? 1.5 : 0.6
          },
          label: { show: false }
        });
      });
    });
    if (!areas.length) { say(el, "尚未上传县界或面图层，无法绘制地图；右侧列表列出已有点位。"); return; }
    var mapName = "liangshan-county-" + d.region;
    echarts.registerMap(mapName, { type: "FeatureCollection", features: areas });
    var symbols = { stations: "circle", sections: "triangle", sources: "diamond", sites: "pin", cases: "rect" };
    d.layers.forEach(function (ly) {
      var pts = ly.features.filter(function (f) { return f.geometry.type === "Point"; });
      if (!pts.length) return;
      series.push({
        name: ly.label, type: "scatter", coordinateSystem: "geo",
        symbol: symbols[ly.key] || "circle", symbolSize: ly.key === "sites" ? 18 : 11,
        label: { show: pts.length <= 12, formatter: "{b}", position: "right", fontSize: 11, color: "#222" },
        labelLayout: { hideOverlap: true },
        data: pts.map(function (f) {
          return { name: f.name, value: f.geometry.coordinates.slice(0, 2), status: f.status, itemStyle: { color: f.color, borderColor: "#fff", borderWidth: 1 } };
        })
      });
    });
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: {
        trigger: "item", confine: true,
        formatter: function (p) {
          if (p.seriesType === "scatter") {
            var st = p.data.status ? "<br>状态：" + p.data.status : "";
            return p.seriesName + "<br>" + p.name + st;
          }
          return p.name;
        }
      },
      legend: { type: "scroll", top: 0, left: 0, right: 0 },
      geo: { map: mapName, roam: true, top: 40, bottom: 10, silent: false, regions: regions,
        itemStyle: { areaColor: "#eef3ee", borderColor: "#3d5a45" }, emphasis: { disabled: true } },
      series: series
    });
    el.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  onReady(function () {
    var el = document.getElementById("county-map");
    if (!el) return;
    if (typeof echarts === "undefined") { say(el, "地图组件未加载"); return; }
    fetch(el.getAttribute("data-src"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (!r.ok) { return r.json().then(function (j) { throw new Error(j.detail || ("HTTP " + r.status)); }); }
        return r.json();
      })
      .then(function (d) { draw(el, d); })
      .catch(function (err) { say(el, "无法绘制地图：" + err.message); });
  });
})();
