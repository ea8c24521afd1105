"""What the hall ships to the city, captured where it is written: SQLite triggers note every insert and update of
the records the city keeps (tickets, reviews, rectification cases, complaints, practices, promised-time cases,
training sessions, consultations, questionnaire answers) in
``city_changes``, in the writing transaction itself — whatever wrote it, through an event or not, from the server or
a command. The city channel drains that table inside the writer's batch into outbox messages, each the row's state
at that moment (:func:`drain`), so a record and its message reach the disk together.

The triggers note nothing until the city channel switches the capture on (:func:`switch_on`, when a server with
``[city]`` starts), so a hall that never joins a city keeps no change notes.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from queue_server.core.clock import from_iso
from queue_server.core.config import HallConfig
from queue_server.health import store as health
from queue_server.surveys.settings import surveys as hall_surveys

#: the record kinds and the hall tables they come from
TABLES = {"ticket": "tickets", "review": "reviews", "rectification": "rectifications", "complaint": "complaints",
          "practice": "practice_records", "promised_case": "promised_cases", "training": "training_sessions",
          "consultation": "consultations", "survey_answer": "survey_answers"}
#: the kinds shipped from the start (the outbound area's m002); the others came with m004
FIRST_KINDS = ("ticket", "review", "rectification", "complaint", "practice", "promised_case")


def create(db: Database) -> None:
    """The change notes, the switch and the first kinds' triggers (the outbound area's m002 runs it once)."""
    db.execute("CREATE TABLE city_changes (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, row_id INTEGER NOT NULL)")
    # one row while a city is joined: when the capture was switched on
    db.execute("CREATE TABLE city_capture (id INTEGER PRIMARY KEY CHECK (id = 1), since TEXT NOT NULL)")
    add_triggers(db, FIRST_KINDS)


def add_triggers(db: Database, kinds: tuple[str, ...]) -> None:
    """Note every insert and update of these kinds' tables while the capture is on (a migration runs it once per
    kind). A hall already shipping to a city notes their rows now too, so what it recorded before is shipped."""
    for kind in kinds:
        table = TABLES[kind]
        for op in ("INSERT", "UPDATE"):
            db.execute(f"CREATE TRIGGER city_{table}_{op.lower()} AFTER {op} ON {table} "
                       f"WHEN EXISTS (SELECT 1 FROM city_capture) BEGIN "
                       f"INSERT INTO city_changes (kind, row_id) VALUES ('{kind}', NEW.id); END")
        db.execute(f"INSERT INTO city_changes (kind, row_id) SELECT '{kind}', id FROM {table} "
                   f"WHERE EXISTS (SELECT 1 FROM city_capture) ORDER BY id")


def switch_on(db: Database, now: datetime) -> bool:
    """Start noting changes (a writer operation). The first time, every record the hall already has is noted too,
    so a hall joining the city with history ships it all, oldest first. True when it was off."""
    if db.execute("SELECT 1 FROM city_capture").fetchone():
        return False
    db.execute("INSERT INTO city_capture (id, since) VALUES (1, ?)", [now.isoformat()])
    everything(db)
    return True


def switch_off(db: Database) -> None:
    """Stop noting changes and forget the notes not shipped (a hall that left the city)."""
    db.execute("DELETE FROM city_capture")
    db.execute("DELETE FROM city_changes")


def everything(db: Database) -> None:
    """Note every stored record as changed: the next drain ships them all (again: the city keeps the newest)."""
    for kind, table in TABLES.items():
        db.execute(f"INSERT INTO city_changes (kind, row_id) SELECT '{kind}', id FROM {table} ORDER BY id")


def _iso(stored: str | None) -> str | None:
    return None if stored is None else from_iso(stored).isoformat()


def _ticket(db: Database, config: HallConfig, row: dict[str, Any]) -> dict[str, Any]:
    # the wait as the hall's KPIs take it: from issue to the first call in the log (a recall is not a new wait)
    first_call, skipped = db.execute(
        "SELECT min(CASE WHEN action = 'call' THEN at END), max(action = 'skip') FROM ticket_log WHERE ticket_id = ?",
        [row["id"]]).fetchone()
    called = from_iso(first_call or row["called_at"]) if (first_call or row["called_at"]) else None
    service = config.services.get(row["service"])
    return {"id": row["id"], "business_day": row["business_day"], "number": row["number"],
            "service": row["service"], "department": (service.department if service else None) or "",
            "window": row["window"], "status": row["status"], "priority": row["priority"],
            "issued_at": _iso(row["issued_at"]), "called_at": None if called is None else called.isoformat(),
            "finished_at": _iso(row["finished_at"]) if row["status"] == "finished" else None,
            "wait_min": None if called is None else (called - from_iso(row["issued_at"])).total_seconds() / 60,
            "skipped": bool(skipped)}


def _review(_db: Database, _config: HallConfig, r: dict[str, Any]) -> dict[str, Any]:
    return {"id": r["id"], "ticket_id": r["ticket_id"], "business_day": r["business_day"], "service": r["service"],
            "department": r["department"] or "", "window": r["window"], "level": r["level"],
            "channel": r["channel"], "invited": bool(r["invited"]), "voided": r["voided_at"] is not None,
            "created_at": _iso(r["created_at"])}


def _rectification(_db: Database, _config: HallConfig, r: dict[str, Any]) -> dict[str, Any]:
    return {"id": r["id"], "review_id": r["review_id"], "business_day": r["business_day"],
            "department": r["department"] or "", "window": r["window"], "level": r["level"], "state": r["state"],
            "callback_due": _iso(r["callback_due"]), "called_back_at": _iso(r["called_back_at"]),
            "rectify_due": _iso(r["rectify_due"]), "rectified_at": _iso(r["rectified_at"]), "verdict": r["verdict"]}


def _complaint(_db: Database, _config: HallConfig, r: dict[str, Any]) -> dict[str, Any]:
    return {"id": r["id"], "business_day": r["business_day"], "kind": r["kind"], "department": r["department"] or "",
            "window": r["window"], "state": r["state"], "due_at": _iso(r["due_at"]),
            "resolved_at": _iso(r["resolved_at"])}


def _practice(_db: Database, _config: HallConfig, r: dict[str, Any]) -> dict[str, Any]:
    return {"id": r["id"], "business_day": r["business_day"], "kind": r["kind"], "department": r["department"] or "",
            "window": r["window"], "count": r["count"]}


def _promised_case(_db: Database, _config: HallConfig, r: dict[str, Any]) -> dict[str, Any]:
    return {"id": r["id"], "business_day": r["business_day"], "department": r["department"] or "",
            "window": r["window"], "guide_name": r["guide_name"], "state": r["state"],
            "accepted_at": _iso(r["accepted_at"]), "deadline": _iso(r["deadline"]), "issued_at": _iso(r["issued_at"])}


def _training(db: Database, _config: HallConfig, r: dict[str, Any]) -> dict[str, Any]:
    # the units it covered and how many attended; topic, findings and the attendees' 工号 stay in the hall
    attendees = db.execute("SELECT count(*) FROM training_attendance WHERE session_id = ?", [r["id"]]).fetchone()[0]
    return {"id": r["id"], "business_day": r["held_on"], "kind": r["kind"], "units": json.loads(r["units"]),
            "attendees": attendees}


def _consultation(_db: Database, _config: HallConfig, r: dict[str, Any]) -> dict[str, Any]:
    # what was asked about and how it ended; the question and the answer stay in the hall
    return {"id": r["id"], "business_day": r["business_day"], "service": r["service"],
            "department": r["department"] or "", "outcome": r["outcome"], "to_window": r["to_window"]}


def _survey_answer(_db: Database, config: HallConfig, r: dict[str, Any]) -> dict[str, Any]:
    """The ratings (1–5) and, per single-choice question, whether the option chosen counts as satisfied, by the
    questionnaire in the hall file now; text answers stay in the hall."""
    survey = hall_surveys(config).get(r["survey"])
    answers = json.loads(r["answers"])
    ratings, good = {}, {}
    for question in survey.questions if survey else ():
        value = answers.get(question.code)
        if value is None:
            continue
        if question.kind == "rating":
            ratings[question.code] = value
        elif question.kind == "single" and question.good:
            good[question.code] = value in question.good
    return {"id": r["id"], "business_day": r["business_day"], "survey": r["survey"],
            "department": r["department"] or "", "window": r["window"], "ratings": ratings, "good": good}


_BUILDERS = {"ticket": _ticket, "review": _review, "rectification": _rectification, "complaint": _complaint,
             "practice": _practice, "promised_case": _promised_case, "training": _training,
             "consultation": _consultation, "survey_answer": _survey_answer}


def drain(db: Database, config: HallConfig) -> list[tuple[str, dict[str, Any]]]:
    """The records changed since the last drain, each once with its state now, oldest change first; the change
    notes are removed in the same transaction (the caller's: the writer's batch)."""
    changes = db.execute("SELECT kind, row_id, max(id) AS last FROM city_changes GROUP BY kind, row_id "
                         "ORDER BY last").fetchall()
    if not changes:
        return []
    out = []
    for kind, row_id, _ in changes:
        row = next(db.query(f"SELECT * FROM {TABLES[kind]} WHERE id = ?", [row_id]), None)
        if row is not None:
            out.append((kind, _BUILDERS[kind](db, config, row)))
    db.execute("DELETE FROM city_changes WHERE id <= ?", [max(c[2] for c in changes)])
    return out


def heartbeat(db: Database, config: HallConfig, now: datetime, today: str) -> dict[str, Any]:
    """The hall's live state for the city's board: waiting, the longest wait so far, tidal windows open, devices
    down; the units' names and the questionnaires (titles, questions, the thresholds of a weak point)."""
    waiting, oldest = db.execute("SELECT count(*), min(queue_at) FROM tickets WHERE business_day = ? AND "
                                 "status = 'waiting'", [today]).fetchone()
    tidal = db.execute("SELECT count(*) FROM windows WHERE tidal_service IS NOT NULL").fetchone()[0]
    down = sum(1 for d in health.current(db, now, config.hall.tz)[0] if not d["ok"])
    return {"at": now.isoformat(), "waiting": waiting, "tidal_open": tidal, "devices_down": down,
            "longest_wait_min": None if oldest is None else round((now - from_iso(oldest)).total_seconds() / 60, 1),
            "units": {code: d.name for code, d in config.departments.items()},
            "surveys": {code: {"title": q.title, "weak_rating": q.weak_rating, "weak_share": q.weak_share,
                               "min_answers": q.min_answers,
                               "questions": {x.code: x.text for x in q.questions if x.kind != "text"}}
                        for code, q in hall_surveys(config).items()}}
