"""visit_soak's processes leave nothing behind (a kiosk's state is a journal and session folders), and what it
records while it measures the kiosk's memory does not grow with the frames and collections it counts."""

from __future__ import annotations

import gc
import importlib.util
import json
import os
import random
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from kiosk.platform.process import serve_in_process

ROOT = Path(__file__).resolve().parents[2]


def visit_soak():
    spec = importlib.util.spec_from_file_location("visit_soak", ROOT / "benchmarks" / "visit_soak.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_frame_times_give_the_sorted_lists_percentiles_to_the_bin() -> None:
    times = visit_soak().FrameTimes()
    values = [random.Random(7).lognormvariate(0, 1) for _ in range(5000)]
    for v in values:
        times.add(v)
    ordered = sorted(values)
    for q in (0.5, 0.99):
        exact = ordered[int(q * len(ordered))]
        assert exact <= times.percentile(q) <= exact + 0.01
    assert times.longest == max(values)
    assert times.over(8.0) == sum(1 for v in values if int(v * 100) > 800)
    times.reset()
    assert times.count == 0 and times.longest == 0.0


def test_recording_frames_and_collections_keeps_no_memory_per_frame() -> None:
    """A soak records ~270 frames and ~15 collections a visit; kept in lists they were ~17 KB a visit of the
    slope the benchmark charged to the kiosk."""
    module = visit_soak()
    times, pauses = module.FrameTimes(), module.GcPauses(lambda: True)
    try:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for i in range(20_000):
            times.add(i % 997 / 37)
            if i % 100 == 0:
                gc.collect(0)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        gc.callbacks.remove(pauses._callback)
    assert times.count == 20_000
    assert pauses.count >= 200 and pauses.by_generation[0] >= 200
    assert grown < 4096, grown


def test_collections_during_a_visit_are_counted_and_the_benchmarks_own_are_not() -> None:
    busy = [False]
    pauses = visit_soak().GcPauses(lambda: busy[0])
    gc.disable()  # only the collections below
    try:
        gc.collect(0)
        busy[0] = True
        gc.collect(1)
        gc.collect(2)
        pauses.ignoring = True  # objects_after_whole's pass
        gc.collect()
        pauses.ignoring = False
    finally:
        gc.enable()
        gc.callbacks.remove(pauses._callback)
    summary = pauses.summary()
    assert summary["count"] == 3 and summary["during_visit"] == 2 and summary["full_during_visit"] == 1


def test_each_side_removes_its_folders_when_it_ends(tmp_path: Path) -> None:
    platform = serve_in_process(tmp_path / "platform.sqlite3", always_open=True)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"} | {"TMPDIR": str(scratch),
                                                                       "PYTHONPATH": str(ROOT)}
    try:
        for role in ("bare", "kiosk"):
            done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "visit_soak.py"), "--role", role,
                                   "--visits", "0", "--platform", platform.url, "--launched", repr(time.time())],
                                  capture_output=True, text=True, env=env, timeout=180, cwd=ROOT)
            assert done.returncode == 0, done.stderr[-1500:]
            assert json.loads(done.stdout.strip().splitlines()[-1])["first_frame_s"] > 0
            assert not [p.name for p in scratch.iterdir() if p.name.startswith("kiosk-")], role
    finally:
        platform.stop()


def test_tracing_python_without_the_probe_is_refused() -> None:
    """Tracing is the probe's; asked for alone it was silently ignored."""
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "visit_soak.py"), "--trace-python"],
                          capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env=os.environ | {"PYTHONPATH": str(ROOT)})
    assert done.returncode == 2 and "--trace-python: only with --probe" in done.stderr
