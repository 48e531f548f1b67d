"""Pinyin input through librime, the engine behind most Linux Chinese input methods.

librime has a C API and no maintained Python binding on PyPI, so this is a ctypes binding
of the few calls a keyboard needs (the exported ``Rime*`` functions of ``rime_api.h``,
librime 1.8). The schema is our own small one (``kiosk_pinyin``, written into a private
user folder at start): it uses Debian's prebuilt ``pinyin_simp`` dictionary, allows
initials ("sb" -> 社保), shows nine candidates a page, and has the user dictionary turned
off. A kiosk must not learn what citizens typed: with learning on, Rime would keep names
and addresses in a user database on disk across visits.

librime is one engine per process (``RimeSetup``/``RimeInitialize`` are global), so
:func:`engine` starts it once; each keyboard opens its own :class:`PinyinSession`. All
calls come from one thread (the UI's).
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from kiosk.services.ime import ImeUnavailable, load_library

SHARED_DATA = Path("/usr/share/rime-data")
"""Debian's Rime data folder (``rime-data-pinyin-simp`` puts its dictionary and prebuilt tables here)."""
SCHEMA_ID = "kiosk_pinyin"
PAGE_SIZE = 9
SCHEMA = f"""\
# Written by the kiosk at start (kiosk/services/ime/pinyin.py); edits are overwritten.
schema:
  schema_id: {SCHEMA_ID}
  name: kiosk pinyin
  version: '1'
engine:
  processors: [speller, selector, navigator, express_editor]
  segmentors: [abc_segmentor, fallback_segmentor]
  translators: [script_translator]
speller:
  alphabet: zyxwvutsrqponmlkjihgfedcba
  delimiter: " '"
  algebra:
    - abbrev/^([a-z]).+$/$1/
    - abbrev/^([zcs]h).+$/$1/
    - derive/^([nl])ue$/$1ve/
    - derive/^([jqxy])u/$1v/
translator:
  dictionary: pinyin_simp
  enable_user_dict: false
menu:
  page_size: {PAGE_SIZE}
"""

HIDDEN = frozenset({"傻逼", "牛逼", "装逼", "妈逼", "逼逼", "他妈的", "操你", "尼玛", "屌丝", "鸡巴"})
"""Vulgar words in pinyin_simp's frequency list that a government kiosk does not offer as
candidates ("sb" would show 傻逼 on its second page). A citizen can still write them letter
by letter; they are only never suggested."""

# X11 keysyms Rime understands (a letter or digit is its ASCII code).
KEYSYMS = {"space": 0x20, "backspace": 0xFF08, "return": 0xFF0D, "escape": 0xFF1B,
           "page_up": 0xFF55, "page_down": 0xFF56}

_Bool = ctypes.c_int
_Session = ctypes.c_size_t


class _Traits(ctypes.Structure):
    _fields_ = [("data_size", ctypes.c_int), ("shared_data_dir", ctypes.c_char_p),
                ("user_data_dir", ctypes.c_char_p), ("distribution_name", ctypes.c_char_p),
                ("distribution_code_name", ctypes.c_char_p), ("distribution_version", ctypes.c_char_p),
                ("app_name", ctypes.c_char_p), ("modules", ctypes.POINTER(ctypes.c_char_p)),
                ("min_log_level", ctypes.c_int), ("log_dir", ctypes.c_char_p),
                ("prebuilt_data_dir", ctypes.c_char_p), ("staging_dir", ctypes.c_char_p)]


class _Composition(ctypes.Structure):
    _fields_ = [("length", ctypes.c_int), ("cursor_pos", ctypes.c_int), ("sel_start", ctypes.c_int),
                ("sel_end", ctypes.c_int), ("preedit", ctypes.c_char_p)]


class _Candidate(ctypes.Structure):
    _fields_ = [("text", ctypes.c_char_p), ("comment", ctypes.c_char_p), ("reserved", ctypes.c_void_p)]


class _Menu(ctypes.Structure):
    _fields_ = [("page_size", ctypes.c_int), ("page_no", ctypes.c_int), ("is_last_page", _Bool),
                ("highlighted_candidate_index", ctypes.c_int), ("num_candidates", ctypes.c_int),
                ("candidates", ctypes.POINTER(_Candidate)), ("select_keys", ctypes.c_char_p)]


class _Context(ctypes.Structure):
    _fields_ = [("data_size", ctypes.c_int), ("composition", _Composition), ("menu", _Menu),
                ("commit_text_preview", ctypes.c_char_p), ("select_labels", ctypes.POINTER(ctypes.c_char_p))]


class _Commit(ctypes.Structure):
    _fields_ = [("data_size", ctypes.c_int), ("text", ctypes.c_char_p)]


def _sized(struct: ctypes.Structure) -> ctypes.Structure:
    """RIME_STRUCT_INIT: ``data_size`` tells librime which fields this caller knows."""
    struct.data_size = ctypes.sizeof(struct) - ctypes.sizeof(ctypes.c_int)
    return struct


def _load() -> ctypes.CDLL:
    return load_library("rime", "librime.so.1", "librime1", (
        ("RimeSetup", [ctypes.POINTER(_Traits)], None),
        ("RimeInitialize", [ctypes.POINTER(_Traits)], None),
        ("RimeDeployerInitialize", [ctypes.POINTER(_Traits)], None),
        ("RimeDeploySchema", [ctypes.c_char_p], _Bool),
        ("RimeCreateSession", [], _Session),
        ("RimeDestroySession", [_Session], _Bool),
        ("RimeSelectSchema", [_Session, ctypes.c_char_p], _Bool),
        ("RimeProcessKey", [_Session, ctypes.c_int, ctypes.c_int], _Bool),
        ("RimeClearComposition", [_Session], None),
        ("RimeGetCommit", [_Session, ctypes.POINTER(_Commit)], _Bool),
        ("RimeFreeCommit", [ctypes.POINTER(_Commit)], _Bool),
        ("RimeGetContext", [_Session, ctypes.POINTER(_Context)], _Bool),
        ("RimeFreeContext", [ctypes.POINTER(_Context)], _Bool),
    ))


class RimeEngine:
    """librime started once for this process, with our schema deployed into a private folder.

    The user folder holds only the compiled schema (the dictionary tables are Debian's
    prebuilt ones); nothing typed is written there because the user dictionary is off.
    """

    def __init__(self, user_dir: Path | None = None, shared_dir: Path = SHARED_DATA) -> None:
        if not (shared_dir / "pinyin_simp.dict.yaml").exists():
            raise ImeUnavailable(f"no pinyin dictionary in {shared_dir}; install rime-data-pinyin-simp")
        self.lib = _load()
        if user_dir is None:
            user_dir = Path(tempfile.mkdtemp(prefix="kiosk-rime-"))
            atexit.register(shutil.rmtree, user_dir, True)
        self.user_dir = user_dir
        self.user_dir.mkdir(parents=True, exist_ok=True)
        schema = self.user_dir / f"{SCHEMA_ID}.schema.yaml"
        schema.write_text(SCHEMA, "utf-8")
        # The traits' strings must outlive the calls: librime keeps the pointers.
        self._strings = [str(shared_dir).encode(), str(self.user_dir).encode(), b"kiosk", b"kiosk", b"1",
                         b"rime.kiosk", b""]
        t = _sized(_Traits())
        (t.shared_data_dir, t.user_data_dir, t.distribution_name, t.distribution_code_name,
         t.distribution_version, t.app_name, t.log_dir) = self._strings
        t.min_log_level = 2  # errors only, to stderr: never log keys
        self._traits = t
        self.lib.RimeSetup(ctypes.byref(t))
        self.lib.RimeInitialize(ctypes.byref(t))
        self.lib.RimeDeployerInitialize(ctypes.byref(t))
        if not self.lib.RimeDeploySchema(str(schema).encode()):
            raise ImeUnavailable(f"librime could not build the schema in {self.user_dir}")

    def session(self) -> PinyinSession:
        return PinyinSession(self)


_engine: RimeEngine | None = None
_engine_lock = threading.Lock()


def engine(user_dir: Path | None = None) -> RimeEngine:
    """The process's one librime (started on first use; ``user_dir`` counts only then)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = RimeEngine(user_dir)
        return _engine


class KeyResult(NamedTuple):
    taken: bool
    """The engine used the key; if not, the keyboard acts on it (e.g. backspace deletes from the field)."""
    commit: str
    """Text the engine committed (a chosen candidate), to append to the field."""


@dataclass(frozen=True)
class Composition:
    """What the candidate bar shows: the pinyin typed so far and the current page of candidates."""

    preedit: str = ""
    candidates: tuple[str, ...] = ()
    indices: tuple[int, ...] = ()
    """Each shown candidate's place on the engine's page (what :meth:`PinyinSession.pick` takes)."""
    page: int = 0
    last_page: bool = True

    @property
    def composing(self) -> bool:
        return bool(self.preedit)


class PinyinSession:
    """One keyboard's pinyin state: keys in, candidates and committed text out."""

    def __init__(self, rime: RimeEngine) -> None:
        self.lib = rime.lib
        self.id = self.lib.RimeCreateSession()
        if not self.id or not self.lib.RimeSelectSchema(self.id, SCHEMA_ID.encode()):
            raise ImeUnavailable("librime could not open the kiosk pinyin schema")

    def press(self, key: str) -> KeyResult:
        """A letter, a digit (1-9 picks on the current page) or one of :data:`KEYSYMS`."""
        code = KEYSYMS.get(key) or (ord(key) if len(key) == 1 and key.isascii() else 0)
        if not code:
            return KeyResult(False, "")
        taken = bool(self.lib.RimeProcessKey(self.id, code, 0))
        return KeyResult(taken, self._commit())

    def pick(self, index: int) -> str:
        """Choose the ``index``-th candidate of the current page (what tapping it does)."""
        if not 0 <= index < PAGE_SIZE:
            raise ValueError(f"candidate index {index} is not on a page of {PAGE_SIZE}")
        return self.press(str(index + 1)).commit

    def composition(self) -> Composition:
        ctx = _sized(_Context())
        if not self.lib.RimeGetContext(self.id, ctypes.byref(ctx)):
            return Composition()
        try:
            menu = ctx.menu
            preedit = (ctx.composition.preedit or b"").decode("utf-8", "replace")
            texts = [(menu.candidates[i].text or b"").decode("utf-8", "replace") for i in range(menu.num_candidates)]
            shown = [(i, t) for i, t in enumerate(texts) if t not in HIDDEN]
            return Composition(preedit, tuple(t for _i, t in shown), tuple(i for i, _t in shown), menu.page_no,
                               bool(menu.is_last_page) or not texts)
        finally:
            self.lib.RimeFreeContext(ctypes.byref(ctx))

    def clear(self) -> None:
        """Drop the pinyin typed so far (at the end of a visit nothing of it stays)."""
        self.lib.RimeClearComposition(self.id)

    def close(self) -> None:
        if self.id:
            self.lib.RimeDestroySession(self.id)
            self.id = 0

    def _commit(self) -> str:
        commit = _sized(_Commit())
        if not self.lib.RimeGetCommit(self.id, ctypes.byref(commit)):
            return ""
        try:
            return (commit.text or b"").decode("utf-8", "replace")
        finally:
            self.lib.RimeFreeCommit(ctypes.byref(commit))
