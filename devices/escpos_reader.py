"""Read ESC/POS bytes back: text lines, raster images, QR payloads, cuts, and a PNG preview.

It decodes the commands govhall emits (and the common fixed-length ones around them), so tests check a
printed ticket by what it says rather than by exact bytes, and the simulated printer can save a picture of
each job. An unknown command raises :class:`EscposDecodeError` instead of being skipped silently: a test
should notice when the printer would receive something we did not mean to send.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

import qrcode
from PIL import Image, ImageDraw

ESC, FS, GS, DLE = 0x1B, 0x1C, 0x1D, 0x10
#: ESC commands with a fixed number of argument bytes
_ESC_ARGS = {ord(c): n for c, n in {
    "@": 0, "2": 0, "!": 1, "E": 1, "a": 1, "d": 1, "J": 1, "-": 1, "M": 1, "t": 1, "G": 1, "V": 1,
    "{": 1, "R": 1, "3": 1, "r": 1, "U": 1, "p": 3, "c": 2, " ": 1, "$": 2, "\\": 2, "=": 1, "e": 1,
}.items()}
_FS_ARGS = {ord(c): n for c, n in {"&": 0, ".": 0, "!": 1, "W": 1, "C": 1, "-": 1, "S": 2}.items()}
_GS_ARGS = {ord(c): n for c, n in {
    "!": 1, "B": 1, "H": 1, "h": 1, "w": 1, "f": 1, "L": 2, "W": 2, "a": 1, "r": 1, "I": 1, "b": 1,
    "P": 2, "$": 2, "\\": 2, "^": 3,
}.items()}


class EscposDecodeError(ValueError):
    """The bytes hold a command the reader does not know, or end inside a command."""


@dataclass
class TextLine:
    """A printed line of text.

    :param text: the decoded text
    :param width: character width magnification (1 = normal)
    :param height: character height magnification
    :param bold: emphasised
    :param align: ``left``, ``center`` or ``right``
    """

    text: str
    width: int = 1
    height: int = 1
    bold: bool = False
    align: str = "left"


@dataclass
class RasterImage:
    """A printed raster image (``GS v 0``, ``GS ( L`` or ``ESC *``), 1 = black in mode ``1`` terms inverted."""

    image: Image.Image
    align: str = "left"


@dataclass
class QRCode:
    """A QR code the printer draws itself (``GS ( k``)."""

    payload: str
    size: int = 3


@dataclass
class Cut:
    """A paper cut."""

    partial: bool


Item = Union[TextLine, RasterImage, QRCode, Cut]


@dataclass
class EscposDocument:
    """What the bytes print, top to bottom."""

    items: list[Item] = field(default_factory=list)
    chinese_mode: bool = False

    @property
    def lines(self) -> list[str]:
        """The text of every printed line (blank feeds included as ``""``)."""
        return [i.text for i in self.items if isinstance(i, TextLine)]

    @property
    def text(self) -> str:
        """All text, one line per printed line."""
        return "\n".join(self.lines)

    @property
    def images(self) -> list[Image.Image]:
        """The raster images, in order."""
        return [i.image for i in self.items if isinstance(i, RasterImage)]

    @property
    def qr_payloads(self) -> list[str]:
        """Payloads of native QR codes, in order (see :meth:`scan_images` for raster ones)."""
        return [i.payload for i in self.items if isinstance(i, QRCode)]

    @property
    def cuts(self) -> list[Cut]:
        """The cuts, in order."""
        return [i for i in self.items if isinstance(i, Cut)]

    def scan_images(self) -> list[str]:
        """QR payloads found in the raster images (needs ``pyzbar`` and the zbar library)."""
        from pyzbar import pyzbar

        found: list[str] = []
        for img in self.images:
            framed = Image.new("L", (img.width + 40, img.height + 40), 255)
            framed.paste(img.convert("L"), (20, 20))
            found.extend(sym.data.decode("utf-8") for sym in pyzbar.decode(framed))
        return found

    def preview(self, width_dots: int | None = None) -> Image.Image:
        """Draw the printout as a greyscale image, as the paper would look.

        :param width_dots: paper width in dots (default: 576, or the widest image)
        """
        from devices.printer.render import LINE_DOTS, _font

        width = max([width_dots or 576] + [img.width for img in self.images])
        parts: list[Image.Image] = []
        for item in self.items:
            if isinstance(item, TextLine):
                px = LINE_DOTS * item.height
                part = Image.new("L", (width, int(px * 1.35)), 255)
                if item.text:
                    draw = ImageDraw.Draw(part)
                    font = _font(item.bold, px)
                    left, _t, right, _b = draw.textbbox((0, 0), item.text, font=font)
                    text_w = (right - left) * item.width // item.height
                    x = {"center": (width - text_w) // 2, "right": width - text_w}.get(item.align, 0)
                    if item.width != item.height:
                        stretched = Image.new("L", (right - left + 2, part.height), 255)
                        ImageDraw.Draw(stretched).text((-left, 0), item.text, font=font, fill=0)
                        stretched = stretched.resize((max(1, text_w), part.height))
                        part.paste(stretched, (max(0, x), 0))
                    else:
                        draw.text((max(0, x) - left, 0), item.text, font=font, fill=0)
                parts.append(part)
            elif isinstance(item, RasterImage):
                part = Image.new("L", (width, item.image.height), 255)
                x = (width - item.image.width) // 2 if item.align == "center" else 0
                part.paste(item.image.convert("L"), (x, 0))
                parts.append(part)
            elif isinstance(item, QRCode):
                code = qrcode.QRCode(box_size=item.size, border=1)
                code.add_data(item.payload)
                code.make(fit=True)
                img = code.make_image().get_image().convert("L")
                part = Image.new("L", (width, img.height), 255)
                part.paste(img, ((width - img.width) // 2, 0))
                parts.append(part)
            else:
                part = Image.new("L", (width, 12), 255)
                ImageDraw.Draw(part).line([(0, 6), (width, 6)], fill=128 if item.partial else 0, width=2)
                parts.append(part)
        page = Image.new("L", (width, max(1, sum(p.height for p in parts))), 255)
        y = 0
        for part in parts:
            page.paste(part, (0, y))
            y += part.height
        return page


def _raster(width_bytes: int, height: int, data: bytes) -> Image.Image:
    """Bits (1 = black, MSB first, rows of ``width_bytes``) as a mode ``1`` image (white background)."""
    inverted = bytes(b ^ 0xFF for b in data)
    return Image.frombytes("1", (width_bytes * 8, height), inverted)


class _Reader:
    def __init__(self, data: bytes, encoding: str) -> None:
        self.data = data
        self.encoding = encoding
        self.pos = 0
        self.doc = EscposDocument()
        self.pending = bytearray()
        self.qr_payload: bytes = b""
        self.qr_size = 3
        self.graphics: Image.Image | None = None
        self.reset()

    def reset(self) -> None:
        self.width = self.height = 1
        self.bold = False
        self.align = "left"

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise EscposDecodeError(f"bytes end inside a command at offset {self.pos}")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def flush(self, force: bool = False) -> None:
        if self.pending or force:
            text = bytes(self.pending).decode(self.encoding if self.doc.chinese_mode else "cp437",
                                              errors="replace")
            self.doc.items.append(TextLine(text, self.width, self.height, self.bold, self.align))
            self.pending.clear()

    def run(self) -> EscposDocument:
        while self.pos < len(self.data):
            b = self.take(1)[0]
            if b == 0x0A:
                self.flush(force=True)
            elif b == 0x0D:
                continue
            elif b == ESC:
                self.esc()
            elif b == FS:
                self.fs()
            elif b == GS:
                self.gs()
            elif b == DLE:
                cmd = self.take(1)[0]
                self.take(1 if cmd == 0x04 else 2)
            elif b < 0x20 and b not in (0x09,):
                raise EscposDecodeError(f"unknown control byte 0x{b:02x} at offset {self.pos - 1}")
            else:
                self.pending.append(b)
        self.flush()
        return self.doc

    def esc(self) -> None:
        cmd = self.take(1)[0]
        if cmd == ord("*"):
            m, lo, hi = self.take(3)
            columns = lo + 256 * hi
            self.flush()
            self.take(columns * (3 if m in (32, 33) else 1))
            return
        if cmd not in _ESC_ARGS:
            raise EscposDecodeError(f"unknown command ESC 0x{cmd:02x} at offset {self.pos - 2}")
        args = self.take(_ESC_ARGS[cmd])
        if cmd == ord("@"):
            self.flush()
            self.reset()
        elif cmd == ord("!"):
            self.bold = bool(args[0] & 0x08)
            self.height = 2 if args[0] & 0x10 else 1
            self.width = 2 if args[0] & 0x20 else 1
        elif cmd == ord("E"):
            self.bold = bool(args[0] & 1)
        elif cmd == ord("a"):
            self.align = {0: "left", 1: "center", 2: "right"}.get(args[0] % 48, "left")
        elif cmd == ord("d"):
            self.flush()
            for _ in range(args[0]):
                self.flush(force=True)

    def fs(self) -> None:
        cmd = self.take(1)[0]
        if cmd not in _FS_ARGS:
            raise EscposDecodeError(f"unknown command FS 0x{cmd:02x} at offset {self.pos - 2}")
        self.take(_FS_ARGS[cmd])
        if cmd == ord("&"):
            self.doc.chinese_mode = True
        elif cmd == ord("."):
            self.doc.chinese_mode = False

    def gs(self) -> None:
        cmd = self.take(1)[0]
        if cmd == ord("V"):
            m = self.take(1)[0]
            if m in (65, 66):
                self.take(1)
            self.flush()
            self.doc.items.append(Cut(partial=m in (1, 49, 66)))
        elif cmd == ord("v"):
            _zero, _mode, xl, xh, yl, yh = self.take(6)
            width_bytes, height = xl + 256 * xh, yl + 256 * yh
            self.flush()
            img = _raster(width_bytes, height, self.take(width_bytes * height))
            self.doc.items.append(RasterImage(img, self.align))
        elif cmd == ord("("):
            fn_class, lo, hi = self.take(3)
            body = self.take(lo + 256 * hi)
            if fn_class == ord("k"):
                self.qr(body)
            elif fn_class == ord("L"):
                self.graphics_command(body)
        elif cmd == ord("k"):
            m = self.take(1)[0]
            if m <= 6:
                while self.take(1) != b"\x00":
                    pass
            else:
                self.take(self.take(1)[0])
        elif cmd in _GS_ARGS:
            args = self.take(_GS_ARGS[cmd])
            if cmd == ord("!"):
                self.width = (args[0] >> 4) + 1
                self.height = (args[0] & 0x0F) + 1
        else:
            raise EscposDecodeError(f"unknown command GS 0x{cmd:02x} at offset {self.pos - 2}")

    def qr(self, body: bytes) -> None:
        cn, fn = body[0], body[1]
        if cn != ord("1"):
            return  # another 2D symbology (PDF417 …)
        if fn == ord("C"):
            self.qr_size = body[2]
        elif fn == ord("P"):
            self.qr_payload = body[3:]
        elif fn == ord("Q"):
            self.flush()
            self.doc.items.append(QRCode(self.qr_payload.decode("utf-8", errors="replace"), self.qr_size))

    def graphics_command(self, body: bytes) -> None:
        fn = body[1]
        if fn == ord("p"):  # m fn a bx by c xL xH yL yH data
            width = body[6] + 256 * body[7]
            height = body[8] + 256 * body[9]
            self.graphics = _raster((width + 7) // 8, height, body[10:])
        elif fn == ord("2") and self.graphics is not None:
            self.flush()
            self.doc.items.append(RasterImage(self.graphics, self.align))
            self.graphics = None


def read_escpos(data: bytes, encoding: str = "gbk") -> EscposDocument:
    """Decode ESC/POS ``data``.

    :param data: the bytes sent to the printer
    :param encoding: how to read text while the printer is in Chinese mode (``FS &``)
    :raises EscposDecodeError: an unknown command or truncated bytes
    """
    return _Reader(data, encoding).run()
