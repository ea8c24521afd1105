"""The SMS gateways' request shapes and answers: a generic JSON gateway, Aliyun Dysms ``SendSms`` (RPC signature,
HMAC-SHA1) and Tencent Cloud SMS ``SendSms`` 2021-01-11 (TC3-HMAC-SHA256), each from the provider's public
documentation.

A provider only builds one attempt's HTTP request (:meth:`Provider.request`) and reads the answer
(:meth:`Provider.outcome`); sending it, timeouts and connection errors are the channel's
(:mod:`queue_server.outbound.sms`). Requests are signed with the wall clock at the attempt (the provider refuses a
timestamp more than a few minutes off), so a retry is signed afresh; the message's stable id goes with every
attempt (Aliyun ``OutId``, Tencent ``SessionContext``, the generic ``id``), so receipts and duplicates can be
matched.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol
from urllib.parse import quote, urlsplit

from queue_server.outbound.channel import Outcome
from queue_server.outbound.webhook import judge, retry_after

#: what an error text may show of a phone number (never all of it: the admin page and logs show the error)
_PHONE_RUN = re.compile(r"(?<!\d)(\+?86)?(1\d{2})\d{4}(\d{4})(?!\d)")


def scrub(text: str, limit: int = 300) -> str:
    """``text`` with any mobile number in it masked (138****1234), cut to ``limit`` characters."""
    return _PHONE_RUN.sub(lambda m: f"{m.group(2)}****{m.group(3)}", text)[:limit]


@dataclass(frozen=True)
class Template:
    """One message kind's template: the text with ``{params}`` (generic gateway), or the provider's template code
    (Aliyun ``TemplateCode``, Tencent ``TemplateId``) and which of the message's params it takes, in order."""

    text: str = ""
    code: str = ""
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class SmsRequest:
    """One attempt, ready to POST."""

    url: str
    headers: dict[str, str]
    body: bytes


class Provider(Protocol):
    """A gateway's request shape and answer codes."""

    def request(self, message_id: str, kind: str, phone: str, template: Template, params: dict[str, str]) -> SmsRequest:
        ...

    def outcome(self, status: int, body: bytes, headers: Any) -> Outcome:
        """The answer's outcome: the provider's code where it gives one, else the HTTP status as for a webhook
        (2xx delivered; 408, 425, 429 and 5xx retried; any other 4xx refused for good)."""
        ...


def _json(body: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


# -- generic ------------------------------------------------------------------------------------------------------

@dataclass
class GenericGateway:
    """POST ``{"id", "kind", "phone", "text"}`` as JSON, with the hall's auth header; the HTTP status decides."""

    url: str
    auth_header: str
    auth_value: str = field(repr=False)

    def request(self, message_id: str, kind: str, phone: str, template: Template, params: dict[str, str]) -> SmsRequest:
        text = template.text.format_map(params)
        body = json.dumps({"id": message_id, "kind": kind, "phone": phone, "text": text}, ensure_ascii=False)
        headers = {"Content-Type": "application/json; charset=utf-8", "X-Govhall-Delivery": message_id}
        if self.auth_value:
            headers[self.auth_header] = self.auth_value
        return SmsRequest(self.url, headers, body.encode())

    def outcome(self, status: int, body: bytes, headers: Any) -> Outcome:
        return judge(status, headers)


# -- Aliyun Dysms -------------------------------------------------------------------------------------------------

def aliyun_encode(text: str) -> str:
    """Aliyun's percent-encoding (RFC 3986: only A-Z a-z 0-9 - _ . ~ stay as they are; UTF-8; space is %20)."""
    return quote(text, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    """The RPC signature of ``params``: HMAC-SHA1 with ``secret&`` over ``METHOD&%2F&`` + the encoded, sorted,
    encoded-again query, in base64."""
    canonical = "&".join(f"{aliyun_encode(k)}={aliyun_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{aliyun_encode('/')}&{aliyun_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


#: Aliyun answer codes worth another try: flow control (per number, per minute/hour/day), and the platform's own
#: failures; every other code (bad number, template, sign name, key, balance) is refused for good
ALIYUN_RETRY = ("Throttling", "isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "isp.SYSTEM_ERROR",
                "ServiceUnavailable", "InternalError", "SignatureNonceUsed")


@dataclass
class AliyunDysms:
    """Aliyun Dysms ``SendSms`` (API version 2017-05-25) as a signed form POST."""

    url: str
    access_key_id: str
    access_key_secret: str = field(repr=False)
    sign_name: str
    region: str
    now: Callable[[], datetime]

    def request(self, message_id: str, kind: str, phone: str, template: Template, params: dict[str, str]) -> SmsRequest:
        fields = {
            "Action": "SendSms", "Version": "2017-05-25", "RegionId": self.region, "Format": "JSON",
            "PhoneNumbers": phone, "SignName": self.sign_name, "TemplateCode": template.code,
            "TemplateParam": json.dumps({name: params[name] for name in template.params}, ensure_ascii=False),
            "OutId": message_id, "AccessKeyId": self.access_key_id, "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0", "SignatureNonce": uuid.uuid4().hex,
            "Timestamp": self.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        fields["Signature"] = aliyun_signature(fields, self.access_key_secret)
        body = "&".join(f"{aliyun_encode(k)}={aliyun_encode(v)}" for k, v in fields.items())
        return SmsRequest(self.url, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body.encode())

    def outcome(self, status: int, body: bytes, headers: Any) -> Outcome:
        answer = _json(body)
        code = answer.get("Code") if answer else None
        if not isinstance(code, str):  # no answer code: the HTTP status decides (a 200 without one is a fault)
            return judge(status, headers) if status >= 300 else Outcome.retry("阿里云短信：应答中没有 Code")
        if code == "OK":
            return Outcome.ok()
        error = scrub(f"阿里云短信 {code}: {answer.get('Message', '')}")
        if code.startswith(ALIYUN_RETRY):
            return Outcome.retry(error, retry_after(headers))
        return Outcome.reject(error)


# -- Tencent Cloud SMS --------------------------------------------------------------------------------------------

def tc3_signature(secret_key: str, date: str, service: str, string_to_sign: str) -> str:
    """TC3-HMAC-SHA256: the key derived from ``TC3<secret>`` by date, service and ``tc3_request``, hex HMAC of
    the string to sign."""
    def step(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = step(step(step(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


#: Tencent answer codes worth another try: rate limits (per number, per app, the API's own) and internal errors
TENCENT_RETRY = ("LimitExceeded", "RequestLimitExceeded", "InternalError", "AuthFailure.SignatureExpire",
                 "ResourceUnavailable")


@dataclass
class TencentSms:
    """Tencent Cloud SMS ``SendSms`` (API version 2021-01-11) as a JSON POST signed with TC3-HMAC-SHA256."""

    SERVICE: ClassVar[str] = "sms"
    CONTENT_TYPE: ClassVar[str] = "application/json; charset=utf-8"

    url: str
    secret_id: str
    secret_key: str = field(repr=False)
    sdk_app_id: str
    sign_name: str
    region: str
    now: Callable[[], datetime]
    #: the ``Host`` the signature covers, from ``url``
    host: str = field(init=False)

    def __post_init__(self) -> None:
        self.host = urlsplit(self.url).netloc

    def request(self, message_id: str, kind: str, phone: str, template: Template, params: dict[str, str]) -> SmsRequest:
        body = json.dumps({
            "PhoneNumberSet": [f"+86{phone}"], "SmsSdkAppId": self.sdk_app_id, "SignName": self.sign_name,
            "TemplateId": template.code, "TemplateParamSet": [params[name] for name in template.params],
            "SessionContext": message_id,
        }, ensure_ascii=False).encode()
        now = self.now()
        timestamp, date = str(int(now.timestamp())), now.strftime("%Y-%m-%d")
        canonical = "\n".join(["POST", "/", "", f"content-type:{self.CONTENT_TYPE}\nhost:{self.host}\n",
                               "content-type;host", hashlib.sha256(body).hexdigest()])
        scope = f"{date}/{self.SERVICE}/tc3_request"
        to_sign = "\n".join(["TC3-HMAC-SHA256", timestamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        signature = tc3_signature(self.secret_key, date, self.SERVICE, to_sign)
        headers = {
            "Content-Type": self.CONTENT_TYPE, "Host": self.host, "X-TC-Action": "SendSms",
            "X-TC-Version": "2021-01-11", "X-TC-Timestamp": timestamp, "X-TC-Region": self.region,
            "Authorization": (f"TC3-HMAC-SHA256 Credential={self.secret_id}/{scope}, "
                              f"SignedHeaders=content-type;host, Signature={signature}"),
        }
        return SmsRequest(self.url, headers, body)

    def outcome(self, status: int, body: bytes, headers: Any) -> Outcome:
        answer = _json(body)
        response = answer.get("Response") if answer else None
        if not isinstance(response, dict):
            return judge(status, headers) if status >= 300 else Outcome.retry("腾讯云短信：应答中没有 Response")
        error = response.get("Error")
        if isinstance(error, dict):  # the whole request was refused (signature, app id, the API's rate limit)
            return self._by_code(str(error.get("Code", "")), str(error.get("Message", "")), retry_after(headers))
        statuses = response.get("SendStatusSet")
        if not isinstance(statuses, list) or not statuses or not isinstance(statuses[0], dict):
            return Outcome.retry("腾讯云短信：应答中没有 SendStatusSet")
        first = statuses[0]  # one number per message
        code = str(first.get("Code", ""))
        if code == "Ok":
            return Outcome.ok()
        return self._by_code(code, str(first.get("Message", "")), retry_after(headers))

    @staticmethod
    def _by_code(code: str, message: str, retry_after: float | None) -> Outcome:
        error = scrub(f"腾讯云短信 {code}: {message}")
        if code.startswith(TENCENT_RETRY):
            return Outcome.retry(error, retry_after)
        return Outcome.reject(error)
