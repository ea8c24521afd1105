"""Issue 13, findings 2 and 6: staff login cannot be brute-forced nor stall the hall, and tokens can end (expiry,
revocation, a new password).

The server is the real one on loopback; the clock is the fake one, so lockouts and expiry pass without sleeping.
"""
from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time

import aiohttp
import pytest

from queue_server.web.auth import add_staff
from tests.apiclient import Api
from tests.conftest import ROOT

PASSWORD = "secret-1"


@pytest.fixture
async def api(server):
    async with aiohttp.ClientSession() as session:
        yield Api(session, server.url)


async def _login(api: Api, staff_no: str, password: str = PASSWORD, window: int = 3) -> tuple[int, dict]:
    return await api.as_(None).post("/api/login", {"staff_no": staff_no, "password": password, "window": window})


async def test_wrong_passwords_are_throttled_per_staff_number_with_a_retry_time(server, api):
    add_staff(server.db, server.clock, "1001", "张晓明", "staff", PASSWORD)
    for _ in range(5):
        status, reply = await _login(api, "1001", "guess-1")
        assert status == 401 and reply["message"] == "工号或密码错误"
    status, reply = await _login(api, "1001")  # even the right password waits now: a guesser cannot tell
    assert status == 429 and reply["error"] == "rate_limited" and reply["retry_after"] > 0, reply
    assert "分钟后再试" in reply["message"]
    async with api.session.post(f"{server.url}/api/login", json={"staff_no": "1001", "password": PASSWORD,
                                                                "window": 3}) as response:
        assert response.status == 429 and int(response.headers["Retry-After"]) == reply["retry_after"]
    server.clock.advance(reply["retry_after"] + 1)
    status, reply = await _login(api, "1001")
    assert status == 200 and reply["staff_no"] == "1001"


async def test_one_address_guessing_many_staff_numbers_is_throttled(server, api):
    for n in range(20):
        assert (await _login(api, f"9{n:03d}", "guess"))[0] == 401
    status, reply = await _login(api, "9999", "guess")
    assert status == 429 and reply["retry_after"] > 0


async def test_password_checks_do_not_block_the_event_loop(server, api):
    """Logins in flight must not hold up a ticket: the hall keeps answering while scrypt runs."""
    add_staff(server.db, server.clock, "1001", "张晓明", "staff", PASSWORD)
    finished: list[str] = []

    async def login(n: int) -> None:
        await _login(api, "1001" if n == 0 else f"77{n}", "wrong-password")
        finished.append("login")

    async def health() -> None:
        await asyncio.sleep(0.005)  # let the logins reach the server first
        status, _ = await api.get("/api/health")
        assert status == 200
        finished.append("health")

    await asyncio.gather(*(login(n) for n in range(4)), health())
    assert finished[0] == "health", finished


async def test_unknown_and_real_staff_numbers_take_as_long(server, api):
    add_staff(server.db, server.clock, "1001", "张晓明", "staff", PASSWORD)

    async def timed(staff_no: str) -> float:
        start = time.perf_counter()
        status, _ = await _login(api, staff_no, "wrong-password")
        assert status == 401
        return time.perf_counter() - start

    known, unknown = [], []
    for n in range(4):
        known.append(await timed("1001"))
        unknown.append(await timed(f"55{n}"))
    # on the old server an unknown 工号 answered ~30 times faster; the same scrypt work now runs for both
    assert statistics.median(unknown) > 0.5 * statistics.median(known), (known, unknown)


async def test_public_snapshot_lists_no_staff_numbers_but_the_counter_tablet_sees_them(server, api):
    add_staff(server.db, server.clock, "1001", "张晓明", "staff", PASSWORD)
    assert (await _login(api, "1001"))[0] == 200
    _, public = await api.as_(None).get("/api/hall")
    window3 = next(w for w in public["windows"] if w["number"] == 3)
    assert window3["staff_name"] == "张晓明" and window3["staff_no"] is None
    assert "1001" not in str(public)
    _, tablet = await api.as_(server.token("tablet", 3)).get("/api/hall")
    assert next(w for w in tablet["windows"] if w["number"] == 3)["staff_no"] == "1001"
    async with api.session.ws_connect(f"{server.url}/api/ws?topics=hall") as ws:
        snapshot = await ws.receive_json(timeout=5)
    assert "1001" not in str(snapshot["data"]["windows"])
    assert (await api.as_(None).get("/api/staff/1001/photo"))[0] == 401, "the 工号-keyed photo route needs a token"


async def test_staff_sessions_expire_after_the_configured_hours(server, api):
    add_staff(server.db, server.clock, "1001", "张晓明", "staff", PASSWORD)
    _, login = await _login(api, "1001")
    staff = api.as_(login["token"])
    server.clock.advance(11.9 * 3600)
    assert (await staff.post("/api/windows/3/open"))[0] == 200
    server.clock.advance(0.2 * 3600)
    status, reply = await staff.post("/api/windows/3/open")
    assert status == 401 and reply["error"] == "unauthorized"
    assert login["expires_at"] == "2026-11-23T21:00:00+08:00"  # 9:00 + 12 h, told to the staff panel at login
    device = api.as_(server.token("kiosk"))
    server.clock.advance(400 * 24 * 3600)
    assert (await device.get("/api/hall"))[0] == 200  # device tokens do not expire


async def test_a_new_password_ends_the_old_sessions(server, api):
    add_staff(server.db, server.clock, "1001", "张晓明", "staff", PASSWORD)
    _, login = await _login(api, "1001")
    staff = api.as_(login["token"])
    assert (await staff.post("/api/windows/3/open"))[0] == 200
    revoked = add_staff(server.db, server.clock, "1001", "张晓明", "staff", "new-secret-2")
    assert (await staff.post("/api/windows/3/open"))[0] == 401
    assert revoked == 1
    assert (await _login(api, "1001", "new-secret-2"))[0] == 200


def _govhall(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "queue_server", *args], cwd=ROOT, capture_output=True, text=True)


def test_token_list_and_revoke_commands(tmp_path):
    db = str(tmp_path / "hall.db")
    made = _govhall("token", "create", "--db", db, "--role", "kiosk", "--name", "kiosk-east")
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip().splitlines()[-1]
    _govhall("token", "create", "--db", db, "--role", "tablet", "--window", "3", "--name", "tablet-3")
    staff = _govhall("staff", "add", "--db", db, "--staff-no", "1001", "--name", "张晓明", "--password", PASSWORD)
    assert staff.returncode == 0, staff.stderr
    listing = _govhall("token", "list", "--db", db)
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert lines[0].split("\t")[:4] == ["ID", "令牌", "角色", "窗口"] and lines[-1] == "共 2 个令牌"
    kiosk_row = next(line.split("\t") for line in lines if "kiosk-east" in line)
    assert kiosk_row[2] == "kiosk" and kiosk_row[8] == "不过期" and kiosk_row[9] == "有效"
    assert secret not in listing.stdout and secret[:8] not in listing.stdout, "the listing never shows the token"
    revoked = _govhall("token", "revoke", "--db", db, kiosk_row[0])
    assert revoked.returncode == 0 and f"令牌 {kiosk_row[0]} 已注销" in revoked.stdout
    assert _govhall("token", "revoke", "--db", db, kiosk_row[0]).returncode == 2
    after = _govhall("token", "list", "--db", db).stdout
    assert "kiosk-east" not in after and "tablet-3" in after
    assert "已注销" in _govhall("token", "list", "--db", db, "--all").stdout


async def test_a_revoked_device_token_stops_working(server, api):
    from queue_server.web.auth import list_tokens, revoke_token

    kiosk = api.as_(server.token("kiosk"))
    assert (await kiosk.post("/api/tickets", {"service": "bdc_transfer", "request_id": "a"}))[0] in (201, 409)
    # the note of use goes to the writer on its own (nobody waits for it): it may land a batch after the answer
    for _ in range(100):
        row = next(t for t in list_tokens(server.db, server.clock.now()) if t.role == "kiosk")
        if row.last_used_at is not None:
            break
        await asyncio.sleep(0.05)
    assert row.last_used_at is not None
    assert revoke_token(server.db, server.clock, row.id)
    assert (await kiosk.post("/api/tickets", {"service": "bdc_transfer", "request_id": "b"}))[0] == 401


async def test_a_token_revoked_by_another_process_stops_working_within_its_freshness(server, api, db_path):
    """GIVEN a hall display whose token the server has just looked up (and remembers) WHEN ``govhall token revoke`` runs in
    another process THEN the display is refused within the cache's freshness, and a logout ends a session at once."""
    from queue_server.web.auth import list_tokens
    from queue_server.web.token_cache import FRESH_FOR

    display = api.as_(server.token("display"))
    assert (await display.get("/api/windows/3"))[0] == 200
    row = next(t for t in list_tokens(server.db, server.clock.now()) if t.role == "display")
    revoked = await asyncio.to_thread(_govhall, "token", "revoke", "--db", str(db_path), str(row.id))
    assert revoked.returncode == 0, revoked.stderr
    done = time.monotonic()
    while (await display.get("/api/windows/3"))[0] != 401:
        assert time.monotonic() - done < FRESH_FOR + 1, "the revoked token still works"
        await asyncio.sleep(0.02)

    staff = api.as_(server.sign_in(3)[3])
    assert (await staff.get("/api/windows/3"))[0] == 200
    assert (await staff.post("/api/logout"))[0] == 200
    assert (await staff.get("/api/windows/3"))[0] == 401
