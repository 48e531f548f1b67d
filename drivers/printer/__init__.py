"""Printers: the ESC/POS thermal printer (receipts, queue tickets, certificates) and the A4 printer.

Public API: ``ThermalPrinter`` (python-escpos transport + own DLE EOT status reader),
``Document``/``Kind``/``Line`` and ``Renderer`` (CJK raster rendering), ``PrinterEmulator``
(pty / TCP, renders what it receives), ``A4Printer`` backends (CUPS ``lp``, folder emulator),
the events ``PrintJobFinished`` and the typed errors in ``drivers.printer.errors``.
Heavy modules are imported lazily by the names below so ``import drivers.printer`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ThermalPrinter": "drivers.printer.thermal",
    "Document": "drivers.printer.document",
    "Kind": "drivers.printer.document",
    "Line": "drivers.printer.document",
    "Renderer": "drivers.printer.render",
    "PrinterEmulator": "drivers.printer.emulator",
    "PrintJobFinished": "drivers.printer.events",
    "PrinterStatus": "drivers.printer.status",
    "Reason": "drivers.printer.status",
    "CupsA4Printer": "drivers.printer.a4",
    "FolderA4Printer": "drivers.printer.a4",
    "A4Job": "drivers.printer.a4",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'drivers.printer' has no attribute {name!r}")
