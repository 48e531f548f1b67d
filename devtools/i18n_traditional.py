"""Traditional Chinese (zh_TW) for residents of Hong Kong, Macau and Taiwan, generated from the
Simplified source with OpenCC.

``python -m devtools.i18n_traditional`` converts every message id of the zh_CN catalogue
(the ids are the Simplified Chinese text) with OpenCC's ``s2tw`` configuration —
Simplified to Traditional characters in Taiwan's standard forms, without phrase
replacement (``s2twp``'s phrase table turns 触摸屏幕 into 觸控式螢幕幕) — and writes
assets/locale/zh_TW/LC_MESSAGES/kiosk.po, which is committed; then run
``python -m devtools.i18n_extract compile``. OpenCC is needed here only, at build time
(``pip install '.[i18n]'``); the kiosk reads the compiled catalogue. ``--check`` writes
nothing and exits 1 when the committed catalogue differs from a fresh conversion.
Placeholders such as ``{n}`` are ASCII and pass through OpenCC untouched.
"""

from __future__ import annotations

import sys
from pathlib import Path

from devtools.i18n_extract import Entry, read_po, write_po
from kiosk.i18n import LOCALE_DIR

SOURCE = "zh_CN"
TARGET = "zh_TW"
CONFIG = "s2tw"


def converted(locale_dir: Path = LOCALE_DIR) -> list[Entry]:
    """The zh_TW entries: each zh_CN id with its Traditional text, in the source's order."""
    import opencc

    convert = opencc.OpenCC(CONFIG).convert
    source = read_po(locale_dir / SOURCE / "LC_MESSAGES" / "kiosk.po")
    return [Entry(e.msgid, convert(e.msgstr or e.msgid)) for e in source.entries]


def run(argv: list[str]) -> int:
    check = "--check" in argv
    path = LOCALE_DIR / TARGET / "LC_MESSAGES" / "kiosk.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    po = read_po(path) if path.exists() else read_po(LOCALE_DIR / SOURCE / "LC_MESSAGES" / "kiosk.po")
    po.header = po.header.replace(f'"Language: {SOURCE}\\n"', f'"Language: {TARGET}\\n"')
    fresh = converted()
    if check:
        have = {e.msgid: e.msgstr for e in po.entries} if path.exists() else {}
        stale = [e.msgid for e in fresh if have.get(e.msgid) != e.msgstr]
        for msgid in stale:
            print(f"  ? {msgid}")
        print(f"{TARGET}: {len(stale)} entries differ from the OpenCC conversion")
        return 1 if stale else 0
    po.entries = fresh
    write_po(path, po)
    print(f"wrote {path} ({len(fresh)} entries)")
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
