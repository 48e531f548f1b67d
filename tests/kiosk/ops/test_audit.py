"""Technician actions reach the platform through the outbox: durable, once, even after a restart."""

from __future__ import annotations

import logging
import time

from tests.kiosk.journeys.harness import Kiosk
from tests.waiting import eventually


def test_audit_records_are_delivered_to_the_platform(tmp_path) -> None:
    k = Kiosk(tmp_path)
    try:
        rt = k.runtime
        audit = logging.getLogger("kiosk.audit")
        audit.info("technician mode entered (PIN accepted)")
        audit.warning("technician PIN refused (%d attempt(s) left before the lock-out)", 4)
        assert eventually(lambda: rt.journal.counts()["delivered"] >= 2 and rt.journal.depth() == 0), \
            rt.journal.counts()
        entries = rt.client.technician_audit_entries(limit=5).entries
        assert [e.action for e in entries[:2]] == ["technician PIN refused (4 attempt(s) left before the lock-out)",
                                                   "technician mode entered (PIN accepted)"]
        assert [e.level for e in entries[:2]] == ["warning", "info"]
    finally:
        k.close()


def test_an_action_while_the_platform_is_away_is_sent_after_a_restart(tmp_path) -> None:
    """Journaled first: a kiosk that was offline, then restarted, still delivers the record."""
    k = Kiosk(tmp_path, platform_url="http://127.0.0.1:9")  # nothing listens there: unreachable
    try:
        logging.getLogger("kiosk.audit").info("technician requested a reboot")
        assert k.runtime.journal.counts()["pending"] == 1
    finally:
        k.close()
    again = Kiosk(tmp_path)
    try:
        rt = again.runtime
        assert eventually(lambda: rt.journal.depth() == 0), rt.journal.counts()
        assert rt.client.technician_audit_entries(limit=1).entries[0].action == "technician requested a reboot"
    finally:
        again.close()


def test_the_platform_lifts_a_technician_lock_out_once(tmp_path) -> None:
    """``kiosk platform technician-unlock`` -> the next heartbeat's answer -> the kiosk's PIN gate reset."""
    from kiosk.ops.pin import MAX_FAILURES, PIN_STATE_FILE, PinGate, hash_pin
    from reference_platform.db import Database
    from reference_platform.routes.technician_audit import request_unlock

    k = Kiosk(tmp_path, metrics={"enabled": False, "heartbeat_s": 3600})
    try:
        rt = k.runtime
        state = rt.state_dir / PIN_STATE_FILE
        gate = PinGate(hash_pin("246810"), state)
        for _ in range(MAX_FAILURES):
            gate.try_pin("135790")
        assert gate.locked_for() > 0
        assert rt.heartbeat.beat()
        assert PinGate(gate.stored_hash, state).locked_for() > 0  # no unlock asked for yet
        db = Database(rt.server.db_path)
        try:
            request_unlock(db, rt.cfg.kiosk.id, time.time())
        finally:
            db.close()
        assert rt.heartbeat.beat()
        assert PinGate(gate.stored_hash, state).locked_for() == 0
        again = PinGate(gate.stored_hash, state)
        for _ in range(MAX_FAILURES):
            again.try_pin("135790")
        assert rt.heartbeat.beat()
        assert PinGate(gate.stored_hash, state).locked_for() > 0  # the same unlock is applied only once
    finally:
        k.close()


def test_each_record_names_the_signed_in_technician_and_a_typed_id_is_masked() -> None:
    from kiosk.ops.audit import AuditForwarder, signed_in

    sent: list[dict] = []
    forwarder = AuditForwarder(lambda kind, body: sent.append(body), lambda: None)
    forwarder.attach()
    audit = logging.getLogger("kiosk.audit")
    try:
        audit.info("technician PIN prompt opened from the attract screen")
        audit.warning("technician PIN refused for %s", "440106199001011234",
                      extra={"technician_id": "440106199001011234"})
        signed_in("T001")
        audit.info("technician exported the logs")
        signed_in(None)
        audit.info("technician PIN prompt opened from the attract screen")
    finally:
        forwarder.detach()
        signed_in(None)
    assert [b["technician_id"] for b in sent] == [None, "440106********1234", "T001", None]
    assert "199001011234" not in repr(sent)
