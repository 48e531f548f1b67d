"""The console's audit trail: every sign-in (good or bad), sign-out, acknowledgement, case
update, remote action, contact view and export, with who, when and from where (details are
scrubbed of ID and phone numbers: the trail is read by more people than the case)."""

from __future__ import annotations

from kiosk.privacy import scrub
from reference_platform.console.auth import User
from reference_platform.db import Database


def record(db: Database, at: float, who: User | None, action: str, target: str = "", detail: str = "",
           client: str = "", *, name: str = "") -> None:
    with db.tx() as c:
        c.execute("INSERT INTO console_audit (at, user_name, role, site, action, target, detail, client)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  (at, who.name if who else name, who.role if who else "", who.site if who else "", action, target,
                   scrub(detail)[:500], client))


def entries(db: Database, who: User, limit: int = 500) -> list[dict]:
    """Operators read the whole trail; everyone else their own entries."""
    if who.role == "operator":
        rows = db.all("SELECT * FROM console_audit ORDER BY id DESC LIMIT ?", (limit,))
    else:
        rows = db.all("SELECT * FROM console_audit WHERE user_name = ? ORDER BY id DESC LIMIT ?", (who.name, limit))
    return [dict(r) for r in rows]
