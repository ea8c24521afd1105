"""The kiosks' client for the queue server (API.md), running its network I/O off the UI thread.

One background thread runs an asyncio loop with an aiohttp session. The UI calls :meth:`ApiClient.call`, which
returns at once; the answer comes back as an :class:`ApiResult` through ``deliver`` (by default Kivy's
``Clock.schedule_once``, so callbacks run on the UI thread). Scripts and benchmarks use :meth:`ApiClient.call_sync`.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import json
import re
import threading
from dataclasses import dataclass
from typing import Any, Callable, Coroutine

import aiohttp

Deliver = Callable[[Callable[[], None]], None]

#: the request field a 422 message starts with ("code: 预约码应为6位数字"): for the integrator, not the citizen
_FIELD_PREFIX = re.compile(r"^[a-z_][a-z0-9_.\[\]]*: ")


def citizen_message(message: str) -> str:
    """A server message as a screen may show it: the Chinese text alone, without the field name of a 422."""
    return _FIELD_PREFIX.sub("", message or "", count=1)


@dataclass
class ApiResult:
    """What a call produced: the HTTP ``status`` and JSON ``data``, or a failure.

    ``error`` is the API error code (``queue_empty``, ``conflict``, ``unauthorized``…) for a 4xx/5xx answer and
    ``"unreachable"`` when no answer came at all; ``message`` is then the server's Chinese message, if any, ready
    for a screen (a 422's field name is cut off; ``data`` keeps the server's whole answer).
    """

    status: int
    data: Any = None
    error: str | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        """True for a 2xx answer."""
        return self.error is None and 200 <= self.status < 300

    @property
    def unreachable(self) -> bool:
        """True when the server did not answer (down, network cut, timeout)."""
        return self.error == "unreachable"


def _kivy_deliver(fn: Callable[[], None]) -> None:
    from kivy.clock import Clock

    Clock.schedule_once(lambda _dt: fn(), 0)


class ApiClient:
    """HTTP client of one kiosk, bound to one server and (optionally) one bearer token.

    :param base_url: the server, e.g. ``http://127.0.0.1:8080``
    :param token: the device's token (kiosk, tablet, display) or a staff login token
    :param timeout: seconds before a call counts as unreachable
    :param deliver: how callbacks reach the UI thread
    """

    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 5.0,
                 deliver: Deliver | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token or None
        self.timeout = timeout
        self.deliver: Deliver = deliver or _kivy_deliver
        self.loop = asyncio.new_event_loop()
        self._session: aiohttp.ClientSession | None = None
        self._thread = threading.Thread(target=self._run_loop, name="govhall-api", daemon=True)
        self._thread.start()

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, coro: Coroutine[Any, Any, Any]) -> concurrent.futures.Future:
        """Run ``coro`` on the client's loop; return a thread-safe future."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    async def session(self) -> aiohttp.ClientSession:
        """The shared aiohttp session (created on the client's loop)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._session

    def headers(self) -> dict[str, str]:
        """Request headers carrying the bearer token, if any."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def request(self, method: str, path: str, *, json_body: Any = None,
                      params: dict[str, str] | None = None) -> ApiResult:
        """One HTTP round trip; never raises for network or HTTP failures."""
        session = await self.session()
        try:
            async with session.request(method, self.base_url + path, json=json_body, params=params,
                                       headers=self.headers()) as resp:
                text = await resp.text()
                try:
                    data = json.loads(text) if text else None
                except ValueError:
                    data = text
                if 200 <= resp.status < 300:
                    return ApiResult(resp.status, data)
                error = data.get("error", "http_error") if isinstance(data, dict) else "http_error"
                message = citizen_message(data.get("message", "")) if isinstance(data, dict) else ""
                return ApiResult(resp.status, data, error, message)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            return ApiResult(0, None, "unreachable", str(exc))

    def call(self, method: str, path: str, on_done: Callable[[ApiResult], None] | None = None, *,
             json_body: Any = None, params: dict[str, str] | None = None) -> concurrent.futures.Future:
        """Start a request and return at once; ``on_done(result)`` runs on the UI thread."""
        future = self.submit(self.request(method, path, json_body=json_body, params=params))
        if on_done is not None:
            def _done(f: concurrent.futures.Future) -> None:
                result = f.result() if not f.cancelled() else ApiResult(0, None, "unreachable", "cancelled")
                self.deliver(lambda: on_done(result))
            future.add_done_callback(_done)
        return future

    def call_sync(self, method: str, path: str, *, json_body: Any = None,
                  params: dict[str, str] | None = None) -> ApiResult:
        """Blocking request, for scripts, the CLI and benchmarks (never from the UI thread)."""
        return self.submit(self.request(method, path, json_body=json_body, params=params)).result()

    def close(self) -> None:
        """Cancel what is running (feeds, calls), close the session, stop and close the loop thread."""
        async def _shutdown() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self._session is not None:
                await self._session.close()
        if self.loop.is_closed():
            return
        if self.loop.is_running():
            try:
                self.submit(_shutdown()).result(timeout=3)
            except Exception:  # noqa: BLE001 - closing must not fail the app's shutdown
                pass
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=3)
        if not self.loop.is_running():
            self.loop.close()
