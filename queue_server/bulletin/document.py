"""The bulletin as a Word document (python-docx), laid out as a Chinese official notice (GB/T 9704 habits):
a 小标宋 title, 黑体 section headings, 仿宋 body text, and plain bordered tables a hall can paste into its 通报."""
from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from queue_server.bulletin.report import UNIT_COLUMNS, shown

TITLE_FONT, HEADING_FONT, BODY_FONT = "方正小标宋简体", "黑体", "仿宋_GB2312"


def _font(run, name: str, size: float, bold: bool = False) -> None:
    # Word picks the East Asian face from w:eastAsia; python-docx's font.name sets only the Latin one.
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _paragraph(doc, text: str, font: str = BODY_FONT, size: float = 16, *, bold: bool = False,
               center: bool = False, indent: bool = True):
    para = doc.add_paragraph()
    if center:
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif indent:
        para.paragraph_format.first_line_indent = Pt(2 * size)  # 首行缩进两字
    _font(para.add_run(text), font, size, bold)
    return para


#: the text width of an A4 page with the 公文 margins, shared by a table's columns
TEXT_WIDTH_CM = 15.6


def _table(doc, header: list[str], rows: list[list[str]], first_cm: float = 4.2) -> None:
    """A bordered table; the first column (a unit's or case's name) gets ``first_cm``, the rest share the width."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    rest = (TEXT_WIDTH_CM - first_cm) / max(1, len(header) - 1)
    widths = [Cm(first_cm)] + [Cm(rest)] * (len(header) - 1)
    for values, font in ((header, HEADING_FONT), *((row, BODY_FONT) for row in rows)):
        cells = table.rows[0].cells if font == HEADING_FONT else table.add_row().cells
        for cell, text, width in zip(cells, values, widths):
            cell.width = width  # Word reads each cell's width, not the column's
            cell.text = ""
            _font(cell.paragraphs[0].add_run(text), font, 9)


def _said(value: Any, kind: str) -> str:
    """A figure inside a sentence: 暂无 where there is nothing to count yet."""
    return "暂无" if value is None else shown(value, kind)


def _cases_text(c: dict[str, Any]) -> str:
    return f"承诺件 {c['cases']} 件，按时办结率 {_said(c['on_time_rate'], 'rate')}。" if c["cases"] else ""


def _totals_text(t: dict[str, Any]) -> str:
    return (f"本季度共取号 {t['tickets']} 人次，办结 {t['served']} 件，平均等候 {_said(t['mean_wait_min'], 'min')} 分钟，"
            f"等候超过20分钟的占 {_said(t['share_over_20_min'], 'rate')}。收到有效评价 {t['reviews']} 条，"
            f"好评率 {_said(t['good_rate'], 'rate')}，主动评价率 {_said(t['active_review_rate'], 'rate')}；"
            f"差评整改 {t['rectification_cases']} 件，按期整改率 {_said(t['on_time_rectification_rate'], 'rate')}，"
            f"整改满意率 {_said(t['rectification_satisfaction_rate'], 'rate')}；有诉即办 {t['complaints']} 件，"
            f"按期办结率 {_said(t['complaints_on_time_rate'], 'rate')}。")


def _consult_text(c: dict[str, Any]) -> str:
    o = c["outcomes"]
    return (f"咨询导办台登记咨询 {c['total']} 次，其中当场解答 {o['answered']} 次，引导至窗口 {o['to_window']} 次，"
            f"帮助网上申办 {o['online']} 次。") if c["total"] else ""


def _surveys_part(doc, surveys: list[dict[str, Any]]) -> None:
    """问卷调查: each questionnaire's answers and, per unit, the questions below the thresholds (the city's name
    the hall each questionnaire is of)."""
    for s in surveys:
        weak = "；".join(f"{u['name']}：{'，'.join(u['points'])}" for u in s["units"])
        _paragraph(doc, f"本季度{s.get('hall', '')}“{s['title']}”共收到 {s['answers']} 份答卷。" + (
            f"以下单位存在薄弱环节，请相关窗口单位对照整改：{weak}。" if weak else "各单位均未出现低于通报标准的薄弱环节。"))


def write_docx(content: dict[str, Any]) -> bytes:
    """The bulletin of :func:`queue_server.bulletin.report.gather`'s ``content`` as .docx bytes."""
    doc = Document()
    _paragraph(doc, content["title"], TITLE_FONT, 22, center=True)
    _paragraph(doc, f"（统计期间：{content['span']}）", BODY_FONT, 14, center=True)
    _paragraph(doc, "一、总体情况", HEADING_FONT, 16, indent=False)
    _paragraph(doc, _totals_text(content["totals"]) + _cases_text(content["promised_cases"])
               + _consult_text(content["consultations"]))
    # the city's bulletin ranks halls (大厅) where the hall's ranks its units (单位)
    unit = content.get("unit_word", "单位")
    _paragraph(doc, f"二、各{unit}指标", HEADING_FONT, 16, indent=False)
    _table(doc, [unit, *(heading for _, heading, _ in UNIT_COLUMNS)],
           [[u["name"], *(shown(u.get(f), kind) for f, _, kind in UNIT_COLUMNS)] for u in content["units"]])
    if content["untrained_units"]:
        _paragraph(doc, "本季度未开展培训的单位：" + "、".join(content["untrained_units"]) + "。")
    if "activity_table" in content:  # the city's: each hall's consultations and questionnaires, 无数据 where none
        _paragraph(doc, "各大厅咨询导办与问卷调查", BODY_FONT, 16, bold=True, indent=False)
        _table(doc, *content["activity_table"], first_cm=3.6)
    if content["survey_weak_points"]:
        # part of the units' figures: the plan asks the centre to report questionnaire results to the units concerned
        _paragraph(doc, "问卷调查反映的薄弱环节（通报相关窗口单位）", BODY_FONT, 16, bold=True, indent=False)
        _surveys_part(doc, content["survey_weak_points"])
    _paragraph(doc, f"三、{unit}排名", HEADING_FONT, 16, indent=False)
    weights = "，".join(f"{name} {w:g}" for name, w in content["weights"].items())
    _paragraph(doc, f"按指标加权计分（{weights}），满分100分，得分相同的并列。本季度无办结业务的{unit}列为"
                    "“无数据”，不参与排名。")
    _table(doc, ["名次", unit, "得分"],
           [[str(r["rank"]) if r["rank"] else "—", r["name"], "无数据" if r["no_data"] else f"{r['score']:.2f}"]
            for r in content["ranking"]], first_cm=2.0)
    _paragraph(doc, "四、逾期未办结事项", HEADING_FONT, 16, indent=False)
    if "overdue_table" in content:  # the city's: how many each hall has overdue, not every case
        header, rows = content["overdue_table"]
        if rows:
            _table(doc, header, rows)
        else:
            _paragraph(doc, "截至通报生成时，各大厅无逾期未办结的承诺件、差评整改和诉求。")
        return _finish(doc)
    cases, late, tasks = content["overdue_cases"], content["overdue_complaints"], content["overdue_tasks"]
    promised_late = content["overdue_promised_cases"]
    if not cases and not late and not tasks and not promised_late:
        _paragraph(doc, "截至通报生成时，无逾期未办结的承诺件、差评整改、诉求和工作任务。")
    if promised_late:
        _table(doc, ["承诺件", "号码", "事项", "窗口", "受理", "时限", "状态"],
               [[f"#{c['id']}", c["ticket_number"], c["guide_name"], f"{c['window']}号窗口", c["accepted_at"][:10],
                 c["deadline"][:10], c["state_name"]] for c in promised_late], first_cm=2.0)
    if cases:
        _table(doc, ["差评整改", "号码", "窗口", "评价", "逾期环节", "时限", "责任人"],
               [[f"#{c['id']}", c["ticket"], f"{c['window']}号窗口", c["level_name"],
                 "回访核实" if c["overdue"] == "callback" else "整改",
                 c["callback_due"] if c["overdue"] == "callback" else c["rectify_due"], c["responsible"] or "未指定"]
                for c in cases], first_cm=2.0)
    if late:
        _table(doc, ["诉求", "类别", "时限", "责任人"],
               [[f"#{c['id']}", c["kind_name"], c["due_at"], c["responsible"] or "未指定"] for c in late], first_cm=2.0)
    if tasks:
        _table(doc, ["工作任务", "任务", "责任单位", "责任人", "时限", "状态"],
               [[f"#{t['id']}", t["title"], t["unit"], t["owner"], t["deadline"], t["state_name"]] for t in tasks],
               first_cm=2.0)
    return _finish(doc)


def _finish(doc) -> bytes:
    _paragraph(doc, "以上数据由政务服务大厅排队叫号与好差评系统根据业务记录自动统计，未经人工修改。", BODY_FONT, 12)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
