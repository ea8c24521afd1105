"""留手机号接收到号提醒 on the ticket kiosk at the device's size (1080×1920), in normal mode and in 适老模式, against a
real ``govhall serve`` whose hall sends SMS: the offer on the ticket screen, the numeric pad, a wrong number refused
in Chinese with the keys staying put, the number left (masked on screen, kept by the server), and 跳过. A hall
without SMS shows no offer. Screenshots go to ``$GOVHALL_SHOTS/<test>/`` when that is set."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from queue_server.core.config import DEMO_CONFIG_PATH
from tests.conftest import ServerProcess
from tests.kiosk.conftest import KioskServer
from tests.kiosk.harness import run_scenario
from tests.kiosk.test_ticket_screens import MIN_TARGET, SIZE

OFFER = "留手机号"  # 留手机号 / 接收到号提醒, on two lines


def _take_number(d: Any) -> Any:
    d.tap_text("取号", exact=True)
    d.wait_screen("departments")
    d.tap_text("综合受理")  # the 无差别 window's tile: its services (or its confirm step), then the number
    d.wait_until(lambda: d.app.screens.current in ("services", "confirm"), what="综合受理")
    if d.app.screens.current == "services":
        d.tap(d.app.screen.list.items[0])
    else:
        d.tap_text("确认取号")
    return d.wait_screen("ticket")


def scenario_phone(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from tests.kiosk.test_ticket_screens import _app, _rect, survey

    app = _app(ctx)
    d = factory.start(app)
    d.wait_until(lambda: app.online and app.sms_offer, what="online with the SMS offer")
    tag = "elder" if ctx["elder"] else "normal"
    if ctx["elder"]:
        d.tap_text("适老模式")
    ticket = _take_number(d)
    shots = [survey(d, f"{tag}-1-ticket-offer")]
    d.tap_text(OFFER)
    pad = d.wait_screen("phone")
    shots.append(survey(d, f"{tag}-2-pad"))
    key = _rect(d.find_button("5", exact=True))
    for digit in "12812341234":  # 12… is no mobile number
        d.tap_text(digit, exact=True)
    typed = pad.display.text
    d.tap_text("确认", exact=True)
    d.pump(3)
    refused = pad.message.text
    shots.append(survey(d, f"{tag}-3-pad-refused"))
    keys_moved = _rect(d.find_button("5", exact=True)) != key
    d.tap_text("清空")
    for digit in "13812341234":
        d.tap_text(digit, exact=True)
    d.tap_text("确认", exact=True)
    d.wait_until(lambda: app.screens.current == "ticket", what="back to the ticket")
    d.wait_until(lambda: ticket.sms_note.text, what="the masked number")
    shots.append(survey(d, f"{tag}-4-ticket-phone-left"))
    note, number = ticket.sms_note.text, ticket.number.text
    d.tap_text("完成")
    d.wait_screen("home")
    _take_number(d)  # the next citizen skips
    d.tap_text(OFFER)
    d.wait_screen("phone")
    d.tap_text("跳过")
    d.wait_screen("ticket")
    skipped_offer_kept = d.find_button(OFFER) is not None
    return {"shots": shots, "typed": typed, "refused": refused, "keys_moved": keys_moved, "note": note,
            "number": number, "skipped_offer_kept": skipped_offer_kept, "voice": app.voice.played}


def scenario_no_offer(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from tests.kiosk.test_ticket_screens import _app

    app = _app(ctx)
    d = factory.start(app)
    d.wait_until(lambda: app.online, what="online")
    d.pump(10)  # the offer's answer has come back by now
    _take_number(d)
    return {"texts": d.texts(), "offer": app.sms_offer}


@pytest.fixture(scope="module")
def sms_server(tmp_path_factory):
    """``govhall serve`` for the demo hall with ``[outbound.sms]`` (its gateway is never reached here)."""
    folder = tmp_path_factory.mktemp("sms-hall")
    config = folder / "hall.toml"
    config.write_text(DEMO_CONFIG_PATH.read_text("utf-8") + '\n[outbound.sms]\nprovider = "generic"\n'
                      'url = "http://127.0.0.1:9/sms"\n', "utf-8")
    proc = ServerProcess(folder / "hall.db", config=config)
    proc.start()
    try:
        yield KioskServer(proc)
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def runs(sms_server, tmp_path_factory) -> dict[str, dict[str, Any]]:
    keep = os.environ.get("GOVHALL_SHOTS")
    out = Path(keep) / "phone-pad" if keep else tmp_path_factory.mktemp("phone-pad")
    token = sms_server.token("kiosk")
    return {("elder" if elder else "normal"): run_scenario(__file__, "scenario_phone", {
        "role": "ticket", "url": sms_server.url, "token": token, "elder": elder, "window_size": list(SIZE)},
        out, timeout=120) for elder in (False, True)}


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_phone_pad_screens_are_laid_out_cleanly(runs, mode: str) -> None:
    for shot in runs[mode]["shots"]:
        assert shot["image"] == list(SIZE), shot["name"]
        for problem in ("overlaps", "outside", "spills", "broken"):
            assert shot[problem] == [], (shot["name"], problem, shot[problem])
        small = {t: s for t, s in shot["targets"].items() if min(s) < MIN_TARGET}
        assert small == {}, (shot["name"], small)


def test_elder_pad_keys_are_not_smaller(runs) -> None:
    normal, elder = runs["normal"]["shots"][1]["targets"], runs["elder"]["shots"][1]["targets"]
    for text in ("1", "0", "删除", "确认", "跳过"):
        assert min(elder[text]) >= min(normal[text]), text


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_a_wrong_number_is_refused_in_chinese_and_a_right_one_kept_masked(runs, sms_server, mode: str) -> None:
    run = runs[mode]
    assert run["typed"] == "128 1234 1234"
    assert run["refused"] == "请输入正确的手机号码（11位，以13–19开头）"
    assert not run["keys_moved"]
    assert run["note"] == "到号短信将发至\n138****1234"
    assert run["skipped_offer_kept"]
    consents = sms_server.get("/api/phone-reminders/consents", sms_server.token("admin"))
    assert {(c["number"], c["phone"], c["source"]) for c in consents} >= {(run["number"], "138****1234", "kiosk")}


def test_elder_mode_speaks_on_the_pad(runs) -> None:
    assert "phone" in runs["elder"]["voice"]


def test_a_hall_without_sms_offers_nothing(tmp_path) -> None:
    proc = ServerProcess(tmp_path / "hall.db")
    proc.start()
    try:
        server = KioskServer(proc)
        result = run_scenario(__file__, "scenario_no_offer", {"role": "ticket", "url": server.url,
                                                              "token": server.token("kiosk"), "elder": False,
                                                              "window_size": list(SIZE)}, tmp_path / "run")
    finally:
        proc.stop()
    assert result["offer"] is None and not any(OFFER in t for t in result["texts"])
