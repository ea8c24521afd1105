// The 潮汐窗口 tab: today's support plan, the tidal windows open now, opening and closing by hand, the audit log,
// and the alerts bar's line for an opening nobody acknowledged in time (GET /api/tidal, /api/tidal/log).
"use strict";
const TIDAL_ACTIONS = {open: "开设", manual_open: "开设（手动）", close: "关闭", manual_close: "关闭（手动）",
                       ack: "确认", escalate: "上报", plan: "每日兼办"};
const ROLES = {admin: "管理员", staff: "窗口人员", agent: "设备代理", display: "显示屏", kiosk: "取号机"};
const POLICY_ACTOR = "tidal-policy";
const Tidal = {state: null};

function hhmm(iso) { return iso ? iso.slice(11, 16) : ""; }

function actorName(actor) {
  if (!actor) return "";
  if (actor === POLICY_ACTOR) return "潮汐策略";
  const [role, ...rest] = actor.split(":");
  return ROLES[role] ? `${ROLES[role]} ${rest.join(":")}` : actor;
}

function serviceName(code, name) { return name || Admin.services[code] || code || ""; }

function thresholdsLine(t) {
  return `阈值：预计等候超过 ${t.open_wait_min} 分钟或等候 ${t.open_waiting} 人以上开设；` +
    `低于 ${t.close_wait_min} 分钟且少于 ${t.close_waiting} 人持续 ${t.hold_min} 分钟后关闭；` +
    `开设后 ${t.ack_timeout_min} 分钟内未确认即上报值班长。`;
}

function ackCell(o) {
  if (o.acknowledged_at) return `已确认 ${hhmm(o.acknowledged_at)}`;
  if (o.ack_overdue) return el("span", {className: "badge red", textContent: `逾期未确认（应于 ${hhmm(o.ack_due)} 前）`});
  return `待确认（${hhmm(o.ack_due)} 前）`;
}

function closeButton(o) {
  return button("关闭", () => openAction(`关闭 ${o.window} 号窗口的潮汐业务 · ${serviceName(o.service, o.service_name)}`,
    [{name: "reason", label: "关闭原因", type: "textarea"}],
    (v) => api("/api/tidal/close", {body: {window: o.window, reason: v.reason || undefined}})));
}

async function loadTidalLog() {
  const day = $("td-date").value;
  const log = await api("/api/tidal/log" + query({date: day}));
  if (!day) $("td-date").value = log.date;
  fill("td-log", log.entries.map((e) => row([e.at.slice(11, 19), TIDAL_ACTIONS[e.action] || e.action,
    e.window ?? "", serviceName(e.service), e.reason, actorName(e.actor)], e.action === "escalate")));
}

Admin.loaders.tidal = async () => {
  $("td-error").textContent = "";
  const t = await api("/api/tidal");
  Tidal.state = t;
  $("td-state").textContent = t.enabled ? "潮汐策略：已启用" : "潮汐策略：已停用（仅可手动开设）";
  $("td-thresholds").textContent = thresholdsLine(t.thresholds);
  fill("td-plan", t.day_plan.length ? t.day_plan.map((p) => row([`${p.window} ${Admin.windows[p.window] || ""}`,
    serviceName(p.service, p.service_name)]))
    : [row(["今日无每日兼办计划", ""])]);
  fill("td-open-rows", t.open.length ? t.open.map((o) => row([o.window, serviceName(o.service, o.service_name),
    hhmm(o.opened_at), o.manual ? `手动（${actorName(o.opened_by)}）` : "潮汐策略", o.reason, ackCell(o),
    o.escalated_at ? `已上报 ${hhmm(o.escalated_at)}` : "", closeButton(o)], o.ack_overdue))
    : [row(["当前没有开设的潮汐窗口", "", "", "", "", "", "", ""])]);
  try { await loadTidalLog(); } catch (e) { $("td-error").textContent = e.message; }
};

function openByHand() {
  const services = Object.fromEntries(Object.entries(Admin.services).sort((a, b) => a[1].localeCompare(b[1], "zh-CN")));
  openAction("手动开设潮汐窗口", [
    {name: "service", label: "业务", options: services},
    {name: "window", label: "窗口（留空则自动选择备用窗口）", type: "number"},
    {name: "reason", label: "开设原因", type: "textarea"}],
    (v) => api("/api/tidal/open", {body: {service: v.service, window: v.window ? Number(v.window) : undefined,
                                          reason: v.reason || undefined}}));
}

async function runPolicyNow() {
  $("td-error").textContent = "";
  try {
    const answer = await api("/api/tidal/run", {body: {}});
    if (Admin.tab === "tidal") await Admin.loaders.tidal();
    $("td-error").textContent = answer.actions.length ? "" : "评估完成：无需调整。";
  } catch (e) { $("td-error").textContent = e.message; }
}

// An opening escalated to the manager (tidal.escalated) stays in the alerts bar until it is acknowledged or closed;
// read from the server's state, so it survives a reload of the page.
Admin.alertSources.push(async () => {
  const t = await api("/api/tidal");
  return t.open.filter((o) => o.escalated_at && !o.acknowledged_at).map((o) =>
    `潮汐开窗未确认：${o.window} 号窗口 ${serviceName(o.service, o.service_name)}（${hhmm(o.opened_at)} 开设），` +
    `超过 ${t.thresholds.ack_timeout_min} 分钟无人确认，请值班长协调。`);
});

Admin.listeners.push((event, data, busy) => {
  if (!event.startsWith("tidal.")) return;
  if (["tidal.escalated", "tidal.acknowledged", "tidal.closed", "tidal.opened"].includes(event)) loadAlerts();
  if (Admin.tab === "tidal" && !busy) Admin.loaders.tidal().catch((e) => { $("td-error").textContent = e.message; });
});

document.addEventListener("DOMContentLoaded", () => {
  $("td-open").addEventListener("click", openByHand);
  $("td-run").addEventListener("click", runPolicyNow);
  $("td-date").addEventListener("change",
    () => loadTidalLog().catch((e) => { $("td-error").textContent = e.message; }));
});
