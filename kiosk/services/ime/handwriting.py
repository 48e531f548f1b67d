"""Handwriting to characters through zinnia, for citizens who cannot spell pinyin.

zinnia is a small SVM-based online recogniser (strokes as point lists, not pictures);
Debian ships it (``libzinnia0``) with Tegaki's Simplified Chinese model
(``tegaki-zinnia-simplified-chinese``, about 26 MB, some 6,700 characters). There is no
maintained Python binding, so this is a ctypes binding of zinnia's C API (``zinnia.h``).

Coordinates are the pad's own, y pointing down (as zinnia's models were trained); the pad
size is passed so the recogniser can normalise. Stroke order and direction matter: the
model knows how characters are written, so 十 is 一 then 丨.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Sequence
from pathlib import Path

from kiosk.services.ime import ImeUnavailable, load_library

ZH_CN_MODEL = Path("/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model")
"""Installed by Debian's tegaki-zinnia-simplified-chinese."""

Stroke = Sequence[tuple[float, float]]

_V = ctypes.c_void_p


def _load() -> ctypes.CDLL:
    return load_library("zinnia", "libzinnia.so.0", "libzinnia0", (
        ("zinnia_recognizer_new", [], _V),
        ("zinnia_recognizer_open", [_V, ctypes.c_char_p], ctypes.c_int),
        ("zinnia_recognizer_strerror", [_V], ctypes.c_char_p),
        ("zinnia_recognizer_destroy", [_V], None),
        ("zinnia_recognizer_classify", [_V, _V, ctypes.c_size_t], _V),
        ("zinnia_character_new", [], _V),
        ("zinnia_character_destroy", [_V], None),
        ("zinnia_character_set_width", [_V, ctypes.c_size_t], None),
        ("zinnia_character_set_height", [_V, ctypes.c_size_t], None),
        ("zinnia_character_add", [_V, ctypes.c_size_t, ctypes.c_int, ctypes.c_int], ctypes.c_int),
        ("zinnia_result_value", [_V, ctypes.c_size_t], ctypes.c_char_p),
        ("zinnia_result_size", [_V], ctypes.c_size_t),
        ("zinnia_result_destroy", [_V], None),
    ))


class HandwritingRecognizer:
    """One loaded model; :meth:`recognize` is safe to call from any one thread at a time."""

    def __init__(self, model: Path = ZH_CN_MODEL) -> None:
        if not model.exists():
            raise ImeUnavailable(f"no handwriting model at {model}; install tegaki-zinnia-simplified-chinese")
        self.lib = _load()
        self._lock = threading.Lock()
        self._rec = self.lib.zinnia_recognizer_new()
        if not self.lib.zinnia_recognizer_open(self._rec, str(model).encode()):
            why = (self.lib.zinnia_recognizer_strerror(self._rec) or b"").decode("utf-8", "replace")
            self.lib.zinnia_recognizer_destroy(self._rec)
            raise ImeUnavailable(f"zinnia could not open {model}: {why}")

    def recognize(self, strokes: Sequence[Stroke], width: float, height: float, n: int = 9) -> list[str]:
        """The ``n`` likeliest characters for ``strokes`` drawn on a ``width`` x ``height`` pad, best first."""
        if width <= 0 or height <= 0:
            raise ValueError(f"pad size {width}x{height} must be positive")
        strokes = [s for s in strokes if s]
        if not strokes:
            return []
        with self._lock:
            char = self.lib.zinnia_character_new()
            try:
                self.lib.zinnia_character_set_width(char, max(1, round(width)))
                self.lib.zinnia_character_set_height(char, max(1, round(height)))
                for i, stroke in enumerate(strokes):
                    for x, y in stroke:
                        self.lib.zinnia_character_add(char, i, round(x), round(y))
                result = self.lib.zinnia_recognizer_classify(self._rec, char, n)
                if not result:
                    return []
                try:
                    return [(self.lib.zinnia_result_value(result, i) or b"").decode("utf-8", "replace")
                            for i in range(self.lib.zinnia_result_size(result))]
                finally:
                    self.lib.zinnia_result_destroy(result)
            finally:
                self.lib.zinnia_character_destroy(char)


_recognizer: HandwritingRecognizer | None = None
_recognizer_lock = threading.Lock()


def recognizer() -> HandwritingRecognizer:
    """The process's one loaded model (26 MB: loaded once, on first use)."""
    global _recognizer
    with _recognizer_lock:
        if _recognizer is None:
            _recognizer = HandwritingRecognizer()
        return _recognizer
