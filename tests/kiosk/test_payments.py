import pytest

from kiosk.payments import IllegalTransition, OrderState, PaymentLedger, reconcile


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
    assert reopened.get("O1").state is OrderState.PENDING
    with pytest.raises(IllegalTransition):
        reopened.begin_attempt("O1")


def test_illegal_transitions_are_refused(tmp_path):
    ledger = PaymentLedger(tmp_path)
    ledger.record("O1", "S1", 100, "R1")
    ledger.move("O1", OrderState.CANCELLED)
    with pytest.raises(IllegalTransition):
        ledger.move("O1", OrderState.PAID)


def test_reconcile_follows_the_platform_and_keeps_unreachable_ones(tmp_path):
    ledger = PaymentLedger(tmp_path)
    for oid in ("O1", "O2", "O3"):
        ledger.record(oid, "S1", 100, "R" + oid)
        ledger.begin_attempt(oid)
    truth = {"O1": OrderState.PAID, "O2": OrderState.FAILED}

    def fetch(order_id):
        if order_id not in truth:
            raise ConnectionError("down")
        return truth[order_id]

    counts = reconcile(ledger, fetch)
    assert counts == {"checked": 3, "changed": 2, "unreachable": 1}
    assert [o.order_id for o in ledger.unsettled()] == ["O3"]
    assert [o.order_id for o in ledger.undelivered_paid()] == ["O1"]
    ledger.mark_delivered("O1")
    assert ledger.undelivered_paid() == []
    assert ledger.by_receipt("RO1").state is OrderState.PAID
