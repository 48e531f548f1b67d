"""The cycle-collection policy: cheap passes between visits, the whole heap when idle."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import ClassVar

import pytest

from kiosk.ops.heap import GEN2_THRESHOLD, MMAP_THRESHOLD, Heap, fix_mmap_threshold, limit_malloc_arenas, trim


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def garbage_cycle() -> weakref.ref:
    """Make two objects that refer to each other and nothing else; return a weak reference to one."""
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def kept_cycle() -> tuple[Node, weakref.ref]:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return a, weakref.ref(a)


@pytest.fixture
def heap() -> Iterator[Heap]:
    threshold = gc.get_threshold()
    h = Heap()
    h.start()
    yield h
    gc.enable()
    gc.unfreeze()
    gc.set_threshold(*threshold)
    gc.collect()


def test_start_freezes_the_heap_and_pushes_full_passes_out(heap: Heap) -> None:
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[2] == GEN2_THRESHOLD
    assert heap.whole_passes == 1


def test_a_visits_garbage_cycles_are_freed_after_the_visit(heap: Heap) -> None:
    ref = garbage_cycle()
    assert ref() is not None
    heap.after_visit()
    assert ref() is None
    assert heap.after_visit_passes == 1 and heap.whole_passes == 1


def test_no_collection_runs_while_a_visit_holds_it_and_the_pass_after_frees_its_cycles(heap: Heap) -> None:
    collections: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        heap.hold()
        refs = [garbage_cycle() for _ in range(5 * gc.get_threshold()[0])]  # five young passes' worth
        assert collections == [] and not gc.isenabled()
        assert all(ref() is not None for ref in refs)
        heap.after_visit()
    finally:
        gc.callbacks.remove(seen)
    assert all(ref() is None for ref in refs)
    assert gc.isenabled() and not heap.in_visit


def test_a_visit_over_the_held_limit_gets_collection_back_for_its_rest(heap: Heap) -> None:
    heap.held_limit = 2_000
    heap.hold()
    kept = [Node() for _ in range(1_000)]
    assert not heap.check_hold() and not gc.isenabled()
    kept += [Node() for _ in range(2_000)]
    assert heap.check_hold() and gc.isenabled() and heap.holds_let_go == 1
    heap.hold()  # the same visit, a later step: it stays let go
    assert gc.isenabled()
    assert not heap.check_hold()
    heap.after_visit()
    heap.hold()  # the next visit is held again
    assert not gc.isenabled()
    heap.after_visit()
    del kept


class Registration:
    """Kivy's pattern: a callback held in a live registry until a weak reference to its owner dies.

    The weak reference's callback is a bound method of the registration: a cycle that is
    reachable while registered and garbage once ``unlink`` ran, inside the collection that
    freed the owner.
    """

    registry: ClassVar[set[Registration]] = set()

    def __init__(self, owner: Node) -> None:
        self.watch = weakref.ref(owner, self.unlink)
        self.registry.add(self)

    def unlink(self, _ref: weakref.ref) -> None:
        self.registry.discard(self)


def test_garbage_made_by_weak_reference_callbacks_is_freed_in_the_same_pass_not_frozen(heap: Heap) -> None:
    owner, other = Node(), Node()
    owner.other, other.other = other, owner  # the owner dies only in a collection, as a widget does
    registration = weakref.ref(Registration(owner))
    owner = other = None
    heap.after_visit()
    assert not Registration.registry
    assert registration() is None, "the unlinked registration was frozen as garbage"
    assert heap.whole_passes == 1


def test_survivors_are_frozen_and_not_walked_again(heap: Heap) -> None:
    kept, ref = kept_cycle()
    heap.after_visit()
    assert gc.is_tracked(kept)
    assert not any(o is kept for o in gc.get_objects())  # frozen: outside generations 0-2
    kept = None  # a cycle that turns into garbage after it was frozen
    heap.after_visit()
    assert ref() is not None, "a frozen cycle waits for the whole-heap pass"
    heap.whole()
    assert ref() is None
    assert heap.frozen_since_whole == 0


def test_growth_beyond_the_limit_makes_the_next_pass_whole(heap: Heap) -> None:
    heap.growth_limit = 1000
    kept, ref = kept_cycle()
    hold = [Node() for _ in range(2000)]  # survivors of "many visits"
    heap.after_visit()
    assert heap.whole_passes == 2, "more than the limit frozen since the last whole pass"
    kept = None  # noqa: F841
    heap.after_visit()
    assert ref() is not None and heap.whole_passes == 2
    del hold
    assert heap.frozen_since_whole < 1000


def test_the_c_heap_is_capped_and_trimmed_on_glibc() -> None:
    import platform

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt and malloc_trim are glibc's")
    assert limit_malloc_arenas(8)  # glibc accepts the limit (its default is 8 per core)
    assert fix_mmap_threshold(MMAP_THRESHOLD)
    blocks = [bytearray(64 * 1024) for _ in range(200)]  # below mmap's threshold: on the heap
    del blocks
    trim()  # True or False by what was free at the top of the heap; it must not fail


def test_after_visit_trims_the_c_heap(heap: Heap, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr("kiosk.ops.heap.trim", lambda: calls.append(1) or True)
    heap.after_visit()
    assert calls == [1]


def test_the_frozen_list_is_counted_only_once_the_cheap_bound_passes_the_limit(
        heap: Heap, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = gc.get_freeze_count
    monkeypatch.setattr(gc, "get_freeze_count", lambda: calls.append(1) or real())
    heap.after_visit()
    assert calls == [] and heap.whole_passes == 1
    heap.growth_limit = 0
    kept = [[i] for i in range(100)]  # survivors the next pass freezes
    heap.after_visit()
    assert calls and heap.whole_passes == 2
    assert kept


def test_what_start_up_loads_late_is_frozen_and_not_counted_as_growth(heap: Heap) -> None:
    loaded = [[i] for i in range(5000)]  # a dictionary loaded in the background after start
    heap.adopt_loaded()
    assert not any(o is loaded for o in gc.get_objects())
    assert heap.frozen_since_whole < len(loaded)  # not growth: a whole pass is not brought forward


MMAP_PROBE = """
import ctypes, sys
from kiosk.ops.heap import fix_mmap_threshold
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                               "fsmblks", "uordblks", "fordblks", "keepcost")]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
if sys.argv[1] == "fixed":
    assert fix_mmap_threshold()
big = bytearray(8 << 20)  # a large frame, mmapped either way; freeing it raises glibc's default threshold
del big
frame = bytearray(3 << 20)
print(libc.mallinfo2().hblkhd >= 3 << 20)
"""


@pytest.mark.parametrize(("mode", "own_mapping"), [("fixed", "True"), ("default", "False")])
def test_big_blocks_keep_their_own_mapping_once_the_threshold_is_fixed(mode: str, own_mapping: str) -> None:
    """With glibc's default the second frame lands in the heap (and its pages stay there when freed)."""
    import platform
    import subprocess
    import sys
    from pathlib import Path

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt is glibc's")
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", MMAP_PROBE, mode], capture_output=True, text=True, cwd=root,
                         env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}, check=True).stdout.strip()
    assert out == own_mapping
