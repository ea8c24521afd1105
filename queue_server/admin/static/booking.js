// The 预约 tab (docs/booking.md): the 预约 KPIs of a period, one day's bookings per service and slot (names and phones
// masked by the server), and booking or cancelling on a citizen's behalf when they phone (服务 → 日期 → 时段 with
// seats left; 取消 with the reason they gave).
"use strict";

function bookingCards(k) {
  const wait = (v) => (v === null || v === undefined ? "—" : v + " 分钟");
  const cards = [["预约（不含取消）", k.booked], ["已签到", k.checked_in], ["爽约", k.no_show], ["待到", k.pending],
                 ["已取消", k.cancelled], ["爽约率", pct(k.no_show_rate)], ["网上 / 代约", `${k.online} / ${k.on_behalf}`],
                 ["预约号平均等候", wait(k.appointment_wait_min)], ["普通号平均等候", wait(k.walk_in_wait_min)]];
  return cards.map(([name, value]) => el("div", {className: "card"}, name, el("b", {textContent: value ?? "—"})));
}

Admin.loaders.booking = async () => {
  const day = $("bk-day").value;
  const [kpis, list] = await Promise.all([
    api("/api/appointments/kpis" + query({from: $("bk-from").value, to: $("bk-to").value})),
    api("/api/appointments" + query({date: day, service: $("bk-service").value}))]);
  if (!$("bk-from").value) { $("bk-from").value = kpis.from; $("bk-to").value = kpis.to; }
  if (!day) $("bk-day").value = list.date;
  $("bk-cards").replaceChildren(...bookingCards(kpis));
  const rows = [];
  for (const s of list.services) {
    for (const slot of s.slots) {
      // empty slots are left out of the whole-day view; one service's view shows every slot with its seats
      if (!slot.appointments.length && !$("bk-service").value) continue;
      const seats = `${slot.booked}/${slot.capacity}`;
      const people = slot.appointments.length ? slot.appointments : [null];
      people.forEach((a, i) => rows.push(row([i ? "" : s.service_name, i ? "" : slot.slot, i ? "" : seats,
        a ? a.code : "", a ? a.name : "", a ? a.phone : "", a ? statusText(a) : "", a ? a.source_name : "",
        a ? a.ticket || "" : "", a && a.status === "booked" ? button("取消", () => cancelOnBehalf(s, slot, a)) : ""],
        a && a.status === "no_show")));
    }
  }
  fill("bk-rows", rows);
};

// A cancel the hall made for the citizen says so, with the reason they gave on the phone.
function statusText(a) {
  return a.cancel_reason ? `${a.status_name}（工作人员代取消：${a.cancel_reason}）` : a.status_name;
}

// 代群众取消: a citizen phones that they cannot come. The dialog names the booking and what will happen, and asks
// for the reason; its button says what it does, so it is the confirmation.
function cancelOnBehalf(service, slot, a) {
  const facts = el("p", {textContent: `${service.service_name} ${$("bk-day").value} ${slot.slot} · ` +
    `预约码 ${a.code} · ${a.name} ${a.phone}`});
  const effect = el("p", {className: "thresholds",
    textContent: "取消后该时段名额释放，并向群众手机发送取消短信；取消人和原因记入预约记录和操作日志。"});
  openAction(`代群众取消预约 ${a.code}`, [{name: "reason", label: "取消原因（群众来电所说）", type: "textarea"}],
    async (v) => {
      if (!v.reason) throw new Error("请填写取消原因");
      await api(`/api/appointments/${a.code}/cancel-on-behalf`, {body: v});
    }, [facts, effect], "确认取消预约", "不取消，关闭");
}

// 电话代约: the service, the day and one of its slots that still has seats, then the caller's name and phone.
async function bookOnBehalf() {
  const fields = [{name: "service", label: "业务", options: Object.fromEntries(Object.entries(Admin.services))},
                  {name: "date", label: "日期", type: "date", value: $("bk-day").value},
                  {name: "slot", label: "时段（如 09:00-09:30）"}, {name: "name", label: "姓名"},
                  {name: "phone", label: "电话"}];
  openAction("电话代约", fields, async (v) => {
    const booked = await api("/api/appointments", {body: v});
    alert(`已预约：${booked.service_name} ${booked.date} ${booked.slot}\n预约码 ${booked.code}（请告知来电群众）`);
  });
  const form = $("action-fields");
  const hint = el("p", {className: "thresholds", id: "bk-free"});
  form.append(hint);
  const showFree = async () => {
    const service = form.querySelector("[name=service]").value, date = form.querySelector("[name=date]").value;
    if (!service || !date) return;
    try {
      const slots = await api(`/api/appointments/slots` + query({service, date}));
      const free = slots.filter((s) => s.remaining > 0).map((s) => `${s.slot}（余${s.remaining}）`);
      hint.textContent = free.length ? "可约时段：" + free.join("、") : "当天已约满";
    } catch (e) { hint.textContent = e.message; }
  };
  form.querySelector("[name=service]").addEventListener("change", showFree);
  form.querySelector("[name=date]").addEventListener("change", showFree);
  showFree();
}

document.addEventListener("DOMContentLoaded", () => {
  $("bk-search").addEventListener("click", () => Admin.loaders.booking().catch((e) => alert(e.message)));
  $("bk-add").addEventListener("click", bookOnBehalf);
});
