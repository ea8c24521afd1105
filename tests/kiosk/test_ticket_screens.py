"""Every ticket-kiosk screen at the device's size (1080×1920 portrait), in normal mode and in 适老模式, against a
real ``govhall serve``: screenshots, and on each screen the layout properties a citizen depends on.

On every screen: no two visible texts or targets overlap, nothing lies outside the window, no text spills out of
its widget, and no drawn line splits a jieba word or starts with closing punctuation (read from the lines Kivy
actually laid out). Across the modes: every target of 适老模式 is at least as large as the same target in normal
mode (its smaller side, the one a finger must hit), the departments page instead of scrolling, the check-in keypad
keeps its place while typing, and each 适老模式 screen starts its own voice prompt, a real audio file. Screenshots go
to ``$GOVHALL_SHOTS/<test>/`` when that is set.
"""
from __future__ import annotations

import wave
from pathlib import Path
from typing import Any

import pytest

from tests.kiosk.harness import run_scenario

SIZE = (1080, 1920)
#: the smallest side of any target in normal mode at 1080 px wide (≈ 25 mm on a 21.5-inch kiosk)
MIN_TARGET = 100


def _app(ctx: dict[str, Any]):
    from devices.printer.sim import SimTicketPrinter
    from kiosk.common.settings import KioskSettings
    from kiosk.ticketing.app import TicketKioskApp
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config

    printer = SimTicketPrinter(Path(ctx["out_dir"]) / "printer")
    settings = KioskSettings(server=ctx["url"], token=ctx.get("token", ""))
    return TicketKioskApp(settings, load_config(DEMO_CONFIG_PATH), printer=printer)


def _rect(w: Any) -> list[float]:
    x0, y0 = w.to_window(w.x, w.y)
    x1, y1 = w.to_window(w.right, w.top)
    return [x0, y0, x1, y1]


def _shown(w: Any) -> bool:
    while w is not None:
        if getattr(w, "opacity", 1) <= 0:
            return False
        if w.parent is w:
            return True
        w = w.parent
    return True


def _plain(text: str) -> str:
    import re

    return re.sub(r"\[/?[a-z_]+(?:=[^\]]*)?\]", "", text).split("\n")[0]


def survey(d: Any, name: str) -> dict[str, Any]:
    """Screenshot ``name`` and measure the screen on show (run inside the scenario's process)."""
    from kivy.core.window import Window
    from kivy.uix.button import Button
    from kivy.uix.label import Label
    from PIL import Image

    from kiosk.common.linebreak import WordWrap, split_words
    from kiosk.common.widgets import QRCodeImage

    d.pump(3)
    path = d.shot(name)
    window = [0.0, 0.0, float(Window.width), float(Window.height)]
    leaves = [w for w in d.widgets() if _shown(w) and w.width > 1 and w.height > 1
              and ((isinstance(w, Label) and w.text.strip()) or (isinstance(w, QRCodeImage) and w.data))]
    overlaps, outside, spills, broken = [], [], [], []
    for i, a in enumerate(leaves):
        ra = _rect(a)
        if ra[0] < -0.5 or ra[1] < -0.5 or ra[2] > window[2] + 0.5 or ra[3] > window[3] + 0.5:
            outside.append(_plain(getattr(a, "text", "QR")))
        for b in leaves[i + 1:]:
            rb = _rect(b)
            if min(ra[2], rb[2]) - max(ra[0], rb[0]) > 1 and min(ra[3], rb[3]) - max(ra[1], rb[1]) > 1:
                overlaps.append(f"{_plain(getattr(a, 'text', 'QR'))} × {_plain(getattr(b, 'text', 'QR'))}")
        if isinstance(a, Label) and (a.texture_size[1] > a.height + 1 or a.texture_size[0] > a.width + 1):
            spills.append(_plain(a.text))
        if isinstance(a, WordWrap):
            for paragraph in a.drawn_lines():
                broken += split_words(paragraph)
    targets = {}
    for w in leaves:
        if isinstance(w, Button) and not w.disabled:
            r = _rect(w)
            targets[_plain(w.text)] = [round(r[2] - r[0]), round(r[3] - r[1])]
    image = Image.open(path)
    return {"name": name, "image": list(image.size), "overlaps": overlaps, "outside": outside, "spills": spills,
            "broken": broken, "targets": targets, "screen": d.app.screens.current}


def _find(d: Any, text: str) -> Any | None:
    try:
        return d.find_button(text)
    except AssertionError:
        return None


def _tap_on_some_page(d: Any, paged: Any, text: str) -> int:
    """Tap the row showing ``text``, turning pages (下一页) until it is on show; return the page it was on."""
    while _find(d, text) is None:
        assert not paged.next.disabled, f"{text} on no page"
        d.tap(paged.next)
    page = int(paged.page)
    d.tap_text(text)
    return page


def scenario_screens(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    app = _app(ctx)
    d = factory.start(app)
    d.wait_until(lambda: app.online, what="hall feed online")
    elder = ctx["elder"]
    tag = "elder" if elder else "normal"
    shots = []
    if elder:
        d.tap_text("适老模式")
    shots.append(survey(d, f"{tag}-01-home"))
    # 绿色通道: category, then the grid in the priority lane's figures
    d.tap_text("绿色通道")
    d.wait_screen("priority")
    shots.append(survey(d, f"{tag}-02-priority"))
    d.tap_text("老年人")
    grid = d.wait_screen("departments")
    d.wait_until(lambda: all("等候" in t.text for t in (grid.pages.items if elder else grid.departments.tiles)),
                 what="priority lane counts")
    shots.append(survey(d, f"{tag}-03-departments-priority"))
    d.tap_text("返回首页")
    d.wait_screen("home")
    # 取号: the departments; in 适老模式 every page of them
    d.tap_text("取号", exact=True)
    grid = d.wait_screen("departments")
    d.wait_until(lambda: all("等候" in t.text for t in (grid.pages.items if elder else grid.departments.tiles)),
                 what="waiting counts")
    shots.append(survey(d, f"{tag}-04-departments"))
    pages = {"count": grid.pages.pages if elder else 1, "per_page": int(grid.pages.per_page) if elder else 0,
             "names": []}
    if elder:
        for page in range(grid.pages.pages):
            pages["names"] += ["".join(line for line in b.text.split("\n") if not line.startswith("[size="))
                               for b in reversed(grid.pages.box.children) if hasattr(b, "text")]
            if page + 1 < grid.pages.pages:
                d.tap(grid.pages.next)
                shots.append(survey(d, f"{tag}-04-departments-page{page + 2}"))
        pages["scrolls"] = grid.departments.parent is not None
        while not grid.pages.previous.disabled:
            d.tap(grid.pages.previous)
    # a department's services, then a one-service department's confirm step and its number
    if elder:
        _tap_on_some_page(d, grid.pages, "不动产登记中心")
    else:
        d.tap_text("不动产登记中心")
    services = d.wait_screen("services")
    d.wait_until(lambda: all("等候" in b.text for b in services.list.items), what="service counts")
    shots.append(survey(d, f"{tag}-05-services"))
    d.tap_text("返回", exact=True)
    d.wait_screen("departments")
    if elder:
        _tap_on_some_page(d, grid.pages, "投诉督查股")
    else:
        d.tap_text("投诉督查股")
    d.wait_screen("confirm")
    shots.append(survey(d, f"{tag}-06-confirm"))
    d.tap_text("确认取号")
    ticket = d.wait_screen("ticket")
    shots.append(survey(d, f"{tag}-07-ticket"))
    number = ticket.number.text
    d.tap_text("完成")
    d.wait_screen("home")
    # 预约签到: the keys stay put while typing and when a short code is refused
    d.tap_text("预约签到")
    checkin = d.wait_screen("checkin")
    shots.append(survey(d, f"{tag}-08-checkin"))
    key_before = _rect(d.find_button("1", exact=True))
    d.tap_text("1", exact=True)
    d.pump(3)
    key_after_digit = _rect(d.find_button("1", exact=True))
    d.tap_text("确认签到")
    d.pump(3)
    short_message = checkin.message.text
    key_after_message = _rect(d.find_button("1", exact=True))
    shots.append(survey(d, f"{tag}-09-checkin-short"))
    d.tap_text("返回首页")
    d.wait_screen("home")
    # 查询进度: type the number just taken, and the answer
    d.tap_text("查询进度")
    progress = d.wait_screen("progress")
    shots.append(survey(d, f"{tag}-10-progress"))
    for key in number:
        d.tap_text(key, exact=True)
    d.tap_text("查询", exact=True)
    d.wait_until(lambda: progress.result.text, what="lookup answer")
    shots.append(survey(d, f"{tag}-11-progress-answer"))
    answer = progress.result.text
    d.tap_text("返回首页")
    d.wait_screen("home")
    return {"shots": shots, "pages": pages, "keys": [key_before, key_after_digit, key_after_message],
            "short_message": short_message, "outcomes": len(app.outcomes), "number": number, "answer": answer,
            "voice": app.voice.played, "voice_files": {s: str(app.voice.path(s)) for s in app.voice.played}}


def scenario_offline(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    app = _app(ctx)  # a server address nobody answers on: the kiosk is offline from the start
    d = factory.start(app)
    d.pump(5)
    tag = "elder" if ctx["elder"] else "normal"
    if ctx["elder"]:
        d.tap_text("适老模式")
    shots = [survey(d, f"{tag}-12-home-offline")]
    d.tap_text("取号", exact=True)
    d.wait_screen("offline")
    shots.append(survey(d, f"{tag}-13-offline"))
    return {"shots": shots, "voice": app.voice.played}


@pytest.fixture(scope="module")
def runs(kiosk_server, tmp_path_factory) -> dict[str, dict[str, Any]]:
    """Both modes walked once for the tests below (each run is a fresh kiosk process at 1080×1920)."""
    import os

    keep = os.environ.get("GOVHALL_SHOTS")
    out = Path(keep) / "ticket-screens" if keep else tmp_path_factory.mktemp("ticket-screens")
    token = kiosk_server.token("kiosk")
    results = {}
    for elder in (False, True):
        ctx = {"role": "ticket", "url": kiosk_server.url, "token": token, "elder": elder, "window_size": list(SIZE)}
        walk = run_scenario(__file__, "scenario_screens", ctx, out, timeout=180)
        offline = run_scenario(__file__, "scenario_offline", dict(ctx, url="http://127.0.0.1:9"), out, timeout=60)
        results["elder" if elder else "normal"] = {**walk, "offline": offline}
    return results


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_every_screen_is_laid_out_cleanly(runs, mode: str) -> None:
    """GIVEN each screen at 1080×1920 THEN no overlap, nothing outside the window or spilling out of its widget,
    and no line break inside a word or before closing punctuation."""
    shots = runs[mode]["shots"] + runs[mode]["offline"]["shots"]
    assert len(shots) >= 13
    for shot in shots:
        assert shot["image"] == list(SIZE), shot["name"]
        for problem in ("overlaps", "outside", "spills", "broken"):
            assert shot[problem] == [], (shot["name"], problem, shot[problem])
        small = {t: s for t, s in shot["targets"].items() if min(s) < MIN_TARGET}
        assert small == {}, (shot["name"], small)


def test_elder_mode_targets_are_never_smaller(runs) -> None:
    """GIVEN the same screens in both modes THEN each target of 适老模式 is at least as large as in normal mode on its
    smaller side (the home choices 272 → 161 px of the issue), and the home choices are clearly larger."""
    normal = {s["name"].split("-", 1)[1]: s["targets"] for s in runs["normal"]["shots"] + runs["normal"]["offline"]["shots"]}
    elder = {s["name"].split("-", 1)[1]: s["targets"] for s in runs["elder"]["shots"] + runs["elder"]["offline"]["shots"]}
    compared = 0
    for screen, targets in normal.items():
        for text, size in targets.items():
            if text in elder.get(screen, {}):
                assert min(elder[screen][text]) >= min(size), (screen, text, size, elder[screen][text])
                compared += 1
    assert compared >= 40
    for choice in ("取号", "绿色通道", "预约签到", "办事指南", "查询进度"):
        assert min(elder["01-home"][choice]) >= 1.15 * min(normal["01-home"][choice]), choice


def test_elder_departments_page_in_one_column(runs) -> None:
    """GIVEN the demo hall's 13 departments (and 综合受理) in 适老模式 THEN one full-width row each, a few to a page,
    all reachable with 下一页 and none scrolled or clipped."""
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config

    from kiosk.ticketing.departments import department_services

    pages = runs["elder"]["pages"]
    names = [name for _, name, _ in department_services(load_config(DEMO_CONFIG_PATH))]
    assert pages["count"] >= 3 and pages["per_page"] >= 3 and not pages["scrolls"]
    assert [n for n in pages["names"] if not n.startswith("不知道")] == names
    elder = {s["name"]: s for s in runs["elder"]["shots"]}
    for name, shot in elder.items():
        if "departments" in name:
            rows = [size for text, size in shot["targets"].items() if text not in ("上一页", "下一页", "绿色通道", "返回首页")]
            assert rows and all(size[0] > 0.8 * SIZE[0] for size in rows), (name, rows)


def test_check_in_keypad_stays_put_and_wants_six_digits(runs) -> None:
    """GIVEN 预约签到 WHEN one digit is typed and 确认签到 is tapped THEN the keys have not moved, no check-in was
    sent, and the message says a code has six digits."""
    for mode in ("normal", "elder"):
        before, after_digit, after_message = runs[mode]["keys"]
        assert before == after_digit == after_message, mode
        assert "6位" in runs[mode]["short_message"] and "1位" in runs[mode]["short_message"]
        assert runs[mode]["outcomes"] == 1  # only the 投诉督查股 number; the short code never reached the server


def test_progress_finds_the_number_just_taken(runs) -> None:
    for mode in ("normal", "elder"):
        assert "有诉即办" in runs[mode]["answer"] and "等候中" in runs[mode]["answer"], runs[mode]["answer"]


def test_elder_mode_speaks_a_real_prompt_on_each_screen(runs) -> None:
    """GIVEN 适老模式 THEN every screen shown started its own prompt, each a real WAV file of a few seconds that a
    hall can replace; normal mode stays silent."""
    played = runs["elder"]["voice"]
    for screen in ("home", "priority", "departments", "services", "confirm", "ticket", "checkin", "progress"):
        assert screen in played, screen
    for screen, path in runs["elder"]["voice_files"].items():
        with wave.open(path) as clip:
            assert 1.0 < clip.getnframes() / clip.getframerate() < 15, screen
    assert "offline" in runs["elder"]["offline"]["voice"]
    assert runs["normal"]["voice"] == [] and runs["normal"]["offline"]["voice"] == []


def test_a_refusal_reaches_the_screen_without_its_field_name(kiosk_server) -> None:
    """GIVEN the server's refusal of a malformed code (the declared path: 404 naming the field ``code``) THEN the
    kiosk's client hands the screen the Chinese message alone, no English field name."""
    from kiosk.common.api import ApiClient

    client = ApiClient(kiosk_server.url, kiosk_server.token("kiosk"), deliver=lambda fn: fn())
    try:
        result = client.call_sync("POST", "/api/appointments/12/check-in")
    finally:
        client.close()
    assert result.status == 404 and result.data["field"] == "code"
    assert result.message == "预约码：格式不正确"
