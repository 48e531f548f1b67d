"""Where the kiosk UI process's memory goes, visit by visit (``benchmarks/visit_soak.py --probe``).

RSS alone says that memory grows, not what grows. After each visit's between-visit
collection this samples:

- the process's mappings (``/proc/self/smaps``), summed by kind: the C heap (``[heap]``),
  anonymous mappings (big ``malloc`` blocks, thread stacks, Mesa/llvmpipe buffers),
  shared memory (``/dev/shm``, ``memfd:``: the X shared-memory images), shared libraries
  and other files;
- glibc's own view (``mallinfo2``): bytes in use and free inside the heap and arenas,
  and bytes in ``mmap``-ed blocks;
- Python: allocated blocks, objects tracked by the collector (frozen ones included);
- Kivy: entries per ``kivy.cache.Cache`` category, live ``Texture`` and ``Fbo`` objects
  and their pixels, scheduled ``Clock`` events, SDL_ttf fonts opened.

and prints one JSON line per visit with the change since the previous sample, so a slope
can be pinned on the part that carries it. With ``trace`` (``--probe --trace-python``) it
also traces Python's allocators (``tracemalloc``: every Python object and buffer, not the
C libraries' own ``malloc``) and names the call sites whose memory grew after the warm-up,
which tells the Python part of a growth from the C part. Kivy is imported lazily: the module is plain
data until ``sample`` is called in a process whose window is open.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import json
import re
import sys
import tracemalloc
import weakref
from collections import Counter
from typing import TextIO

_MAPPING = re.compile(r"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$")


def smaps_kb() -> dict[str, int]:
    """Resident KB per kind of mapping."""
    kinds: Counter[str] = Counter()
    kind = "anon"
    with open("/proc/self/smaps") as f:
        for line in f:
            m = _MAPPING.match(line)
            if m:
                kind = _kind(m.group(1).strip())
            elif line.startswith("Rss:"):
                kinds[kind] += int(line.split()[1])
    return dict(kinds)


def _kind(name: str) -> str:
    if not name:
        return "anon"
    if name in ("[heap]", "[stack]"):
        return name.strip("[]")
    if name.startswith("/dev/shm") or name.startswith("/memfd:") or name.startswith("/SYSV"):
        return "shm"
    if name.startswith("["):
        return "other"
    if ".so" in name:
        return "libs"
    if name.startswith("/dev/"):
        return "dev"
    return "files"


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name) if name else None


def mallinfo_kb() -> dict[str, int]:
    """glibc's heap figures in KB (empty where the C library has no ``mallinfo2``)."""
    libc = _libc()
    if libc is None or not hasattr(libc, "mallinfo2"):
        return {}
    libc.mallinfo2.restype = _Mallinfo2
    info = libc.mallinfo2()
    return {"malloc_in_use": info.uordblks // 1024, "malloc_free": info.fordblks // 1024,
            "malloc_mmapped": info.hblkhd // 1024, "malloc_arena": info.arena // 1024}


_seen_textures: dict[int, str] = {}
"""id -> "WxH" of the textures alive at the last sample (to name the new ones)."""
_seen_kinds: Counter[str] = Counter()
type_growth: list[tuple[str, int]] = []
"""The object types whose count changed most since the previous sample (at most 12)."""
new_textures: list[str] = []
"""Sizes of the textures alive now that were not at the previous sample (at most 12)."""


def kivy_counts() -> dict[str, int]:
    """Kivy's caches and GPU-side objects alive in this process."""
    from kivy.cache import Cache
    from kivy.clock import Clock
    from kivy.graphics.fbo import Fbo
    from kivy.graphics.texture import Texture

    out = {f"cache:{cat}": len(entries) for cat, entries in Cache._objects.items()}
    was_frozen = gc.get_freeze_count()
    gc.unfreeze()  # frozen objects are not listed by gc.get_objects()
    try:
        objects = gc.get_objects()
        # type(), not isinstance(): a dead weakref.proxy among the objects raises on isinstance
        textures = [o for o in objects if issubclass(type(o), Texture)]
        out["textures"] = len(textures)
        out["texture_kpx"] = sum(t.width * t.height for t in textures) // 1000
        out["fbos"] = sum(1 for o in objects if issubclass(type(o), Fbo))
        now = {id(t): f"{t.width}x{t.height}" for t in textures}
        new_textures[:] = [size for key, size in now.items() if key not in _seen_textures][:12]
        _seen_textures.clear()
        _seen_textures.update(now)
        out["gc_objects"] = len(objects)
        kinds = Counter(type(o).__qualname__ for o in objects)
        type_growth[:] = [(k, n - _seen_kinds.get(k, 0)) for k, n in kinds.most_common()
                          if n != _seen_kinds.get(k, 0)]
        type_growth.sort(key=lambda kv: -abs(kv[1]))
        del type_growth[12:]
        _seen_kinds.clear()
        _seen_kinds.update(kinds)
        del objects, textures
    finally:
        if was_frozen:
            gc.freeze()
    out["clock_events"] = len(Clock.get_events())
    fonts = _sdl2_fonts()
    if fonts is not None:
        out["sdl_ttf_fonts"] = fonts
    return out


def _sdl2_fonts() -> int | None:
    module = sys.modules.get("kivy.core.text._text_sdl2")
    cache = getattr(module, "_fonts_cache", None) if module else None
    return len(cache) if isinstance(cache, dict) else None


def peak_kb() -> int:
    """The process's resident high-water mark (``VmHWM``): the visit that raises it is the one to look at."""
    with open("/proc/self/status") as f:
        return next((int(line.split()[1]) for line in f if line.startswith("VmHWM:")), 0)


def sample() -> dict[str, int]:
    """Every figure above, in one flat dict."""
    return (smaps_kb() | mallinfo_kb() | kivy_counts()
            | {"py_blocks_k": sys.getallocatedblocks() // 1000, "peak_rss": peak_kb()})


TRACE_FRAMES = 8
"""Frames kept per traced allocation: enough to reach the kiosk's own code from Kivy's."""


class Probe:
    """Prints each visit's sample and its change from the previous one as JSON lines."""

    def __init__(self, out: TextIO = sys.stderr, trace: bool = False) -> None:
        self.out = out
        self.previous: dict[str, int] = {}
        self.samples: list[dict[str, int]] = []
        self.traced: tracemalloc.Snapshot | None = None
        if trace:
            tracemalloc.start(TRACE_FRAMES)

    def mark(self) -> None:
        """The end of the warm-up: Python's allocations are compared with this point's by ``python_growth``."""
        if tracemalloc.is_tracing():
            self.traced = tracemalloc.take_snapshot()

    def python_growth(self, visits: int, top: int = 25) -> list[dict]:
        """The call sites whose traced Python memory grew most since ``mark``, per visit, as JSON lines."""
        if self.traced is None or visits < 1:
            return []
        stats = tracemalloc.take_snapshot().compare_to(self.traced, "traceback")
        rows = []
        for stat in stats[:top]:
            rows.append({"kb_per_visit": round(stat.size_diff / 1024 / visits, 2),
                         "blocks_per_visit": round(stat.count_diff / visits, 1),
                         "where": [f"{f.filename.rsplit('site-packages/', 1)[-1]}:{f.lineno}"
                                   for f in reversed(stat.traceback)]})  # the allocation first
        total = sum(s.size_diff for s in stats)
        self.out.write(json.dumps({"python_growth_kb_per_visit": round(total / 1024 / visits, 2),
                                   "top": rows}) + "\n")
        self.out.flush()
        return rows

    def visit_done(self, n: int, name: str) -> dict[str, int]:
        now = sample()
        delta = {k: v - self.previous.get(k, 0) for k, v in now.items() if v != self.previous.get(k, 0)}
        self.out.write(json.dumps({"visit": n, "name": name, "delta": delta, "new_textures": new_textures,
                                   "type_growth": dict(type_growth),
                                   "now": now}) + "\n")
        self.out.flush()
        self.previous = now
        self.samples.append(now)
        return delta

    def whole_pass(self, frames) -> dict[str, int]:
        """Collect the whole heap (frozen part included) and report what that freed.

        What a whole pass frees is garbage that was frozen while still reachable and became
        unreachable later: it stays (with its textures and C buffers) until such a pass.
        ``frames`` runs a few frames after it, as Kivy deletes GL objects in the next frame.
        """
        from kivy.uix.widget import Widget

        before = sample()
        gc.unfreeze()
        gc.set_debug(gc.DEBUG_SAVEALL)  # the garbage is kept in gc.garbage to be named, then dropped
        try:
            collected = gc.collect()
            kinds = Counter(type(o).__qualname__ for o in gc.garbage)
            widgets = Counter(type(o).__qualname__ for o in gc.garbage if issubclass(type(o), Widget))
            # a bound method names the callback that was bound: the code whose bindings outlived it
            methods = Counter(getattr(o.__func__, "__qualname__", "?") for o in gc.garbage
                              if type(o).__name__ == "method")
            # a weak reference names what it watched (or "dead"): Kivy's property callbacks keep one
            referents = Counter(type(o()).__qualname__ if o() is not None else "dead" for o in gc.garbage
                                if type(o) is weakref.ReferenceType)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
        gc.collect()
        gc.freeze()
        frames()
        after = sample()
        delta = {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}
        self.out.write(json.dumps({"whole_pass_collected": collected, "delta": delta,
                                   "garbage_kinds": dict(kinds.most_common(25)),
                                   "garbage_widgets": dict(widgets.most_common(25)),
                                   "garbage_methods": dict(methods.most_common(25)),
                                   "garbage_weakref_referents": dict(referents.most_common(25))}) + "\n")
        self.out.flush()
        return delta | {"collected": collected}

    def growth(self, skip: int) -> dict[str, float]:
        """Mean change per visit of every figure over the samples after the first ``skip``."""
        tail = self.samples[skip:]
        if len(tail) < 2:
            return {}
        first, last = tail[0], tail[-1]
        return {k: round((last.get(k, 0) - first.get(k, 0)) / (len(tail) - 1), 1)
                for k in sorted(set(first) | set(last)) if last.get(k, 0) != first.get(k, 0)}
