"""When Python's cycle collector runs on a kiosk: between visits, never inside a citizen's frame.

A full (generation-2) pass walks every container object the process holds. On a 2-core
CPU that takes ~100 ms for the start-up heap (Kivy, pydantic models, the catalogue) and
still 12-50 ms for the ~70 000 objects a few visits add (the recycled widgets with
their property observers, caches): a frame at or over the 50 ms budget.

So the collector works in two sizes, and not at all while a visit is on screen:

- **during a visit** automatic collection is held (``hold``, from the touch that leaves
  the attract screen): the young generations' passes came at a citizen's touch, ~10 000 in
  1,000 visits here, the middle generation's up to 5 ms of CPU (9.6 ms of the frame) each.
  The visit's cyclic garbage waits the few minutes of the visit for the pass after it. A
  visit that leaves more than ``HELD_YOUNG_LIMIT`` young objects uncollected gets automatic
  collection back for its rest (``check_hold``): bounded memory before a pause-free screen.
- **after every visit** (on the attract screen): collect what is not frozen, which is
  what this visit made, then freeze the survivors and let automatic collection run
  again. The survivors are the widget pool and caches the next visit reuses; frozen, the
  next pass does not walk them again. Anything that is garbage at the end of the visit is
  freed in this pass.
- **the whole heap** (unfreeze, collect, freeze): when the attract screen has been idle
  for ``IDLE_WHOLE_HEAP_S`` (nobody is at the screen), or — a queue of citizens all day —
  once more than ``FROZEN_GROWTH_LIMIT`` objects were frozen since the last one. Only a
  cycle that became garbage *after* it was frozen waits for this pass, with every texture
  and C buffer it holds: so what the attract screen shows while the between-visit pass
  runs is made once and changed in place, never replaced (screens/attract.py,
  screens/chrome.py; ``benchmarks/visit_soak.py --probe`` shows what a whole pass frees).

The C heap is kept small the same way: the UI process uses at most ``MALLOC_ARENAS`` glibc
malloc arenas (``limit_malloc_arenas``, before any thread starts; by default every thread
that allocates may get one of up to 8 per core, each keeping its freed pages), and each
between-visit pass hands the pages freed by the visit back to the system (``trim``). Big
blocks (camera frames, decoded pictures, pixel buffers of a few MB) always get their own
``mmap`` and go back to the system the moment they are freed (``fix_mmap_threshold``):
glibc's default raises that threshold after each such block is freed, up to 32 MB, so
the next frames came from the heap and the visit's peak stayed in it as free holes.

A pass collects until nothing more is found (``collect_until_clean``) before it freezes:
a collection calls the weak-reference callbacks of the objects it frees, and Kivy's
callbacks make new garbage there. Every ``NumericProperty`` of every widget registers a
callback on Kivy's pixel-scale observers, held by a weak reference whose callback unlinks
it; when the widget is collected, the unlinked callback, its weak reference and their
bound methods are a fresh cycle that the *same* pass cannot see. Frozen at once, they
stayed until a whole-heap pass: ~950 objects per visit, and the reason whole passes
(~150 ms) came every few dozen back-to-back visits.

Objects are still freed by reference counting the moment they are unreferenced; this
concerns only reference cycles. Personal data never relies on it: sessions wipe their
buffers explicitly (``kiosk/visit.py``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import logging
import time

log = logging.getLogger(__name__)

COLLECT_PASSES = 4
"""Most collections in one between-visit pass: the second frees what the first's weak-reference
callbacks made garbage; more are only needed for callbacks that make garbage of their own."""
GEN2_THRESHOLD = 1_000_000
"""Effectively never by allocation count: full passes happen at the moments chosen here."""
IDLE_WHOLE_HEAP_S = 60.0
"""Attract-screen idle time after which the whole heap is collected once (~150 ms here)."""
FROZEN_GROWTH_LIMIT = 250_000
"""Objects frozen since the last whole-heap pass beyond which the next between-visit pass is whole.

A visit freezes ~5 000 objects once the widget pool is warm (the first visits ~40 000),
some of which later turn into cycles only a whole pass frees: about 30-40 visits
without a one-minute pause, or a few MB."""


HELD_YOUNG_LIMIT = 500_000
"""Young container objects (net) a visit may leave uncollected while collection is held: tens
of MB at most. The scripted visits leave at most ~37 000 (``benchmarks/visit_soak.py``)."""


MALLOC_ARENAS = 2
M_ARENA_MAX = -8
"""glibc's ``mallopt`` parameter number for the arena limit (malloc.h)."""
MMAP_THRESHOLD = 128 * 1024
"""glibc's initial threshold, kept fixed (setting it turns off the dynamic raise)."""
M_MMAP_THRESHOLD = -3


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """glibc, or None on a C library without ``mallopt`` / ``malloc_trim`` (then both are no-ops)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    libc = ctypes.CDLL(name)
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas for threads started from now on; False where that is not glibc."""
    libc = _libc()
    return bool(libc is not None and libc.mallopt(M_ARENA_MAX, arenas))


def fix_mmap_threshold(threshold: int = MMAP_THRESHOLD) -> bool:
    """Serve blocks of ``threshold`` bytes or more from their own mappings for good; False where not glibc."""
    libc = _libc()
    return bool(libc is not None and libc.mallopt(M_MMAP_THRESHOLD, threshold))


def collect_until_clean(passes: int = COLLECT_PASSES) -> int:
    """Collect the unfrozen generations until a pass finds nothing (at most ``passes``); the objects freed."""
    freed = 0
    for _ in range(passes):
        found = gc.collect()
        freed += found
        if not found:
            break
    return freed


def trim() -> bool:
    """Return freed heap pages to the system; True when glibc released any."""
    libc = _libc()
    return bool(libc is not None and libc.malloc_trim(0))


class Heap:
    """The collection policy: ``start`` once, ``after_visit`` after each visit, ``whole`` when idle."""

    def __init__(self, growth_limit: int = FROZEN_GROWTH_LIMIT) -> None:
        self.growth_limit = growth_limit
        self.after_visit_passes = 0
        self.whole_passes = 0
        self._frozen_after_whole = 0
        self.held_limit = HELD_YOUNG_LIMIT
        self.in_visit = False
        """``hold`` was called and ``after_visit`` has not yet run."""
        self.holds_let_go = 0
        """Visits that reached ``held_limit`` and had automatic collection back before they ended."""
        self._frozen_bound = 0
        """Objects frozen by ``after_visit`` since the last whole pass, an upper bound kept without
        walking the frozen list (``gc.get_freeze_count`` does)."""

    def start(self) -> None:
        """Collect and freeze the start-up heap; push automatic full passes out."""
        young, middle, _old = gc.get_threshold()
        gc.set_threshold(young, middle, GEN2_THRESHOLD)
        self.whole()

    def hold(self) -> None:
        """A visit has begun: no automatic collection until the pass after it (``after_visit``).

        Called again during the same visit it does nothing, so a visit ``check_hold`` let go stays so.
        """
        if not self.in_visit:
            self.in_visit = True
            gc.disable()

    def check_hold(self) -> bool:
        """Let automatic collection run again once a held visit passed ``held_limit``; True when now."""
        if not self.in_visit or gc.isenabled() or gc.get_count()[0] <= self.held_limit:
            return False
        gc.enable()
        self.holds_let_go += 1
        log.warning("a visit allocated over %d objects with collection held: collecting during it again",
                    self.held_limit)
        return True

    def after_visit(self) -> float:
        """Collect what the last visit left and let collection run again; the milliseconds (a whole pass's included)."""
        started = time.perf_counter()
        collect_until_clean()
        self._frozen_bound += len(gc.get_objects())  # what the freeze below takes: the visit's survivors
        gc.freeze()
        trim()
        self.after_visit_passes += 1
        if self._frozen_bound > self.growth_limit:
            # The bound still counts frozen objects freed since; the exact count walks the whole
            # frozen list (~10 ms for 400 000 objects here), so it is taken only now.
            self._frozen_bound = self.frozen_since_whole
            if self._frozen_bound > self.growth_limit:
                log.info("%d objects frozen since the last whole-heap collection: collecting it now",
                         self._frozen_bound)
                self.whole()
        gc.enable()
        self.in_visit = False
        return (time.perf_counter() - started) * 1000

    def adopt_loaded(self) -> None:
        """Freeze what was loaded after ``start`` to stay for the process's life, as part of the start-up heap.

        The journeys' modules and what they import, loaded in the background after the first
        frame (``kiosk.app.warm_in_background``), stay for good: left unfrozen, the next
        between-visit pass walked all of them and counted them as that visit's growth, which
        could trigger a whole-heap pass as well.
        """
        gc.freeze()
        self._frozen_after_whole = gc.get_freeze_count()

    def whole(self) -> float:
        """Collect the whole heap, frozen part included; returns the pass's milliseconds."""
        started = time.perf_counter()
        gc.unfreeze()
        collect_until_clean()
        gc.freeze()
        self._frozen_after_whole = gc.get_freeze_count()
        self._frozen_bound = 0
        self.whole_passes += 1
        return (time.perf_counter() - started) * 1000

    @property
    def frozen_since_whole(self) -> int:
        return gc.get_freeze_count() - self._frozen_after_whole
