"""The invariants, checked after the last kill from three independent records.

* the platform's database (``reference_platform.audit`` plus a few direct reads): the cases,
  orders, charges and the idempotency keys it saw;
* the acknowledgement file: what citizens were shown as done;
* the kiosk's state folder: journal counts (the metadata is plain, the payloads sealed),
  the payment ledger and the reprint table.

Violations (each must be zero):

``lost``
    applications acknowledged to a citizen that are not on the platform.
``duplicated``
    the same application on the platform twice (same idempotency key, or same content:
    every scripted application is unique, so equal content is a resend under a new key).
``double_charged``
    an order with more than one charge, a bill paid by two orders, or an order that
    received payment requests under more than one idempotency key (only the platform's
    own guard stopped a second charge).
``lost_paid_prints``
    a paid print (a certificate's print fee) that was neither printed (shown as printed,
    or recorded as delivered by the kiosk), nor reprintable from its receipt code at this
    kiosk, nor refunded.
``lost_payments``
    an order shown to the citizen as paid that the platform does not have as paid.
``journal_left`` / ``unsettled_orders``
    items still unsent, or orders still open, after the final kiosk had its time to
    drain and settle; ``paid_orders_unknown_to_kiosk``: a charge the kiosk has no record of.
``journal_unreadable``
    items the kiosk can no longer decrypt (set aside, never sent): a crash must never
    leave a row or a key that the kiosk cannot open again.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any

from devtools.chaos.acks import ACKS, EVENTS, read_lines
from reference_platform.audit import audit

OPEN = ("created", "pending")
PAID = ("paid", "refund_pending", "refunded")
DETAILS_MAX = 20


def _ro(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    return db


def platform_orders(db_path: Path, kiosk_id: str) -> set[str]:
    """The kiosk's orders already on the platform (the demo seed's), left out of the verdict."""
    with closing(_ro(db_path)) as db:
        return {r[0] for r in db.execute("SELECT order_id FROM orders WHERE kiosk_id = ?", (kiosk_id,))}


def _platform(db_path: Path, kiosk_id: str, before: set[str]) -> dict[str, Any]:
    with closing(_ro(db_path)) as db:
        keys = {r[0] for r in db.execute(
            "SELECT idempotency_key FROM cases WHERE kiosk_id = ? AND idempotency_key IS NOT NULL", (kiosk_id,))}
        orders = {r["order_id"]: dict(r) for r in db.execute(
            "SELECT order_id, status, service_code, receipt_code, expires_at FROM orders WHERE kiosk_id = ?",
            (kiosk_id,)) if r["order_id"] not in before}
        print_services = {r[0] for r in db.execute(
            "SELECT DISTINCT service_code FROM certificates WHERE print_fee_fen > 0")}
        pay_keys = Counter(r[0] for r in db.execute(
            "SELECT path FROM idempotency WHERE kiosk_id = ? AND method = 'POST' AND path LIKE '/v1/orders/%/pay'",
            (kiosk_id,)))
    return {"keys": keys, "orders": orders, "print_services": print_services,
            "pay_attempts": {p.split("/")[3]: n for p, n in pay_keys.items()}}


def _journal(state: Path) -> dict[str, int]:
    path = state / "journal" / "journal.db"
    if not path.exists():
        return {"pending": 0, "rejected": 0, "unreadable": 0, "delivered": 0}
    with closing(_ro(path)) as db:
        states = dict(db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state"))
        out = {"pending": 0, "rejected": 0, "unreadable": 0, **states}
        out["delivered"] = db.execute("SELECT COUNT(*) FROM delivered").fetchone()[0]
    return out


def _ledger(state: Path) -> dict[str, dict[str, Any]]:
    path = state / "journal" / "payments.db"
    if not path.exists():
        return {}
    with closing(_ro(path)) as db:
        columns = {r[1] for r in db.execute("PRAGMA table_info(orders)")}
        purpose = "purpose" if "purpose" in columns else "'' AS purpose"
        return {r["order_id"]: dict(r) for r in db.execute(
            f"SELECT order_id, state, receipt_code, delivered, {purpose} FROM orders")}


def _reprintable(state: Path, code: str) -> bool:
    """Would this kiosk reprint ``code`` if the citizen typed it (the reprint journey's own lookup)?"""
    from kiosk.services.ledger import PaymentLedger
    from kiosk.services.reprints import REPRINT_DB, ReprintTable, find_reprint

    if not code:
        return False
    ledger = PaymentLedger(state / "journal")
    try:
        return find_reprint(ReprintTable(state / REPRINT_DB), ledger, code) is not None
    finally:
        ledger.close()


def judge(run_dir: Path, db_path: Path, state: Path, kiosk_id: str, before: set[str] = frozenset()) -> dict[str, Any]:
    acks = list(read_lines(run_dir / ACKS))
    events = list(read_lines(run_dir / EVENTS))
    report = audit(db_path)
    platform = _platform(db_path, kiosk_id, set(before))
    journal = _journal(state)
    ledger = _ledger(state)
    now = time.time()

    acked_apps = {a["key"]: a for a in acks if a["kind"] == "application"}
    lost = sorted(k for k in acked_apps if k not in platform["keys"])

    orders = platform["orders"]
    several_attempts = {o: n for o, n in platform["pay_attempts"].items() if n > 1}
    double = ([d["order_id"] for d in report["double_charges"]] + sorted(report["bills_paid_twice"])
              + sorted(several_attempts))

    paid_acks = {a["order_id"]: a for a in acks if a["kind"] == "paid"}
    lost_payments = sorted(o for o in paid_acks if orders.get(o, {}).get("status") not in PAID)
    printed_acks = {a["order_id"] for a in acks if a["kind"] == "printed" and a.get("order_id")}

    lost_prints: list[dict[str, Any]] = []
    paid_prints = [o for o in orders.values()
                   if o["service_code"] in platform["print_services"] and o["status"] in PAID]
    for o in paid_prints:
        kept = ledger.get(o["order_id"], {})
        if o["status"] == "refunded" or o["order_id"] in printed_acks:
            continue
        if kept.get("delivered") and str(kept.get("purpose", "")).startswith("print:"):
            continue  # the kiosk recorded the print as done (only after the printer finished)
        if _reprintable(state, o["receipt_code"] or ""):
            continue
        lost_prints.append({"order_id": o["order_id"], "receipt_code": o["receipt_code"],
                            "ledger": kept.get("state"), "shown_paid": o["order_id"] in paid_acks})

    unsettled = sorted({oid for oid, k in ledger.items() if k["state"] in (*OPEN, "refund_pending")}
                       | {oid for oid, o in orders.items()
                          if o["status"] in OPEN and o["expires_at"] > now and oid in ledger})
    unknown_open = sorted(oid for oid, o in orders.items()
                          if o["status"] in OPEN and o["expires_at"] > now and oid not in ledger)
    paid_unknown = sorted(oid for oid, o in orders.items() if o["status"] in PAID and oid not in ledger)

    kinds = Counter(e.get("visit") for e in events if e["kind"] == "visit")
    result = {
        "visits_started": sum(kinds.values()),
        "visits_by_kind": dict(kinds),
        "visits_abandoned": sum(1 for e in events if e["kind"] == "stuck"),
        "applications_acknowledged": len(acked_apps),
        "applications_on_platform": report["applications_from_kiosks"],
        "lost": len(lost),
        "duplicated": len(report["duplicate_submissions"]),
        "double_charged": len(double),
        "lost_paid_prints": len(lost_prints),
        "lost_payments": len(lost_payments),
        "journal_left": journal["pending"],
        "journal_rejected": journal["rejected"],
        "journal_unreadable": journal["unreadable"],
        "unsettled_orders": len(unsettled),
        "paid_orders_unknown_to_kiosk": len(paid_unknown),
        "payments_acknowledged": len(paid_acks),
        "payments_on_platform": report["payments"],
        "paid_prints": len(paid_prints),
        "prints_acknowledged": sum(1 for a in acks if a["kind"] == "printed"),
        "reprint_codes_shown": sum(1 for a in acks if a["kind"] == "reprint_code"),
        "reprints_printed": sum(1 for a in acks if a["kind"] == "printed" and a.get("what") == "reprint"),
        "reprints_refused": sum(1 for e in events if e["kind"] == "reprint_refused"),
        "orders_open_unknown_to_kiosk": len(unknown_open),
        "details": {
            "lost": lost[:DETAILS_MAX],
            "duplicated": report["duplicate_submissions"][:DETAILS_MAX],
            "double_charged": double[:DETAILS_MAX],
            "lost_paid_prints": lost_prints[:DETAILS_MAX],
            "lost_payments": lost_payments[:DETAILS_MAX],
            "unsettled_orders": unsettled[:DETAILS_MAX],
            "paid_orders_unknown_to_kiosk": paid_unknown[:DETAILS_MAX],
            "journal_rejected": journal["rejected"],
        },
    }
    violations = ("lost", "duplicated", "double_charged", "lost_paid_prints", "lost_payments", "journal_left",
                  "journal_rejected", "journal_unreadable", "unsettled_orders", "paid_orders_unknown_to_kiosk")
    result["violations"] = [v for v in violations if result[v]]
    return result
