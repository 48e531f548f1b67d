"""The platform's own side: the demo kiosk and its enrolment code, the service catalogue, announcements."""

from __future__ import annotations

import sqlite3

from kiosk.platform.contract.demo import DEMO_KIOSK_ID, DEMO_SECRET
from reference_platform.catalog_data import CATEGORIES, SERVICES
from reference_platform.db import dumps
from reference_platform.seed.common import iso

DEMO_ENROLMENT_CODE = "DEMO-ENROL-2026"
DEMO_SITE = "示范政务服务中心"


def seed_kiosk(c: sqlite3.Connection, now: float) -> None:
    """The demo kiosk (enrolled with the demo secret) and the public enrolment code for more.

    Unlike issued codes the demo code is good for many kiosks (demos and tests enrol
    several); it only exists on a demo platform, which listens on loopback alone.
    """
    c.execute(
        "INSERT INTO kiosks (kiosk_id, secret, site_name, enrolled_at) VALUES (?, ?, ?, ?)",
        (DEMO_KIOSK_ID, DEMO_SECRET.decode(), DEMO_SITE, iso(now)),
    )
    c.execute("INSERT INTO enrolment_codes (code, uses_left) VALUES (?, ?)", (DEMO_ENROLMENT_CODE, 1000))


def seed_catalog(c: sqlite3.Connection) -> None:
    """Categories and services in catalogue order (reference_platform/catalog_data.py)."""
    for i, cat in enumerate(CATEGORIES):
        c.execute("INSERT INTO categories (code, json, ord) VALUES (?, ?, ?)", (cat.code, cat.model_dump_json(), i))
    for i, svc in enumerate(SERVICES):
        c.execute("INSERT INTO services (code, json, ord) VALUES (?, ?, ?)", (svc.code, svc.model_dump_json(), i))


def seed_announcements(c: sqlite3.Connection, now: float) -> None:
    items = [
        (
            "A1",
            {"zh_CN": "系统维护通知", "en": "Maintenance notice"},
            {
                "zh_CN": "本周六 0:00-6:00 系统维护，期间查询业务暂停。",
                "en": "Queries are unavailable on Saturday 0:00-6:00 for maintenance.",
            },
            "important",
        ),
        (
            "A2",
            {"zh_CN": "城乡居民医保开始缴费", "en": "Residents' medical insurance: payment open"},
            {
                "zh_CN": "2027年度城乡居民医保个人缴费已开始，可在本机缴纳。",
                "en": "The 2027 residents' medical insurance contribution can be paid here.",
            },
            "normal",
        ),
    ]
    for aid, title, text, prio in items:
        body = {
            "announcement_id": aid,
            "title": title,
            "text": text,
            "priority": prio,
            "valid_from": iso(now - 86400),
            "valid_until": iso(now + 60 * 86400),
        }
        c.execute(
            "INSERT INTO announcements (announcement_id, json, valid_from, valid_until) VALUES (?, ?, ?, ?)",
            (aid, dumps(body), now - 86400, now + 60 * 86400),
        )
