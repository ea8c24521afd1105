"""The provincial 好差评 channel (``[outbound.province]``): every 办件's status and every review reach the province.

国办发〔2019〕51号 counts the reviews the provincial platform holds, so each one must get there. Inside the writer's
transaction :meth:`ProvinceChannel.messages_for` turns the batch's events into messages: ``ticket.issued`` → status 1
待受理, the first ``ticket.called`` of a ticket → 2 已受理, ``ticket.finished`` → 3 已办结, ``review.created`` → the
review with its 办件编号, 事项编码 and 工号 as the review record keeps them, ``review.voided`` → the review's
withdrawal, and a 承诺件's steps (``case.accepted``, ``case.approved``, ``case.issued``) → 受理, 审批, 办结（出件）
under the case's own number. The payload is the channel's own neutral shape (``docs/outbound.md``); the configured
adapter (:mod:`.province_adapters`) makes the province's request from it at each attempt and judges the answer.

A withdrawal and a case step carry a ``push_id`` made from what they report (the hall's region, the review or the
case, the step), not from the message: the same push made twice — a channel's messages made again after a fault,
an admin's 重试 of a kept batch — has the same ``push_id``, so the province keeps it once.
"""
from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlite_utils import Database

from queue_server.cases.rules import STEP_EVENTS
from queue_server.core.case_refs import CaseRefs, case_refs, promised_case_no
from queue_server.core.clock import Clock, SystemClock
from queue_server.core.config import ConfigError, HallConfig, Setting
from queue_server.core.events import Event
from queue_server.core.hall_time import business_day
from queue_server.core.privacy import mask_name
from queue_server.outbound import sm_crypto
from queue_server.outbound.channel import Message, Outcome
from queue_server.outbound.province_adapters import ADAPTERS, CASE, REVIEW, STATUS, VOID, ProvinceAdapter
from queue_server.reviews.levels import CHANNEL_CODES, REVERSED_LEVEL_CODES, channel_name, level_name
from queue_server.reviews.records import VOIDED_EVENT

SECTION = "outbound.province"

SETTINGS: tuple[Setting, ...] = (
    Setting("url", None, "省级好差评平台的接收地址（http:// 或 https://），必填"),
    Setting("adapter", "generic", "接口形式：generic（通用JSON）或 sm（国密：SM4加密、SM2签名）"),
    Setting("app_id", "", "省平台分配的应用标识（appId）；sm 必填"),
    Setting("access_key", "", "省平台分配的访问密钥，作为 Authorization: Bearer 发送（不写入日志）"),
    Setting("sm2_private_key", "", "大厅的SM2私钥（64位十六进制）；与 sm2_private_key_file 二选一，sm 必填"),
    Setting("sm2_private_key_file", "", "存放SM2私钥的文件（相对大厅配置文件所在目录）"),
    Setting("province_public_key", "", "省平台的SM2公钥，用于验证应答的签名；不填则不验"),
    Setting("sm4_key", "", "SM4密钥（32位十六进制，16字节）；sm 必填"),
    Setting("sm4_mode", "ecb", "SM4工作模式：ecb 或 cbc（cbc 时随机 IV 随报文发送）"),
    Setting("signature_format", "rs", "SM2签名的写法：rs（r‖s 128位十六进制）或 der（ASN.1 DER 十六进制）"),
    Setting("success_code", "200", "省平台应答中表示成功的 code"),
)
OPTIONS = frozenset(s.name for s in SETTINGS)

STATUS_NAMES = {1: "待受理", 2: "已受理", 3: "已办结"}
_STATUS_OF_EVENT = {"ticket.issued": 1, "ticket.called": 2, "ticket.finished": 3}
#: a 承诺件's steps as the province numbers and names them, by the event that reports each
CASE_STEPS = {"accept": (1, "受理"), "approve": (2, "审批"), "issue": (3, "办结（出件）")}
_STEP_OF_EVENT = {event: step for step, event in STEP_EVENTS.items()}
#: the case's columns of each step (``<state>_at``, ``<state>_by``)
_STEP_STATE = {"accept": "accepted", "approve": "approved", "issue": "issued"}


@dataclass(frozen=True)
class ProvinceSettings:
    """The validated ``[outbound.province]`` section. Keys are left out of ``repr`` (and so of every log line)."""

    url: str
    adapter: str
    app_id: str
    tz: Any
    access_key: str = field(default="", repr=False)
    sm2_private_key: str = field(default="", repr=False)
    sm2_public_key: str = ""
    province_public_key: str | None = None
    sm4_key: bytes = field(default=b"", repr=False)
    sm4_mode: str = "ecb"
    signature_format: str = "rs"
    success_code: str = "200"


class _Section:
    """Typed reads of the raw section; every problem names ``<section>.<field>``, never a key's value."""

    def __init__(self, raw: dict[str, Any], config: HallConfig, section: str) -> None:
        self.raw, self.config, self.section = raw, config, section

    def fail(self, name: str, problem: str) -> ConfigError:
        return ConfigError(self.config.path, f"{self.section}.{name}", problem)

    def text(self, name: str, default: str = "") -> str:
        value = self.raw.get(name, default)
        if not isinstance(value, str):
            raise self.fail(name, "应为字符串 (must be a string)")
        return value.strip()

    def choice(self, name: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.text(name, default)
        if value not in allowed:
            raise self.fail(name, f"应为 {' 或 '.join(allowed)} 之一")
        return value

    def key(self, name: str, parse: Any, value: str | None = None) -> Any:
        try:
            return parse(self.text(name) if value is None else value)
        except sm_crypto.BadKey as exc:
            raise self.fail(name, str(exc)) from None

    def private_key(self) -> str:
        """The hall's SM2 private key, given inline or in a file beside the hall file (exactly one of them)."""
        inline, file_name = self.text("sm2_private_key"), self.text("sm2_private_key_file")
        if bool(inline) == bool(file_name):
            raise self.fail("sm2_private_key", "sm 接口需要 sm2_private_key 或 sm2_private_key_file 之一（只填一个）")
        if inline:
            return self.key("sm2_private_key", sm_crypto.private_key)
        key_path = Path(self.config.path).parent / file_name
        try:
            content = key_path.read_text("ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise self.fail("sm2_private_key_file",
                            f"无法读取私钥文件 {key_path}：{getattr(exc, 'strerror', None) or exc}") from None
        return self.key("sm2_private_key_file", sm_crypto.private_key, content)


def province_settings(raw: dict[str, Any], config: HallConfig, section: str = SECTION) -> ProvinceSettings:
    """Validate ``[outbound.province]`` (without the options every channel has, which the outbox reads); raises
    :class:`ConfigError` naming ``<section>.<field>`` (never a key's value)."""
    r = _Section(raw, config, section)
    unknown = sorted(set(raw) - OPTIONS)
    if unknown:
        raise r.fail(unknown[0], "未知配置项 (unknown option)")
    url = r.text("url")
    if not url.startswith(("http://", "https://")):
        raise r.fail("url", "必填，应以 http:// 或 https:// 开头")
    adapter = r.choice("adapter", "generic", tuple(ADAPTERS))
    settings = dict(url=url, adapter=adapter, app_id=r.text("app_id"), tz=config.hall.tz,
                    access_key=r.text("access_key"), sm4_mode=r.choice("sm4_mode", "ecb", ("ecb", "cbc")),
                    signature_format=r.choice("signature_format", "rs", ("rs", "der")),
                    success_code=r.text("success_code", "200") or "200")
    if r.text("province_public_key"):
        settings["province_public_key"] = r.key("province_public_key", sm_crypto.public_key)
    if adapter == "sm":
        for name in ("app_id", "sm4_key"):
            if not r.text(name):
                raise r.fail(name, "sm 接口必填 (required by the sm adapter)")
        settings["sm4_key"] = r.key("sm4_key", sm_crypto.sm4_key)
        settings["sm2_private_key"] = r.private_key()
        settings["sm2_public_key"] = sm_crypto.public_of(settings["sm2_private_key"])
    return ProvinceSettings(**settings)


def build(raw: dict[str, Any], config: HallConfig, path: str = SECTION) -> ProvinceChannel:
    """The channel ``[outbound.province]`` describes (the outbox's registry calls it with the section's own options
    and its dotted name ``path``, then hands it the hall's clock); raises :class:`ConfigError` naming
    ``<path>.<field>``."""
    return ProvinceChannel(province_settings(raw, config, path), config)


class ProvinceChannel:
    """Status changes and reviews to the provincial 好差评 platform (unordered: each message stands alone).

    :param clock: the time of each attempt (the sm envelope's timestamp): the hall's injected clock, which the
        registry hands it (:func:`queue_server.outbound.registry.build_channels`).
    """

    name = "province"
    ordered = False

    def __init__(self, settings: ProvinceSettings, config: HallConfig, clock: Clock | None = None) -> None:
        self.settings = settings
        self.config = config
        self.clock: Clock = clock or SystemClock()
        self.adapter: ProvinceAdapter = ADAPTERS[settings.adapter](settings)

    # -- inside the writer's transaction --------------------------------------------------------------------------

    def messages_for(self, db: Database, events: list[Event]) -> list[tuple[str, dict[str, Any]]]:
        """Status pushes for issued, first-called and finished tickets; the review push for each new review, its
        withdrawal for each voided one; a push for each step of a 承诺件."""
        calls = Counter(e.private["ticket_id"] for e in events if e.name == "ticket.called" and e.private)
        pushed_calls: set[int] = set()
        out: list[tuple[str, dict[str, Any]]] = []
        for event in events:
            if event.name in ("review.created", VOIDED_EVENT):
                review = next(db.query("SELECT * FROM reviews WHERE id = ?", [event.data["id"]]), None)
                if review is None:
                    continue
                if event.name == "review.created":
                    out.append((REVIEW, self.review_payload(db, review)))
                elif review["voided_at"] is not None:
                    out.append((VOID, self.void_payload(db, review)))
                continue
            if event.name in _STEP_OF_EVENT:
                case = next(db.query("SELECT * FROM promised_cases WHERE id = ?", [event.data["id"]]), None)
                if case is not None:
                    out.append((CASE, self.case_payload(db, case, _STEP_OF_EVENT[event.name])))
                continue
            status = _STATUS_OF_EVENT.get(event.name)
            ticket = self._ticket(db, event) if status is not None else None
            if ticket is None:
                continue
            if status == 2:
                # 已受理 once: a ticket called again (resumed, transferred, re-queued) was accepted already. Calls
                # in this batch are in the log too, so the first call of the batch is the first ever when the log
                # holds no more calls than the batch made.
                earlier = db.execute("SELECT COUNT(*) FROM ticket_log WHERE ticket_id = ? AND action IN "
                                     "('call', 'resume')", [ticket["id"]]).fetchone()[0] - calls[ticket["id"]]
                if earlier > 0 or ticket["id"] in pushed_calls:
                    continue
                pushed_calls.add(ticket["id"])
            out.append((STATUS, self.status_payload(db, ticket, status, event.data.get("at"))))
        return out

    def _ticket(self, db: Database, event: Event) -> dict[str, Any] | None:
        if event.private and "ticket_id" in event.private:
            where, params = "id = ?", [event.private["ticket_id"]]
        else:  # ticket.issued names the number and the time only: the number is unique within its business day
            day = business_day(datetime.fromisoformat(event.data["at"]), self.config.hall).isoformat()
            where, params = "business_day = ? AND number = ?", [day, event.data["number"]]
        return next(db.query(f"SELECT * FROM tickets WHERE {where}", params), None)

    def _common(self, ticket: dict[str, Any], refs: CaseRefs) -> dict[str, Any]:
        service = self.config.services.get(ticket["service"])
        department = self.config.departments.get(service.department) if service else None
        return {"case_no": refs.case_no, "item_code": refs.item_code, "item_name": refs.item_name,
                "area_code": self.config.hall.region_code, "hall": self.config.hall.name,
                "department": department.code if department else None,
                "department_name": department.name if department else "", "ticket": ticket["number"],
                "service": ticket["service"], "service_name": service.name if service else ""}

    def status_payload(self, db: Database, ticket: dict[str, Any], status: int, at: str | None) -> dict[str, Any]:
        """The neutral payload of a status change (see docs/outbound.md); the 工号 is whoever is signed in at the
        ticket's window (none before it is called)."""
        staff = None
        if ticket["window"] is not None:
            row = db.execute("SELECT staff_no FROM windows WHERE number = ?", [ticket["window"]]).fetchone()
            staff = row[0] if row else None
        at = at or datetime.fromisoformat(ticket["issued_at"]).astimezone(self.config.hall.tz).isoformat()
        return {**self._common(ticket, case_refs(db, ticket, self.config.hall.region_code)), "status": status,
                "status_name": STATUS_NAMES[status], "window": ticket["window"], "staff_no": staff, "at": at}

    def review_payload(self, db: Database, review: dict[str, Any]) -> dict[str, Any]:
        """The neutral payload of a review, from its stored record (see docs/outbound.md): the 办件编号, 事项编码
        and 工号 it kept when it was taken."""
        ticket = next(db.query("SELECT * FROM tickets WHERE id = ?", [review["ticket_id"]]))
        refs = case_refs(db, ticket, self.config.hall.region_code)
        if review["case_no"]:
            item = review["item_code"]
            name = db.execute("SELECT name FROM guides WHERE code = ?", [item]).fetchone() if item else None
            refs = CaseRefs(review["case_no"], item, name[0] if name else "")
        at = datetime.fromisoformat(review["created_at"]).astimezone(self.config.hall.tz).isoformat()
        return {**self._common(ticket, refs), "review_id": review["id"],
                "level": review["level"], "level_name": level_name(review["level"]),
                "level_code": REVERSED_LEVEL_CODES[review["level"]], "reasons": json.loads(review["reasons"]),
                "comment": review["comment"], "channel": review["channel"],
                "channel_name": channel_name(review["channel"]), "channel_code": CHANNEL_CODES[review["channel"]],
                "rater": mask_name(review["rater"]) if review["rater"] else "匿名", "window": review["window"],
                "staff_no": review["staff_no"], "staff_name": review["staff_name"], "at": at}

    def void_payload(self, db: Database, review: dict[str, Any]) -> dict[str, Any]:
        """The neutral payload withdrawing a voided review: the review as it was pushed, why and when it was voided
        (the approver's name stays in the hall), and the stable ``push_id``."""
        region = self.config.hall.region_code
        return {**self.review_payload(db, review), "push_id": f"{region}:review:{review['id']}:void",
                "void_reason": review["void_reason"] or "", "voided_at": self._local(review["voided_at"])}

    def case_payload(self, db: Database, case: dict[str, Any], step: str) -> dict[str, Any]:
        """The neutral payload of one step of a 承诺件 (受理, 审批, 办结（出件）), under the case's own 办件编号
        and item (a ticket may have several cases), with its promised days, deadline and the stable ``push_id``."""
        ticket = next(db.query("SELECT * FROM tickets WHERE id = ?", [case["ticket_id"]]))
        region = self.config.hall.region_code
        refs = CaseRefs(promised_case_no(region, case["business_day"], case["id"]), case["guide_code"],
                        case["guide_name"])
        number, name = CASE_STEPS[step]
        # 工号 of who took the step, when a staff account took it ("staff:9001"); an admin token has none
        state = _STEP_STATE[step]
        who = (case[f"{state}_by"] or "").partition(":")[2]
        staff = db.execute("SELECT staff_no FROM staff WHERE staff_no = ?", [who]).fetchone()
        return {**self._common(ticket, refs), "push_id": f"{region}:case:{case['id']}:{step}", "case_id": case["id"],
                "step": step, "step_code": number, "step_name": name, "window": case["window"],
                "staff_no": staff[0] if staff else None, "promised_days": case["promised_days"],
                "deadline": self._local(case["deadline"]), "at": self._local(case[f"{state}_at"])}

    def _local(self, stored: str) -> str:
        return datetime.fromisoformat(stored).astimezone(self.config.hall.tz).isoformat()

    # -- on the loop ------------------------------------------------------------------------------------------------

    async def deliver(self, message: Message, http: aiohttp.ClientSession) -> Outcome:
        """One POST of ``message`` to the province; a network failure is retried (the outbox bounds the attempt's
        time with the section's ``timeout``)."""
        try:
            # SM2 in pure Python takes ~20 ms a signature and ~35 ms a verification: off the loop, so the hall's
            # requests and WebSockets are not held up behind it
            request = await asyncio.to_thread(self.adapter.request, message.kind, message.payload, message.id,
                                              self.clock.now())
        except (KeyError, TypeError, ValueError) as exc:  # a payload this adapter cannot read: sending again won't help
            return Outcome.reject(f"报文无法生成：{type(exc).__name__} {exc}")
        try:
            async with http.post(self.settings.url, data=request.body, headers=request.headers,
                                 allow_redirects=False) as response:
                body = await response.read()
            return await asyncio.to_thread(self.adapter.judge, response.status, body)
        except aiohttp.ClientError as exc:
            return Outcome.retry(f"连接省平台失败：{type(exc).__name__} {exc}")
