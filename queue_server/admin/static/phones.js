// The 短信留号 tab (docs/outbound.md, "The citizen's phone"): the day's phones left for SMS reminders, masked by the
// server (the full number never reaches this page), their counts and the retention in force; an admin withdraws
// one for a citizen who asks (the number deleted at once).
"use strict";

const PHONE_SOURCES = {kiosk: "取号机", phone: "手机（号票二维码）", admin: "管理员"};

Admin.loaders.phones = async () => {
  const [offer, rows] = await Promise.all([api("/api/phone-reminders"),
    api("/api/phone-reminders/consents" + query({day: $("ph-day").value}))]);
  if (!$("ph-day").value && rows.length) $("ph-day").value = rows[0].consented_at.slice(0, 10);
  $("ph-rule").textContent = offer.offered
    ? `前面剩 ${offer.remind_ahead} 位时和叫号时短信提醒；手机号保存 ${offer.retention_days} 天后删除，` +
      "已发短信里的号码同时打码（[outbound.sms] phone_retention_days）。"
    : "本大厅未开通短信提醒（没有 [outbound.sms]）：取号机和号票页不收手机号。";
  const count = (test) => rows.filter(test).length;
  const cards = [["留号", rows.length], ["取号机留号", count((r) => r.source === "kiosk")],
                 ["手机留号", count((r) => r.source === "phone")],
                 ["已发“前面还有N位”", count((r) => r.ahead_sent !== null)],
                 ["已发评价链接", count((r) => r.review_link_at)], ["手机号保存期限", `${offer.retention_days} 天`]];
  $("ph-cards").replaceChildren(...cards.map(([name, value]) =>
    el("div", {className: "card"}, name, el("b", {textContent: value}))));
  fill("ph-rows", rows.map((r) => row([r.number, r.phone, shortTime(r.consented_at),
    PHONE_SOURCES[r.source] || r.source, r.ahead_sent === null ? "—" : `已发（前面 ${r.ahead_sent} 位）`,
    r.review_link_at ? shortTime(r.review_link_at) : "—", button("撤回", () => withdrawPhone(r))])));
};

// 撤回: the citizen asked the hall to forget their number. The dialog names it, says what happens and asks why
// (the reason goes to the 操作日志 with who withdrew it).
function withdrawPhone(r) {
  openAction(`撤回 ${r.number} 留的手机号`, [{name: "reason", label: "撤回原因（如群众来电要求）", type: "textarea"}],
    async (v) => {
      if (!v.reason) throw new Error("请填写撤回原因");
      await api(`/api/phone-reminders/consents/${r.ticket_id}`, {method: "DELETE", body: v});
    }, [el("p", {textContent: `${r.number} · ${r.phone} · ${shortTime(r.consented_at)} 留号`}),
      el("p", {className: "thresholds", textContent: "撤回后立即删除该手机号，不再发送提醒和评价链接；已发短信里的号码同时打码。" +
        "撤回人和原因记入操作日志。"})],
  "确认撤回并删除", "不撤回，关闭");
}

document.addEventListener("DOMContentLoaded", () => {
  $("ph-search").addEventListener("click", () => Admin.loaders.phones().catch((e) => alert(e.message)));
});
