"""Import and export of the guide catalogue as JSON or Excel (.xlsx), without loss either way.

The Excel workbook has one sheet per kind of row: 部门, 事项 (one row per guide, list elements one per line
inside the cell), 材料, 常见问题, 表单 and 一件事.  Reading a workbook reports each problem by sheet, row and
column (e.g. "事项 第5行 · 列H（法定时限）"), and raises `CatalogueError` with all of them: a caller never gets a
half-read catalogue.
"""
from __future__ import annotations

import io
import json
import re
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from pydantic_core import from_json

from queue_server.core.sheets import clean_text, looks_like_formula
from queue_server.guides.model import (Catalogue, CatalogueError, Problem, bundle_from_dict, catalogue_from_dict,
                                       catalogue_to_dict, check_catalogue, guide_from_dict, material_from_dict)

# (header, JSON key, kind) per sheet; kind: text, lines (one per line in the cell), int, bool.
Column = tuple[str, str, str]
DEPARTMENT_COLUMNS: list[Column] = [("部门编码", "code", "text"), ("部门名称", "name", "text")]
GUIDE_COLUMNS: list[Column] = [
    ("事项编码", "code", "text"), ("事项名称", "name", "text"), ("部门编码", "department", "text"),
    ("大厅业务", "service", "text"), ("关键词", "keywords", "lines"), ("设定依据", "basis", "lines"),
    ("受理条件", "conditions", "lines"), ("办理流程", "steps", "lines"), ("法定时限", "legal_days", "int"),
    ("承诺时限", "promised_days", "int"), ("收费", "fee", "text"), ("可预约", "appointment", "bool"),
    ("办理地点", "place", "text"), ("办理时间", "hours", "text"), ("咨询电话", "consult_phone", "text"),
    ("监督电话", "supervise_phone", "text"),
]
MATERIAL_COLUMNS: list[Column] = [
    ("事项编码", "guide", "text"), ("材料名称", "name", "text"), ("出具单位", "issuer", "text"),
    ("原件", "originals", "int"), ("复印件", "copies", "int"), ("必要", "required", "bool"),
    ("形式", "format", "text"), ("备注", "note", "text"),
]
FAQ_COLUMNS: list[Column] = [("事项编码", "guide", "text"), ("问题", "question", "text"),
                             ("解答", "answer", "text")]
FORM_COLUMNS: list[Column] = [("事项编码", "guide", "text"), ("表单名称", "name", "text"),
                              ("填写字段", "fields", "lines"), ("样表", "sample", "text")]
BUNDLE_COLUMNS: list[Column] = [("一件事编码", "code", "text"), ("名称", "name", "text"),
                                ("包含事项", "items", "lines"), ("办理方式", "mode", "text"),
                                ("说明", "description", "text")]
SHEETS: dict[str, list[Column]] = {"部门": DEPARTMENT_COLUMNS, "事项": GUIDE_COLUMNS,
                                   "材料": MATERIAL_COLUMNS, "常见问题": FAQ_COLUMNS, "表单": FORM_COLUMNS,
                                   "一件事": BUNDLE_COLUMNS}
YES, NO = "是", "否"


def read_catalogue(path: str | Path, services: set[str] | None = None, hall: bool = True) -> Catalogue:
    """Read a catalogue file, JSON or .xlsx by its suffix; raise `CatalogueError` listing every problem.
    `hall=False` reads another platform's export, whose guides may lack the hall's `service`."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_excel(path, services, hall)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError([Problem(str(path), "", f"无法读取文件：{exc}")]) from exc
    except json.JSONDecodeError as exc:
        raise CatalogueError([Problem(str(path), f"第{exc.lineno}行第{exc.colno}列",
                                      f"不是有效的 JSON：{exc.msg}")]) from exc
    return catalogue_from_dict(data, services, hall)


def read_catalogue_bytes(data: bytes, excel: bool, services: set[str] | None = None) -> Catalogue:
    """Read an uploaded catalogue: .xlsx bytes when `excel`, else UTF-8 JSON."""
    if excel:
        return read_excel(io.BytesIO(data), services)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogueError([Problem("上传内容", "", "不是 UTF-8 编码的 JSON")]) from exc
    try:
        # pydantic's parser, not json.loads: it refuses nesting deeper than a few hundred levels (json.loads
        # recurses until Python's stack gives out) and lone surrogate escapes, which no database can store
        parsed = from_json(data)
    except ValueError as exc:
        deep = "recursion limit" in str(exc)
        raise CatalogueError([Problem("上传内容", "", "JSON 嵌套过深" if deep else "不是有效的 JSON")]) from exc
    return catalogue_from_dict(parsed, services)


def excel_bytes(cat: Catalogue) -> bytes:
    """The catalogue as .xlsx bytes (for a download)."""
    out = io.BytesIO()
    write_excel(cat, out)
    return out.getvalue()


def json_text(cat: Catalogue) -> str:
    """The catalogue in the JSON exchange format, as written to files."""
    return json.dumps(catalogue_to_dict(cat), ensure_ascii=False, indent=1) + "\n"


def write_catalogue(cat: Catalogue, path: str | Path) -> None:
    """Write a catalogue as JSON or .xlsx by the path's suffix."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        write_excel(cat, path)
    else:
        path.write_text(json_text(cat), encoding="utf-8")


# -------------------------------------------------------------------------------------------- Excel out

def _cell(value: Any, kind: str) -> Any:
    if kind == "lines":
        return clean_text("\n".join(value)) if value else None
    if kind == "bool":
        return YES if value else NO
    if kind == "int":
        return value
    return clean_text(value) or None


def write_excel(cat: Catalogue, path: Path | BinaryIO) -> None:
    """Write the catalogue as a workbook with one sheet per row kind (to a path or a binary file object)."""
    data = catalogue_to_dict(cat)
    rows: dict[str, list[dict[str, Any]]] = {"部门": data["departments"], "事项": data["guides"],
                                             "一件事": data["bundles"], "材料": [], "常见问题": [], "表单": []}
    for g in data["guides"]:
        rows["材料"] += [{"guide": g["code"], **m} for m in g["materials"]]
        rows["常见问题"] += [{"guide": g["code"], **f} for f in g["faq"]]
        rows["表单"] += [{"guide": g["code"], **f} for f in g["forms"]]
    wb = Workbook()
    wb.remove(wb.active)
    for title, columns in SHEETS.items():
        ws = wb.create_sheet(title)
        ws.append([header for header, _, _ in columns])
        for row in rows[title]:
            ws.append([_cell(row[key], kind) for _, key, kind in columns])
            for cell in ws[ws.max_row]:
                # openpyxl makes every "=…" string a formula; a guide's text is text (=HYPERLINK must not run).
                # Typed as a string it reads back unchanged on import, which a leading ' would not.
                if looks_like_formula(cell.value):
                    cell.data_type = "s"
        for i, (header, _, _) in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(10, 2 * len(header) + 4)
        ws.freeze_panes = "A2"
    wb.save(path)


# --------------------------------------------------------------------------------------------- Excel in

class _SheetReader:
    """Turns a sheet's rows into JSON-shaped dicts, reporting cell problems by row and column."""

    def __init__(self, wb: Any, title: str, problems: list[Problem], required: bool):
        self.title, self.problems = title, problems
        self.columns = SHEETS[title]
        self.letters: dict[str, str] = {}
        self.ws = wb[title] if title in wb.sheetnames else None
        if self.ws is None:
            if required:
                problems.append(Problem(f"工作表 {title}", "", "缺少该工作表"))
            return
        header = [str(c).strip() if c is not None else "" for c in next(
            self.ws.iter_rows(min_row=1, max_row=1, values_only=True), ())]
        self.index: dict[str, int] = {}
        for name, key, _ in self.columns:
            if name in header:
                self.index[key] = header.index(name)
                self.letters[key] = f"列{get_column_letter(header.index(name) + 1)}（{name}）"
            else:
                problems.append(Problem(f"{title} 第1行", name, "缺少该列"))
                self.ws = None

    def column(self, key: str) -> str:
        return self.letters.get(key, key)

    def rows(self) -> list[tuple[int, dict[str, Any]]]:
        if self.ws is None:
            return []
        out = []
        for number, values in enumerate(self.ws.iter_rows(min_row=2, values_only=True), start=2):
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            obj: dict[str, Any] = {}
            for _, key, kind in self.columns:
                i = self.index[key]
                obj[key] = self._value(values[i] if i < len(values) else None, kind, number, key)
            out.append((number, obj))
        return out

    def _value(self, raw: Any, kind: str, row: int, key: str) -> Any:
        where = f"{self.title} 第{row}行"
        if isinstance(raw, str):
            raw = raw.strip()
        if raw is None or raw == "":
            return {"lines": [], "int": None, "bool": None, "text": ""}[kind]
        if kind == "lines":
            return [line for line in str(raw).splitlines() if line.strip()]
        if kind == "int":
            if isinstance(raw, float) and raw.is_integer():
                raw = int(raw)
            if isinstance(raw, str) and raw.isdigit():
                raw = int(raw)
            if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
                self.problems.append(Problem(where, self.column(key), f"应为不小于 0 的整数，而不是 {raw!r}"))
                return None
            return raw
        if kind == "bool":
            if raw in (YES, True, "true", "1", 1):
                return True
            if raw in (NO, False, "false", "0", 0):
                return False
            self.problems.append(Problem(where, self.column(key), f"应为“是”或“否”，而不是 {raw!r}"))
            return None
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)  # a phone number or code typed into a number cell
        return str(raw)

    def read(self, obj: dict[str, Any], row: int, reader: Any) -> Any:
        """Run a model reader on one row's dict, relabelling its problems with sheet, row and column."""
        found: list[Problem] = []
        clean = {k: v for k, v in obj.items() if v is not None}
        result = reader(clean, f"{self.title} 第{row}行", found)
        self.problems += [Problem(f"{self.title} 第{row}行", self.column(p.field) if p.field else "", p.message)
                          for p in found]
        return result


_SUB_ROW = re.compile(r" (材料|问题|表单)\d+$")


def _guide_only(obj: dict[str, Any], where: str, problems: list[Problem], hall: bool = True) -> Any:
    """Read a guide row, leaving out problems of its materials/FAQ/forms (reported on their own sheets)."""
    found: list[Problem] = []
    guide = guide_from_dict(obj, where, found, hall)
    problems += [p for p in found if not _SUB_ROW.search(p.where)]
    return guide


def _require(obj: dict[str, Any], keys: tuple[str, ...], sheet: _SheetReader, row: int) -> None:
    for key in keys:
        if not obj.get(key):
            sheet.problems.append(Problem(f"{sheet.title} 第{row}行", sheet.column(key), "不能为空"))


def read_excel(path: Path | BinaryIO, services: set[str] | None = None, hall: bool = True) -> Catalogue:
    """Read a workbook written by `write_excel` (or filled in by hand in the same layout), from a path or a
    binary file object."""
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a bad file
        raise CatalogueError([Problem(str(getattr(path, "name", "Excel")), "", f"无法读取 Excel 文件：{exc}")]) from exc
    problems: list[Problem] = []
    cat = Catalogue()
    try:
        sheets = {title: _SheetReader(wb, title, problems, required=title == "事项") for title in SHEETS}
        for row, obj in sheets["部门"].rows():
            if not obj["code"] or not obj["name"]:
                problems.append(Problem(f"部门 第{row}行", sheets["部门"].column(
                    "code" if not obj["code"] else "name"), "不能为空"))
            cat.departments[obj["code"]] = obj["name"]
        guide_rows: dict[str, dict[str, Any]] = {}
        order: list[tuple[int, str]] = []
        for row, obj in sheets["事项"].rows():
            code = obj["code"]
            if code in guide_rows:
                problems.append(Problem(f"事项 第{row}行", sheets["事项"].column("code"), f"事项编码 {code} 重复"))
                continue
            obj.update(materials=[], faq=[], forms=[])
            guide_rows[code] = obj
            order.append((row, code))
        for title, target in (("材料", "materials"), ("常见问题", "faq"), ("表单", "forms")):
            for row, obj in sheets[title].rows():
                owner = guide_rows.get(obj.pop("guide"))
                if owner is None:
                    problems.append(Problem(f"{title} 第{row}行", sheets[title].column("guide"),
                                            "事项编码不在“事项”表中"))
                    continue
                if title == "材料":
                    sheets[title].read(dict(obj), row, material_from_dict)  # row-precise shape problems
                else:
                    _require(obj, ("question", "answer") if title == "常见问题" else ("name",),
                             sheets[title], row)
                owner[target].append({k: v for k, v in obj.items() if v is not None})
        for row, code in order:
            guide = sheets["事项"].read(guide_rows[code], row, partial(_guide_only, hall=hall))
            cat.guides[guide.code] = guide
        for row, obj in sheets["一件事"].rows():
            bundle = sheets["一件事"].read(obj, row, bundle_from_dict)
            cat.bundles[bundle.code] = bundle
    finally:
        wb.close()
    if not cat.guides and not problems:
        problems.append(Problem("事项", "", "没有任何事项：导入会清空全部办事指南"))
    check_catalogue(cat, problems, services if hall else None)
    if problems:
        raise CatalogueError(problems)
    return cat
