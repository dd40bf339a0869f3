/* The help-request figures drawn with Apache ECharts (static/vendor/echarts, no CDN). The
   data and the labels come from <script type="application/json"> elements the page renders
   (no inline script: the Content-Security-Policy allows scripts from the portal only). */
"use strict";

(function () {
  const source = document.getElementById("figures-data");
  const words = document.getElementById("figures-labels");
  if (!source || !words || typeof window.echarts === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const labels = JSON.parse(words.textContent);
  const charts = [];
  // Tooltips drawn on the canvas: an HTML tooltip would carry inline styles the CSP refuses.
  const tooltip = { trigger: "axis", renderMode: "richText", confine: true };
  const grid = { left: 8, right: 8, top: 64, bottom: 8, containLabel: true };
  const legend = { top: 0, type: "scroll" };

  function draw(id, option) {
    const element = document.getElementById(id);
    if (!element) {
      return;
    }
    const chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(Object.assign({ animation: false, tooltip: tooltip, grid: grid, legend: legend }, option));
    charts.push(chart);
  }

  function column(rows, name) {
    return rows.map((row) => row[name]);
  }

  function top(rows, count) {
    return rows.slice(0, count);
  }

  const weeks = data.by_week;
  draw("chart-weeks", {
    xAxis: { type: "category", data: column(weeks, "label") },
    yAxis: [
      { type: "value", name: labels.requests, minInterval: 1 },
      { type: "value", name: labels.hours, splitLine: { show: false } },
    ],
    series: [
      { name: labels.raised, type: "bar", data: column(weeks, "raised") },
      { name: labels.solved, type: "bar", data: column(weeks, "solved") },
      { name: labels.first_response, type: "line", yAxisIndex: 1, connectNulls: true,
        data: column(weeks, "median_first_response_hours") },
      { name: labels.resolution, type: "line", yAxisIndex: 1, connectNulls: true,
        data: column(weeks, "median_resolution_hours") },
    ],
  });

  function ranking(id, rows, count) {
    const shown = top(rows, count).reverse();
    draw(id, {
      tooltip: Object.assign({}, tooltip, { axisPointer: { type: "shadow" } }),
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: column(shown, "label"), axisLabel: { interval: 0, width: 110, overflow: "truncate" } },
      series: [
        { name: labels.solved, type: "bar", stack: "all", data: column(shown, "solved") },
        { name: labels.pending, type: "bar", stack: "all", data: column(shown, "pending") },
      ],
    });
  }

  ranking("chart-officials", data.by_official, 15);
  ranking("chart-spectra", data.by_spectrum, 12);

  const categories = data.by_category;
  draw("chart-categories", {
    tooltip: Object.assign({}, tooltip, { axisPointer: { type: "shadow" } }),
    xAxis: { type: "category", data: column(categories, "label"), axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: "value", name: labels.hours },
    series: [
      { name: labels.first_response, type: "bar", data: column(categories, "median_first_response_hours") },
      { name: labels.resolution, type: "bar", data: column(categories, "median_resolution_hours") },
    ],
  });

  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
})();
