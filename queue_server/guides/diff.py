"""Same-source check (要素同源): the hall's guides against the provincial platform's published version.

Guides are paired by code, then (for those left over) by name, since halls sometimes re-number items.
For each pair every differing element is listed (materials element by element, matched by name); guides on
one side only are listed too.  `apply_provincial` takes the provincial version of every element, keeping
what only the hall has: its hall-service mapping (`service`) and its search keywords.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from queue_server.guides.lint import ELEMENT_NAMES
from queue_server.guides.model import Catalogue, Guide, Material

# Elements compared; `service` and `keywords` are the hall's own and never come from the province.
COMPARED = ("name", "department", "basis", "conditions", "materials", "steps", "legal_days", "promised_days",
            "fee", "appointment", "place", "hours", "consult_phone", "supervise_phone", "faq", "forms")
LABELS = {**ELEMENT_NAMES, "department": "实施部门", "appointment": "可预约", "faq": "常见问题",
          "forms": "申请表单"}
MATERIAL_LABELS = {"issuer": "出具单位", "originals": "原件", "copies": "复印件", "required": "必要",
                   "format": "形式", "note": "备注"}


@dataclass(frozen=True)
class Difference:
    """One difference: `kind` is `element` (both sides have the guide), `local_only` or `provincial_only`."""

    kind: str
    code: str
    name: str
    element: str = ""
    local: str = ""
    provincial: str = ""

    def as_dict(self) -> dict[str, str]:
        """The difference as a JSON object."""
        return {"kind": self.kind, "code": self.code, "name": self.name, "element": self.element,
                "local": self.local, "provincial": self.provincial}


def _show(value: object) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, tuple):
        if not value:
            return "（空）"
        return "；".join(_show(v) for v in value)
    if hasattr(value, "question"):
        return f"问：{value.question} 答：{value.answer}"  # type: ignore[attr-defined]
    if hasattr(value, "fields"):
        return f"{value.name}({'、'.join(value.fields)})"  # type: ignore[attr-defined]
    return str(value) if value != "" else "（空）"


def _material_differences(local: tuple[Material, ...], provincial: tuple[Material, ...]) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    theirs = {m.name: m for m in provincial}
    ours = {m.name: m for m in local}
    for m in local:
        p = theirs.get(m.name)
        if p is None:
            out.append((f"申请材料 {m.name}", "有", "无"))
            continue
        for key, label in MATERIAL_LABELS.items():
            a, b = getattr(m, key), getattr(p, key)
            if a != b:
                out.append((f"申请材料 {m.name} · {label}", _show(a), _show(b)))
    for p in provincial:
        if p.name not in ours:
            out.append((f"申请材料 {p.name}", "无", "有"))
    if not out and [m.name for m in local] != [p.name for p in provincial]:
        out.append(("申请材料 · 顺序", "、".join(m.name for m in local), "、".join(p.name for p in provincial)))
    return out


def compare_guides(local: Guide, provincial: Guide) -> list[Difference]:
    """Every element that differs between two versions of one guide."""
    out: list[Difference] = []
    for key in COMPARED:
        a, b = getattr(local, key), getattr(provincial, key)
        if a == b:
            continue
        if key == "materials":
            out += [Difference("element", local.code, local.name, e, x, y)
                    for e, x, y in _material_differences(a, b)]
        else:
            out.append(Difference("element", local.code, local.name, LABELS[key], _show(a), _show(b)))
    return out


def pair_guides(local: Catalogue, provincial: Catalogue) -> tuple[list[tuple[Guide, Guide]], list[Guide], list[Guide]]:
    """(pairs, local-only, provincial-only): paired by code first, then by identical name."""
    pairs = [(g, provincial.guides[c]) for c, g in local.guides.items() if c in provincial.guides]
    left = [g for c, g in local.guides.items() if c not in provincial.guides]
    right = {g.name: g for c, g in provincial.guides.items() if c not in local.guides}
    local_only: list[Guide] = []
    for g in left:
        match = right.pop(g.name, None)
        if match is None:
            local_only.append(g)
        else:
            pairs.append((g, match))
    return pairs, local_only, list(right.values())


def diff_catalogues(local: Catalogue, provincial: Catalogue) -> list[Difference]:
    """All differences, guide by guide in local order, then guides on one side only."""
    pairs, local_only, provincial_only = pair_guides(local, provincial)
    out: list[Difference] = []
    for a, b in pairs:
        if a.code != b.code:
            out.append(Difference("element", a.code, a.name, "事项编码", a.code, b.code))
        out += compare_guides(a, b)
    out += [Difference("local_only", g.code, g.name) for g in local_only]
    out += [Difference("provincial_only", g.code, g.name) for g in provincial_only]
    return out


def apply_provincial(local: Catalogue, provincial: Catalogue,
                     services: set[str] | None = None) -> tuple[Catalogue, list[str]]:
    """A new catalogue taking the provincial version of every paired guide, adding provincial-only guides
    (when their hall service is known) and keeping local-only ones.  Returns it with notes on what was
    not taken over."""
    pairs, _, provincial_only = pair_guides(local, provincial)
    taken = {a.code: replace(b, code=a.code, service=a.service, keywords=a.keywords) for a, b in pairs}  # hall's own
    notes: list[str] = []
    result = Catalogue(departments=dict(local.departments), bundles=dict(local.bundles))
    for code, g in local.guides.items():
        result.guides[code] = taken.get(code, g)
    for g in provincial_only:
        if not g.service or (services is not None and g.service not in services):
            notes.append(f"{g.code} {g.name}：未对应大厅业务，未导入，请先指定 service")
            continue
        result.guides[g.code] = g
    for g in result.guides.values():
        if g.department not in result.departments and g.department in provincial.departments:
            result.departments[g.department] = provincial.departments[g.department]
    return result, notes


def format_differences(diffs: list[Difference]) -> str:
    """A plain-text report grouped by guide, ending with a one-line summary."""
    lines: list[str] = []
    current = None
    for d in diffs:
        if d.kind == "local_only":
            lines.append(f"{d.code} {d.name}：仅本大厅有，省级平台无")
            continue
        if d.kind == "provincial_only":
            lines.append(f"{d.code} {d.name}：仅省级平台有，本大厅无")
            continue
        if d.code != current:
            current = d.code
            lines.append(f"{d.code} {d.name}")
        lines.append(f"  {d.element}：本大厅“{d.local}” ≠ 省级“{d.provincial}”")
    changed = len({d.code for d in diffs if d.kind == "element"})
    lines.append(f"要素不一致事项 {changed} 项，仅本大厅有 {sum(d.kind == 'local_only' for d in diffs)} 项，"
                 f"仅省级有 {sum(d.kind == 'provincial_only' for d in diffs)} 项。")
    return "\n".join(lines)
