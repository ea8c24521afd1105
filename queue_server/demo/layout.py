"""Where the desktop demo puts its four app windows: side by side when the screen is large enough (the ticket kiosk
upright at the left, the hall display at the top right, the staff panel and the review tablet under it), else a
cascade that leaves every title bar in sight.

Each app is told its place through Kivy's own environment mapping (``KCFG_GRAPHICS_*``, read when Kivy is first
imported) and its size through ``govhall kiosk --scale``, so the apps need no demo-specific option. A position is
where the window's frame goes, title bar included: window managers place a new window's outer corner where the
program asks (ICCCM north-west gravity; checked with openbox), and with no window manager there is no frame.
"""
from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass

from kiosk.cli import DEVICE_SIZES

#: the order the windows open in, which is also the cascade's order (later ones lie on top)
ROLES = ("ticket", "display", "staff", "review")
#: space between windows and around the edges, in pixels
GAP = 8
#: what a window manager adds above each window (its title bar), with room to spare; borders fit in the GAP
TITLE_BAR = 40
#: below this scale the counter apps' buttons get too small to use: cascade larger windows instead
MIN_SCALE = 0.4
#: the largest scale the demo uses (the kiosk's own default on a desktop)
MAX_SCALE = 0.5
#: a cascade never covers more than this share of the screen with one window
CASCADE_SHARE = 0.7
#: assumed when the screen cannot be read (no X tools, Wayland only): a cascade that fits nearly any laptop
FALLBACK_SIZE = (1366, 768)


@dataclass(frozen=True)
class Desktop:
    """The area windows may use (the screen less panels) and the title bar height a window manager adds."""

    left: int
    top: int
    width: int
    height: int
    decoration: int = 0


@dataclass(frozen=True)
class Placement:
    """One app window: its scale of the real device and where its frame's top-left corner goes."""

    role: str
    scale: float
    left: int
    top: int

    @property
    def size(self) -> tuple[int, int]:
        """The window's client size, rounded as ``govhall kiosk --scale`` rounds it."""
        width, height = DEVICE_SIZES[self.role]
        return int(width * self.scale), int(height * self.scale)

    def args(self) -> list[str]:
        """Command-line options for ``govhall kiosk``."""
        return ["--scale", f"{self.scale:.4f}"]

    def env(self) -> dict[str, str]:
        """Environment for the app: Kivy maps ``KCFG_<SECTION>_<KEY>`` onto its config at import."""
        return {"KCFG_GRAPHICS_POSITION": "custom", "KCFG_GRAPHICS_LEFT": str(self.left),
                "KCFG_GRAPHICS_TOP": str(self.top)}


def plan(desk: Desktop) -> dict[str, Placement]:
    """Places for the four apps on ``desk``: side by side if that keeps them usable, else a cascade."""
    placements = side_by_side(desk)
    return placements if placements is not None else cascade(desk)


def side_by_side(desk: Desktop) -> dict[str, Placement] | None:
    """All four visible at once at one scale (so they compare in size as the real devices do), or None when the
    screen is too small for that scale to stay above :data:`MIN_SCALE`."""
    d = desk.decoration
    (kw, kh), (dw, dh) = DEVICE_SIZES["ticket"], DEVICE_SIZES["display"]
    (sw, sh), (rw, rh) = DEVICE_SIZES["staff"], DEVICE_SIZES["review"]
    # 1 px of slack per window absorbs the float scale's rounding
    scale = min(1.0,  # never larger than the real device
                (desk.height - 2 * GAP - d - 1) / kh,
                (desk.height - 3 * GAP - 2 * d - 2) / (dh + max(sh, rh)),
                (desk.width - 4 * GAP - 3) / (kw + max(dw, sw + rw)))
    if scale < MIN_SCALE:
        return None
    kiosk_w = int(kw * scale)
    right_w = max(int(dw * scale), int(sw * scale) + GAP + int(rw * scale))
    # centre the group in the width it leaves over, so it reads as one arrangement
    x = desk.left + GAP + max(0, desk.width - (3 * GAP + kiosk_w + right_w)) // 2
    top = desk.top + GAP
    right = x + kiosk_w + GAP
    below = top + d + int(dh * scale) + GAP
    return {
        "ticket": Placement("ticket", scale, x, top),
        "display": Placement("display", scale, right, top),
        "staff": Placement("staff", scale, right, below),
        "review": Placement("review", scale, right + int(sw * scale) + GAP, below),
    }


def cascade(desk: Desktop) -> dict[str, Placement]:
    """The four apps stepped down and right by one title bar each, every one as large as fits (at most
    :data:`MAX_SCALE`), so each title bar stays visible to click."""
    step = desk.decoration + GAP if desk.decoration else 3 * GAP
    placements = {}
    for i, role in enumerate(ROLES):
        width, height = DEVICE_SIZES[role]
        offset = GAP + i * step
        scale = min(MAX_SCALE, CASCADE_SHARE * desk.width / width, CASCADE_SHARE * desk.height / height,
                    (desk.width - offset - GAP) / width, (desk.height - offset - desk.decoration - GAP) / height)
        placements[role] = Placement(role, max(scale, 0.1), desk.left + offset, desk.top + offset)
    return placements


def wait_for_window(title_start: str, seconds: float = 20) -> bool:
    """Block until a top-level window whose title starts with ``title_start`` is on the screen (False on timeout, or
    at once when the screen cannot be queried). A cascade needs its windows mapped in order: a window manager
    stacks them as they appear, and apps started together appear in any order, burying a title bar."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        tree = _x_tool("xwininfo", "-root", "-tree")
        if not tree:
            return False
        if f'"{title_start}' in tree:
            return True
        time.sleep(0.2)
    return False


def this_desktop() -> Desktop:
    """The X screen's work area (``_NET_WORKAREA`` when a window manager publishes one) and whether windows get
    title bars; :data:`FALLBACK_SIZE` with title bars when the screen cannot be read."""
    size = re.search(r"dimensions:\s+(\d+)x(\d+) pixels", _x_tool("xdpyinfo"))
    if size is None:
        return Desktop(0, 0, *FALLBACK_SIZE, decoration=TITLE_BAR)
    # EWMH window managers announce themselves on the root window; without one (a bare X server) nothing is framed
    managed = "window id" in _x_tool("xprop", "-root", "_NET_SUPPORTING_WM_CHECK")
    work = re.search(r"=\s*(\d+),\s*(\d+),\s*(\d+),\s*(\d+)", _x_tool("xprop", "-root", "_NET_WORKAREA"))
    decoration = TITLE_BAR if managed else 0
    if work is not None:
        return Desktop(*(int(v) for v in work.groups()), decoration=decoration)
    return Desktop(0, 0, int(size[1]), int(size[2]), decoration=decoration)


def _x_tool(*args: str) -> str:
    """The output of an X11 query tool (x11-utils), or "" when it is missing or fails."""
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
