"""Printers: the ESC/POS thermal printer (receipts, tickets, certificates), the A4 printer (CUPS), emulators."""

from __future__ import annotations

import os
from pathlib import Path


def _escpos_capabilities_cache() -> None:
    """Give python-escpos a lasting folder for its parsed printer-capabilities file.

    Without one it makes a new temporary folder on every start, so every start parses its
    ~1 MB capabilities.json with pure-Python YAML (0.2 s on this machine, several times that
    on a Raspberry Pi, before the kiosk's window can open) and leaves the folder behind.
    With one, the first start writes a pickle and the others load it in milliseconds.
    """
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" in os.environ:
        return
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "python-escpos"
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # a read-only home: python-escpos falls back to its temporary folder
    if os.access(base, os.W_OK):
        os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(base)


_escpos_capabilities_cache()
