"""The ticket's public status page (``/t/{token}``): a phone-sized page in Chinese, opened from the ticket's QR code.

It shows the number, how many wait ahead, the estimated wait, the number now at a counter for the same service and
the windows serving it (from the public ``GET /api/hall``), a link to the guide's materials list and, once called,
which window to go to. What it tells the citizen to do follows the status: a finished ticket shows the review
button, not "listen for the call". Where the hall sends SMS (``GET /api/phone-reminders``), an open ticket's page
takes a phone for its reminders (``POST /api/tickets/{token}/phone``, the phones area's route). It refreshes itself from ``GET /api/tickets/{token}``; no app, no external
scripts.
"""
from __future__ import annotations

import html
import json

from aiohttp import web

from queue_server.keys import CONFIG, HALL
from queue_server.queue.http import roll_day
from queue_server.queue.ticket_routes import TicketPath
from queue_server.web.api import ApiRoutes

routes = ApiRoutes()

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>排队进度 - {hall}</title>
<style>
body{{margin:0;font-family:"Noto Sans SC","Microsoft YaHei","PingFang SC",sans-serif;background:#f3f6fa;color:#1b1f24}}
header{{background:#b71c1c;color:#fff;padding:14px 16px;font-size:18px}}
main{{padding:16px;max-width:480px;margin:auto}}
.card{{background:#fff;border-radius:12px;padding:20px;margin-bottom:14px;box-shadow:0 1px 3px rgba(0,0,0,.12)}}
.number{{font-size:64px;font-weight:700;text-align:center;letter-spacing:4px}}
.service{{text-align:center;font-size:20px;color:#444}}
.row{{display:flex;justify-content:space-between;font-size:20px;padding:8px 0;border-bottom:1px solid #eee}}
.called{{background:#1b5e20;color:#fff;font-size:26px;text-align:center}}
.muted{{color:#666;font-size:15px}}
a.button{{display:block;text-align:center;background:#0d47a1;color:#fff;padding:14px;border-radius:10px;font-size:20px;text-decoration:none}}
a.button.light{{background:#e3ecf8;color:#0d47a1;font-size:17px;margin-top:10px;padding:12px}}
h3{{margin:0;font-size:18px}}
.row b{{text-align:right;margin-left:12px}}
[hidden]{{display:none!important}}
#sms input{{font-size:24px;letter-spacing:2px;width:100%;box-sizing:border-box;padding:12px;margin:12px 0;border:1px solid #9aa5b1;border-radius:10px}}
#sms button{{width:100%;background:#0d47a1;color:#fff;border:0;padding:14px;border-radius:10px;font-size:20px}}
#sms-msg.bad{{color:#b71c1c}} #sms-msg.ok{{color:#1b5e20;font-size:18px}}
</style></head>
<body><header>{hall}</header><main>
<div class="card"><div class="number" id="number">{number}</div><div class="service" id="service">{service}</div></div>
<div class="card called" id="called" hidden></div>
<div class="card" id="queue">
 <div class="row"><span>状态</span><b id="status">{status}</b></div>
 <div class="row" id="ahead-row"><span>前面等候</span><b id="ahead">{ahead}</b></div>
 <div class="row" id="wait-row"><span>预计等候</span><b id="wait">{wait}</b></div>
 <div class="row" id="serving-row"><span>正在办理</span><b id="serving">-</b></div>
 <div class="row" id="windows-row"><span>办理窗口</span><b id="windows">-</b></div>
</div>
<div class="card" id="guide" hidden><h3>所需材料（办事指南）</h3><div id="guide-links"></div></div>
<div class="card" id="sms" hidden><h3>短信到号提醒</h3><p class="muted" id="sms-note"></p>
 <form id="sms-form"><input id="sms-phone" type="tel" inputmode="numeric" maxlength="13" autocomplete="tel"
  placeholder="11位手机号码" aria-label="手机号码"><button type="submit">接收提醒</button></form>
 <p class="muted" id="sms-msg"></p></div>
<div class="card" id="review" hidden><a class="button" href="{review_url}">评价本次服务</a></div>{survey_link}
<p class="muted" id="hint"></p>
</main>
<script>
const SERVICE = {service_code};
const STATUS = {{waiting:"等候中", transferred:"已转移，等候中", called:"请到窗口办理", serving:"办理中",
  finished:"已办结", no_show:"已过号", held:"暂缓办理，备齐后回原窗口", expired:"已过期"}};
// what to do next, by status: a finished citizen is not told to listen for a call any more
const HINT = {{waiting:"页面每15秒自动刷新。请留意大厅叫号，过号请到服务台咨询。",
  transferred:"页面每15秒自动刷新。请留意大厅叫号，过号请到服务台咨询。",
  called:"请带齐材料到窗口办理。", serving:"正在为您办理。",
  finished:"业务已办结，感谢您的耐心等候。欢迎对本次服务进行评价。",
  no_show:"您的号码已过号。请到服务台咨询是否可以重新排队。", held:"请备齐材料后回到原窗口，工作人员会为您回呼。",
  expired:"该号码已过期，如需办理请重新取号。"}};
let hall = null, guideWanted = true, guideFound = false, smsOffer = null, smsOpen = false;
function show(t) {{
  document.getElementById("status").textContent = STATUS[t.status] || t.status;
  const waiting = t.status === "waiting" || t.status === "transferred";
  for (const id of ["ahead-row", "wait-row", "serving-row", "windows-row"]) document.getElementById(id).hidden = !waiting;
  document.getElementById("ahead").textContent = !waiting ? "-" : t.ahead > 0 ? t.ahead + " 人" : "没有人，即将叫号";
  const wait = t.estimated_wait_min;
  document.getElementById("wait").textContent = !waiting || wait === null ? "-" : wait < 1 ? "不到 1 分钟" : "约 " + wait + " 分钟";
  const called = document.getElementById("called");
  called.hidden = !(t.status === "called" || t.status === "serving");
  if (!called.hidden) called.textContent = "请到 " + t.window + " 号窗口办理";
  document.getElementById("review").hidden = t.status !== "finished";
  const survey = document.getElementById("survey");
  if (survey) survey.hidden = t.status !== "finished";
  document.getElementById("hint").textContent = HINT[t.status] || "";
  // the materials matter before the counter (and to a held citizen fetching a missing paper), not after it
  guideWanted = waiting || t.status === "held";
  document.getElementById("guide").hidden = !(guideWanted && guideFound);
  // 短信到号提醒 while a reminder can still help, where the hall sends SMS
  smsOpen = ["waiting", "transferred", "called", "serving", "held"].includes(t.status);
  document.getElementById("sms").hidden = !(smsOpen && smsOffer);
  if (waiting && hall) showHall(hall);
}}
async function loadSms() {{
  try {{
    const r = await fetch("/api/phone-reminders");
    const offer = r.ok ? await r.json() : null;
    if (!offer || !offer.offered) return;
    smsOffer = offer;
    document.getElementById("sms-note").textContent = (offer.remind_ahead ? "前面剩" + offer.remind_ahead +
      "位和叫号时，短信提醒您。" : "叫号时短信提醒您。") + "提交即同意：号码只用于本号的提醒和服务评价邀请，" +
      offer.retention_days + "天后删除。";
    document.getElementById("sms").hidden = !smsOpen;
  }} catch (e) {{}}
}}
document.getElementById("sms-form").addEventListener("submit", async (ev) => {{
  ev.preventDefault();
  const msg = document.getElementById("sms-msg");
  const phone = document.getElementById("sms-phone").value.replace(/[\\s-]/g, "");
  try {{
    const r = await fetch("/api/tickets/{token}/phone", {{method: "POST", headers: {{"Content-Type": "application/json"}},
      body: JSON.stringify({{phone}})}});
    const body = await r.json();
    msg.className = r.ok ? "ok" : "bad";
    msg.textContent = r.ok ? "好的，提醒将发至 " + body.phone : body.message || "提交失败，请稍后再试";
    if (r.ok) document.getElementById("sms-form").hidden = true;
  }} catch (e) {{ msg.className = "bad"; msg.textContent = "网络不通，请稍后再试"; }}
}});
// the number now at a counter for this service, and which windows serve it (staffed and open), from /api/hall
function showHall(h) {{
  const at = h.windows.filter((w) => w.current && w.current_service === SERVICE).map((w) => w.current + "（" + w.number + "号窗口）");
  const last = h.recent_calls.find((c) => c.service === SERVICE);
  document.getElementById("serving").textContent = at.length ? at.slice(0, 3).join("、") : last ? last.number : "暂无";
  const open = h.windows.filter((w) => w.state === "open" && w.staffed && w.services.includes(SERVICE)).map((w) => w.number);
  document.getElementById("windows").textContent = open.length ? open.join("、") + " 号窗口" : "暂无窗口办理";
}}
async function loadHall() {{
  try {{ const r = await fetch("/api/hall"); if (r.ok) {{ hall = await r.json(); showHall(hall); }} }} catch (e) {{}}
}}
// one hall service may cover several guide items (a property transfer covers resale and inheritance): one link each
async function loadGuide() {{
  try {{
    const r = await fetch("/api/guides?limit=8&service=" + encodeURIComponent(SERVICE));
    const guides = r.ok ? await r.json() : [];
    const links = document.getElementById("guide-links");
    for (const g of guides) {{
      const a = document.createElement("a");
      a.className = "button light"; a.textContent = g.name;
      a.href = "/guides/" + encodeURIComponent(g.code) + "#materials";
      links.append(a);
    }}
    guideFound = guides.length > 0;
    document.getElementById("guide").hidden = !(guideWanted && guideFound);
  }} catch (e) {{}}
}}
async function refresh() {{
  await loadHall();
  try {{ const r = await fetch("/api/tickets/{token}"); if (r.ok) show(await r.json()); }} catch (e) {{}}
}}
show({initial});
loadSms();
loadHall();
loadGuide();
setInterval(refresh, 15000);
</script>
</body></html>
"""


def _survey_link(config, token: str) -> str:
    """The questionnaire line shown with the review button once the ticket is finished, when the hall has an active
    questionnaire (read from the hall file, not from the surveys area: the queue core imports no other area)."""
    items = config.sections.get("surveys", {}).get("items", [])
    if not any(isinstance(s, dict) and s.get("active", True) for s in items):
        return ""
    return (f'<p id="survey" hidden style="text-align:center;margin:0 0 14px"><a href="/s/{html.escape(token)}" '
            f'style="font-size:18px;color:#0d47a1">请参加问卷调查，帮助我们改进服务</a></p>')


@routes.get("/t/{token}", "排队进度页 Public status page (HTML)", params=TicketPath, produces="text/html",
            responses={"200": "HTML", "404": "unknown ticket"})
async def _handle_status_page(request: web.Request, path: TicketPath) -> web.Response:
    token = path.token
    await roll_day(request.app)
    ticket = request.app[HALL].ticket_by_token(token)
    hall_name = html.escape(request.app[CONFIG].hall.name)
    if ticket is None:
        body = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" '
                f'content="width=device-width, initial-scale=1"><title>号码不存在</title></head><body>'
                f'<h2>{hall_name}</h2><p>没有找到这个号码，请核对二维码或到服务台咨询。</p></body></html>')
        return web.Response(text=body, content_type="text/html", status=404)
    initial = json.dumps({k: ticket[k] for k in ("status", "ahead", "estimated_wait_min", "window")})
    page = _PAGE.format(
        hall=hall_name, number=html.escape(ticket["number"]), service=html.escape(ticket["service_name"]),
        status="", ahead="", wait="", review_url=html.escape(ticket["review_url"]), token=html.escape(token),
        initial=initial, survey_link=_survey_link(request.app[CONFIG], token),
        service_code=json.dumps(ticket["service"]),
    )
    return web.Response(text=page, content_type="text/html")


def setup(app: web.Application) -> None:
    routes.add_to(app)
