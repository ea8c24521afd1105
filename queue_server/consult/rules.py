"""What a consultation record must carry, and the register's reads: the listing, counts per service and outcome,
and the .xlsx export. Pure over the database; the routes add auth and HTTP."""
from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from sqlite_utils import Database

from queue_server.core.config import HallConfig
from queue_server.core.errors import invalid

#: outcome code → the desk's button: resolved on the spot, sent to a window, helped with an online application
OUTCOMES = {"answered": "当场解答", "to_window": "引导至窗口", "online": "帮助网上申办"}
QUESTION_MAX, ANSWER_MAX = 500, 1000
# C0 controls other than tab and newline, DEL, and C1 controls: a pasted text must not smuggle them into a ledger
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """Text as the register keeps it: control characters removed, surrounding spaces trimmed."""
    return _CONTROL.sub("", text).strip()


def consultation_input(body: dict[str, Any], config: HallConfig) -> dict[str, Any]:
    """The fields of ``POST /api/consultations`` as the register keeps them. ``body`` is the route's validated
    ``ConsultationRequest`` (types, lengths and characters declared there); here what they mean: the hall has the
    service and the window, and each outcome carries what it needs. A bad one is a 422 naming it in Chinese."""
    service = body["service"]
    if service not in config.services:
        raise invalid("service", f"没有业务 {service}，请从大厅的业务中选择")
    answer, outcome, to_window = body.get("answer") or "", body["outcome"], body.get("to_window")
    if outcome == "to_window":
        if to_window is None:
            raise invalid("to_window", "引导至窗口时请选择窗口")
        if to_window not in config.windows:
            raise invalid("to_window", f"没有 {to_window} 号窗口")
    elif to_window is not None:
        raise invalid("to_window", "只有“引导至窗口”才填写窗口")
    if outcome == "answered" and not answer:
        raise invalid("answer", "当场解答时请简要记录解答内容")
    return {"service": service, "department": config.services[service].department, "question": body["question"],
            "answer": answer, "outcome": outcome, "to_window": to_window}


def record(db: Database, entry: dict[str, Any], at: str, business_day: str, desk_window: int | None,
           staff_no: str | None, actor: str) -> int:
    """Insert one consultation (inside the caller's write transaction); its id."""
    return db["consultations"].insert({**entry, "asked_at": at, "business_day": business_day,
                                       "desk_window": desk_window, "staff_no": staff_no, "recorded_by": actor}).last_pk


def row_json(row: dict[str, Any], config: HallConfig, tz: Any) -> dict[str, Any]:
    """A record as the API shows it: names beside codes, the time in hall time."""
    service = config.services.get(row["service"])
    department = config.departments.get(row["department"] or "")
    window = config.windows.get(row["to_window"]) if row["to_window"] is not None else None
    return {**row, "asked_at": datetime.fromisoformat(row["asked_at"]).astimezone(tz).isoformat(timespec="seconds"),
            "service_name": service.name if service else row["service"],
            "department_name": department.name if department else (row["department"] or ""),
            "outcome_name": OUTCOMES.get(row["outcome"], row["outcome"]),
            "to_window_name": window.name if window else ""}


def listing(db: Database, day_from: str, day_to: str, *, outcome: str | None = None,
            service: str | None = None) -> list[dict[str, Any]]:
    """Records of the days ``day_from``..``day_to`` (inclusive), oldest first, optionally of one outcome/service."""
    sql, params = "SELECT * FROM consultations WHERE business_day BETWEEN ? AND ?", [day_from, day_to]
    if outcome:
        sql, params = sql + " AND outcome = ?", [*params, outcome]
    if service:
        sql, params = sql + " AND service = ?", [*params, service]
    return list(db.query(sql + " ORDER BY asked_at, id", params))


def counts(rows: list[dict[str, Any]], config: HallConfig) -> dict[str, Any]:
    """Counts per service and outcome, with the hall's totals per outcome (services most asked about first)."""
    per: dict[str, dict[str, int]] = {}
    for row in rows:
        per.setdefault(row["service"], dict.fromkeys(OUTCOMES, 0))[row["outcome"]] += 1
    services = [{"service": code, "service_name": config.services[code].name if code in config.services else code,
                 "total": sum(c.values()), "outcomes": c} for code, c in per.items()]
    services.sort(key=lambda s: (-s["total"], s["service"]))
    totals = {k: sum(1 for r in rows if r["outcome"] == k) for k in OUTCOMES}
    return {"total": len(rows), "outcomes": totals, "outcome_names": OUTCOMES, "services": services}


def _cell_text(value: Any) -> Any:
    """A value for a cell: text stripped of control characters (openpyxl refuses them) and never a formula."""
    return clean_text(value) if isinstance(value, str) else value


def write_xlsx(rows: list[dict[str, Any]]) -> bytes:
    """The records (as :func:`row_json` gives them) as a workbook; text starting with = + - @ stays text."""
    book = Workbook()
    sheet = book.active
    sheet.title = "咨询导办台账"
    sheet.append(["序号", "日期", "时间", "咨询业务", "所属单位", "咨询问题", "解答内容", "处理结果", "引导窗口", "工号"])
    for i, r in enumerate(rows, 1):
        sheet.append([i, r["business_day"], r["asked_at"][11:16], *(_cell_text(r[k]) for k in (
            "service_name", "department_name", "question", "answer", "outcome_name")),
            f"{r['to_window']}号窗口 {r['to_window_name']}" if r["to_window"] else "", _cell_text(r["staff_no"] or "")])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":  # a citizen's text typed as "=…" is kept as text, never run as a formula
                cell.data_type = "s"
    for column, width in zip("ABCDEFGHIJ", (6, 12, 8, 22, 20, 40, 40, 14, 18, 10)):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
