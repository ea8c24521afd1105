"""The one-time notification slip laid out for the ticket printer (devices issue's `PrintDocument`).

Same content as the HTML page, in receipt form: title, number, the applicant, every missing or wrong item,
the legal basis, the phones, hall, window, staff and date, a signature line, and a QR code of the slip's page
so the citizen keeps the full text on the phone.  A client prints it with
`printer.print_document(notification_slip_document(slip_from_dict(api_json), url=...))`.
"""
from __future__ import annotations

from devices.printer.document import PAPER_WIDTHS_MM, QR, Block, Feed, Line, PrintDocument, Rule
from queue_server.guides.notice import NotificationSlip, date_text


def notification_slip_document(slip: NotificationSlip, width_mm: int = 80, url: str | None = None) -> PrintDocument:
    """Lay out a slip for a 58 or 80 mm ticket printer.

    :param slip: the slip (e.g. `slip_from_dict` of `POST /api/guides/{code}/notices`'s answer)
    :param width_mm: paper width
    :param url: the slip's public page, printed as a QR code (omitted when None)
    """
    if width_mm not in PAPER_WIDTHS_MM:
        raise ValueError(f"paper width must be one of {PAPER_WIDTHS_MM} mm, not {width_mm}")
    blocks: list[Block] = [
        Line(slip.hall_name, bold=True, align="center"),
        Line("一次性告知单", size="large", bold=True, align="center"),
    ]
    if slip.number:
        blocks.append(Line(f"编号：{slip.number}", align="center"))
    blocks += [Rule(), Line(f"{slip.applicant or '申请人'}："),
               Line(f"您申请办理的“{slip.guide_name}”事项，尚需补正以下全部内容：")]
    blocks += [Line(f"{n}. {line.text()}", bold=True)
               for n, line in enumerate(slip.lines, start=1)]
    blocks += [Line("请一次性补齐后再来办理。"), Rule(), Line("依据：" + "；".join(slip.basis)),
               Line(f"咨询电话：{slip.consult_phone}"), Line(f"大厅电话：{slip.hall_phone}"),
               Line(f"监督电话：{slip.supervision_phone}"), Rule()]
    where = slip.hall_name + (f" {slip.window}号窗口" if slip.window else "")
    blocks.append(Line(where + (f" 经办人：{slip.staff}" if slip.staff else "")))
    if slip.ticket:
        blocks.append(Line(f"排队号：{slip.ticket}"))
    blocks.append(Line(f"告知日期：{date_text(slip.issued_on)}"))
    blocks += [Feed(1), Line("申请人签收：____________"), Feed(1)]
    if url:
        blocks += [QR(url, size=5 if width_mm == 58 else 6), Line("扫码查看告知单全文", align="center")]
    return PrintDocument(blocks=blocks, cut=True)
