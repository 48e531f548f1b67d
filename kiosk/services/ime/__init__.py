"""Chinese text input without a physical keyboard: pinyin, handwriting, and pinyin search.

A kiosk's citizens type names, addresses and search words in Chinese. Three parts, each
backed by a maintained engine from Debian or PyPI rather than tables of our own:

- :mod:`.pinyin`: pinyin to characters through librime (the Rime engine) and the
  ``pinyin_simp`` dictionary (Debian ``librime1``, ``rime-data-pinyin-simp``);
- :mod:`.handwriting`: strokes to characters through zinnia and the Tegaki Simplified
  Chinese model (Debian ``libzinnia0``, ``tegaki-zinnia-simplified-chinese``);
- :mod:`.search`: matching a typed query against Chinese names by full pinyin or
  initials ("sb" finds 社保), through pypinyin.

No Kivy here: the on-screen keyboard (screens/keyboard.py) drives these.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Iterable
from typing import Any


class ImeUnavailable(RuntimeError):
    """The engine's library or data is not installed; the message names the Debian package."""


def load_library(name: str, soname: str, package: str, signatures: Iterable[tuple[str, list[Any], Any]]) -> ctypes.CDLL:
    """Open an engine's C library and declare the functions used, or say which Debian package is missing."""
    try:
        lib = ctypes.CDLL(ctypes.util.find_library(name) or soname)
    except OSError as exc:
        raise ImeUnavailable(f"lib{name} not found ({exc}); install the Debian package {package}") from exc
    for fn, args, res in signatures:
        f = getattr(lib, fn)
        f.argtypes, f.restype = args, res
    return lib
