"""A stand-in for the provincial 好差评 platform: a real aiohttp server on loopback that takes the sm interface's
envelopes, verifies their SM2 signature with gmssl and the hall's public key, decrypts the SM4 content with gmssl,
keeps what it accepted, and answers signed with its own key, as the province would. Written against gmssl directly,
not through the hall's own helpers, so a mistake there cannot hide itself here."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from gmssl.sm2 import CryptSM2
from gmssl.sm4 import SM4_DECRYPT, CryptSM4

from queue_server.outbound.sm_crypto import generate_key_pair


def _sm2(private: str, public: str) -> CryptSM2:
    crypt = CryptSM2(private_key=private, public_key="")
    crypt.public_key = public[2:] if len(public) == 130 else public  # see gmssl's lstrip("04") in sm_crypto
    return crypt


def _signed_text(fields: dict[str, Any]) -> bytes:
    return "&".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "sign" and fields[k] not in ("", None)).encode()


@dataclass
class Received:
    """One accepted push: the envelope's method and request id, the decrypted content, the delivery header, the
    envelope's timestamp."""

    method: str
    request_id: str
    content: dict[str, Any]
    delivery: str
    timestamp: str = ""


@dataclass
class ProvinceReceiver:
    """The province. ``hall_public`` verifies the hall's pushes; ``private``/``public`` sign the answers.

    ``status`` forces an HTTP status (503 while "down"); ``refusals`` counts pushes refused for a bad signature or
    content.
    """

    hall_public: str
    sm4_key: bytes
    app_id: str = "HALL-411681"
    status: int | None = None
    received: list[Received] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    generic: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.private, self.public = generate_key_pair()

    def answer(self, code: str, msg: str) -> web.Response:
        body = {"code": code, "msg": msg, "timestamp": "20261123090000"}
        body["sign"] = _sm2(self.private, self.public).sign_with_sm3(_signed_text(body))
        return web.json_response(body)

    async def handle(self, request: web.Request) -> web.Response:
        if self.status is not None:
            return web.Response(status=self.status, text="维护中")
        envelope = await request.json()
        if not isinstance(envelope, dict) or envelope.get("appId") != self.app_id:
            self.refusals.append("appId")
            return self.answer("4001", "应用标识无效")
        if not _sm2("", self.hall_public).verify_with_sm3(envelope.get("sign", ""), _signed_text(envelope)):
            self.refusals.append("sign")
            return self.answer("4002", "验签失败")
        try:
            crypt = CryptSM4()
            crypt.set_key(self.sm4_key, SM4_DECRYPT)
            cipher = base64.b64decode(envelope["data"])
            plain = (crypt.crypt_cbc(bytes.fromhex(envelope["iv"]), cipher) if envelope.get("iv")
                     else crypt.crypt_ecb(cipher))
            content = json.loads(plain.decode())
        except (ValueError, KeyError, UnicodeDecodeError):
            self.refusals.append("decrypt")
            return self.answer("4003", "报文解密失败")
        self.received.append(Received(envelope["method"], envelope["requestId"], content,
                                      request.headers.get("X-Govhall-Delivery", ""), envelope["timestamp"]))
        return self.answer("200", "成功")

    async def handle_generic(self, request: web.Request) -> web.Response:
        if self.status is not None:
            return web.Response(status=self.status)
        self.generic.append({"body": await request.json(), "headers": dict(request.headers)})
        return web.json_response({"ok": True})

    async def start(self) -> TestServer:
        app = web.Application()
        app.router.add_post("/haocp", self.handle)
        app.router.add_post("/generic", self.handle_generic)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        self.url = str(server.make_url("")).rstrip("/")
        return server
