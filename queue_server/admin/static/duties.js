// The evaluation duties' tabs (docs/duties.md): 服务举措 (practice counts, the 容缺 materials awaited), 承诺件 (cases,
// approve and issue, 按时办结率 per unit) and 培训 (record a session, the quarter's coverage with units flagged);
// plus the alerts bar's line for overdue promised cases. Shared helpers for tasks.js and reports.js are here too.
"use strict";
const Duties = {units: null};
// Cases start weeks before they are late: the alert and the 容缺 list read from far back, not the default 30–90 days.
const SINCE_EVER = "2000-01-01";

// A table body with its rows, or one row saying 暂无数据 across all its columns (an empty table looks broken).
function fillRows(tbodyId, rows) {
  const body = $(tbodyId);
  if (rows.length) { body.replaceChildren(...rows); return; }
  const head = body.closest("table").querySelector("thead tr");
  const span = head ? head.children.length : 1;
  body.replaceChildren(el("tr", {className: "no-data"}, el("td", {colSpan: span, textContent: "暂无数据"})));
}

function headRow(theadId, names) { $(theadId).replaceChildren(el("tr", {}, ...names.map((n) => el("th", {textContent: n})))); }

function day10(iso) { return iso ? iso.slice(0, 10) : ""; }

// Department code → name, from the hall's services (each names its department).
async function unitNames() {
  if (!Duties.units) {
    const hall = await (await fetch("/api/hall")).json();
    Duties.units = {};
    for (const s of hall.services) if (s.department) Duties.units[s.department] = s.department_name || s.department;
  }
  return Duties.units;
}

// A file from an authenticated GET (the token stays in a header, out of URLs and server logs).
async function downloadFile(path, filename) {
  const blob = await (await api(path, {raw: true})).blob();
  const link = el("a", {href: URL.createObjectURL(blob), download: filename});
  document.body.append(link); link.click(); link.remove();
}

// -- 服务举措 ------------------------------------------------------------------------------------------------------

const PRACTICE_BY = {department: "单位", window: "窗口", staff: "工号", month: "月份", quarter: "季度", day: "日期"};

async function practiceKey(by, key) {
  if (key === null || key === undefined) return "（未注明）";
  if (by === "department") return (await unitNames())[key] || key;
  if (by === "window") return `${key} ${Admin.windows[key] || ""}`.trim();
  return String(key);
}

Admin.loaders.practices = async () => {
  const by = $("pr-by").value;
  const span = {from: $("pr-from").value, to: $("pr-to").value};
  const counts = await api("/api/practices/counts" + query({...span, by}));
  $("pr-span").textContent = span.from || span.to ? "" : "（默认最近30天）";
  const kinds = {};
  for (const r of counts) for (const [code, k] of Object.entries(r.kinds)) kinds[code] = k.name;
  headRow("pr-head", [PRACTICE_BY[by], ...Object.values(kinds), "合计"]);
  const rows = [];
  for (const r of counts) {
    rows.push(row([await practiceKey(by, r.key), ...Object.keys(kinds).map((c) => r.kinds[c] ? r.kinds[c].count : 0),
                   r.total]));
  }
  fillRows("pr-rows", rows);
  const pending = await api("/api/practices" + query({pending: "1", from: SINCE_EVER}));
  fillRows("pr-pending", pending.map((p) => row([p.ticket_number, p.business_day, p.window, p.staff_no, p.material,
    p.promised_on, p.late ? el("span", {className: "badge red", textContent: "逾期未补交"}) : "待补交",
    button("已补交", () => api(`/api/practices/${p.id}/arrived`, {body: {}}).then(refresh, (e) => alert(e.message)))],
  p.late)));
};

// -- 承诺件 --------------------------------------------------------------------------------------------------------

const PROMISED_STEPS = {accepted: ["approve", "审批"], approved: ["issue", "出件"]};

function promisedWarning(c) {
  if (c.overdue) return el("span", {className: "badge red", textContent: "逾期"});
  if (c.on_time === true) return "按时办结";
  if (c.on_time === false) return "超时办结";
  return "";
}

Admin.loaders.promised = async () => {
  const cases = await api("/api/cases" + query({from: SINCE_EVER, state: $("pc-state").value,
                                               overdue: $("pc-overdue").checked ? "1" : ""}));
  fillRows("pc-rows", cases.map((c) => {
    const step = PROMISED_STEPS[c.state];
    const action = step ? button(step[1], () => openAction(`${step[1]} · 承诺件${c.id}（${c.ticket_number}）`,
      [{name: "note", label: "说明（可不填）"}], (v) => api(`/api/cases/${c.id}/${step[0]}`, {body: v}))) : "";
    return row([c.id, c.ticket_number, `${c.guide_name}（${c.promised_days}个工作日）`, c.window, c.applicant,
                shortTime(c.accepted_at), shortTime(c.deadline), c.state_name, promisedWarning(c), action], c.overdue);
  }));
  const rates = await api("/api/cases/rates" + query({from: SINCE_EVER}));
  fillRows("pc-rates", rates.map((r) => row([r.name, r.cases, r.counted, r.on_time, pct(r.on_time_rate)])));
};

// -- 培训 ----------------------------------------------------------------------------------------------------------

const TRAINING_KINDS = {business: "业务培训", skills: "服务技能培训", walkthrough: "走流程体验", mystery_visit: "暗访注意事项"};

function unitCheckboxes(units) {
  const box = $("tr-units");
  if (box.querySelector("input")) return;  // built once: ticks survive a reload of the lists
  box.append(...units.map((u) => el("label", {className: "check"},
    el("input", {type: "checkbox", name: "unit", value: u.unit}), u.name)));
}

Admin.loaders.training = async () => {
  const quarter = $("tr-quarter").value.trim();
  const coverage = await api("/api/training/coverage" + query({quarter}));
  $("tr-quarter").value = coverage.quarter;
  unitCheckboxes(coverage.units);
  headRow("tr-cov-head", ["单位", "合计（次）", ...Object.values(TRAINING_KINDS), "情况"]);
  fillRows("tr-coverage", coverage.units.map((u) => row([u.name, u.sessions,
    ...Object.keys(TRAINING_KINDS).map((k) => u.by_kind[k] || 0),
    u.flagged ? el("span", {className: "badge red", textContent: "本季度未培训"}) : "已覆盖"], u.flagged)));
  const names = Object.fromEntries(coverage.units.map((u) => [u.unit, u.name]));
  const sessions = await api("/api/training" + query({quarter: coverage.quarter}));
  fillRows("tr-rows", sessions.map((s) => row([s.held_on, s.kind_name, s.topic,
    s.units.map((u) => names[u] || u).join("、"), s.attendees.join("、"), s.organiser, s.findings])));
};

async function recordTraining() {
  const note = $("tr-error");
  note.textContent = ""; note.className = "error";
  const form = $("tr-form");
  const value = (name) => form.querySelector(`[name=${name}]`).value.trim();
  const body = {held_on: value("held_on"), kind: value("kind"), topic: value("topic"), organiser: value("organiser"),
                findings: value("findings"),
                units: [...form.querySelectorAll("input[name=unit]:checked")].map((i) => i.value),
                attendees: value("attendees").split(/[\s,\u3001\uFF0C]+/).filter(Boolean)};
  try {
    const session = await api("/api/training", {body});
    for (const name of ["topic", "findings", "attendees"]) form.querySelector(`[name=${name}]`).value = "";
    form.querySelectorAll("input[name=unit]").forEach((i) => { i.checked = false; });
    $("tr-quarter").value = session.held_on.slice(0, 4) + "Q" + (Math.floor((Number(session.held_on.slice(5, 7)) - 1) / 3) + 1);
    await Admin.loaders.training();  // the quarter of the session just recorded
    note.className = "done";
    note.textContent = `已登记：${session.held_on} ${session.kind_name}“${session.topic}”。`;
  } catch (e) { note.textContent = e.message; }
}

// Overdue promised cases join the alerts bar (read from the server each time, so a reload keeps them).
Admin.alertSources.push(async () => {
  const late = await api("/api/cases" + query({from: SINCE_EVER, overdue: "1"}));
  if (!late.length) return [];
  const some = late.slice(0, 5).map((c) => `${c.ticket_number}（${c.guide_name}，时限 ${shortTime(c.deadline)}）`);
  return [`承诺件逾期未办结 ${late.length} 件：${some.join("；")}${late.length > 5 ? "……" : ""}`];
});

document.addEventListener("DOMContentLoaded", () => {
  $("pr-search").addEventListener("click", () => show("practices"));
  $("pc-search").addEventListener("click", () => show("promised"));
  $("tr-search").addEventListener("click", () => show("training"));
  $("tr-record").addEventListener("click", recordTraining);
});
