"""The outbox's retention and the admin's 放弃: delivered and discarded messages are deleted
``[outbound] keep_delivered_days`` after they were finished (on the injected clock), pending and dead ones never; a
dead message given up keeps who, when and why; the migration that added the ``discarded`` state keeps every row and
the ``seq`` counter."""
from __future__ import annotations

from datetime import timedelta

from queue_server.app import migration_sets, open_database
from queue_server.core.clock import to_iso
from queue_server.core.db import connect
from queue_server.keys import WRITER
from queue_server.outbound import outbox, store
from queue_server.outbound.routes import WORKER, purge_expired
from tests.receiver import hall_with, until

SERVICE = "bdc_transfer"
DAY = 86_400


def rows(server, where: str = "1") -> list[dict]:
    return list(server.db.query(f"select * from outbox where {where} order by seq"))


async def issue(server, tag: str) -> None:
    status, body = await server.api.as_(server.token("kiosk")).post("/api/tickets", {"service": SERVICE,
                                                                                      "request_id": tag})
    assert status == 201, body


async def test_delivered_and_discarded_messages_are_purged_after_the_kept_days(hall_config, db_path, clock, receiver,
                                                                               monkeypatch):
    """GIVEN keep_delivered_days = 30, one message delivered, one discarded by an admin and one dead on day 0, and
    one delivered on day 29 WHEN the purge runs on day 29 THEN nothing goes; WHEN it runs on day 31 THEN the two
    finished on day 0 go (in chunks of one row), the dead one and the day-29 one stay, and a new message's seq
    still rises."""
    monkeypatch.setattr(outbox, "PURGE_CHUNK", 1)
    outbound = {"keep_delivered_days": 30,
                "webhook": {"url": receiver.url, "secret": "a-secret-for-the-purge", "events": ["ticket.issued"]}}
    async with hall_with(hall_config, db_path, clock, outbound) as hall:
        await issue(hall, "delivered")
        await until(lambda: rows(hall, "state = 'delivered'"), "the first message delivered")
        receiver.status = 400
        await issue(hall, "discarded")
        await issue(hall, "dead")
        await until(lambda: len(rows(hall, "state = 'dead'")) == 2, "two messages parked")
        to_discard, dead = rows(hall, "state = 'dead'")
        status, body = await hall.api.post(f"/api/outbound/messages/{to_discard['id']}/discard",
                                           {"reason": "接收方已停用该接口"})
        assert status == 200 and body["state"] == "discarded", body
        receiver.status = 200

        clock.advance(29 * DAY)
        await issue(hall, "recent")
        await until(lambda: len(rows(hall, "state = 'delivered'")) == 2, "the day-29 message delivered")
        assert await purge_expired(hall.app) == 0

        clock.advance(2 * DAY)
        last_seq = rows(hall)[-1]["seq"]
        assert await purge_expired(hall.app) == 2
        left = rows(hall)
        assert [r["state"] for r in left] == ["dead", "delivered"] and left[0]["id"] == dead["id"]
        assert left[1]["delivered_at"] >= to_iso(clock.now() - timedelta(days=3))
        await issue(hall, "after")
        await until(lambda: len(rows(hall)) == 3, "a new message stored")
        assert rows(hall)[-1]["seq"] > last_seq
        status, summary = await hall.api.get("/api/outbound/summary")
        [webhook] = summary["channels"]
        assert (webhook["dead"], webhook["discarded"]) == (1, 0)


async def test_an_admin_discards_a_dead_message_with_a_reason(hall_config, db_path, clock, receiver):
    """GIVEN a dead message WHEN an admin gives it up with a reason THEN it is discarded with who, when and why, no
    longer counted as failed, never sent again, and neither retried nor discarded twice; only a dead message can be
    given up, only by an admin, and only with a reason."""
    receiver.status = 400
    outbound = {"webhook": {"url": receiver.url, "secret": "a-secret-for-the-discard", "events": ["ticket.issued"]}}
    async with hall_with(hall_config, db_path, clock, outbound) as hall:
        await issue(hall, "d")
        await until(lambda: rows(hall, "state = 'dead'"), "parked")
        [dead] = rows(hall)
        url = f"/api/outbound/messages/{dead['id']}/discard"
        status, body = await hall.api.post(url, {"reason": " "})
        assert status == 422 and body["field"] == "reason"
        status, _ = await hall.api.as_(hall.token("kiosk")).post(url, {"reason": "不需要了"})
        assert status == 403
        clock.advance(60)
        status, body = await hall.api.post(url, {"reason": "该事件已由人工通知申请人"})
        assert status == 200, body
        assert (body["state"], body["discarded_by"], body["discard_reason"]) == (
            "discarded", "admin:test-admin", "该事件已由人工通知申请人")
        assert body["discarded_at"].startswith(clock.now().astimezone(hall_config.hall.tz).isoformat()[:16])
        for action, payload in (("discard", {"reason": "再次放弃"}), ("retry", None)):
            status, body = await hall.api.post(f"/api/outbound/messages/{dead['id']}/{action}", payload)
            assert status == 409 and body["error"] == "conflict", (action, body)
        status, _ = await hall.api.post("/api/outbound/messages/00000000-0000-4000-8000-000000000000/discard",
                                        {"reason": "不存在"})
        assert status == 404
        status, listing = await hall.api.get("/api/outbound/messages?state=discarded")
        assert [m["id"] for m in listing["messages"]] == [dead["id"]]
        status, summary = await hall.api.get("/api/outbound/summary")
        assert (summary["channels"][0]["dead"], summary["channels"][0]["discarded"]) == (0, 1)
        receiver.status = 200
        clock.advance(DAY)
        hall.app[WORKER].wake()
        await hall.app[WRITER].run(lambda db: None)  # the worker has looked again by now
        assert len(receiver.requests) == 1  # given up: never sent again


def test_the_discard_migration_keeps_rows_and_the_seq_counter(tmp_path, clock):
    """GIVEN an outbox made before the discarded state, with its newest message already deleted WHEN the migration
    runs THEN every row is kept as it was and the next message's seq is above every seq ever handed out."""
    db = connect(tmp_path / "old.db")
    for migrations in migration_sets():  # every area's tables, the outbox as it was before
        migrations.apply(db, stop_before="m003_outbox_discard")
    with db.conn:
        ids = [store.insert(db, "webhook", "ticket.issued", {"event": "ticket.issued", "data": {"n": i}}, clock.now())
               for i in range(3)]
        db.execute("UPDATE outbox SET state = 'delivered', delivered_at = created_at WHERE id = ?", [ids[0]])
        db.execute("DELETE FROM outbox WHERE id = ?", [ids[2]])
    before = list(db.query("select * from outbox order by seq"))
    open_database(tmp_path / "old.db").close()
    after = list(db.query("select * from outbox order by seq"))
    assert [{k: r[k] for k in before[0]} for r in after] == before
    assert {r["discarded_at"] for r in after} == {None}
    with db.conn:
        new = store.insert_message(db, "webhook", "ticket.issued", {"event": "ticket.issued", "data": {}}, clock.now())
    assert new.seq == 4
    with db.conn:
        store.discard(db, ids[1], clock.now(), "admin:x", "测试")  # not dead: nothing changes
    assert db.execute("select state from outbox where id = ?", [ids[1]]).fetchone()[0] == "pending"
    db.close()
