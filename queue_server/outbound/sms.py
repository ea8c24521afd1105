"""The SMS channel (``[outbound.sms]``): the citizen's reminders and appointment messages through an SMS gateway.

Messages are ``("sms.<template>", {"phone": "<11 digits>", "params": {name: value}})``; the templates are
:data:`TEMPLATE_PARAMS`' keys, and each may use only the params listed there, none of which names a person (the
hall file is refused otherwise). The reminders come from the hall's events
(:func:`queue_server.phones.reminders.reminder_messages`); booking enqueues the appointment messages itself.

``provider`` picks the gateway's request shape (:mod:`queue_server.outbound.sms_providers`): ``generic`` (JSON with
the text), ``aliyun`` (Dysms ``SendSms``) or ``tencent`` (SMS ``SendSms`` 2021-01-11). See docs/outbound.md.
"""
from __future__ import annotations

import asyncio
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlite_utils import Database

from queue_server.core.clock import SystemClock
from queue_server.core.config import ConfigError, HallConfig, Setting
from queue_server.core.events import Event
from queue_server.outbound.channel import Message, Outcome
from queue_server.outbound.sms_providers import (AliyunDysms, GenericGateway, Provider, SmsRequest, TencentSms,
                                                 Template, scrub)
from queue_server.phones.reminders import reminder_messages
from queue_server.phones.settings import SETTINGS as REMINDER_SETTINGS
from queue_server.phones.settings import ReminderSettings, parse_reminders
from queue_server.phones.store import MOBILE

#: each template and the params it may use (booking sends code, service, date and slot)
TEMPLATE_PARAMS: dict[str, frozenset[str]] = {
    "ahead": frozenset({"hall", "number", "service", "ahead"}),
    "called": frozenset({"hall", "number", "service", "window"}),
    "review_link": frozenset({"hall", "number", "url"}),
    "appointment_code": frozenset({"hall", "code", "service", "date", "slot"}),
    "appointment_reminder": frozenset({"hall", "code", "service", "date", "slot"}),
    "appointment_cancelled": frozenset({"hall", "code", "service", "date", "slot"}),
}
#: the generic gateway's texts when the hall file gives none (the hall's name stands in for the sign name)
DEFAULT_TEXTS = {
    "ahead": "【{hall}】您的{number}号前面还有{ahead}位，请回到大厅留意叫号。",
    "called": "【{hall}】请{number}号到{window}号窗口办理。",
    "review_link": "【{hall}】您的{number}号已办结，请对本次服务作出评价：{url}",
    "appointment_code": "【{hall}】您已预约{date} {slot}办理{service}，预约码{code}，请凭预约码在取号机签到。",
    "appointment_reminder": "【{hall}】提醒：您预约了{date} {slot}办理{service}，预约码{code}，请按时到大厅签到。",
    "appointment_cancelled": "【{hall}】您{date} {slot}办理{service}的预约（预约码{code}）已取消。",
}
PROVIDERS = ("generic", "aliyun", "tencent")
DEFAULT_URLS = {"aliyun": "https://dysmsapi.aliyuncs.com/", "tencent": "https://sms.tencentcloudapi.com/"}
#: the provider's own options (besides provider, url, templates and the reminders')
PROVIDER_OPTIONS = {
    "generic": {"auth_header": "Authorization", "auth_value": ""},
    "aliyun": {"access_key_id": None, "access_key_secret": None, "sign_name": None, "region": "cn-hangzhou"},
    "tencent": {"secret_id": None, "secret_key": None, "sdk_app_id": None, "sign_name": None,
                "region": "ap-guangzhou"},
}
SETTINGS: tuple[Setting, ...] = (
    Setting("provider", None, "短信网关：generic（通用 JSON 网关）、aliyun（阿里云短信）或 tencent（腾讯云短信）"),
    Setting("url", None, "网关地址；aliyun、tencent 默认为其官方地址，generic 必填"),
    Setting("auth_header", "Authorization", "generic：认证头的名称"),
    Setting("auth_value", "", "generic：认证头的值（如 Bearer 令牌）"),
    Setting("access_key_id", None, "aliyun：AccessKey ID"),
    Setting("access_key_secret", None, "aliyun：AccessKey Secret"),
    Setting("secret_id", None, "tencent：SecretId"),
    Setting("secret_key", None, "tencent：SecretKey"),
    Setting("sdk_app_id", None, "tencent：短信应用 SdkAppId"),
    Setting("sign_name", None, "aliyun、tencent：已审核的短信签名"),
    Setting("region", None, "aliyun 默认 cn-hangzhou，tencent 默认 ap-guangzhou"),
    Setting("templates", None, "每种短信的模板（[outbound.sms.templates]）：generic 为带 {参数} 的文字，"
                               "aliyun/tencent 为 {code = 模板代码或ID, params = [参数名列表]}"),
    *REMINDER_SETTINGS,
)


@dataclass(frozen=True)
class SmsSettings:
    """The validated ``[outbound.sms]``."""

    provider: str
    url: str
    options: dict[str, str]
    templates: dict[str, Template]
    reminders: ReminderSettings


def parse_sms(raw: dict[str, Any], path: Path | str, where: str = "outbound.sms") -> SmsSettings:
    """Validate an ``[outbound.sms]`` table (without the outbox's common options, which the registry takes).

    :param path: the hall file, for the error; ``where``: the section's dotted name.
    :raises ConfigError: naming ``outbound.sms.<field>`` and what is wrong.
    """
    def fail(field: str, problem: str) -> ConfigError:
        return ConfigError(path, f"{where}.{field}", problem)

    provider = raw.get("provider")
    if provider not in PROVIDERS:
        raise fail("provider", f"应为 {' / '.join(PROVIDERS)} 之一，实为 {provider!r}")
    own = PROVIDER_OPTIONS[provider]
    known = {"provider", "url", "templates"} | set(own) | {s.name for s in REMINDER_SETTINGS}
    for name in raw:
        if name not in known:
            raise fail(name, f"未知配置项（provider = {provider!r} 时不用）")
    options: dict[str, str] = {}
    for name, default in (("url", DEFAULT_URLS.get(provider)), *own.items()):
        value = raw.get(name, default)
        if value is None or not isinstance(value, str) or (not value.strip() and name != "auth_value"):
            raise fail(name, "必填，应为非空字符串" if value is None else f"应为非空字符串，实为 {value!r}")
        options[name] = value.strip()
    if not options["url"].startswith(("http://", "https://")):
        raise fail("url", f"应以 http:// 或 https:// 开头，实为 {options['url']!r}")
    templates = _templates(raw.get("templates", {}), provider, fail)
    return SmsSettings(provider, options.pop("url"), options, templates, parse_reminders(raw, path))


def _templates(raw: Any, provider: str, fail: Callable[[str, str], ConfigError]) -> dict[str, Template]:
    """The templates table: the generic gateway's texts (defaults for the ones not given), or the provider's
    template codes with their params; each may use only its kind's params (:data:`TEMPLATE_PARAMS`)."""
    if not isinstance(raw, dict):
        raise fail("templates", "应为表 [outbound.sms.templates]")
    for name in raw:
        if name not in TEMPLATE_PARAMS:
            raise fail(f"templates.{name}", f"未知的短信种类，可选：{', '.join(TEMPLATE_PARAMS)}")
    templates: dict[str, Template] = {}
    for kind, allowed in TEMPLATE_PARAMS.items():
        field = f"templates.{kind}"
        value = raw.get(kind, DEFAULT_TEXTS[kind] if provider == "generic" else None)
        if value is None:
            continue  # no template: that kind is not sent
        if provider == "generic":
            if not isinstance(value, str) or not value.strip():
                raise fail(field, "应为短信文字（可含 {参数}）")
            try:
                used = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
            except ValueError:
                raise fail(field, "花括号不成对：参数写作 {number}，字面的花括号写作 {{ }}") from None
            template = Template(text=value)
        else:
            if not isinstance(value, dict) or set(value) - {"code", "params"}:
                raise fail(field, "应为 {code = \"模板代码\", params = [\"参数\", …]}")
            code, params = value.get("code"), value.get("params", [])
            if not isinstance(code, str) or not code.strip():
                raise fail(f"{field}.code", "必填：服务商审核通过的模板代码或ID")
            if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
                raise fail(f"{field}.params", "应为参数名列表")
            used = set(params)
            template = Template(code=code.strip(), params=tuple(params))
        if used - allowed:
            raise fail(field, f"不能使用参数 {sorted(used - allowed)[0]!r}（短信不写人名），可用：{', '.join(sorted(allowed))}")
        templates[f"sms.{kind}"] = template
    return templates


def make_provider(settings: SmsSettings, now: Callable[[], datetime]) -> Provider:
    """The gateway adapter of ``settings.provider``."""
    o = settings.options
    if settings.provider == "aliyun":
        return AliyunDysms(settings.url, o["access_key_id"], o["access_key_secret"], o["sign_name"], o["region"], now)
    if settings.provider == "tencent":
        return TencentSms(settings.url, o["secret_id"], o["secret_key"], o["sdk_app_id"], o["sign_name"], o["region"],
                          now)
    return GenericGateway(settings.url, o["auth_header"], o["auth_value"])


class SmsChannel:
    """The ``sms`` channel: reminders from the hall's events, one SMS per message through the gateway.

    :param now: the wall clock that signs requests (the provider checks it against its own).
    """

    name = "sms"
    ordered = False

    def __init__(self, settings: SmsSettings, config: HallConfig, *, now: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self.config = config
        self.provider = make_provider(settings, now or SystemClock().now)

    def messages_for(self, db: Database, events: list[Event]) -> list[tuple[str, dict[str, Any]]]:
        """The reminders the batch's events cause (see :mod:`queue_server.phones.reminders`)."""
        return reminder_messages(db, events, self.config, self.settings.reminders, self.settings.templates)

    def prepare(self, message: Message) -> SmsRequest | Outcome:
        """The attempt's request, or the refusal of a message no gateway could send (its kind has no template,
        the number is not a mobile number, a param the template needs is missing)."""
        template = self.settings.templates.get(message.kind)
        if template is None:
            return Outcome.reject(f"没有 {message.kind} 的短信模板（[outbound.sms.templates]）")
        phone = message.payload.get("phone")
        if not isinstance(phone, str) or not MOBILE.match(phone):
            return Outcome.reject("手机号码无效或已按保存期限删除")
        raw = message.payload.get("params")
        params = {k: str(v) for k, v in (raw if isinstance(raw, dict) else {}).items()
                  if k in TEMPLATE_PARAMS[message.kind.removeprefix("sms.")]}
        params.setdefault("hall", self.config.hall.name)
        needed = set(template.params) | {name for _, name, _, _ in string.Formatter().parse(template.text) if name}
        missing = sorted(needed - set(params))
        if missing:
            return Outcome.reject(f"{message.kind} 缺少参数 {missing[0]}")
        return self.provider.request(message.id, message.kind, phone, template, params)

    async def deliver(self, message: Message, http: aiohttp.ClientSession) -> Outcome:
        """Send one SMS once (the outbox bounds the attempt's time); the gateway's answer decides."""
        request = self.prepare(message)
        if isinstance(request, Outcome):
            return request
        try:
            async with http.post(request.url, data=request.body, headers=request.headers) as response:
                body = await response.read()
                return self.provider.outcome(response.status, body, response.headers)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            return Outcome.retry(scrub(f"短信网关无法连接：{type(exc).__name__} {exc}"))


def build(raw: dict[str, Any], config: HallConfig, path: str = "outbound.sms") -> SmsChannel:
    """The channel from the hall file's ``[outbound.sms]`` (the outbox's registry calls this with the section's
    dotted name as ``path``).

    :raises ConfigError: naming ``outbound.sms.<field>``.
    """
    return SmsChannel(parse_sms(raw, config.path, path), config)
