"""Department-first 取号 on the ticket kiosk, against a real ``govhall serve``, driven by simulated touches offscreen.

取号 shows a grid of department tiles (only departments with services, each with how many wait there now), a tile
shows that department's services, a one-service department goes straight to the confirm step, 返回 goes back to
the grid and 返回首页 home; the hall's 综合受理 service (kiosk setting ``general_service``) gets a full-width row under the
grid for the undecided. The grid must fit the window at the kiosk's size in normal mode, and in 适老模式 keep
every fixed control inside the window (as one-column pages, ``test_ticket_screens.py``). Each ``scenario_*`` runs in its own process
(``harness.py``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.kiosk.harness import run_scenario, start_scenario

#: a department the kiosk's hall file lists without any service: it must not get a tile
EMPTY_DEPARTMENT = ("archives", "档案馆")


def _app(ctx: dict[str, Any]):
    from devices.printer.sim import SimTicketPrinter
    from kiosk.common.settings import KioskSettings
    from kiosk.ticketing.app import TicketKioskApp
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config

    hall_file = Path(ctx["out_dir"]) / "hall.toml"
    hall_file.write_text(DEMO_CONFIG_PATH.read_text(encoding="utf-8") + "\n[[departments]]\n"
                         f'code = "{EMPTY_DEPARTMENT[0]}"\nname = "{EMPTY_DEPARTMENT[1]}"\n', encoding="utf-8")
    printer = SimTicketPrinter(Path(ctx["out_dir"]) / "printer")
    settings = KioskSettings(server=ctx["url"], token=ctx.get("token", ""), elder_mode=ctx.get("elder", False),
                             general_service=ctx.get("general", "general_intake"))
    return TicketKioskApp(settings, load_config(hall_file), printer=printer), printer


def _names(buttons: list[Any]) -> list[str]:
    """The names on the tiles (a parenthetical is set on a line of its own, then the waiting line)."""
    return ["".join(line for line in b.text.split("\n") if not line.startswith("[size=")) for b in buttons]


def _rect(widget: Any) -> tuple[float, float, float, float]:
    x0, y0 = widget.to_window(widget.x, widget.y)
    x1, y1 = widget.to_window(widget.right, widget.top)
    return x0, y0, x1, y1


def _inside(rect: tuple[float, float, float, float], outer: tuple[float, float, float, float]) -> bool:
    return (rect[0] >= outer[0] - 0.5 and rect[1] >= outer[1] - 0.5 and rect[2] <= outer[2] + 0.5
            and rect[3] <= outer[3] + 0.5)


def _layout(d: Any, screen: Any, shot: str) -> dict[str, Any]:
    """Where everything on the department grid is, checked on the widgets and on the screenshot's pixels."""
    from kivy.core.window import Window
    from PIL import Image

    from kiosk.common import theme

    grid = screen.departments
    window = (0.0, 0.0, float(Window.width), float(Window.height))
    tiles = grid.tiles
    in_grid = {id(w) for tile in tiles for w in tile.walk(restrict=True)} | {id(grid.grid)}
    outside = [getattr(w, "text", type(w).__name__) for w in d.widgets()
               if id(w) not in in_grid and w.width and w.height and not _inside(_rect(w), window)]
    view = _rect(grid)
    path = d.shot(shot)
    image = Image.open(path).convert("RGB")

    def pixel(widget: Any) -> tuple[int, ...]:
        x0, y0, _x1, y1 = _rect(widget)  # just inside the left edge: the background, clear of the centred text
        return image.getpixel((int(x0 + 2), int(image.height - (y0 + y1) / 2)))

    home = d.find_button("返回首页")
    departments = [t for t in tiles if t.department]
    general = [screen.general] if screen.general.opacity and screen.general.height else []
    return {
        "window": list(Window.size), "image": list(image.size), "outside": outside,
        "tiles": len(tiles), "general": len(general), "in_view": sum(_inside(_rect(t), view) for t in tiles),
        "general_in_window": all(_inside(_rect(g), window) for g in general),
        "view_in_window": _inside(view, window), "overflows": grid.overflows,
        "text_spills": [t.text for t in tiles + general
                        if t.texture_size[1] > t.height or t.texture_size[0] > t.width],
        "hint": screen.scroll_hint.parent is not None,
        "home_pixel": list(pixel(home)), "surface": [round(c * 255) for c in theme.SURFACE[:3]],
        "last_tile_pixel": list(pixel(departments[-1])) if _inside(_rect(departments[-1]), view) else None,
        "general_pixel": list(pixel(general[0])) if general else None,
        "primary": [round(c * 255) for c in theme.PRIMARY[:3]], "font": tiles[0].font_size,
        "warning": [round(c * 255) for c in theme.WARNING[:3]],
    }


def _close(a: list[int], b: list[int]) -> bool:
    return all(abs(x - y) <= 6 for x, y in zip(a, b))


def _open_grid(factory: Any, ctx: dict[str, Any]) -> tuple[Any, Any, Any]:
    """Start the kiosk, tap 取号 and wait for the grid with its waiting counts: (app, driver, departments screen)."""
    app, _printer = _app(ctx)
    d = factory.start(app)
    d.wait_until(lambda: app.online, what="hall feed online")
    d.tap_text("取号", exact=True)
    screen = d.wait_screen("departments")
    d.wait_until(lambda: all("等候" in t.text for t in screen.departments.tiles), what="waiting per department")
    return app, d, screen


def scenario_departments(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    app, d, screen = _open_grid(factory, ctx)
    layout = _layout(d, screen, "departments")
    tiles = list(reversed(screen.departments.grid.children))
    grid_children = _names([t for t in tiles if t.department])
    general_tiles = [screen.general.text] if screen.general.opacity else []
    bdc_before = next(t.text for t in screen.departments.tiles if t.department == "bdc")
    d.signal("grid")
    d.wait_go("ticket_taken")  # the test took a 不动产 number elsewhere: the tile's count follows, no tap needed
    d.wait_until(lambda: next(t.text for t in screen.departments.tiles if t.department == "bdc") != bdc_before,
                 what="refreshed count")
    bdc_after = next(t.text for t in screen.departments.tiles if t.department == "bdc")
    # a department with several services: exactly its services
    d.tap_text("不动产登记中心")
    services = d.wait_screen("services")
    d.wait_until(lambda: all("等候" in b.text for b in services.list.items), what="waiting per service")
    d.shot("department-services")
    bdc_services = [b.text for b in services.list.items]
    services_heading = services.heading.text
    d.tap_text("返回", exact=True)
    d.wait_screen("departments")
    back_to_grid = app.screens.current
    # a department with one service: straight to the confirm step; 返回 goes back to the grid
    d.tap_text("投诉督查股")
    confirm = d.wait_screen("confirm")
    d.shot("department-one-service-confirm")
    confirm_text = confirm.text.text
    d.tap_text("返回", exact=True)
    d.wait_screen("departments")
    d.tap_text("投诉督查股")
    d.wait_screen("confirm")
    d.tap_text("确认取号")
    ticket = d.wait_screen("ticket")
    walk_in_service = app.outcomes[-1].ticket["service"]
    walk_in = ticket.number.text
    d.tap_text("完成")
    d.wait_screen("home")
    # the 综合受理 tile: its confirm step, 返回 back to the grid
    d.tap_text("取号", exact=True)
    d.wait_screen("departments")
    d.tap_text("不知道选哪个")
    general_confirm = d.wait_screen("confirm").text.text
    d.tap_text("返回", exact=True)
    d.wait_screen("departments")
    d.tap_text("返回首页")
    d.wait_screen("home")
    # 返回首页 from a department's services
    d.tap_text("取号", exact=True)
    d.wait_screen("departments")
    d.tap_text("税务局")
    d.wait_screen("services")
    tax_services = _names(d.app.screen.list.items)
    d.tap_text("返回首页")
    d.wait_screen("home")
    # 绿色通道 → category → grid (says the category) → one-service department → confirm → priority ticket
    d.tap_text("取号", exact=True)
    d.wait_screen("departments")
    d.tap_text("绿色通道")
    d.wait_screen("priority")
    d.tap_text("孕妇")
    grid = d.wait_screen("departments")
    priority_heading = grid.heading.text
    priority_button_hidden = grid.priority_button.disabled
    d.tap_text("投诉督查股")
    confirm = d.wait_screen("confirm")
    priority_confirm = confirm.text.text
    d.tap_text("确认取号")
    d.wait_screen("ticket")
    return {"layout": layout, "grid": grid_children, "general_tiles": general_tiles,
            "general_confirm": general_confirm, "walk_in_service": walk_in_service, "bdc_before": bdc_before, "bdc_after": bdc_after,
            "bdc_services": bdc_services, "services_heading": services_heading, "back": back_to_grid,
            "confirm": confirm_text, "walk_in": walk_in, "tax_services": tax_services,
            "priority_heading": priority_heading, "priority_button_hidden": priority_button_hidden,
            "priority_confirm": priority_confirm, "outcomes": [o.ticket for o in app.outcomes]}


def test_departments_then_services_then_a_number(kiosk_server, shots: Path) -> None:
    """GIVEN the demo hall (plus a department without services) WHEN a citizen taps 取号 THEN one tile per department
    that has services, with its waiting total; a tile shows exactly its services; a one-service department asks to
    confirm and issues its ticket; a last tile offers 综合受理; 绿色通道 goes through the same grid and issues a priority ticket."""
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config

    config = load_config(DEMO_CONFIG_PATH)
    token = kiosk_server.token("kiosk")
    run = start_scenario(__file__, "scenario_departments", {"role": "ticket", "url": kiosk_server.url,
                                                             "token": token}, shots)
    run.wait_for("grid")
    status, _ = kiosk_server.post("/api/tickets", {"service": "bdc_query", "request_id": "depts-elsewhere"}, token)
    assert status == 201
    run.go("ticket_taken")
    result = run.result()
    with_services = [d.name for code, d in config.departments.items()
                     if any(s.department == code for s in config.services.values())]
    assert result["grid"] == with_services and EMPTY_DEPARTMENT[1] not in result["grid"]
    # and a row under the grid for the hall's 综合受理 (the general_service setting's code)
    assert len(result["general_tiles"]) == 1 and "请选【综合受理（无差别窗口）】" in result["general_tiles"][0]
    assert "您将办理：\n综合受理（无差别窗口）" in result["general_confirm"]
    bdc_waiting = sum(kiosk_server.waiting(s) for s in ("bdc_transfer", "bdc_mortgage", "bdc_query"))
    assert (f"共 {bdc_waiting - 1} 人等候" in result["bdc_before"]
            or (bdc_waiting == 1 and "现在无人等候" in result["bdc_before"]))
    assert f"共 {bdc_waiting} 人等候" in result["bdc_after"]
    # exactly the department's services, with waiting counts and estimates as before
    assert [t.split("\n")[0] for t in result["bdc_services"]] == ["不动产转移登记", "不动产抵押登记", "不动产登记资料查询"]
    assert any("等候 1 人" in t for t in result["bdc_services"])
    assert "不动产登记中心" in result["services_heading"]
    assert result["tax_services"] == [s.name for s in config.services.values() if s.department == "swj"]
    assert result["back"] == "departments"
    assert "有诉即办" in result["confirm"] and "绿色通道" not in result["confirm"]
    walk_in, priority = result["outcomes"]
    assert result["walk_in_service"] == walk_in["service"] == "complaint" and walk_in["number"] == result["walk_in"] and not walk_in["priority"]
    assert "孕妇" in result["priority_heading"] and result["priority_button_hidden"]
    assert "绿色通道 · 孕妇" in result["priority_confirm"] and "有诉即办" in result["priority_confirm"]
    assert priority["service"] == "complaint" and priority["priority"] == "pregnant"


def scenario_grid_fits(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    _, d, screen = _open_grid(factory, ctx)
    layout = _layout(d, screen, f"departments-{'elder' if ctx.get('elder') else 'normal'}-{ctx['window_size'][0]}")
    # the last tile can be reached (scrolled to if need be), and coming back from it keeps the place in the grid
    last = screen.departments.tiles[-1]
    d.tap(last)
    d.wait_screen("confirm")
    d.tap_text("返回", exact=True)
    d.wait_screen("departments")
    return {"layout": layout, "scroll_y_after_back": screen.departments.scroll_y}


@pytest.mark.parametrize(("elder", "size", "general"), [(False, (540, 960), ""), (False, (1080, 1920), "general_intake")],
                         ids=["normal-half-no-general", "normal-full"])
def test_department_grid_fits_the_window(kiosk_server, shots: Path, elder: bool, size: tuple[int, int],
                                         general: str) -> None:
    """GIVEN the kiosk's portrait window WHEN the department grid shows THEN nothing lies outside the window and no
    tile's text spills out, and every tile shows without scrolling (the screenshot has the last tile and 返回首页
    where the widgets say). 适老模式's paged list is checked in ``test_ticket_screens.py``."""
    result = run_scenario(__file__, "scenario_grid_fits", {"role": "ticket", "url": kiosk_server.url,
                                                            "token": kiosk_server.token("kiosk"), "elder": elder,
                                                            "window_size": list(size), "general": general}, shots)
    layout = result["layout"]
    assert layout["window"] == list(size) and layout["image"] == list(size)
    assert layout["outside"] == [] and layout["view_in_window"] and layout["text_spills"] == []
    assert layout["general"] == (1 if general else 0) and layout["tiles"] == 13 and layout["general_in_window"]
    assert _close(layout["home_pixel"], layout["surface"])  # 返回首页 is drawn where its widget is
    assert general == "" or _close(layout["general_pixel"], layout["warning"])  # drawn, never scrolled away
    if not elder:
        assert layout["in_view"] == layout["tiles"] and not layout["overflows"] and not layout["hint"]
        assert _close(layout["last_tile_pixel"], layout["primary"])  # the last tile is drawn, inside the window
        assert result["scroll_y_after_back"] == pytest.approx(1)
    else:
        assert layout["overflows"] and layout["hint"] and 0 < layout["in_view"] < layout["tiles"]
        assert result["scroll_y_after_back"] < 0.5  # back from the last tile: still at the bottom of the grid
