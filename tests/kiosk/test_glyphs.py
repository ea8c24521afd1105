"""Chinese renders as glyphs, not boxes: Kivy's Roboto draws every CJK character as the same box, the shipped
Noto Sans SC draws each one differently; and the kiosk's real home screen uses the shipped font."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.kiosk.harness import run_scenario


def _pixels(text: str, font: str) -> bytes:
    from kivy.uix.label import Label

    label = Label(text=text, font_name=font, font_size=48)
    label.texture_update()
    return bytes(label.texture.pixels)


def _ink(pixels: bytes) -> int:
    return sum(1 for alpha in pixels[3::4] if alpha > 128)


def scenario_glyphs(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from kiosk.common.fonts import FONT_REGULAR, roboto_path
    from kiosk.common.settings import KioskSettings
    from kiosk.ticketing.app import TicketKioskApp
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config

    app = TicketKioskApp(KioskSettings(server=ctx["url"]), load_config(DEMO_CONFIG_PATH))
    d = factory.start(app)
    d.shot("glyphs-home")
    button = d.find_button("取号", exact=True)
    roboto, noto = roboto_path(), str(FONT_REGULAR)
    return {
        "roboto_same": _pixels("取", roboto) == _pixels("号", roboto),
        "noto_same": _pixels("取", noto) == _pixels("号", noto),
        "noto_vs_roboto": _pixels("取号", noto) == _pixels("取号", roboto),
        "button_font": button.font_name,
        "button_vs_roboto": bytes(button.texture.pixels) == _pixels_like(button, roboto),
        "button_vs_noto": bytes(button.texture.pixels) == _pixels_like(button, "NotoSansSC", bold=True),
        "ink": _ink(bytes(button.texture.pixels)),
    }


def _pixels_like(button: Any, font: str, bold: bool = False) -> bytes:
    from kivy.uix.label import Label

    label = Label(text=button.text, font_name=font, font_size=button.font_size, bold=bold, markup=button.markup,
                  text_size=button.text_size, halign=button.halign, valign=button.valign)
    label.texture_update()
    return bytes(label.texture.pixels)


def test_chinese_renders_with_the_shipped_font(shots: Path) -> None:
    """GIVEN the shipped Noto Sans SC WHEN 取 and 号 are rendered THEN they differ from each other and from
    Roboto's boxes (which are identical), and the home screen's 取号 button is drawn with the shipped font."""
    result = run_scenario(__file__, "scenario_glyphs", {"role": "ticket", "url": "http://127.0.0.1:9"}, shots)
    assert result["roboto_same"] is True      # the reference: Roboto has no CJK glyphs, every one is a box
    assert result["noto_same"] is False
    assert result["noto_vs_roboto"] is False
    assert result["button_font"] == "NotoSansSC"
    assert result["button_vs_roboto"] is False and result["button_vs_noto"] is True
    assert result["ink"] > 200
