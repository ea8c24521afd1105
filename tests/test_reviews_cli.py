"""`govhall reviews export|overdue` on a database seeded on 30 September 2025 (before National Day)."""
from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from queue_server.app import open_database
from queue_server.cli import main
from queue_server.core.clock import FakeClock
from queue_server.core.db import write_transaction
from queue_server.queue.hall import Hall
from queue_server.reviews import complaints, records
from queue_server.reviews.settings import load_review_settings

SH = ZoneInfo("Asia/Shanghai")


def seed(db_path: Path, hall_config) -> None:
    clock = FakeClock(datetime(2025, 9, 30, 10, 0, tzinfo=SH))
    db = open_database(db_path)
    hall = Hall(hall_config, db, clock)
    hall.issue_ticket("bdc_transfer", "cli-1", None, "kiosk:test")
    hall.call_next(1, "staff:1001")
    ticket, _ = hall.finish(1, "staff:1001")
    settings = load_review_settings(hall_config)
    with write_transaction(db):
        records.insert_review(db, ticket, records.Reviewer("citizen", "ip:test"), settings, hall_config, clock.now(),
                              "very_dissatisfied", ["办理时间过长"], "", "qr", False)
        complaints.create(db, {"complainant": "赵六", "content": "窗口推诿", "responsible": "李科长"}, settings,
                          hall_config, "test", clock.now())
    db.close()


def test_overdue_lists_late_cases_and_exits_1(tmp_path, hall_config, capsys):
    db_path = tmp_path / "hall.db"
    seed(db_path, hall_config)
    assert main(["reviews", "overdue", "--db", str(db_path)]) == 1
    out = capsys.readouterr().out
    assert "A001" in out and "整改逾期" in out and "2025-10-28" in out and "共 1 件差评整改、1 件诉求逾期" in out
    assert main(["reviews", "overdue", "--db", str(db_path), "--json"]) == 1
    listed = json.loads(capsys.readouterr().out)
    assert [c["ticket"] for c in listed["rectifications"]] == ["A001"]
    # 5 working days after 30 September: 9, 10, 11 (调休 Saturday), 13, 14 October.
    assert listed["complaints"][0]["due_at"] == "2025-10-14T23:59:59+08:00"


def test_export_writes_the_gbt39046_sheet(tmp_path, hall_config, capsys):
    db_path = tmp_path / "hall.db"
    seed(db_path, hall_config)
    out = tmp_path / "out" / "gbt.xlsx"
    assert main(["reviews", "export", "gbt39046", str(out), "--db", str(db_path), "--from", "2025-09-30",
                 "--to", "2025-09-30"]) == 0
    rows = list(load_workbook(io.BytesIO(out.read_bytes())).active.iter_rows(values_only=True))
    assert rows[1] == ("41168120250930A001", 3, "匿名", "20250930T100000", 1, "非常不满意", 5, "办理时间过长", "411681")
    assert main(["reviews", "export", "reviews", str(tmp_path / "x.pdf"), "--db", str(db_path)]) == 2
    assert main(["reviews", "overdue", "--db", str(tmp_path / "empty.db")]) == 0
