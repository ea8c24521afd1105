"""Quality lint of service guides: what the provincial reviews of 办事指南 keep finding.

Rules (each finding names the guide, the element and what is wrong):

- `vague`: catch-all wording a citizen cannot act on — "相关证明", "相关材料", "其他材料",
  "法律、法规规定的其他条件" and their variants (有关/其它/等, 规章/规范性文件…), in conditions or materials;
- `missing`: a required GB/T 39046 element is empty (basis, conditions, materials, steps, time limits, fee,
  place, hours, phones);
- `material`: a material without its issuing body, or without originals/copies counts;
- `time_limit`: the promised time limit is longer than the legal one;
- `phone`: a consultation or supervision phone that is not a dialable Chinese number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from queue_server.guides.model import Catalogue, Guide

ELEMENT_NAMES = {
    "name": "事项名称", "basis": "设定依据", "conditions": "受理条件", "materials": "申请材料",
    "steps": "办理流程", "legal_days": "法定办结时限", "promised_days": "承诺办结时限", "fee": "收费标准",
    "place": "办理地点", "hours": "办理时间", "consult_phone": "咨询电话", "supervise_phone": "监督投诉电话",
}
REQUIRED_ELEMENTS = tuple(ELEMENT_NAMES)

_VAGUE = [
    re.compile(r"(相关|有关|其他|其它|其余)(的)?(相关|有关)?(证明|材料|文件|资料|证件|手续)"),
    re.compile(r"(法律|法规|规章|规范性文件|政策)[^。;；]{0,12}(规定|要求)的?(其他|其它)[^。;；]{0,4}(条件|材料|情形|要求)"),
    re.compile(r"(其他|其它)(条件|情形)$"),
    re.compile(r"等(相关|有关)?(材料|证明)$"),
]
_PHONE = re.compile(
    r"^(?:0\d{2,3}-?\d{7,8}(?:-\d{1,6})?"   # landline with area code, optional extension
    r"|1[3-9]\d{9}"                          # mobile
    r"|1\d{4}"                               # service numbers such as 12345
    r"|[48]00-?\d{3}-?\d{4})$"               # 400 / 800 numbers
)


@dataclass(frozen=True)
class Finding:
    """One lint finding: the guide, the element (with its position) and what is wrong."""

    code: str
    name: str
    element: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """The finding as a JSON object."""
        return {"code": self.code, "name": self.name, "element": self.element, "rule": self.rule,
                "message": self.message}


def vague_phrase(text: str) -> str | None:
    """The catch-all phrase in `text`, or None when there is none."""
    for pattern in _VAGUE:
        m = pattern.search(text)
        if m:
            return m.group(0)
    return None


def valid_phone(text: str) -> bool:
    """True for a dialable Chinese number: area code + landline, mobile, 12345-style or 400/800."""
    return bool(_PHONE.match(text.replace(" ", "")))


def lint_guide(g: Guide) -> list[Finding]:
    """All findings for one guide, in element order."""
    out: list[Finding] = []

    def add(element: str, rule: str, message: str) -> None:
        out.append(Finding(g.code, g.name, element, rule, message))

    for key in REQUIRED_ELEMENTS:
        value = getattr(g, key)
        if value is None or value == "" or value == ():
            add(ELEMENT_NAMES[key], "missing", "缺少该要素")
    for i, text in enumerate(g.conditions, start=1):
        phrase = vague_phrase(text)
        if phrase:
            add(f"受理条件[{i}]", "vague", f"含兜底表述“{phrase}”，应写明具体条件")
    for i, m in enumerate(g.materials, start=1):
        element = f"申请材料[{i}] {m.name}"
        phrase = vague_phrase(m.name)
        if phrase:
            add(element, "vague", f"含兜底表述“{phrase}”，应列明具体材料")
        if not m.issuer:
            add(element, "material", "未写明出具单位（来源渠道）")
        if m.originals is None and m.copies is None:
            add(element, "material", "未写明原件、复印件份数")
        elif not (m.originals or m.copies):
            add(element, "material", "原件、复印件份数均为 0")
    if g.legal_days is not None and g.promised_days is not None and g.promised_days > g.legal_days:
        add("承诺办结时限", "time_limit",
            f"承诺时限 {g.promised_days} 个工作日长于法定时限 {g.legal_days} 个工作日")
    for key in ("consult_phone", "supervise_phone"):
        phone = getattr(g, key)
        if phone and not valid_phone(phone):
            add(ELEMENT_NAMES[key], "phone", f"号码“{phone}”格式不正确（应含区号，如 0394-4211234）")
    return out


def lint_catalogue(cat: Catalogue) -> list[Finding]:
    """Findings for every guide of the catalogue, guide by guide."""
    out: list[Finding] = []
    for g in cat.guides.values():
        out += lint_guide(g)
    return out


def format_report(findings: list[Finding], checked: int) -> str:
    """A plain-text report grouped by guide, ending with a one-line summary."""
    lines: list[str] = []
    current = None
    for f in findings:
        if f.code != current:
            current = f.code
            lines.append(f"{f.code} {f.name}")
        lines.append(f"  {f.element}: [{f.rule}] {f.message}")
    flagged = len({f.code for f in findings})
    lines.append(f"检查事项 {checked} 项，{flagged} 项有问题，共 {len(findings)} 处。")
    return "\n".join(lines)
