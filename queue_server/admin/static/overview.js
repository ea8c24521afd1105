// 概览, the landing tab: today's figures at a glance, arrivals and served per hour, each service's queue against the
// service-level target (20 min), and how well the kiosk's quoted waits held. Plain SVG, no library (no internet).
"use strict";
const SLA_MIN = 20;  // the common service-level target: nobody waits more than 20 minutes (DOMAIN.md)

function today() {
  const hallDay = Admin.hallDay;  // the hall's business day from /api/hall, not the browser's clock
  return hallDay || new Date().toISOString().slice(0, 10);
}

function slaClass(minutes) {
  if (minutes === null || minutes === undefined) return "";
  return minutes > SLA_MIN ? "sla-over" : minutes > SLA_MIN * 0.75 ? "sla-near" : "sla-ok";
}

// Vertical bars per hour: arrivals (tickets issued) and served (finished) side by side.
function hourlyChart(target, rows) {
  const width = 720, height = 220, left = 34, bottom = 24, top = 10;
  const hours = rows.map((r) => r.key);
  const max = Math.max(5, ...rows.map((r) => Math.max(r.tickets, r.served_in_hour)));
  const chart = svg("svg", {viewBox: `0 0 ${width} ${height + 22}`, role: "img", "aria-label": "各时段取号与办结"});
  const slot = (width - left) / Math.max(1, hours.length), bar = Math.min(22, slot / 2 - 3);
  const scale = (v) => (height - bottom - top) * v / max;
  for (const tick of [0, Math.round(max / 2), max]) {
    const y = height - bottom - scale(tick);
    chart.append(svg("line", {x1: left, x2: width, y1: y, y2: y, stroke: "#e6eaef"}));
    chart.append(svg("text", {x: left - 4, y: y + 4, "font-size": 11, "text-anchor": "end"}, String(tick)));
  }
  rows.forEach((r, i) => {
    const x = left + i * slot + slot / 2;
    [["tickets", "#1565c0", -bar - 1], ["served_in_hour", "#2e7d32", 1]].forEach(([field, color, dx]) => {
      const h = scale(r[field]);
      chart.append(svg("rect", {x: x + dx, y: height - bottom - h, width: bar, height: h, fill: color,
                                "data-field": field, "data-hour": r.key}));
    });
    chart.append(svg("text", {x, y: height - 8, "font-size": 11, "text-anchor": "middle"}, `${r.key}时`));
  });
  [["取号", "#1565c0"], ["办结", "#2e7d32"]].forEach(([label, color], j) => {
    chart.append(svg("rect", {x: left + j * 80, y: height + 8, width: 12, height: 12, fill: color}));
    chart.append(svg("text", {x: left + j * 80 + 16, y: height + 18, "font-size": 12}, label));
  });
  $(target).replaceChildren(hours.length ? chart : el("p", {className: "muted", textContent: "今日暂无数据"}));
}

function card(id, label, value, tone) {
  return el("div", {className: "card " + (tone || ""), id}, label, el("b", {textContent: value}));
}

Admin.loaders.overview = async () => {
  const hall = await (await fetch("/api/hall")).json();
  Admin.hallDay = hall.hall.business_day;
  const day = {from: today(), to: today()};
  const [kpis, hourly, cases] = await Promise.all([
    api("/api/kpis" + query(day)), api("/api/kpis/breakdown" + query({...day, by: "hour"})),
    api("/api/rectifications" + query({state: "open"}))]);
  const waiting = hall.services.reduce((n, s) => n + s.waiting, 0);
  const longest = Math.max(0, ...hall.services.map((s) => s.longest_wait_min || 0));
  const staffed = hall.windows.filter((w) => w.staffed).length;
  const openUnstaffed = hall.windows.filter((w) => !w.staffed && (w.state === "open" || w.tidal)).length;
  $("ov-cards").replaceChildren(
    card("ov-tickets", "今日取号", kpis.tickets), card("ov-served", "已办结", kpis.served),
    card("ov-waiting", "正在等候", waiting),
    card("ov-longest", "当前最长等候", waiting ? longest + " 分钟" : "—", slaClass(waiting ? longest : null)
      .replace("sla-over", "bad").replace("sla-near", "warn").replace("sla-ok", "")),
    card("ov-staffed", "在岗窗口", `${staffed} / ${hall.windows.length}`, openUnstaffed ? "warn" : ""),
    card("ov-good", "好评率", pct(kpis.good_rate)),
    card("ov-cases", "未办结差评", cases.length, cases.some((c) => c.overdue) ? "bad" : ""));
  hourlyChart("ov-hourly", hourly.rows);
  $("ov-target").textContent = SLA_MIN;
  const queues = hall.services.filter((s) => s.waiting > 0)
    .sort((a, b) => (b.longest_wait_min || 0) - (a.longest_wait_min || 0));
  fill("ov-queues", queues.map((s) => {
    const tr = row([s.name, s.waiting + " 人", (s.longest_wait_min ?? "—") + " 分钟", "约 " + s.estimated_wait_min + " 分钟"]);
    tr.children[2].className = slaClass(s.longest_wait_min) + " nowrap";
    tr.children[3].className = slaClass(s.estimated_wait_min) + " nowrap";
    tr.dataset.sla = slaClass(Math.max(s.longest_wait_min || 0, s.estimated_wait_min || 0));
    return tr;
  }));
  $("ov-accuracy").textContent = kpis.estimated_tickets
    ? `已叫号的 ${kpis.estimated_tickets} 张号票中，实际等候与取号时告知相差 5 分钟以内的占 ` +
      `${pct(kpis.estimate_within_5_min_rate)}；平均相差 ${kpis.estimate_mae_min.toFixed(1)} 分钟，` +
      (kpis.estimate_bias_min >= 0 ? `实际平均比告知多等 ${kpis.estimate_bias_min.toFixed(1)} 分钟。`
                                   : `实际平均比告知少等 ${(-kpis.estimate_bias_min).toFixed(1)} 分钟。`)
    : "今日暂无数据";
};

document.addEventListener("DOMContentLoaded", () => {
  Admin.listeners.push((event, data, busy) => {
    if (!busy && Admin.tab === "overview" && event.startsWith("ticket.")) Admin.loaders.overview().catch(() => {});
  });
});
