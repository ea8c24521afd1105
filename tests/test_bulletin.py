"""The quarterly bulletin: written by the real command from a scripted day's records, opened and read back."""
from __future__ import annotations

import subprocess
import sys

import docx
import pytest

from queue_server.bulletin.report import gather
from queue_server.core.clock import SystemClock
from queue_server.core.hall_time import Quarter
from queue_server.reviews.settings import load_review_settings


def _tables(path):
    document = docx.Document(str(path))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables], \
        "\n".join(p.text for p in document.paragraphs)


def test_quarters_and_their_days():
    q = Quarter.parse("2026q4")
    assert (q.first_day.isoformat(), q.last_day.isoformat(), q.title, str(q)) == (
        "2026-10-01", "2026-12-31", "2026年第四季度", "2026Q4")
    assert Quarter.parse("2027Q1").last_day.isoformat() == "2027-03-31"
    assert Quarter.parse("2024Q1").span == "2024年1月1日至3月31日"
    for bad in ("2026Q5", "2026-Q4", "Q4", ""):
        with pytest.raises(ValueError, match="YYYYQn"):
            Quarter.parse(bad)


async def test_the_bulletin_document_states_the_records(day, db_path, tmp_path):
    out = tmp_path / "通报.docx"
    done = subprocess.run([sys.executable, "-m", "queue_server", "bulletin", "--db", str(db_path),
                           "--quarter", "2026Q4", "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "2026年第四季度" in done.stdout and "2 个参与排名" in done.stdout
    (units, ranking, *overdue), text = _tables(out)
    assert "示范县政务服务中心2026年第四季度政务服务工作情况通报" in text
    assert "本季度共取号 6 人次，办结 5 件" in text
    # the unit table: every unit of the hall, with the same figures as GET /api/kpis/breakdown?by=department
    assert units[0][:5] == ["单位", "取号", "办结", "平均等候（分钟）", "好评率"]
    rows = {row[0]: row for row in units[1:]}
    breakdown = {r["name"]: r for r in (await day.get("/api/kpis/breakdown?by=department"
                                                       "&from=2026-10-01&to=2026-12-31"))["rows"]}
    bdc = rows["不动产登记中心"]
    assert (bdc[1], bdc[2]) == (str(breakdown["不动产登记中心"]["tickets"]), str(breakdown["不动产登记中心"]["served"]))
    assert bdc[4] == f"{100 * breakdown['不动产登记中心']['good_rate']:.1f}%" == "33.3%"
    assert rows["公安局出入境"][1:3] == ["0", "0"] and rows["公安局出入境"][4] == "—"
    # the ranking: the two units that served, then every other as 无数据
    assert ranking[0] == ["名次", "单位", "得分"]
    # deadlines are judged when the command runs (the system clock), so the scores are those of the records now
    expected = gather(day.server.db, day.server.hall.config, load_review_settings(day.server.hall.config),
                      Quarter.parse("2026Q4"), SystemClock().now())["ranking"]
    assert [r[1] for r in ranking[1:3]] == ["市场监督管理局（企业开办）", "不动产登记中心"]
    assert ranking[1:3] == [[str(r["rank"]), r["name"], f"{r['score']:.2f}"] for r in expected[:2]]
    assert all(row[0] == "—" and row[2] == "无数据" for row in ranking[3:]) and len(ranking) == 1 + len(rows)
    # what is overdue now: every open case and complaint past its deadline, each in its table
    content = gather(day.server.db, day.server.hall.config, load_review_settings(day.server.hall.config),
                     Quarter.parse("2026Q4"), SystemClock().now())
    assert content["overdue_cases"] or content["overdue_complaints"]
    overdue_ids = [row[0] for table in overdue for row in table[1:]]
    assert overdue_ids == [f"#{c['id']}" for c in content["overdue_cases"] + content["overdue_complaints"]]


async def test_the_bulletin_for_the_admin_page(day):
    content = await day.get("/api/bulletin?quarter=2026Q4")
    assert content["quarter"] == "2026Q4" and content["span"] == "2026年10月1日至12月31日"
    assert [r["rank"] for r in content["ranking"][:2]] == [1, 2]
    assert content["weights"] == {"好评率": 0.4, "差评按期整改率": 0.2, "有诉即办按期办结率": 0.2, "20分钟内叫号率": 0.2}
    async with day.http.get(f"{day.server.url}/api/bulletin/2026Q4.docx", headers=day.admin()) as r:
        assert r.status == 200 and r.content_type.endswith("wordprocessingml.document")
        assert (await r.read())[:2] == b"PK"
    async with day.http.get(f"{day.server.url}/api/bulletin?quarter=2026Q9", headers=day.admin()) as r:
        assert r.status == 422 and (await r.json())["field"] == "quarter"
    async with day.http.get(f"{day.server.url}/api/bulletin") as r:
        assert r.status == 401
