"""好差评 follow-up: every rating listed; each bad rating that left a contact is a case.

A case is opened for a 不满意/非常不满意 rating with a call-back number, due
``case_due_days`` after the rating. The rating officer records the call back (回访), then
the rectification (整改), and closes it; the report gives the follow-up rate (goal 100%)
and the overdue cases. Only the rating role is ever shown the number to call, and each
showing is audited; everyone else sees it masked.
"""

from __future__ import annotations

import json
from typing import Any

from kiosk.platform.contract.feedback import BAD_LEVELS, RATING_LEVEL_LABELS, RATING_REASONS, RatingLevel
from kiosk.privacy import mask_phone, scrub
from reference_platform.console import fleet
from reference_platform.console.auth import User
from reference_platform.console.settings import ConsoleSettings
from reference_platform.db import Database

STATUS_LABELS = {"open": "待回访", "called": "已回访待整改", "closed": "已办结"}
BAD = tuple(level.value for level in BAD_LEVELS)


class CaseError(ValueError):
    """A case update that cannot be made (missing text, wrong state); the message is for the officer."""


def sync(db: Database, now: float, settings: ConsoleSettings) -> None:
    """Open a case for every bad rating with a contact that has none yet."""
    marks = ",".join("?" * len(BAD))
    with db.tx() as c:
        c.execute("INSERT OR IGNORE INTO console_cases (rating_id, opened_at, due_at) SELECT rating_id, created_at,"
                  f" created_at + ? FROM ratings WHERE level IN ({marks}) AND TRIM(contact) != ''",
                  (settings.case_due_days * 86400, *BAD))


def _view(r: Any, who: User) -> dict[str, Any]:
    d = dict(r)
    level = d["level"]
    try:
        reasons = json.loads(d["reasons"] or "[]")
    except ValueError:
        reasons = []
    d["level_label"] = RATING_LEVEL_LABELS.get(RatingLevel(level), {}).get("zh_CN", level) if level in set(
        RatingLevel) else level
    d["bad"] = level in BAD
    d["reason_labels"] = "、".join(RATING_REASONS.get(x, {}).get("zh_CN", x) for x in reasons)
    d["text"] = scrub(d["text"] or "")
    d["contact_masked"] = mask_phone(d["contact"]) if d["contact"] else ""
    d.pop("person_id", None)
    if who.role != "rating":
        d.pop("contact")
    d["status_label"] = STATUS_LABELS.get(d.get("status") or "", "")
    return d


_SELECT = ("SELECT r.rating_id, r.kiosk_id, r.service_code, r.case_no, r.person_id, r.level, r.reasons, r.text,"
           " r.contact, r.created_at, k.site_name, c.owner, c.opened_at, c.due_at, c.status, c.callback_note,"
           " c.called_at, c.rectification, c.closed_at, c.closed_by FROM ratings r"
           " JOIN kiosks k ON k.kiosk_id = r.kiosk_id LEFT JOIN console_cases c ON c.rating_id = r.rating_id")


def ratings(db: Database, who: User, *, bad_only: bool = False, limit: int = 1000) -> list[dict[str, Any]]:
    where, params = fleet.visible_sql(who, "k")
    extra = f" AND r.level IN ({','.join('?' * len(BAD))})" if bad_only else ""
    rows = db.all(_SELECT + " WHERE " + where + extra + " ORDER BY r.created_at DESC LIMIT ?",
                  (*params, *(BAD if bad_only else ()), limit))
    return [_view(r, who) for r in rows]


def case(db: Database, who: User, rating_id: str) -> dict[str, Any] | None:
    """A rating with its case, or None when unknown or another site's (404 alike)."""
    where, params = fleet.visible_sql(who, "k")
    r = db.one(_SELECT + " WHERE r.rating_id = ? AND " + where, (rating_id, *params))
    return None if r is None else _view(r, who)


def update(db: Database, who: User, rating_id: str, step: str, text: str, now: float) -> None:
    """One step of the follow-up: ``assign`` (owner), ``callback`` (回访记录), ``close`` (整改, then closed)."""
    if who.role != "rating":
        raise CaseError("只有好差评专员可以办理回访 (rating officers only)")
    text = text.strip()[:2000]
    if not text:
        raise CaseError("请填写内容 (text required)")
    with db.tx() as c:
        row = c.execute("SELECT status FROM console_cases WHERE rating_id = ?", (rating_id,)).fetchone()
        if row is None:
            raise CaseError("该评价无需回访 (no follow-up case)")
        if row["status"] == "closed":
            raise CaseError("已办结 (case closed)")
        if step == "assign":
            c.execute("UPDATE console_cases SET owner = ? WHERE rating_id = ?", (text[:60], rating_id))
        elif step == "callback":
            c.execute("UPDATE console_cases SET callback_note = ?, called_at = ?, status = 'called',"
                      " owner = CASE owner WHEN '' THEN ? ELSE owner END WHERE rating_id = ?",
                      (text, now, who.name, rating_id))
        elif step == "close":
            if row["status"] != "called":
                raise CaseError("请先记录回访情况 (record the call back first)")
            c.execute("UPDATE console_cases SET rectification = ?, status = 'closed', closed_at = ?, closed_by = ?"
                      " WHERE rating_id = ?", (text, now, who.name, rating_id))
        else:
            raise CaseError(f"unknown step {step!r}")


def report(db: Database, who: User, now: float) -> dict[str, Any]:
    """Follow-up rate (closed / cases) and overdue cases of what ``who`` may see."""
    cases_ = [r for r in ratings(db, who, bad_only=True, limit=100_000) if r.get("status")]
    closed = sum(1 for r in cases_ if r["status"] == "closed")
    called = sum(1 for r in cases_ if r["status"] in ("called", "closed"))
    overdue = [r for r in cases_ if r["status"] != "closed" and r["due_at"] < now]
    total = len(cases_)
    return {"cases": total, "called": called, "closed": closed,
            "call_rate": 1.0 if total == 0 else called / total, "close_rate": 1.0 if total == 0 else closed / total,
            "overdue": overdue}
