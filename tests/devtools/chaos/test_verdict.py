"""The chaos verdict on hand-made records: every invariant violation is noticed, a clean run is ok.

Each test builds the three records ``devtools.chaos.verdict.judge`` compares — a platform
database (the reference platform's schema, rows written by hand), the acknowledgement
and event files a worker writes, and a kiosk state folder (the real journal, payment
ledger and reprint table) — and checks the one figure it is about.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

from devtools.chaos.acks import ACKS, EVENTS, LineLog, read_lines
from devtools.chaos.verdict import judge, platform_orders
from devtools.chaos.visits.reprint import reprints_from_acks
from kiosk.platform.contract.payments import OrderStatus
from kiosk.services.journal import Journal
from kiosk.services.ledger import PaymentLedger
from kiosk.services.reprints import REPRINT_DB, ReprintTable
from reference_platform.db import Database

KIOSK = "demo-kiosk-001"
PRINT_SERVICE = "440100-ZW-0904"
FEE_SERVICE = "440100-YBJ-0201"
APPLY_SERVICE = "440100-RSJ-0103"
VIOLATIONS = ("lost", "duplicated", "double_charged", "lost_paid_prints", "lost_payments", "journal_left",
              "journal_rejected", "journal_unreadable", "unsettled_orders", "paid_orders_unknown_to_kiosk")


class World:
    """A platform database, a run folder and a kiosk state folder, filled by the test."""

    def __init__(self, root: Path) -> None:
        self.run = root / "run"
        self.run.mkdir()
        self.state = root / "state"
        self.db = root / "platform.sqlite3"
        Database(self.db).close()  # the reference platform's schema
        self._sql("INSERT INTO persons (person_id, id_number, name, card_type, gender, birth_date)"
                  " VALUES ('P002', '110105199001010022', '张三', 'resident', 'F', '1990-01-01')")
        self._sql("INSERT INTO certificates (cert_id, person_id, kind, name, name_en, issuer, issuer_en, issued_on,"
                  " verification_code, status, service_code, print_fee_fen, body_json)"
                  " VALUES ('C1', 'P002', 'credit', '个人信用报告', 'Credit report', 'x', 'x', '2026-01-01',"
                  " 'V1', 'valid', ?, 1000, '{}')", (PRINT_SERVICE,))
        self._cases = 0
        self._acks: LineLog | None = None
        self._events: LineLog | None = None
        self.journal: Journal | None = None
        self.ledger: PaymentLedger | None = None

    def _sql(self, sql: str, params: tuple = ()) -> None:
        with closing(sqlite3.connect(self.db)) as db, db:
            db.execute(sql, params)

    # -- the platform -------------------------------------------------------------------------
    def case(self, key: str | None, content: str | None = None, kiosk: str = KIOSK) -> str:
        self._cases += 1
        case_no = f"CASE{self._cases:04d}"
        self._sql("INSERT INTO cases (case_no, service_code, person_id, kiosk_id, idempotency_key, content_sha256,"
                  " status, receipt_code, received_at, form_json, materials_json)"
                  " VALUES (?, ?, 'P002', ?, ?, ?, 'received', ?, '2026-01-01T00:00:00Z', '{}', '[]')",
                  (case_no, APPLY_SERVICE, kiosk, key, content or f"sha-{case_no}", f"RC{case_no}"))
        return case_no

    def order(self, order_id: str, status: str, service: str = FEE_SERVICE, *, receipt: str | None = None,
              amount: int = 1000, items: list[dict] | None = None, expires_in: float = 600.0,
              kiosk: str = KIOSK, charged: int | None = None) -> None:
        """An order on the platform; a paid (or refunded) one gets its charge (``charged`` fen)."""
        now = time.time()
        self._sql("INSERT INTO orders (order_id, kiosk_id, service_code, items_json, amount_fen, status, mode,"
                  " receipt_code, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, 'scan', ?, ?, ?)",
                  (order_id, kiosk, service, json.dumps(items or [{"ref": "fee:0", "amount_fen": amount}]),
                   amount, status, receipt, now, now + expires_in))
        if status in ("paid", "refund_pending", "refunded"):
            self._sql("INSERT INTO charges (charge_id, order_id, channel, amount_fen, charged_at)"
                      " VALUES (?, ?, 'wechat', ?, ?)", (f"CH-{order_id}", order_id, charged or amount, now))

    def pay_request(self, order_id: str, key: str) -> None:
        """The platform's idempotency record of one POST /v1/orders/{id}/pay under ``key``."""
        self._sql("INSERT INTO idempotency (kiosk_id, key, method, path, body_sha256, created_at)"
                  " VALUES (?, ?, 'POST', ?, 'x', ?)", (KIOSK, key, f"/v1/orders/{order_id}/pay", time.time()))

    def bill(self, ref: str, amount: int = 20000) -> None:
        self._sql("INSERT INTO bills (ref, service_code, description, description_en, amount_fen)"
                  " VALUES (?, 'traffic', 'fine', 'fine', ?)", (ref, amount))

    # -- what the worker wrote ------------------------------------------------------------------
    def ack(self, kind: str, **fields) -> None:
        if self._acks is None:
            self._acks = LineLog(self.run / ACKS, durable=True)
        self._acks.write(kind, **fields)

    def event(self, kind: str, **fields) -> None:
        if self._events is None:
            self._events = LineLog(self.run / EVENTS, durable=False)
        self._events.write(kind, **fields)

    # -- the kiosk's state folder -------------------------------------------------------------
    def kiosk_journal(self) -> Journal:
        if self.journal is None:
            self.journal = Journal(self.state / "journal")
        return self.journal

    def kiosk_ledger(self) -> PaymentLedger:
        if self.ledger is None:
            self.ledger = PaymentLedger(self.state / "journal")
        return self.ledger

    def kept(self, order_id: str, state: OrderStatus, service: str = FEE_SERVICE, *, receipt: str = "",
             purpose: str = "", delivered: bool = False) -> None:
        """The order in the kiosk's ledger, in ``state``."""
        ledger = self.kiosk_ledger()
        ledger.record(order_id, service, 1000, receipt or order_id, OrderStatus.CREATED, purpose)
        if state is OrderStatus.PENDING:
            ledger.begin_attempt(order_id)
        elif state is not OrderStatus.CREATED:
            if state in (OrderStatus.REFUND_PENDING, OrderStatus.REFUNDED):
                ledger.move(order_id, OrderStatus.PAID, receipt or None)
            ledger.move(order_id, state, receipt or None)
        if delivered:
            ledger.mark_delivered(order_id)

    def applied(self, key: str) -> None:
        """An application journaled by the kiosk and acknowledged by the platform."""
        journal = self.kiosk_journal()
        journal.enqueue("application", {"form": {"x": key}}, key)
        item = next(i for i in journal.due() if i.idempotency_key == key)
        journal.acknowledge(item.id, "CASE")

    def judge(self, before: set[str] = frozenset()) -> dict:
        for closable in (self._acks, self._events, self.journal, self.ledger):
            if closable is not None:
                closable.close()
        self._acks = self._events = self.journal = self.ledger = None
        return judge(self.run, self.db, self.state, KIOSK, before)


@pytest.fixture
def world(tmp_path):
    return World(tmp_path)


def clean(world: World) -> None:
    """One of everything, all as it should be."""
    world.event("visit", n=1, visit="apply")
    world.applied("K1")
    world.case("K1")
    world.ack("application", key="K1", kiosk_ref="K1", case_no="CASE0001", state="delivered")
    world.event("visit", n=2, visit="pay")
    world.order("O1", "paid", receipt="R1")
    world.pay_request("O1", "A1")
    world.kept("O1", OrderStatus.PAID, receipt="R1", delivered=True)
    world.ack("paid", order_id="O1", receipt_code="R1", purpose="fee", person="P001")
    world.event("visit", n=3, visit="print")
    world.order("O2", "paid", PRINT_SERVICE, receipt="R2")
    world.pay_request("O2", "A2")
    world.kept("O2", OrderStatus.PAID, PRINT_SERVICE, receipt="R2", purpose="print:C1", delivered=True)
    world.ack("paid", order_id="O2", receipt_code="R2", purpose="print", person="P002", cert_id="C1")
    world.ack("printed", what="certificate", order_id="O2")
    world.order("O3", "cancelled")  # a crash left it open; the kiosk settled it
    world.kept("O3", OrderStatus.CANCELLED)


def assert_only(result: dict, *broken: str) -> None:
    assert result["violations"] == list(broken)
    for name in VIOLATIONS:
        if name not in broken:
            assert result[name] == 0, name


# -- a clean run --------------------------------------------------------------------------------

def test_a_clean_run_is_ok(world):
    clean(world)
    result = world.judge()
    assert_only(result)
    assert result["applications_acknowledged"] == 1
    assert result["applications_on_platform"] == 1
    assert result["payments_acknowledged"] == 2
    assert result["payments_on_platform"] == 2
    assert result["paid_prints"] == 1
    assert result["prints_acknowledged"] == 1
    assert result["visits_started"] == 3
    assert result["visits_by_kind"] == {"apply": 1, "pay": 1, "print": 1}


def test_nothing_at_all_is_ok(world):
    """No visit, no state folder (the kiosk never started): nothing to lose."""
    result = world.judge()
    assert_only(result)
    assert result["visits_started"] == 0


def test_an_application_left_in_the_journal_is_lost_and_left(world):
    """Acknowledged and journaled but never sent: the final kiosk did not drain (``journal_left``) and
    the platform does not have it (``lost``)."""
    world.kiosk_journal().enqueue("application", {"form": {}}, "K9")
    world.ack("application", key="K9", kiosk_ref="K9", case_no="", state="pending")
    result = world.judge()
    assert_only(result, "lost", "journal_left")
    assert result["details"]["lost"] == ["K9"]


def test_an_item_the_kiosk_can_no_longer_decrypt_is_a_violation(world):
    """A row set aside as unreadable (its key lost) would never be sent: the run must say so."""
    journal = world.kiosk_journal()
    journal.enqueue("rating", {"level": "satisfied"}, "K8")
    journal._db.execute("UPDATE outbox SET state = 'unreadable' WHERE idempotency_key = 'K8'")
    journal._db.commit()
    result = world.judge()
    assert_only(result, "journal_unreadable")
    assert result["journal_unreadable"] == 1


# -- invariant 1: applications ------------------------------------------------------------------

def test_lost_acknowledged_application(world):
    clean(world)
    world.ack("application", key="K2", kiosk_ref="K2", case_no="", state="pending")  # shown, never arrived
    result = world.judge()
    assert_only(result, "lost")
    assert result["lost"] == 1
    assert result["details"]["lost"] == ["K2"]


def test_an_application_of_another_kiosk_does_not_count(world):
    world.case("K2", kiosk="other-kiosk")
    world.ack("application", key="K2", kiosk_ref="K2", case_no="", state="pending")
    assert world.judge()["lost"] == 1


def test_duplicate_under_the_same_key(world):
    clean(world)
    world.case("K1", content="another body")
    result = world.judge()
    assert_only(result, "duplicated")
    assert result["details"]["duplicated"][0]["kind"] == "same_idempotency_key"


def test_duplicate_under_a_new_key_same_content(world):
    """Every scripted application is unique, so equal content under two keys is a resend."""
    clean(world)
    world.case("K2", content="body-2")
    world.case("K-fresh", content="body-2")
    result = world.judge()
    assert result["duplicated"] == 1
    assert result["details"]["duplicated"] == [{"kind": "same_content", "cases": ["CASE0002", "CASE0003"]}]
    assert "duplicated" in result["violations"]


def test_an_unacknowledged_application_on_the_platform_is_fine(world):
    """The kiosk was killed between journaling and the receipt screen: sent, never shown. No violation."""
    clean(world)
    world.case("K5")
    result = world.judge()
    assert_only(result)
    assert result["applications_on_platform"] == 2


def test_rejected_journal_item(world):
    journal = world.kiosk_journal()
    journal.enqueue("application", {"form": {}}, "K7")
    journal.reject(journal.due()[0].id, "ValidationRejected: bad form")
    result = world.judge()
    assert_only(result, "journal_rejected")
    assert result["details"]["journal_rejected"] == 1


# -- invariant 2: payments ----------------------------------------------------------------------

def test_double_charge_more_than_the_amount(world):
    clean(world)
    world.order("O4", "paid", receipt="R4", amount=1000, charged=2000)
    world.kept("O4", OrderStatus.PAID, receipt="R4", delivered=True)
    result = world.judge()
    assert_only(result, "double_charged")
    assert result["details"]["double_charged"] == ["O4"]


def test_one_bill_paid_by_two_orders(world):
    clean(world)
    world.bill("VIOL-1")
    for oid in ("O5", "O6"):
        world.order(oid, "paid", "440100-JJ-0301", receipt="R" + oid, items=[{"ref": "VIOL-1", "amount_fen": 20000}],
                    amount=20000)
        world.kept(oid, OrderStatus.PAID, receipt="R" + oid, delivered=True)
    result = world.judge()
    assert_only(result, "double_charged")
    assert result["details"]["double_charged"] == ["VIOL-1"]


def test_payment_requests_under_two_keys_for_one_order(world):
    """Only the platform's own guard stopped a second charge: still a violation of the kiosk's promise."""
    clean(world)
    world.pay_request("O1", "A1-again")
    result = world.judge()
    assert_only(result, "double_charged")
    assert result["details"]["double_charged"] == ["O1"]


def test_lost_payment_shown_paid_not_paid_on_the_platform(world):
    clean(world)
    world.order("O7", "cancelled")
    world.kept("O7", OrderStatus.CANCELLED)
    world.ack("paid", order_id="O7", receipt_code="R7", purpose="fee", person="P001")
    result = world.judge()
    assert_only(result, "lost_payments")
    assert result["details"]["lost_payments"] == ["O7"]


def test_unsettled_order_in_the_ledger(world):
    clean(world)
    world.order("O8", "pending")
    world.kept("O8", OrderStatus.PENDING)
    result = world.judge()
    assert_only(result, "unsettled_orders")
    assert result["details"]["unsettled_orders"] == ["O8"]


def test_order_open_on_the_platform_that_the_ledger_thinks_final(world):
    clean(world)
    world.order("O9", "created")
    world.kept("O9", OrderStatus.CANCELLED)
    assert_only(world.judge(), "unsettled_orders")


def test_an_open_order_unknown_to_the_kiosk_is_counted_not_a_violation(world):
    """Killed between the platform creating the order and the ledger recording it: nothing was charged."""
    clean(world)
    world.order("O10", "created")
    result = world.judge()
    assert_only(result)
    assert result["orders_open_unknown_to_kiosk"] == 1


def test_an_expired_open_order_is_not_unsettled(world):
    clean(world)
    world.order("O11", "created", expires_in=-1.0)
    world.kept("O11", OrderStatus.CANCELLED)
    assert_only(world.judge())


def test_paid_order_unknown_to_the_kiosk(world):
    clean(world)
    world.order("O12", "paid", receipt="R12")
    result = world.judge()
    assert_only(result, "paid_orders_unknown_to_kiosk")
    assert result["details"]["paid_orders_unknown_to_kiosk"] == ["O12"]


def test_orders_seeded_before_the_run_are_left_out(world):
    world.order("SEED1", "paid", receipt="RS")  # the demo seed's, unknown to the kiosk's ledger
    seeded = platform_orders(world.db, KIOSK)
    assert seeded == {"SEED1"}
    assert world.judge()["paid_orders_unknown_to_kiosk"] == 1
    assert_only(world.judge(seeded))


def test_orders_of_another_kiosk_are_left_out(world):
    world.order("X1", "paid", receipt="RX", kiosk="other-kiosk")
    assert_only(world.judge())


# -- invariant 3: paid prints -------------------------------------------------------------------

def paid_print(world: World, order_id: str = "P1", *, platform: str = "paid", receipt: str = "RP1") -> None:
    world.order(order_id, platform, PRINT_SERVICE, receipt=receipt)
    world.ack("paid", order_id=order_id, receipt_code=receipt, purpose="print", person="P002", cert_id="C1")


def test_lost_paid_print(world):
    """Paid, not printed, not refunded, and the receipt code finds nothing at this kiosk."""
    clean(world)
    paid_print(world)
    world.kept("P1", OrderStatus.PAID, PRINT_SERVICE, receipt="", purpose="print:C1")  # code never kept
    result = world.judge()
    assert_only(result, "lost_paid_prints")
    assert result["details"]["lost_paid_prints"] == [
        {"order_id": "P1", "receipt_code": "RP1", "ledger": "paid", "shown_paid": True}]


def test_paid_print_delivered_without_a_print_purpose_is_lost(world):
    """``delivered`` only counts for an order that was a print: a fee-like order proves nothing."""
    clean(world)
    paid_print(world)
    world.kept("P1", OrderStatus.PAID, PRINT_SERVICE, receipt="", purpose="", delivered=True)
    assert_only(world.judge(), "lost_paid_prints")


def test_paid_print_unknown_to_the_kiosk_is_lost_and_unknown(world):
    clean(world)
    paid_print(world)
    result = world.judge()
    assert_only(result, "lost_paid_prints", "paid_orders_unknown_to_kiosk")
    assert result["details"]["lost_paid_prints"][0]["ledger"] is None


def test_paid_print_reprintable_by_receipt_code_is_kept(world):
    """The kiosk died between payment and printer: the ledger's paid, undelivered order answers the code."""
    clean(world)
    paid_print(world)
    world.kept("P1", OrderStatus.PAID, PRINT_SERVICE, receipt="RP1", purpose="print:C1")
    assert_only(world.judge())


def test_paid_print_reprintable_from_the_reprint_table_is_kept(world):
    clean(world)
    paid_print(world)
    world.kept("P1", OrderStatus.PAID, PRINT_SERVICE, receipt="", purpose="print:C1")
    ReprintTable(world.state / REPRINT_DB).add("RP1", "C1")
    assert_only(world.judge())


def test_paid_print_recorded_as_delivered_is_kept(world):
    clean(world)
    paid_print(world)
    world.kept("P1", OrderStatus.PAID, PRINT_SERVICE, receipt="RP1", purpose="print:C1", delivered=True)
    assert_only(world.judge())


def test_paid_print_shown_printed_is_kept(world):
    clean(world)
    paid_print(world)
    world.kept("P1", OrderStatus.PAID, PRINT_SERVICE, receipt="", purpose="print:C1")
    world.ack("printed", what="certificate", order_id="P1")
    assert_only(world.judge())


def test_refunded_paid_print_is_kept(world):
    clean(world)
    paid_print(world, platform="refunded")
    world.kept("P1", OrderStatus.REFUNDED, PRINT_SERVICE, receipt="", purpose="print:C1")
    result = world.judge()
    assert_only(result)
    assert result["paid_prints"] == 2


def test_a_ledger_from_before_purposes_is_read(world):
    """An old ledger without the ``purpose`` column: read, every paid print counted as not delivered."""
    clean(world)
    paid_print(world)
    world.kept("P1", OrderStatus.PAID, PRINT_SERVICE, receipt="", purpose="print:C1", delivered=True)
    world.judge()  # closes the ledger
    with closing(sqlite3.connect(world.state / "journal" / "payments.db")) as db:
        db.execute("ALTER TABLE orders DROP COLUMN purpose")
        db.commit()
    result = world.judge()
    assert result["lost_paid_prints"] == 1


# -- the event file ------------------------------------------------------------------------------

def test_visit_events_are_counted(world):
    world.event("start", final=False, seed=1)
    world.event("visit", n=1, visit="reprint")
    world.event("reprint_refused", code="ABCDEFGH", order_id="P1")
    world.event("visit", n=2, visit="apply")
    world.event("stuck", n=2, visit="apply", why="waited")
    result = world.judge()
    assert result["visits_started"] == 2
    assert result["visits_by_kind"] == {"reprint": 1, "apply": 1}
    assert result["visits_abandoned"] == 1
    assert result["reprints_refused"] == 1
    assert_only(result)


# -- the acknowledgement file --------------------------------------------------------------------

def test_line_log_writes_one_record_per_line(tmp_path):
    path = tmp_path / ACKS
    log = LineLog(path, durable=True)
    log.write("application", key="K1", case_no="CASE1")
    log.write("paid", order_id="O1", note="支付成功")
    log.close()
    records = list(read_lines(path))
    assert [r["kind"] for r in records] == ["application", "paid"]
    assert records[0]["key"] == "K1" and records[0]["pid"] == os.getpid()
    assert records[1]["note"] == "支付成功"
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_line_log_appends_across_writers(tmp_path):
    path = tmp_path / EVENTS
    for n in range(3):
        log = LineLog(path, durable=False)
        log.write("start", n=n)
        log.close()
    assert [r["n"] for r in read_lines(path)] == [0, 1, 2]


def test_read_lines_skips_torn_and_garbled_lines(tmp_path):
    path = tmp_path / ACKS
    path.write_bytes(b'{"kind":"application","key":"K1"}\n'
                     b'not json\n'
                     b'[1, 2]\n'
                     b'\n'
                     b'{"kind":"paid","order_id":"O1"}\n'
                     b'{"kind":"application","key":"K2"')  # the writer was killed mid-line
    assert [r.get("key") or r.get("order_id") for r in read_lines(path)] == ["K1", "O1"]


def test_read_lines_of_a_missing_file_is_empty(tmp_path):
    assert list(read_lines(tmp_path / "absent.jsonl")) == []


def test_a_torn_acknowledgement_is_not_counted(world):
    """A kill mid-write leaves half a line: that citizen was never shown the screen."""
    world.ack("application", key="K1", kiosk_ref="K1", case_no="", state="pending")
    with (world.run / ACKS).open("ab") as fh:
        fh.write(b'{"kind":"application","key":"K2"')
    world.case("K1")
    result = world.judge()
    assert result["applications_acknowledged"] == 1
    assert_only(result)


def test_reprints_still_owed_from_acks():
    records = [
        {"kind": "paid", "order_id": "O1", "receipt_code": "R1", "purpose": "print", "person": "P002"},
        {"kind": "paid", "order_id": "O2", "receipt_code": "R2", "purpose": "print", "person": "P004"},
        {"kind": "reprint_code", "order_id": "O2", "code": "ABCD2345", "person": "P004"},
        {"kind": "paid", "order_id": "O3", "receipt_code": "R3", "purpose": "print", "person": "P006"},
        {"kind": "printed", "what": "certificate", "order_id": "O3"},
        {"kind": "paid", "order_id": "O4", "receipt_code": "R4", "purpose": "fee", "person": "P001"},
    ]
    todo = reprints_from_acks(records)
    assert [(t.order_id, t.code, t.person) for t in todo] == [("O1", "R1", "P002"), ("O2", "ABCD2345", "P004")]
