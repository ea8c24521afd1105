"""Render a :class:`PrintDocument` as ESC/POS through python-escpos.

Every printer (the real one and the simulator) renders through :func:`render_document` into an
``escpos`` printer object, so what the tests decode is what the hall prints.

Chinese, per TECH-NOTES: after ``ESC @`` we send ``FS &`` (Chinese character mode) once, then write text
as GBK bytes through the printer's raw output (python-escpos' ``text()`` would turn full-width signs and
rare characters into ``?``). A line holding any character the encoding lacks (㑇, emoji, rare name
characters) is drawn with the shipped Noto Sans SC font by Pillow and printed as a raster image instead.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

import qrcode
from escpos.escpos import Escpos
from PIL import Image, ImageDraw, ImageFont

from devices.printer.document import QR, Feed, Line, PrintDocument, Rule

FONT_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"
FONT_REGULAR = FONT_DIR / "NotoSansSC-Regular.otf"
FONT_BOLD = FONT_DIR / "NotoSansSC-Bold.otf"

ESC_INIT = b"\x1b@"
FS_CHINESE_ON = b"\x1c&"
#: dots across the printable width of common thermal heads (203 dpi)
PAPER_DOTS = {58: 384, 80: 576}
#: font A is 12 dots wide per half-width column, 24 dots high
COLUMN_DOTS = 12
LINE_DOTS = 24
#: character magnification (GS ! n) per line size and paper width
MAGNIFICATION = {
    58: {"normal": 1, "large": 2, "huge": 3},
    80: {"normal": 1, "large": 2, "huge": 4},
}


def char_columns(ch: str) -> int:
    """How many half-width columns a character takes on the printer (CJK and full-width take two)."""
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_columns(text: str) -> int:
    """How many half-width columns ``text`` takes."""
    return sum(char_columns(ch) for ch in text)


def wrap(text: str, columns: int) -> list[str]:
    """Break ``text`` into pieces no wider than ``columns`` (character-wise, as Chinese text wraps).

    :param text: one paragraph (newlines start new pieces)
    :param columns: the width in half-width columns, at least 2
    """
    pieces: list[str] = []
    for paragraph in text.split("\n"):
        current, used = "", 0
        for ch in paragraph:
            w = char_columns(ch)
            if used + w > columns and current:
                pieces.append(current)
                current, used = "", 0
            current += ch
            used += w
        pieces.append(current)
    return pieces


def encodable(text: str, encoding: str) -> bool:
    """Whether the printer's encoding can carry every character of ``text``."""
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


@lru_cache(maxsize=16)
def _font(bold: bool, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_BOLD if bold else FONT_REGULAR), px)


def text_image(text: str, *, width_dots: int, magnification: int, bold: bool, align: str) -> Image.Image:
    """Draw one line of text the way the printer would lay it out, as a 1-bit image of the paper width.

    :param text: the text (any Unicode the shipped font covers)
    :param width_dots: the paper's printable width in dots
    :param magnification: the character magnification (1 = 24-dot characters)
    :param bold: draw with the bold face
    :param align: ``left`` or ``center``
    """
    px = LINE_DOTS * magnification
    font = _font(bold, px)
    height = int(px * 1.35)
    img = Image.new("1", (width_dots, height), 1)
    draw = ImageDraw.Draw(img)
    left, _top, right, _bottom = draw.textbbox((0, 0), text, font=font)
    x = max(0, (width_dots - (right - left)) // 2) if align == "center" else 0
    draw.text((x - left, 0), text, font=font, fill=0)
    return img


def qr_image(data: str, size: int, width_dots: int) -> Image.Image:
    """A QR code as a 1-bit image, centred on the paper width (for printers without native QR)."""
    # A fixed mask pattern skips qrcode's evaluation of all eight (5 of its 6 ms per ticket); any mask is valid
    # and scans fine, the search only lowers a readability penalty score.
    code = qrcode.QRCode(box_size=size, border=2, error_correction=qrcode.constants.ERROR_CORRECT_M,
                         mask_pattern=2)
    code.add_data(data)
    code.make(fit=True)
    img = code.make_image().get_image().convert("1")
    if img.width > width_dots:
        img = img.resize((width_dots, width_dots))
    page = Image.new("1", (width_dots, img.height), 1)
    page.paste(img, ((width_dots - img.width) // 2, 0))
    return page


def render_document(
    printer: Escpos,
    doc: PrintDocument,
    *,
    width_mm: int = 80,
    encoding: str = "gbk",
    native_qr: bool = True,
    cutter: bool = True,
) -> None:
    """Write ``doc`` to ``printer`` as ESC/POS.

    :param printer: any python-escpos printer (``Dummy`` to collect the bytes)
    :param doc: what to print
    :param width_mm: paper width, 58 or 80
    :param encoding: the printer's Chinese encoding (``gbk`` or ``gb18030``)
    :param native_qr: send ``GS ( k`` (the printer draws the code); otherwise a raster image
    :param cutter: the printer has a cutter (partial cut); otherwise feed the paper out
    """
    if width_mm not in PAPER_DOTS:
        raise ValueError(f"paper width must be one of {sorted(PAPER_DOTS)} mm, not {width_mm}")
    dots = PAPER_DOTS[width_mm]
    columns = dots // COLUMN_DOTS
    raw = printer._raw
    raw(ESC_INIT + FS_CHINESE_ON)
    for block in doc.blocks:
        if isinstance(block, Line):
            mag = MAGNIFICATION[width_mm][block.size]
            printer.set(align=block.align, bold=block.bold, custom_size=True, width=mag, height=mag)
            for piece in wrap(block.text, max(2, columns // mag)):
                if encodable(piece, encoding):
                    raw(piece.encode(encoding) + b"\n")
                else:
                    img = text_image(piece, width_dots=dots, magnification=mag, bold=block.bold,
                                     align=block.align)
                    printer.set(align="left")
                    printer.image(img)
                    printer.set(align=block.align)
        elif isinstance(block, QR):
            printer.set(align="center", bold=False, custom_size=True, width=1, height=1)
            if native_qr:
                printer.qr(block.data, size=block.size, native=True)
                raw(b"\n")
            else:
                printer.set(align="left")
                printer.image(qr_image(block.data, block.size, dots))
        elif isinstance(block, Rule):
            printer.set(align="left", bold=False, custom_size=True, width=1, height=1)
            raw(b"-" * columns + b"\n")
        elif isinstance(block, Feed):
            raw(b"\x1bd" + bytes([max(0, min(255, block.lines))]))
        else:
            raise TypeError(f"not a print block: {block!r}")
    printer.set(align="left", bold=False, custom_size=True, width=1, height=1)
    if doc.cut:
        raw(b"\x1bd\x04")
        if cutter:
            raw(b"\x1dV\x01")  # GS V 1: partial cut
        else:
            raw(b"\x1bd\x02")
