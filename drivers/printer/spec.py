"""The two printers as device classes: ``[devices.printer]`` (ESC/POS thermal, receipts and
tickets) and ``[devices.a4printer]`` (CUPS), their start and ``kiosk doctor printer``."""

from __future__ import annotations

import logging

from drivers.printer.doctor import add_doctor_arguments, doctor
from drivers.printer.settings import A4PrinterSection, PrinterSection
from drivers.registry import N_, DeviceSpec, Doctor, StartContext, Started, register

log = logging.getLogger(__name__)


def start_thermal(section: PrinterSection, ctx: StartContext) -> Started:
    from drivers.printer.thermal import ThermalPrinter

    port, emulator = None, None
    if section.backend == "emulator":
        from drivers.printer.emulator import PrinterEmulator

        out = ctx.work_dir / "printer"
        emulator = ctx.started(PrinterEmulator("pty", width=section.paper_width_dots, out_dir=out))
        port = emulator.port
    printer = ThermalPrinter.from_config(section, ctx.publish, port=port, name=ctx.name)
    printer.start()
    ctx.on_stop(printer.close)
    return Started(printer, emulator)


def start_a4(section: A4PrinterSection, ctx: StartContext) -> Started:
    from drivers.printer.a4 import a4_from_config

    a4 = a4_from_config(section, ctx.work_dir / "a4", ctx.publish, name=ctx.name)
    if section.backend == "emulator":
        return Started(a4, a4)
    if a4 is not None:
        state = a4.status()  # CUPS: ask once now so the attract screen is right from the start
        log.info("%s: %s", ctx.name, state.value)
    return Started(a4)


THERMAL = register(DeviceSpec(
    name="printer",
    label=N_("凭条打印机"),
    section=PrinterSection,
    start=start_thermal,
    order=30,
    doctor=Doctor("check the ESC/POS thermal printer: real-time status, optional test page",
                  add_doctor_arguments, doctor),
    paper=True,
))
A4 = register(DeviceSpec(name="a4printer", label=N_("A4打印机"), section=A4PrinterSection, start=start_a4, order=40))
