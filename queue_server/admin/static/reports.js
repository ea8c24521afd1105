// The 季度通报 tab (the quarter's bulletin as tables, the same content as the Word file it links to) and the 操作日志
// tab (the day's ticket and window log for supervision: filters, pages, export). See docs/duties.md.
"use strict";
// The bulletin's unit columns, as queue_server/bulletin/report.py UNIT_COLUMNS: field, heading, kind.
const BULLETIN_UNIT_COLUMNS = [
  ["tickets", "取号", "count"], ["served", "办结", "count"], ["mean_wait_min", "平均等候（分钟）", "min"],
  ["good_rate", "好评率", "rate"], ["active_review_rate", "主动评价率", "rate"],
  ["on_time_rectification_rate", "差评按期整改率", "rate"], ["rectification_satisfaction_rate", "整改满意率", "rate"],
  ["complaints_on_time_rate", "有诉即办按期办结率", "rate"], ["case_on_time_rate", "承诺件按时办结率", "rate"],
  ["practices", "服务举措（次）", "count"], ["training_sessions", "培训（次）", "count"]];
const OPLOG_PAGE = 50;
const Oplog = {offset: 0, total: 0};

function figure(value, kind) {
  if (value === null || value === undefined) return "—";
  if (kind === "rate") return pct(value);
  if (kind === "min") return Number(value).toFixed(1);
  return String(value);
}

// One titled table of the bulletin; an empty list still shows its table, saying 暂无数据.
function bulletinTable(title, headings, rows, lateRows) {
  const body = el("tbody");
  const table = el("table", {}, el("thead", {}, el("tr", {}, ...headings.map((h) => el("th", {textContent: h})))), body);
  if (rows.length) body.append(...rows.map((cells) => row(cells, lateRows)));
  else body.append(el("tr", {className: "no-data"}, el("td", {colSpan: headings.length, textContent: "暂无数据"})));
  return el("div", {className: "bulletin-part"}, el("h3", {textContent: title}), table);
}

function totalsCards(t) {
  const cards = [["取号（人次）", t.tickets], ["办结（件）", t.served], ["平均等候（分钟）", figure(t.mean_wait_min, "min")],
                 ["好评率", pct(t.good_rate)], ["主动评价率", pct(t.active_review_rate)],
                 ["差评按期整改率", pct(t.on_time_rectification_rate)], ["有诉即办按期办结率", pct(t.complaints_on_time_rate)]];
  return el("div", {className: "cards"}, ...cards.map(([name, value]) =>
    el("div", {className: "card"}, name, el("b", {textContent: value ?? "—"}))));
}

Admin.loaders.bulletin = async () => {
  const b = await api("/api/bulletin" + query({quarter: $("bl-quarter").value.trim()}));
  $("bl-quarter").value = b.quarter;
  $("bl-docx").textContent = `下载 Word 通报（${b.quarter}）`;
  const weights = Object.entries(b.weights).map(([name, w]) => `${name}×${w}`).join("＋");
  const ranked = b.ranking.map((r) => [r.rank ?? "—", r.name, r.no_data ? "无数据" : r.score.toFixed(2),
    pct(r.good_rate), pct(r.on_time_rectification_rate), pct(r.complaints_on_time_rate), pct(r.share_over_20_min)]);
  $("bl-body").replaceChildren(
    el("h2", {className: "bulletin-title", textContent: b.title}),
    el("p", {className: "thresholds", textContent: `统计时段：${b.from} 至 ${b.to}`}),
    totalsCards(b.totals),
    bulletinTable("一、各单位主要指标", ["单位", ...BULLETIN_UNIT_COLUMNS.map((c) => c[1])],
      b.units.map((u) => [u.name, ...BULLETIN_UNIT_COLUMNS.map(([f, , kind]) => figure(u[f], kind))])),
    bulletinTable("二、单位季度考核排名", ["名次", "单位", "得分", "好评率", "按期整改率", "诉求按期率", "超20分钟占比"], ranked),
    el("p", {className: "thresholds", textContent: `得分＝（${weights}）×100；无数据的单位列出但不排名，得分相同者名次并列。`}),
    bulletinTable("三、逾期未整改的差评", ["号码", "窗口", "评价", "状态", "责任人", "整改时限"],
      b.overdue_cases.map((c) => [c.ticket, c.window, c.level_name, c.state_name, c.responsible, shortTime(c.rectify_due)]), true),
    bulletinTable("四、逾期未答复的诉求", ["编号", "类型", "诉求人", "内容", "责任人", "时限"],
      b.overdue_complaints.map((c) => [c.id, c.kind_name, c.complainant, c.content, c.responsible, shortTime(c.due_at)]), true),
    bulletinTable("五、逾期未办结的承诺件", ["号码", "事项", "窗口", "申请人", "状态", "办结时限"],
      b.overdue_promised_cases.map((c) => [c.ticket_number, c.guide_name, c.window, c.applicant, c.state_name,
                                            shortTime(c.deadline)]), true),
    bulletinTable("六、逾期未销号的工作任务", ["序号", "任务", "责任单位", "责任人", "完成时限", "状态"],
      b.overdue_tasks.map((t) => [t.ref || t.id, t.title, t.unit, t.owner, t.deadline, t.state_name]), true),
    el("h3", {textContent: "七、本季度未开展培训的单位"}),
    el("p", {textContent: b.untrained_units.length ? b.untrained_units.join("、") : "各单位本季度均已开展培训。"}));
};

function downloadBulletin(event) {
  event.preventDefault();
  const quarter = $("bl-quarter").value.trim();
  if (!quarter) { alert("请先填写季度，如 2026Q4"); return; }
  downloadFile(`/api/bulletin/${encodeURIComponent(quarter)}.docx`, `${quarter}季度通报.docx`).catch((e) => alert(e.message));
}

// -- 操作日志 ------------------------------------------------------------------------------------------------------

function oplogFilters() {
  return {day: $("ol-day").value, window: $("ol-window").value, staff: $("ol-staff").value.trim(),
          action: $("ol-action").value};
}

function actionOptions(actions) {
  const select = $("ol-action");
  if (select.options.length > 1) return;
  for (const [code, name] of Object.entries(actions)) select.append(el("option", {value: code, textContent: name}));
}

async function loadOplog() {
  $("ol-error").textContent = "";
  const log = await api("/api/oplog" + query({...oplogFilters(), limit: OPLOG_PAGE, offset: Oplog.offset}));
  $("ol-day").value = log.day;
  actionOptions(log.actions);
  Oplog.total = log.total;
  fillRows("ol-rows", log.rows.map((r) => row([r.time, r.window ?? "", r.ticket ?? "", r.action_name, r.staff_no,
    r.staff_name, r.reason, r.detail])));
  const pages = Math.max(1, Math.ceil(log.total / OPLOG_PAGE));
  const page = Math.floor(Oplog.offset / OPLOG_PAGE) + 1;
  $("ol-page").textContent = `第 ${page}/${pages} 页，共 ${log.total} 条`;
  $("ol-prev").disabled = Oplog.offset === 0;
  $("ol-next").disabled = Oplog.offset + OPLOG_PAGE >= log.total;
}

Admin.loaders.oplog = () => loadOplog().catch((e) => { $("ol-error").textContent = e.message; });

function searchOplog() { Oplog.offset = 0; Admin.loaders.oplog(); }

document.addEventListener("DOMContentLoaded", () => {
  $("bl-search").addEventListener("click", () => show("bulletin"));
  $("bl-docx").addEventListener("click", downloadBulletin);
  $("ol-search").addEventListener("click", searchOplog);
  $("ol-prev").addEventListener("click", () => { Oplog.offset = Math.max(0, Oplog.offset - OPLOG_PAGE); Admin.loaders.oplog(); });
  $("ol-next").addEventListener("click", () => { Oplog.offset += OPLOG_PAGE; Admin.loaders.oplog(); });
  $("ol-export").addEventListener("click", () => {
    const filters = oplogFilters();
    downloadFile("/api/oplog.xlsx" + query(filters), `操作日志${filters.day || ""}.xlsx`)
      .catch((e) => { $("ol-error").textContent = e.message; });
  });
});
