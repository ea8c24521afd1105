"""What a printout says, independent of the printer: blocks of lines, QR codes, rules and feeds.

A :class:`PrintDocument` is the one layout model every printout uses: the queue ticket
(:func:`ticket_document`), the one-time notification slip (一次性告知单) of the guides area, test pages.
The ESC/POS renderer (``devices.printer.render``) turns it into printer bytes; nothing here knows about
ESC/POS, paper widths in dots or encodings.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Literal, Union

Size = Literal["normal", "large", "huge"]
Align = Literal["left", "center"]

SIZES: tuple[str, ...] = ("normal", "large", "huge")
ALIGNS: tuple[str, ...] = ("left", "center")
PAPER_WIDTHS_MM: tuple[int, ...] = (58, 80)


@dataclass(frozen=True)
class Line:
    """One paragraph of text; the renderer wraps it to the paper width.

    :param text: the text, Chinese or not
    :param size: ``normal``, ``large`` (double) or ``huge`` (the ticket number)
    :param bold: emphasised
    :param align: ``left`` or ``center``
    """

    text: str
    size: Size = "normal"
    bold: bool = False
    align: Align = "left"

    def __post_init__(self) -> None:
        if self.size not in SIZES:
            raise ValueError(f"Line.size must be one of {SIZES}, not {self.size!r}")
        if self.align not in ALIGNS:
            raise ValueError(f"Line.align must be one of {ALIGNS}, not {self.align!r}")


@dataclass(frozen=True)
class QR:
    """A QR code, printed centred.

    :param data: the payload (usually a URL)
    :param size: module size in dots, 1-16
    """

    data: str
    size: int = 6

    def __post_init__(self) -> None:
        if not 1 <= self.size <= 16:
            raise ValueError(f"QR.size must be 1-16, not {self.size}")


@dataclass(frozen=True)
class Rule:
    """A separator line across the paper."""


@dataclass(frozen=True)
class Feed:
    """Blank paper.

    :param lines: how many empty lines
    """

    lines: int = 1


Block = Union[Line, QR, Rule, Feed]


@dataclass
class PrintDocument:
    """A whole printout.

    :param blocks: the blocks, top to bottom
    :param cut: cut the paper after it (a partial cut where the printer has a cutter)
    """

    blocks: list[Block] = field(default_factory=list)
    cut: bool = True

    def text(self) -> list[str]:
        """The text of the document's lines, in order (for logs and tests)."""
        return [b.text for b in self.blocks if isinstance(b, Line)]


@dataclass(frozen=True)
class TicketPrint:
    """Everything a queue ticket shows.

    :param hall_name: the hall's name, printed on top
    :param service_name: the service (业务) the ticket is for
    :param number: the ticket number, e.g. ``A001``
    :param ahead: how many wait ahead of it
    :param estimated_wait_min: estimated wait in minutes, or None when unknown
    :param issued_at: when it was issued (aware datetime)
    :param tz: the hall's time zone, used to print ``issued_at``
    :param status_url: the ticket's public status page, printed as a QR code
    :param notice: the hall's notice lines (e.g. 过号无效，请重新取号)
    :param priority_label: the priority category's name (绿色通道), if any
    :param window_hint: where to go, e.g. ``3号、5号窗口``, if known
    """

    hall_name: str
    service_name: str
    number: str
    ahead: int
    estimated_wait_min: int | None
    issued_at: datetime
    tz: tzinfo
    status_url: str
    notice: list[str] = field(default_factory=list)
    priority_label: str | None = None
    window_hint: str | None = None

    def __post_init__(self) -> None:
        if self.issued_at.tzinfo is None:
            raise ValueError("TicketPrint.issued_at must be timezone-aware")


def queue_position_lines(ahead: int, estimated_wait_min: int | None) -> list[str]:
    """How a ticket tells the citizen where they stand, the same on paper and on the kiosk's screen.

    Nobody ahead reads 前面没有人等候 (not "前面还有0人"), and an estimate under a minute reads 不到1分钟
    (not "约0分钟").

    :param ahead: people waiting before this ticket
    :param estimated_wait_min: the server's estimate in minutes, or ``None`` when it has none
    """
    lines = ["前面没有人等候" if ahead <= 0 else f"前面还有{ahead}人等候"]
    if estimated_wait_min is not None:
        lines.append("预计等候不到1分钟" if estimated_wait_min < 1 else f"预计等候约{estimated_wait_min}分钟")
    return lines


def ticket_document(t: TicketPrint, width_mm: int = 80) -> PrintDocument:
    """Lay out a queue ticket.

    :param t: what the ticket says
    :param width_mm: paper width, 58 or 80 (narrow paper gets a smaller hall name and QR code)
    :returns: the document, ending in a cut
    """
    if width_mm not in PAPER_WIDTHS_MM:
        raise ValueError(f"paper width must be one of {PAPER_WIDTHS_MM} mm, not {width_mm}")
    narrow = width_mm == 58
    local = t.issued_at.astimezone(t.tz)
    blocks: list[Block] = [
        Line(t.hall_name, size="normal" if narrow else "large", bold=True, align="center"),
        Rule(),
        Line(t.service_name, size="large" if not narrow else "normal", align="center"),
        Line(t.number, size="huge", bold=True, align="center"),
    ]
    if t.priority_label:
        blocks.append(Line(f"【{t.priority_label}】", bold=True, align="center"))
    blocks += [Line(text, align="center") for text in queue_position_lines(t.ahead, t.estimated_wait_min)]
    if t.window_hint:
        blocks.append(Line(f"办理窗口：{t.window_hint}", align="center"))
    blocks.append(Line(f"取号时间：{local:%Y-%m-%d %H:%M:%S}", align="center"))
    blocks.append(QR(t.status_url, size=5 if narrow else 6))
    blocks.append(Line("扫码查看进度、评价服务", align="center"))
    if t.notice:
        blocks.append(Rule())
        blocks.extend(Line(text) for text in t.notice)
    return PrintDocument(blocks=blocks, cut=True)
