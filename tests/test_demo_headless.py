"""``govhall demo --headless`` as a newcomer runs it with ``--dir`` and ``--port``: every file it makes lands under
that folder, and the tickets' QR codes point at the port the demo really listens on."""
from __future__ import annotations

import re
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

from devices.escpos_reader import read_escpos
from queue_server.demo.cli import demo_public_url

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_keeps_its_files_under_dir_and_its_qr_codes_on_its_port(tmp_path: Path) -> None:
    """GIVEN a working folder and a free port other than the config's 8080
    WHEN the headless demo plays a short morning there
    THEN tickets and WAVs are under --dir (nothing under ./var), and each ticket's QR opens /t/ on that port."""
    port = _free_port()
    workdir = tmp_path / "mydemo"
    run = subprocess.run([sys.executable, "-m", "queue_server", "demo", "--dir", str(workdir), "--port", str(port),
                          "--headless", "--citizens", "6"], cwd=tmp_path, capture_output=True, text=True, timeout=150,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert run.returncode == 0, run.stdout + run.stderr
    assert not (tmp_path / "var").exists(), "the demo wrote outside --dir"
    tickets = sorted((workdir / "tickets").glob("*.bin"))
    assert tickets and len(list((workdir / "tickets").glob("*.png"))) == len(tickets)
    assert list((workdir / "voice").glob("*.wav"))
    payloads = read_escpos(tickets[0].read_bytes()).qr_payloads
    assert payloads and payloads[0].startswith(f"http://127.0.0.1:{port}/t/"), payloads
    assert str(workdir / "tickets") in run.stdout
    spoken = re.search(r"已播报 (\d+)/(\d+)", run.stdout)
    assert spoken and spoken[1] == spoken[2] != "0", "every call of the morning is spoken (the agent was following)"
    assert "平均等候" in run.stdout and "压缩到几十秒" in run.stdout  # a 0.02-minute mean wait is explained
    plan = re.search(r"每日兼办（按预计工作量，开门前排定）：(.+)", run.stdout)
    assert plan and len(re.findall(r"\d+号窗口兼办", plan[1])) >= 10  # the day's support plan, one line
    db = sqlite3.connect(workdir / "govhall.db")
    on_duty = db.execute("select count(*) from windows where staff_no is not null").fetchone()[0]
    # the evaluation duties of the morning, each in its register
    duties = {table: db.execute(f"select count(*) from {table}").fetchone()[0]
              for table in ("practice_records", "promised_cases", "training_sessions", "tasks")}
    db.close()
    assert on_duty == 0  # the morning's staff logged out: nobody is shown on duty after the demo
    assert all(duties.values()), duties
    assert "服务举措：帮办代办" in run.stdout and "工作任务台账 3 项，逾期 1 项" in run.stdout
    [bulletin] = workdir.glob("通报-*.docx")
    assert str(bulletin) in run.stdout and bulletin.read_bytes()[:2] == b"PK"


def test_a_real_public_address_is_kept() -> None:
    assert demo_public_url("http://127.0.0.1:8080", "http://127.0.0.1:9000") == "http://127.0.0.1:9000"
    assert demo_public_url("https://hall.example.cn", "http://127.0.0.1:9000") == "https://hall.example.cn"
