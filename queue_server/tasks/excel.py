"""The task ledger to and from Excel, in the layout halls already keep (a title row or two, then a header row
naming 序号, 任务, 责任单位, 整改措施, 责任人, 完成时限).

Reading is forgiving in layout and strict in content: the header row is found by its names (with the synonyms
ledgers use), merged cells (a unit written once over several rows) count for every row they cover, and a deadline
may be a date cell or text such as 2026年12月31日; 长期坚持 means no deadline. Every problem is reported with its
sheet, row and column, and then nothing is imported.
"""
from __future__ import annotations

import io
import re
from datetime import date, datetime
from typing import Any, BinaryIO

from openpyxl import Workbook, load_workbook

from queue_server.core.errors import ApiError
from queue_server.tasks.ledger import STATES, TaskInput, task_input

#: field → the header names ledgers use for it, first the one this program writes
HEADERS = {
    "ref": ("序号", "编号"),
    "title": ("任务", "工作任务", "整改任务", "整改事项", "存在问题", "问题", "工作要点"),
    "unit": ("责任单位", "责任股室", "牵头单位", "责任部门"),
    "measures": ("整改措施", "工作措施", "措施"),
    "owner": ("责任人", "负责人"),
    "deadline": ("完成时限", "整改时限", "完成时间", "时限"),
    "source": ("来源", "问题来源"),
}
REQUIRED = ("title", "unit", "owner")
NO_DEADLINE = ("长期坚持", "长期", "持续推进", "常态化")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


class TaskImportError(ApiError):
    """An Excel ledger that cannot be imported; ``problems`` lists every one (sheet, row, column, what)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(422, "invalid", "；".join(problems[:20]) + ("……" if len(problems) > 20 else ""),
                         field="file", problems=problems)
        self.problems = problems


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _deadline(value: Any) -> str | None:
    """A deadline cell as ``YYYY-MM-DD``, ``""`` for none, or ``None`` when it cannot be read."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = _cell_text(value)
    if not text or any(text.startswith(word) for word in NO_DEADLINE):
        return ""
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        return None


def _header(rows: list[tuple]) -> tuple[int, dict[str, int]] | None:
    """The header row's index and field → column, looking in the first rows for the ledger's column names."""
    for index, row in enumerate(rows[:6]):
        names = [_cell_text(v) for v in row]
        columns = {}
        for field, synonyms in HEADERS.items():
            for col, name in enumerate(names):
                if name in synonyms or any(name.startswith(s) for s in synonyms if len(s) > 1):
                    columns.setdefault(field, col)
                    break
        if all(f in columns for f in REQUIRED):
            return index, columns
    return None


def read_tasks(data: BinaryIO | bytes) -> list[TaskInput]:
    """Every task of the first sheet of an .xlsx ledger; :class:`TaskImportError` with all problems otherwise."""
    try:
        book = load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise TaskImportError(["文件不是有效的 Excel（.xlsx）工作簿"]) from None
    sheet = book.worksheets[0]
    grid = [list(row) for row in sheet.iter_rows(values_only=True)]
    for merged in sheet.merged_cells.ranges:  # a value written once over merged rows belongs to each of them
        anchor = sheet.cell(merged.min_row, merged.min_col).value
        for r in range(merged.min_row, merged.max_row + 1):
            for c in range(merged.min_col, merged.max_col + 1):
                if r - 1 < len(grid) and c - 1 < len(grid[r - 1]):
                    grid[r - 1][c - 1] = anchor
    found = _header([tuple(row) for row in grid])
    if found is None:
        names = "、".join(HEADERS[f][0] for f in REQUIRED)
        raise TaskImportError([f"工作表“{sheet.title}”前6行中找不到表头（至少需要：{names}）"])
    header_index, columns = found
    tasks, problems = [], []
    for offset, row in enumerate(grid[header_index + 1:], start=header_index + 2):
        values = {f: (row[c] if c < len(row) else None) for f, c in columns.items()}
        if not any(_cell_text(v) for v in values.values()):
            continue
        where = f"“{sheet.title}”第{offset}行"
        deadline = _deadline(values.get("deadline"))
        if deadline is None:
            problems.append(f"{where}「完成时限」：无法识别“{_cell_text(values.get('deadline'))}”，"
                            "应为日期（如 2026-12-31 或 2026年12月31日）或“长期坚持”")
            continue
        body = {f: _cell_text(v) for f, v in values.items() if f != "deadline"}
        try:
            tasks.append(task_input({**body, "deadline": deadline}))
        except ApiError as exc:
            problems.append(f"{where}「{HEADERS[exc.extra['field']][0]}」：{exc.message}")
    if problems:
        raise TaskImportError(problems)
    if not tasks:
        raise TaskImportError([f"工作表“{sheet.title}”表头之下没有任务"])
    return tasks


def write_tasks(rows: list[dict[str, Any]]) -> bytes:
    """The ledger as .xlsx in the same layout (read back by :func:`read_tasks`), with state and latest progress."""
    book = Workbook()
    sheet = book.active
    sheet.title = "任务台账"
    sheet.append(["序号", "任务", "责任单位", "整改措施", "责任人", "完成时限", "来源", "状态", "是否逾期", "最新进展"])
    for row in rows:
        latest = row["updates"][-1] if row["updates"] else None
        sheet.append([row["ref"] or str(row["id"]), row["title"], row["unit"], row["measures"], row["owner"],
                      row["deadline"] or "长期坚持", row["source"], STATES[row["state"]], "逾期" if row["overdue"] else "",
                      f"{latest['kind_name']}：{latest['note'] or latest['evidence']}" if latest else ""])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if cell.data_type == "f":  # text typed as "=…" stays text: a ledger never carries live formulas
                cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
