"""Printer device nodes that are no tty (usblp's /dev/usb/lpN), opened as plain byte streams.

No usblp printer exists here, so the raw-node I/O runs against the emulator's pty opened
with ``Link.device_node`` (a pty carries bytes both ways like usblp; it is just never
configured as a terminal), and the fallback of ``Link.serial`` runs on /dev/null, a
character device that is no tty, as a usblp node is.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.base import DeviceState
from drivers.printer.devnode import RawNode
from drivers.printer.emulator import PrinterEmulator
from drivers.printer.errors import PrinterNotReady
from drivers.printer.thermal import ThermalPrinter
from drivers.printer.transport import Link, LinkLost

from .helpers import VERIFY, certificate, decode_qr


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[PrinterEmulator]:
    e = PrinterEmulator("pty", out_dir=tmp_path / "out", link=tmp_path / "printer").start()
    yield e
    e.stop()


def test_raw_node_prints_reads_status_and_survives_a_pulled_cable(emu: PrinterEmulator) -> None:
    printer = ThermalPrinter(Link.device_node(emu.port), status_timeout=0.3, job_timeout=5.0)
    try:
        assert printer.status().state is DeviceState.ONLINE
        assert isinstance(printer.link.printer.device, RawNode)
        printer.print_document(certificate(), "cert-node")
        assert decode_qr(emu.wait_pages(1)[0]) == [VERIFY]
        emu.set_status("out")
        assert printer.status().reason.value == "paper_out"
        emu.stop()
        assert printer.status().state is DeviceState.OFFLINE
        emu.set_status("ok")
        emu.start()
        assert printer.status().state is DeviceState.ONLINE   # reopened on the next status read
    finally:
        printer.close()


def test_serial_link_falls_back_to_a_raw_node_when_the_path_is_no_tty() -> None:
    link = Link.serial("/dev/null")
    link.open()   # pyserial alone fails here: "Inappropriate ioctl for device"
    try:
        assert isinstance(link.printer.device, RawNode)
        link.write(b"\x1b@job bytes")
        assert link.ask(1, 0.1) is None   # end of file: a node that never answers DLE EOT
    finally:
        link.close()
    printer = ThermalPrinter(Link.serial("/dev/null"), status_timeout=0.1)
    with pytest.raises(PrinterNotReady) as err:   # no status, no print: never "paper ok" by default
        printer.print_document(certificate())
    assert err.value.reason == "offline"
    printer.close()


def test_missing_node_is_link_lost(tmp_path: Path) -> None:
    for link in (Link.serial(str(tmp_path / "lp0")), Link.device_node(str(tmp_path / "lp0"))):
        with pytest.raises(LinkLost):
            link.open()
