"""Recording service practices at the counter and counting them.

A practice belongs to a ticket the window is serving or has served today (the ticket's service says which unit it
counts for) and to the staff member signed in at the window. What a kind needs is checked here: 容缺受理 the
missing material and the date the citizen promised to bring it (tracked until it arrives: ``arrived``), 免费打复印
the number of pages, 首问责任 to whom the question was handed over. The one-time notification slips printed from
the guides (``guide_notices``) count as the kind ``notice_slip`` (一次性告知).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timezone
from typing import Any

from sqlite_utils import Database

from queue_server.core.errors import conflict, invalid, not_found
from queue_server.practices.settings import PracticeKind

NOTICE_SLIP = ("notice_slip", "一次性告知")
BY = ("window", "department", "staff", "day", "month", "quarter")


def _iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="seconds")


def _needed(body: dict[str, Any], name: str, label: str) -> str:
    """A field the kind needs (its type and length are declared with the route): present and not blank."""
    value = (body.get(name) or "").strip()
    if not value:
        raise invalid(name, f"{label}不能为空")
    return value


def record(db: Database, kinds: dict[str, PracticeKind], ticket: dict[str, Any], department: str | None,
           staff_no: str | None, body: dict[str, Any], actor: str, now: datetime, today: date) -> int:
    """Record one practice for ``ticket`` (inside the caller's write transaction); its id.

    ``body`` is the route's validated ``PracticeRequest`` as a dict: here only what each kind needs is checked."""
    kind = kinds.get(body.get("kind"))  # type: ignore[arg-type]
    if kind is None:
        raise invalid("kind", "服务举措应为 " + "、".join(f"{k.code}（{k.name}）" for k in kinds.values()))
    row: dict[str, Any] = {"count": 1, "material": None, "promised_on": None, "handed_to": None}
    if kind.needs == "missing_material":
        row["material"] = _needed(body, "material", "容缺的材料")
        promised = body.get("promised_on")
        day = date.fromisoformat(promised) if promised else None
        if day is None or day < today:
            raise invalid("promised_on", "承诺补交日期应为今天或以后的 YYYY-MM-DD")
        row["promised_on"] = day.isoformat()
    elif kind.needs == "count":
        row["count"] = body.get("count") or 1
    elif kind.needs == "handed_to":
        row["handed_to"] = _needed(body, "handed_to", "移交对象")
    # a double tap (or a retry after a lost answer) must not count twice: the same practice with the same details
    # for the same ticket is refused; the writer runs one operation at a time, so two taps cannot both pass
    if db.execute("SELECT 1 FROM practice_records WHERE ticket_id = ? AND kind = ? AND count = ?"
                  " AND material IS ? AND promised_on IS ? AND handed_to IS ?",
                  [ticket["id"], kind.code, row["count"], row["material"], row["promised_on"],
                   row["handed_to"]]).fetchone():
        details = _details(row)
        raise conflict(f"{ticket['number']}号已登记过“{kind.name}”" + (f"（{details}）" if details else ""))
    cursor = db.execute(
        "INSERT INTO practice_records (kind, ticket_id, ticket_number, business_day, window, staff_no, service,"
        " department, count, material, promised_on, handed_to, note, recorded_at, recorded_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [kind.code, ticket["id"], ticket["number"], ticket["business_day"], ticket["window"], staff_no,
         ticket["service"], department, row["count"], row["material"], row["promised_on"], row["handed_to"],
         body.get("note") or "", _iso(now), actor])
    return int(cursor.lastrowid)


def _details(row: dict[str, Any]) -> str:
    """What a record carries besides its kind, in words (the conflict message names the earlier record)."""
    if row["material"]:
        return f"{row['material']}，{row['promised_on']}前补交"
    if row["handed_to"]:
        return f"移交{row['handed_to']}"
    return f"{row['count']}份" if row["count"] != 1 else ""


def get(db: Database, record_id: int) -> dict[str, Any]:
    row = next(db.query("SELECT * FROM practice_records WHERE id = ?", [record_id]), None)
    if row is None:
        raise not_found(f"没有编号为 {record_id} 的服务记录")
    return row


def arrived(db: Database, record_id: int, now: datetime) -> dict[str, Any]:
    """The missing material of a 容缺受理 has been brought in."""
    row = get(db, record_id)
    if row["material"] is None:
        raise conflict("这条记录不是容缺受理")
    if row["arrived_at"]:
        raise conflict("容缺材料已登记补交")
    db.execute("UPDATE practice_records SET arrived_at = ? WHERE id = ?", [_iso(now), record_id])
    return get(db, record_id)


def listing(db: Database, kinds: dict[str, PracticeKind], day_from: str, day_to: str, *, kind: str | None = None,
            window: int | None = None, ticket: str | None = None, pending_material: bool = False,
            today: date | None = None) -> list[dict[str, Any]]:
    """Records of [day_from, day_to] (of one ``kind``, ``window`` or ``ticket`` number) with each kind's name; a
    容缺 still waiting for its material is ``pending`` and, past its promised date, ``late``."""
    sql = "SELECT * FROM practice_records WHERE business_day BETWEEN ? AND ?"
    args: list[Any] = [day_from, day_to]
    for column, value in (("kind", kind or None), ("window", window), ("ticket_number", ticket)):
        if value is not None:
            sql += f" AND {column} = ?"
            args.append(value)
    out = []
    for row in db.query(sql + " ORDER BY id", args):
        pending = row["material"] is not None and not row["arrived_at"]
        if pending_material and not pending:
            continue
        late = pending and today is not None and row["promised_on"] < today.isoformat()
        name = kinds[row["kind"]].name if row["kind"] in kinds else row["kind"]
        out.append({**row, "kind_name": name, "pending": pending, "late": late})
    return out


def _period(day: str, by: str) -> str:
    if by == "day":
        return day
    if by == "month":
        return day[:7]
    return f"{day[:4]}Q{(int(day[5:7]) - 1) // 3 + 1}"


def counts(db: Database, kinds: dict[str, PracticeKind], services: dict[str, Any], day_from: str, day_to: str,
           by: str) -> list[dict[str, Any]]:
    """Practices per ``by`` (window, department, staff, day, month, quarter) and kind, notice slips included;
    a count of pages (免费打复印) adds its pages."""
    table: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in db.query("SELECT * FROM practice_records WHERE business_day BETWEEN ? AND ?", [day_from, day_to]):
        key = {"window": row["window"], "department": row["department"], "staff": row["staff_no"]}.get(
            by, _period(row["business_day"], by) if by in ("day", "month", "quarter") else None)
        table[key][row["kind"]] += row["count"]
    # a slip keeps its creation time in UTC; in opening hours (from 08:00 in China) that date is the hall's day.
    # Its staff is the slip's actor ("staff:1001"): the 工号 is after the colon.
    for window, actor, guide_service, created_at in db.execute(
            "SELECT n.window, n.staff, g.service, n.created_at FROM guide_notices n "
            "LEFT JOIN guides g ON g.code = n.guide_code WHERE substr(n.created_at, 1, 10) BETWEEN ? AND ?",
            [day_from, day_to]):
        service = services.get(guide_service)
        staff = actor.split(":", 1)[-1] if actor else None
        key = {"window": window, "staff": staff, "department": service.department if service else None}.get(
            by, _period(created_at[:10], by) if by in ("day", "month", "quarter") else None)
        table[key][NOTICE_SLIP[0]] += 1
    names = {**{k.code: k.name for k in kinds.values()}, NOTICE_SLIP[0]: NOTICE_SLIP[1]}
    return [{"key": key, "total": sum(per_kind.values()),
             "kinds": {code: {"name": names.get(code, code), "count": n} for code, n in sorted(per_kind.items())}}
            for key, per_kind in sorted(table.items(), key=lambda item: str(item[0]))]
