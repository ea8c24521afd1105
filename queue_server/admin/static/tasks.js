// The 任务台账 tab (对账销号, docs/duties.md): the work-plan tasks with state and overdue marked, adding one, importing
// the hall's Excel ledger (every problem the server names is listed), progress, 申请销号 with evidence and its review
// by a second admin (审核通过 / 退回: the two-person rule is the server's, its 403 message is shown as it is);
// plus the alerts bar's line for overdue tasks.
"use strict";
const TASK_FIELDS = [{name: "title", label: "任务"}, {name: "unit", label: "责任单位"}, {name: "owner", label: "责任人"},
                     {name: "measures", label: "整改措施", type: "textarea"},
                     {name: "deadline", label: "完成时限（长期坚持的不填）", type: "date"},
                     {name: "ref", label: "序号"}, {name: "source", label: "来源"}];

function latestUpdate(t) {
  const u = t.updates[t.updates.length - 1];
  if (!u) return "";
  return `${shortTime(u.at)} ${u.kind_name}${u.note ? "：" + u.note : ""}${u.evidence ? `（佐证：${u.evidence}）` : ""}`;
}

function taskActions(t) {
  const act = (text, action, fields) => button(text, () => openAction(`${text} · ${t.title}`, fields,
    (v) => api(`/api/tasks/${t.id}/${action}`, {body: v})));
  if (t.state === "closed") return "";
  if (t.state === "closing") {
    return el("span", {}, act("审核通过", "approve", [{name: "note", label: "审核意见（可不填）", type: "textarea"}]),
      act("退回", "refuse", [{name: "note", label: "退回原因", type: "textarea"}]));
  }
  return el("span", {}, act("登记进展", "progress", [{name: "note", label: "进展情况", type: "textarea"},
                                                    {name: "evidence", label: "佐证材料（可不填）"}]),
    act("申请销号", "close", [{name: "evidence", label: "销号佐证材料", type: "textarea"},
                            {name: "note", label: "完成情况（可不填）", type: "textarea"}]));
}

Admin.loaders.tasks = async () => {
  const tasks = await api("/api/tasks" + query({state: $("tk-state").value, overdue: $("tk-overdue").checked ? "1" : ""}));
  fillRows("tk-rows", tasks.map((t) => row([t.ref || t.id, t.title, t.unit, t.owner, t.deadline || "长期坚持",
    t.state_name, latestUpdate(t), t.overdue ? el("span", {className: "badge red", textContent: "逾期"}) : "",
    taskActions(t)], t.overdue)));
};

function addTask() {
  openAction("新增任务", TASK_FIELDS, (v) => api("/api/tasks", {body: v}));
}

// The ledger goes up as the .xlsx bytes themselves (the server reads the workbook); an answer that names problems
// lists every one with its sheet, row and column, so the office can fix the file and upload it again.
async function importLedger() {
  const result = $("tk-result");
  const file = $("tk-file").files[0];
  if (!file) { result.replaceChildren(el("p", {className: "error", textContent: "请先选择台账文件（.xlsx）。"})); return; }
  result.replaceChildren(el("p", {textContent: "正在导入……"}));
  const r = await fetch("/api/tasks/import", {method: "POST", body: await file.arrayBuffer(),
    headers: {"Authorization": "Bearer " + Admin.token,
              "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}});
  if (r.status === 401) { logout(); return; }
  let answer = {};
  try { answer = await r.json(); } catch (e) { /* not JSON: said below */ }
  if (r.ok) {
    result.replaceChildren(el("p", {className: "done",
      textContent: `导入完成：新增 ${answer.added} 项，跳过 ${answer.skipped} 项（台账中已有）。`}));
    $("tk-file").value = "";
    await Admin.loaders.tasks();
    loadAlerts();
    return;
  }
  const problems = answer.problems || [answer.message || `导入失败（${r.status}）`];
  result.replaceChildren(el("div", {className: "error import-problems"},
    el("b", {textContent: `台账未导入，发现 ${problems.length} 处问题（改正后重新上传）：`}),
    el("ul", {}, ...problems.map((p) => el("li", {textContent: p})))));
}

// Overdue tasks join the alerts bar, read from the server each time.
Admin.alertSources.push(async () => {
  const late = await api("/api/tasks?overdue=1");
  if (!late.length) return [];
  const some = late.slice(0, 5).map((t) => `${t.title}（${t.unit}，时限 ${t.deadline}）`);
  return [`工作任务逾期未销号 ${late.length} 项：${some.join("；")}${late.length > 5 ? "……" : ""}`];
});

document.addEventListener("DOMContentLoaded", () => {
  $("tk-search").addEventListener("click", () => show("tasks"));
  $("tk-add").addEventListener("click", addTask);
  $("tk-import").addEventListener("click", () => importLedger().catch((e) => {
    $("tk-result").replaceChildren(el("p", {className: "error", textContent: e.message}));
  }));
  $("tk-export").addEventListener("click",
    () => downloadFile("/api/tasks.xlsx" + query({state: $("tk-state").value}), "任务台账.xlsx").catch((e) => alert(e.message)));
});
