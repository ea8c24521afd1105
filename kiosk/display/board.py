"""What the hall display shows, kept apart from drawing it: a pure model fed by snapshots and events.

:class:`HallBoard` starts from a snapshot (``GET /api/hall``) and applies the WebSocket events in order. When the
link is lost it forgets everything (``online = False``), so the screen says 连接中断 instead of stale numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence, TypeVar

#: the newest call plus the eight before it (the 号码 → 窗口 table)
MAX_CALLS = 9
#: rows of one page of the window list or the waiting counts
PAGE_ROWS = 8

T = TypeVar("T")


@dataclass
class Call:
    """One call on the board: number and window (and its display name)."""

    number: str
    window: int
    window_name: str = ""


def window_label(number: int) -> str:
    """A window as citizens look for it, by the number over the counter (as the voice and the LED say it)."""
    return f"{number}号窗口"


def call_where(call: Call) -> str:
    """Where the latest call sends the citizen: 到 3号窗口 办理 (the voice says 请A001号到3号窗口办理)."""
    return f"到 {window_label(call.window)} 办理"


def cell_title(number: int, name: str) -> str:
    """A window cell's title: its number first (what hangs over the counter), then its name."""
    return f"{number}号 {name}" if name and name != window_label(number) else window_label(number)


def paginate(items: Sequence[T], per_page: int = PAGE_ROWS) -> list[list[T]]:
    """``items`` in pages of ``per_page`` (no pages for no items)."""
    return [list(items[i:i + per_page]) for i in range(0, len(items), per_page)]


def is_staffed(window: Mapping[str, Any]) -> bool:
    """Someone works at this window now: it is not closed, and staff are logged in or a number is being served
    (a hall on hardware keypads has no logins, but its windows call numbers)."""
    return window.get("state") != "closed" and bool(window.get("staff_name") or window.get("current"))


def window_rows(windows: Mapping[int, Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """The staffed windows as (title, what it shows, state), by number: 2号 不动产登记2 · A012 / 暂停服务."""
    rows = []
    for number, window in sorted(windows.items()):
        if not is_staffed(window):
            continue
        current = window.get("current")
        if isinstance(current, dict):
            current = current.get("number")
        state = window.get("state") or "open"
        shown = "暂停服务" if state == "paused" else (current or "—")
        rows.append((cell_title(number, window.get("name") or ""), shown, state))
    return rows


def waiting_rows(waiting: Mapping[str, int], names: Mapping[str, str]) -> list[tuple[str, str]]:
    """Services with people waiting, in the hall's order: (name, N人)."""
    return [(names[code], f"{n}人") for code, n in waiting.items() if n and code in names]


def tidal_notices(tidal: Mapping[int, str], names: Mapping[str, str]) -> list[str]:
    """One sentence per open tidal window, by window number."""
    return [f"{window_label(number)} 临时增开“{names.get(service, service)}”（潮汐窗口）"
            for number, service in sorted(tidal.items())]


@dataclass
class HallBoard:
    """The display's picture of the hall."""

    online: bool = False
    calls: list[Call] = field(default_factory=list)
    windows: dict[int, dict[str, Any]] = field(default_factory=dict)
    waiting: dict[str, int] = field(default_factory=dict)
    tidal: dict[int, str] = field(default_factory=dict)
    window_names: dict[int, str] = field(default_factory=dict)

    def load_snapshot(self, data: dict[str, Any]) -> None:
        """Replace everything with a snapshot."""
        self.online = True
        self.windows = {w["number"]: dict(w) for w in data.get("windows", [])}
        self.window_names.update({w["number"]: w.get("name") or f"{w['number']}号窗口" for w in data.get("windows", [])})
        self.waiting = {s["code"]: int(s.get("waiting") or 0) for s in data.get("services", [])}
        self.tidal = {n: w["tidal"] for n, w in self.windows.items() if w.get("tidal")}
        calls: list[Call] = []
        for c in data.get("recent_calls", []):  # newest first; a recall repeats a number: show it once
            if c["number"] not in {k.number for k in calls} and len(calls) < MAX_CALLS:
                calls.append(Call(c["number"], c["window"], self.window_names.get(c["window"], "")))
        self.calls = calls

    def apply(self, name: str, data: dict[str, Any]) -> Call | None:
        """Apply one event; return the call to announce (flash) when it is a call or recall."""
        window = data.get("window")
        if name in ("ticket.called", "ticket.recalled") and window is not None:
            call = Call(data["number"], window, data.get("window_name") or self.window_names.get(window, ""))
            self.calls = [call] + [c for c in self.calls if c.number != call.number][:MAX_CALLS - 1]
            self.windows.setdefault(window, {"number": window})["current"] = call.number
            return call
        if name in ("ticket.finished", "ticket.skipped", "ticket.held", "ticket.transferred"):
            slot = self.windows.get(window if window is not None else data.get("from_window"))
            if slot is not None and slot.get("current") == data.get("number"):
                slot["current"] = None
        elif name == "ticket.issued" and data.get("service") in self.waiting and "waiting" in data:
            self.waiting[data["service"]] = int(data["waiting"])
        elif name in ("window.paused", "window.opened") and window in self.windows:
            self.windows[window]["state"] = data.get("state") or ("paused" if name == "window.paused" else "open")
        elif name == "tidal.opened" and window is not None:
            self.tidal[window] = data.get("service", "")
        elif name == "tidal.closed" and window is not None:
            self.tidal.pop(window, None)
        return None

    def go_offline(self) -> None:
        """The link is lost: nothing shown is trustworthy any more."""
        self.online = False
        self.calls = []
        self.windows = {}
        self.waiting = {}
        self.tidal = {}
