"""The SMS channel's adapters against a real loopback gateway: the request each provider would accept (signatures
checked with the providers' own SDKs, as independent oracles), and how their answers map to an Outcome."""
from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone
from types import SimpleNamespace
from urllib.parse import parse_qsl

import aiohttp
import pytest

from queue_server.core.config import ConfigError
from queue_server.outbound.channel import Message
from queue_server.outbound.sms import SmsChannel, build, parse_sms
from tests.conftest import free_port
from tests.receiver import Receiver

PHONE = "13812341234"
SIGNED_AT = datetime(2026, 11, 23, 1, 2, 3, tzinfo=timezone.utc)


@pytest.fixture
def gateway(receiver) -> Receiver:
    """The loopback SMS gateway: it records every request and answers ``status`` with ``body``."""
    return receiver


def answers(gateway: Receiver, status: int, body, headers: dict[str, str] | None = None) -> None:
    gateway.status, gateway.headers = status, headers or {}
    gateway.body = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


def channel(hall_config, raw: dict) -> SmsChannel:
    return SmsChannel(parse_sms(raw, "hall.toml"), hall_config, now=lambda: SIGNED_AT)


def called(message_id: str = "m-1", **params) -> Message:
    payload = {"phone": PHONE, "params": {"number": "A001", "window": 3, "service": "不动产登记", **params}}
    return Message(message_id, "sms", "sms.called", payload, SIGNED_AT)


ALIYUN = {"provider": "aliyun", "access_key_id": "LTAI-test-id", "access_key_secret": "test-secret/+=",
          "sign_name": "某县政务服务中心", "templates": {"called": {"code": "SMS_153055065",
                                                            "params": ["number", "window"]}}}
TENCENT = {"provider": "tencent", "secret_id": "AKID-test", "secret_key": "tencent-secret", "sdk_app_id": "1400006666",
           "sign_name": "某县政务服务中心", "templates": {"called": {"code": "449739", "params": ["number", "window"]}}}


# -- Aliyun Dysms ------------------------------------------------------------------------------------------------

async def test_aliyun_request_is_signed_as_the_sdk_signs_it(hall_config, gateway, http):
    from aliyunsdkcore.auth.algorithm import sha_hmac1
    from aliyunsdkcore.auth.composer import rpc_signature_composer

    answers(gateway, 200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5"})
    sms = channel(hall_config, {**ALIYUN, "url": gateway.url})
    outcome = await sms.deliver(called("msg-42"), http)
    assert outcome.delivered
    got = gateway.requests[0]
    assert got.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    fields = dict(parse_qsl(got.body.decode(), keep_blank_values=True, strict_parsing=True))
    assert fields["Action"] == "SendSms" and fields["Version"] == "2017-05-25"
    assert fields["PhoneNumbers"] == PHONE and fields["SignName"] == "某县政务服务中心"
    assert fields["TemplateCode"] == "SMS_153055065" and fields["OutId"] == "msg-42"
    assert json.loads(fields["TemplateParam"]) == {"number": "A001", "window": "3"}  # only the template's params
    assert fields["Timestamp"] == "2026-11-23T01:02:03Z" and fields["SignatureMethod"] == "HMAC-SHA1"
    signature = fields.pop("Signature")
    # the SDK's own canonicalisation and HMAC over what the gateway received
    to_sign = getattr(rpc_signature_composer, "__compose_string_to_sign")("POST", fields)
    assert signature == sha_hmac1.get_sign_string(to_sign, ALIYUN["access_key_secret"] + "&")


async def test_aliyun_nonce_is_fresh_on_every_attempt(hall_config, gateway, http):
    answers(gateway, 200, {"Code": "OK"})
    sms = channel(hall_config, {**ALIYUN, "url": gateway.url})
    for _ in range(2):
        assert (await sms.deliver(called(), http)).delivered
    nonces = [dict(parse_qsl(r.body.decode()))["SignatureNonce"] for r in gateway.requests]
    assert nonces[0] != nonces[1]  # a reused nonce is refused (SignatureNonceUsed)


@pytest.mark.parametrize(("status", "answer", "delivered", "permanent"), [
    (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发号码天级流控Permits:10"}, False, False),
    (400, {"Code": "Throttling.User", "Message": "Request was denied due to user flow control."}, False, False),
    (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "13812341234 非法手机号"}, False, True),
    (200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法"}, False, True),
    (400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}, False, True),
    (500, "Internal Server Error", False, False),
    (403, "Forbidden", False, True),
])
async def test_aliyun_answers(hall_config, gateway, http, status, answer, delivered, permanent):
    answers(gateway, status, answer)
    outcome = await channel(hall_config, {**ALIYUN, "url": gateway.url}).deliver(called(), http)
    assert (outcome.delivered, outcome.permanent) == (delivered, permanent)
    assert PHONE not in outcome.error  # the admin page shows the error: the number in it is masked
    if isinstance(answer, dict):
        assert answer["Code"] in outcome.error


# -- Tencent Cloud SMS -------------------------------------------------------------------------------------------

async def test_tencent_request_is_signed_as_the_sdk_signs_it(hall_config, gateway, http):
    from tencentcloud.common.abstract_client import AbstractClient

    status = {"SerialNo": "5000:1045710669157053657849499619", "PhoneNumber": "+8613812341234", "Fee": 1,
              "SessionContext": "msg-7", "Code": "Ok", "Message": "send success", "IsoCode": "CN"}
    answers(gateway, 200, {"Response": {"SendStatusSet": [status], "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279"}})
    sms = channel(hall_config, {**TENCENT, "url": gateway.url})
    assert (await sms.deliver(called("msg-7"), http)).delivered
    got = gateway.requests[0]
    body = json.loads(got.body)
    assert body == {"PhoneNumberSet": ["+8613812341234"], "SmsSdkAppId": "1400006666", "SignName": "某县政务服务中心",
                    "TemplateId": "449739", "TemplateParamSet": ["A001", "3"], "SessionContext": "msg-7"}
    h = got.headers
    assert (h["X-TC-Action"], h["X-TC-Version"], h["X-TC-Region"]) == ("SendSms", "2021-01-11", "ap-guangzhou")
    assert h["X-TC-Timestamp"] == str(int(SIGNED_AT.timestamp()))
    assert h["Host"] == f"127.0.0.1:{gateway.port}"
    scheme, rest = h["Authorization"].split(" ", 1)
    parts = dict(p.strip().split("=", 1) for p in rest.split(","))
    assert scheme == "TC3-HMAC-SHA256" and parts["SignedHeaders"] == "content-type;host"
    assert parts["Credential"] == "AKID-test/2026-11-23/sms/tc3_request"
    # the SDK's canonical request and TC3 key derivation over what the gateway received
    req = SimpleNamespace(method="POST", uri="/", data=got.body, header={
        "Content-Type": h["Content-Type"], "Host": h["Host"], "X-TC-Timestamp": h["X-TC-Timestamp"]})
    assert parts["Signature"] == AbstractClient._get_tc3_signature(None, None, req, "2026-11-23", "sms",
                                                                   TENCENT["secret_key"])


@pytest.mark.parametrize(("answer", "delivered", "permanent"), [
    ({"SendStatusSet": [{"Code": "LimitExceeded.PhoneNumberThirtySecondLimit", "Message": "30秒内发送条数超过上限"}]},
     False, False),
    ({"SendStatusSet": [{"Code": "InvalidParameterValue.IncorrectPhoneNumber", "Message": "+8613812341234 错误"}]},
     False, True),
    ({"SendStatusSet": [{"Code": "FailedOperation.TemplateIncorrectOrUnapproved", "Message": "模板未审核"}]},
     False, True),
    ({"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "The provided credentials could not be validated."}},
     False, True),
    ({"Error": {"Code": "RequestLimitExceeded", "Message": "请求的次数超过了频率限制。"}}, False, False),
    ({"Error": {"Code": "InternalError.Timeout", "Message": "超时"}}, False, False),
])
async def test_tencent_answers(hall_config, gateway, http, answer, delivered, permanent):
    answers(gateway, 200, {"Response": {**answer, "RequestId": "r-1"}})
    outcome = await channel(hall_config, {**TENCENT, "url": gateway.url}).deliver(called(), http)
    assert (outcome.delivered, outcome.permanent) == (delivered, permanent)
    assert PHONE not in outcome.error


# -- the generic gateway -----------------------------------------------------------------------------------------

async def test_generic_posts_the_text_with_the_auth_header(hall_config, gateway, http):
    raw = {"provider": "generic", "url": gateway.url, "auth_header": "X-Api-Key", "auth_value": "k-123",
           "templates": {"called": "请{number}号到{window}号窗口（{service}）"}}
    assert (await build(raw, hall_config).deliver(called("id-9"), http)).delivered
    got = gateway.requests[0]
    assert got.headers["X-Api-Key"] == "k-123" and got.headers["X-Govhall-Delivery"] == "id-9"
    assert json.loads(got.body) == {"id": "id-9", "kind": "sms.called", "phone": PHONE, "text": "请A001号到3号窗口（不动产登记）"}


async def test_generic_default_texts_name_the_hall(hall_config, gateway, http):
    sms = build({"provider": "generic", "url": gateway.url}, hall_config)
    assert (await sms.deliver(called(), http)).delivered
    assert json.loads(gateway.requests[0].body)["text"] == f"【{hall_config.hall.name}】请A001号到3号窗口办理。"


@pytest.mark.parametrize(("status", "headers", "delivered", "permanent", "retry_after"), [
    (202, {}, True, False, None), (429, {"Retry-After": "30"}, False, False, 30.0), (503, {}, False, False, None),
    (400, {}, False, True, None), (401, {}, False, True, None), (408, {}, False, False, None),
])
async def test_generic_answers(hall_config, gateway, http, status, headers, delivered, permanent, retry_after):
    answers(gateway, status, {}, headers)
    outcome = await build({"provider": "generic", "url": gateway.url}, hall_config).deliver(called(), http)
    assert (outcome.delivered, outcome.permanent, outcome.retry_after) == (delivered, permanent, retry_after)


async def test_gateway_down_is_retried(hall_config, http):
    sms = build({"provider": "generic", "url": f"http://127.0.0.1:{free_port()}/sms"}, hall_config)
    outcome = await sms.deliver(called(), http)
    assert not outcome.delivered and not outcome.permanent and "无法连接" in outcome.error


# -- what no gateway could send, and the hall file --------------------------------------------------------------

async def test_unsendable_messages_are_refused_before_any_request(hall_config, gateway, http):
    sms = channel(hall_config, {**ALIYUN, "url": gateway.url})
    no_template = dataclasses.replace(called(), kind="sms.review_link")
    bad_phone = dataclasses.replace(called(), payload={"phone": "138****1234", "params": {"number": "A001"}})
    missing = dataclasses.replace(called(), payload={"phone": PHONE, "params": {"number": "A001"}})
    for message, text in ((no_template, "没有 sms.review_link 的短信模板"), (bad_phone, "手机号码无效"),
                          (missing, "缺少参数 window")):
        outcome = await sms.deliver(message, http)
        assert outcome.permanent and text in outcome.error
    assert gateway.requests == []


@pytest.mark.parametrize(("raw", "field"), [
    ({"provider": "yunpian"}, "outbound.sms.provider"),
    ({"provider": "aliyun", "access_key_secret": "s", "sign_name": "n"}, "outbound.sms.access_key_id"),
    ({"provider": "tencent", "secret_id": "i", "secret_key": "k", "sign_name": "n"}, "outbound.sms.sdk_app_id"),
    ({"provider": "generic"}, "outbound.sms.url"),
    ({"provider": "generic", "url": "ftp://x"}, "outbound.sms.url"),
    ({"provider": "generic", "url": "http://x", "secret_id": "i"}, "outbound.sms.secret_id"),
    ({"provider": "generic", "url": "http://x", "templates": {"called": "{name}您好，请到{window}号窗口"}},
     "outbound.sms.templates.called"),
    ({"provider": "generic", "url": "http://x", "templates": {"called": "请到{window号窗口"}},
     "outbound.sms.templates.called"),
    ({**ALIYUN, "templates": {"ahead": {"code": "SMS_1", "params": ["staff_name"]}}}, "outbound.sms.templates.ahead"),
    ({**ALIYUN, "templates": {"called": {"params": ["number"]}}}, "outbound.sms.templates.called.code"),
    ({**ALIYUN, "templates": {"welcome": {"code": "SMS_1"}}}, "outbound.sms.templates.welcome"),
    ({"provider": "generic", "url": "http://x", "remind_ahead": -1}, "outbound.sms.remind_ahead"),
    ({"provider": "generic", "url": "http://x", "phone_retention_days": "30"}, "outbound.sms.phone_retention_days"),
])
def test_hall_file_mistakes_name_the_field(hall_config, raw, field):
    with pytest.raises(ConfigError) as caught:
        build(raw, hall_config)
    assert caught.value.field == field


def test_aliyun_signature_matches_the_documented_example():
    """The worked example of Aliyun's RPC signature documentation (a DescribeRegions GET; secret testsecret)."""
    from queue_server.outbound.sms_providers import aliyun_signature

    params = {"AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML", "SignatureMethod": "HMAC-SHA1",
              "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "SignatureVersion": "1.0",
              "Timestamp": "2016-02-23T12:46:24Z", "Version": "2014-05-26"}
    assert aliyun_signature(params, "testsecret", "GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
