"""The framed protocol family of Chinese caller hardware (LED window screens, caller keypads).

A frame is ``[preamble] 0x68 LEN LEN 0x68 ADDR FUNC DATA… CS 0x16`` where ``CS`` is the sum of the bytes from
ADDR to the end of DATA modulo 256. Vendors differ in details, so the layout is configurable
(``[devices.frames]`` in the hall's config): the preamble (usually ``0xFF``, a wake-up byte for RS-485
transceivers), whether the two length bytes repeat one length (the M-Bus style, default) or hold a 16-bit
little-endian length, whether the length counts ADDR+FUNC+DATA (default) or DATA only, the function codes, and
the text encoding. Text is GBK, as the screens' font ROMs expect.
"""
from __future__ import annotations

from dataclasses import dataclass, field

START = 0x68
END = 0x16

DEFAULT_FUNCTIONS: dict[str, int] = {
    "show": 0x01,          # host → screen: show this text (a call)
    "text": 0x02,          # host → screen: show this idle or status text
    "clear": 0x03,         # host → screen: blank
    "keypad_display": 0x21,  # host → keypad: text for its small display
    "key": 0x31,           # keypad → host: a key was pressed (DATA = key code [+ ASCII argument])
    "ack": 0x06,           # host → keypad: key received (DATA = key code)
    "nak": 0x15,           # host → keypad: key refused (DATA = key code)
}


@dataclass(frozen=True)
class Frame:
    """One decoded frame.

    :param address: the device's bus address (0-255; one per window)
    :param func: the function code
    :param data: the payload
    """

    address: int
    func: int
    data: bytes = b""


@dataclass(frozen=True)
class FrameLayout:
    """How a vendor's frames are laid out.

    :param preamble: bytes sent before each frame (``b"\\xff"``)
    :param length_mode: ``repeat`` (LEN LEN = the same byte twice) or ``le16`` (low byte, high byte)
    :param length_counts: ``addr_func_data`` or ``data``
    :param functions: function code by name (see :data:`DEFAULT_FUNCTIONS`)
    :param encoding: text encoding of DATA
    """

    preamble: bytes = b"\xff"
    length_mode: str = "repeat"
    length_counts: str = "addr_func_data"
    functions: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_FUNCTIONS))
    encoding: str = "gbk"

    def __post_init__(self) -> None:
        if self.length_mode not in ("repeat", "le16"):
            raise ValueError("length_mode must be 'repeat' or 'le16'")
        if self.length_counts not in ("addr_func_data", "data"):
            raise ValueError("length_counts must be 'addr_func_data' or 'data'")
        missing = set(DEFAULT_FUNCTIONS) - set(self.functions)
        if missing:
            raise ValueError(f"function codes missing: {sorted(missing)}")

    def func(self, name: str) -> int:
        """The code of function ``name``."""
        return self.functions[name]

    def encode(self, address: int, func: int, data: bytes = b"") -> bytes:
        """Build the bytes of one frame."""
        if not 0 <= address <= 255 or not 0 <= func <= 255:
            raise ValueError("address and function code must be 0-255")
        length = len(data) + (2 if self.length_counts == "addr_func_data" else 0)
        if self.length_mode == "repeat":
            if length > 255:
                raise ValueError(f"frame data too long ({len(data)} bytes)")
            len_bytes = bytes([length, length])
        else:
            len_bytes = length.to_bytes(2, "little")
        body = bytes([address, func]) + data
        return self.preamble + bytes([START]) + len_bytes + bytes([START]) + body + bytes([sum(body) % 256, END])

    @property
    def max_data(self) -> int:
        """The most DATA bytes a frame can carry."""
        limit = 255 if self.length_mode == "repeat" else 65535
        return limit - (2 if self.length_counts == "addr_func_data" else 0)

    def encode_text(self, address: int, func_name: str, text: str) -> bytes:
        """A frame carrying ``text`` (encoded, unencodable characters as ``?``, cut to what a frame holds)."""
        data = text.encode(self.encoding, errors="replace")
        while len(data) > self.max_data:
            text = text[:-1]
            data = text.encode(self.encoding, errors="replace")
        return self.encode(address, self.func(func_name), data)


class FrameDecoder:
    """Splits a byte stream into frames, skipping noise and frames with a bad checksum.

    :param layout: the vendor layout
    """

    def __init__(self, layout: FrameLayout) -> None:
        self.layout = layout
        self.buffer = bytearray()
        self.bad_frames = 0

    def feed(self, chunk: bytes) -> list[Frame]:
        """Add bytes; return the complete frames found so far."""
        self.buffer.extend(chunk)
        frames: list[Frame] = []
        buf = self.buffer
        while True:
            start = buf.find(bytes([START]))
            if start < 0:
                buf.clear()
                break
            if start:
                del buf[:start]
            if len(buf) < 4:
                break
            if self.layout.length_mode == "repeat":
                if buf[1] != buf[2]:
                    del buf[:1]
                    continue
                length = buf[1]
            else:
                length = buf[1] | (buf[2] << 8)
            if buf[3] != START:
                del buf[:1]
                continue
            body_len = length if self.layout.length_counts == "addr_func_data" else length + 2
            total = 4 + body_len + 2
            if body_len < 2:
                del buf[:1]
                continue
            if len(buf) < total:
                break
            body = bytes(buf[4:4 + body_len])
            checksum, end = buf[4 + body_len], buf[5 + body_len]
            if end != END or checksum != sum(body) % 256:
                self.bad_frames += 1
                del buf[:1]
                continue
            frames.append(Frame(body[0], body[1], body[2:]))
            del buf[:total]
        return frames
