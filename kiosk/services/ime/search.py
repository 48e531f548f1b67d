"""Finding Chinese names by what a citizen can type: characters, full pinyin or initials.

On the kiosk's keyboard the quickest way to look for 社保 is "sb" or "shebao"; a citizen
who typed the characters gets a plain substring match. Names are turned into pinyin with
pypinyin (its phrase dictionary picks the right reading of polyphonic characters, e.g.
银行 -> yinhang), once per distinct name.

pypinyin's dictionaries are ~1 million small Python objects: 0.8 s to load and ~56 MB
that would stay in the UI process for its whole life, for a few hundred catalogue names.
So the keys are worked out in a short-lived child process (``learn``; ``python -m
kiosk.services.ime.search`` reads names as JSON on stdin) and only the keys are kept
here. ``warm`` does it in the background as soon as the catalogue is known, so a search
finds them ready; a name not learnt yet is learnt when first searched.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import threading
from collections.abc import Iterable

log = logging.getLogger(__name__)

_SEPARATORS = re.compile(r"[\s'’·]+")
KEYS_LIMIT = 4096
"""Names whose keys are kept; beyond, the table starts again (a catalogue has a few hundred)."""
LEARN_TIMEOUT_S = 60.0

_keys: dict[str, tuple[str, str]] = {}
_lock = threading.Lock()


def keys_here(text: str) -> tuple[str, str]:
    """``text`` as full pinyin and as initials, lower case without tones or spaces (社保 -> shebao, sb),
    computed in this process (loads pypinyin's dictionaries)."""
    from pypinyin import Style, lazy_pinyin

    full = "".join(lazy_pinyin(text, errors=lambda s: [s])).lower()
    initials = "".join(p[:1] for p in lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda s: list(s))).lower()
    return _SEPARATORS.sub("", full), _SEPARATORS.sub("", initials)


def learn(texts: Iterable[str]) -> None:
    """Work out the keys of the ``texts`` not known yet, in a child process, and keep them."""
    with _lock:
        todo = sorted({t for t in texts if t and t not in _keys})
        if not todo:
            return
        try:
            done = subprocess.run([sys.executable, "-m", "kiosk.services.ime.search"], input=json.dumps(todo),
                                  capture_output=True, text=True, timeout=LEARN_TIMEOUT_S, check=True)
            found = [tuple(k) for k in json.loads(done.stdout)]
            if len(found) != len(todo):
                raise ValueError(f"{len(found)} keys for {len(todo)} names")
        except (OSError, subprocess.SubprocessError, ValueError) as exc:
            # Searching must still work: pay the dictionaries' memory rather than lose pinyin search.
            log.warning("pinyin keys could not be worked out in a child process (%s): here instead", exc)
            found = [keys_here(t) for t in todo]
        if len(_keys) + len(todo) > KEYS_LIMIT:
            _keys.clear()
        _keys.update(zip(todo, found, strict=True))  # type: ignore[arg-type]


def pinyin_keys(text: str) -> tuple[str, str]:
    """``text`` as full pinyin and as initials (社保 -> shebao, sb)."""
    if text.isascii():  # pinyin of Latin text is the text itself
        plain = normalise(text)
        return plain, plain
    keys = _keys.get(text)
    if keys is None:
        learn((text,))
        keys = _keys.get(text) or keys_here(text)
    return keys


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


def warm(texts: Iterable[str] = ()) -> threading.Thread | None:
    """Learn the keys of ``texts`` (the catalogue's names) on a background thread; None when all are known."""
    todo = [t for t in texts if t and t not in _keys]
    if not todo:
        return None
    thread = threading.Thread(target=learn, args=(todo,), name="pinyin-keys", daemon=True)
    thread.start()
    return thread


def _main() -> None:
    names = json.load(sys.stdin)
    json.dump([keys_here(n) for n in names], sys.stdout)


if __name__ == "__main__":
    _main()
