/* The target page: the trajectory and shares charts (Apache ECharts, vendored) and the
   allocation form's live sum. The numbers come from chart.json; the page carries the same JSON
   (#chart-data) so the charts draw even if the fetch fails. Tables beside the charts hold the
   same numbers for screen readers and printing. */
(function () {
  "use strict";
  var KLASS_COLOURS = {
    done: "#188038", done_early: "#0b8043", ahead: "#1a73e8", on_track: "#34a853",
    behind: "#d93025", missing: "#f2a600", no_data: "#9aa0a6"
  };

  function month(iso) { return iso.slice(0, 7); }

  function drawTrajectory(el, d) {
    var labels = d.periods.map(month);
    var last = d.periods.length - 1;
    // The forecast: a dashed line from the latest figure to the year-end value.
    var forecast = d.periods.map(function () { return null; });
    if (d.forecast && d.forecast.value !== null) {
      for (var i = last; i >= 0; i--) {
        if (d.actual[i] !== null) { forecast[i] = d.actual[i]; break; }
      }
      forecast[last] = d.forecast.value;
    }
    var markLines = [{ yAxis: d.target, name: "目标" }];
    if (d.target_max !== null && d.target_max !== undefined) markLines.push({ yAxis: d.target_max, name: "上限" });
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: ["序时进度", "实际完成", "预计全年"], bottom: 0 },
      grid: { left: 56, right: 24, top: 28, bottom: 48 },
      xAxis: { type: "category", data: labels, boundaryGap: false },
      yAxis: { type: "value", name: d.unit_label || "" },
      series: [
        { name: "序时进度", type: "line", data: d.expected, lineStyle: { type: "dashed", color: "#9aa0a6" }, itemStyle: { color: "#9aa0a6" }, symbol: "none",
          markLine: { symbol: "none", label: { position: "insideEndTop", formatter: "目标 {c}" }, lineStyle: { color: "#b71c1c" }, data: markLines } },
        { name: "实际完成", type: "line", data: d.actual, connectNulls: true, itemStyle: { color: KLASS_COLOURS[d.klass] || "#1a73e8" }, symbolSize: 8 },
        { name: "预计全年", type: "line", data: forecast, connectNulls: true, lineStyle: { type: "dotted" }, itemStyle: { color: "#5f6368" } }
      ]
    });
    return chart;
  }

  function drawShares(el, d) {
    var kids = d.children || [];
    el.style.height = Math.max(160, 28 * kids.length + 60) + "px";
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
      grid: { left: 96, right: 40, top: 16, bottom: 24 },
      xAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", inverse: true, data: kids.map(function (c) { return c.unit; }) },
      series: [{
        type: "bar", name: "完成率",
        data: kids.map(function (c) { return { value: c.completion, itemStyle: { color: KLASS_COLOURS[c.klass] || "#1a73e8" } }; }),
        label: { show: true, position: "right", formatter: "{c}%" }
      }]
    });
    return chart;
  }

  function draw(d) {
    if (typeof echarts === "undefined") return;
    var charts = window.dubanCharts = window.dubanCharts || {};
    var t = document.getElementById("trajectory-chart");
    if (t) { if (charts.trajectory) charts.trajectory.dispose(); charts.trajectory = drawTrajectory(t, d); }
    var s = document.getElementById("shares-chart");
    if (s && d.children && d.children.length) { if (charts.shares) charts.shares.dispose(); charts.shares = drawShares(s, d); }
    window.addEventListener("resize", function () {
      Object.keys(charts).forEach(function (k) { charts[k].resize(); });
    });
    document.documentElement.dataset.chartsDrawn = "1";
  }

  function charts() {
    var el = document.getElementById("trajectory-chart");
    var embedded = document.getElementById("chart-data");
    if (!el) return;
    var fallback = embedded ? JSON.parse(embedded.textContent) : null;
    fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(draw)
      .catch(function () { if (fallback) draw(fallback); });
  }

  function allocation() {
    var form = document.getElementById("allocate-form");
    if (!form) return;
    var whole = parseFloat(form.dataset.whole);
    var sumEl = document.getElementById("alloc-sum");
    var diffEl = document.getElementById("alloc-diff");
    function fmt(n) { return String(Math.round(n * 100) / 100); }
    function update() {
      var sum = 0;
      form.querySelectorAll("input.share-value").forEach(function (i) {
        var v = parseFloat(i.value);
        if (!isNaN(v)) sum += v;
      });
      var diff = sum - whole;
      sumEl.textContent = fmt(sum);
      diffEl.textContent = (diff > 0 ? "+" : "") + fmt(diff);
      diffEl.className = diff < 0 ? "late" : "ok";
    }
    form.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () { charts(); allocation(); });
})();
