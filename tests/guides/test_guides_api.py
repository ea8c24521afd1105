"""The guide routes on the real server (loopback port, SQLite file): search, whole guide, departments, bundles,
notification slips recorded by staff and printable as HTML, and a catalogue re-imported by another process."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import aiohttp

from queue_server.app import open_database
from queue_server.guides.exchange import excel_bytes, json_text, write_catalogue
from queue_server.guides.store import catalogue_revision, load_catalogue, replace_catalogue

ROOT = Path(__file__).resolve().parents[2]


async def test_search_contract(server):
    async with aiohttp.ClientSession() as s:
        async with s.get(f"{server.url}/api/guides", params={"q": "bdcdj"}) as r:
            assert r.status == 200
            hits = await r.json()
        assert hits[0] == {"code": "bdc-005", "name": "不动产登记资料查询", "department": "bdc",
                           "department_name": "不动产登记中心", "service": "bdc_query",
                           "promised_days": 0}
        async with s.get(f"{server.url}/api/guides", params={"q": "jiehun", "department": "mzj"}) as r:
            found = await r.json()
        assert {h["department"] for h in found} == {"mzj"}
        assert [h["code"] for h in found[:2]] == ["mzj-001", "mzj-003"]
        async with s.get(f"{server.url}/api/guides", params={"department": "crj"}) as r:
            assert len(await r.json()) == 6
        async with s.get(f"{server.url}/api/guides", params={"q": ""}) as r:  # the kiosk's browse: every guide
            assert len(await r.json()) == 97
        async with s.get(f"{server.url}/api/guides", params={"limit": "5"}) as r:
            assert [h["code"] for h in await r.json()] == ["bdc-001", "bdc-002", "bdc-003", "bdc-004", "bdc-005"]
        async with s.get(f"{server.url}/api/guides", params={"q": "hz", "limit": "0"}) as r:
            assert r.status == 422 and (await r.json())["error"] == "invalid"
        async with s.get(f"{server.url}/api/guides", params={"q": "办" * 65}) as r:
            body = await r.json()
            assert r.status == 422 and body["field"] == "q" and body["message"].startswith("检索词：")
        async with s.get(f"{server.url}/api/guides", params={"department": "nope"}) as r:
            body = await r.json()
            assert r.status == 422 and body["field"] == "department" and body["message"] == "没有编码为 nope 的部门"


async def test_whole_guide_departments_and_bundles(server):
    async with aiohttp.ClientSession() as s:
        async with s.get(f"{server.url}/api/guides/bdc-002") as r:
            guide = await r.json()
        assert guide["materials"][2] == {"name": "不动产权证书", "issuer": "不动产登记机构", "originals": 1,
                                         "copies": 0, "required": True, "format": "纸质", "note": ""}
        assert guide["legal_days"] == 30 and guide["promised_days"] == 3
        async with s.get(f"{server.url}/api/guides/no-such") as r:
            assert r.status == 404 and (await r.json())["error"] == "not_found"
        async with s.get(f"{server.url}/api/guides/departments") as r:
            departments = await r.json()
        assert len(departments) == 12 and sum(d["count"] for d in departments) == 97
        async with s.get(f"{server.url}/api/guides/bundles") as r:
            assert [b["code"] for b in await r.json()][:2] == ["yjs-001", "yjs-002"]
        async with s.get(f"{server.url}/api/guides/bundles/yjs-002") as r:
            bundle = await r.json()
        ids = [m for m in bundle["materials"] if m["name"] == "居民身份证"]
        assert len(ids) == 1 and ids[0]["used_by"] == ["ybj-001", "rsj-004"]
        assert bundle["promised_days"] == 0 and "新生儿姓名" in bundle["form_fields"]
        async with s.get(f"{server.url}/guides/bdc-002") as r:
            page = await r.text()
        assert "存量房转移登记" in page and "不动产权证书" in page and "0394-4212345" in page


async def test_notification_slip(server):
    staff = server.auth("staff", 2)
    picks = {"picks": [{"kind": "material", "index": 4, "problem": "missing"},
                       {"kind": "material", "index": 6, "problem": "wrong", "note": "结婚证姓名与身份证不一致"},
                       {"kind": "condition", "index": 2}],
             "applicant": "张小三", "ticket": "A012"}
    async with aiohttp.ClientSession() as s:
        url = f"{server.url}/api/guides/bdc-002/notices"
        async with s.post(url, json=picks) as r:
            assert r.status == 401
        async with s.post(url, json=picks, headers=server.auth("kiosk")) as r:
            assert r.status == 403
        async with s.post(url, json={"picks": [{"kind": "material", "index": 99}]}, headers=staff) as r:
            body = await r.json()
            assert r.status == 422 and body["field"] == "picks[0].index" and body["message"] == "该事项没有第 99 项材料"
        async with s.post(url, json={"picks": []}, headers=staff) as r:
            assert r.status == 422
        async with s.post(url, json=picks, headers=staff) as r:
            assert r.status == 201
            slip = await r.json()
        assert slip["number"] == "20261123-001"
        assert slip["applicant"] == "张*三" and slip["window"] == 2
        assert [ln["text"] for ln in slip["lines"]] == [
            "[缺少] 不动产买卖合同（原件1份；买卖双方）",
            "[有误] 结婚证（原件1份、复印件1份；婚姻登记机关）：结婚证姓名与身份证不一致",
            "[不符合] 受理条件：已缴清交易税费",
        ]
        assert slip["basis"][0] == "《中华人民共和国行政许可法》第三十二条"
        assert slip["supervision_phone"] == "0394-4212345" and slip["hall_phone"] == "0394-4211234"
        async with s.post(url, json=picks, headers=staff) as r:
            assert (await r.json())["number"] == "20261123-002"
        async with s.get(f"{server.url}{slip['html_url']}") as r:
            assert r.status == 200
            page = await r.text()
        for text in ("一次性告知单", "编号：20261123-001", "张*三", "2026年11月23日",
                     "结婚证姓名与身份证不一致", "行政许可法", "0394-4212345", "2号窗口"):
            assert text in page
        assert "张小三" not in page
        async with s.get(f"{server.url}/guides/notices/unknown-token") as r:
            assert r.status == 404
        async with s.get(f"{server.url}/guides/bdc-002/notice") as r:
            form = await r.text()
        assert 'name="material-4"' in form and "/api/guides/bdc-002/notices" in form
    rows = server.db.execute("select guide_code, window, staff from guide_notices order by id").fetchall()
    assert rows == [("bdc-002", 2, "staff:test-staff"), ("bdc-002", 2, "staff:test-staff")]


async def test_import_by_another_process_is_picked_up(server, db_path):
    other = open_database(db_path)
    cat = load_catalogue(other)
    cat.guides.pop("bdc-005")
    before = catalogue_revision(other)
    replace_catalogue(other, cat)
    other.close()
    assert catalogue_revision(server.db) == before + 1
    async with aiohttp.ClientSession() as s:
        async with s.get(f"{server.url}/api/guides", params={"q": "bdcdj"}) as r:
            assert "bdc-005" not in [h["code"] for h in await r.json()]
        async with s.get(f"{server.url}/api/guides/bdc-005") as r:
            assert r.status == 404


async def test_openapi_lists_guide_routes(server):
    async with aiohttp.ClientSession() as s:
        async with s.get(f"{server.url}/api/openapi.json") as r:
            paths = (await r.json())["paths"]
    assert {"/api/guides", "/api/guides/{code}", "/api/guides/{code}/notices", "/api/guides/bundles/{code}"} <= set(paths)


def test_running_govhall_serve_sees_a_cli_import(server_process, tmp_path, demo_catalogue):
    """A real `govhall serve` process loads the demo catalogue; `govhall guides import` run beside it changes
    what it answers without a restart."""
    def get(path: str):
        with urllib.request.urlopen(server_process.url + path, timeout=10) as r:
            return json.loads(r.read())

    assert get("/api/guides?q=bdcdj")[0]["code"] == "bdc-005"
    demo_catalogue.guides.pop("bdc-005")
    smaller = tmp_path / "smaller.xlsx"
    write_catalogue(demo_catalogue, smaller)
    done = subprocess.run([sys.executable, "-m", "queue_server", "guides", "import", "--db", str(server_process.db_path),
                           str(smaller)], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "bdc-005" not in [h["code"] for h in get("/api/guides?q=bdcdj")]
    assert len(get("/api/guides")) == 96


async def test_admin_lint_export_and_import(server, demo_catalogue):
    admin = server.auth("admin")
    async with aiohttp.ClientSession() as s:
        async with s.get(f"{server.url}/api/guides/lint", headers=server.auth("staff", 1)) as r:
            assert r.status == 403
        async with s.get(f"{server.url}/api/guides/lint", headers=admin) as r:
            report = await r.json()
        assert (report["checked"], report["flagged"], len(report["findings"])) == (97, 6, 20)
        async with s.get(f"{server.url}/api/guides/export", params={"format": "xlsx"}, headers=admin) as r:
            assert r.status == 200 and r.content_type.endswith("spreadsheetml.sheet")
            workbook = await r.read()
        async with s.get(f"{server.url}/api/guides/export", headers=admin) as r:
            assert (await r.read()).decode() == (ROOT / "assets" / "guides" / "demo.json").read_text("utf-8")
        # a spoiled workbook: 422 listing the row and column, and the old catalogue stays
        from io import BytesIO

        from openpyxl import load_workbook

        wb = load_workbook(BytesIO(workbook))
        wb["事项"]["J3"].value = "三天"
        spoiled = BytesIO()
        wb.save(spoiled)
        xlsx = {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", **admin}
        async with s.put(f"{server.url}/api/guides/catalogue", data=spoiled.getvalue(), headers=xlsx) as r:
            assert r.status == 422
            body = await r.json()
        assert body["problems"] == [{"where": "事项 第3行", "field": "列J（承诺时限）",
                                     "message": "应为不小于 0 的整数，而不是 '三天'"}]
        assert catalogue_revision(server.db) == 1
        async with s.put(f"{server.url}/api/guides/catalogue", data=b"{}", headers={"Content-Type": "text/plain",
                                                                                 **admin}) as r:
            assert r.status == 415
        demo_catalogue.guides.pop("zhsl-006")
        async with s.put(f"{server.url}/api/guides/catalogue", data=excel_bytes(demo_catalogue), headers=xlsx) as r:
            assert r.status == 200
            assert await r.json() == {"revision": 2, "guides": 96, "departments": 12, "bundles": 6}
        # a JSON catalogue over the app's 1 MB body limit still goes in (a county has ~1,300 items)
        from dataclasses import replace

        big = replace(demo_catalogue, guides=dict(demo_catalogue.guides))
        for i in range(900):
            g = demo_catalogue.guides["bdc-002"]
            big.guides[f"x-{i:04d}"] = replace(g, code=f"x-{i:04d}", name=f"{g.name}{i}")
        body = json_text(big).encode()
        assert len(body) > 1024 * 1024
        async with s.put(f"{server.url}/api/guides/catalogue", data=BytesIO(body),
                         headers={"Content-Type": "application/json", **admin}) as r:
            assert r.status == 200, await r.text()
            assert (await r.json())["guides"] == 996
        async with s.get(f"{server.url}/api/guides/lint", headers=admin) as r:
            assert (await r.json())["flagged"] == 5
