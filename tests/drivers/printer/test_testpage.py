"""The printer self-test page shared by ``kiosk doctor printer`` and technician mode."""

from __future__ import annotations

from drivers.printer.doctor import self_test_document
from drivers.printer.document import Kind


def test_the_test_page_names_the_device_and_its_status_and_carries_a_qr_code() -> None:
    doc = self_test_document("/dev/kiosk/printer @ 115200", {"state": "online", "media": "near_end"})
    lines = {line.label: line.value for line in doc.lines}
    assert doc.kind is Kind.RECEIPT
    assert lines["设备 Device"] == "/dev/kiosk/printer @ 115200"
    assert lines["状态 Status"] == "online" and lines["纸张 Paper"] == "near_end"
    assert doc.qr.startswith("KIOSK-PRINTER-TEST ") and doc.qr.endswith(lines["时间 Time"])
    assert any("中文" in line for line in doc.footer)
