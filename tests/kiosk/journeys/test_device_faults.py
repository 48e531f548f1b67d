"""Device faults at the journey level ("Nothing lost"): the kiosk's real runtime and journeys,
the emulated devices on real pseudo-terminals, the reference platform over HTTP.

What must hold (DESIGN.md, reliability invariants 3 and 4): a reader pulled mid-read, a
printer that runs out of paper or has its cover opened, and noise on a serial line each
give the citizen a clear message, never a crash or a stuck screen; nothing is printed
twice; a card or code after the fault still works; nothing personal reaches the log.

Paper out mid-job on a certificate is covered by
``test_certificates.py::test_paper_out_mid_job_gives_a_code_that_reprints``; here are the
other slips (application receipt, queue ticket) and the cover.
"""

from __future__ import annotations

import logging
import random
import sqlite3

import numpy as np
import pytest

from drivers.base import DeviceStatusChanged
from drivers.camera.qr import QrDecoder
from drivers.idreader import frame as fr
from drivers.idreader.emulator import Fault
from drivers.idreader.reader import CardInserted
from drivers.scanner.events import CodeScanned
from kiosk.devices.demo_cards import DEMO_CARDS
from kiosk.i18n import set_language
from kiosk.journeys import pay, pay_watch
from kiosk.journeys.queue import QueueJourney
from kiosk.views import Text
from reference_platform.seed.persons import APP_TOKENS

from .harness import Kiosk
from .test_apply import fill_and_reach_review, open_apply
from .test_certificates import SS_PROOF, open_certificates, preview, shown_code

QUEUE_SERVICE = "440100-ZW-0903"
PAY_SERVICE = "城乡居民基本医疗保险缴费"
WECHAT = "134567890123456789"
READER_DOWN = "身份证读卡器暂时无法使用"
SENTINEL = "https://example.org/kiosk-test"
"""A harmless code (a link) sent last: once the driver read it, it has read everything before it."""


@pytest.fixture(autouse=True)
def chinese():
    set_language("zh_CN")
    yield
    set_language("zh_CN")


# -- helpers -----------------------------------------------------------------------------------

def qr_texts(page) -> list[str]:
    return [r.text for r in QrDecoder().decode(np.array(page.convert("L")))]


def reader_states(kiosk: Kiosk) -> list[str]:
    """Every state the ID-card reader's driver reports from now on, in order."""
    states: list[str] = []

    def seen(event: DeviceStatusChanged) -> None:
        if event.device == "idreader":
            states.append(event.state.value)

    kiosk.runtime.bus.subscribe(seen, DeviceStatusChanged, sync=True)
    return states


def scanned(kiosk: Kiosk) -> list[str]:
    """The text of every code the scanner's driver reads from now on, garbage lines included."""
    texts: list[str] = []
    kiosk.runtime.bus.subscribe(lambda e: texts.append(e.text), CodeScanned, sync=True)
    return texts


def open_identify(kiosk: Kiosk) -> None:
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.act("my_cases")
    kiosk.wait("identify")
    assert kiosk.controller.sessions.visit.identity is None


def noise(n: int, seed: int) -> bytes:
    """Line noise without a byte the scanner framing reads as a terminator or a frame start."""
    rng = random.Random(seed)
    return bytes(b for b in (rng.randrange(256) for _ in range(n)) if b not in (0x02, 0x03, 0x0A, 0x0D))


def assert_nothing_personal_logged(caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    logged = "\n".join(r.getMessage() for r in caplog.records)
    leaked = [s for s in secrets if s in logged]
    assert leaked == [], f"logged in full: {leaked}"


def assert_no_crash_logged(caplog: pytest.LogCaptureFixture) -> None:
    """No exception reached a handler of last resort (they log at ERROR with the traceback)."""
    crashes = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert crashes == []


def text_blocks(kiosk: Kiosk, style: str) -> list[str]:
    return [b.text for b in kiosk.view.blocks if isinstance(b, Text) and b.style == style]


def enabled(kiosk: Kiosk, action_id: str) -> bool:
    return next(a for a in kiosk.actions() if a.id == action_id).enabled


# -- the ID-card reader --------------------------------------------------------------------------

def test_reader_unplugged_mid_read_says_so_and_a_card_read_after_replug_identifies(
        kiosk: Kiosk, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    open_identify(kiosk)
    emu = kiosk.runtime.devices.emulators.idreader
    states = reader_states(kiosk)
    # hold the driver inside the read: the SAM never answers the read command (and the driver
    # waits long enough for the test to see it) ...
    kiosk.runtime.devices.idreader.timeout = 5.0
    emu.inject_fault(Fault.STALL, on=fr.CMD_READ)
    found_at: list[int] = []
    kiosk.runtime.bus.subscribe(lambda _e: found_at.append(emu.commands_seen), CardInserted, sync=True)
    emu.insert(DEMO_CARDS["P001"])
    # ... and pull the cable once select and read have gone out (the read reply is due)
    assert kiosk.loop.run_until(lambda: bool(found_at) and emu.commands_seen >= found_at[0] + 2, 5)
    emu.unplug()

    assert kiosk.loop.run_until(lambda: READER_DOWN in kiosk.text(), 5), kiosk.text()
    assert kiosk.screen == "identify" and kiosk.view.prompt.startswith(READER_DOWN)
    assert states[states.index("offline") - 1] == "busy"  # the cable went while the card was being read
    assert kiosk.controller.active and kiosk.controller.sessions.visit.identity is None  # no half-read identity
    emu.remove()  # the citizen takes the card back while the reader is gone

    emu.replug()
    assert kiosk.loop.run_until(lambda: kiosk.runtime.status.snapshot().devices["idreader"] == "online", 10)
    assert text_blocks(kiosk, "lead")[0] == "请将身份证放在读卡区" and READER_DOWN not in kiosk.text()
    assert "online" in states[states.index("offline"):]

    emu.insert(DEMO_CARDS["P001"])
    view = kiosk.wait("identify.confirmed")
    assert "110105********002X" in repr(view)
    assert kiosk.controller.sessions.visit.identity.id_number == "11010519491231002X"
    assert_no_crash_logged(caplog)
    assert_nothing_personal_logged(caplog, "11010519491231002X", "王秀英")


def test_garbage_on_the_reader_line_is_ignored_and_the_card_still_identifies(
        kiosk: Kiosk, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    open_identify(kiosk)
    emu = kiosk.runtime.devices.emulators.idreader
    states = reader_states(kiosk)
    polled = emu.commands_seen
    emu.inject_fault(Fault.GARBAGE, 3)  # noise before the next replies to the reader's polls
    emu.inject_fault(Fault.BAD_CHECKSUM)  # a corrupted reply
    # a fifth poll means the driver has had (or given up on) the four broken replies
    assert kiosk.loop.run_until(lambda: emu.commands_seen >= polled + 5, 10)
    assert kiosk.screen == "identify" and READER_DOWN not in kiosk.text()
    emu.inject_fault(Fault.PARTIAL, on=fr.CMD_READ)  # the card data cut off half way
    emu.inject_fault(Fault.GARBAGE, on=fr.CMD_READ)  # noise in front of the card data
    emu.insert(DEMO_CARDS["P001"])

    view = kiosk.wait("identify.confirmed")
    assert emu._faults == []  # every burst went over the line before the read that worked
    assert "110105********002X" in repr(view)
    assert kiosk.controller.sessions.visit.identity.id_number == "11010519491231002X"
    assert "offline" not in states  # noise is not a pulled cable
    assert_no_crash_logged(caplog)
    assert_nothing_personal_logged(caplog, "11010519491231002X", "王秀英", "北京市朝阳区建国路88号")


# -- the scanner ------------------------------------------------------------------------------------

def test_garbage_on_the_scanner_line_is_ignored_and_an_app_code_after_it_identifies(
        kiosk: Kiosk, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    scanner = kiosk.runtime.devices.emulators.scanner
    read = scanned(kiosk)
    token = APP_TOKENS["P002"]
    for seed in range(3):
        scanner.inject_garbage(200, seed=seed)
    scanner.scan(SENTINEL)
    assert kiosk.loop.run_until(lambda: SENTINEL in read, 5)
    assert kiosk.frame().attract  # noise at the attract screen starts nothing
    assert kiosk.runtime.devices.scanner.dropped_bytes + len(read) > 3  # the noise did reach the driver

    open_identify(kiosk)
    read.clear()
    for seed in range(3, 6):
        scanner.inject_garbage(200, seed=seed)
    # noise with no terminator, then a real scan: one garbled line that holds the token
    scanner.write_raw(noise(40, 7) + token.encode() + b"\r")
    scanner.scan(SENTINEL)
    assert kiosk.loop.run_until(lambda: SENTINEL in read, 5)
    assert any(token in line and line != token for line in read)  # the garbled line was read ...
    assert kiosk.screen == "identify" and not kiosk.controller.current.busy and not kiosk.controller.current.error
    assert kiosk.controller.sessions.visit.identity is None  # the garbled line identified nobody

    scanner.scan(token)
    view = kiosk.wait("identify.confirmed")
    assert "440106********1536" in repr(view)
    assert kiosk.controller.sessions.visit.identity.person_token
    assert_no_crash_logged(caplog)
    assert_nothing_personal_logged(caplog, token, "440106198503121536", "张伟")


def test_garbage_before_a_payment_code_charges_nothing_and_the_clean_scan_pays_once(
        kiosk: Kiosk, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pay_watch, "TICK_S", 0.1)
    monkeypatch.setattr(pay_watch, "POLL_S", 0.2)
    monkeypatch.setattr(pay, "CHECK_GRACE_S", 0.5)
    caplog.set_level(logging.DEBUG)
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.press("category", code="payments")
    kiosk.wait("home.category")
    kiosk.press(PAY_SERVICE)
    kiosk.wait("guide")
    kiosk.press("pay")
    kiosk.wait("identify")
    kiosk.runtime.devices.emulators.idreader.insert(DEMO_CARDS["P001"])
    kiosk.wait("identify.confirmed")
    kiosk.press("continue")
    kiosk.wait("pay")
    kiosk.press("出示付款码支付")
    kiosk.wait("pay.scan")
    journey = kiosk.controller.current
    before = _used_codes(kiosk)

    scanner = kiosk.runtime.devices.emulators.scanner
    read = scanned(kiosk)
    scanner.inject_garbage(200, seed=11)
    scanner.write_raw(noise(30, 12) + WECHAT.encode() + b"\r")  # the code glued to noise
    scanner.scan(SENTINEL)
    assert kiosk.loop.run_until(lambda: SENTINEL in read, 5)
    assert any(WECHAT in line and line != WECHAT for line in read)
    assert kiosk.screen == "pay.scan" and not journey.attempted and not journey.busy
    assert _used_codes(kiosk) == before  # nothing reached the platform

    scanner.scan(WECHAT)
    view = kiosk.wait("pay.result")
    assert "支付成功" in repr(view)
    assert _used_codes(kiosk) == before + 1
    assert_no_crash_logged(caplog)
    assert_nothing_personal_logged(caplog, WECHAT, "11010519491231002X", "王秀英")


def _used_codes(kiosk: Kiosk) -> int:
    with sqlite3.connect(kiosk.runtime.server.db_path) as db:
        return db.execute("SELECT COUNT(*) FROM used_payment_codes").fetchone()[0]


# -- the receipt printer: paper out mid-job (certificates: see test_certificates.py) ---------------

def test_application_receipt_paper_out_mid_job_says_what_next_and_prints_once_later(kiosk: Kiosk) -> None:
    open_apply(kiosk)
    fill_and_reach_review(kiosk, photo=False)
    kiosk.press("submit")
    kiosk.wait("apply.receipt")
    receipt_code = kiosk.controller.current.result.receipt.receipt_code
    emu = kiosk.runtime.devices.emulators.printer
    emu.set_status("out", after_bytes=150)

    kiosk.press("print")
    kiosk.wait("apply.receipt")
    (error,) = text_blocks(kiosk, "error")
    assert error.startswith("打印中断") and "缺纸" in error and "已打出的部分无效" in error
    assert "您的申请不受影响" in error and "“打印回执”" in error  # what happens next
    assert "补打" not in error  # no promise of a reprint code this slip does not have
    assert receipt_code in kiosk.text()  # the number the citizen may need is still on screen
    assert not emu.pages

    kiosk.press("print")  # pressed again while the paper is still out: refused, nothing sent
    kiosk.wait("apply.receipt")
    assert text_blocks(kiosk, "error")[0].startswith("未能打印") and not emu.pages

    emu.set_status("ok")
    kiosk.runtime.devices.printer.status()
    kiosk.press("print")
    kiosk.wait("apply.receipt")
    assert "打印完成" in kiosk.text()
    assert len(emu.pages) == 1  # the job completes before the printer answers: no second page
    assert qr_texts(emu.pages[0]) == [receipt_code]
    kiosk.press("done")
    kiosk.wait("rate")


def test_queue_ticket_paper_out_mid_job_keeps_the_number_and_reprints_once(kiosk: Kiosk) -> None:
    kiosk.act("start")
    kiosk.wait("home")
    service = kiosk.runtime.client.catalog().catalog.service(QUEUE_SERVICE)
    kiosk.controller.open(QueueJourney(kiosk.controller, service))
    kiosk.wait("queue")
    emu = kiosk.runtime.devices.emulators.printer
    emu.set_status("out", after_bytes=150)

    kiosk.press("take")
    kiosk.wait("queue.ticket")
    ticket = kiosk.controller.current.ticket
    assert text_blocks(kiosk, "big") == [ticket.number]
    (error,) = text_blocks(kiosk, "error")
    assert error.startswith("打印中断") and "缺纸" in error and "回执码" not in error
    assert "您的号码已生效" in kiosk.text()
    assert not enabled(kiosk, "reprint") and not emu.pages

    emu.set_status("ok")
    kiosk.runtime.devices.printer.status()
    assert enabled(kiosk, "reprint")
    kiosk.press("reprint")
    kiosk.settle()
    assert "排队凭条已打印" in kiosk.text()
    assert len(emu.pages) == 1 and qr_texts(emu.pages[0]) == [ticket.ticket_id]
    assert kiosk.controller.current.ticket.number == ticket.number  # the same number, not a new ticket


# -- the receipt printer: cover open ----------------------------------------------------------------

def test_cover_open_before_printing_is_refused_and_the_proof_prints_once_when_closed(kiosk: Kiosk) -> None:
    open_certificates(kiosk)
    preview(kiosk)
    emu = kiosk.runtime.devices.emulators.printer
    printer = kiosk.runtime.devices.printer

    # the kiosk knows: the button is greyed out with the reason, a stale touch is refused
    emu.set_status(cover_open=True)
    printer.status()
    thermal = next(a for a in kiosk.view.actions if a.id == "print" and a.kwargs()["printer"] == "thermal")
    assert not thermal.enabled and "盖未关闭" in thermal.kwargs()["note"]
    sent_before = emu.bytes_received
    kiosk.act("print", printer="thermal")
    assert kiosk.screen == "certificates.preview" and "盖未关闭" in text_blocks(kiosk, "error")[0]
    assert not emu.pages and emu.bytes_received - sent_before < 100  # at most status requests, no job

    # the cover opens after the last status reading and before the touch: the driver's own
    # check before the job refuses it (the poller is stopped so no reading comes in between)
    emu.set_status(cover_open=False)
    printer.status()
    printer.stop()
    emu.set_status(cover_open=True)
    sent_before = emu.bytes_received
    kiosk.press("print", printer="thermal")
    view = kiosk.wait("certificates.result")
    assert "未能打印" in repr(view) and "盖未关闭" in repr(view)
    code = shown_code(kiosk)
    assert not emu.pages and not emu.partial_pages
    assert [e.code for e in kiosk.runtime.reprints.entries()] == [code]
    assert not enabled(kiosk, "retry")
    assert emu.bytes_received - sent_before < 100  # only status requests went out, no job

    emu.set_status(cover_open=False)
    printer.status()
    assert enabled(kiosk, "retry")
    kiosk.press("retry")
    view = kiosk.wait("certificates.result")
    assert "打印完成" in repr(view)
    assert len(emu.pages) == 1
    assert kiosk.runtime.reprints.entries() == []


def test_cover_opened_while_printing_is_reported_and_the_retry_prints_once(kiosk: Kiosk) -> None:
    open_certificates(kiosk)
    preview(kiosk, SS_PROOF)
    emu = kiosk.runtime.devices.emulators.printer
    emu.set_status(cover_open=True, after_bytes=150)

    kiosk.press("print", printer="thermal")
    view = kiosk.wait("certificates.result")
    assert "打印中断" in repr(view) and "盖未关闭" in repr(view) and "已打出的部分无效" in repr(view)
    code = shown_code(kiosk)
    assert not emu.pages
    assert [e.code for e in kiosk.runtime.reprints.entries()] == [code]
    assert not enabled(kiosk, "retry")

    emu.set_status(cover_open=False)
    kiosk.runtime.devices.printer.status()
    kiosk.press("retry")
    view = kiosk.wait("certificates.result")
    assert "打印完成" in repr(view)
    job = kiosk.controller.current.result.job
    assert len(emu.pages) == 1
    assert [t.rsplit("/", 1)[1] for t in qr_texts(emu.pages[0])] == [job.cert.verification_code]
    assert kiosk.runtime.reprints.entries() == []
    kiosk.act("retry")  # a stale touch on the old result screen
    kiosk.settle()
    assert len(emu.pages) == 1
