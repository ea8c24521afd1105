"""Issue 13, finding 15: text imported into the hall (guide names, service and department names) shows literally on
kiosk buttons: Kivy markup in it is not interpreted.

Rendered for real, offscreen: a button showing ``[b]…[/b]`` literally draws the brackets, so its texture is as wide
as a plain (markup off) label of the same text, and wider than the same text read as markup.
"""
from __future__ import annotations

from types import SimpleNamespace

HOSTILE = "[color=ff0000][size=8]假冒指南[/size][/color]"


def _width(text: str, *, markup: bool, like) -> int:
    from kivy.uix.label import Label

    label = Label(text=text, markup=markup, font_name=like.font_name, font_size=like.font_size, bold=like.bold)
    label.texture_update()
    return label.texture_size[0]


def _unwrapped(button):
    """Render ``button`` on one line (its kv rule wraps to its width, which no layout has set here)."""
    button.text_size = (None, None)
    button.texture_update()
    return button


def test_imported_guide_and_service_names_show_literally_on_kiosk_buttons() -> None:
    from kivy.uix.gridlayout import GridLayout

    from kiosk.common.api import ApiResult
    from kiosk.common.widgets import BigButton, Caption, load_theme
    from kiosk.guide.screens import fill_guides
    from kiosk.ticketing.departments import department_label
    from kiosk.ticketing.screens import service_label

    load_theme()
    grid = GridLayout(cols=1)
    shown = fill_guides(SimpleNamespace(), grid, Caption(text=""),
                        ApiResult(200, [{"code": "g1", "name": HOSTILE, "department": "d"}]))
    assert shown == 1
    [button] = grid.children
    _unwrapped(button)
    literal = _width(HOSTILE, markup=False, like=button)
    assert button.texture_size[0] == literal
    assert literal > _width(HOSTILE, markup=True, like=button), "read as markup, the text would be narrower"
    # the tiles that build markup on purpose escape the imported name inside it
    for label in (service_label(HOSTILE, {"waiting": 3, "estimated_wait_min": 12}), department_label(HOSTILE, 2)):
        name_only = _unwrapped(BigButton(text=label.split("\n")[0], markup=True))
        assert name_only.texture_size[0] == literal, label
