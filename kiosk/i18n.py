"""Translations through gettext: Chinese first, English second.

Message ids are the Chinese strings themselves, so a missing catalogue or a missing
entry still shows correct Chinese — the primary language never degrades to an id.
Catalogues live in assets/locale/<lang>/LC_MESSAGES/kiosk.po; the .mo files are
compiled from them with Babel (``python -m devtools.i18n_extract compile``, run by
the tests) so the source of truth is the reviewed .po text. ``python -m devtools.i18n_extract
extract`` adds the ids marked in the source to the .po files (devtools.i18n_extract).
"""

from __future__ import annotations

import gettext
import threading
from pathlib import Path

DOMAIN = "kiosk"
LANGUAGES = ("zh_CN", "en", "zh_TW")
LOCALE_DIR = Path(__file__).resolve().parent.parent / "assets" / "locale"

_lock = threading.Lock()
_cache: dict[str, gettext.NullTranslations] = {}
_current = "zh_CN"


def translator(lang: str) -> gettext.NullTranslations:
    """The translations for ``lang``; unknown languages and missing catalogues fall back to the ids."""
    with _lock:
        if lang not in _cache:
            if lang not in LANGUAGES:
                _cache[lang] = gettext.NullTranslations()
            else:
                _cache[lang] = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)
        return _cache[lang]


def set_language(lang: str) -> None:
    """Switch what ``_`` returns; unknown languages are refused so the UI can't end up blank."""
    global _current
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; choose one of {LANGUAGES}")
    _current = lang


def current_language() -> str:
    return _current


def _(message: str) -> str:
    """Translate into the current language."""
    return translator(_current).gettext(message)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


def compile_catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Compile every kiosk.po under ``locale_dir`` to .mo with Babel; returns the .mo paths."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as fh:
            write_mo(fh, catalog)
        written.append(mo)
    with _lock:
        _cache.clear()
    return written
