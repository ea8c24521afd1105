"""The request shapes of provincial 好差评 platforms: one adapter per shape, chosen by ``[outbound.province] adapter``.

An adapter turns one stored message (a 办件 status change or a review, in the channel's own neutral payload, see
``docs/outbound.md``) into the HTTP request the province expects, and judges the province's answer. Interfaces
differ by province, so a new one is a new subclass of :class:`ProvinceAdapter`; the channel, its messages and the
outbox stay as they are.

- ``generic``: the neutral payload as plain JSON, for a province (or a relay) that takes it as it is;
- ``sm``: the national/provincial 好差评 data interface's shape: 办件 status (``proStatus`` 1 待受理, 2 已受理,
  3 已办结), a 承诺件's steps (``processNo`` 1 受理, 2 审批, 3 办结), the review (``evaluateLevel`` 5 非常满意 … 1
  非常不满意, ``pf`` channel) and its withdrawal, the content SM4-encrypted and the envelope SM2-signed.
"""
from __future__ import annotations

import base64
import json
import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from queue_server.outbound import sm_crypto
from queue_server.outbound.channel import Outcome

if TYPE_CHECKING:
    from queue_server.outbound.province import ProvinceSettings

#: what the outbox stores: ``province.status`` (a ticket's 办件 status change), ``province.review``,
#: ``province.void`` (a voided review withdrawn) or ``province.case`` (a step of a 承诺件)
STATUS, REVIEW, VOID, CASE = "province.status", "province.review", "province.void", "province.case"

#: how the sm interface names the requests (the envelope's ``method``)
SM_METHODS = {STATUS: "pushProjectStatus", REVIEW: "pushEvaluation", VOID: "revokeEvaluation",
              CASE: "pushProjectProcess"}


@dataclass(frozen=True)
class ProvinceRequest:
    """One POST to the province: its body and headers."""

    body: bytes
    headers: dict[str, str]


class ProvinceAdapter(ABC):
    """Turns a status change or a review into the province's request, and judges its answer.

    :param settings: the validated ``[outbound.province]`` section.
    """

    name = ""

    def __init__(self, settings: ProvinceSettings) -> None:
        self.settings = settings

    @abstractmethod
    def request(self, kind: str, payload: dict[str, Any], message_id: str, now: datetime) -> ProvinceRequest:
        """The request for one message (``kind`` one of :data:`SM_METHODS`), made afresh on each attempt
        (its timestamp and nonce are the attempt's; its content is the stored payload's)."""

    def judge(self, status: int, body: bytes) -> Outcome:
        """What an HTTP answer comes to: the server failing or asking to wait is retried, any other refusal is
        final (the same message would be refused again), a 2xx is read by :meth:`judge_answer`."""
        if status >= 500 or status in (408, 425, 429):
            return Outcome.retry(f"HTTP {status}")
        if status >= 400:
            return Outcome.reject(f"HTTP {status}: {_snippet(body)}")
        if status >= 300:
            return Outcome.retry(f"HTTP {status}（重定向未跟随，请检查 url）")
        return self.judge_answer(body)

    @abstractmethod
    def judge_answer(self, body: bytes) -> Outcome:
        """What a 2xx answer's body comes to."""

    def _headers(self, message_id: str) -> dict[str, str]:
        headers = {"Content-Type": "application/json; charset=utf-8", "X-Govhall-Delivery": message_id}
        if self.settings.access_key:
            headers["Authorization"] = f"Bearer {self.settings.access_key}"
        return headers


class GenericProvinceAdapter(ProvinceAdapter):
    """``{"id", "kind", "app_id", "data"}`` as JSON; any 2xx is a delivery."""

    name = "generic"

    def request(self, kind: str, payload: dict[str, Any], message_id: str, now: datetime) -> ProvinceRequest:
        body = {"id": message_id, "kind": kind.removeprefix("province."), "app_id": self.settings.app_id,
                "data": payload}
        return ProvinceRequest(json.dumps(body, ensure_ascii=False).encode(), self._headers(message_id))

    def judge_answer(self, body: bytes) -> Outcome:
        return Outcome.ok()


class SmProvinceAdapter(ProvinceAdapter):
    """The SM2-signed, SM4-encrypted envelope of the 好差评 data interface (see ``docs/outbound.md``)."""

    name = "sm"

    def request(self, kind: str, payload: dict[str, Any], message_id: str, now: datetime) -> ProvinceRequest:
        s = self.settings
        content = SM_CONTENT[kind](payload)
        plain = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
        iv = secrets.token_bytes(16) if s.sm4_mode == "cbc" else None
        envelope = {
            "appId": s.app_id, "method": SM_METHODS[kind], "requestId": message_id,
            "timestamp": now.astimezone(s.tz).strftime("%Y%m%d%H%M%S"), "nonce": secrets.token_hex(16),
            "encryptType": f"SM4/{s.sm4_mode.upper()}", "iv": iv.hex() if iv else "", "signType": "SM3withSM2",
            "data": base64.b64encode(sm_crypto.sm4_encrypt(s.sm4_key, plain, iv)).decode(),
        }
        envelope["sign"] = sm_crypto.sign(signed_text(envelope), s.sm2_private_key, s.sm2_public_key,
                                          der=s.signature_format == "der")
        return ProvinceRequest(json.dumps(envelope).encode(), self._headers(message_id))

    def judge_answer(self, body: bytes) -> Outcome:
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or "code" not in answer:
            # not the interface's answer (a proxy's page): whether it arrived is unknown, so send it again
            return Outcome.retry(f"应答不是接口格式：{_snippet(body)}")
        s = self.settings
        if s.province_public_key is not None and not sm_crypto.verify(
                signed_text(answer), str(answer.get("sign") or ""), s.province_public_key,
                der=s.signature_format == "der"):
            return Outcome.retry("省平台应答验签失败（应答可能被篡改或省平台公钥配置有误）")
        if str(answer["code"]) == s.success_code:
            return Outcome.ok()
        return Outcome.reject(f"省平台拒收：{answer['code']} {_snippet(str(answer.get('msg', '')).encode())}")


ADAPTERS: dict[str, type[ProvinceAdapter]] = {a.name: a for a in (GenericProvinceAdapter, SmProvinceAdapter)}


def signed_text(fields: dict[str, Any]) -> bytes:
    """What is signed: ``key=value`` of every non-empty field but ``sign``, sorted by key, joined by ``&``."""
    return "&".join(f"{k}={fields[k]}" for k in sorted(fields)
                    if k != "sign" and fields[k] not in ("", None)).encode()


def _common(p: dict[str, Any]) -> dict[str, Any]:
    return {"projectNo": p["case_no"], "taskCode": p["item_code"] or "", "taskName": p["item_name"],
            "areaCode": p["area_code"], "deptCode": p["department"] or "", "deptName": p["department_name"],
            "hallName": p["hall"], "windowNo": p["window"], "queueNo": p["ticket"], "staffId": p["staff_no"] or ""}


def _time(local_iso: str) -> str:
    return datetime.fromisoformat(local_iso).strftime("%Y-%m-%d %H:%M:%S")


def status_content(p: dict[str, Any]) -> dict[str, Any]:
    """A status change as the sm interface names its fields."""
    return {**_common(p), "proStatus": p["status"], "proStatusName": p["status_name"], "statusTime": _time(p["at"])}


def review_content(p: dict[str, Any]) -> dict[str, Any]:
    """A review as the sm interface names its fields (rating 5 非常满意 … 1 非常不满意, ``pf`` channel code);
    ``evaluateId`` is the hall's review id, which a withdrawal names."""
    return {**_common(p), "evaluateId": str(p["review_id"]), "evaluateLevel": p["level_code"],
            "evaluateLevelName": p["level_name"], "evaluateDetail": p["reasons"], "evaluateText": p["comment"],
            "evaluateTime": _time(p["at"]), "pf": p["channel_code"], "userId": "", "userName": p["rater"],
            "staffName": p["staff_name"] or ""}


def void_content(p: dict[str, Any]) -> dict[str, Any]:
    """A voided review's withdrawal: the review it names (``evaluateId``, ``projectNo``), why and when."""
    return {**_common(p), "pushId": p["push_id"], "evaluateId": str(p["review_id"]),
            "revokeReason": p["void_reason"], "revokeTime": _time(p["voided_at"])}


def case_content(p: dict[str, Any]) -> dict[str, Any]:
    """A step of a 承诺件 (``processNo`` 1 受理, 2 审批, 3 办结) with its promised working days and deadline."""
    return {**_common(p), "pushId": p["push_id"], "processNo": p["step_code"], "processName": p["step_name"],
            "processTime": _time(p["at"]), "promiseDays": p["promised_days"], "promiseTime": _time(p["deadline"])}


#: each kind's content in the sm interface's names
SM_CONTENT = {STATUS: status_content, REVIEW: review_content, VOID: void_content, CASE: case_content}


def _snippet(body: bytes) -> str:
    return body[:200].decode("utf-8", "replace").replace("\n", " ")
