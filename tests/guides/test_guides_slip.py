"""The one-time notification slip: built from the guide's own elements, printed through the simulated ticket
printer (real python-escpos bytes, decoded back) and as the same content on the HTML page."""
from __future__ import annotations

from datetime import date

import aiohttp
import pytest

from devices.escpos_reader import read_escpos
from devices.printer.sim import SimTicketPrinter
from queue_server.guides.notice import Pick, PickError, build_slip, mask_name, slip_from_dict, slip_html
from queue_server.guides.slip_print import notification_slip_document


def _slip(demo_catalogue, **extra):
    guide = demo_catalogue.guides["bdc-002"]
    picks = [Pick("material", 4), Pick("material", 6, "wrong", "姓名与身份证不一致"), Pick("condition", 3)]
    return build_slip(guide, picks, hall_name="示范县政务服务中心", hall_phone="0394-4211234",
                      supervision_phone="0394-4212345", department="不动产登记中心", issued_on=date(2026, 11, 23),
                      number="20261123-001", applicant="欧阳小明", window=2, staff="李四", ticket="A012", **extra)


@pytest.mark.parametrize("width", [80, 58])
def test_slip_prints_every_item_on_the_ticket_printer(demo_catalogue, width):
    slip = _slip(demo_catalogue)
    printer = SimTicketPrinter(width_mm=width)
    url = "http://127.0.0.1:8080/guides/notices/abc"
    printer.print_document(notification_slip_document(slip, width_mm=width, url=url))
    printed = read_escpos(printer.jobs[-1])
    text = printed.text.replace("\n", "")
    for expected in ("一次性告知单", "编号：20261123-001", "欧**明", "[缺少] 不动产买卖合同（原件1份；买卖双方）",
                     "[有误] 结婚证（原件1份、复印件1份；婚姻登记机关）：姓名与身份证不一致",
                     "[不符合] 受理条件：房屋未被查封、未设抵押或已取得抵押权人同意",
                     "行政许可法》第三十二条", "监督电话：0394-4212345", "大厅电话：0394-4211234",
                     "2号窗口 经办人：李四", "告知日期：2026年11月23日", "申请人签收"):
        assert expected in text, expected
    assert "欧阳小明" not in text
    assert printed.qr_payloads == [url]
    assert len(printed.cuts) == 1


def test_html_and_json_carry_the_same_slip(demo_catalogue):
    slip = _slip(demo_catalogue)
    assert slip_from_dict(slip.as_dict()) == slip
    page = slip_html(slip)
    for line in slip.lines:
        assert line.text() in page
    assert "《不动产登记暂行条例》" in page and "告知日期：2026年11月23日" in page


def test_bad_picks_and_masking(demo_catalogue):
    guide = demo_catalogue.guides["bdc-002"]
    with pytest.raises(PickError) as info:
        build_slip(guide, [Pick("material", 1), Pick("material", 1)], hall_name="h", hall_phone="", supervision_phone="",
                   department="", issued_on=date(2026, 1, 5))
    assert info.value.field == "picks[1]"
    with pytest.raises(PickError):
        build_slip(guide, [Pick("form", 1)], hall_name="h", hall_phone="", supervision_phone="", department="",
                   issued_on=date(2026, 1, 5))
    assert [mask_name(n) for n in ("张三", "张小三", "欧阳小明", "王", "")] == ["张*", "张*三", "欧**明", "王", ""]


async def test_recorded_slip_prints_from_the_api_answer(server):
    async with aiohttp.ClientSession() as s:
        async with s.post(f"{server.url}/api/guides/hj-005/notices", headers=server.auth("admin"),
                          json={"picks": [{"kind": "material", "index": 1}], "window": 14}) as r:
            assert r.status == 201
            created = await r.json()
        async with s.get(f"{server.url}/api/guides/notices/{created['token']}") as r:
            fetched = await r.json()
        async with s.get(f"{server.url}/api/guides/notices/nope") as r:
            assert r.status == 404
    assert fetched["lines"] == created["lines"] and fetched["number"] == created["number"]
    printer = SimTicketPrinter()
    printer.print_document(notification_slip_document(slip_from_dict(fetched), url=server.url + fetched["html_url"]))
    printed = read_escpos(printer.jobs[-1])
    assert "[缺少] 出生医学证明（原件1份、复印件1份；助产医疗机构）" in printed.text.replace("\n", "")
    assert "14号窗口" in printed.text
