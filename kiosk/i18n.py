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
import logging
import threading
from collections.abc import Callable, Mapping
from functools import lru_cache
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


TRADITIONAL = "zh_TW"
OPENCC_CONFIG = "s2tw"
"""The conversion the zh_TW catalogue is generated with (devtools/i18n_traditional.py), so a
guide converted on screen uses the same characters as the kiosk's own texts."""
log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _opencc() -> Callable[[str], str] | None:
    try:
        import opencc
    except ImportError:
        log.warning("opencc is not installed: platform content stays in Simplified Chinese in zh_TW "
                    "(pip install opencc==1.4.2)")
        return None
    return opencc.OpenCC(OPENCC_CONFIG).convert


@lru_cache(maxsize=4096)
def _traditional(text: str) -> str:
    convert = _opencc()
    return convert(text) if convert is not None else text


def platform_text(text: str, lang: str | None = None) -> str:
    """Chinese text that comes from the platform (guides, catalogue names, query values), as ``lang`` shows it.

    The platform serves Simplified Chinese and English only; for Traditional Chinese it is
    converted here, with OpenCC's ``s2tw`` like the catalogue. Conversions are cached: the
    same guide and service names come back on every visit. Without OpenCC installed the
    text stays Simplified (readable, and a warning in the log says why).
    """
    if (lang or _current) != TRADITIONAL or not text:
        return text
    return _traditional(text)


def pair(texts: Mapping[str, str]) -> str:
    """The current language's text of a ``{"zh_CN": …, "en": …}`` pair (devices, errors, ratings).

    English comes from the pair; Chinese from the catalogue by the Simplified text (its
    zh_TW entry when the pair's ids are marked with ``N_``), else converted like platform text.
    """
    zh = texts.get("zh_CN", "")
    if _current == "en":
        return texts.get("en") or _(zh)
    translated = _(zh)
    return translated if translated != zh else platform_text(zh)


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
