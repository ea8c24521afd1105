"""The demo morning's evaluation duties, through the real APIs: counters record service practices and accept a
promised-time case, the centre records a 走流程 visit and its plan's tasks, and the quarter's bulletin is written.

Each step is what the hall's people do with the server; the summary then points at the records and the bulletin.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

#: (window, practices recorded for the citizen at its counter): what the morning's counters did beyond the queue
PRACTICES = {
    1: [{"kind": "assisted", "note": "帮老人填写申请表"},
        {"kind": "missing_material", "material": "结婚证复印件", "promised_days": 2}],
    2: [{"kind": "free_copies", "count": 6}],
    7: [{"kind": "first_asked", "handed_to": "10号窗口医保1"}],
}
#: the promised-time case window 1 accepts: 存量房转移登记, promised in 3 working days
CASE_WINDOW, CASE_GUIDE = 1, "bdc-002"
#: a few tasks of the hall's own work plan (shared/seed), one of them already late
PLAN_TASKS = [
    ("一（一）", "加强咨询导办人员培训，熟悉各窗口业务办理流程", "咨询服务股", "每季度组织一次培训", "李静", 60),
    ("一（三）2", "消除办事指南中“相关证明、相关材料”等模糊兜底条款", "政务服务股", "逐项检查并在省平台更新", "王磊", 20),
    ("一（六）", "设立“有诉即办”专区和“办不成事”反映窗口，建立台账", "投诉督查股", "明确专人，完善机制", "赵敏", -3),
]


@dataclass
class DutiesReport:
    """What the duties step recorded, for the summary."""

    calls: int = 0
    finished: int = 0
    practices: dict[str, int] = field(default_factory=dict)
    case: dict | None = None
    training: dict | None = None
    tasks: int = 0
    overdue_tasks: int = 0
    bulletin: Path | None = None


async def record_duties(hall: Any, admin: str, staff: dict[int, str], today: str, problems: list[str]) -> DutiesReport:
    """Run the duties step against ``hall`` (the morning's HTTP helper) while citizens still wait; ``staff`` maps
    windows to their tokens."""
    report = DutiesReport()
    day = date.fromisoformat(today)
    for window, practices in PRACTICES.items():
        token = staff.get(window)
        if token is None:
            continue
        status, ticket = await hall.call("POST", f"/api/windows/{window}/call", token)
        if status != 200:
            continue  # nobody waiting at this counter any more
        report.calls += 1
        for practice in practices:
            body = dict(practice)
            if "promised_days" in body:
                body["promised_on"] = (day + timedelta(days=body.pop("promised_days"))).isoformat()
            status, record = await hall.call("POST", f"/api/windows/{window}/practices", token, body)
            if status == 201:
                report.practices[record["kind_name"]] = report.practices.get(record["kind_name"], 0) + 1
            else:
                problems.append(f"{window}号窗口登记服务举措失败：{record.get('message')}")
        if window == CASE_WINDOW:
            status, case = await hall.call("POST", "/api/cases", token, {"ticket": ticket["number"], "guide": CASE_GUIDE,
                                                                         "applicant": "刘建国"})
            if status == 201:
                status, case = await hall.call("POST", f"/api/cases/{case['id']}/approve", token, {"note": "材料齐全"})
                report.case = case
            else:
                problems.append(f"承诺件受理失败：{case.get('message')}")
        status, _ = await hall.call("POST", f"/api/windows/{window}/finish", token)
        report.finished += status == 200
    status, session = await hall.call("POST", "/api/training", admin, {
        "held_on": today, "kind": "walkthrough", "topic": "不动产转移登记“走流程”体验", "units": ["bdc", "swj"],
        "organiser": "政务服务股", "findings": "指南材料清单与窗口实际要求不一致1处；取号后等候超过20分钟"})
    report.training = session if status == 201 else None
    for ref, title, unit, measures, owner, days in PLAN_TASKS:
        status, _ = await hall.call("POST", "/api/tasks", admin, {
            "ref": ref, "title": title, "unit": unit, "measures": measures, "owner": owner,
            "deadline": (day + timedelta(days=days)).isoformat(), "source": "营商环境工作要点"})
        report.tasks += status == 201
    status, late = await hall.call("GET", "/api/tasks?overdue=1", admin)
    report.overdue_tasks = len(late) if status == 200 else 0
    return report


async def save_bulletin(hall: Any, admin: str, today: str, out_dir: Path) -> Path | None:
    """Write this quarter's bulletin (the admin route's .docx) into ``out_dir``; its path, or None on failure."""
    day = date.fromisoformat(today)
    quarter = f"{day.year}Q{(day.month - 1) // 3 + 1}"
    async with hall.session.get(f"{hall.url}/api/bulletin/{quarter}.docx",
                                headers={"Authorization": f"Bearer {admin}"}) as r:
        if r.status != 200:
            return None
        path = out_dir / f"通报-{quarter}.docx"
        path.write_bytes(await r.read())
        return path
