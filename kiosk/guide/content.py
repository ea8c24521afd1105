"""Turn a guide (``GET /api/guides/{code}``) into what the kiosk shows and what the 告知单 prints.

Pure functions, no Kivy: sections of Chinese text for the guide page, and a printable one-time notification slip
(一次性告知单) built from the same guide data (信息同源).
"""
from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any


def _days(value: Any) -> str:
    if value is None:
        return "未注明"
    return "即办" if value == 0 else f"{value}个工作日"


def material_line(material: dict[str, Any]) -> str:
    """One material as a line: name, required or not, originals and copies, issuer."""
    parts = [material.get("name", "")]
    parts.append("（必需）" if material.get("required", True) else "（非必需）")
    counts = []  # a count of 0 is left out: "复印件0份" on a citizen's page reads like a demand
    if material.get("originals"):
        counts.append(f"原件{material['originals']}份")
    if material.get("copies"):
        counts.append(f"复印件{material['copies']}份")
    if counts:
        parts.append(" " + "，".join(counts))
    if material.get("issuer"):
        parts.append(f"；出具：{material['issuer']}")
    return "".join(parts)


def guide_sections(guide: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The guide page, top to bottom, as (heading, lines)."""
    sections: list[tuple[str, list[str]]] = []
    if guide.get("conditions"):
        sections.append(("受理条件", list(guide["conditions"])))
    if guide.get("materials"):
        sections.append(("申请材料", [material_line(m) for m in guide["materials"]]))
    if guide.get("steps"):
        sections.append(("办理流程", [f"{i}. {s}" for i, s in enumerate(guide["steps"], 1)]))
    sections.append(("办理时限", [f"法定时限：{_days(guide.get('legal_days'))}",
                                  f"承诺时限：{_days(guide.get('promised_days'))}"]))
    sections.append(("收费标准", [guide.get("fee") or "不收费"]))
    place = [x for x in (guide.get("place"), guide.get("hours")) if x]
    if place:
        sections.append(("办理地点和时间", place))
    phones = []
    if guide.get("consult_phone"):
        phones.append(f"咨询电话：{guide['consult_phone']}")
    if guide.get("supervise_phone"):
        phones.append(f"监督电话：{guide['supervise_phone']}")
    if phones:
        sections.append(("联系电话", phones))
    return sections


def notice_slip(guide: dict[str, Any], hall_name: str, printed_at: datetime, tz: tzinfo) -> Any:
    """The 一次性告知单 for ``guide`` as a ``devices.printer.document.PrintDocument``."""
    from devices.printer.document import Feed, Line, PrintDocument, Rule

    blocks: list[Any] = [Line(hall_name, size="large", bold=True, align="center"),
                         Line("一次性告知单", size="large", bold=True, align="center"), Rule(),
                         Line(f"事项：{guide.get('name', '')}", bold=True)]
    for heading, lines in guide_sections(guide):
        blocks.append(Line(f"【{heading}】", bold=True))
        blocks.extend(Line(line) for line in lines)
    blocks += [Rule(), Line("需补正的材料/问题（由窗口填写）："), Feed(3), Line("告知人："), Line("日期："),
               Rule(), Line(f"打印时间：{printed_at.astimezone(tz):%Y-%m-%d %H:%M}", align="center")]
    return PrintDocument(blocks=blocks, cut=True)
