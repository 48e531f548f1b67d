"""The console's own tables, kept apart from the kiosk-facing schema in reference_platform.db.

Created on first use (``ensure``), so a platform database made before the console gains
them without a migration step.
"""

from __future__ import annotations

from reference_platform.db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS console_users (
    name TEXT PRIMARY KEY, role TEXT NOT NULL CHECK (role IN ('operator', 'host', 'rating')),
    site TEXT NOT NULL DEFAULT '', pw_hash TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS console_sessions (
    token_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL REFERENCES console_users ON DELETE CASCADE,
    csrf TEXT NOT NULL, created_at REAL NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS console_audit (
    id INTEGER PRIMARY KEY, at REAL NOT NULL, user_name TEXT NOT NULL, role TEXT NOT NULL,
    site TEXT NOT NULL DEFAULT '', action TEXT NOT NULL, target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '', client TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS console_audit_at ON console_audit (at);
CREATE TABLE IF NOT EXISTS console_alerts (
    alert_id INTEGER PRIMARY KEY, kiosk_id TEXT NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '', opened_at REAL NOT NULL, closed_at REAL, acked_by TEXT, acked_at REAL);
CREATE UNIQUE INDEX IF NOT EXISTS console_alerts_open
    ON console_alerts (kiosk_id, kind, subject) WHERE closed_at IS NULL;
CREATE TABLE IF NOT EXISTS console_cases (
    rating_id TEXT PRIMARY KEY, owner TEXT NOT NULL DEFAULT '', opened_at REAL NOT NULL, due_at REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'called', 'closed')),
    callback_note TEXT NOT NULL DEFAULT '', called_at REAL, rectification TEXT NOT NULL DEFAULT '',
    closed_at REAL, closed_by TEXT);
"""


def ensure(db: Database) -> None:
    with db.tx() as c:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                c.execute(statement)
