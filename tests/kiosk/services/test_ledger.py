import pytest

from kiosk.platform.contract.payments import OrderStatus
from kiosk.services.ledger import TRANSITIONS, IllegalTransition, PaymentLedger


def test_one_attempt_per_order(tmp_path):
    ledger = PaymentLedger(tmp_path)
    ledger.record("O1", "S1", 2000, "R1")
    key = ledger.begin_attempt("O1")
    assert ledger.get("O1").attempt_key == key
    with pytest.raises(IllegalTransition):
        ledger.begin_attempt("O1")


def test_attempt_survives_restart_and_forbids_a_second_charge(tmp_path):
    ledger = PaymentLedger(tmp_path)
    ledger.record("O1", "S1", 2000, "R1")
    ledger.begin_attempt("O1")
    ledger.close()
    reopened = PaymentLedger(tmp_path)
    assert reopened.get("O1").state is OrderStatus.PENDING
    with pytest.raises(IllegalTransition):
        reopened.begin_attempt("O1")


def test_illegal_transitions_are_refused(tmp_path):
    ledger = PaymentLedger(tmp_path)
    ledger.record("O1", "S1", 100, "R1")
    ledger.move("O1", OrderStatus.CANCELLED)
    with pytest.raises(IllegalTransition):
        ledger.move("O1", OrderStatus.PAID)


def test_a_paid_print_keeps_its_receipt_code_until_delivered(tmp_path):
    ledger = PaymentLedger(tmp_path)
    ledger.record("O1", "S1", 1000, "O1", purpose="print:C1")
    ledger.begin_attempt("O1")
    ledger.move("O1", OrderStatus.PAID, "RCODE12345")  # state and receipt code in one transaction
    ledger.close()
    reopened = PaymentLedger(tmp_path)  # the kiosk died before the printer got a byte
    owed = reopened.paid_undelivered("RCODE12345", "print:")
    assert owed is not None and owed.order_id == "O1" and owed.purpose == "print:C1" and not owed.delivered
    reopened.mark_delivered("O1")
    assert reopened.paid_undelivered("RCODE12345", "print:") is None


def test_a_ledger_from_before_purposes_is_migrated(tmp_path):
    import sqlite3

    db = sqlite3.connect(tmp_path / "payments.db")
    db.executescript("""
        CREATE TABLE orders (order_id TEXT PRIMARY KEY, service_code TEXT NOT NULL, amount_fen INTEGER NOT NULL,
            state TEXT NOT NULL, receipt_code TEXT NOT NULL, attempt_key TEXT,
            delivered INTEGER NOT NULL DEFAULT 0, updated_at REAL NOT NULL);
        INSERT INTO orders VALUES ('O1', 'S1', 100, 'paid', 'R1', 'k', 1, 0);
    """)
    db.close()
    ledger = PaymentLedger(tmp_path)
    assert ledger.get("O1").purpose == "" and ledger.get("O1").delivered


def test_every_platform_status_has_its_transitions():
    """The ledger records the platform's statuses as they are: a new one must get its rules here first."""
    assert set(TRANSITIONS) == set(OrderStatus)
    assert all(targets <= set(OrderStatus) for targets in TRANSITIONS.values())
