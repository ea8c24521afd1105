// KPI page (cards, inline SVG bar charts, the breakdown table, the unit ranking) and the export links.
"use strict";
const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// Grouped horizontal bars: one group per row, one bar per series; values in [0, max].
function barChart(target, rows, series, max, format) {
  const barH = 14, gap = 10, left = 130, width = 640;
  const groupH = series.length * barH + gap;
  const chart = svg("svg", {viewBox: `0 0 ${width} ${Math.max(1, rows.length) * groupH + 24}`, role: "img"});
  rows.forEach((r, i) => {
    const y0 = i * groupH;
    chart.append(svg("text", {x: 0, y: y0 + barH, "font-size": 12}, String(r.name ?? r.key).slice(0, 10)));
    series.forEach((s, j) => {
      const v = r[s.field];
      const w = v === null || v === undefined ? 0 : Math.max(1, (width - left - 70) * Math.min(v, max) / max);
      const y = y0 + j * barH;
      chart.append(svg("rect", {x: left, y, width: w, height: barH - 2, fill: s.color, "data-field": s.field}));
      chart.append(svg("text", {x: left + w + 4, y: y + barH - 4, "font-size": 11}, v === null ? "—" : format(v)));
    });
  });
  const legendY = rows.length * groupH + 16;
  series.forEach((s, j) => {
    chart.append(svg("rect", {x: left + j * 110, y: legendY - 10, width: 12, height: 12, fill: s.color}));
    chart.append(svg("text", {x: left + j * 110 + 16, y: legendY, "font-size": 12}, s.label));
  });
  $(target).replaceChildren(chart);
}

const KPI_CARDS = [["tickets", "取号数"], ["served", "办结数"], ["no_shows", "过号数"], ["mean_wait_min", "平均等候（分）"],
  ["p90_wait_min", "90%等候（分）"], ["share_over_20_min", "等候超20分钟", true], ["good_rate", "好评率", true],
  ["bad_rate", "差评率", true], ["active_review_rate", "主动评价率", true], ["unrated_rate", "未评价率", true],
  ["on_time_rectification_rate", "按期整改率", true], ["rectification_satisfaction_rate", "整改满意率", true],
  ["complaints_on_time_rate", "诉求按期办结率", true]];

Admin.loaders.kpis = async () => {
  const range = {from: $("kpi-from").value, to: $("kpi-to").value};
  const by = $("kpi-by").value;
  const total = await api("/api/kpis" + query(range));
  $("kpi-cards").replaceChildren(...KPI_CARDS.map(([field, label, rate]) => el("div", {className: "card"}, label,
    el("b", {textContent: rate ? pct(total[field]) : (total[field] ?? "—"), id: "kpi-" + field}))));
  const breakdown = await api("/api/kpis/breakdown" + query({...range, by}));
  barChart("chart-rates", breakdown.rows, [{field: "good_rate", label: "好评率", color: "#2e7d32"},
    {field: "bad_rate", label: "差评率", color: "#c62828"}], 1, pct);
  const maxWait = Math.max(20, ...breakdown.rows.map((r) => r.mean_wait_min || 0));
  barChart("chart-wait", breakdown.rows, [{field: "mean_wait_min", label: "平均等候", color: "#1565c0"},
    {field: "p90_wait_min", label: "90%等候", color: "#90caf9"}], maxWait, (v) => v.toFixed(1));
  const cols = [["name", "分组"], ["tickets", "取号"], ["served", "办结"], ["no_shows", "过号"], ["mean_wait_min", "平均等候"],
    ["share_over_20_min", "超20分钟", true], ["good_rate", "好评率", true], ["bad_rate", "差评率", true],
    ["active_review_rate", "主动评价率", true], ["unrated_rate", "未评价率", true],
    ["on_time_rectification_rate", "按期整改率", true], ["rectification_satisfaction_rate", "整改满意率", true],
    ["complaints_on_time_rate", "诉求按期率", true]];
  $("kpi-head").replaceChildren(el("tr", {}, ...cols.map(([, label]) => el("th", {textContent: label}))));
  fill("kpi-rows", breakdown.rows.map((r) => row(cols.map(([f, , rate]) => rate ? pct(r[f]) : (r[f] ?? "—")))));
  const ranking = await api("/api/kpis/ranking" + (range.from || range.to ? query(range) : ""));
  // A unit with no served ticket is listed as 无数据, never ranked (see queue_server/reviews/ranking.py).
  fill("rank-rows", ranking.rows.map((r) => row([r.rank ?? "—", r.name, r.no_data ? "无数据" : r.score.toFixed(2), pct(r.good_rate),
    pct(r.on_time_rectification_rate), pct(r.complaints_on_time_rate), pct(r.share_over_20_min)])));
};

const EXPORTS = {reviews: "评价台账", rectifications: "差评整改台账", complaints: "有诉即办台账",
                 followups: "企业回访台账", gbt39046: "好差评数据（GB/T 39046 格式）"};

async function download(ledger, fmt) {
  const range = {from: $("ex-from").value, to: $("ex-to").value};
  const r = await api(`/api/exports/${ledger}.${fmt}` + query(range), {raw: true});
  const blob = await r.blob();
  const link = el("a", {href: URL.createObjectURL(blob), download: `${EXPORTS[ledger]}.${fmt}`});
  document.body.append(link); link.click(); link.remove();
}

Admin.loaders.exports = async () => {
  $("export-links").replaceChildren(...Object.entries(EXPORTS).map(([ledger, name]) => el("div", {className: "card"},
    name + " ", button("CSV", () => download(ledger, "csv").catch((e) => alert(e.message))),
    " ", button("Excel", () => download(ledger, "xlsx").catch((e) => alert(e.message))))));
};

document.addEventListener("DOMContentLoaded", () => {
  $("kpi-search").addEventListener("click", () => show("kpis"));
});
