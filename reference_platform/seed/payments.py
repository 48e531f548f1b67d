"""Payments seeded: open bills anyone can pay at the kiosk (water, non-tax income) and two
orders settled before, so audits and reports are not empty."""

from __future__ import annotations

import sqlite3

from kiosk.platform.contract.demo import DEMO_KIOSK_ID
from reference_platform.db import dumps

OPEN_BILLS = [
    ("SW-0100234567", "440100-SW-1001", "水费 2026年10月 户号0100234567", "Water, Oct 2026, account 0100234567", 8650),
    ("SW-0100765432", "440100-SW-1001", "水费 2026年10月 户号0100765432", "Water, Oct 2026, account 0100765432",
     12340),
    ("FS-44010026000123", "440100-CZ-1002", "非税收入：考试报名费", "Non-tax income: exam registration fee", 12000),
    ("FS-44010026000456", "440100-CZ-1002", "非税收入：不动产登记费", "Non-tax income: registration fee", 8000),
]
"""(reference, service, description, description in English, amount in fen): bills of no one in particular."""
SETTLED = [("440100-YBJ-0201", 38000, "wechat"), ("440100-SW-1001", 7420, "alipay")]
"""(service, amount in fen, channel) of the orders paid on the days before seeding."""


def seed_open_bills(c: sqlite3.Connection) -> None:
    for ref, svc, d, d_en, amount in OPEN_BILLS:
        c.execute(
            "INSERT INTO bills (ref, service_code, person_id, description, description_en, amount_fen)"
            " VALUES (?, ?, NULL, ?, ?, ?)",
            (ref, svc, d, d_en, amount),
        )


def seed_history(c: sqlite3.Connection, now: float) -> None:
    """Two settled orders from before, so audits and reports are not empty."""
    for n, (svc, amount, channel) in enumerate(SETTLED, start=1):
        oid = f"O-SEED-{n}"
        items = [
            {
                "ref": "fee:0" if n == 1 else "SW-0100999999",
                "description": "",
                "description_en": "",
                "amount_fen": amount,
                "quantity": 1,
            }
        ]
        c.execute(
            "INSERT INTO orders (order_id, kiosk_id, service_code, items_json, amount_fen, status, mode, channel,"
            " receipt_code, created_at, expires_at, paid_at) VALUES (?, ?, ?, ?, ?, 'paid', 'scan', ?, ?, ?, ?, ?)",
            (
                oid,
                DEMO_KIOSK_ID,
                svc,
                dumps(items),
                amount,
                channel,
                f"R-SEED-{n}",
                now - 86400 * n,
                now - 86400 * n + 900,
                now - 86400 * n + 30,
            ),
        )
        c.execute(
            "INSERT INTO charges (charge_id, order_id, channel, code_hash, amount_fen, charged_at)"
            " VALUES (?, ?, ?, NULL, ?, ?)",
            (f"CH-SEED-{n}", oid, channel, amount, now - 86400 * n + 30),
        )
