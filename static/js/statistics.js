// 统计分析 (statistics page): draws the charts from the page's JSON (#stats-data). The tables beside the
// charts carry the same figures as text, so the page works without this script.
(function () {
  "use strict";
  const source = document.getElementById("stats-data");
  if (!source || typeof window.echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const charts = [];
  const percent = (v) => (v === null || v === undefined ? null : Math.round(v * 1000) / 10);

  function chart(id, option) {
    const element = document.getElementById(id);
    if (!element) return;
    const instance = window.echarts.init(element, null, { renderer: "canvas" });
    instance.setOption(Object.assign({ animation: false, textStyle: { fontSize: 13 } }, option));
    charts.push(instance);
  }

  const points = data.series.points;
  chart("chart-series", {
    color: ["#2b6cb0", "#38a169"],
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: points.map((p) => (data.series.unit === "day" ? p.period.slice(5) : p.period)) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: "收件", type: "line", data: points.map((p) => p.received), symbolSize: 6 },
      { name: "办结", type: "line", data: points.map((p) => p.finished), symbolSize: 6 },
    ],
  });

  const names = data.departments.map((d) => d.name);
  chart("chart-rates", {
    color: ["#2b6cb0", "#38a169", "#d69e2e"],
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: (v) => (v === null ? "—" : `${v}%`) },
    legend: { top: 0 },
    grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", data: names, inverse: true },
    series: [
      { name: "按时办结率", type: "bar", data: data.departments.map((d) => percent(d.on_time_rate)) },
      { name: "办结率", type: "bar", data: data.departments.map((d) => percent(Math.min(d.completion_rate ?? 0, 1))) },
      { name: "网上申报率", type: "bar", data: data.departments.map((d) => percent(d.online_share)),
        markLine: { symbol: "none", lineStyle: { type: "dashed", color: "#c53030" },
          label: { formatter: "目标 80%" }, data: [{ xAxis: data.goal * 100 }] } },
    ],
  });

  chart("chart-tff", {
    color: ["#2b6cb0", "#c53030"],
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "value", name: "工作日" },
    yAxis: { type: "category", data: data.tff.map((f) => f.label), inverse: true },
    series: [
      { name: "平均用时", type: "bar", data: data.tff.map((f) => f.avg_days) },
      { name: "目标", type: "bar", data: data.tff.map((f) => f.target_days) },
    ],
  });

  chart("chart-items", {
    color: ["#2b6cb0", "#805ad5", "#a0aec0"],
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "value", name: "工作日" },
    yAxis: { type: "category", data: data.items.map((i) => i.name), inverse: true },
    series: [
      { name: "平均用时", type: "bar", data: data.items.map((i) => i.avg_days_used) },
      { name: "90%用时", type: "bar", data: data.items.map((i) => i.p90_days_used) },
      { name: "承诺时限", type: "bar", data: data.items.map((i) => i.avg_days_committed) },
    ],
  });

  window.addEventListener("resize", () => charts.forEach((instance) => instance.resize()));
})();
