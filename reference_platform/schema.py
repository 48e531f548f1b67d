"""The reference platform's tables, created by ``Database`` on every open (``IF NOT EXISTS``).

Kept apart from the connection handling in ``reference_platform.db``: an integrator reads
this to see what the platform stores; the other module is about when it reaches the disk.
"""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kiosks (
    kiosk_id TEXT PRIMARY KEY, secret TEXT NOT NULL, site_name TEXT NOT NULL DEFAULT '',
    hardware_id TEXT NOT NULL DEFAULT '', enrolled_at TEXT NOT NULL,
    last_heartbeat TEXT, last_heartbeat_json TEXT);
CREATE TABLE IF NOT EXISTS heartbeat_history (
    id INTEGER PRIMARY KEY, kiosk_id TEXT NOT NULL, received_at REAL NOT NULL, json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS heartbeat_history_kiosk ON heartbeat_history (kiosk_id, id);
CREATE TABLE IF NOT EXISTS technician_unlocks (kiosk_id TEXT PRIMARY KEY, requested_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS technicians (
    technician_id TEXT PRIMARY KEY, name TEXT NOT NULL, pin_hash TEXT NOT NULL, sites_json TEXT NOT NULL,
    kiosks_json TEXT NOT NULL, issued_at REAL NOT NULL, revoked_at REAL);
CREATE TABLE IF NOT EXISTS technician_audit (
    audit_id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, received_at TEXT NOT NULL, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS enrolment_codes (
    code TEXT PRIMARY KEY, uses_left INTEGER NOT NULL, expires_at REAL);
CREATE TABLE IF NOT EXISTS nonces (
    kiosk_id TEXT NOT NULL, nonce TEXT NOT NULL, seen_at REAL NOT NULL,
    PRIMARY KEY (kiosk_id, nonce));
CREATE TABLE IF NOT EXISTS idempotency (
    kiosk_id TEXT NOT NULL, key TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
    body_sha256 TEXT NOT NULL, status INTEGER, headers TEXT, body BLOB, created_at REAL NOT NULL,
    PRIMARY KEY (kiosk_id, key));
CREATE INDEX IF NOT EXISTS idempotency_created ON idempotency (created_at);
CREATE TABLE IF NOT EXISTS categories (code TEXT PRIMARY KEY, json TEXT NOT NULL, ord INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS services (code TEXT PRIMARY KEY, json TEXT NOT NULL, ord INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS person_documents (
    doc_type TEXT NOT NULL, doc_number TEXT NOT NULL, person_id TEXT NOT NULL,
    PRIMARY KEY (doc_type, doc_number));
CREATE TABLE IF NOT EXISTS persons (
    person_id TEXT PRIMARY KEY, id_number TEXT UNIQUE NOT NULL, name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '', card_type TEXT NOT NULL, gender TEXT NOT NULL,
    birth_date TEXT NOT NULL, phone TEXT NOT NULL DEFAULT '', address TEXT NOT NULL DEFAULT '',
    nationality TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS app_tokens (token TEXT PRIMARY KEY, person_id TEXT NOT NULL REFERENCES persons);
CREATE TABLE IF NOT EXISTS face_photos (
    person_id TEXT PRIMARY KEY REFERENCES persons, photo BLOB NOT NULL, descriptor BLOB);
CREATE TABLE IF NOT EXISTS face_checks (
    id_hash TEXT NOT NULL, masked_id TEXT NOT NULL, kiosk_id TEXT NOT NULL, at REAL NOT NULL,
    outcome TEXT NOT NULL, score REAL, reason TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS face_checks_by_id ON face_checks (id_hash, at);
CREATE TABLE IF NOT EXISTS person_sessions (
    token TEXT PRIMARY KEY, person_id TEXT NOT NULL REFERENCES persons, kiosk_id TEXT NOT NULL,
    expires_at REAL NOT NULL, issued_at REAL, ended_at REAL);
CREATE TABLE IF NOT EXISTS records (
    person_id TEXT NOT NULL REFERENCES persons, kind TEXT NOT NULL, seq INTEGER NOT NULL,
    json TEXT NOT NULL, PRIMARY KEY (person_id, kind, seq));
CREATE TABLE IF NOT EXISTS bills (
    ref TEXT PRIMARY KEY, service_code TEXT NOT NULL, person_id TEXT, description TEXT NOT NULL,
    description_en TEXT NOT NULL, amount_fen INTEGER NOT NULL, paid_order TEXT);
CREATE TABLE IF NOT EXISTS cases (
    case_no TEXT PRIMARY KEY, service_code TEXT NOT NULL, person_id TEXT NOT NULL,
    kiosk_id TEXT NOT NULL, idempotency_key TEXT, content_sha256 TEXT NOT NULL,
    status TEXT NOT NULL, receipt_code TEXT UNIQUE NOT NULL, received_at TEXT NOT NULL,
    promised_by TEXT, form_json TEXT NOT NULL, materials_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    order_id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, service_code TEXT NOT NULL, case_no TEXT,
    person_id TEXT, items_json TEXT NOT NULL, amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
    status TEXT NOT NULL, mode TEXT NOT NULL, channel TEXT, receipt_code TEXT,
    created_at REAL NOT NULL, expires_at REAL NOT NULL, paid_at REAL, refunded_at REAL);
CREATE TABLE IF NOT EXISTS charges (
    charge_id TEXT PRIMARY KEY, order_id TEXT UNIQUE NOT NULL REFERENCES orders,
    channel TEXT NOT NULL, code_hash TEXT, amount_fen INTEGER NOT NULL, charged_at REAL NOT NULL,
    refunded_at REAL);
CREATE TABLE IF NOT EXISTS used_payment_codes (code_hash TEXT PRIMARY KEY, used_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS certificates (
    cert_id TEXT PRIMARY KEY, person_id TEXT NOT NULL REFERENCES persons, kind TEXT NOT NULL,
    name TEXT NOT NULL, name_en TEXT NOT NULL, issuer TEXT NOT NULL, issuer_en TEXT NOT NULL,
    issued_on TEXT NOT NULL, valid_until TEXT, verification_code TEXT UNIQUE NOT NULL,
    status TEXT NOT NULL, service_code TEXT NOT NULL, print_fee_fen INTEGER NOT NULL,
    body_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS appointment_slots (
    slot_id TEXT PRIMARY KEY, service_code TEXT NOT NULL, day TEXT NOT NULL, start TEXT NOT NULL,
    end_ TEXT NOT NULL, capacity INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS appointments (
    code TEXT PRIMARY KEY, slot_id TEXT NOT NULL REFERENCES appointment_slots,
    person_id TEXT NOT NULL REFERENCES persons, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS queue_tickets (
    ticket_id TEXT PRIMARY KEY, number TEXT NOT NULL, service_code TEXT NOT NULL, window TEXT NOT NULL,
    window_en TEXT NOT NULL, person_id TEXT, appointment_code TEXT, issued_at REAL NOT NULL,
    served INTEGER NOT NULL DEFAULT 0, kiosk_id TEXT NOT NULL DEFAULT 'counter');
CREATE TABLE IF NOT EXISTS ratings (
    rating_id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, service_code TEXT NOT NULL, case_no TEXT,
    person_id TEXT, level TEXT NOT NULL, reasons TEXT NOT NULL, text TEXT NOT NULL,
    contact TEXT NOT NULL, follow_up INTEGER NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS help_calls (
    call_id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, reason TEXT NOT NULL, screen TEXT NOT NULL,
    service_code TEXT, note TEXT NOT NULL, status TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS announcements (
    announcement_id TEXT PRIMARY KEY, json TEXT NOT NULL, valid_from REAL NOT NULL, valid_until REAL);
CREATE TABLE IF NOT EXISTS remote_actions (
    action_id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, kind TEXT NOT NULL, params_json TEXT NOT NULL,
    issued_by TEXT NOT NULL, issued_at REAL NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
    detail TEXT NOT NULL DEFAULT '', acked_at REAL, payload_kind TEXT, payload BLOB);
CREATE INDEX IF NOT EXISTS remote_actions_kiosk ON remote_actions (kiosk_id, status, issued_at);
CREATE TABLE IF NOT EXISTS remote_action_acks (
    id INTEGER PRIMARY KEY, action_id TEXT NOT NULL REFERENCES remote_actions, status TEXT NOT NULL,
    detail TEXT NOT NULL, received_at REAL NOT NULL, payload_kind TEXT);
CREATE TABLE IF NOT EXISTS visit_summaries (
    kiosk_id TEXT NOT NULL, visit_id TEXT NOT NULL, day TEXT NOT NULL, started_at REAL NOT NULL,
    ended_at REAL NOT NULL, language TEXT NOT NULL, elder_mode INTEGER NOT NULL, outcome TEXT NOT NULL,
    pages_thermal INTEGER NOT NULL, pages_a4 INTEGER NOT NULL, payments INTEGER NOT NULL,
    payments_fen INTEGER NOT NULL, queue_tickets INTEGER NOT NULL, received_at REAL NOT NULL,
    PRIMARY KEY (kiosk_id, visit_id));
CREATE INDEX IF NOT EXISTS visit_summaries_day ON visit_summaries (day, kiosk_id);
CREATE TABLE IF NOT EXISTS visit_service_uses (
    kiosk_id TEXT NOT NULL, visit_id TEXT NOT NULL, seq INTEGER NOT NULL, day TEXT NOT NULL,
    service_code TEXT, journey TEXT NOT NULL, last_step TEXT NOT NULL, completed INTEGER NOT NULL,
    abandoned_at TEXT, duration_s REAL NOT NULL, PRIMARY KEY (kiosk_id, visit_id, seq));
CREATE INDEX IF NOT EXISTS visit_service_uses_day ON visit_service_uses (day, kiosk_id);
"""

# Any change to the catalogue's rows (by the platform or by hand) moves catalog_rev, so the
# served catalogue is rebuilt only then (routes.catalog) without reading every row per request.
SCHEMA += "".join(
    f"""CREATE TRIGGER IF NOT EXISTS {table}_{event.lower()}_rev AFTER {event} ON {table} BEGIN
    INSERT INTO meta (key, value) VALUES ('catalog_rev', '1')
    ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1; END;
"""
    for table in ("categories", "services") for event in ("INSERT", "UPDATE", "DELETE"))
