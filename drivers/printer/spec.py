"""The two printers as device classes: ``[devices.printer]`` (ESC/POS thermal, receipts and
tickets) and ``[devices.a4printer]`` (CUPS), their start and ``kiosk doctor printer``."""

from __future__ import annotations

import logging

from drivers.printer.doctor import DOCTOR
from drivers.printer.settings import A4PrinterSection, PrinterSection
from drivers.registry import N_, DeviceSpec, StartContext, Started, register

log = logging.getLogger(__name__)


def start_thermal(section: PrinterSection, ctx: StartContext) -> Started:
    from drivers.printer.emulator import PrinterEmulator
    from drivers.printer.thermal import ThermalPrinter

    return ctx.on_port(section, None,
                       lambda: PrinterEmulator("pty", width=section.paper_width_dots, out_dir=ctx.work_dir / "printer"),
                       lambda port: ThermalPrinter.from_config(section, ctx.publish, port=port, name=ctx.name))


def start_a4(section: A4PrinterSection, ctx: StartContext) -> Started:
    from drivers.printer.a4 import a4_from_config

    a4 = a4_from_config(section, ctx.work_dir / "a4", ctx.publish, name=ctx.name)
    if section.backend == "emulator":
        return Started(a4, a4)
    if a4 is not None:
        state = a4.status()  # CUPS: ask once now so the attract screen is right from the start
        log.info("%s: %s", ctx.name, state.value)
    return Started(a4)


THERMAL = register(DeviceSpec(name="printer", label=N_("凭条打印机"), section=PrinterSection, start=start_thermal,
                              order=30, doctor=DOCTOR, paper=True))
A4 = register(DeviceSpec(name="a4printer", label=N_("A4打印机"), section=A4PrinterSection, start=start_a4, order=40))
