"""The counter's duties on the staff panel (issue 15): service practices (服务举措) and promised-time cases (承诺件)
for the ticket at the counter, or the one just finished.

:class:`Duties` keeps what the duty screens show and talks to the server: the hall's kinds and the promised dates a
容缺 may take (``GET /api/practices/kinds``), what the ticket got today (``GET /api/windows/{n}/practices?ticket=``
and ``GET /api/cases?ticket=``), recording a practice (``POST /api/windows/{n}/practices``), the service's guides
with a promised time (``GET /api/guides?service=``) and accepting a case (``POST /api/cases``). None of it touches
the window's call buttons: a duty in flight never greys out 叫号.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable

from kiosk.common import theme
from kiosk.common.api import ApiResult

WEEKDAYS = "一二三四五六日"


def short_day(value: str) -> str:
    """``2026-12-04`` (or an ISO time) as the clerk reads it: ``12月4日（周五）``."""
    day = datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）"


def record_text(record: dict[str, Any]) -> str:
    """One recorded practice in words: ``容缺受理（户口簿复印件，12月4日（周五）前补交）``."""
    if record.get("material"):
        return f"{record['kind_name']}（{record['material']}，{short_day(record['promised_on'])}前补交）"
    if record.get("handed_to"):
        return f"{record['kind_name']}（移交{record['handed_to']}）"
    return f"{record['kind_name']}（{record['count']}份）" if record.get("count", 1) != 1 else record["kind_name"]


def case_text(case: dict[str, Any]) -> str:
    """One accepted case in words, the applicant masked by the server: ``承诺件：存量房转移登记（张*丰，…前办结）``."""
    who = f"{case['applicant']}，" if case.get("applicant") else ""
    return f"承诺件：{case['guide_name']}（{who}{short_day(case['deadline'])}前办结）"


class Duties:
    """The duty side of one staff panel: its target ticket, the hall's kinds, what the target got.

    ``on_change()`` runs (on the UI thread) whenever what the screens show has changed.
    """

    def __init__(self, app: Any, on_change: Callable[[], None]) -> None:
        self.app = app
        self.on_change = on_change
        self.kinds: list[dict[str, Any]] = []
        self.promise_dates: list[dict[str, Any]] = []
        self.guides: list[dict[str, Any]] = []
        self.guides_service: str | None = None
        self.chosen: str | None = None  # a number the clerk picked among the candidates (else the default)
        self.records: list[dict[str, Any]] = []
        self.cases: list[dict[str, Any]] = []
        self.loaded_for: str | None = None  # the number whose records are shown
        self.busy = False  # a duty is being recorded: the duty buttons wait (the call buttons do not)

    # -- the target ----------------------------------------------------------------------------------------
    def candidates(self) -> list[tuple[str, str, str]]:
        """(label, number, service) of the tickets duties may be recorded for: the one at the counter, and the one
        this panel finished last (a clerk often remembers 帮办代办 after 办结并叫下一位)."""
        view, previous = self.app.view, self.app.previous
        out = []
        if view.get("current"):
            out.append(("当前", view["current"], view.get("current_service") or ""))
        if previous and previous["number"] != view.get("current"):
            out.append(("刚办结", previous["number"], previous["service"]))
        return out

    def target(self) -> tuple[str, str] | None:
        """(number, service) duties are recorded for now, or None without any ticket."""
        candidates = self.candidates()
        for _label, number, service in candidates:
            if number == self.chosen:
                return number, service
        return (candidates[0][1], candidates[0][2]) if candidates else None

    def choose(self, number: str) -> None:
        """The clerk picked which ticket the duties are for."""
        self.chosen = number
        self.follow()

    def follow(self) -> None:
        """After the window view changed: read what the (possibly new) target got, once per target."""
        target = self.target()
        number = target[0] if target else None
        if number != self.loaded_for:
            self.loaded_for, self.records, self.cases = number, [], []
            if number:
                self.load_records()
            self.on_change()

    def summary(self) -> str:
        """What the target got, in one line: ``已登记：帮办代办、承诺件：…`` (empty when nothing)."""
        done = [record_text(r) for r in self.records] + [case_text(c) for c in self.cases]
        return "已登记：" + "、".join(done) if done else ""

    def names(self) -> str:
        """The same by name alone, for the panel's one line: ``已登记：帮办代办、容缺受理、承诺件``."""
        done = list(dict.fromkeys([r["kind_name"] for r in self.records] + ["承诺件" for _c in self.cases]))
        return "已登记：" + "、".join(done) if done else ""

    def recorded_kinds(self) -> set[str]:
        """Codes of the kinds the target got (their buttons show it: a double tap is visible)."""
        return {r["kind"] for r in self.records}

    # -- reads ---------------------------------------------------------------------------------------------
    def load_kinds(self) -> None:
        """The hall's kinds and today's promised-date choices (read again whenever a duty screen opens: the day
        may have turned since login)."""
        def done(result: ApiResult) -> None:
            if result.ok:
                self.kinds, self.promise_dates = result.data["kinds"], result.data["promise_dates"]
                self.on_change()
        self.app.client.call("GET", "/api/practices/kinds", done)

    def load_records(self) -> None:
        """What the target got today: its practices at this window and its cases."""
        number = self.loaded_for
        if not number:
            return

        def practices(result: ApiResult) -> None:
            if result.ok and number == self.loaded_for:
                self.records = result.data
                self.on_change()

        def cases(result: ApiResult) -> None:
            if result.ok and number == self.loaded_for:
                self.cases = result.data
                self.on_change()
        self.app.client.call("GET", f"/api/windows/{self.app.window}/practices", practices, params={"ticket": number})
        self.app.client.call("GET", "/api/cases", cases, params={"ticket": number})

    def load_guides(self, service: str) -> None:
        """The service's guide items with a promised time (即办件, 0 days, are never a case)."""
        def done(result: ApiResult) -> None:
            if result.ok:
                self.guides = [g for g in result.data if g.get("promised_days")]
                self.guides_service = service
                self.on_change()
        self.guides, self.guides_service = [], None
        self.app.client.call("GET", "/api/guides", done, params={"service": service})

    # -- writes --------------------------------------------------------------------------------------------
    def record(self, kind: str, details: dict[str, Any], say: Callable[[str, Any], None]) -> None:
        """Record practice ``kind`` (with what it needs) for the target; ``say(text, colour)`` tells the result."""
        self._write(f"/api/windows/{self.app.window}/practices", lambda number: {"kind": kind, "ticket": number,
                                                                                  **details},
                    lambda number, data: f"{number} 已登记：{record_text(data)}", "登记失败", say)

    def accept_case(self, guide: str, applicant: str, say: Callable[[str, Any], None],
                    accepted: Callable[[], None]) -> None:
        """Accept the target as a promised-time case of ``guide``; ``accepted()`` runs once it is on record."""
        def told(number: str, case: dict[str, Any]) -> str:  # the item and the masked applicant show above
            return f"{number} 已受理承诺件，办结时限 {short_day(case['deadline'])}，{case['promised_days']}个工作日"

        self._write("/api/cases", lambda number: {"ticket": number, "guide": guide, "applicant": applicant},
                    told, "受理失败", say, then=accepted)

    def _write(self, path: str, body: Callable[[str], dict[str, Any]], told: Callable[[str, Any], str],
               failed: str, say: Callable[[str, Any], None], then: Callable[[], None] | None = None) -> None:
        """POST ``body(number)`` for the target, one write at a time; ``say`` the answer (``told(number, data)`` and
        ``then()`` on success, the server's message or ``failed`` otherwise), then reload the target's records."""
        target = self.target()
        if target is None or self.busy:
            return
        self.busy = True
        self.on_change()

        def done(result: ApiResult) -> None:
            self.busy = False
            if result.ok:
                say(told(target[0], result.data), theme.PRIORITY)
                if then is not None:
                    then()
            else:
                say(self._problem(result, failed), theme.DANGER)
            self.load_records()
            self.on_change()
        self.app.client.call("POST", path, done, json_body=body(target[0]))

    @staticmethod
    def _problem(result: ApiResult, fallback: str) -> str:
        """The server's Chinese message (never a field name), or what to do when it did not answer."""
        if result.unreachable:
            return "连接中断，未登记，请稍后重试"
        return result.message or fallback
