"""The ID-card reader as a device class: ``[devices.idreader]``, start, ``kiosk doctor idreader``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from drivers.idreader.doctor import DOCTOR
from drivers.registry import N_, DeviceSpec, SectionModel, StartContext, Started, register


class IdReaderSection(SectionModel):
    backend: Literal["serial", "emulator", "none"] = "emulator"
    port: str = "/dev/kiosk/idreader"
    baud: Literal[9600, 19200, 38400, 57600, 115200] = 115200
    sam_margin_s: float = Field(2.0, gt=0, le=30)
    """Seconds a SAM may take on top of the wire time of a reply (the chip read itself); the
    driver's reply timeouts are this plus the wire time at ``baud``."""

    def device_nodes(self) -> tuple[str, ...]:
        return (self.port,) if self.backend == "serial" else ()


def start(section: IdReaderSection, ctx: StartContext) -> Started:
    from drivers.idreader.emulator import IdReaderEmulator
    from drivers.idreader.reader import IdCardReader

    return ctx.on_port(section, section.port, IdReaderEmulator,
                       lambda port: IdCardReader(ctx.name, port, ctx.publish, baud=section.baud,
                                                  sam_margin=section.sam_margin_s))


SPEC = register(DeviceSpec(name="idreader", label=N_("身份证读卡器"), section=IdReaderSection, start=start, order=10,
                           doctor=DOCTOR))
