"""Finding Chinese names by what a citizen can type: characters, full pinyin or initials.

On the kiosk's keyboard the quickest way to look for 社保 is "sb" or "shebao"; a citizen
who typed the characters gets a plain substring match. Names are turned into pinyin with
pypinyin (its phrase dictionary picks the right reading of polyphonic characters, e.g.
银行 -> yinhang), once per distinct name. Its dictionaries take ~0.8 s to load, so they are
loaded when first needed (or by ``warm`` in the background after start-up), not before the
kiosk's first frame: the attract screen never searches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_SEPARATORS = re.compile(r"[\s'’·]+")


@lru_cache(maxsize=4096)
def pinyin_keys(text: str) -> tuple[str, str]:
    """``text`` as full pinyin and as initials, lower case without tones or spaces (社保 -> shebao, sb)."""
    from pypinyin import Style, lazy_pinyin

    full = "".join(lazy_pinyin(text, errors=lambda s: [s])).lower()
    initials = "".join(p[:1] for p in lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda s: list(s))).lower()
    return _SEPARATORS.sub("", full), _SEPARATORS.sub("", initials)


def normalise(query: str) -> str:
    return _SEPARATORS.sub("", query).lower()


def matches(query: str, texts: Iterable[str]) -> bool:
    """Whether ``query`` is found in any of ``texts``, as characters, full pinyin or initials."""
    q = normalise(query)
    if not q:
        return False
    latin = q.isascii()
    for text in texts:
        if not text:
            continue
        if q in normalise(text):
            return True
        if latin:
            full, initials = pinyin_keys(text)
            if q in full or q in initials:
                return True
    return False


def warm() -> None:
    """Load pypinyin's dictionaries now (from a background thread while the attract screen is up)."""
    pinyin_keys("社保")
