"""Alerts: kiosk offline, device error, paper near end / out / jammed, backlog ageing, rolled back.

``evaluate`` compares what a kiosk's state calls for with the alerts open for it: new
conditions open an alert, conditions gone close theirs (an alert stays in the table with
opened/closed/acked times). It runs on every heartbeat, and from the ``Sweeper`` thread on a
timer, because a kiosk going silent sends nothing that could trigger it. Opened alerts go
to the ``Notifier`` (a webhook, when configured), which posts from its own thread with
retries so a slow receiver never holds a heartbeat.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests

from reference_platform.console import fleet, render
from reference_platform.console.auth import User
from reference_platform.console.settings import ConsoleSettings
from reference_platform.db import Database

log = logging.getLogger(__name__)

KIND_LABELS = {"offline": "终端离线", "device_error": "设备故障", "paper_near_end": "纸将用尽", "paper_out": "缺纸",
               "paper_jammed": "卡纸", "backlog_ageing": "积压未上传", "rolled_back": "系统已回退"}
WEBHOOK_ATTEMPTS = 4
WEBHOOK_TIMEOUT_S = 5.0


def wanted(row: fleet.KioskRow, settings: ConsoleSettings) -> dict[tuple[str, str], str]:
    """(kind, subject) -> detail for every alert the kiosk's state calls for."""
    out: dict[tuple[str, str], str] = {}
    if row.last_seen is not None and not row.online:
        out[("offline", "")] = f"最后心跳 last heartbeat {render.when(row.last_seen)}"
    for d in row.devices:
        name = str(d.get("name", "?"))
        if d.get("state") == "hardware_error":
            out[("device_error", name)] = str(d.get("detail") or "hardware_error")[:200]
        media = d.get("media")
        if media in ("near_end", "out", "jammed"):
            out[(f"paper_{media}", name)] = fleet.MEDIA_LABELS[media]
    oldest = row.get("unsent_oldest_age_s")
    if isinstance(oldest, int | float) and oldest > settings.backlog_alert_s:
        out[("backlog_ageing", "")] = f"最早未上传 {oldest / 60:.0f} 分钟, 共 {row.get('journal_depth') or 0} 件"
    if row.get("rolled_back"):
        out[("rolled_back", "")] = f"运行镜像 image {row.get('image_version') or '?'}"
    return out


def evaluate(db: Database, kiosk_id: str, now: float, settings: ConsoleSettings) -> list[dict[str, Any]]:
    """Open and close the kiosk's alerts; the alerts opened now (for the webhook).

    The kiosk's state is read inside the write transaction, so a sweep racing a heartbeat
    never opens an alert from a state the heartbeat has just replaced.
    """
    opened: list[dict[str, Any]] = []
    with db.tx() as c:
        r = c.execute("SELECT kiosk_id, site_name, last_heartbeat, last_heartbeat_json FROM kiosks"
                      " WHERE kiosk_id = ?", (kiosk_id,)).fetchone()
        if r is None:
            return []
        row = fleet.row_of(r, now, settings)
        want = wanted(row, settings)
        current = {(a["kind"], a["subject"]): a["alert_id"] for a in c.execute(
            "SELECT alert_id, kind, subject FROM console_alerts WHERE kiosk_id = ? AND closed_at IS NULL", (kiosk_id,))}
        for key, alert_id in current.items():
            if key not in want:
                c.execute("UPDATE console_alerts SET closed_at = ? WHERE alert_id = ?", (now, alert_id))
        for (kind, subject), detail in want.items():
            if (kind, subject) in current:
                continue
            cur = c.execute("INSERT INTO console_alerts (kiosk_id, kind, subject, detail, opened_at)"
                            " VALUES (?, ?, ?, ?, ?)", (kiosk_id, kind, subject, detail, now))
            opened.append({"alert_id": cur.lastrowid, "kiosk_id": kiosk_id, "site": row.site, "kind": kind,
                           "label": KIND_LABELS[kind], "subject": subject, "detail": detail, "opened_at": now})
    return opened


def gone_silent(db: Database, now: float, settings: ConsoleSettings) -> list[str]:
    """Kiosks past the offline threshold without an open offline alert: all the sweep has to look at
    (every other condition comes with a heartbeat and is evaluated there)."""
    cutoff = datetime.fromtimestamp(now - settings.offline_after_s, UTC).isoformat()
    return [r["kiosk_id"] for r in db.all(
        "SELECT kiosk_id FROM kiosks WHERE last_heartbeat IS NOT NULL AND last_heartbeat < ? AND kiosk_id NOT IN"
        " (SELECT kiosk_id FROM console_alerts WHERE kind = 'offline' AND closed_at IS NULL)", (cutoff,))]


def listing(db: Database, who: User, *, open_only: bool, limit: int = 500) -> list[dict[str, Any]]:
    where, params = fleet.visible_sql(who, "k")
    sql = ("SELECT a.*, k.site_name FROM console_alerts a JOIN kiosks k ON k.kiosk_id = a.kiosk_id WHERE "
           + where + (" AND a.closed_at IS NULL" if open_only else "") + " ORDER BY a.alert_id DESC LIMIT ?")
    return [dict(r) for r in db.all(sql, (*params, limit))]


def acknowledge(db: Database, who: User, alert_id: int, now: float) -> dict[str, Any] | None:
    """Mark an alert seen by ``who``; None when it does not exist or is another site's."""
    where, params = fleet.visible_sql(who, "k")
    with db.tx() as c:
        row = c.execute("SELECT a.* FROM console_alerts a JOIN kiosks k ON k.kiosk_id = a.kiosk_id"
                        " WHERE a.alert_id = ? AND " + where, (alert_id, *params)).fetchone()
        if row is None:
            return None
        if row["acked_at"] is None:
            c.execute("UPDATE console_alerts SET acked_by = ?, acked_at = ? WHERE alert_id = ?",
                      (who.name, now, alert_id))
    return dict(row)


class Notifier:
    """Posts opened alerts to the webhook from one daemon thread; drops (and logs) what it cannot deliver."""

    def __init__(self, url: str | None, post: Callable[..., Any] = requests.post) -> None:
        self.url = url
        self._post = post
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(maxsize=10_000)
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.url and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="console-webhook", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(10)
            self._thread = None

    def send(self, alerts: list[dict[str, Any]]) -> None:
        if not self.url:
            return
        for alert in alerts:
            try:
                self._queue.put_nowait(alert)
            except queue.Full:
                log.warning("alert webhook queue full; alert %s not sent", alert.get("alert_id"))

    def _run(self) -> None:
        while (alert := self._queue.get()) is not None:
            for attempt in range(WEBHOOK_ATTEMPTS):
                try:
                    r = self._post(self.url, json=alert, timeout=WEBHOOK_TIMEOUT_S)
                    if r.status_code < 500:
                        break
                except requests.RequestException as exc:
                    log.info("alert webhook attempt %d failed: %s", attempt + 1, type(exc).__name__)
                time.sleep(min(2 ** attempt, 8))
            else:
                log.warning("alert %s not delivered to the webhook after %d attempts", alert.get("alert_id"),
                            WEBHOOK_ATTEMPTS)


class Sweeper:
    """Re-evaluates every kiosk each ``settings.sweep_interval_s`` (started and stopped with the app)."""

    def __init__(self, db: Database, settings: ConsoleSettings, clock: Callable[[], float],
                 notifier: Notifier) -> None:
        self.db, self.settings, self.clock, self.notifier = db, settings, clock, notifier
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep(self) -> int:
        opened = 0
        for kiosk_id in gone_silent(self.db, self.clock(), self.settings):
            new = evaluate(self.db, kiosk_id, self.clock(), self.settings)
            self.notifier.send(new)
            opened += len(new)
        return opened

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="console-alert-sweep", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.settings.sweep_interval_s):
            try:
                self.sweep()
            except Exception:  # a locked or closing database must not end the sweeping for good
                log.exception("alert sweep failed")
