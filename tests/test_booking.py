"""Booking ahead (issue 17): slots on working days only, capacity that holds under concurrent requests, the
citizen's limits, cancel and change, no-shows and the ban they earn, check-in at the kiosk, the admins' views."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, datetime, timedelta

import aiohttp
import pytest

from queue_server.booking import slots
from queue_server.booking.routes import run_jobs
from queue_server.booking.settings import booking_settings
from queue_server.core.config import ConfigError
from tests.apiclient import Api
from queue_server.core.clock import FakeClock
from queue_server.keys import CONFIG
from tests.conftest import MONDAY_9AM, SHANGHAI

TUESDAY = "2026-11-24"  # the day after the fixtures' Monday 2026-11-23 09:00


def with_booking(config, **changes):
    booking = dict(config.sections.get("booking", {}))
    booking.update(changes)
    return replace(config, sections={**config.sections, "booking": booking})


@pytest.fixture
async def api(server):
    async with aiohttp.ClientSession() as session:
        yield Api(session, server.url)


def person(n: int) -> dict:
    return {"name": f"王小{n}", "phone": f"139{n:08d}"}


async def book(api: Api, service="si_card", day=TUESDAY, slot="09:00-09:30", n=1, **kw):
    return await api.post("/api/appointments", {"service": service, "date": day, "slot": slot, **person(n), **kw})


def test_a_day_is_cut_into_slots_within_business_hours(hall_config):
    assert slots.day_slots(hall_config.hall.business_hours, 30)[:2] == ["08:30-09:00", "09:00-09:30"]
    day = slots.day_slots(hall_config.hall.business_hours, 45)
    # 08:30-12:00 takes four 45-minute slots, the last ending 11:30; none crosses the lunch break
    assert day[:5] == ["08:30-09:15", "09:15-10:00", "10:00-10:45", "10:45-11:30", "13:30-14:15"]
    assert day[-1] == "16:30-17:15"
    # an all-hours drill's night slot before day_starts_at (04:00) belongs to the night after its business day
    start = slots.slot_start("2026-11-23", "01:00-01:30", hall_config.hall)
    assert start == datetime(2026, 11, 24, 1, 0, tzinfo=SHANGHAI)
    assert slots.slot_end("2026-11-23", "01:00-01:30", hall_config.hall) - start == timedelta(minutes=30)


def test_the_first_slot_not_ended_is_the_one_running_or_the_next(hall_config):
    hall = hall_config.hall

    def first(hours, day, hour, minute):
        at = datetime(2026, 11, 23 + day, hour, minute, tzinfo=SHANGHAI)
        return slots.first_slot_not_ended(hours, 30, "2026-11-23", at, hall)

    assert first(hall.business_hours, 0, 10, 10) == "10:00-10:30"
    assert first(hall.business_hours, 0, 12, 5) == "13:30-14:00"  # over lunch: the afternoon's first
    assert first(hall.business_hours, 0, 17, 30) is None
    assert first(slots.ALL_HOURS, 0, 10, 10) == "10:00-10:30"
    assert first(slots.ALL_HOURS, 0, 23, 45) == "00:00-00:30"  # the evening's last ended: the coming night's first
    assert first(slots.ALL_HOURS, 1, 2, 10) == "02:00-02:30"  # after midnight, still the business day of the 23rd


async def test_slots_show_capacity_from_the_windows_and_count_bookings(server, api):
    status, table = await api.get(f"/api/appointments/slots?service=si_card&date={TUESDAY}")
    assert status == 200 and len(table) == 15
    serving = sum(1 for w in server.app[CONFIG].windows.values() if "si_card" in w.services and not w.standby)
    assert table[1] == {"slot": "09:00-09:30", "capacity": serving, "booked": 0, "remaining": serving}
    status, booked = await book(api)
    assert status == 201, booked
    assert len(booked["code"]) == 6 and booked["code"].isdigit()
    assert booked["name"] == "王*1" and booked["phone"] == "139****0001" and "签到" in booked["check_in"]
    _, table = await api.get(f"/api/appointments/slots?service=si_card&date={TUESDAY}")
    assert table[1]["booked"] == 1 and table[1]["remaining"] == serving - 1


@pytest.mark.parametrize("day, slot, field, words", [
    ("2026-11-23", "15:00-15:30", "date", "只能预约"),        # today
    ("2026-11-20", "09:00-09:30", "date", "只能预约"),        # the past
    ("2020-01-01", "09:00-09:30", "date", "只能预约"),
    ("2026-12-01", "09:00-09:30", "date", "只能预约"),        # beyond days_ahead (7)
    ("2026-11-28", "09:00-09:30", "date", "大厅不办公"),   # a Saturday
    ("2026-11-29", "09:00-09:30", "date", "大厅不办公"),   # a Sunday
    (TUESDAY, "12:00-12:30", "slot", "时段"),            # the lunch break
    (TUESDAY, "07:30-08:00", "slot", "时段"),            # before opening
    (TUESDAY, "09:10-09:40", "slot", "时段"),            # not on the slot grid
])
async def test_days_and_slots_that_cannot_be_booked_are_named(server, api, day, slot, field, words):
    admin = api.as_(server.token("admin"))
    for who in (api, admin) if day != "2026-11-23" else (api,):  # on behalf the calendar is the same
        status, reply = await book(who, day=day, slot=slot)
        assert status == 422 and reply["error"] == "invalid" and reply["field"] == field, reply
        assert words in reply["message"] and "\u4e00" <= reply["message"][0] <= "\u9fff", reply
    assert server.db.execute("select count(*) from appointments").fetchone()[0] == 0


async def test_on_behalf_today_takes_the_slots_not_yet_ended(server, api):
    admin = api.as_(server.token("admin"))
    status, reply = await book(admin, day="2026-11-23", slot="08:30-09:00")  # it is 09:00
    assert status == 422 and reply["field"] == "slot" and "已结束" in reply["message"]
    status, booked = await book(admin, day="2026-11-23", slot="09:00-09:30")
    assert status == 201 and booked["status"] == "booked"


@pytest.fixture
def clock(request):
    """The fixtures' Monday 09:00, or the instant a test gives with ``parametrize("clock", [...], indirect=True)``."""
    return FakeClock(getattr(request, "param", MONDAY_9AM))


@pytest.mark.parametrize("clock", [datetime(2026, 9, 18, 10, 0, tzinfo=SHANGHAI)], indirect=True)  # a Friday
async def test_national_day_2026_and_its_make_up_days(server, api):
    """2026: 中秋 25–27 September and 国庆 1–7 October off, Sunday 20 September and Saturday 10 October worked
    (chinese-calendar's data)."""
    _, days = await api.get("/api/appointments/days?service=passport")
    assert [d["date"] for d in days] == ["2026-09-20", "2026-09-21", "2026-09-22", "2026-09-23", "2026-09-24"]
    assert days[0]["weekday"] == "日" and days[0]["remaining"] == 15 * 2
    assert (await book(api, "passport", "2026-09-19"))[0] == 422   # Saturday, no make-up
    assert (await book(api, "passport", "2026-09-20"))[0] == 201   # make-up Sunday
    server.clock.set(datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI))
    assert (await api.get("/api/appointments/days?service=passport"))[1] == []  # the whole week ahead is 国庆
    for day in ("2026-10-01", "2026-10-05", "2026-10-07"):
        status, reply = await book(api, "passport", day, n=2)
        assert status == 422 and reply["field"] == "date" and "节假日" in reply["message"], (day, reply)
        assert (await api.get(f"/api/appointments/slots?service=passport&date={day}"))[0] == 422
    server.clock.set(datetime(2026, 10, 6, 10, 0, tzinfo=SHANGHAI))
    _, days = await api.get("/api/appointments/days?service=passport")
    assert [d["date"] for d in days] == ["2026-10-08", "2026-10-09", "2026-10-10", "2026-10-12", "2026-10-13"]
    assert days[2]["weekday"] == "六"
    assert (await book(api, "passport", "2026-10-11", n=2))[0] == 422  # the Sunday after it
    assert (await book(api, "passport", "2026-10-10", n=2))[0] == 201  # make-up Saturday


async def test_the_halls_own_closed_and_open_dates_count(hall_config, db_path, clock):
    from aiohttp.test_utils import TestServer

    from queue_server.app import create_app, open_database

    hall = replace(hall_config.hall, extra_closed_dates=frozenset({date(2026, 11, 24)}),
                   extra_open_dates=frozenset({date(2026, 11, 28)}))
    app = create_app(replace(hall_config, hall=hall), db=open_database(db_path), clock=clock)
    test_server = TestServer(app, host="127.0.0.1")
    await test_server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            api = Api(session, str(test_server.make_url("")).rstrip("/"))
            _, days = await api.get("/api/appointments/days?service=si_card")
            listed = [d["date"] for d in days]
            assert TUESDAY not in listed and "2026-11-28" in listed and "2026-11-29" not in listed
            assert (await book(api, day=TUESDAY))[0] == 422
            assert (await book(api, day="2026-11-28"))[0] == 201
    finally:
        await test_server.close()


async def test_many_concurrent_bookings_of_the_last_seat_give_exactly_one(server, api):
    admin = api.as_(server.token("admin"))
    _, table = await api.get(f"/api/appointments/slots?service=passport&date={TUESDAY}")
    capacity = table[1]["capacity"]
    for n in range(capacity - 1):
        assert (await book(admin, "passport", n=100 + n))[0] == 201
    answers = await asyncio.gather(*(book(admin, "passport", n=n) for n in range(40)))
    statuses = sorted(status for status, _ in answers)
    assert statuses.count(201) == 1 and statuses.count(409) == 39, statuses
    assert all(r["error"] == "conflict" and "约满" in r["message"] for s, r in answers if s == 409)
    held = server.db.execute("select count(*) from appointments where service = 'passport' and date = ? and "
                             "slot = '09:00-09:30' and status != 'cancelled'", [TUESDAY]).fetchone()[0]
    assert held == capacity


async def test_a_phone_holds_one_booking_per_service_and_day_and_is_rate_limited(server, api):
    assert (await book(api, slot="09:00-09:30"))[0] == 201
    status, reply = await book(api, slot="10:00-10:30")
    assert status == 409 and "已预约" in reply["message"]
    for day in ("2026-11-25", "2026-11-26", "2026-11-27"):
        assert (await book(api, day=day))[0] == 201
    status, reply = await book(api, day="2026-11-30")   # the phone's sixth attempt within the hour
    assert status == 429 and reply["error"] == "rate_limited"
    server.clock.advance(3600)
    assert (await book(api, day="2026-11-30"))[0] == 201


async def test_a_wrong_token_or_another_role_is_never_a_citizens_booking(server, api):
    assert (await book(api.as_("not-a-token")))[0] == 401
    status, reply = await book(api.as_(server.token("kiosk")))
    assert status == 403 and reply["error"] == "forbidden"
    assert server.db.execute("select count(*) from appointments").fetchone()[0] == 0


async def test_cancel_and_change_with_the_code_and_the_phone(server, api):
    _, booked = await book(api, slot="09:00-09:30")
    code = booked["code"]
    status, reply = await api.post(f"/api/appointments/{code}/cancel", {"phone": "13900000009"})
    assert status == 404 and reply["message"] == "预约码或手机号不正确，或该预约已取消"
    status, moved = await api.post(f"/api/appointments/{code}/change",
                                   {"phone": "13900000001", "date": "2026-11-25", "slot": "14:00-14:30"})
    assert status == 200 and moved["code"] == code and (moved["date"], moved["slot"]) == ("2026-11-25", "14:00-14:30")
    _, old = await api.get(f"/api/appointments/slots?service=si_card&date={TUESDAY}")
    assert old[1]["booked"] == 0
    status, cancelled = await api.post(f"/api/appointments/{code}/cancel", {"phone": "13900000001"})
    assert status == 200 and cancelled["status"] == "cancelled" and cancelled["phone"] == "139****0001"
    assert (await api.post(f"/api/appointments/{code}/cancel", {"phone": "13900000001"}))[0] == 404
    _, new = await api.get("/api/appointments/slots?service=si_card&date=2026-11-25")
    assert all(s["booked"] == 0 for s in new)
    # an hour before the slot is the last moment to cancel or change (cancel_before_minutes = 60)
    _, late = await book(api, slot="10:00-10:30", n=2)
    server.clock.set(datetime(2026, 11, 24, 9, 1, tzinfo=SHANGHAI))
    status, reply = await api.post(f"/api/appointments/{late['code']}/cancel", {"phone": "13900000002"})
    assert status == 409 and "已过取消时间" in reply["message"]
    status, reply = await api.post(f"/api/appointments/{late['code']}/change",
                                   {"phone": "13900000002", "date": "2026-11-25", "slot": "10:00-10:30"})
    assert status == 409 and "已过改约时间" in reply["message"]


async def test_an_admin_cancels_for_a_citizen_who_phones(server, api):
    """GIVEN a citizen's booking WHEN they phone the hall and an admin cancels it with a reason THEN the seat is
    free again, the record says who cancelled and why (the day list shows it), and nobody else may do it: no token,
    a staff token, a missing reason, an unknown or already cancelled code are each refused."""
    admin = api.as_(server.token("admin"))
    _, booked = await book(api, slot="10:00-10:30", n=3)
    code = booked["code"]
    path = f"/api/appointments/{code}/cancel-on-behalf"
    assert (await api.post(path, {"reason": "来电：家中有事"}))[0] == 401
    assert (await api.as_(server.token("staff", window=1)).post(path, {"reason": "来电：家中有事"}))[0] == 403
    status, reply = await admin.post(path, {})
    assert status == 422 and reply["field"] == "reason" and "取消原因" in reply["message"]
    assert (await admin.post("/api/appointments/000000/cancel-on-behalf", {"reason": "来电"}))[0] == 404
    # after the citizen's own deadline (an hour before the slot) the hall may still cancel: the seat is freed
    # instead of becoming a no-show
    server.clock.set(datetime(2026, 11, 24, 9, 30, tzinfo=SHANGHAI))
    status, cancelled = await admin.post(path, {"reason": "来电：家中有事"})
    assert status == 200 and cancelled["status"] == "cancelled" and cancelled["phone"] == "139****0003"
    assert (await admin.post(path, {"reason": "来电：家中有事"}))[0] == 404  # cancelled once
    row = server.db.execute("select status, cancelled_by, cancel_reason from appointments where code = ?",
                            [code]).fetchone()
    assert row[0] == "cancelled" and row[1].startswith("admin:") and row[2] == "来电：家中有事"
    _, day = await admin.get(f"/api/appointments?date={TUESDAY}")
    [slot] = [slot for s in day["services"] for slot in s["slots"] if slot["appointments"]]
    assert slot["booked"] == 0  # the seat is free again
    [listed] = slot["appointments"]
    assert listed["status_name"] == "已取消" and listed["cancel_reason"] == "来电：家中有事"
    assert listed["cancelled_by"] == row[1]
    # a citizen's own cancel names no admin
    _, own = await book(api, day="2026-11-25", n=4)
    assert (await api.post(f"/api/appointments/{own['code']}/cancel", {"phone": "13900000004"}))[0] == 200
    assert server.db.execute("select cancelled_by, cancel_reason from appointments where code = ?",
                             [own["code"]]).fetchone() == ("online", None)


async def test_no_shows_after_the_slot_and_the_allowance_and_the_ban_they_earn(server, api):
    admin = api.as_(server.token("admin"))
    days = ["2026-11-24", "2026-11-25", "2026-11-26"]
    codes = [(await book(api, day=day, slot="09:00-09:30"))[1]["code"] for day in days]
    # Tuesday 09:44: the slot ended at 09:30, the 15 minutes' allowance not yet
    server.clock.set(datetime(2026, 11, 24, 9, 44, tzinfo=SHANGHAI))
    assert (await run_jobs(server.app))["no_shows"] == 0
    server.clock.set(datetime(2026, 11, 24, 9, 45, tzinfo=SHANGHAI))
    assert (await run_jobs(server.app))["no_shows"] == 1
    assert (await run_jobs(server.app))["no_shows"] == 0  # once
    server.clock.set(datetime(2026, 11, 27, 8, 0, tzinfo=SHANGHAI))
    assert (await run_jobs(server.app))["no_shows"] == 2
    statuses = dict(server.db.execute("select code, status from appointments").fetchall())
    assert [statuses[c] for c in codes] == ["no_show"] * 3
    status, reply = await book(api, day="2026-11-30")
    assert status == 403 and "暂停网上预约" in reply["message"] and "12月26日" in reply["message"], reply
    assert (await book(admin, day="2026-11-30"))[0] == 201  # a clerk on the phone may still book for them
    server.clock.set(datetime(2026, 12, 26, 9, 44, tzinfo=SHANGHAI))  # 30 days after the third no-show, nearly
    assert (await book(api, day="2026-12-28"))[0] == 403
    server.clock.advance(60)
    assert (await book(api, day="2026-12-28"))[0] == 201


async def test_a_booked_code_checks_in_at_the_kiosk_and_is_no_no_show(server, api):
    _, booked = await book(api, slot="10:00-10:30")
    kiosk = api.as_(server.token("kiosk"))
    server.clock.set(datetime(2026, 11, 24, 9, 50, tzinfo=SHANGHAI))
    status, ticket = await kiosk.post(f"/api/appointments/{booked['code']}/check-in")
    assert status == 201 and ticket["kind"] == "appointment" and ticket["service"] == "si_card"
    server.clock.set(datetime(2026, 11, 24, 12, 0, tzinfo=SHANGHAI))
    await run_jobs(server.app)
    _, day = await api.as_(server.token("admin")).get(f"/api/appointments?date={TUESDAY}")
    entry = day["services"][0]["slots"][3]["appointments"][0]
    assert entry["status"] == "checked_in" and entry["ticket"] == ticket["number"] and entry["name"] == "王*1"


@pytest.mark.open_all_hours
async def test_an_all_hours_drill_checks_in_the_coming_nights_slot_as_an_appointment(server, api):
    """GIVEN an all-hours hall at 23:45, where the business day's slots run from 00:00 and the 00:00-00:30 one is the
    coming night's (the day starts at 04:00) WHEN it is booked on a citizen's behalf and checked in at once THEN the
    check-in is 15 minutes early, an appointment, not a walk-in 23 hours late."""
    server.clock.set(datetime(2026, 11, 23, 23, 45, tzinfo=SHANGHAI))
    status, booked = await book(api.as_(server.token("admin")), day="2026-11-23", slot="00:00-00:30")
    assert status == 201, booked
    status, ticket = await api.as_(server.token("kiosk")).post(f"/api/appointments/{booked['code']}/check-in")
    assert status == 201 and ticket["kind"] == "appointment"


async def test_admin_day_list_and_kpis_mask_people(server, api):
    admin = api.as_(server.token("admin"))
    assert (await book(admin, n=7))[0] == 201
    assert (await book(api, "passport", n=8))[0] == 201
    status, day = await admin.get(f"/api/appointments?date={TUESDAY}")
    assert status == 200 and [s["service"] for s in day["services"]] == ["si_card", "passport"]
    people = [a for s in day["services"] for slot in s["slots"] for a in slot["appointments"]]
    assert {(a["name"], a["phone"], a["source_name"]) for a in people} == {
        ("王*7", "139****0007", "工作人员代约"), ("王*8", "139****0008", "网上预约")}
    assert "13900000007" not in str(day)
    _, passport = await admin.get(f"/api/appointments?date={TUESDAY}&service=passport")
    assert [s["service"] for s in passport["services"]] == ["passport"] and len(passport["services"][0]["slots"]) == 15
    assert (await api.get(f"/api/appointments?date={TUESDAY}"))[0] == 401
    status, kpis = await admin.get("/api/appointments/kpis?from=2026-11-24&to=2026-11-24")
    assert status == 200 and kpis["booked"] == 2 and kpis["online"] == 1 and kpis["on_behalf"] == 1
    assert kpis["no_show_rate"] is None


async def test_names_and_phones_are_reduced_after_the_retention(server, api):
    await book(api)
    server.clock.set(datetime(2027, 2, 23, 9, 0, tzinfo=SHANGHAI))  # 91 days after the booked day
    assert (await run_jobs(server.app))["purged"] == 1
    row = server.db.execute("select name, phone, status from appointments").fetchone()
    assert row == ("王*1", "139****0001", "no_show")


def test_bad_booking_settings_are_named(hall_config):
    for changes, field in [({"slot_minutes": 2}, "booking.slot_minutes"),
                           ({"services": {"nope": {}}}, "booking.services.nope"),
                           ({"services": {"passport": {"capacity": 0}}}, "booking.services.passport.capacity"),
                           ({"phone_retention_days": 30}, "booking.phone_retention_days"),
                           ({"colour": 1}, "booking.colour")]:
        with pytest.raises(ConfigError) as caught:
            booking_settings(with_booking(hall_config, **changes))
        assert caught.value.field == field
    settings = booking_settings(with_booking(hall_config, services={"passport": {"capacity": 9}}))
    assert settings.services["passport"].capacity == 9 and settings.services["si_card"].capacity == 3
    assert not booking_settings(hall_config).services["consult"].bookable  # the demo hall's own override


def test_every_booking_setting_is_documented():
    import re
    from pathlib import Path

    from queue_server.booking.settings import SETTINGS

    doc = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text("utf-8")
    part = doc.split("## `[booking]`", 1)[1].split("\n## ", 1)[0]
    assert set(re.findall(r"^\| `([a-z_]+)` \|", part, flags=re.M)) == {s.name for s in SETTINGS}


async def test_the_code_the_reminder_and_the_cancel_go_out_by_sms(hall_config, db_path, clock, receiver):
    """GIVEN the hall's SMS channel (the generic gateway, on loopback) WHEN a citizen books, the day before's reminder
    time comes, the jobs run twice, and the booking is cancelled THEN the gateway gets the code, one reminder and
    the cancellation (also when an admin cancels for a citizen who phones), each as the hall's template words it."""
    import json

    from tests.receiver import hall_with, until

    async with hall_with(hall_config, db_path, clock, {"sms": {"provider": "generic", "url": receiver.url}}) as server:
        public = server.api.as_(None)
        status, booked = await book(public, day="2026-11-25", slot="10:00-10:30")
        assert status == 201
        texts = lambda: [json.loads(r.body) for r in receiver.requests]  # noqa: E731
        await until(lambda: len(receiver.requests) == 1, "the code by SMS")
        first = texts()[0]
        assert first["kind"] == "sms.appointment_code" and first["phone"] == "13900000001"
        assert booked["code"] in first["text"] and "2026-11-25" in first["text"] and "10:00" in first["text"]
        assert "王" not in first["text"], "an SMS names no person"
        server.clock.set(datetime(2026, 11, 24, 15, 59, tzinfo=SHANGHAI))
        assert (await run_jobs(server.app))["reminders"] == 0  # before reminder_time
        server.clock.set(datetime(2026, 11, 24, 16, 0, tzinfo=SHANGHAI))
        assert (await run_jobs(server.app))["reminders"] == 1
        assert (await run_jobs(server.app))["reminders"] == 0  # once per booking
        await until(lambda: len(receiver.requests) == 2, "the reminder")
        assert texts()[1]["kind"] == "sms.appointment_reminder" and booked["code"] in texts()[1]["text"]
        status, _ = await public.post(f"/api/appointments/{booked['code']}/cancel", {"phone": "13900000001"})
        assert status == 200
        await until(lambda: len(receiver.requests) == 3, "the cancellation")
        assert texts()[2]["kind"] == "sms.appointment_cancelled"
        # the admin's cancel for a citizen who phones sends the same cancellation
        status, other = await book(public, day="2026-11-25", slot="11:00-11:30", n=2)
        await until(lambda: len(receiver.requests) == 4, "the second code")
        status, _ = await server.api.post(f"/api/appointments/{other['code']}/cancel-on-behalf",
                                          {"reason": "群众来电取消"})
        assert status == 200
        await until(lambda: len(receiver.requests) == 5, "the cancellation on behalf")
        assert texts()[4]["kind"] == "sms.appointment_cancelled" and texts()[4]["phone"] == "13900000002"
        assert other["code"] in texts()[4]["text"] and "群众来电取消" not in texts()[4]["text"]
