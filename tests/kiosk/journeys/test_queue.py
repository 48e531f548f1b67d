"""Queue tickets and appointment check-in over the reference platform, printed on the
emulated receipt printer; check-in started by scanning at the attract screen."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np

from drivers.camera.qr import QrDecoder
from kiosk.devices.demo_cards import DEMO_CARDS
from kiosk.i18n import set_language
from kiosk.journeys.queue import CheckInJourney, QueueJourney, ticket_document
from kiosk.views import Text
from reference_platform.seed.appointments import DEMO_APPOINTMENT_CODES

from .harness import Kiosk

QUEUE_SERVICE = "440100-ZW-0903"


def qr_texts(page) -> list[str]:
    return [r.text for r in QrDecoder().decode(np.array(page.convert("L")))]


def big_text(kiosk: Kiosk) -> str:
    big = [b.text for b in kiosk.view.blocks if isinstance(b, Text) and b.style == "big"]
    assert len(big) == 1, kiosk.text()
    return big[0]


def start(kiosk: Kiosk) -> None:
    set_language("zh_CN")
    kiosk.act("start")
    kiosk.wait("home")


def assert_ticket_printed(kiosk: Kiosk, ticket, doc) -> None:
    """The page that came out is the ticket: its QR is the ticket id and its text is the document's
    (the printer prints in its own Chinese font; the emulator decodes the GB18030 it was sent)."""
    emu = kiosk.runtime.devices.emulators.printer
    page = emu.wait_pages(1)[0]
    assert qr_texts(page) == [ticket.ticket_id]
    assert doc.headline == ticket.number
    printed = emu.interpreter.text_log
    assert ticket.number in printed and doc.title in printed, printed
    for line in doc.lines:
        assert any(line.label in t and line.value in t for t in printed), (line, printed)


def test_queue_ticket_is_printed_with_its_number(kiosk: Kiosk) -> None:
    start(kiosk)
    service = kiosk.runtime.client.catalog().catalog.service(QUEUE_SERVICE)
    kiosk.controller.open(QueueJourney(kiosk.controller, service))
    kiosk.wait("queue")
    kiosk.press("take")
    view = kiosk.wait("queue.ticket")
    journey = kiosk.controller.current
    ticket = journey.ticket
    assert big_text(kiosk) == ticket.number and ticket.number.startswith("A")
    assert ticket.position >= 5  # the seeded citizens ahead
    assert "排队凭条已打印" in repr(view)
    assert_ticket_printed(kiosk, ticket, journey.ticket_doc())
    kiosk.press("done")
    assert journey not in kiosk.controller.stack


def test_priority_ticket_goes_to_the_priority_window(kiosk: Kiosk) -> None:
    start(kiosk)
    service = kiosk.runtime.client.catalog().catalog.service(QUEUE_SERVICE)
    kiosk.controller.open(QueueJourney(kiosk.controller, service))
    kiosk.wait("queue")
    kiosk.press("priority")
    assert any(a.label.startswith("✓") for a in kiosk.actions())
    kiosk.runtime.devices.emulators.printer.set_status("out")
    assert not kiosk.runtime.devices.printer.status().ready  # read now rather than at the next poll
    kiosk.press("take")
    view = kiosk.wait("queue.ticket")
    ticket = kiosk.controller.current.ticket
    assert ticket.number.startswith("Y") and "优先窗口" in repr(view)
    # no paper: the number is on screen, and prints once the printer is back
    assert "缺纸" in repr(view)
    assert not next(a for a in view.actions if a.id == "reprint").enabled
    kiosk.runtime.devices.emulators.printer.set_status("ok")
    kiosk.runtime.devices.printer.status()
    assert next(a for a in kiosk.view.actions if a.id == "reprint").enabled
    kiosk.press("reprint")
    kiosk.settle()
    assert "排队凭条已打印" in kiosk.text()
    assert_ticket_printed(kiosk, ticket, kiosk.controller.current.ticket_doc())


def test_scanning_an_appointment_at_attract_checks_in(kiosk: Kiosk) -> None:
    set_language("zh_CN")
    assert kiosk.frame().attract
    kiosk.runtime.devices.emulators.scanner.scan(DEMO_APPOINTMENT_CODES[0])
    view = kiosk.wait("checkin.done")
    journey = kiosk.controller.current
    assert isinstance(journey, CheckInJourney)
    result = journey.result
    assert result.appointment.appointment_code == DEMO_APPOINTMENT_CODES[0]
    assert result.appointment.status == "checked_in"
    assert big_text(kiosk) == result.ticket.number and result.ticket.number.startswith("V")
    shown = repr(view)
    assert "普通护照申领预约" in shown and result.appointment.holder_masked_name in shown
    assert "李娜" not in shown
    doc = ticket_document(result.ticket, result.appointment.service_name, result.appointment)
    assert_ticket_printed(kiosk, result.ticket, doc)
    kiosk.press("done")
    assert journey not in kiosk.controller.stack


def test_check_in_by_id_card_lists_todays_appointments(kiosk: Kiosk) -> None:
    start(kiosk)
    kiosk.controller.open(CheckInJourney(kiosk.controller))
    kiosk.wait("checkin")
    kiosk.runtime.devices.emulators.scanner.scan("999999")
    assert kiosk.loop.run_until(lambda: "未找到该预约" in kiosk.text(), 10), kiosk.text()
    assert kiosk.screen == "checkin"
    kiosk.press("by_id")
    kiosk.wait("identify")
    kiosk.runtime.devices.emulators.idreader.insert(DEMO_CARDS["P003"])
    kiosk.wait("identify.confirmed")
    kiosk.press("continue")
    view = kiosk.wait("checkin.appointments")
    choices = [a for a in kiosk.actions() if a.id == "appt"]
    assert [a.kwargs()["code"] for a in choices] == [DEMO_APPOINTMENT_CODES[0]]
    assert "10:00" in choices[0].label
    kiosk.press("appt", code=DEMO_APPOINTMENT_CODES[0])
    view = kiosk.wait("checkin.done")
    assert "签到成功" in repr(view)
    assert kiosk.runtime.devices.emulators.printer.wait_pages(1)


def test_ticket_time_follows_the_configured_zone(tmp_path) -> None:
    """The ticket reads the kiosk's ``[kiosk] timezone``, the same zone as the screen and receipts."""
    from kiosk.services import localtime

    kiosk = Kiosk(tmp_path, kiosk={"timezone": "America/New_York"})
    try:
        start(kiosk)
        service = kiosk.runtime.client.catalog().catalog.service(QUEUE_SERVICE)
        kiosk.controller.open(QueueJourney(kiosk.controller, service))
        kiosk.wait("queue")
        kiosk.press("take")
        kiosk.wait("queue.ticket")
        ticket = kiosk.controller.current.ticket
        issued = ticket.issued_at if ticket.issued_at.tzinfo else ticket.issued_at.replace(tzinfo=dt.UTC)
        expected = issued.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M")
        assert f"'取号时间', '{expected}'" in kiosk.text()
    finally:
        kiosk.close()
        localtime.configure(localtime.DEFAULT_ZONE)
