"""The device agent: follows the hall over the server's WebSocket and drives the window screens, the voice and
the keypads.

It subscribes to ``/api/ws?topics=hall``. The first message (a snapshot) sets every screen and keypad display
without speaking; after it each ``ticket.called`` shows the number on that window's screen and queues the call
for the voice, ``ticket.recalled`` repeats it, and finishing, skipping, pausing and opening update the screen.
When the server goes away (a restart), or ``seq`` skips a number, the agent reconnects and resynchronises from
the new snapshot. Keypad keys become the window's API calls with the agent's token. A device that fails is
logged and reported by the device set; the agent keeps going.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import aiohttp

from devices.keypad.base import KeyPress
from devices.registry import DeviceSet

log = logging.getLogger(__name__)

#: keypad key → (window API action, whether it needs a typed argument)
KEY_ACTIONS: dict[str, str] = {
    "call": "call", "recall": "recall", "skip": "skip", "pause": "pause", "open": "open", "transfer": "transfer",
    "hold": "hold", "resume": "resume", "finish": "finish",
    # 评价键: finishing opens the review on the counter tablet (API.md), so the key finishes the ticket
    "review": "finish",
}
#: Chinese messages for the keypad's small display when a key cannot be carried out
KEY_ERRORS = {"queue_empty": "无人等候", "conflict": "无当前号码", "forbidden": "无权操作", "not_found": "号码不存在",
              "invalid": "输入有误", "closed": "非办公时间"}


def _guard(action: Callable[..., object], *args: Any, **kwargs: Any) -> None:
    """Run one device action; a failing device is logged and never keeps the others from their update."""
    try:
        action(*args, **kwargs)
    except Exception:
        log.exception("agent: device action %s failed", getattr(action, "__qualname__", action))


class DeviceAgent:
    """Connects a :class:`DeviceSet` to the queue server.

    :param devices: the screens, keypads and voice
    :param server_url: e.g. ``http://127.0.0.1:8080``
    :param token: an ``agent`` role token
    :param reconnect_s: the first delay before reconnecting (doubles up to ``max_reconnect_s``)
    """

    def __init__(self, devices: DeviceSet, server_url: str, token: str | None, *, reconnect_s: float = 0.2,
                 max_reconnect_s: float = 3.0) -> None:
        self.devices = devices
        self.server_url = server_url.rstrip("/")
        self.token = token
        self.reconnect_s = reconnect_s
        self.max_reconnect_s = max_reconnect_s
        self.connected = asyncio.Event()
        self.snapshots = 0
        self.events_handled = 0
        self.windows: dict[int, dict[str, Any]] = {}
        self.waiting: dict[str, int] = {}
        self._seq = 0
        self._keys: asyncio.Queue[KeyPress] = asyncio.Queue()
        self._session: aiohttp.ClientSession | None = None
        self._refresh_task: asyncio.Task[None] | None = None
        self._link_report: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def headers(self) -> dict[str, str]:
        """The agent's authorization header."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def run(self) -> None:
        """Run until cancelled: follow the WebSocket, relay keys, reconnect after any failure."""
        self._loop = asyncio.get_running_loop()
        for keypad in self.devices.keypads.values():
            keypad.on_key(self._key_from_thread)
        self.devices.start()
        self._session = aiohttp.ClientSession(headers=self.headers)
        keys = asyncio.create_task(self._relay_keys(), name="keypad relay")
        watch = asyncio.create_task(self._watch_devices(), name="device watch")
        try:
            delay = self.reconnect_s
            while True:
                try:
                    await self._follow()
                    delay = self.reconnect_s
                except (aiohttp.ClientError, OSError, asyncio.TimeoutError, ValueError) as exc:
                    log.warning("agent: server connection failed: %s", exc)
                self.connected.clear()
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_reconnect_s)
        finally:
            keys.cancel()
            watch.cancel()
            if self._refresh_task is not None:
                self._refresh_task.cancel()
            await self._session.close()

    async def _follow(self) -> None:
        assert self._session is not None
        async with self._session.ws_connect(f"{self.server_url}/api/ws?topics=hall", heartbeat=10) as ws:
            self._seq = -1
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                message = msg.json()
                name, data, seq = message.get("event"), message.get("data") or {}, message.get("seq", 0)
                if name == "snapshot":
                    self._seq = seq
                    self.apply_snapshot(data)
                    self.connected.set()
                    self._link_report = asyncio.get_running_loop().create_task(self._report_health())  # 已连接, at once
                    continue
                if self._seq < 0 or seq != self._seq + 1:
                    log.warning("agent: event seq %s after %s, resynchronising", seq, self._seq)
                    return  # reconnect and take a new snapshot
                self._seq = seq
                self.handle_event(name, data)
        log.info("agent: server closed the connection")

    def health_report(self) -> list[dict[str, Any]]:
        """Every device's state in the shape of ``POST /api/devices/report``."""
        status = self.devices.status()
        report = [{"device": f"总线 {name}", "kind": "bus", "ok": bool(bus["connected"]), "detail": bus["error"]}
                  for name, bus in status["buses"].items()]
        report += [{"device": f"{w}号窗口屏", "kind": "screen", "ok": bool(ok)} for w, ok in sorted(status["screens"].items())]
        report += [{"device": f"{w}号窗口呼叫器", "kind": "keypad", "ok": bool(ok)} for w, ok in sorted(status["keypads"].items())]
        # the agent's own link to the server's calls: without it no screen changes and nothing is spoken
        report.append({"device": "叫号事件连接", "kind": "link", "ok": self.connected.is_set(),
                       "detail": None if self.connected.is_set() else "未连接排队服务，窗口屏和语音收不到叫号"})
        if status["voice"] is not None:
            report.append({"device": "语音播报", "kind": "voice", "ok": bool(status["voice"]["ok"]),
                           "detail": status["voice"]["problem"]})
        return report

    async def _report_health(self) -> None:
        """Tell the server how the devices are (this is also the agent's heartbeat); a failure is only logged."""
        if self._session is None or not self.token:
            return
        try:
            async with self._session.post(f"{self.server_url}/api/devices/report", json={"devices": self.health_report()},
                                          timeout=aiohttp.ClientTimeout(total=5)) as r:
                if r.status != 200:
                    log.warning("agent: device report refused: %s", r.status)
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            log.debug("agent: device report failed: %s", exc)

    async def _watch_devices(self, interval_s: float = 2.0, report_every: int = 5) -> None:
        """Log each change of a device's health (a pulled cable, a failing sound device, and their recovery), and
        report it to the server on every change and every ``report_every`` rounds."""
        last: dict[str, object] = {}
        rounds = 0
        while True:
            status = self.devices.status()
            current = {f"bus {name}": bus["connected"] for name, bus in status["buses"].items()}
            if status["voice"] is not None:
                current["voice"] = status["voice"]["ok"]
            for device, ok in current.items():
                if last.get(device, True) != ok:
                    if ok:
                        log.info("agent: %s works again", device)
                    else:
                        detail = status["voice"]["problem"] if device == "voice" else status["buses"][device[4:]]["error"]
                        log.warning("agent: %s is failing: %s", device, detail)
            if current != last or rounds % report_every == 0:
                await self._report_health()
            rounds += 1
            last = current
            await asyncio.sleep(interval_s)

    # -- hall state → devices --------------------------------------------------------------------------------

    def apply_snapshot(self, snapshot: dict[str, Any]) -> None:
        """Show every window's current state (no voice: these calls were already spoken)."""
        try:
            self._apply_snapshot(snapshot)
        except Exception:
            log.exception("agent: applying the snapshot failed")

    def _apply_snapshot(self, snapshot: dict[str, Any]) -> None:
        self.snapshots += 1
        self.waiting = {s["code"]: int(s.get("waiting", 0)) for s in snapshot.get("services", [])}
        self.windows = {int(w["number"]): w for w in snapshot.get("windows", [])}
        for number, window in self.windows.items():
            screen = self.devices.screens.get(number)
            if screen is not None:
                if window.get("state") == "paused":
                    _guard(screen.show_paused)
                elif window.get("current"):
                    _guard(screen.show_call, window["current"])
                else:
                    _guard(screen.show_idle)
        self._update_keypads()

    def handle_event(self, name: str, data: dict[str, Any]) -> None:
        """React to one hall event (a device that fails is logged; the agent goes on with the next event)."""
        try:
            self._handle_event(name, data)
        except Exception:
            log.exception("agent: handling %s failed", name)

    def _handle_event(self, name: str, data: dict[str, Any]) -> None:
        self.events_handled += 1
        window = data.get("window")
        window = int(window) if window is not None else None
        screen = self.devices.screens.get(window) if window is not None else None
        state = self.windows.setdefault(window, {"number": window}) if window is not None else {}
        if name in ("ticket.called", "ticket.recalled") and window is not None:
            number = data["number"]
            state.update(current=number, state="open")
            if screen is not None:
                _guard(screen.show_call, number)
            if self.devices.announcer is not None:
                _guard(self.devices.announcer.announce, number, window, recall=name == "ticket.recalled")
        elif name in ("ticket.finished", "ticket.skipped", "ticket.held") and window is not None:
            state["current"] = None
            if screen is not None:
                _guard(screen.show_idle)
        elif name == "ticket.transferred":
            source = data.get("from_window")
            if source is not None:
                self.windows.setdefault(int(source), {"number": source})["current"] = None
                if int(source) in self.devices.screens:
                    _guard(self.devices.screens[int(source)].show_idle)
        elif name == "window.paused" and window is not None:
            state["state"] = "paused"
            if screen is not None:
                _guard(screen.show_paused)
        elif name == "window.opened" and window is not None:
            state["state"] = "open"
            if screen is not None:
                _guard(screen.show_call, state["current"]) if state.get("current") else _guard(screen.show_idle)
        if name == "ticket.issued" and "service" in data and "waiting" in data:
            self.waiting[data["service"]] = int(data["waiting"])
        if self.devices.keypads:
            self._schedule_refresh()

    def waiting_for(self, window: int) -> int:
        """How many wait for the services ``window`` calls."""
        services = self.windows.get(window, {}).get("services") or []
        return sum(self.waiting.get(code, 0) for code in services)

    def _update_keypads(self) -> None:
        for number, keypad in self.devices.keypads.items():
            _guard(keypad.show, self.windows.get(number, {}).get("current"), self.waiting_for(number))

    def _schedule_refresh(self) -> None:
        """Re-read the waiting counts shortly (calls and finishes change them; coalesce bursts)."""
        if self._refresh_task is None or self._refresh_task.done():
            self._refresh_task = asyncio.get_running_loop().create_task(self._refresh_counts())

    async def _refresh_counts(self) -> None:
        await asyncio.sleep(0.1)
        if self._session is None or self._session.closed:
            return  # not following a server (stopped, or driven directly)
        try:
            async with self._session.get(f"{self.server_url}/api/hall") as resp:
                if resp.status == 200:
                    snapshot = await resp.json()
                    self.waiting = {s["code"]: int(s.get("waiting", 0)) for s in snapshot.get("services", [])}
                    for w in snapshot.get("windows", []):
                        self.windows.setdefault(int(w["number"]), {}).update(w)
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            log.debug("agent: could not refresh counts: %s", exc)
        self._update_keypads()

    # -- keypads → server --------------------------------------------------------------------------------------

    def _key_from_thread(self, press: KeyPress) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._keys.put_nowait, press)

    async def _relay_keys(self) -> None:
        while True:
            press = await self._keys.get()
            try:
                await self.press_key(press)
            except Exception:
                log.exception("agent: key %s at window %s failed", press.key, press.window)

    def _key_body(self, press: KeyPress) -> dict[str, Any] | None:
        if press.key == "pause":
            return {"reason": "暂停服务（呼叫器）"}
        if press.key == "transfer":
            if not press.argument.isdigit():
                return None
            return {"to_window": int(press.argument), "reason": "呼叫器转移"}
        if press.key == "resume":
            return {"ticket": press.argument.upper()} if press.argument else None
        return {}

    async def press_key(self, press: KeyPress) -> tuple[int, dict[str, Any]]:
        """Carry out a keypad key through the window API; acknowledge it and update the keypad's display.

        :returns: the HTTP status and JSON answer (status 0 when the key needs an argument it lacks)
        """
        keypad = self.devices.keypads.get(press.window)
        body = self._key_body(press)
        if body is None:
            if keypad is not None:
                keypad.acknowledge(press, ok=False)
                keypad.show_text("请先输入号码")
            return 0, {}
        assert self._session is not None
        url = f"{self.server_url}/api/windows/{press.window}/{KEY_ACTIONS[press.key]}"
        async with self._session.post(url, json=body) as resp:
            answer = await resp.json(content_type=None) or {}
        ok = resp.status < 400
        if keypad is not None:
            keypad.acknowledge(press, ok)
            if not ok:
                keypad.show_text(KEY_ERRORS.get(answer.get("error", ""), "操作失败"))
            elif press.key == "call" or press.key == "resume":
                self.windows.setdefault(press.window, {})["current"] = answer.get("number")
                keypad.show(answer.get("number"), self.waiting_for(press.window))
        return resp.status, answer
