"""企业满意度回访: the ledger of enterprises served (newly registered or existing), the call-back records on staff
conduct, handling experience and satisfaction, and supervision's sampling of those calls.
"""
from __future__ import annotations

import random
import re
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from queue_server.core.errors import conflict, invalid, not_found
from queue_server.core.hall_time import business_day
from queue_server.reviews.common import iso, local_iso, log_action, mask_name, mask_phone, text_field
from queue_server.reviews.levels import LEVELS, level_name

CATEGORIES = {"new": "新设立企业", "existing": "存量企业"}
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def add_enterprise(db: Database, body: dict[str, Any], config: Any, actor: str, now: datetime) -> dict[str, Any]:
    """Register an enterprise served by the hall; the 统一社会信用代码 is unique in the ledger."""
    category = body.get("category")
    if category not in CATEGORIES:
        raise invalid("category", "企业类别应为 new（新设立）或 existing（存量）")
    credit_code = text_field(body, "credit_code", limit=18).upper()
    if not CREDIT_CODE.match(credit_code):
        raise invalid("credit_code", "统一社会信用代码应为18位")
    service = body.get("service") or None
    if service is not None and service not in config.services:
        raise invalid("service", "未知事项类别")
    served_on = body.get("served_on") or business_day(now, config.hall).isoformat()
    try:
        date.fromisoformat(served_on)
    except (TypeError, ValueError):
        raise invalid("served_on", "办理日期应为 YYYY-MM-DD") from None
    if db.execute("SELECT 1 FROM enterprises WHERE credit_code = ?", [credit_code]).fetchone():
        raise conflict("该企业已在回访台账中")
    row = {
        "name": text_field(body, "name", limit=100), "credit_code": credit_code, "category": category,
        "contact": text_field(body, "contact", required=False, limit=50),
        "phone": text_field(body, "phone", required=False, limit=20), "service": service,
        "served_on": served_on, "ticket_number": text_field(body, "ticket_number", required=False, limit=10) or None,
        "created_at": iso(now), "created_by": actor,
    }
    cursor = db.execute(f"INSERT INTO enterprises ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                        list(row.values()))
    log_action(db, "enterprise", cursor.lastrowid, "register", actor, row["name"], now)
    return {"id": cursor.lastrowid, **row}


def _level(body: dict[str, Any], name: str, required: bool) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if value not in LEVELS:
        raise invalid(name, f"{name} 应为五级评价之一：" + "/".join(LEVELS))
    return value


def add_followup(db: Database, enterprise_id: int, body: dict[str, Any], actor: str, now: datetime) -> dict[str, Any]:
    """Record one call-back; when the enterprise was reached, conduct, experience and satisfaction are needed."""
    if not db.execute("SELECT 1 FROM enterprises WHERE id = ?", [enterprise_id]).fetchone():
        raise not_found("找不到该企业")
    reached = body.get("reached", True)
    if not isinstance(reached, bool):
        raise invalid("reached", "reached 应为 true 或 false")
    row = {
        "enterprise_id": enterprise_id, "called_at": iso(now), "caller": actor, "reached": int(reached),
        "conduct": _level(body, "conduct", reached), "experience": _level(body, "experience", reached),
        "satisfaction": _level(body, "satisfaction", reached),
        "notes": text_field(body, "notes", required=False, limit=1000),
    }
    cursor = db.execute(f"INSERT INTO followups ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                        list(row.values()))
    log_action(db, "followup", cursor.lastrowid, "call", actor, "已接通" if reached else "未接通", now)
    return {"id": cursor.lastrowid, **row}


def add_sample(db: Database, followup_id: int, body: dict[str, Any], actor: str, now: datetime) -> dict[str, Any]:
    """Supervision's spot check of a call-back: was the record consistent with what the enterprise says?"""
    if not db.execute("SELECT 1 FROM followups WHERE id = ?", [followup_id]).fetchone():
        raise not_found("找不到该回访记录")
    consistent = body.get("consistent")
    if not isinstance(consistent, bool):
        raise invalid("consistent", "consistent 应为 true 或 false")
    row = {"followup_id": followup_id, "sampled_at": iso(now), "sampled_by": actor, "consistent": int(consistent),
           "note": text_field(body, "note", required=False, limit=1000)}
    cursor = db.execute(f"INSERT INTO followup_samples ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                        list(row.values()))
    log_action(db, "followup", followup_id, "sample", actor, "一致" if consistent else "不一致", now)
    return {"id": cursor.lastrowid, **row}


def draw_for_sampling(db: Database, count: int, rng: random.Random) -> list[int]:
    """Pick ``count`` reached call-backs no one has sampled yet, at random, for supervision to verify."""
    pool = [r[0] for r in db.execute(
        "SELECT f.id FROM followups f WHERE f.reached = 1 AND NOT EXISTS "
        "(SELECT 1 FROM followup_samples s WHERE s.followup_id = f.id) ORDER BY f.id").fetchall()]
    return sorted(rng.sample(pool, min(count, len(pool))))


def ledger(db: Database, tz: Any, *, category: str | None = None, full: bool = False) -> list[dict[str, Any]]:
    """Enterprises with their call-backs and samples, newest first (contacts and phones masked unless ``full``)."""
    where, params = "", []
    if category:
        where, params = " WHERE category = ?", [category]
    out = []
    for ent in db.query(f"SELECT * FROM enterprises{where} ORDER BY id DESC", params):
        ent["category_name"] = CATEGORIES[ent["category"]]
        if not full:  # the contact is a person: masked like a complainant (DOMAIN.md privacy)
            ent["phone"] = mask_phone(ent["phone"])
            ent["contact"] = mask_name(ent["contact"]) if ent["contact"] else ent["contact"]
        ent["created_at"] = local_iso(ent["created_at"], tz)
        calls = []
        for call in db.query("SELECT * FROM followups WHERE enterprise_id = ? ORDER BY id", [ent["id"]]):
            call["reached"] = bool(call["reached"])
            call["called_at"] = local_iso(call["called_at"], tz)
            for key in ("conduct", "experience", "satisfaction"):
                call[key + "_name"] = level_name(call[key]) if call[key] else None
            call["samples"] = [
                {**s, "consistent": bool(s["consistent"]), "sampled_at": local_iso(s["sampled_at"], tz)}
                for s in db.query("SELECT * FROM followup_samples WHERE followup_id = ? ORDER BY id", [call["id"]])
            ]
            calls.append(call)
        ent["followups"] = calls
        out.append(ent)
    return out
