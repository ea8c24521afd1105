"""Layout checks on a page in headless Chromium, measured on the rendered boxes (the browser tests' counterpart of
``tests/kiosk/layout.py``): boxes that overlap, tap targets too small, text that spills out of the page, and
"words" (ticket numbers, figures with their unit) broken across lines."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

#: where screenshots go (kept for a human to look at when GOVHALL_SHOTS is set)
SHOTS = Path(os.environ.get("GOVHALL_SHOTS") or "/tmp/pilot-shots")

_BOXES = """(selector) => [...document.querySelectorAll(selector)]
  .filter((e) => e.offsetParent !== null || getComputedStyle(e).position === 'fixed')
  .map((e) => { const r = e.getBoundingClientRect();
                return {text: (e.innerText || e.value || '').trim().slice(0, 40), x: r.x, y: r.y, w: r.width, h: r.height}; })"""

_SPLITS = """([selector, pattern]) => {
  const re = new RegExp(pattern, 'g'); const broken = [];
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement || node.parentElement.offsetParent === null) continue;
      for (const m of node.data.matchAll(re)) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken; }"""


async def boxes(page: Any, selector: str) -> list[dict]:
    """The visible elements matching ``selector`` with their rectangles."""
    return await page.evaluate(_BOXES, selector)


def overlapping(rects: list[dict], slack: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of rectangles that overlap (by more than ``slack`` px each way)."""
    pairs = []
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            if (a["x"] + a["w"] - slack > b["x"] and b["x"] + b["w"] - slack > a["x"]
                    and a["y"] + a["h"] - slack > b["y"] and b["y"] + b["h"] - slack > a["y"]):
                pairs.append((a["text"], b["text"]))
    return pairs


async def small_targets(page: Any, selector: str, minimum: float) -> list[dict]:
    """Visible tap/click targets smaller than ``minimum`` px in height (or width)."""
    return [b for b in await boxes(page, selector) if b["h"] < minimum or b["w"] < minimum]


async def broken_words(page: Any, selector: str, pattern: str = r"[A-Z]\d{3}") -> list[str]:
    """Matches of ``pattern`` (default: a ticket number) inside ``selector`` that the browser broke across lines."""
    return await page.evaluate(_SPLITS, [selector, pattern])


async def horizontal_overflow(page: Any) -> int:
    """How many px the page is wider than its viewport (0: nothing spills sideways)."""
    return await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


async def rows_of(page: Any, selector: str) -> int:
    """On how many lines the visible elements matching ``selector`` sit (1: a tab bar that did not wrap)."""
    return len({round(box["y"]) for box in await boxes(page, selector)})


async def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under :data:`SHOTS`."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{re.sub(r'[^a-z0-9-]', '-', name)}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def admin_page(browser: Any, url: str, staff_no: str, password: str, *, width: int = 1440,
                     height: int = 900, **context: Any) -> Any:
    """A new page on the admin pages at ``url``, logged in as ``staff_no`` (an account the test made), at the
    manager's desktop size; ``context`` goes to the browser context (``accept_downloads=True``)."""
    context = await browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", **context)
    page = await context.new_page()
    await page.goto(f"{url}/admin")
    await admin_login(page, staff_no, password)
    return page


async def admin_login(page: Any, staff_no: str, password: str) -> None:
    """Fill the admin pages' login form and submit it (after a logout, or for a second account)."""
    await page.locator("#staff-no").fill(staff_no)
    await page.locator("#password").fill(password)
    await page.get_by_role("button", name="登录").click()
