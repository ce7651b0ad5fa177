/* The leader dashboard's charts (Apache ECharts, vendored). The numbers come from data.json;
   the page carries the same JSON (#dashboard-data) so the charts draw even if the fetch fails.
   The tables beside the charts hold the same numbers, each a link to the list behind it. */
(function () {
  "use strict";
  var COLOURS = { red: "#d93025", yellow: "#f2a600", green: "#34a853" };
  var NAMES = { red: "红灯", yellow: "黄灯", green: "绿灯" };
  var KLASS_COLOURS = {
    done: "#188038", done_early: "#0b8043", ahead: "#1a73e8", on_track: "#34a853",
    behind: "#d93025", missing: "#f2a600", no_data: "#9aa0a6"
  };

  function sorted(units, key) {
    var rows = units.slice();
    if (key === "code") rows.sort(function (a, b) { return a.code < b.code ? -1 : 1; });
    else rows.sort(function (a, b) { return b[key] - a[key] || (a.code < b.code ? -1 : 1); });
    return rows;
  }

  function drawUnits(el, units, key) {
    var rows = sorted(units, key);
    el.style.height = Math.max(200, 26 * rows.length + 80) + "px";
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { data: ["红灯", "黄灯", "绿灯"], bottom: 0 },
      grid: { left: 150, right: 24, top: 16, bottom: 40 },
      xAxis: { type: "value", name: "事项", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.name; }) },
      series: ["red", "yellow", "green"].map(function (k) {
        return {
          name: NAMES[k], type: "bar", stack: "lights", itemStyle: { color: COLOURS[k] },
          data: rows.map(function (r) { return { value: r[k], url: r[k + "_url"], code: r.code }; })
        };
      })
    });
    chart.on("click", function (p) { if (p.data && p.data.url) window.location.href = p.data.url; });
    return chart;
  }

  function sortTable(key) {
    var body = document.querySelector("#units-table tbody");
    if (!body) return;
    var trs = Array.prototype.slice.call(body.querySelectorAll("tr[data-code]"));
    trs.sort(function (a, b) {
      if (key === "code") return a.dataset.code < b.dataset.code ? -1 : 1;
      return (+b.dataset[key]) - (+a.dataset[key]) || (a.dataset.code < b.dataset.code ? -1 : 1);
    });
    trs.forEach(function (tr) { body.appendChild(tr); });
  }

  function drawTrend(el, trend) {
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: ["按期办结率", "办结"], bottom: 0 },
      grid: { left: 56, right: 56, top: 28, bottom: 48 },
      xAxis: { type: "category", data: trend.map(function (r) { return r.month; }) },
      yAxis: [
        { type: "value", name: "%", min: 0, max: 100 },
        { type: "value", name: "承办记录", minInterval: 1 }
      ],
      series: [
        { name: "按期办结率", type: "line", data: trend.map(function (r) { return r.rate; }), connectNulls: false, itemStyle: { color: "#1a73e8" } },
        { name: "办结", type: "bar", yAxisIndex: 1, data: trend.map(function (r) { return { value: r.closed, url: r.closed_url }; }), itemStyle: { color: "#c6dafc" } }
      ]
    });
    chart.on("click", function (p) { if (p.data && p.data.url) window.location.href = p.data.url; });
    return chart;
  }

  function drawAgeing(el, ageing) {
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      grid: { left: 56, right: 24, top: 28, bottom: 32 },
      xAxis: { type: "category", data: ageing.map(function (a) { return a.label; }) },
      yAxis: { type: "value", name: "承办记录", minInterval: 1 },
      series: [{ name: "逾期承办记录", type: "bar", label: { show: true, position: "top" },
        data: ageing.map(function (a, i) { return { value: a.tracks, url: a.url, itemStyle: { color: ["#f28b82", "#e8710a", "#b31412"][i] } }; }) }]
    });
    chart.on("click", function (p) { if (p.data && p.data.url) window.location.href = p.data.url; });
    return chart;
  }

  function drawTargets(el, targets) {
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item" },
      series: [{ name: "指标", type: "pie", radius: ["40%", "70%"],
        data: targets.classes.filter(function (c) { return c.count; }).map(function (c) {
          return { name: c.label, value: c.count, url: c.url, itemStyle: { color: KLASS_COLOURS[c.klass] } };
        }) }]
    });
    chart.on("click", function (p) { if (p.data && p.data.url) window.location.href = p.data.url; });
    return chart;
  }

  function draw(d) {
    if (typeof echarts === "undefined") return;
    var charts = window.dubanCharts = window.dubanCharts || {};
    Object.keys(charts).forEach(function (k) { charts[k].dispose(); delete charts[k]; });
    var sel = document.getElementById("units-sort");
    var key = sel ? sel.value : "red";
    var u = document.getElementById("units-chart");
    if (u && d.units.length) charts.units = drawUnits(u, d.units, key);
    sortTable(key);
    var t = document.getElementById("trend-chart");
    if (t) charts.trend = drawTrend(t, d.trend);
    var a = document.getElementById("ageing-chart");
    if (a) charts.ageing = drawAgeing(a, d.ageing);
    var g = document.getElementById("targets-chart");
    if (g && d.targets.total) charts.targets = drawTargets(g, d.targets);
    document.documentElement.dataset.chartsDrawn = "1";
  }

  function start() {
    var embedded = document.getElementById("dashboard-data");
    if (!embedded) return;
    var data = JSON.parse(embedded.textContent);
    draw(data);
    var sel = document.getElementById("units-sort");
    if (sel) sel.addEventListener("change", function () {
      if (window.dubanCharts.units) window.dubanCharts.units.dispose();
      var u = document.getElementById("units-chart");
      if (u && data.units.length) window.dubanCharts.units = drawUnits(u, data.units, sel.value);
      sortTable(sel.value);
    });
    window.addEventListener("resize", function () {
      var charts = window.dubanCharts || {};
      Object.keys(charts).forEach(function (k) { charts[k].resize(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
