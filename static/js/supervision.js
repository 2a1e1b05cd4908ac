// E-monitoring dashboard (电子监察 · 实时监察): draws the charts from the page's JSON (#dash-data) and
// refreshes the body every data-refresh seconds without a reload. The tables beside the charts carry
// the same numbers as text and links, so the page works without this script.
(function () {
  "use strict";
  const root = document.getElementById("dash");
  if (!root || typeof window.echarts === "undefined") return;
  const status = document.getElementById("refresh-status");
  const seconds = Math.max(30, Math.min(60, parseInt(root.dataset.refresh, 10) || 45));
  const palette = ["#2b6cb0", "#38a169", "#d69e2e", "#805ad5", "#dd6b20", "#319795", "#718096"];
  let charts = [];

  function query(base, params) {
    const search = new URLSearchParams();
    Object.entries(params).forEach(([key, value]) => { if (value) search.set(key, value); });
    const text = search.toString();
    return text ? `${base}?${text}` : base;
  }

  function chart(id, option, onClick) {
    const element = document.getElementById(id);
    if (!element) return;
    const instance = window.echarts.init(element, null, { renderer: "canvas" });
    instance.setOption(Object.assign({ animation: false, textStyle: { fontSize: 13 } }, option));
    if (onClick) instance.on("click", onClick);
    charts.push(instance);
  }

  function draw() {
    charts.forEach((instance) => instance.dispose());
    charts = [];
    const source = document.getElementById("dash-data");
    if (!source) return;
    const data = JSON.parse(source.textContent);
    const names = data.departments.map((d) => d.name);
    const go = (url) => { window.location.href = url; };

    chart("chart-states", {
      color: palette,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: names, inverse: true },
      series: data.states.map((s) => ({
        name: s.label, type: "bar", stack: "cases", data: data.departments.map((d) => d.states[s.state] || 0),
      })),
    }, (event) => {
      const department = data.departments[event.dataIndex];
      go(query(data.urls.cases, { department: department.code, state: data.states[event.seriesIndex].state }));
    });

    const cells = [];
    data.departments.forEach((d, row) => data.cards.forEach((c, col) => cells.push([col, row, d.cards[c.key] || 0])));
    const max = Math.max(1, ...cells.map((cell) => cell[2]));
    chart("chart-heatmap", {
      tooltip: { formatter: (p) => `${names[p.value[1]]} · ${data.cards[p.value[0]].label}：${p.value[2]} 件` },
      grid: { left: 8, right: 16, top: 8, bottom: 48, containLabel: true },
      xAxis: { type: "category", data: data.cards.map((c) => c.label), splitArea: { show: true } },
      yAxis: { type: "category", data: names, inverse: true, splitArea: { show: true } },
      visualMap: { min: 0, max: max, calculable: false, orient: "horizontal", left: "center", bottom: 0,
        inRange: { color: ["#f7fafc", "#f6e05e", "#c53030"] } },
      series: [{ type: "heatmap", data: cells, label: { show: true } }],
    }, (event) => {
      const card = data.cards[event.value[0]];
      go(query(data.urls.warnings, { department: data.departments[event.value[1]].code, kind: card.kind, level: card.level }));
    });

    const days = data.flow.map((f) => f.day.slice(5));
    chart("chart-flow", {
      color: ["#2b6cb0", "#38a169"],
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: days },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: "收件", type: "line", data: data.flow.map((f) => f.received), symbolSize: 8 },
        { name: "办结", type: "line", data: data.flow.map((f) => f.finished), symbolSize: 8 },
      ],
    }, (event) => {
      const key = event.seriesIndex === 0 ? "received" : "finished";
      go(query(data.urls.cases, { [key]: data.flow[event.dataIndex].day }));
    });

    chart("chart-slowest", {
      color: ["#c05621", "#a0aec0"],
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value", name: "工作日" },
      yAxis: { type: "category", data: data.slowest.map((s) => s.name), inverse: true },
      series: [
        { name: "平均用时", type: "bar", data: data.slowest.map((s) => s.used) },
        { name: "承诺时限", type: "bar", data: data.slowest.map((s) => s.committed) },
      ],
    }, (event) => go(data.slowest[event.dataIndex].url));
  }

  async function refresh() {
    try {
      const response = await fetch(root.dataset.src, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (response.redirected || !response.ok) throw new Error(String(response.status));
      root.innerHTML = await response.text();
      draw();
      if (status) status.textContent = `本页每 ${seconds} 秒自动更新，无需刷新页面。`;
    } catch (error) {
      if (status) status.textContent = "自动更新失败（网络或登录已过期），稍后重试；也可以刷新页面。";
    }
  }

  draw();
  root.addEventListener("dash:refresh", refresh); // for a "refresh now" and for the browser tests
  window.addEventListener("resize", () => charts.forEach((instance) => instance.resize()));
  window.setInterval(refresh, seconds * 1000);
})();
