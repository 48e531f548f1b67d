"""Certificates: list, preview, print on the emulated receipt printer and A4 printer, paper
out mid-job and reprint by code — over the reference platform's real HTTP API."""

from __future__ import annotations

import numpy as np

from drivers.camera.qr import QrDecoder
from kiosk.devices.demo_cards import DEMO_CARDS
from kiosk.i18n import set_language
from kiosk.journeys.pay import DEMO_PAYMENT_CODE
from kiosk.journeys.reprint import ReprintJourney
from kiosk.services.reprints import REPRINT_DB, ReprintTable
from kiosk.views import Picture, Text

from .harness import Kiosk

SS_PROOF = "社会保险个人参保证明"
P001_ID = "11010519491231002X"


def qr_texts(page) -> list[str]:
    return [r.text for r in QrDecoder().decode(np.array(page.convert("L")))]


def identify(kiosk: Kiosk, card: str = "P001") -> None:
    kiosk.wait("identify")
    reader = kiosk.runtime.devices.idreader
    if reader._card_present:  # the previous citizen's card: take it out first
        kiosk.runtime.devices.emulators.idreader.remove()
        assert kiosk.loop.run_until(lambda: not reader._card_present, 5)
    kiosk.runtime.devices.emulators.idreader.insert(DEMO_CARDS[card])
    kiosk.wait("identify.confirmed")
    kiosk.press("continue")


def open_certificates(kiosk: Kiosk, card: str = "P001") -> None:
    set_language("zh_CN")
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.press("category", code="certificates")
    kiosk.wait("home.category")
    kiosk.press("电子证照打印")
    kiosk.wait("guide")
    kiosk.press("print")
    identify(kiosk, card)
    kiosk.wait("certificates")


def preview(kiosk: Kiosk, label: str = SS_PROOF) -> None:
    kiosk.press(label)
    view = kiosk.wait("certificates.preview")
    assert any(isinstance(b, Picture) and b.png.startswith(b"\x89PNG") for b in view.blocks)
    # the printer choice follows the live status: wait until the receipt printer reads ready
    assert kiosk.loop.run_until(lambda: any(a.id == "print" and a.enabled and a.kwargs()["printer"] == "thermal"
                                            for a in kiosk.view.actions), 10)


def shown_code(kiosk: Kiosk) -> str:
    big = [b.text for b in kiosk.view.blocks if isinstance(b, Text) and b.style == "big"]
    assert len(big) == 1, kiosk.text()
    return big[0]


def pay_print_fee(kiosk: Kiosk):
    """On a previewed paid certificate: print on the thermal printer, pay the fee by payment code."""
    kiosk.press("print", printer="thermal")
    kiosk.wait("pay")
    kiosk.press("scan_code")
    kiosk.wait("pay.scan")
    kiosk.runtime.devices.emulators.scanner.scan(DEMO_PAYMENT_CODE)
    kiosk.wait("pay.result")
    return kiosk.controller.current.order


def test_thermal_certificate_qr_verifies_on_the_platform(kiosk: Kiosk) -> None:
    open_certificates(kiosk)
    preview(kiosk)
    shown = repr(kiosk.view)
    assert "110105********002X" in shown and P001_ID not in shown
    kiosk.press("print", printer="thermal")
    view = kiosk.wait("certificates.result")
    assert "打印完成" in repr(view)
    page = kiosk.runtime.devices.emulators.printer.wait_pages(1)[0]
    texts = qr_texts(page)
    assert len(texts) == 1, texts
    token = kiosk.controller.sessions.visit.identity.person_token
    certs = {c.verification_url: c for c in kiosk.runtime.client.certificates(token).certificates}
    assert texts[0] in certs, texts[0]
    verified = kiosk.runtime.client.verify_certificate(texts[0].rsplit("/", 1)[1])
    assert verified.valid and verified.name == SS_PROOF
    assert verified.holder_masked_id == "110105********002X"
    # a completed print leaves nothing to reprint, on disk or in the visit
    assert kiosk.runtime.reprints.entries() == []
    kiosk.press("done")
    assert not any(j.name == "certificates" for j in kiosk.controller.stack)


def test_paper_out_mid_job_gives_a_code_that_reprints(kiosk: Kiosk) -> None:
    open_certificates(kiosk)
    preview(kiosk)
    emu = kiosk.runtime.devices.emulators.printer
    emu.set_status("out", after_bytes=150)
    kiosk.press("print", printer="thermal")
    view = kiosk.wait("certificates.result")
    assert "打印中断" in repr(view) and "缺纸" in repr(view)
    code = shown_code(kiosk)
    assert not emu.pages  # nothing usable came out
    entries = kiosk.runtime.reprints.entries()
    assert [(e.code, e.cert_id) for e in entries] == [(code, kiosk.controller.current.result.job.cert.cert_id)]
    retry = next(a for a in kiosk.view.actions if a.id == "retry")
    assert not retry.enabled  # the printer still says paper out

    emu.set_status("ok")
    kiosk.press("reprint")
    kiosk.wait("reprint")
    kiosk.type("code", code.lower()[:4] + " " + code.lower()[4:])  # typed loosely
    kiosk.press("lookup")
    view = kiosk.wait("reprint.result")
    assert "打印完成" in repr(view), kiosk.text()
    page = emu.wait_pages(1)[0]
    assert [t.rsplit("/", 1)[1] for t in qr_texts(page)] == [kiosk.controller.current.result.job.cert.verification_code]
    assert kiosk.runtime.reprints.entries() == []
    kiosk.press("done")
    assert kiosk.screen == "certificates.result" and "打印完成" in kiosk.text()


def test_a4_writes_the_pdf_to_the_printer(kiosk: Kiosk) -> None:
    open_certificates(kiosk)
    preview(kiosk, "户籍证明")
    kiosk.press("print", printer="a4")
    view = kiosk.wait("certificates.result")
    assert "A4" in repr(view) and "打印完成" in repr(view)
    out = kiosk.runtime.devices.emulators.a4printer.out_dir
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) == 1 and pdfs[0].read_bytes().startswith(b"%PDF-")
    tmp = kiosk.controller.sessions.visit.tmp_dir()
    assert list(tmp.glob("*.pdf"))
    kiosk.controller.end_visit("test")
    assert not tmp.exists()  # the PDF with the citizen's (masked) data went with the visit


def test_unknown_codes_are_refused_then_locked(kiosk: Kiosk) -> None:
    set_language("zh_CN")
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.controller.open(ReprintJourney(kiosk.controller))
    for _n in range(5):
        kiosk.type("code", "ABCDEFGH")
        kiosk.press("lookup")
        kiosk.wait("reprint")
    assert "次数过多" in kiosk.text()
    assert not next(a for a in kiosk.view.actions if a.id == "lookup").enabled


def test_after_a_restart_the_code_reprints_for_the_owner_only(tmp_path) -> None:
    kiosk = Kiosk(tmp_path)
    try:
        open_certificates(kiosk)
        preview(kiosk)
        kiosk.runtime.devices.emulators.printer.set_status("out", after_bytes=150)
        kiosk.press("print", printer="thermal")
        kiosk.wait("certificates.result")
        code = shown_code(kiosk)
    finally:
        kiosk.close()  # the visit and everything in memory are gone, as after a crash
    kiosk = Kiosk(tmp_path)
    try:
        set_language("zh_CN")
        assert [e.code for e in ReprintTable(tmp_path / REPRINT_DB).entries()] == [code]
        kiosk.act("start")
        kiosk.wait("home")
        kiosk.press("reprint")
        kiosk.type("code", code)
        kiosk.press("lookup")
        kiosk.wait("reprint.identify")
        kiosk.press("identify")
        identify(kiosk, "P002")
        kiosk.wait("reprint")
        assert "不属于" in kiosk.text()
        kiosk.controller.end_visit("stranger left")

        kiosk.act("start")
        kiosk.wait("home")
        kiosk.press("reprint")
        kiosk.type("code", code)
        kiosk.press("lookup")
        kiosk.wait("reprint.identify")
        kiosk.press("identify")
        identify(kiosk, "P001")
        kiosk.wait("reprint.confirm")
        assert kiosk.loop.run_until(lambda: any(a.id == "print" and a.enabled for a in kiosk.view.actions), 10)
        kiosk.press("print", printer="thermal")
        kiosk.wait("reprint.result")
        page = kiosk.runtime.devices.emulators.printer.wait_pages(1)[0]
        assert len(qr_texts(page)) == 1
        assert ReprintTable(tmp_path / REPRINT_DB).entries() == []
    finally:
        kiosk.close()


def test_paid_print_is_charged_once_and_reprints_by_the_payment_receipt(kiosk: Kiosk) -> None:
    open_certificates(kiosk, "P002")
    preview(kiosk, "个人信用报告（本人版）（打印费 10.00 元）")
    assert "缴费并用凭条打印机打印" in [a.label for a in kiosk.view.actions]
    emu = kiosk.runtime.devices.emulators.printer
    emu.set_status("out", after_bytes=150)
    order = pay_print_fee(kiosk)
    kiosk.press("done")
    view = kiosk.wait("certificates.result")
    assert "打印中断" in repr(view) and "无需再次缴费" in repr(view)
    assert shown_code(kiosk) == order.receipt_code  # one code for the citizen: the payment's receipt

    emu.set_status("ok")
    kiosk.runtime.devices.printer.status()
    kiosk.press("retry")
    view = kiosk.wait("certificates.result")
    assert "打印完成" in repr(view)
    page = emu.wait_pages(1)[0]
    assert qr_texts(page)[0].rsplit("/", 1)[1] == kiosk.controller.current.result.job.cert.verification_code
    assert kiosk.runtime.ledger.get(order.order_id).delivered
    assert kiosk.runtime.reprints.entries() == []


def test_a_revoked_certificate_is_not_printed(kiosk: Kiosk) -> None:
    open_certificates(kiosk, "P004")  # the seed revoked P004's social insurance proof
    kiosk.press(SS_PROOF)
    kiosk.wait("certificates.preview")
    assert kiosk.loop.run_until(lambda: "撤销" in kiosk.text(), 10), kiosk.text()
    assert not [a for a in kiosk.view.actions if a.id == "print"]
    kiosk.act("print", printer="thermal")  # a stale touch
    kiosk.settle()
    assert kiosk.screen == "certificates.preview" and not kiosk.runtime.devices.emulators.printer.pages


def test_a_print_paid_for_when_the_kiosk_died_reprints_by_the_payment_receipt(tmp_path) -> None:
    """Found by ``kiosk chaos``: killed between "paid" and the print, the fee was lost with the print."""
    kiosk = Kiosk(tmp_path)
    try:
        open_certificates(kiosk, "P002")
        preview(kiosk, "个人信用报告（本人版）（打印费 10.00 元）")
        order = pay_print_fee(kiosk)
        kept = kiosk.runtime.ledger.get(order.order_id)
        assert kept.state.value == "paid" and not kept.delivered  # the print is still owed
    finally:
        kiosk.runtime.stop()  # the process dies on the "paid" screen: no print, no reprint row
    assert ReprintTable(tmp_path / REPRINT_DB).entries() == []

    kiosk = Kiosk(tmp_path)
    try:
        set_language("zh_CN")
        kiosk.act("start")
        kiosk.wait("home")
        kiosk.press("reprint")
        kiosk.type("code", order.receipt_code)
        kiosk.press("lookup")
        kiosk.wait("reprint.identify")
        kiosk.press("identify")
        identify(kiosk, "P002")
        kiosk.wait("reprint.confirm")
        assert kiosk.loop.run_until(lambda: any(a.id == "print" and a.enabled for a in kiosk.view.actions), 10)
        kiosk.press("print", printer="thermal")
        view = kiosk.wait("reprint.result")
        assert "补打完成" in repr(view)
        assert len(kiosk.runtime.devices.emulators.printer.wait_pages(1)) == 1
        assert kiosk.runtime.ledger.get(order.order_id).delivered  # printed: nothing is owed any more
        kiosk.press("done")
        kiosk.controller.open(ReprintJourney(kiosk.controller, order.receipt_code))
        kiosk.wait("reprint")
        assert "未找到" in kiosk.text()  # and the code does not print a second free copy
    finally:
        kiosk.close()


def test_a4_with_the_seal_is_offered_first(kiosk: Kiosk) -> None:
    open_certificates(kiosk)
    preview(kiosk)
    assert kiosk.loop.run_until(lambda: any(a.id == "print" and a.enabled and a.kwargs()["printer"] == "a4"
                                            for a in kiosk.view.actions), 10)
    first, second = [a for a in kiosk.view.actions if a.id == "print"]
    assert first.kwargs()["printer"] == "a4" and first.style == "primary" and "签章" in first.label
    assert second.kwargs()["printer"] == "thermal" and second.style == "secondary"


def test_paper_out_on_the_receipt_printer_offers_the_ready_a4_printer(kiosk: Kiosk) -> None:
    open_certificates(kiosk)
    preview(kiosk)
    emu = kiosk.runtime.devices.emulators.printer
    emu.set_status("out", after_bytes=150)
    kiosk.press("print", printer="thermal")
    view = kiosk.wait("certificates.result")
    assert "A4打印机可以打印" in repr(view)
    switch = view.actions[0]
    assert switch.id == "switch" and switch.kwargs()["printer"] == "a4" and switch.enabled
    code = kiosk.controller.current.result.job.code
    kiosk.press("switch")
    view = kiosk.wait("certificates.result")
    assert "打印完成" in repr(view) and "A4" in repr(view)
    assert kiosk.controller.current.result.job.code == code  # the same job, not a second one
    assert sorted(kiosk.runtime.devices.emulators.a4printer.out_dir.glob("*.pdf"))
    assert kiosk.runtime.reprints.entries() == []
