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


class ImeUnavailable(RuntimeError):
    """The engine's library or data is not installed; the message names the Debian package."""
