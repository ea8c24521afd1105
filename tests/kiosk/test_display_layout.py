"""The hall display at its real size (1920×1080) against a real server, with 0, 1 and 6 tidal notices: the newest
call keeps its own zone (no notice widget enters it), the earlier calls stand as a 号码 → 窗口 table, the panel
pages through the staffed windows only and the waiting counts, and all text is large enough to read from 5 m."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.kiosk.harness import start_scenario
from tests.kiosk.layout import inside, overlap, rect, screenshot_size

DISPLAY = (1920, 1080)
#: docs/kiosk.md: smallest text on the hall TV, and the newest number's size (pixels at 1920×1080)
MIN_TEXT_PX = 40
MIN_NUMBER_PX = 200
MIN_TABLE_PX = 56
STAFFED = 10          # windows with someone logged in: more than one page of the window list
STEPS = (0, 1, 6)     # tidal notices on show at each screenshot


def _layout(d: Any, board: Any) -> dict[str, Any]:
    """What one screenshot shows, as rectangles and sizes."""
    from kivy.uix.label import Label

    labels = [w for w in d.widgets() if isinstance(w, Label) and w.text and w.opacity > 0 and w.height > 0
              and w is not board.ticker.label]
    return {
        "zone": rect(board.latest),
        "zone_parts": [rect(w) for w in (board.latest.number, board.latest.window)],
        "number_texture": list(board.latest.number.texture_size),
        "window_texture": list(board.latest.window.texture_size),
        "notice_widgets": [rect(board.ticker), rect(board.ticker.label)],
        "ticker_rows": rect(board.ticker),
        "table": rect(board.table), "panel": rect(board.panel),
        "smallest_text": min(w.font_size for w in labels),
        "number_px": board.latest.number.font_size,
        "table_px": min(n.font_size for n, _w in board.table.cells),
        "ticker_px": board.ticker.label.font_size,
        "calls": board.table.filled, "latest": board.latest_text, "notices": list(board.notices),
        "ticker_text": board.ticker.label.text,
        "unfit": [w.text for row, left, right in board.panel.lines for w in (left, right)
                  if w.text and (w.texture_size[0] > w.width + 1 or w.texture_size[1] > w.height + 1)],
    }


def scenario_display_layout(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from kiosk.common.settings import KioskSettings
    from kiosk.display.app import HallDisplayApp
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config

    app = HallDisplayApp(KioskSettings(server=ctx["url"]), load_config(DEMO_CONFIG_PATH))
    d = factory.start(app)
    board = d.wait_screen("board")
    d.wait_until(lambda: app.board.online and len(board.table.filled) >= 8, timeout=20, what="the calls")
    seen: dict[str, Any] = {"steps": {}, "pages": []}
    for page in range(len(board.pages)):  # every page of the panel, turned as the timer turns them
        board.page = page
        board._show_page()
        d.pump(2)
        seen["pages"].append([board.panel.title.text, board.panel.filled])
        seen.setdefault("unfit", []).extend(_layout(d, board)["unfit"])
        seen.setdefault("page_shots", []).append(d.shot(f"display-page-{page + 1}"))
    board.page = 0
    board._show_page()
    for count in ctx["steps"]:
        d.signal(f"ready-{count}")
        d.wait_go(f"tidal-{count}")
        d.wait_until(lambda: len(board.notices) == count, timeout=20, what=f"{count} tidal notices")
        d.pump(5)
        from kivy.animation import Animation

        Animation.cancel_all(board.ticker.label)  # hold the line where the notices start, for the screenshot
        board.ticker.label.x = board.ticker.x + board.ticker.width * 0.02
        d.pump(1)
        step = _layout(d, board)
        step["shot"] = d.shot(f"display-tidal-{count}")
        seen["steps"][str(count)] = step
    return seen


def test_display_at_1920x1080_with_0_1_6_tidal_notices(kiosk_server, shots: Path) -> None:
    """GIVEN ten staffed windows with calls, one paused, and the rest of the 34 windows unstaffed WHEN 0, 1 and then
    6 tidal windows open THEN at each step the newest call's zone meets no notice widget and holds its number and
    window whole, the table lists the 8 calls before it, and no text is smaller than docs/kiosk.md allows; the panel's
    pages list exactly the staffed windows and the services with people waiting."""
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config
    from queue_server.tidal.runner import hall_cross_training

    config = load_config(DEMO_CONFIG_PATH)
    kiosk, admin = kiosk_server.token("kiosk"), kiosk_server.token("admin")
    hall = {w["number"]: w for w in kiosk_server.get("/api/hall")["windows"]}
    regular = [n for n in sorted(config.windows) if not config.windows[n].standby][:STAFFED]
    calls = []
    for i, number in enumerate(regular):
        kiosk_server.add_staff(f"90{number:02d}", f"员工{number}", f"secret-{number}")
        status, login = kiosk_server.post("/api/login", {"staff_no": f"90{number:02d}", "password": f"secret-{number}",
                                                         "window": number})
        assert status == 200, login
        service = hall[number]["services"][0]
        assert kiosk_server.post("/api/tickets", {"service": service, "request_id": f"layout-{i}"}, kiosk)[0] == 201
        status, called = kiosk_server.post(f"/api/windows/{number}/call", {}, login["token"])
        assert status == 200, called
        calls.append((called["number"], f"{number}号窗口"))
        if number == regular[-1]:
            assert kiosk_server.post(f"/api/windows/{number}/pause", {"reason": "临时离开"}, login["token"])[0] == 200
    # a single waiting ticket of a long service already looks like a 20-minute wait to the hall's tidal policy, which
    # may have opened windows while the tickets above were issued: close them, the queues are empty now
    for opening in kiosk_server.get("/api/tidal", admin)["open"]:
        assert kiosk_server.post("/api/tidal/close", {"window": opening["window"]}, admin)[0] == 200
    assert kiosk_server.get("/api/tidal", admin)["open"] == []
    run = start_scenario(__file__, "scenario_display_layout", {"role": "display", "url": kiosk_server.url,
                                                               "window_size": DISPLAY, "steps": list(STEPS)}, shots,
                         timeout=150)
    # six tidal openings the hall allows: each standby window's first service, then regular counters trained for one
    trained = hall_cross_training(config)
    openings = [(n, w.tidal_services[0]) for n, w in sorted(config.windows.items()) if w.standby]
    openings += [(n, trained[n][0]) for n in sorted(trained) if trained[n] and not config.windows[n].standby
                 and n not in regular][:6 - len(openings)]
    opened = 0
    for count in STEPS:
        run.wait_for(f"ready-{count}")
        for window, service in openings[opened:count]:
            # a tidal window opens only where someone works: its clerk signs in first (after the panel's pages
            # above were read, so they still list the ten counters alone)
            kiosk_server.add_staff(f"91{window:02d}", f"潮汐{window}", f"secret-{window}")
            assert kiosk_server.post("/api/login", {"staff_no": f"91{window:02d}", "password": f"secret-{window}",
                                                    "window": window})[0] == 200
            status, body = kiosk_server.post("/api/tidal/open", {"service": service, "window": window}, admin)
            assert status == 201, body
        opened = count
        run.go(f"tidal-{count}")
    seen = run.result()

    for count in STEPS:
        step = seen["steps"][str(count)]
        assert screenshot_size(step["shot"]) == DISPLAY
        assert len(step["notices"]) == count and all(n in step["ticker_text"] for n in step["notices"])
        for notice in step["notice_widgets"]:
            assert not overlap(step["zone"], notice), (count, step["zone"], notice)
        for part, texture in zip(step["zone_parts"], (step["number_texture"], step["window_texture"])):
            assert inside(part, step["zone"]) and texture[0] <= part[2] and texture[1] <= part[3], (count, part)
        assert not overlap(step["zone"], step["table"]) and not overlap(step["zone"], step["panel"])
        assert not overlap(step["table"], step["panel"])
        assert step["latest"] == f"请 {calls[-1][0]} 号 到 {calls[-1][1]} 办理"
        assert [tuple(c) for c in step["calls"]] == list(reversed(calls[:-1]))[:8]  # the eight before, newest first
        assert step["smallest_text"] >= MIN_TEXT_PX and step["ticker_px"] >= MIN_TEXT_PX
        assert step["number_px"] >= MIN_NUMBER_PX and step["table_px"] >= MIN_TABLE_PX
    assert not seen["unfit"] and not any(seen["steps"][str(c)]["unfit"] for c in STEPS)  # no wrapped or cut row
    assert seen["steps"]["6"]["zone"] == seen["steps"]["0"]["zone"]  # notices never move the call zone

    window_pages = [rows for title, rows in seen["pages"] if title.startswith("窗口")]
    listed = [left for rows in window_pages for left, _right in rows]
    assert [title for title, _rows in seen["pages"] if title.startswith("窗口")] == ["窗口（1/2）", "窗口（2/2）"]
    assert [t.split("号")[0] for t in listed] == [str(n) for n in regular]  # staffed only, by number
    assert dict(r for rows in window_pages for r in rows)[listed[-1]] == "暂停服务"
    waiting = [rows for title, rows in seen["pages"] if title.startswith("等候人数")]
    assert waiting == [[["当前各业务无人等候", ""]]]  # every ticket was called
