"""Service figures for hall managers, from the visit summaries kiosks send (no personal data).

Each ended visit arrives once (``record_summary``, behind ``POST /v1/visit-summaries``) as
one ``visit_summaries`` row and one ``visit_service_uses`` row per journey the citizen
opened. ``service_figures`` reads them back for some kiosks (None: all) over a range of
days (local days of the hall, inclusive), with the queue tickets the platform issued to
those kiosks; ``figures_csv`` is the same as a spreadsheet, per kiosk and per site
(``kiosks.site_name``). A hall's day is the day the visit started in the hall's zone.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from kiosk.platform.contract.summaries import VisitSummary
from reference_platform.db import Database
from reference_platform.seed.common import LOCAL_TZ

COUNTERS = ("visits", "completed_visits", "pages_thermal", "pages_a4", "payments", "payments_fen", "queue_tickets")
WAIT_NOTE = ("the queue table records when a ticket was issued and whether it was served, not when it was called:"
             " there is no measured wait to report")
CSV_COLUMNS = ("scope", "kiosk_id", "site_name", "day", "service_code", "journey", "uses", "completed", "abandoned",
               "avg_duration_s", *COUNTERS)


def _local_day(ts: float) -> str:
    return datetime.fromtimestamp(ts, LOCAL_TZ).date().isoformat()


def record_summary(db: Database, kiosk_id: str, summary: VisitSummary, *, now: float) -> bool:
    """Store one visit's summary; False when this kiosk had already sent this visit (counted once)."""
    start, end = summary.started_at.timestamp(), summary.ended_at.timestamp()
    day = _local_day(start)
    with db.tx() as c:
        added = c.execute(
            "INSERT OR IGNORE INTO visit_summaries (kiosk_id, visit_id, day, started_at, ended_at, language,"
            " elder_mode, outcome, pages_thermal, pages_a4, payments, payments_fen, queue_tickets, received_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kiosk_id, summary.visit_id, day, start, max(start, end), summary.language, int(summary.elder_mode),
             summary.outcome, summary.pages_thermal, summary.pages_a4, summary.payments, summary.payments_fen,
             summary.queue_tickets, now)).rowcount == 1
        if added:
            c.executemany(
                "INSERT INTO visit_service_uses (kiosk_id, visit_id, seq, day, service_code, journey, last_step,"
                " completed, abandoned_at, duration_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(kiosk_id, summary.visit_id, n, day, u.service_code, u.journey, u.last_step, int(u.completed),
                  None if u.completed else (u.abandoned_at or u.last_step), u.duration_s)
                 for n, u in enumerate(summary.services)])
    return added


def _where(kiosk_ids: list[str] | None, since: date, until: date, table: str = "") -> tuple[str, list[Any]]:
    prefix = f"{table}." if table else ""
    sql = f"{prefix}day >= ? AND {prefix}day <= ?"
    params: list[Any] = [since.isoformat(), until.isoformat()]
    if kiosk_ids is not None:
        sql += f" AND {prefix}kiosk_id IN ({','.join('?' * len(kiosk_ids))})" if kiosk_ids else " AND 0"
        params += list(kiosk_ids)
    return sql, params


def _counters(rows: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(COUNTERS, 0)
    spent = 0.0
    for r in rows:
        out["visits"] += 1
        out["completed_visits"] += r["outcome"] == "completed"
        for key in COUNTERS[2:]:
            out[key] += r[key]
        spent += r["ended_at"] - r["started_at"]
    out["avg_visit_s"] = round(spent / len(rows), 1) if rows else None
    return out


def _queue(db: Database, kiosk_ids: list[str] | None, since: date, until: date) -> dict[str, Any]:
    """Tickets the platform issued to these kiosks, by local day, from the queue table."""
    start = datetime.combine(since, datetime.min.time(), LOCAL_TZ).timestamp()
    stop = datetime.combine(until + timedelta(days=1), datetime.min.time(), LOCAL_TZ).timestamp()
    sql, params = "issued_at >= ? AND issued_at < ?", [start, stop]
    if kiosk_ids is not None:
        sql += f" AND kiosk_id IN ({','.join('?' * len(kiosk_ids))})" if kiosk_ids else " AND 0"
        params += list(kiosk_ids)
    by_day: dict[str, dict[str, int]] = defaultdict(lambda: {"issued": 0, "served": 0})
    for r in db.all(f"SELECT issued_at, served FROM queue_tickets WHERE {sql}", tuple(params)):
        day = by_day[_local_day(r["issued_at"])]
        day["issued"] += 1
        day["served"] += bool(r["served"])
    days = [{"day": d, **v} for d, v in sorted(by_day.items())]
    return {"issued": sum(d["issued"] for d in days), "served": sum(d["served"] for d in days), "by_day": days,
            "wait_s": None, "wait_note": WAIT_NOTE}


def service_figures(db: Database, kiosk_ids: list[str] | None, since: date, until: date) -> dict[str, Any]:
    """The figures of ``kiosk_ids`` (None: every kiosk) for the local days ``since``..``until`` inclusive.

    Keys: ``since``, ``until``; ``totals`` (visits, completed_visits, pages_thermal, pages_a4,
    payments, payments_fen, queue_tickets, avg_visit_s); ``days`` (the same per day);
    ``services`` (per day and service: uses, completed, abandoned — visits per service per
    day); ``steps`` (per journey, service and step: ``completed`` uses that ended there and
    ``abandoned`` uses the citizen left there); ``journeys`` (uses, completed, abandoned,
    completion_rate, avg_duration_s); ``queue`` (tickets issued and served per day from the
    queue table; ``wait_s`` None with ``wait_note`` saying why); ``per_kiosk`` and
    ``per_site`` (the totals per kiosk with its site, and per site with its kiosk count).
    """
    where, params = _where(kiosk_ids, since, until)
    visits = db.all(f"SELECT * FROM visit_summaries WHERE {where} ORDER BY day, started_at", tuple(params))
    uses = db.all(f"SELECT * FROM visit_service_uses WHERE {where}", tuple(params))
    sites = {r["kiosk_id"]: r["site_name"] for r in db.all("SELECT kiosk_id, site_name FROM kiosks")}
    by_day: dict[str, list[Any]] = defaultdict(list)
    by_kiosk: dict[str, list[Any]] = defaultdict(list)
    for v in visits:
        by_day[v["day"]].append(v)
        by_kiosk[v["kiosk_id"]].append(v)
    per_site: dict[str, list[Any]] = defaultdict(list)
    for kid, rows in by_kiosk.items():
        per_site[sites.get(kid, "")].extend(rows)
    return {
        "since": since.isoformat(), "until": until.isoformat(),
        "totals": _counters(visits),
        "days": [{"day": d, **_counters(rows)} for d, rows in sorted(by_day.items())],
        "services": _grouped(uses, ("day", "service_code")),
        "steps": _grouped(uses, ("journey", "service_code", "last_step"), rename={"last_step": "step"}),
        "journeys": _grouped(uses, ("journey",)),
        "queue": _queue(db, kiosk_ids, since, until),
        "per_kiosk": [{"kiosk_id": k, "site_name": sites.get(k, ""), **_counters(rows)}
                      for k, rows in sorted(by_kiosk.items())],
        "per_site": [{"site_name": s, "kiosks": len({r["kiosk_id"] for r in rows}), **_counters(rows)}
                     for s, rows in sorted(per_site.items())],
    }


def _grouped(uses: list[Any], keys: tuple[str, ...], rename: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Journey uses grouped by ``keys``: uses, completed, abandoned, completion_rate, avg_duration_s."""
    groups: dict[tuple, list[Any]] = defaultdict(list)
    for u in uses:
        groups[tuple(u[k] for k in keys)].append(u)
    out = []
    for key, rows in sorted(groups.items(), key=lambda kv: tuple(str(k) for k in kv[0])):
        done = sum(r["completed"] for r in rows)
        entry = {(rename or {}).get(k, k): v for k, v in zip(keys, key, strict=True)}
        entry.update(uses=len(rows), completed=done, abandoned=len(rows) - done,
                     completion_rate=round(done / len(rows), 3),
                     avg_duration_s=round(sum(r["duration_s"] for r in rows) / len(rows), 1))
        out.append(entry)
    return out


def figures_csv(db: Database, kiosk_ids: list[str] | None, since: date, until: date) -> str:
    """The figures as CSV (``CSV_COLUMNS``): one row per kiosk, day and service (``scope`` kiosk),
    then one per site, day and service (``scope`` site); a day's visit counters on its rows with
    an empty service, so a spreadsheet can sum either."""
    where, params = _where(kiosk_ids, since, until)
    visits = db.all(f"SELECT * FROM visit_summaries WHERE {where}", tuple(params))
    uses = db.all(f"SELECT * FROM visit_service_uses WHERE {where}", tuple(params))
    sites = {r["kiosk_id"]: r["site_name"] for r in db.all("SELECT kiosk_id, site_name FROM kiosks")}
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    scopes = (("kiosk", lambda kid: (kid, sites.get(kid, ""))), ("site", lambda kid: ("", sites.get(kid, ""))))
    for scope, who in scopes:
        days: dict[tuple, list[Any]] = defaultdict(list)
        for v in visits:
            days[(*who(v["kiosk_id"]), v["day"])].append(v)
        services: dict[tuple, list[Any]] = defaultdict(list)
        for u in uses:
            services[(*who(u["kiosk_id"]), u["day"], u["service_code"] or "", u["journey"])].append(u)
        for (kid, site, day), rows in sorted(days.items()):
            c = _counters(rows)
            out.writerow((scope, kid, site, day, "", "", "", "", "", c["avg_visit_s"], *(c[k] for k in COUNTERS)))
        for (kid, site, day, code, journey), rows in sorted(services.items()):
            done = sum(r["completed"] for r in rows)
            avg = round(sum(r["duration_s"] for r in rows) / len(rows), 1)
            out.writerow((scope, kid, site, day, code, journey, len(rows), done, len(rows) - done, avg,
                          *([""] * len(COUNTERS))))
    return buf.getvalue()
