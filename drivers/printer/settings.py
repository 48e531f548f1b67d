"""``[devices.printer]`` and ``[devices.a4printer]``: what the drivers, their doctor and
their spec all read, kept apart from the spec so none of them imports another in a circle."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from drivers.registry import SectionModel


class PrinterSection(SectionModel):
    backend: Literal["serial", "usb", "network", "emulator", "none"] = "emulator"
    port: str = "/dev/kiosk/printer"
    baud: Literal[9600, 19200, 38400, 57600, 115200] = 115200
    host: str = ""
    tcp_port: Annotated[int, Field(ge=1, le=65535)] = 9100
    usb_vendor: Annotated[int, Field(ge=0, le=0xFFFF)] = 0
    usb_product: Annotated[int, Field(ge=0, le=0xFFFF)] = 0
    paper_width_dots: Literal[384, 576] = 576
    """384 for 58 mm paper, 576 for 80 mm paper at 203 dpi."""
    text_mode: Literal["gb18030", "raster"] = "gb18030"
    """gb18030: slips in the printer's own Chinese font (``FS &`` + GB18030, a few KB, under a
    second); raster: every slip drawn on the host, for printers without a Chinese font (50-120 KB)."""
    qr_mode: Literal["native", "raster"] = "native"
    """In text mode, native: the printer draws the QR code (``GS ( k``); raster: sent as an image,
    for printers without that command."""

    def device_nodes(self) -> tuple[str, ...]:
        return (self.port,) if self.backend == "serial" else ()


class A4PrinterSection(SectionModel):
    backend: Literal["cups", "emulator", "none"] = "emulator"
    queue: str = ""
    """CUPS queue name; empty: the CUPS default destination."""
    server: str = ""
    """CUPS scheduler: ``host[:port]`` or a domain socket path; empty: the system's (client.conf)."""
