"""Issue 13, finding 5: refused review attempts are counted in memory; a burst writes one flag, not one row each,
so a prober cannot push real flags out of the supervision list."""
from __future__ import annotations


async def test_a_burst_of_refused_reviews_writes_one_flag(desk):
    ticket = desk.serve()
    for n in range(5):  # no token at all: still counted, refused as invalid
        status, _ = await desk.review(None)
        assert status == 422
    refused = [(await desk.review(None))[0] for _ in range(200)]
    assert set(refused) == {429}
    flags = await desk.get("/api/reviews/flags")
    assert [(f["device"], f["reason"]) for f in flags] == [("phone:127.0.0.1:-", "rate_limited")]
    assert desk.server.db.execute("select count(*) from review_flags").fetchone()[0] == 1
    # the burst goes on while refusals keep coming; after a quiet spell the next burst gets its own flag
    desk.server.clock.advance(30)
    assert (await desk.review(None))[0] == 429
    assert len(await desk.get("/api/reviews/flags")) == 1
    desk.server.clock.advance(61)
    for _ in range(5):
        await desk.review("no-such-token")
    assert (await desk.review(ticket["token"]))[0] == 429
    assert len(await desk.get("/api/reviews/flags")) == 2
