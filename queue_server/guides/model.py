"""The service-guide catalogue (办事指南) as plain data, and its validation.

A guide carries the elements of GB/T 39046 Table 4: name, legal basis, acceptance conditions, materials
(each with its issuing body, originals, copies, whether required and its format), steps, legal and promised
time limits, fee, whether appointments are allowed, place, hours, consultation and supervision phones, FAQ
and forms.  A catalogue also holds the departments and the 一件事一次办 bundles.

`catalogue_from_dict` accepts the JSON exchange format and collects *every* problem before it raises
`CatalogueError`, so a bad file is reported in full and nothing of it is kept.  Validation here is about
shape (types, required fields, references); quality rules (vague wording, promised > legal …) belong to
`queue_server.guides.lint`, which must be able to read defective guides.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from queue_server.web.types import bad_character

FORMAT_TAG = "govhall.guides/1"
MATERIAL_FORMATS = ("纸质", "电子", "纸质或电子")
BUNDLE_MODES = ("parallel", "serial")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with imported data: where (item or row), which field (or column), and what."""

    where: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where} · {self.field}: {self.message}"


class CatalogueError(Exception):
    """Raised when imported guide data has problems; `problems` lists all of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Material:
    """One material (申请材料) of a guide.  `None` counts mean the guide does not say (a lint finding)."""

    name: str
    issuer: str = ""
    originals: int | None = None
    copies: int | None = None
    required: bool = True
    format: str = "纸质"
    note: str = ""


@dataclass(frozen=True)
class Faq:
    """A frequently asked question with its answer."""

    question: str
    answer: str


@dataclass(frozen=True)
class Form:
    """A form (申请表) of a guide, with the fields the applicant fills in and an optional sample reference."""

    name: str
    fields: tuple[str, ...] = ()
    sample: str = ""


@dataclass(frozen=True)
class Guide:
    """One item's service guide.  Time limits are in working days; 0 means handled on the spot (即办)."""

    code: str
    name: str
    department: str
    service: str
    keywords: tuple[str, ...] = ()
    basis: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    materials: tuple[Material, ...] = ()
    steps: tuple[str, ...] = ()
    legal_days: int | None = None
    promised_days: int | None = None
    fee: str = ""
    appointment: bool = False
    place: str = ""
    hours: str = ""
    consult_phone: str = ""
    supervise_phone: str = ""
    faq: tuple[Faq, ...] = ()
    forms: tuple[Form, ...] = ()


@dataclass(frozen=True)
class Bundle:
    """A 一件事一次办 bundle: several items handled together (`parallel`: concurrently, `serial`: in turn)."""

    code: str
    name: str
    items: tuple[str, ...]
    mode: str = "parallel"
    description: str = ""


@dataclass
class Catalogue:
    """Departments (code → name), guides and bundles, each keyed by code in catalogue order."""

    departments: dict[str, str] = field(default_factory=dict)
    guides: dict[str, Guide] = field(default_factory=dict)
    bundles: dict[str, Bundle] = field(default_factory=dict)

    def department_name(self, code: str) -> str:
        """The department's Chinese name, or the code itself when unknown."""
        return self.departments.get(code, code)


# ---------------------------------------------------------------------------------------------- to dict

def material_to_dict(m: Material) -> dict[str, Any]:
    """A material as its JSON object."""
    return {"name": m.name, "issuer": m.issuer, "originals": m.originals, "copies": m.copies,
            "required": m.required, "format": m.format, "note": m.note}


def guide_to_dict(g: Guide) -> dict[str, Any]:
    """A guide as its JSON object (the exchange format and `GET /api/guides/{code}`)."""
    return {
        "code": g.code, "name": g.name, "department": g.department, "service": g.service,
        "keywords": list(g.keywords), "basis": list(g.basis), "conditions": list(g.conditions),
        "materials": [material_to_dict(m) for m in g.materials], "steps": list(g.steps),
        "legal_days": g.legal_days, "promised_days": g.promised_days, "fee": g.fee,
        "appointment": g.appointment, "place": g.place, "hours": g.hours,
        "consult_phone": g.consult_phone, "supervise_phone": g.supervise_phone,
        "faq": [{"question": f.question, "answer": f.answer} for f in g.faq],
        "forms": [{"name": f.name, "fields": list(f.fields), "sample": f.sample} for f in g.forms],
    }


def bundle_to_dict(b: Bundle) -> dict[str, Any]:
    """A bundle as its JSON object."""
    return {"code": b.code, "name": b.name, "items": list(b.items), "mode": b.mode,
            "description": b.description}


def catalogue_to_dict(cat: Catalogue) -> dict[str, Any]:
    """The whole catalogue in the JSON exchange format."""
    return {
        "format": FORMAT_TAG,
        "departments": [{"code": c, "name": n} for c, n in cat.departments.items()],
        "guides": [guide_to_dict(g) for g in cat.guides.values()],
        "bundles": [bundle_to_dict(b) for b in cat.bundles.values()],
    }


# -------------------------------------------------------------------------------------------- from dict

class _Reader:
    """Reads fields of one JSON object, recording problems instead of raising at the first one."""

    def __init__(self, obj: Any, where: str, problems: list[Problem]):
        self.where = where
        self.problems = problems
        if not isinstance(obj, dict):
            self.fail("", "应为对象")
            obj = {}
        self.obj: dict[str, Any] = obj

    def fail(self, name: str, message: str) -> None:
        self.problems.append(Problem(self.where, name, message))

    def text(self, name: str, required: bool = False) -> str:
        value = self.obj.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(name, "应为文本")
            return ""
        reason = bad_character(value, multiline=True)
        if reason:
            self.fail(name, reason)
            return ""
        value = value.strip()
        if required and not value:
            self.fail(name, "不能为空")
        return value

    def days(self, name: str, unit: str = "工作日") -> int | None:
        value = self.obj.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail(name, f"应为不小于 0 的整数（{unit}）")
            return None
        return value

    def count(self, name: str) -> int | None:
        return self.days(name, unit="份")

    def flag(self, name: str, default: bool) -> bool:
        value = self.obj.get(name, default)
        if not isinstance(value, bool):
            self.fail(name, "应为 true 或 false")
            return default
        return value

    def lines(self, name: str) -> tuple[str, ...]:
        value = self.obj.get(name, [])
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(name, "应为文本列表")
            return ()
        for v in value:
            reason = bad_character(v, multiline=False)
            if reason:
                self.fail(name, reason)
                return ()
        out = tuple(v.strip() for v in value if v.strip())
        if any("\n" in v for v in out):
            self.fail(name, "每一项应为单行文本")
        return out

    def objects(self, name: str) -> list[Any]:
        value = self.obj.get(name, [])
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(name, "应为列表")
            return []
        return value


def material_from_dict(obj: Any, where: str, problems: list[Problem]) -> Material:
    """Read one material; problems are appended to `problems`."""
    r = _Reader(obj, where, problems)
    fmt = r.text("format") or "纸质"
    if fmt not in MATERIAL_FORMATS:
        r.fail("format", f"应为 {' / '.join(MATERIAL_FORMATS)} 之一")
    return Material(name=r.text("name", required=True), issuer=r.text("issuer"),
                    originals=r.count("originals"), copies=r.count("copies"),
                    required=r.flag("required", True), format=fmt, note=r.text("note"))


def guide_from_dict(obj: Any, where: str, problems: list[Problem], hall: bool = True) -> Guide:
    """Read one guide; problems are appended to `problems`.  `hall=False` reads another platform's export,
    which cannot know the hall's `service` codes: there it may be empty."""
    r = _Reader(obj, where, problems)
    code = r.text("code", required=True)
    if code:
        r.where = f"{where}（事项 {code}）"
    materials = tuple(material_from_dict(m, f"{r.where} 材料{i + 1}", problems)
                      for i, m in enumerate(r.objects("materials")))
    faq = []
    for i, f in enumerate(r.objects("faq")):
        fr = _Reader(f, f"{r.where} 问题{i + 1}", problems)
        faq.append(Faq(fr.text("question", required=True), fr.text("answer", required=True)))
    forms = []
    for i, f in enumerate(r.objects("forms")):
        fr = _Reader(f, f"{r.where} 表单{i + 1}", problems)
        forms.append(Form(fr.text("name", required=True), fr.lines("fields"), fr.text("sample")))
    return Guide(
        code=code, name=r.text("name", required=True), department=r.text("department", required=True),
        service=r.text("service", required=hall), keywords=r.lines("keywords"), basis=r.lines("basis"),
        conditions=r.lines("conditions"), materials=materials, steps=r.lines("steps"),
        legal_days=r.days("legal_days"), promised_days=r.days("promised_days"), fee=r.text("fee"),
        appointment=r.flag("appointment", False), place=r.text("place"), hours=r.text("hours"),
        consult_phone=r.text("consult_phone"), supervise_phone=r.text("supervise_phone"),
        faq=tuple(faq), forms=tuple(forms),
    )


def bundle_from_dict(obj: Any, where: str, problems: list[Problem]) -> Bundle:
    """Read one bundle; problems are appended to `problems`."""
    r = _Reader(obj, where, problems)
    mode = r.text("mode") or "parallel"
    if mode not in BUNDLE_MODES:
        r.fail("mode", "应为 parallel（并联）或 serial（串联）")
    items = r.lines("items")
    if not items:
        r.fail("items", "至少包含一个事项")
    return Bundle(code=r.text("code", required=True), name=r.text("name", required=True), items=items,
                  mode=mode, description=r.text("description"))


def check_catalogue(cat: Catalogue, problems: list[Problem],
                    services: set[str] | None = None) -> None:
    """Cross-reference checks: known departments, hall services (when given) and bundle items."""
    for g in cat.guides.values():
        where = f"事项 {g.code}"
        if g.department and cat.departments and g.department not in cat.departments:
            problems.append(Problem(where, "department", f"未知部门编码 {g.department}"))
        if services is not None and g.service and g.service not in services:
            problems.append(Problem(where, "service", f"大厅配置中没有业务 {g.service}"))
    for b in cat.bundles.values():
        for item in b.items:
            if item not in cat.guides:
                problems.append(Problem(f"一件事 {b.code}", "items", f"未知事项编码 {item}"))


def catalogue_from_dict(data: Any, services: set[str] | None = None, hall: bool = True) -> Catalogue:
    """Read a catalogue in the JSON exchange format; raise `CatalogueError` listing every problem.
    `hall=False`: another platform's export (the provincial one), whose guides may lack a hall `service`."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise CatalogueError([Problem("文件", "", "顶层应为对象")])
    cat = Catalogue()
    top = _Reader(data, "文件", problems)
    if data.get("format", FORMAT_TAG) != FORMAT_TAG:
        # another format read as this one would replace the hall's guides with whatever it happens to share
        top.fail("format", f"格式标记应为 {FORMAT_TAG}")
    for i, d in enumerate(top.objects("departments")):
        r = _Reader(d, f"departments[{i}]", problems)
        code, name = r.text("code", required=True), r.text("name", required=True)
        if code in cat.departments:
            r.fail("code", f"部门编码 {code} 重复")
        cat.departments[code] = name
    for i, g in enumerate(top.objects("guides")):
        guide = guide_from_dict(g, f"guides[{i}]", problems, hall)
        if guide.code in cat.guides:
            problems.append(Problem(f"guides[{i}]", "code", f"事项编码 {guide.code} 重复"))
        cat.guides[guide.code] = guide
    for i, b in enumerate(top.objects("bundles")):
        bundle = bundle_from_dict(b, f"bundles[{i}]", problems)
        if bundle.code in cat.bundles:
            problems.append(Problem(f"bundles[{i}]", "code", f"一件事编码 {bundle.code} 重复"))
        cat.bundles[bundle.code] = bundle
    if not cat.guides:
        problems.append(Problem("文件", "guides", "没有任何事项：导入会清空全部办事指南"))
    check_catalogue(cat, problems, services if hall else None)
    if problems:
        raise CatalogueError(problems)
    return cat
