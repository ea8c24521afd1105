"""Exports of the ledgers as CSV and Excel, and of the reviews in the GB/T 39046 field layout.

Levels become numeric codes only here, through the configured mapping (national or reversed numbering). Names and
phones are masked in every export, as on screen.
"""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlite_utils import Database

from queue_server.core.case_refs import ticket_case_no
from queue_server.core.sheets import quoted_cell
from queue_server.reviews import complaints as complaints_mod
from queue_server.reviews import rectification
from queue_server.reviews.common import mask_name, mask_phone, parse
from queue_server.reviews.followups import CATEGORIES
from queue_server.reviews.levels import CHANNEL_CODES, channel_name, level_name
from queue_server.reviews.settings import ReviewSettings

LEDGERS = {"reviews": "评价台账", "rectifications": "差评整改台账", "complaints": "有诉即办台账",
           "followups": "企业回访台账", "gbt39046": "好差评数据（GBT39046）"}
GBT_HEADERS = ["办件编号", "评价渠道", "评价人", "评价时间", "评价次数", "满意度名称", "满意度代码", "评价内容",
               "行政区划代码"]

Table = tuple[list[str], list[list[Any]]]


def _t(text: str | None, tz: Any) -> str:
    """Stored UTC text → ``YYYY-MM-DD HH:MM:SS`` hall time ('' when absent)."""
    value = parse(text)
    return "" if value is None else value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def _yes(flag: Any) -> str:
    return "是" if flag else "否"


def reviews_table(db: Database, config: Any, day_from: str, day_to: str) -> Table:
    """Every review, voided ones included and marked."""
    tz = config.hall.tz
    headers = ["评价编号", "业务日期", "号码", "事项", "部门", "窗口", "工号", "评价等级", "差评原因", "评价内容",
               "评价渠道", "邀评", "评价时间", "异常标记", "作废时间", "作废原因", "审批人", "办件编号", "事项编码"]
    rows = []
    for r in db.query("SELECT * FROM reviews WHERE business_day BETWEEN ? AND ? ORDER BY id", [day_from, day_to]):
        service = config.services.get(r["service"])
        department = config.departments.get(r["department"]) if r["department"] else None
        rows.append([r["id"], r["business_day"], r["ticket_number"], service.name if service else r["service"],
                     department.name if department else "", r["window"], r["staff_no"] or "",
                     level_name(r["level"]), "；".join(json.loads(r["reasons"])), r["comment"],
                     channel_name(r["channel"]), _yes(r["invited"]), _t(r["created_at"], tz), _yes(r["flagged"]),
                     _t(r["voided_at"], tz), r["void_reason"] or "", r["void_approver"] or "",
                     _case_no(r, config), r["item_code"] or ""])
    return headers, rows


def _case_no(review: dict[str, Any], config: Any) -> str:
    """The 办件编号 kept with the review; reviews older than that column get the ticket's derived number."""
    return review["case_no"] or ticket_case_no(config.hall.region_code, review["business_day"],
                                               review["ticket_number"])


def rectifications_table(db: Database, config: Any, day_from: str, day_to: str, now: datetime) -> Table:
    """Every bad-review case with its deadlines, actions, verdict and whether it was late."""
    tz = config.hall.tz
    headers = ["案件编号", "评价编号", "号码", "窗口", "事项", "评价等级", "状态", "责任人", "立案时间", "回访时限",
               "回访时间", "回访情况", "整改时限", "整改完成时间", "整改措施", "群众评价", "逾期", "按期整改"]
    rows = []
    for c in rectification.list_cases(db, day_from=day_from, day_to=day_to)[::-1]:
        service = config.services.get(c["service"])
        late = rectification.overdue_kind(c, now)
        on_time = rectification.on_time(c)
        rows.append([c["id"], c["review_id"], c["ticket_number"], c["window"],
                     service.name if service else c["service"], level_name(c["level"]),
                     rectification.STATES[c["state"]], c["responsible"] or "", _t(c["opened_at"], tz),
                     _t(c["callback_due"], tz), _t(c["called_back_at"], tz), c["callback_note"] or "",
                     _t(c["rectify_due"], tz), _t(c["rectified_at"], tz), c["measures"] or "",
                     rectification.VERDICTS.get(c["verdict"], ""),
                     {"callback": "回访逾期", "rectify": "整改逾期"}.get(late or "", ""),
                     "" if on_time is None else _yes(on_time)])
    return headers, rows


def complaints_table(db: Database, config: Any, day_from: str, day_to: str, now: datetime) -> Table:
    """The 有诉即办 ledger (complainant and phone masked)."""
    tz = config.hall.tz
    headers = ["编号", "类型", "受理时间", "渠道", "诉求人", "联系电话", "诉求内容", "事项", "窗口", "责任人",
               "办结时限", "状态", "答复", "答复时间", "群众确认", "逾期"]
    rows = []
    for c in complaints_mod.list_rows(db, day_from=day_from, day_to=day_to)[::-1]:
        service = config.services.get(c["service"]) if c["service"] else None
        rows.append([c["id"], complaints_mod.KINDS[c["kind"]], _t(c["received_at"], tz),
                     complaints_mod.CHANNELS.get(c["channel"], c["channel"]), mask_name(c["complainant"]),
                     mask_phone(c["phone"]), c["content"], service.name if service else "", c["window"] or "",
                     c["responsible"], _t(c["due_at"], tz), complaints_mod.STATES[c["state"]], c["answer"] or "",
                     _t(c["resolved_at"], tz), {"satisfied": "满意", "dissatisfied": "不满意"}.get(
                         c["confirmation"] or "", ""), _yes(complaints_mod.overdue(c, now))])
    return headers, rows


def followups_table(db: Database, config: Any) -> Table:
    """One line per call-back (an enterprise not yet called has one line with the call columns empty)."""
    tz = config.hall.tz
    headers = ["企业名称", "统一社会信用代码", "企业类别", "联系人", "联系电话", "办理事项", "办理日期", "回访时间",
               "回访人", "是否接通", "工作人员态度", "办事体验", "总体满意度", "备注", "抽查次数", "抽查结果"]
    rows = []
    for e in db.query("SELECT * FROM enterprises ORDER BY id"):
        service = config.services.get(e["service"]) if e["service"] else None
        head = [e["name"], e["credit_code"], CATEGORIES[e["category"]], mask_name(e["contact"]) if e["contact"]
                else "", mask_phone(e["phone"]), service.name if service else "", e["served_on"]]
        calls = list(db.query("SELECT * FROM followups WHERE enterprise_id = ? ORDER BY id", [e["id"]]))
        if not calls:
            rows.append(head + [""] * 9)
        for f in calls:
            samples = list(db.query("SELECT consistent FROM followup_samples WHERE followup_id = ? ORDER BY id",
                                    [f["id"]]))
            result = "" if not samples else ("一致" if all(s["consistent"] for s in samples) else "不一致")
            rows.append(head + [_t(f["called_at"], tz), f["caller"], _yes(f["reached"]),
                                level_name(f["conduct"]) if f["conduct"] else "",
                                level_name(f["experience"]) if f["experience"] else "",
                                level_name(f["satisfaction"]) if f["satisfaction"] else "", f["notes"],
                                len(samples), result])
    return headers, rows


def gbt39046_table(db: Database, config: Any, settings: ReviewSettings, day_from: str, day_to: str) -> Table:
    """Valid reviews in the GB/T 39046 Table 9 field layout, level codes per the configured mapping."""
    tz = config.hall.tz
    region = config.hall.region_code
    rows = []
    for r in db.query("SELECT * FROM reviews WHERE business_day BETWEEN ? AND ? AND voided_at IS NULL ORDER BY id",
                      [day_from, day_to]):
        case_no = _case_no(r, config)
        text = "；".join([*json.loads(r["reasons"]), *([r["comment"]] if r["comment"] else [])])
        rows.append([case_no, CHANNEL_CODES[r["channel"]], r["rater"] or "匿名",
                     parse(r["created_at"]).astimezone(tz).strftime("%Y%m%dT%H%M%S"), 1, level_name(r["level"]),
                     settings.level_codes[r["level"]], text, region])
    return GBT_HEADERS, rows


def build(ledger: str, db: Database, config: Any, settings: ReviewSettings, day_from: str, day_to: str,
          now: datetime) -> Table:
    """The table of one ledger (a key of :data:`LEDGERS`)."""
    if ledger == "reviews":
        return reviews_table(db, config, day_from, day_to)
    if ledger == "rectifications":
        return rectifications_table(db, config, day_from, day_to, now)
    if ledger == "complaints":
        return complaints_table(db, config, day_from, day_to, now)
    if ledger == "followups":
        return followups_table(db, config)
    if ledger == "gbt39046":
        return gbt39046_table(db, config, settings, day_from, day_to)
    raise KeyError(ledger)


def cell_text(value: Any) -> Any:
    """A value safe for a spreadsheet: characters an ``.xlsx`` cannot hold replaced, text a citizen typed that starts
    like a formula quoted, never run (:mod:`queue_server.core.sheets`)."""
    return quoted_cell(value)


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so Excel on a Chinese Windows opens it right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table[0])
    writer.writerows([cell_text(v) for v in row] for row in table[1])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table, title: str) -> bytes:
    """One sheet named ``title``: bold header row, frozen, columns sized to their content.

    Written in openpyxl's write-only mode, which streams rows instead of building a cell object per value.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", title)[:31])
    headers, rows = table
    for i, header in enumerate(headers, start=1):
        width = max([len(str(header)) * 2, *(len(str(r[i - 1])) for r in rows[:500])], default=8)
        ws.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(ws, value=header)
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        ws.append([cell_text(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
