"""Window screens and keypads against simulated devices on real pseudo-terminals."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from devices.bus import FramedBus
from devices.frames import Frame, FrameDecoder, FrameLayout
from devices.keypad.base import KeyPress
from devices.keypad.serial import FramedKeypad
from devices.keypad.sim import SimKeypad
from devices.led.base import ScreenTexts
from devices.led.serial import FramedLedScreen, LineLedScreen
from devices.led.sim import SimLedScreen, SimLineScreen
from devices.serial_io import SerialLink
from devices.sim_bus import SimSerialEnd


@pytest.fixture
def bus_end(tmp_path: Path):
    end = SimSerialEnd(tmp_path / "ttyBUS1")
    end.plug()
    yield end
    end.pull()


@pytest.fixture
def link(bus_end: SimSerialEnd):
    link = SerialLink(str(bus_end.path), retry_s=0.05, name="bus1")
    link.start()
    assert link.wait_connected(3)
    yield link
    link.stop()


def test_frame_bytes_are_exact_with_checksum() -> None:
    """GIVEN the default layout WHEN '请A001号' goes to address 3 THEN the bytes are exactly the documented frame."""
    layout = FrameLayout()
    frame = layout.encode_text(3, "show", "请A001号")
    data = "请A001号".encode("gbk")
    body = bytes([0x03, 0x01]) + data
    assert frame == b"\xff\x68" + bytes([len(body), len(body)]) + b"\x68" + body + bytes([sum(body) % 256]) + b"\x16"
    assert frame.hex(" ") == "ff 68 0a 0a 68 03 01 c7 eb 41 30 30 31 ba c5 07 16"


def test_frame_layout_variants_round_trip() -> None:
    layout = FrameLayout(preamble=b"", length_mode="le16", length_counts="data")
    frame = layout.encode(7, 0x21, b"A012")
    assert frame[:4] == b"\x68\x04\x00\x68"
    decoder = FrameDecoder(layout)
    assert decoder.feed(b"\x00\x13" + frame[:5]) == []
    assert decoder.feed(frame[5:]) == [Frame(7, 0x21, b"A012")]


def test_decoder_drops_corrupted_frames() -> None:
    layout = FrameLayout()
    good = layout.encode(3, 1, b"X")
    bad = bytearray(good)
    bad[-2] ^= 0xFF  # wrong checksum
    decoder = FrameDecoder(layout)
    assert decoder.feed(bytes(bad) + good) == [Frame(3, 1, b"X")]
    assert decoder.bad_frames == 1


def test_framed_screen_over_pty_is_byte_exact(bus_end: SimSerialEnd, link: SerialLink) -> None:
    """GIVEN two screens on one bus WHEN window 3 calls A001 THEN only screen 3 shows it, byte for byte."""
    layout = FrameLayout()
    sim3, sim5 = SimLedScreen(bus_end, 3, layout), SimLedScreen(bus_end, 5, layout)
    bus = FramedBus(link, layout)
    screen3 = FramedLedScreen(bus, 3, 3, ScreenTexts(call="请{number}号"))
    FramedLedScreen(bus, 5, 5)
    assert screen3.show_call("A001")
    assert sim3.wait_for("请A001号")
    assert bytes(sim3.raw) == layout.encode_text(3, "show", "请A001号")
    assert sim5.shown == []


def test_line_screen_over_pty(bus_end: SimSerialEnd, link: SerialLink) -> None:
    sim = SimLineScreen(bus_end, prefix="#03")
    screen = LineLedScreen(link, 3, address=3, line_format="#{address:02d}{text}\r\n")
    screen.show_paused()
    assert sim.wait_for("3号窗口 暂停服务")
    assert bytes(sim.raw) == "#033号窗口 暂停服务\r\n".encode("gbk")


def test_full_width_punctuation_reaches_the_screens_in_gbk(bus_end: SimSerialEnd, link: SerialLink) -> None:
    """GIVEN screen texts typeset with full-width punctuation (，：（）！？；。) WHEN a call and a pause are shown
    THEN the GBK font ROM gets every mark as itself (a character GBK lacked would arrive as ``?``)."""
    texts = ScreenTexts(call="请{number}号（{window}号窗口）！", paused="{window}号窗口：暂停服务，请稍候？；。")
    layout = FrameLayout()
    sim = SimLedScreen(bus_end, 3, layout)
    screen = FramedLedScreen(FramedBus(link, layout), 3, 3, texts)
    assert screen.show_call("A001")
    assert sim.wait_for("请A001号（3号窗口）！")
    assert screen.show_paused()
    assert sim.wait_for("3号窗口：暂停服务，请稍候？；。")


def test_pulled_cable_is_recovered_and_the_call_shown_again(bus_end: SimSerialEnd, link: SerialLink) -> None:
    """GIVEN a screen showing A001 WHEN the cable is pulled, a call made, and the cable put back
    THEN the link reconnects by itself and the screen shows the latest call again."""
    sim = SimLedScreen(bus_end, 3)
    screen = FramedLedScreen(FramedBus(link, FrameLayout()), 3, 3)
    screen.show_call("A001")
    assert sim.wait_for("请A001号到3号窗口")
    bus_end.pull()
    deadline = threading.Event()
    for _ in range(100):
        if not link.connected:
            break
        deadline.wait(0.02)
    assert not link.connected
    assert screen.show_call("A002") is False, "the write fails while the cable is out"
    bus_end.plug()
    assert link.wait_connected(3)
    assert sim.wait_for("请A002号到3号窗口"), "the current call is shown again after reconnecting"
    assert link.connects == 2


def test_keypad_press_reaches_the_host_and_display_updates(bus_end: SimSerialEnd, link: SerialLink) -> None:
    """GIVEN a keypad at address 13 for window 3 WHEN 'transfer' is pressed after typing 5
    THEN the host gets KeyPress(3, transfer, 5), acks it, and the keypad display shows what the host sends."""
    layout = FrameLayout()
    sim = SimKeypad(bus_end, 13, layout)
    keypad = FramedKeypad(FramedBus(link, layout), 13, 3)
    pressed: list[KeyPress] = []
    got = threading.Event()

    def handle(press: KeyPress) -> None:
        pressed.append(press)
        keypad.acknowledge(press, ok=True)
        keypad.show("A002", 7)
        got.set()

    keypad.on_key(handle)
    sim.press("transfer", "5")
    assert got.wait(3)
    assert pressed == [KeyPress(3, "transfer", "5")]
    assert sim.wait_for_ack("transfer") is True
    assert sim.wait_for_display("A002 等7")


def test_link_to_missing_port_keeps_retrying(tmp_path: Path) -> None:
    """GIVEN a port that does not exist yet WHEN it appears THEN the link connects without being restarted."""
    link = SerialLink(str(tmp_path / "ttyLATE"), retry_s=0.05)
    link.start()
    try:
        assert not link.wait_connected(0.2)
        assert link.last_error
        end = SimSerialEnd(tmp_path / "ttyLATE")
        end.plug()
        try:
            assert link.wait_connected(3)
        finally:
            end.pull()
    finally:
        link.stop()


def test_overlong_text_is_cut_to_fit_a_frame() -> None:
    layout = FrameLayout()
    frame = layout.encode_text(1, "show", "长" * 300)
    decoded = FrameDecoder(layout).feed(frame)
    assert len(decoded) == 1 and len(decoded[0].data) == layout.max_data - 1  # 126 two-byte characters
    assert decoded[0].data.decode("gbk") == "长" * 126
