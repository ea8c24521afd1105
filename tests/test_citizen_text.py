"""Text a citizen reads (the ticket's notice lines, the status page, the phone review page) is typeset as Chinese:
full-width punctuation between Chinese words (，：（）), not the ASCII ``,:()`` of code."""
from __future__ import annotations

import re
from pathlib import Path

from queue_server.core.config import DEMO_CONFIG_PATH, load_config
from queue_server.queue import status_page

ROOT = Path(__file__).resolve().parent.parent
#: a Chinese character next to ASCII punctuation: 叫号,过号 · 排队(限一次) · 电话:
HALF_WIDTH = re.compile(r"[\u4e00-\u9fff][,;:!?(]|[,;:!?)][\u4e00-\u9fff]")


def _offences(text: str) -> list[str]:
    return [text[max(0, m.start() - 6):m.end() + 6] for m in HALF_WIDTH.finditer(text)]


def test_the_demo_halls_notice_lines() -> None:
    for line in load_config(DEMO_CONFIG_PATH).hall.notice:
        assert not _offences(line), line


def test_the_status_page_and_the_review_page() -> None:
    review_page = (ROOT / "queue_server" / "reviews" / "web" / "review.html").read_text(encoding="utf-8")
    assert not _offences(status_page._PAGE), _offences(status_page._PAGE)
    assert not _offences(review_page), _offences(review_page)


def test_the_check_catches_ascii_punctuation() -> None:
    assert _offences("请留意叫号,过号请到服务台重新排队(限一次)")
    assert not _offences("请留意叫号，过号请到服务台重新排队（限一次）; A001, 3")
