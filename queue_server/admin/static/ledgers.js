// The ledgers: reviews (voiding, 电话邀评 of unrated tickets), rectification cases, complaints, enterprise follow-ups.
"use strict";
const CASE_STATES = {opened: "待回访", called_back: "已回访", rectifying: "整改中", rectified: "已整改", closed: "已办结", voided: "已作废"};
const CASE_ACTIONS = {
  opened: [["call_back", "回访核实", [{name: "note", label: "回访核实情况", type: "textarea"}]]],
  called_back: [["start", "开始整改", [{name: "responsible", label: "整改责任人"}]]],
  rectifying: [["rectify", "整改完成", [{name: "measures", label: "整改措施", type: "textarea"}]]],
  rectified: [["verdict", "群众评价", [{name: "verdict", label: "群众对整改的评价",
                                        options: {satisfied: "满意", dissatisfied: "不满意"}},
                                       {name: "note", label: "说明", type: "textarea"}]]],
};
const COMPLAINT_ACTIONS = {
  received: [["handle", "开始办理", []], ["resolve", "答复", [{name: "answer", label: "答复内容", type: "textarea"}]]],
  handling: [["resolve", "答复", [{name: "answer", label: "答复内容", type: "textarea"}]]],
  resolved: [["confirm", "群众确认", [{name: "confirmation", label: "群众是否认可",
                                       options: {satisfied: "满意", dissatisfied: "不满意（重新办理）"}},
                                      {name: "note", label: "说明"}]]],
};
const LEVEL_OPTIONS = Object.assign({"": "（请选择）"}, LEVELS);

function formValues(id) {
  const values = {};
  document.querySelectorAll(`#${id} [name]`).forEach((input) => {
    const v = input.value.trim();
    if (v !== "") values[input.name] = input.type === "number" ? Number(v) : v;
  });
  return values;
}

Admin.loaders.reviews = async () => {
  const params = {from: $("rv-from").value, to: $("rv-to").value, level: $("rv-level").value,
                  channel: $("rv-channel").value, window: $("rv-window").value,
                  flagged: $("rv-flagged").checked ? "1" : ""};
  const reviews = await api("/api/reviews" + query(params));
  fill("rv-rows", reviews.map((r) => row([r.id, r.business_day, r.ticket_number, r.window, r.level_name,
    r.reasons.join("、") + (r.comment ? "(" + r.comment + ")" : ""), r.channel_name + (r.invited ? "·邀评" : ""),
    shortTime(r.created_at), r.voided ? "已作废：" + r.void_reason : (r.flagged ? "异常" : "有效"),
    r.voided ? "" : button("作废", () => openAction(`作废评价 ${r.ticket_number}`, [
      {name: "reason", label: "作废原因（恶意/误评）", type: "textarea"}, {name: "approver", label: "审批人工号（另一位管理员）"},
      {name: "approver_password", label: "审批人密码", type: "password"}],
      (v) => api(`/api/reviews/${r.id}/void`, {body: v})))], r.voided)));
  const unrated = await api("/api/reviews/unrated" + query({from: $("rv-from").value, to: $("rv-to").value}));
  fill("unrated-rows", unrated.map((t) => row([t.number, t.business_day, t.window, shortTime(t.finished_at),
    t.invitations + (t.last_outcome ? "(" + t.last_outcome + ")" : ""),
    button("电话邀评", () => openAction(`电话邀评 ${t.number}`, [
      {name: "outcome", label: "结果", options: {rated: "已评价", declined: "拒绝评价", unreachable: "未接通"}},
      {name: "level", label: "评价等级", options: LEVEL_OPTIONS},
      {name: "reasons", label: "差评原因（多条用、分隔）"}, {name: "note", label: "备注"}],
      (v) => api("/api/reviews/invitations", {body: {ticket_id: t.id, method: "phone", outcome: v.outcome,
        level: v.level || undefined, note: v.note,
        reasons: v.reasons ? v.reasons.split(/[,\u3001\uFF0C]/).map((x) => x.trim()).filter(Boolean) : []}})))])));
};

Admin.loaders.cases = async () => {
  const cases = await api("/api/rectifications" + query({state: $("case-state").value, from: $("case-from").value,
    to: $("case-to").value, overdue: $("case-overdue").checked ? "1" : ""}));
  fill("case-rows", cases.map((c) => {
    const actions = (CASE_ACTIONS[c.state] || []).map(([action, text, fields]) =>
      button(text, async () => openAction(`${text} · ${c.ticket}`, fields,
        (v) => api(`/api/rectifications/${c.id}/${action}`, {body: v}), await caseContext(c))));
    if (["opened", "called_back", "rectifying"].includes(c.state)) {
      actions.push(button("责任人", () => openAction(`指定责任人 · ${c.ticket}`, [{name: "responsible", label: "责任人"}],
        (v) => api(`/api/rectifications/${c.id}/assign`, {body: v}))));
    }
    const warn = {callback: "回访逾期", rectify: "整改逾期"}[c.overdue] || (c.on_time === false ? "逾期完成" : "");
    const verdict = {satisfied: "（群众满意）", dissatisfied: "（群众不满意）"}[c.verdict] || "";
    return row([c.id, c.ticket, c.window, c.level_name, (CASE_STATES[c.state] || c.state) + verdict, c.responsible,
                shortTime(c.callback_due), shortTime(c.rectify_due), warn, el("span", {}, ...actions)], !!c.overdue);
  }));
};

// The citizen's own words next to the case form: the level, the reasons they chose and their comment.
async function caseContext(c) {
  try {
    const review = (await api(`/api/rectifications/${c.id}`)).review || {};
    return [el("div", {}, el("b", {textContent: "群众评价："}), LEVELS[review.level] || c.level_name || ""),
            el("div", {}, el("b", {textContent: "差评原因："}), (review.reasons || []).join("、") || "（未选择）"),
            el("div", {}, el("b", {textContent: "群众留言："}), review.comment || "（无）")];
  } catch (e) { return [el("div", {className: "error", textContent: "无法读取评价内容：" + e.message})]; }
}

Admin.loaders.complaints = async () => {
  const rows = await api("/api/complaints" + query({state: $("cp-state").value, kind: $("cp-kind").value,
    from: $("cp-from").value, to: $("cp-to").value, overdue: $("cp-overdue").checked ? "1" : ""}));
  fill("cp-rows", rows.map((c) => row([c.id, c.kind_name, c.complainant, c.content,
    [Admin.services[c.service] || "", c.window ? c.window + "号窗口" : ""].filter(Boolean).join(" "), c.responsible,
    shortTime(c.due_at), c.state_name, c.answer, c.overdue ? "逾期" : "",
    el("span", {}, ...(COMPLAINT_ACTIONS[c.state] || []).map(([action, text, fields]) =>
      button(text, () => fields.length ? openAction(`${text} · 诉求${c.id}`, fields,
        (v) => api(`/api/complaints/${c.id}/${action}`, {body: v}))
        : api(`/api/complaints/${c.id}/${action}`, {body: {}}).then(refresh, (e) => alert(e.message)))))], c.overdue)));
};

Admin.loaders.followups = async () => {
  const ledger = await api("/api/followups" + query({category: $("fu-category").value}));
  Admin.ledger = ledger;
  fill("fu-rows", ledger.map((e) => row([e.name + " " + e.credit_code, e.category_name, [e.contact, e.phone].join(" "),
    e.served_on, e.followups.map((f) => `${shortTime(f.called_at)} ${f.caller} ` + (f.reached
      ? `态度${f.conduct_name}/体验${f.experience_name}/满意度${f.satisfaction_name}` : "未接通")
      + (f.samples.length ? (f.samples.every((s) => s.consistent) ? " [抽查一致]" : " [抽查不一致]") : "")).join(";"),
    el("span", {}, button("回访", () => openAction(`回访 ${e.name}`, [
        {name: "reached", label: "是否接通", options: {yes: "已接通", no: "未接通"}},
        {name: "conduct", label: "工作人员态度", options: LEVEL_OPTIONS},
        {name: "experience", label: "办事体验", options: LEVEL_OPTIONS},
        {name: "satisfaction", label: "总体满意度", options: LEVEL_OPTIONS}, {name: "notes", label: "备注"}],
        (v) => api(`/api/enterprises/${e.id}/followups`, {body: {reached: v.reached === "yes",
          conduct: v.conduct || undefined, experience: v.experience || undefined,
          satisfaction: v.satisfaction || undefined, notes: v.notes}}))),
      ...e.followups.slice(-1).map((f) => button("抽查", () => openAction(`督查抽查 ${e.name}`, [
        {name: "consistent", label: "核实结果", options: {yes: "与记录一致", no: "与记录不一致"}},
        {name: "note", label: "说明"}],
        (v) => api(`/api/followups/${f.id}/samples`, {body: {consistent: v.consistent === "yes", note: v.note}})))))])));
};

document.addEventListener("DOMContentLoaded", () => {
  $("rv-search").addEventListener("click", () => show("reviews"));
  $("case-search").addEventListener("click", () => show("cases"));
  $("cp-search").addEventListener("click", () => show("complaints"));
  $("fu-search").addEventListener("click", () => show("followups"));
  $("fu-draw").addEventListener("click", async () => {
    try {
      const drawn = new Set((await api("/api/followups/draw", {body: {count: 5}})).followup_ids);
      const names = (Admin.ledger || []).flatMap((e) => e.followups.filter((f) => drawn.has(f.id))
        .map((f) => `${e.name}(${shortTime(f.called_at)} ${f.caller})`));
      $("fu-drawn").textContent = names.length ? "本次抽取：" + names.join("；") : "没有待抽查的回访记录";
    } catch (e) { alert(e.message); }
  });
  for (const [code, name] of Object.entries(CASE_STATES)) $("case-state").append(el("option", {value: code, textContent: name}));
  $("complaint-create").addEventListener("click", () => api("/api/complaints", {body: formValues("complaint-form")})
    .then(() => show("complaints"), (e) => alert(e.message)));
  $("enterprise-create").addEventListener("click", () => api("/api/enterprises", {body: formValues("enterprise-form")})
    .then(() => show("followups"), (e) => alert(e.message)));
});
