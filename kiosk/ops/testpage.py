"""The thermal printer's self-test page, printed by ``kiosk doctor printer --test-page`` and
by technician mode's "打印测试页": one layout, so both show the same thing on paper.

It carries what a technician needs to judge the printer at a glance: the device, the time,
the status before printing, Chinese text and a QR code (a scan proves the raster prints).
"""

from __future__ import annotations

import time
from typing import Any

from drivers.printer.document import Document


def self_test_document(describe: str, before: dict[str, Any]) -> Document:
    """The test page for the printer at ``describe`` whose status (``PrinterStatus.as_dict()``) was ``before``."""
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    return Document.build(
        "receipt", "打印机自检 Printer self-test",
        [("设备 Device", describe), ("时间 Time", now), ("状态 Status", str(before["state"])),
         ("纸张 Paper", str(before["media"]))],
        qr=f"KIOSK-PRINTER-TEST {now}", qr_caption="扫描此码验证二维码打印 Scan to check QR printing",
        footer=["中文打印正常 Chinese text OK", "政务服务自助终端"],
    )
