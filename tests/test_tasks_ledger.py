"""The work-plan task ledger (对账销号): an Excel ledger in the layout halls keep, progress, 销号 by two admins,
overdue tasks, export, and the bulletin's overdue list — through the real server, the real command and real files."""
from __future__ import annotations

import io
import subprocess
import sys
from datetime import date, timedelta

import aiohttp
import pytest
from openpyxl import Workbook

from queue_server.tasks.excel import TaskImportError, read_tasks, write_tasks
from tests.apiclient import Api

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ledger_file(rows: list[list], header: list[str] | None = None) -> bytes:
    """An .xlsx as a hall keeps it: a title row, a header row, the unit written once over merged rows."""
    book = Workbook()
    sheet = book.active
    sheet.title = "整改台账"
    sheet.append(["2026年营商环境政务服务指标整改任务台账"])
    sheet.merge_cells("A1:G1")
    sheet.append(header or ["序号", "工作任务", "责任股室", "整改措施", "责任人", "时限", "备注"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


PLAN = [
    [1, "加强咨询人员培训", "咨询服务股", "每季度培训一次", "李静", date(2026, 12, 31), ""],
    [2, "规范一次性告知单", "咨询服务股", "梳理、印制", "王磊", "2026年11月30日", ""],
    [3, "设立有诉即办专区", "投诉督查股", "建立台账，明确专人", "赵敏", "长期坚持", ""],
]


def test_a_hall_ledger_is_read_with_its_merged_cells_and_dates():
    data = ledger_file(PLAN)
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    book.active["C4"] = None
    book.active.merge_cells("C3:C4")  # 咨询服务股 written once over tasks 1 and 2, as ledgers do
    out = io.BytesIO()
    book.save(out)
    tasks = read_tasks(out.getvalue())
    assert [(t.ref, t.title, t.unit, t.owner, t.deadline) for t in tasks] == [
        ("1", "加强咨询人员培训", "咨询服务股", "李静", date(2026, 12, 31)),
        ("2", "规范一次性告知单", "咨询服务股", "王磊", date(2026, 11, 30)),
        ("3", "设立有诉即办专区", "投诉督查股", "赵敏", None),
    ]


def test_every_problem_is_named_and_nothing_is_imported():
    bad = ledger_file([[1, "加强培训", "咨询服务股", "", "", "下个月", ""], [2, "", "", "", "", "", "见附件"],
                       [3, "规范告知单", "政务服务股", "", "王磊", "2026-02-30", ""]])
    with pytest.raises(TaskImportError) as caught:
        read_tasks(bad)
    problems = caught.value.problems
    assert any("第3行" in p and "完成时限" in p and "下个月" in p for p in problems)
    assert any("第5行" in p and "2026-02-30" in p for p in problems)
    assert any("第4行" in p and "任务" in p for p in problems)  # a row with only a remark has no task
    with pytest.raises(TaskImportError, match="表头"):
        read_tasks(ledger_file([[1, "x", "y"]], header=["编号", "内容", "其他"]))
    with pytest.raises(TaskImportError, match="有效的 Excel"):
        read_tasks(b"not a workbook")


def test_the_command_imports_once_and_lists_overdue(tmp_path):
    path, db = tmp_path / "台账.xlsx", tmp_path / "hall.db"
    path.write_bytes(ledger_file(PLAN + [[4, "开展走流程体验", "政务服务股", "", "孙丽", "2020-01-31", ""]]))

    def govhall(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "queue_server", "tasks", *args, "--db", str(db)],
                              capture_output=True, text=True, timeout=120)

    first = govhall("import", str(path))
    assert first.returncode == 0 and "已导入 4 项任务" in first.stdout, first.stderr
    again = govhall("import", str(path))
    assert "已导入 0 项任务，4 项已在台账中" in again.stdout
    late = govhall("list", "--overdue")
    assert late.returncode == 1 and "开展走流程体验" in late.stdout and "加强咨询人员培训" not in late.stdout
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(ledger_file([[1, "任务", "单位", "", "", "", ""]]))
    refused = govhall("import", str(broken))
    assert refused.returncode == 2 and "第3行" in refused.stderr and "台账未改动" in refused.stderr


@pytest.fixture
async def api(server):
    async with aiohttp.ClientSession() as session:
        yield Api(session, server.url)


@pytest.fixture
async def admins(server, api):
    """Two admins logged in with their own 工号: who asks for 销号 and who approves it must differ."""
    from queue_server.web.auth import add_staff

    tokens = []
    for staff_no, name in (("9001", "周强"), ("9002", "吴娟")):
        add_staff(server.db, server.clock, staff_no, name, "admin", "secret-pass")
        status, reply = await api.post("/api/login", {"staff_no": staff_no, "password": "secret-pass"})
        assert status == 200
        tokens.append(api.as_(reply["token"]))
    return tokens


async def test_closing_a_task_needs_evidence_and_a_second_admin(server, admins):
    first, second = admins
    status, task = await first.post("/api/tasks", {"title": "规范一次性告知单", "unit": "政务服务股", "owner": "王磊",
                                                   "deadline": "2026-12-31"})
    assert status == 201 and task["state"] == "open"
    path = f"/api/tasks/{task['id']}"
    status, task = await first.post(f"{path}/progress", {"note": "已梳理 80 项", "evidence": "梳理清单.xlsx"})
    assert status == 200 and task["state"] == "in_progress"
    status, reply = await first.post(f"{path}/close", {"note": "已完成"})
    assert status == 422 and reply["field"] == "evidence"
    status, task = await first.post(f"{path}/close", {"evidence": "印制的告知单照片 3 张"})
    assert status == 200 and task["state"] == "closing"
    status, reply = await first.post(f"{path}/approve")
    assert status == 403 and "另一名管理员" in reply["message"]
    status, task = await second.post(f"{path}/refuse", {"note": "缺少窗口摆放照片"})
    assert status == 200 and task["state"] == "in_progress"
    await first.post(f"{path}/close", {"evidence": "窗口摆放照片"})
    status, task = await second.post(f"{path}/approve", {"note": "同意销号"})
    assert status == 200 and task["state"] == "closed" and task["closed_by"] == "admin:9002"
    status, reply = await first.post(f"{path}/progress", {"note": "再补充"})
    assert status == 409
    _, [listed] = await first.get("/api/tasks")
    assert [u["kind"] for u in listed["updates"]] == ["progress", "close_request", "refuse", "close_request", "approve"]
    assert (await admins[0].as_(server.token("staff", 1)).get("/api/tasks"))[0] == 403
    assert (await admins[0].as_(None).post("/api/tasks", {"title": "x"}))[0] == 401


async def test_overdue_follows_the_clock_and_the_hall_day(server, api):
    admin = api.as_(server.token("admin"))
    today = server.clock.now().astimezone(server.hall.config.hall.tz).date()
    for title, deadline in (("今天到期", today.isoformat()), ("长期坚持的任务", "")):
        assert (await admin.post("/api/tasks", {"title": title, "unit": "政务服务股", "owner": "王磊",
                                                "deadline": deadline}))[0] == 201
    _, late = await admin.get("/api/tasks?overdue=1")
    assert late == []
    server.clock.advance(timedelta(days=1).total_seconds())
    _, late = await admin.get("/api/tasks?overdue=1")
    assert [t["title"] for t in late] == ["今天到期"]
    status, reply = await admin.post("/api/tasks", {"title": "x", "unit": "y", "owner": "z", "deadline": "20261231"})
    assert status == 422 and reply["field"] == "deadline"


async def test_import_by_upload_and_export_round_trip(server, api):
    admin = api.as_(server.token("admin"))
    async with api.session.post(f"{api.url}/api/tasks/import", data=ledger_file(PLAN),
                                headers={"Authorization": f"Bearer {admin.token}", "Content-Type": _XLSX}) as r:
        assert r.status == 201 and await r.json() == {"added": 3, "skipped": 0}
    await admin.post("/api/tasks", {"title": "=HYPERLINK(\"http://x\",\"点我\")", "unit": "政务服务股", "owner": "王磊"})
    async with api.session.get(f"{api.url}/api/tasks.xlsx", headers={"Authorization": f"Bearer {admin.token}"}) as r:
        assert r.status == 200
        exported = await r.read()
    back = read_tasks(exported)
    # by deadline, the tasks without one (长期坚持) last
    assert [t.title for t in back][:3] == ["规范一次性告知单", "加强咨询人员培训", "设立有诉即办专区"]
    assert back[3].title.startswith("=HYPERLINK")
    from openpyxl import load_workbook

    cells = [c for row in load_workbook(io.BytesIO(exported)).active.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"], "a ledger never carries live formulas"


def test_the_export_reads_back_as_the_same_tasks():
    rows = [{"id": 7, "ref": "", "title": "开展走流程体验", "unit": "政务服务股", "measures": "每月一次", "owner": "孙丽",
             "deadline": None, "source": "巡察反馈", "state": "open", "overdue": False, "updates": []}]
    [task] = read_tasks(write_tasks(rows))
    assert (task.ref, task.title, task.unit, task.owner, task.deadline, task.source) == (
        "7", "开展走流程体验", "政务服务股", "孙丽", None, "巡察反馈")
