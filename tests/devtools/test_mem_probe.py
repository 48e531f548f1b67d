"""The memory probe's readings are this process's own (no Kivy needed for these)."""

from __future__ import annotations

import io
import json

from devtools import mem_probe


def test_mappings_add_up_to_the_resident_size():
    kinds = mem_probe.smaps_kb()
    with open("/proc/self/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    assert kinds["libs"] > 0 and kinds["heap"] + kinds["anon"] > 0
    assert abs(sum(kinds.values()) - rss) < rss * 0.1


def test_a_big_allocation_shows_in_malloc_figures():
    before = mem_probe.mallinfo_kb()
    if not before:  # not glibc
        return
    block = bytearray(64 * 1024 * 1024)  # over the mmap threshold: its own mapping
    after = mem_probe.mallinfo_kb()
    assert after["malloc_mmapped"] - before["malloc_mmapped"] >= 60 * 1024
    del block


def test_growth_is_per_visit_after_the_skipped_ones(monkeypatch):
    readings = iter([{"heap": 100, "textures": 5}, {"heap": 200, "textures": 9}, {"heap": 260, "textures": 9},
                     {"heap": 320, "textures": 9}])
    monkeypatch.setattr(mem_probe, "sample", lambda: next(readings))
    out = io.StringIO()
    probe = mem_probe.Probe(out)
    for n in range(4):
        probe.visit_done(n, "v")
    assert probe.growth(1) == {"heap": 60.0}
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[1]["delta"] == {"heap": 100, "textures": 4} and lines[2]["delta"] == {"heap": 60}
