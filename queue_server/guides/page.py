"""HTML pages of the guides: the whole guide (for a phone or a print-out) and the staff's pick form for a
one-time notification slip.  Plain HTML and a few lines of script; no external resources.
"""
from __future__ import annotations

import html

from queue_server.guides.model import Guide
from queue_server.guides.notice import material_requirement

_STYLE = """body{font-family:"Noto Sans SC","Microsoft YaHei",sans-serif;max-width:760px;margin:16px auto;padding:0 12px;
color:#1b1f24;line-height:1.6}h1{font-size:24px}h2{font-size:18px;border-left:4px solid #b71c1c;padding-left:8px;
margin-top:22px}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 6px;text-align:left}
.muted{color:#666}label{display:block;margin:4px 0}select,input[type=text]{font-size:15px}button{font-size:17px;
padding:8px 22px;margin-top:12px}#error{color:#b71c1c}"""


def _days(value: int | None) -> str:
    if value is None:
        return "未明确"
    return "即办" if value == 0 else f"{value} 个工作日"


def _list(items: tuple[str, ...]) -> str:
    if not items:
        return "<p class=muted>无</p>"
    return "<ol>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ol>"


def guide_html(guide: Guide, department_name: str, hall_name: str) -> str:
    """The whole guide as a readable page (all GB/T 39046 elements)."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{i}</td><td>{e(m.name)}</td><td>{e(m.issuer)}</td><td>{m.originals if m.originals is not None else ''}"
        f"</td><td>{m.copies if m.copies is not None else ''}</td><td>{'是' if m.required else '否'}</td>"
        f"<td>{e(m.format)}</td><td>{e(m.note)}</td></tr>" for i, m in enumerate(guide.materials, start=1))
    faq = "".join(f"<p><b>问：{e(f.question)}</b><br>答：{e(f.answer)}</p>" for f in guide.faq) or "<p class=muted>无</p>"
    forms = "".join(f"<li>{e(f.name)}：{e('、'.join(f.fields))}</li>" for f in guide.forms)
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{e(guide.name)} - 办事指南</title>
<style>{_STYLE}</style></head><body>
<p class=muted>{e(hall_name)} · {e(department_name)} · 事项编码 {e(guide.code)}</p><h1>{e(guide.name)}</h1>
<h2>设定依据</h2>{_list(guide.basis)}<h2>受理条件</h2>{_list(guide.conditions)}
<h2 id="materials">申请材料</h2><table><tr><th>序号</th><th>材料名称</th><th>出具单位</th><th>原件</th><th>复印件</th><th>必要</th>
<th>形式</th><th>备注</th></tr>{rows}</table>
<h2>办理流程</h2>{_list(guide.steps)}
<h2>办理时限</h2><p>法定时限：{_days(guide.legal_days)}；承诺时限：{_days(guide.promised_days)}</p>
<h2>收费</h2><p>{e(guide.fee or '未明确')}</p><h2>预约</h2><p>{'可预约' if guide.appointment else '无需预约'}</p>
<h2>办理地点与时间</h2><p>{e(guide.place)}<br>{e(guide.hours)}</p>
<h2>咨询与监督</h2><p>咨询电话：{e(guide.consult_phone)}；监督电话：{e(guide.supervise_phone)}</p>
<h2>申请表单</h2><ul>{forms or '<li class=muted>无</li>'}</ul><h2>常见问题</h2>{faq}
</body></html>"""


def pick_form_html(guide: Guide) -> str:
    """The staff's form: mark each material or condition missing or wrong, then record and print the slip.

    The page posts to `POST /api/guides/{code}/notices` with the token given as `?token=` (the staff panel
    opens it that way) and then shows the printable slip."""
    e = html.escape
    choice = ('<select name="{name}"><option value="">{ok}</option><option value="missing">{missing}</option>'
              '<option value="wrong">有误</option></select>')
    materials = "".join(
        f"<label>{choice.format(name=f'material-{i}', ok='齐全', missing='缺少')} {i}. {e(m.name)} <span class=muted>"
        f"({e(material_requirement(guide, i))})</span> <input type=text name=\"note-material-{i}\" "
        f"placeholder=\"说明\"></label>" for i, m in enumerate(guide.materials, start=1))
    conditions = "".join(
        f"<label>{choice.format(name=f'condition-{i}', ok='符合', missing='不符合')} {i}. {e(c)} <input type=text "
        f"name=\"note-condition-{i}\" placeholder=\"说明\"></label>" for i, c in enumerate(guide.conditions, start=1))
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>一次性告知 - {e(guide.name)}</title>
<style>{_STYLE}</style></head><body><h1>一次性告知：{e(guide.name)}</h1>
<form id="pick"><h2>申请材料</h2>{materials}<h2>受理条件</h2>{conditions}
<h2>申请人</h2><label>姓名 <input type=text name="applicant"></label><label>排队号 <input type=text name="ticket"></label>
<button type="submit">生成并打印告知单</button><p id="error"></p></form>
<script>
document.getElementById("pick").addEventListener("submit", async (ev) => {{
  ev.preventDefault();
  const form = new FormData(ev.target), picks = [];
  for (const [name, value] of form.entries()) {{
    const m = name.match(/^(material|condition)-(\\d+)$/);
    if (m && value) picks.push({{kind: m[1], index: Number(m[2]), problem: value,
                                note: form.get("note-" + name) || ""}});
  }}
  const token = new URLSearchParams(location.search).get("token") || "";
  const r = await fetch("/api/guides/{e(guide.code)}/notices", {{method: "POST",
    headers: {{"Content-Type": "application/json", "Authorization": "Bearer " + token}},
    body: JSON.stringify({{picks, applicant: form.get("applicant"), ticket: form.get("ticket")}})}});
  const body = await r.json();
  if (r.ok) location.href = body.html_url; else document.getElementById("error").textContent = body.message;
}});
</script></body></html>"""
