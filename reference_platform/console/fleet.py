"""The fleet as the console shows it: each kiosk's row built from its last heartbeat.

The heartbeat JSON is read as a plain dict, tolerantly: a field the kiosk's version does not
send yet (``unsent_oldest_age_s``, ``payments_paused``, ``disk_free_bytes``,
``last_visit_at``) shows as unknown, never as a fault, so kiosks on older releases still list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reference_platform.console.auth import User
from reference_platform.console.settings import ConsoleSettings
from reference_platform.db import Database

DEVICE_LABELS = {"idreader": "身份证阅读器", "scanner": "扫描仪", "printer": "凭条打印机", "a4printer": "A4打印机",
                 "camera": "摄像头"}
STATE_LABELS = {"online": "正常", "offline": "离线", "busy": "忙", "hardware_error": "硬件故障",
                "user_error": "操作异常"}
MEDIA_LABELS = {"ok": "充足", "near_end": "将尽", "out": "缺纸", "jammed": "卡纸"}
SORT_KEYS = ("kiosk", "site", "status", "last_seen", "backlog", "disk")


@dataclass
class KioskRow:
    kiosk_id: str
    site: str
    last_seen: float | None
    online: bool
    beat: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def devices(self) -> list[dict[str, Any]]:
        return [d for d in self.beat.get("devices") or [] if isinstance(d, dict)]

    @property
    def paper(self) -> list[tuple[str, str]]:
        return [(d.get("name", "?"), d["media"]) for d in self.devices if d.get("media")]

    def get(self, key: str) -> Any:
        return self.beat.get(key)


def _parse_time(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def problems(beat: dict[str, Any], online: bool, settings: ConsoleSettings) -> list[str]:
    """The row's problems, in the words of the fleet page's 问题 column."""
    found = [] if online else ["离线"]
    for d in beat.get("devices") or []:
        if not isinstance(d, dict):
            continue
        label = DEVICE_LABELS.get(d.get("name", ""), d.get("name", "?"))
        if d.get("state") == "hardware_error":
            found.append(f"{label}故障")
        if d.get("media") in ("near_end", "out", "jammed"):
            found.append(f"{label}{MEDIA_LABELS[d['media']]}")
    oldest = beat.get("unsent_oldest_age_s")
    if isinstance(oldest, int | float) and oldest > settings.backlog_alert_s:
        found.append("积压超时")
    if beat.get("rolled_back"):
        found.append("已回退")
    if beat.get("payments_paused"):
        found.append("支付暂停")
    return found


def row_of(r: Any, now: float, settings: ConsoleSettings) -> KioskRow:
    try:
        beat = json.loads(r["last_heartbeat_json"]) if r["last_heartbeat_json"] else {}
    except ValueError:
        beat = {}
    if not isinstance(beat, dict):
        beat = {}
    seen = _parse_time(r["last_heartbeat"])
    online = seen is not None and now - seen <= settings.offline_after_s
    return KioskRow(r["kiosk_id"], r["site_name"], seen, online, beat, problems(beat, online, settings))


def visible_sql(who: User, table: str = "") -> tuple[str, tuple[Any, ...]]:
    """The WHERE clause limiting kiosks (``table``: their alias) to what ``who`` may see; every
    console query on kiosks, alerts and ratings goes through it."""
    if who.scoped:
        return f"{table + '.' if table else ''}site_name = ?", (who.site,)
    return "1 = 1", ()


def kiosks(db: Database, who: User, now: float, settings: ConsoleSettings) -> list[KioskRow]:
    where, params = visible_sql(who)
    rows = db.all("SELECT kiosk_id, site_name, last_heartbeat, last_heartbeat_json FROM kiosks WHERE "
                  + where + " ORDER BY kiosk_id", params)
    return [row_of(r, now, settings) for r in rows]


def kiosk(db: Database, who: User, kiosk_id: str, now: float, settings: ConsoleSettings) -> KioskRow | None:
    """One kiosk, or None when it does not exist *or* ``who`` may not see it (the page answers 404 alike)."""
    where, params = visible_sql(who)
    r = db.one("SELECT kiosk_id, site_name, last_heartbeat, last_heartbeat_json FROM kiosks WHERE kiosk_id = ? AND "
               + where, (kiosk_id, *params))
    return None if r is None else row_of(r, now, settings)


def sites(db: Database, who: User) -> list[str]:
    where, params = visible_sql(who)
    return [r["site_name"] for r in db.all("SELECT DISTINCT site_name FROM kiosks WHERE " + where
                                           + " ORDER BY site_name", params)]


def select(rows: list[KioskRow], site: str = "", status: str = "", sort: str = "kiosk",
           descending: bool = False) -> list[KioskRow]:
    """Filter (site; status online/offline/problem) and sort the fleet page's rows."""
    if site:
        rows = [k for k in rows if k.site == site]
    if status == "online":
        rows = [k for k in rows if k.online]
    elif status == "offline":
        rows = [k for k in rows if not k.online]
    elif status == "problem":
        rows = [k for k in rows if k.problems]
    keys = {
        "kiosk": lambda k: k.kiosk_id,
        "site": lambda k: (k.site, k.kiosk_id),
        "status": lambda k: (k.online, -len(k.problems), k.kiosk_id),
        "last_seen": lambda k: k.last_seen or 0.0,
        "backlog": lambda k: (k.get("journal_depth") or 0, k.get("unsent_oldest_age_s") or 0),
        "disk": lambda k: k.get("disk_free_bytes") if k.get("disk_free_bytes") is not None else float("inf"),
    }
    return sorted(rows, key=keys.get(sort, keys["kiosk"]), reverse=descending)


def history(db: Database, kiosk_id: str, limit: int = 120) -> list[tuple[float, dict[str, Any]]]:
    """The kiosk's latest heartbeats, oldest first (for the chart); call only after ``kiosk`` allowed it."""
    rows = db.all("SELECT received_at, json FROM heartbeat_history WHERE kiosk_id = ? ORDER BY id DESC LIMIT ?",
                  (kiosk_id, limit))
    out = []
    for r in reversed(rows):
        try:
            beat = json.loads(r["json"])
        except ValueError:
            continue
        out.append((r["received_at"], beat if isinstance(beat, dict) else {}))
    return out
