"""The ticket's public status page (``/t/{token}``): a phone-sized page in Chinese, opened from the ticket's QR code.

It shows the number, how many wait ahead, the estimated wait and, once called, which window to go to. It refreshes
itself from ``GET /api/tickets/{token}``; no app, no external scripts.
"""
from __future__ import annotations

import html
import json

from aiohttp import web

from queue_server.keys import CONFIG, HALL
from queue_server.queue.http import roll_day

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
</style></head>
<body><header>{hall}</header><main>
<div class="card"><div class="number" id="number">{number}</div><div class="service" id="service">{service}</div></div>
<div class="card called" id="called" hidden></div>
<div class="card" id="queue">
 <div class="row"><span>状态</span><b id="status">{status}</b></div>
 <div class="row"><span>前面等候</span><b id="ahead">{ahead}</b></div>
 <div class="row"><span>预计等候</span><b id="wait">{wait}</b></div>
</div>
<div class="card" id="review" hidden><a class="button" href="{review_url}">评价本次服务</a></div>
<p class="muted">页面每15秒自动刷新。请留意大厅叫号，过号请到服务台咨询。</p>
</main>
<script>
const STATUS = {{waiting:"等候中", transferred:"已转移，等候中", called:"请到窗口办理", serving:"办理中",
  finished:"已办结", no_show:"已过号", held:"暂缓办理，备齐后回原窗口", expired:"已过期"}};
function show(t) {{
  document.getElementById("status").textContent = STATUS[t.status] || t.status;
  const waiting = t.status === "waiting" || t.status === "transferred";
  document.getElementById("ahead").textContent = !waiting ? "-" : t.ahead > 0 ? t.ahead + " 人" : "没有人，即将叫号";
  const wait = t.estimated_wait_min;
  document.getElementById("wait").textContent = !waiting || wait === null ? "-" : wait < 1 ? "不到 1 分钟" : "约 " + wait + " 分钟";
  const called = document.getElementById("called");
  called.hidden = !(t.status === "called" || t.status === "serving");
  if (!called.hidden) called.textContent = "请到 " + t.window + " 号窗口办理";
  document.getElementById("review").hidden = t.status !== "finished";
}}
async function refresh() {{
  try {{ const r = await fetch("/api/tickets/{token}"); if (r.ok) show(await r.json()); }} catch (e) {{}}
}}
show({initial});
setInterval(refresh, 15000);
</script>
</body></html>
"""


async def _handle_status_page(request: web.Request) -> web.Response:
    token = request.match_info["token"]
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
        initial=initial,
    )
    return web.Response(text=page, content_type="text/html")


def setup(app: web.Application) -> None:
    app.router.add_get("/t/{token}", _handle_status_page)


OPENAPI_PATHS = {
    "/t/{token}": {"get": {"summary": "排队进度页 Public status page (HTML)",
                           "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}],
                           "responses": {"200": {"description": "HTML"}, "404": {"description": "unknown ticket"}}}},
}
