"""Audit of the reference platform's store: what arrived and what was charged,
and the two things that must never happen — a submission recorded twice and an
order (or a bill) charged twice. Used by `kiosk platform audit` and by the
crash/fault tests that check the kiosk's exactly-once promises."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reference_platform.db import Database


def audit(db: Database | str | Path) -> dict[str, Any]:
    store = db if isinstance(db, Database) else Database(db)
    try:
        return _audit(store)
    finally:
        if store is not db:
            store.close()


def _audit(store: Database) -> dict[str, Any]:
    applications = store.one("SELECT COUNT(*) AS n FROM cases")["n"]
    kiosk_applications = store.one("SELECT COUNT(*) AS n FROM cases WHERE idempotency_key IS NOT NULL")["n"]
    by_status = {r["status"]: r["n"] for r in store.all("SELECT status, COUNT(*) AS n FROM orders GROUP BY status")}
    charges = store.all(
        "SELECT o.order_id, o.status, o.amount_fen, COUNT(c.charge_id) AS n, COALESCE(SUM(c.amount_fen), 0) AS total"
        " FROM orders o LEFT JOIN charges c ON c.order_id = o.order_id GROUP BY o.order_id ORDER BY o.order_id"
    )
    same_key = store.all(
        "SELECT kiosk_id, idempotency_key, COUNT(*) AS n, GROUP_CONCAT(case_no) AS cases FROM cases"
        " WHERE idempotency_key IS NOT NULL GROUP BY kiosk_id, idempotency_key HAVING n > 1"
    )
    same_content = store.all(
        "SELECT content_sha256, COUNT(*) AS n, GROUP_CONCAT(case_no) AS cases FROM cases"
        " GROUP BY content_sha256 HAVING n > 1"
    )
    bill_orders: dict[str, list[str]] = {}
    for row in store.all("SELECT order_id, items_json FROM orders WHERE status IN ('paid', 'refund_pending')"):
        for item in json.loads(row["items_json"]):
            bill_orders.setdefault(item["ref"], []).append(row["order_id"])
    fee_refs = {r["ref"] for r in store.all("SELECT ref FROM bills")}
    double_bills = {ref: ids for ref, ids in bill_orders.items() if len(ids) > 1 and ref in fee_refs}
    double_charges = [
        {"order_id": r["order_id"], "charges": r["n"], "charged_fen": r["total"]}
        for r in charges
        if r["n"] > 1 or r["total"] > r["amount_fen"]
    ]
    duplicates = [{"kind": "same_idempotency_key", "cases": sorted(r["cases"].split(","))} for r in same_key] + [
        {"kind": "same_content", "cases": sorted(r["cases"].split(","))} for r in same_content
    ]
    return {
        "applications": applications,
        "applications_from_kiosks": kiosk_applications,
        "orders": sum(by_status.values()),
        "orders_by_status": by_status,
        "payments": store.one("SELECT COUNT(*) AS n FROM charges")["n"],
        "refunds": store.one("SELECT COUNT(*) AS n FROM charges WHERE refunded_at IS NOT NULL")["n"],
        "charges_per_order": {r["order_id"]: r["n"] for r in charges},
        "duplicate_submissions": duplicates,
        "double_charges": double_charges,
        "bills_paid_twice": double_bills,
        "ok": not duplicates and not double_charges and not double_bills,
    }
