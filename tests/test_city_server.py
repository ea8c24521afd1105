"""The city server on a real PostgreSQL: the commands' tokens, idempotent ingest on (hall, sequence), a hall
writing only its own records, the admin's reports, and errors as JSON (never a 5xx)."""
from __future__ import annotations

import aiohttp
import pytest

from tests.city_support import bearer, ticket
from tests.conftest import MONDAY_9AM

DAY = MONDAY_9AM.date().isoformat()


async def test_a_batch_sent_twice_is_counted_once_and_a_later_state_replaces_the_earlier(city):
    """GIVEN a hall registered with `govhall city hall add` WHEN it sends the same batch twice (a lost answer),
    then a later state of a ticket THEN the city counts each ticket once, keeps the latest state (also within one
    batch), and answers the high-water mark."""
    token = city.hall("xa", "西岸县政务服务中心")
    admin = city.admin()
    batch = {"records": [ticket(1, 1, MONDAY_9AM), ticket(2, 2, MONDAY_9AM),
                         ticket(3, 1, MONDAY_9AM, "finished", wait=5.0)]}
    async with aiohttp.ClientSession() as http:
        first = await (await http.post(f"{city.url}/api/city/records", json=batch, headers=bearer(token))).json()
        again = await (await http.post(f"{city.url}/api/city/records", json=batch, headers=bearer(token))).json()
        assert first == {"accepted": 3, "duplicates": 0, "last_seq": 3}
        assert again == {"accepted": 0, "duplicates": 3, "last_seq": 3}
        # ticket 2 finished: its new state replaces the waiting one
        late = {"records": [ticket(4, 2, MONDAY_9AM, "finished", wait=12.0)]}
        assert (await (await http.post(f"{city.url}/api/city/records", json=late, headers=bearer(token))).json()
                )["accepted"] == 1
        halls = await (await http.get(f"{city.url}/api/city/halls?date={DAY}", headers=bearer(admin))).json()
        assert halls == [{"code": "xa", "name": "西岸县政务服务中心", "tickets": 2, "served": 2, "waiting": 0,
                          "last_contact": halls[0]["last_contact"]}]
        assert halls[0]["last_contact"].startswith("2026-11-23T01:00:00")
        kpis = await (await http.get(f"{city.url}/api/city/kpis?from={DAY}&to={DAY}", headers=bearer(admin))).json()
        assert kpis["tickets"] == 2 and kpis["served"] == 2 and kpis["mean_wait_min"] == 8.5
        assert kpis["share_over_20_min"] == 0 and kpis["p90_wait_min"] == 13.0  # 12.0 falls in minute 12–13


async def test_a_hall_token_writes_only_its_own_hall(city):
    """GIVEN two halls WHEN one hall's token sends a batch naming the other hall THEN 403 and nothing is stored;
    an admin token cannot send records, a hall token cannot read the reports, and no token is a 401."""
    east, west = city.hall("east", "东区政务服务中心"), city.hall("west", "西区政务服务中心")
    admin = city.admin()
    batch = {"hall": "west", "records": [ticket(1, 1, MONDAY_9AM)]}
    async with aiohttp.ClientSession() as http:
        r = await http.post(f"{city.url}/api/city/records", json=batch, headers=bearer(east))
        assert r.status == 403 and (await r.json())["error"] == "forbidden"
        r = await http.post(f"{city.url}/api/city/records", json=batch, headers=bearer(admin))
        assert r.status == 403
        r = await http.get(f"{city.url}/api/city/halls", headers=bearer(west))
        assert r.status == 403
        r = await http.get(f"{city.url}/api/city/halls")
        assert r.status == 401 and (await r.json())["error"] == "unauthorized"
        r = await http.post(f"{city.url}/api/city/records", json=batch, headers=bearer(west))
        assert (await r.json())["accepted"] == 1
        halls = await (await http.get(f"{city.url}/api/city/halls?date={DAY}", headers=bearer(admin))).json()
        assert [(h["code"], h["tickets"], h["waiting"]) for h in halls] == [("east", 0, 0), ("west", 1, 1)]


@pytest.mark.parametrize("body, field", [
    ({"records": [{"seq": 1, "kind": "ticket", "data": {"id": 1}}]}, "records[0].ticket.data.business_day"),
    ({"records": [{"seq": 0, "kind": "heartbeat", "data": {}}]}, "records[0].heartbeat.seq"),
    ({"records": [{"seq": 1, "kind": "nothing", "data": {}}]}, "records[0]"),
    ({"records": "x"}, "records"),
])
async def test_a_bad_record_is_a_422_naming_it(city, body, field):
    token = city.hall("xa", "西岸县政务服务中心")
    async with aiohttp.ClientSession() as http:
        r = await http.post(f"{city.url}/api/city/records", json=body, headers=bearer(token))
        answer = await r.json()
    assert r.status == 422 and answer["error"] == "invalid" and answer["field"] == field, answer


async def test_a_hall_restored_from_a_replica_rejoins_and_its_new_numbering_is_taken(city):
    """GIVEN a hall whose records up to sequence 3 reached the city WHEN the hall is restored from a replica that
    stopped at sequence 1 and numbers its outbox from 2 again THEN those records are taken for replays, until
    `govhall city hall rejoin` forgets the mark; then they count, still once per ticket."""
    from tests.city_support import govhall

    token, admin = city.hall("xa", "西岸县政务服务中心"), city.admin()
    url, headers = f"{city.url}/api/city/records", bearer(token)
    async with aiohttp.ClientSession() as http:
        await http.post(url, json={"records": [ticket(s, s, MONDAY_9AM) for s in (1, 2, 3)]}, headers=headers)
        restored = {"records": [ticket(2, 2, MONDAY_9AM, "finished", wait=3.0), ticket(3, 4, MONDAY_9AM)]}
        assert (await (await http.post(url, json=restored, headers=headers)).json())["accepted"] == 0
        assert "重新接入" in govhall("city", "hall", "rejoin", "--dsn", city.dsn, "--code", "xa")
        assert (await (await http.post(url, json=restored, headers=headers)).json())["accepted"] == 2
        kpis = await (await http.get(f"{city.url}/api/city/kpis?from={DAY}&to={DAY}", headers=bearer(admin))).json()
    assert (kpis["tickets"], kpis["served"]) == (4, 1)
