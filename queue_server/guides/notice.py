"""One-time notification slip (一次性告知单, 行政许可法 art. 32) built from a guide (信息同源).

Staff pick, from the guide's own materials and conditions, what is missing (缺少) or wrong (有误), with an
optional note each; the slip lists all of it at once with the legal basis, the hall's contact and supervision
phones and the date, for the citizen to sign.  It renders as a printable HTML page here and as a ticket-printer
document in `queue_server.guides.slip_print`.  The applicant's name is masked (张*三) as everything printed is.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from queue_server.core.privacy import mask_name  # noqa: F401 - slips mask the applicant's name
from queue_server.guides.model import Guide

LAW_BASIS = "《中华人民共和国行政许可法》第三十二条"
PROBLEMS = {"missing": "缺少", "wrong": "有误"}
CONDITION_PROBLEMS = {"missing": "不符合", "wrong": "有误"}


class PickError(ValueError):
    """A pick that does not name an element of the guide; `field` says which input is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Pick:
    """What staff picked: `kind` is `material` or `condition`, `index` counts from 1 as on the guide."""

    kind: str
    index: int
    problem: str = "missing"
    note: str = ""


@dataclass(frozen=True)
class SlipLine:
    """One line of the slip: the element, what is wrong with it, and the requirement the guide states."""

    problem: str
    element: str
    requirement: str
    note: str = ""
    kind: str = "material"

    def text(self) -> str:
        """The line as printed: “[缺少] 居民身份证（原件1份、复印件1份；公安机关）”, “[不符合] 受理条件：…”."""
        labels = CONDITION_PROBLEMS if self.kind == "condition" else PROBLEMS
        out = f"[{labels[self.problem]}] {self.element}"
        if self.requirement:
            out += f"（{self.requirement}）"
        if self.note:
            out += f"：{self.note}"
        return out


@dataclass(frozen=True)
class NotificationSlip:
    """Everything printed on a slip."""

    hall_name: str
    guide_code: str
    guide_name: str
    department: str
    lines: tuple[SlipLine, ...]
    basis: tuple[str, ...]
    consult_phone: str
    hall_phone: str
    supervision_phone: str
    issued_on: date
    number: str = ""
    applicant: str = ""
    window: int | None = None
    staff: str = ""
    ticket: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The slip as a JSON object."""
        return {
            "number": self.number, "hall": self.hall_name, "guide": {"code": self.guide_code, "name": self.guide_name},
            "department": self.department, "applicant": self.applicant, "window": self.window,
            "staff": self.staff, "ticket": self.ticket,
            "lines": [{"kind": ln.kind, "problem": ln.problem, "element": ln.element, "requirement": ln.requirement, "note": ln.note,
                       "text": ln.text()} for ln in self.lines],
            "basis": list(self.basis), "consult_phone": self.consult_phone, "hall_phone": self.hall_phone,
            "supervision_phone": self.supervision_phone, "date": self.issued_on.isoformat(),
            "date_text": date_text(self.issued_on),
        }


def slip_from_dict(data: dict[str, Any]) -> NotificationSlip:
    """Rebuild a slip from its `as_dict()` JSON (a recorded slip, or the API's answer on a client)."""
    return NotificationSlip(
        hall_name=data["hall"], guide_code=data["guide"]["code"], guide_name=data["guide"]["name"],
        department=data["department"],
        lines=tuple(SlipLine(ln["problem"], ln["element"], ln["requirement"], ln["note"], ln.get("kind", "material"))
                    for ln in data["lines"]),
        basis=tuple(data["basis"]), consult_phone=data["consult_phone"], hall_phone=data["hall_phone"],
        supervision_phone=data["supervision_phone"], issued_on=date.fromisoformat(data["date"]),
        number=data["number"], applicant=data["applicant"], window=data["window"], staff=data["staff"],
        ticket=data["ticket"])


def date_text(day: date) -> str:
    """2026年11月23日."""
    return f"{day.year}年{day.month}月{day.day}日"


def material_requirement(guide: Guide, index: int) -> str:
    """“原件1份、复印件1份；公安机关” for the guide's material number `index` (from 1)."""
    m = guide.materials[index - 1]
    parts = []
    if m.originals:
        parts.append(f"原件{m.originals}份")
    if m.copies:
        parts.append(f"复印件{m.copies}份")
    counts = "、".join(parts)
    return "；".join(p for p in (counts, m.issuer, m.format if m.format != "纸质" else "") if p)


def slip_lines(guide: Guide, picks: list[Pick]) -> tuple[SlipLine, ...]:
    """Resolve picks against the guide; raise `PickError` for one that names nothing, or for no picks."""
    if not picks:
        raise PickError("picks", "请至少勾选一项缺少或有误的材料或条件")
    lines: list[SlipLine] = []
    seen: set[tuple[str, int]] = set()
    for n, pick in enumerate(picks):
        where = f"picks[{n}]"
        if pick.problem not in PROBLEMS:
            raise PickError(f"{where}.problem", "应为 missing（缺少）或 wrong（有误）")
        if (pick.kind, pick.index) in seen:
            raise PickError(where, "同一项只能勾选一次")
        seen.add((pick.kind, pick.index))
        if pick.kind == "material":
            if not 1 <= pick.index <= len(guide.materials):
                raise PickError(f"{where}.index", f"该事项没有第 {pick.index} 项材料")
            lines.append(SlipLine(pick.problem, guide.materials[pick.index - 1].name,
                                  material_requirement(guide, pick.index), pick.note.strip()))
        elif pick.kind == "condition":
            if not 1 <= pick.index <= len(guide.conditions):
                raise PickError(f"{where}.index", f"该事项没有第 {pick.index} 项受理条件")
            lines.append(SlipLine(pick.problem, "受理条件：" + guide.conditions[pick.index - 1], "", pick.note.strip(),
                                  kind="condition"))
        else:
            raise PickError(f"{where}.kind", "应为 material（材料）或 condition（受理条件）")
    return tuple(lines)


def build_slip(guide: Guide, picks: list[Pick], *, hall_name: str, hall_phone: str, supervision_phone: str,
               department: str, issued_on: date, number: str = "", applicant: str = "", window: int | None = None,
               staff: str = "", ticket: str = "") -> NotificationSlip:
    """A slip for `guide` listing every pick; the supervision phone is the guide's, else the hall's."""
    return NotificationSlip(
        hall_name=hall_name, guide_code=guide.code, guide_name=guide.name, department=department,
        lines=slip_lines(guide, picks), basis=(LAW_BASIS, *guide.basis), consult_phone=guide.consult_phone or hall_phone,
        hall_phone=hall_phone, supervision_phone=guide.supervise_phone or supervision_phone, issued_on=issued_on,
        number=number, applicant=mask_name(applicant), window=window, staff=staff, ticket=ticket)


_SLIP_HTML = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>一次性告知单 - {guide}</title>
<style>
body{{font-family:"Noto Sans SC","Microsoft YaHei",sans-serif;max-width:720px;margin:24px auto;color:#111;line-height:1.7}}
h1{{text-align:center;font-size:26px;letter-spacing:6px;margin-bottom:4px}}
.no{{text-align:right;color:#444}} ol{{padding-left:1.4em}} li{{margin:6px 0}}
.missing{{color:#b71c1c}} .wrong{{color:#e65100}} .foot{{margin-top:28px}} .sign{{margin-top:36px}}
.phones span{{margin-right:2em}} button{{font-size:16px;padding:6px 18px}}
@media print{{.noprint{{display:none}} body{{margin:0}}}}
</style></head><body>
<h1>一次性告知单</h1>
<div class="no">{number}</div>
<p>{applicant}：</p>
<p>您申请办理的“{guide}”事项（{department}），经审查，申请材料或条件尚需补正。现将需要补正的全部内容一次性告知如下：</p>
<ol>{lines}</ol>
<p>请按上述要求一次性补齐后，再到{hall}{window}办理。</p>
<p>依据：{basis}</p>
<p class="phones"><span>咨询电话：{consult}</span><span>大厅电话：{phone}</span><span>监督电话：{supervision}</span></p>
<div class="foot">{hall}{window_line}{staff}<br>告知日期：{date}</div>
<div class="sign">申请人签收：______________ 日期：______________</div>
<p class="noprint"><button onclick="window.print()">打印</button></p>
</body></html>
"""


def slip_html(slip: NotificationSlip) -> str:
    """The slip as a printable HTML page (A4/A5, browser print)."""
    e = html.escape
    lines = "".join(f'<li class="{ln.problem}">{e(ln.text())}</li>' for ln in slip.lines)
    return _SLIP_HTML.format(
        guide=e(slip.guide_name), number=e(f"编号：{slip.number}") if slip.number else "",
        applicant=e(slip.applicant or "申请人"), department=e(slip.department), lines=lines, hall=e(slip.hall_name),
        window=e(f"{slip.window}号窗口") if slip.window else "", basis=e("；".join(slip.basis)),
        consult=e(slip.consult_phone), phone=e(slip.hall_phone), supervision=e(slip.supervision_phone),
        window_line=e(f" {slip.window}号窗口") if slip.window else "",
        staff=e(f" 经办人：{slip.staff}") if slip.staff else "", date=e(date_text(slip.issued_on)))
