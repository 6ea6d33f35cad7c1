// The dashboard's charts, drawn by Apache ECharts (served by the app) from the figures the
// page carries as JSON; every chart's table stays on the page for screen readers and printing.
// A bar of an area below opens that area's dashboard (drill-down).
(function () {
  "use strict";
  function draw() {
    var data = JSON.parse(document.getElementById("dashboard-data").textContent);
    var nodes = document.querySelectorAll("[data-chart]");
    nodes.forEach(function (node) {
      var parts = node.getAttribute("data-chart").split(":");
      var chart = data[parts[0]].charts[Number(parts[1])];
      if (!chart.categories.length) {
        node.hidden = true;
        return;
      }
      var instance = echarts.init(node, null, { renderer: "svg" });
      var option;
      if (chart.kind === "pie") {
        option = {
          tooltip: { trigger: "item" },
          series: [{
            type: "pie", radius: "65%",
            data: chart.categories.map(function (c, i) {
              return { name: c, value: chart.series[0].data[i] };
            }),
          }],
        };
      } else {
        option = {
          tooltip: { trigger: "axis" },
          legend: chart.series.length > 1 ? { top: 0 } : undefined,
          grid: { left: 8, right: 8, top: chart.series.length > 1 ? 32 : 12, bottom: 8, containLabel: true },
          xAxis: { type: "category", data: chart.categories, axisLabel: { interval: 0, rotate: chart.categories.length > 6 ? 40 : 0 } },
          yAxis: { type: "value", name: chart.unit },
          series: chart.series.map(function (s) {
            return { name: s.name, type: chart.kind, data: s.data, connectNulls: false };
          }),
        };
      }
      instance.setOption(option);
      // The chart drawn, its table folds away behind a button (it stays in print).
      var figure = node.closest("figure");
      var table = figure.querySelector(".dash-chart-table");
      var toggle = figure.querySelector(".dash-toggle");
      table.classList.add("folded");
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var folded = table.classList.toggle("folded");
        toggle.textContent = toggle.getAttribute(folded ? "data-show" : "data-hide");
        toggle.setAttribute("aria-expanded", String(!folded));
      });
      if (chart.links && chart.links.length) {
        node.classList.add("drill");
        instance.on("click", function (params) {
          var url = chart.links[params.dataIndex];
          if (url) window.location.href = url;
        });
      }
      window.addEventListener("resize", function () { instance.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
