"""The reprint table and what a typed code stands for (invariant 3: a print stays reprintable)."""

import stat
import time

from kiosk.platform.contract.payments import OrderStatus
from kiosk.services.ledger import PaymentLedger
from kiosk.services.reprints import (
    REPRINT_DB,
    ReprintEntry,
    ReprintTable,
    find_reprint,
    looks_like_code,
    normalise_code,
    reprint_code,
)


def test_a_code_is_kept_on_disk_without_anything_personal(tmp_path):
    table = ReprintTable(tmp_path / REPRINT_DB)
    table.add("ABCD2345", "C1", now=1000.0)
    again = ReprintTable(tmp_path / REPRINT_DB)  # a new process after a crash
    assert again.find("ABCD2345", now=1001.0) == ReprintEntry("ABCD2345", "C1", 1000.0)
    assert stat.S_IMODE((tmp_path / REPRINT_DB).stat().st_mode) == 0o600
    again.remove("ABCD2345")
    assert again.find("ABCD2345") is None and again.entries() == []


def test_codes_expire_and_old_rows_are_purged_on_write(tmp_path):
    table = ReprintTable(tmp_path / REPRINT_DB, keep_days=1)
    table.add("OLDCODE2", "C1", now=0.0)
    assert table.find("OLDCODE2", now=86400.0 + 1) is None  # past its days: not found
    table.add("NEWCODE2", "C2", now=86400.0 + 2)
    assert [e.code for e in table.entries()] == ["NEWCODE2"]


def test_a_paid_print_never_printed_is_found_by_its_receipt_code(tmp_path):
    table = ReprintTable(tmp_path / REPRINT_DB)
    ledger = PaymentLedger(tmp_path / "journal")
    ledger.record("O1", "S1", 500, "O1", purpose="print:C7")
    ledger.begin_attempt("O1")
    ledger.move("O1", OrderStatus.PAID, "RCPT23456")
    entry = find_reprint(table, ledger, "RCPT23456")
    assert entry is not None and (entry.code, entry.cert_id) == ("RCPT23456", "C7")
    ledger.mark_delivered("O1")  # printed: nothing is owed any more
    assert find_reprint(table, ledger, "RCPT23456") is None
    assert find_reprint(table, None, "RCPT23456") is None


def test_a_row_of_the_table_comes_before_the_ledger(tmp_path):
    table = ReprintTable(tmp_path / REPRINT_DB)
    table.add("ABCD2345", "C1")
    entry = find_reprint(table, None, "ABCD2345")
    assert entry is not None and entry.cert_id == "C1" and entry.created <= time.time()


def test_what_the_citizen_types_is_read_as_a_code():
    assert normalise_code(" abcd-2345 ") == "ABCD2345"
    assert looks_like_code("ABCD2345") and looks_like_code("RCPT23456789")
    assert not looks_like_code("ABCD234") and not looks_like_code("ABCD0345")  # too short; 0 is not used
    code = reprint_code()
    assert len(code) == 8 and looks_like_code(code)
