// The 外发 tab (docs/outbound.md): per channel, how many messages were delivered, wait and failed (dead letters),
// and how long the oldest has waited; the messages themselves (personal data masked by the server), each dead one
// with its last error and a 重试 button. A parked message (outbound.dead over the WebSocket) joins the alerts bar.
"use strict";
const OUT_STATES = {pending: "待发送", delivered: "已送达", dead: "失败（死信）"};
const OUT_KINDS = {"ticket.issued": "取号", "ticket.called": "叫号", "ticket.recalled": "重呼", "ticket.finished": "办结",
  "ticket.skipped": "过号", "ticket.transferred": "转移", "ticket.started": "开始办理", "ticket.held": "挂起",
  "ticket.requeued": "过号重排", "window.paused": "窗口暂停", "window.opened": "窗口开启", "tidal.opened": "潮汐开窗",
  "tidal.closed": "潮汐关窗", "tidal.acknowledged": "潮汐确认", "tidal.escalated": "潮汐上报", "tidal.planned": "每日兼办",
  "review.created": "新评价", "outbox.events": "未能生成的消息"};

function waited(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 60) return `${seconds} 秒`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} 分钟`;
  return `${Math.floor(seconds / 3600)} 小时 ${Math.floor((seconds % 3600) / 60)} 分`;
}

function channelCard(c) {
  const figure = (label, n, cls) => el("div", {className: "out-figure " + (n > 0 ? cls : "")},
    el("b", {textContent: String(n)}), label);
  return el("div", {className: "card out-channel"},
    el("div", {className: "out-name"}, c.name, c.configured ? "" : el("span", {className: "badge", textContent: "未配置"})),
    el("div", {className: "out-figures"}, figure("已送达", c.delivered, ""), figure("待发送", c.pending, "warn"),
       figure("失败", c.dead, "bad")),
    el("div", {className: "out-oldest", textContent: `最久待发：${waited(c.oldest_pending_age_s)}`}));
}

function messageSummary(m) {
  const text = JSON.stringify(m.payload);
  return el("code", {className: "out-payload", title: text, textContent: text.length > 80 ? text.slice(0, 80) + "…" : text});
}

function retryButton(m) {
  return button("重试", async () => {
    try {
      await api(`/api/outbound/messages/${m.id}/retry`, {body: {}});
      $("ob-error").textContent = "";
      await Admin.loaders.outbound();
      loadAlerts();
    } catch (e) { $("ob-error").textContent = e.message; }
  });
}

Admin.loaders.outbound = async () => {
  const summary = await api("/api/outbound/summary");
  $("ob-channels").replaceChildren(...summary.channels.map(channelCard));
  if (!summary.channels.length) {
    $("ob-channels").append(el("div", {className: "card", textContent: "本厅未配置任何外发渠道（见 [outbound]）。"}));
  }
  const select = $("ob-channel");
  const chosen = select.value;
  select.replaceChildren(el("option", {value: "", textContent: "全部"}),
    ...summary.channels.map((c) => el("option", {value: c.channel, textContent: c.name})));
  select.value = chosen;
  const list = await api("/api/outbound/messages" + query({state: $("ob-state").value, channel: select.value}));
  fill("ob-rows", list.messages.map((m) => row([shortTime(m.created_at), m.channel_name, OUT_KINDS[m.kind] || m.kind,
    el("span", {className: "out-state " + m.state, textContent: OUT_STATES[m.state] || m.state}), m.attempts,
    m.state === "pending" ? "下次 " + shortTime(m.next_attempt_at) : m.state === "delivered" ? "送达 " + shortTime(m.delivered_at) : "",
    m.last_error || "", messageSummary(m), m.state === "dead" ? retryButton(m) : ""], m.state === "dead")));
};

// Dead letters stay in the alerts bar until retried, read from the server so a reload keeps them.
Admin.alertSources.push(async () => {
  const summary = await api("/api/outbound/summary");
  const dead = summary.channels.filter((c) => c.dead > 0);
  if (!dead.length) return [];
  return [`外发消息投递失败：${dead.map((c) => `${c.name} ${c.dead} 条`).join("，")}，请在「外发」页查看原因并重试。`];
});

Admin.listeners.push((event, data, busy) => {
  if (event !== "outbound.dead") return;
  loadAlerts();
  if (Admin.tab === "outbound" && !busy) Admin.loaders.outbound().catch((e) => { $("ob-error").textContent = e.message; });
});

document.addEventListener("DOMContentLoaded", () => {
  $("ob-search").addEventListener("click", () => show("outbound"));
});
