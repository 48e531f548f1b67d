"""Benchmark: the kiosk UI process over many citizen visits, against a bare Kivy app in the same run.

Each side runs in its own process on its own virtual display (Xvfb) of the same size,
configured the same way (``kiosk.app.configure_kivy``), and is timed from the moment the
parent launches it:

- **kiosk**: ``kiosk run``'s start-up with the demo configuration (emulated devices)
  against a reference platform already running on loopback (started by the parent before
  either side, as a field kiosk's platform is up before it; ``kiosk demo`` would add the
  platform's own boot), the window's first frame, then ``--visits`` scripted visits
  (``devtools.demo_script.VISITS`` in turn) touched through the real screens by
  ``devtools.demo_driver``. Screenshots are not taken; printed pages are taken off the
  emulator after every visit (they are the emulator's paper, not the kiosk's memory).
- **bare** (the baseline): a bare Kivy window showing one CJK label (its first frame is
  the start-up baseline), then a list of 40 CJK labels scrolled top to bottom once per
  "visit", 30 frames each (the per-frame and memory baselines).

Figures: resident memory (RSS, read after each visit's between-visit collection) slope per
visit after warm-up and peak (``VmHWM``). Warm-up is the first complete round of every
scripted visit (``len(VISITS)`` visits, both sides): each kind of visit loads what it needs
the first time it runs (the material photo its page finder, the payment its QR code, ...),
so the slope is fitted (least squares) over the whole rounds after that one only (a
trailing part of a round is left out), and a run needs at least two rounds. The camera runs in its own child
process (``drivers/camera/camera_process.py``: the camera, its frames, OpenCV and the face models);
its RSS and peak (with any other child's) are reported beside the UI process's, and the UI's
peak alone is the budgeted figure; garbage-collection pauses
(``gc.callbacks``): the longest, how many ran while a visit was on screen (none: the kiosk
holds automatic collection for a visit, ``kiosk.ops.heap``) and the longest of those, with the
most young objects left uncollected in any frame; the slowest
frame (wall time, until the renderer finished it);
main-thread CPU per frame (``time.thread_time`` around ``EventLoop.idle()``: Kivy's whole
per-frame Python work, with llvmpipe's rasterising threads not counted), p50/p99 over the
frames after the first fifth of the visits; start-up to first frame: ``--starts`` more pairs
of start-only processes (a bare one and a kiosk one, alternating which goes first) besides
the two soak processes, and the ratio of the medians (a single pair swung 1.1x-4.2x here
with the machine's load). The project's modules are byte-compiled first, as an install
does (``compile_sources``).

Run: .venv/bin/python benchmarks/visit_soak.py [--visits 24] [--starts 4] [--size 1080x1920]
     .venv/bin/python benchmarks/visit_soak.py --probe --visits 24   # kiosk only: what grows, per visit
     .venv/bin/python benchmarks/visit_soak.py --probe --trace-python --visits 36   # ... and its Python call sites
     .venv/bin/python benchmarks/visit_soak.py --visits 1000      # the full figure (~2 h)
"""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from array import array
from pathlib import Path

SLOPE_BUDGET_KB = 20.0
PEAK_RATIO_BUDGET = 1.6
GC_PAUSE_BUDGET_MS = 50.0
CPU_P99_BUDGET_MS = 8.0
STARTUP_RATIO_BUDGET = 2.0
BARE_SCROLL_FRAMES = 30
CJK_TEXT = "政务服务自助终端"
LEFT_RUNNING: list = []
"""The kiosk side's device thread, for its process's exit (``kiosk.ops.process_exit.leave``)."""


# -- measuring (in the child) ---------------------------------------------------------------
def rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def peak_rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


class FrameTimes:
    """Per-frame times in a fixed histogram (0.01 ms bins up to 1 s) and the longest: constant memory.

    A list of every frame's time grew ~64 bytes a frame, ~17 KB a kiosk visit of ~270 frames,
    which read as the kiosk's own growth in the RSS slope this benchmark budgets.
    """

    BINS = 100_000

    def __init__(self) -> None:
        self.reset()

    def add(self, ms: float) -> None:
        self.counts[min(self.BINS - 1, int(ms * 100))] += 1
        self.count += 1
        if ms > self.longest:
            self.longest = ms

    def reset(self) -> None:
        """Forget the frames so far (the warm-up's)."""
        self.counts = array("I", bytes(4 * self.BINS))
        self.count = 0
        self.longest = 0.0

    def percentile(self, q: float) -> float:
        """The bin's upper edge (ms) under which a ``q`` share of the frames fall (NaN with none)."""
        if not self.count:
            return float("nan")
        wanted = min(self.count - 1, int(q * self.count))
        seen = 0
        for i, n in enumerate(self.counts):
            seen += n
            if seen > wanted:
                return (i + 1) / 100
        return self.BINS / 100

    def over(self, ms: float) -> int:
        """Frames that took longer than ``ms`` (to the bin)."""
        return sum(self.counts[int(ms * 100) + 1:])


class GcPauses:
    """Every collection's wall and CPU time, and whether it ran while ``busy()`` said a visit was on screen,
    kept as running counts and maxima (constant memory, as ``FrameTimes``).

    The CPU time (``time.thread_time`` of the collecting thread) tells a collection's own cost
    from the time the scheduler gave other processes in the middle of it on a busy machine.
    """

    def __init__(self, busy) -> None:
        self.busy = busy
        self.count = 0
        self.over_budget = 0
        self.full_during_visit = 0
        self.during_visit = 0
        self.by_generation = [0, 0, 0]
        self.max_ms = [0.0, 0.0]  # wall, CPU: anywhere
        self.max_ms_by_generation_during_visit = [0.0, 0.0, 0.0]
        self.max_cpu_ms_by_generation_during_visit = [0.0, 0.0, 0.0]
        self._started = [0.0, 0.0]
        self.ignoring = False
        """The benchmark's own passes (``objects_after_whole``) are not the kiosk's pauses."""
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if self.ignoring:
            return
        if phase == "start":
            self._started[0], self._started[1] = time.perf_counter(), time.thread_time()
            return
        wall = (time.perf_counter() - self._started[0]) * 1000
        cpu = (time.thread_time() - self._started[1]) * 1000
        generation = info["generation"]
        self.count += 1
        self.by_generation[generation] += 1
        self.over_budget += wall > GC_PAUSE_BUDGET_MS
        self.max_ms[0], self.max_ms[1] = max(self.max_ms[0], wall), max(self.max_ms[1], cpu)
        if self.busy():
            self.during_visit += 1
            self.full_during_visit += generation == 2
            during_wall, during_cpu = self.max_ms_by_generation_during_visit, self.max_cpu_ms_by_generation_during_visit
            during_wall[generation] = max(during_wall[generation], wall)
            during_cpu[generation] = max(during_cpu[generation], cpu)

    def summary(self) -> dict:
        during_wall, during_cpu = self.max_ms_by_generation_during_visit, self.max_cpu_ms_by_generation_during_visit
        return {"count": self.count, "max_ms": round(self.max_ms[0], 1), "max_cpu_ms": round(self.max_ms[1], 1),
                "max_ms_during_visit": round(max(during_wall), 1),
                "max_cpu_ms_during_visit": round(max(during_cpu), 1),
                "during_visit": self.during_visit, "full_during_visit": self.full_during_visit,
                "over_budget": self.over_budget,
                "by_generation": dict(enumerate(self.by_generation)),
                "max_cpu_ms_by_generation_during_visit": {g: round(v, 1) for g, v in enumerate(during_cpu)},
                "max_ms_by_generation_during_visit": {g: round(v, 1) for g, v in enumerate(during_wall)}}


def warm_up_visits() -> int:
    """Visits counted as warm-up: one complete round of every scripted visit."""
    from devtools.demo_script import VISITS

    return len(VISITS)


def slope_kb(samples: list[int], warm: int) -> float:
    """Least-squares KB per visit over the whole rounds after the first ``warm`` samples (warm-up = one round).

    A trailing part of a round is left out: the visits differ in what they hold at their end
    (the English elder guide ~10 MB more than its neighbours), so a fit that ended on such
    a visit, or began a round it did not finish, would read a rise that is only the order.
    """
    whole = (len(samples) - warm) // warm * warm if warm else len(samples)
    tail = samples[warm:warm + whole]
    if len(tail) < 3:
        return float("nan")
    xs = range(len(tail))
    return statistics.linear_regression(xs, tail).slope


def scratch(prefix: str) -> Path:
    """A folder of this process (the kiosk's state: its journal, session folders, reprints), removed at its exit."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def open_window(size: str) -> tuple[int, int]:
    from devtools.commands.demo import start_xvfb
    from kiosk.app import configure_kivy
    from kiosk.config import demo_config

    state = scratch("kiosk-soak-")
    os.environ["KIVY_HOME"] = str(state / "kivy")
    start_xvfb(size)
    width, height = (int(v) for v in size.split("x"))
    configure_kivy(demo_config(state), windowed=True, size=(width, height), paced=False)
    return width, height


def bare(size: str, visits: int, launched: float) -> dict:
    """The baseline: a bare Kivy app with a CJK label, then scrolled lists of labels (none: start only)."""
    open_window(size)
    from kivy.base import EventLoop
    from kivy.core.window import Window
    from kivy.graphics.opengl import glFinish
    from kivy.uix.gridlayout import GridLayout
    from kivy.uix.label import Label
    from kivy.uix.scrollview import ScrollView

    from kiosk.app import CJK_FONT

    pauses = GcPauses(lambda: True)
    EventLoop.ensure_window()
    Window.add_widget(Label(text=CJK_TEXT, font_name=CJK_FONT, font_size=48))
    EventLoop.idle()
    glFinish()
    first_frame_s = time.time() - launched
    if not visits:
        return {"first_frame_s": round(first_frame_s, 3)}
    grid = GridLayout(cols=1, size_hint_y=None, spacing=8)
    grid.bind(minimum_height=grid.setter("height"))
    for i in range(40):
        grid.add_widget(Label(text=f"{CJK_TEXT} {i}", font_name=CJK_FONT, font_size=36, size_hint_y=None, height=90))
    scroll = ScrollView()
    scroll.add_widget(grid)
    Window.add_widget(scroll)
    cpu, wall = FrameTimes(), FrameTimes()
    rss = array("q", bytes(8 * visits))
    for visit in range(visits):
        if visit == max(1, visits // 5):  # the first fifth is warm-up
            cpu.reset()
            wall.reset()
        for frame in range(BARE_SCROLL_FRAMES):
            scroll.scroll_y = 1 - frame / (BARE_SCROLL_FRAMES - 1)
            started, started_cpu = time.perf_counter(), time.thread_time()
            EventLoop.idle()
            cpu.add((time.thread_time() - started_cpu) * 1000)
            glFinish()
            wall.add((time.perf_counter() - started) * 1000)
        rss[visit] = rss_kb()
    return {"first_frame_s": round(first_frame_s, 3), "rss_kb": rss.tolist(), "peak_rss_kb": peak_rss_kb(),
            "cpu_ms_p50": round(cpu.percentile(0.5), 2), "cpu_ms_p99": round(cpu.percentile(0.99), 2),
            "slowest_frame_ms": round(wall.longest, 1), "gc": pauses.summary()}


def kiosk(size: str, visits: int, launched: float, platform: str, probe: bool = False, trace: bool = False) -> dict:
    """The kiosk: demo start-up to first frame, then ``visits`` scripted visits (none: start only)."""
    open_window(size)
    import logging

    logging.basicConfig(level=logging.ERROR)
    from kiosk.privacy import install_log_masking

    install_log_masking()
    from kivy.base import EventLoop
    from kivy.core.window import Window
    from kivy.graphics.opengl import glFinish

    from kiosk.app import kivy_post, make_app_class
    from kiosk.config import demo_config
    from kiosk.runtime import Runtime

    state = Path(os.environ["KIVY_HOME"]).parent
    runtime = Runtime(demo_config(state), kivy_post, platform_url=platform, work_dir=state)
    runtime.start(devices_later=True)  # as `kiosk run`: the devices open after the first frame
    app = make_app_class()(runtime)
    EventLoop.ensure_window()
    root = app.build()
    app.root = root
    Window.add_widget(root)
    app.on_start()
    EventLoop.idle()
    glFinish()
    first_frame_s = time.time() - launched
    try:
        if not visits:
            return {"first_frame_s": round(first_frame_s, 3)}
        return soak(app, runtime, visits, probe, trace) | {"first_frame_s": round(first_frame_s, 3)}
    finally:
        app.on_stop()
        runtime.stop()
        LEFT_RUNNING.append(runtime.devices_thread)  # a camera still opening closes itself: the exit waits


def soak(app, runtime, visits: int, probe: bool = False, trace: bool = False) -> dict:
    from kivy.base import EventLoop
    from kivy.graphics.opengl import glFinish

    from devtools.demo_driver import DemoDriver
    from devtools.demo_script import VISITS

    cpu, wall = FrameTimes(), FrameTimes()  # wall: every frame; cpu: after the warm-up
    this_visit = [0, 0, 0.0]  # its frames, those over the CPU budget, its slowest (wall ms): when the slow ones came
    young = [0]  # the most uncollected young objects any frame saw (what a visit leaves while collection is held)

    class SoakDriver(DemoDriver):
        def frame(self) -> None:
            started, started_cpu = time.perf_counter(), time.thread_time()
            EventLoop.idle()
            ms = (time.thread_time() - started_cpu) * 1000
            cpu.add(ms)
            this_visit[0] += 1
            this_visit[1] += ms > CPU_P99_BUDGET_MS
            young[0] = max(young[0], gc.get_count()[0])
            glFinish()
            ms = (time.perf_counter() - started) * 1000
            wall.add(ms)
            this_visit[2] = max(this_visit[2], ms)

        def shoot(self) -> None:  # the same frames as a screenshot's, without the picture
            self.frames(3)

    pauses = GcPauses(lambda: app.controller.active)

    def objects_after_whole() -> int:
        """Python objects alive after a whole-heap pass (the kiosk's own, not counted as its pause)."""
        pauses.ignoring = True
        try:
            app.heap.whole()
        finally:
            pauses.ignoring = False
        return gc.get_freeze_count()

    alive = [0, 0]  # after the warm-up, at the end
    driver = SoakDriver(app, scratch("kiosk-soak-out-"))
    driver.frames(5)
    driver.idle_until(lambda: app.status.snapshot().platform_reachable is not None
                      and "unknown" not in app.status.snapshot().devices.values(), 30)  # opened after frame 1
    peak_before_visits = peak_rss_kb()  # start-up, devices opened, attract screen
    rss = array("q", bytes(8 * visits))
    frames, slow = array("I", bytes(4 * visits)), array("I", bytes(4 * visits))
    slowest = array("f", bytes(4 * visits))
    failed: list[str] = []
    probing = None
    if probe:
        from devtools.mem_probe import Probe

        probing = Probe(trace=trace)
    for n in range(visits):
        visit = VISITS[n % len(VISITS)]
        result = driver.run_visit(visit)
        if result.outcome != "ok":
            failed.append(f"{n}:{visit.name}: {result.detail}"[:300])
        for emu in (runtime.devices.emulators.printer,):
            if emu is not None:
                emu.pages.clear()
                emu.partial_pages.clear()
                emu.page_paths.clear()
        rss[n] = rss_kb()
        frames[n], slow[n], slowest[n] = this_visit
        this_visit[:] = [0, 0, 0.0]
        if probing is not None:
            probing.visit_done(n, visit.name)
        if n + 1 == warm_up_visits():
            if probing is None:  # the probe's own whole pass at the end reports what it frees
                alive[0] = objects_after_whole()
            else:
                probing.mark()
        if n + 1 == max(2, visits // 5):  # the CPU figures are over the frames after the first fifth
            cpu.reset()
    extra = children_figures()
    if probing is None and visits > warm_up_visits():
        alive[1] = objects_after_whole()
        extra["objects_after_whole_per_visit"] = round((alive[1] - alive[0]) / (visits - warm_up_visits()), 1)
        extra["objects_after_whole"] = alive
    if probing is not None:
        probing.python_growth(visits - warm_up_visits())
        extra |= {"growth_per_visit": probing.growth(min(warm_up_visits(), visits - 1)),
                 "whole_pass_frees": probing.whole_pass(lambda: driver.frames(3))}
    return extra | {"rss_kb": rss.tolist(), "frames_per_visit": frames.tolist(),
                    "cpu_frames_over_budget_per_visit": slow.tolist(),
                    "slowest_frame_ms_per_visit": [round(v, 1) for v in slowest], "peak_rss_kb": peak_rss_kb(),
                    "peak_rss_kb_before_visits": peak_before_visits, "failed_visits": failed,
            "frames": wall.count, "cpu_ms_p50": round(cpu.percentile(0.5), 2),
            "cpu_ms_p99": round(cpu.percentile(0.99), 2),
            "cpu_frames_over_budget": cpu.over(CPU_P99_BUDGET_MS), "cpu_frames_measured": cpu.count,
            "slowest_frame_ms": round(wall.longest, 1),
            "gc": pauses.summary() | {"young_objects_max": young[0], "visits_let_go": app.heap.holds_let_go},
            "gc_objects_after_visits": len(gc.get_objects()) + gc.get_freeze_count()}


def children_figures() -> dict:
    """The UI process's child processes alive at the end (the camera's process, which holds the face models,
    and any other): their RSS and peaks summed, for the total, and each by its command."""
    pids: list[int] = []
    todo = [os.getpid()]
    while todo:
        pid = todo.pop()
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            kids = [int(k) for k in task.read_text().split()]
            pids += kids
            todo += kids
    rss = peak = 0
    each = {}
    for pid in pids:
        try:
            status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                          if ":" in line)
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:  # ended meanwhile
            continue
        if command[0].decode() != sys.executable:  # this run's own Xvfb, not the kiosk's
            continue
        name = next((c.decode() for c in command[1:] if c.startswith(b"drivers.") or c.startswith(b"kiosk.")),
                    " ".join(c.decode() for c in command[1:3]))
        rss += int(status["VmRSS"].split()[0])
        peak += int(status["VmHWM"].split()[0])
        each[name] = int(status["VmHWM"].split()[0])
    return {"children_rss_kb": rss, "children_peak_rss_kb": peak, "children_peak_rss_kb_each": each}


def compile_sources() -> None:
    """Byte-code for the project's modules, as an install writes it (``pip install``, the OS image).

    Without it a shell with ``PYTHONDONTWRITEBYTECODE=1`` (this dev box's) compiles the ~180
    kiosk modules from source at every start: ~0.6 s of the kiosk's start-up that a field
    kiosk never spends, against a bare app that imports a handful of them.
    """
    import compileall

    root = Path(__file__).resolve().parents[1]
    for package in ("kiosk", "screens", "drivers", "devtools"):
        compileall.compile_dir(root / package, quiet=1)


# -- the parent ------------------------------------------------------------------------------
def child(role: str, size: str, visits: int, platform: str = "", probe: bool = False, trace: bool = False) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    argv = [sys.executable, __file__, "--role", role, "--size", size, "--visits", str(visits),
            "--platform", platform, "--launched", repr(time.time())] + (["--probe"] if probe else []) \
        + (["--trace-python"] if trace else [])
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=None if probe else subprocess.PIPE, text=True,
                          env=env, timeout=4 * 3600)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = ((done.stderr or "").strip().splitlines() or ["no output"])[-3:]
        raise SystemExit(f"visit_soak {role}: exit {done.returncode}: {' | '.join(tail)}")
    return json.loads(lines[-1])


def row(figure: str, value: float, baseline: float | None, budget: float, ok: bool, note: str) -> dict:
    return {"figure": f"visit_soak.{figure}", "value": value, "baseline": baseline, "budget": budget, "ok": ok,
            "note": note}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--visits", type=int, default=24, help="visits on each side (1000 for the full figure)")
    ap.add_argument("--starts", type=int, default=4,
                    help="extra start-only pairs (bare, kiosk) for the start-up medians")
    ap.add_argument("--size", default="1080x1920")
    ap.add_argument("--probe", action="store_true",
                    help="kiosk side only: print per-visit memory figures (devtools/mem_probe.py) on stderr")
    ap.add_argument("--trace-python", action="store_true",
                    help="with --probe: trace Python's allocations (tracemalloc) and name what grew after the warm-up")
    ap.add_argument("--role", choices=("bare", "kiosk"), help=argparse.SUPPRESS)
    ap.add_argument("--launched", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--platform", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.trace_python and not args.probe:
        ap.error("--trace-python: only with --probe (tracing slows every frame the soak times)")
    if args.role:
        if args.role == "bare":
            print(json.dumps(bare(args.size, args.visits, args.launched)))
        else:
            print(json.dumps(kiosk(args.size, args.visits, args.launched, args.platform, args.probe,
                                  args.trace_python)))
            from kiosk.ops.process_exit import leave

            leave(0, wait_for=LEFT_RUNNING)  # as `kiosk run` ends
        return 0
    compile_sources()
    warm = warm_up_visits()
    if args.visits < 2 * warm:
        ap.error(f"--visits: at least {2 * warm} (the first {warm}, one round of every scripted visit, are warm-up; "
                 "the slope is fitted over whole rounds after it)")
    from kiosk.platform.process import serve_in_process

    with tempfile.TemporaryDirectory(prefix="kiosk-soak-platform-") as folder:
        server = serve_in_process(Path(folder) / "platform.sqlite3", always_open=True)
        try:
            if args.probe:
                kio = child("kiosk", args.size, args.visits, server.url, probe=True, trace=args.trace_python)
                print(json.dumps({k: v for k, v in kio.items() if k != "rss_kb"}, ensure_ascii=False))
                return 0
            starts: dict[str, list[float]] = {"bare": [], "kiosk": []}
            for i in range(args.starts):  # alternate which side starts first: the load drifts
                for role in (("bare", "kiosk") if i % 2 == 0 else ("kiosk", "bare")):
                    starts[role].append(child(role, args.size, 0, server.url)["first_frame_s"])
            base = child("bare", args.size, args.visits)
            kio = child("kiosk", args.size, args.visits, server.url)
        finally:
            server.stop()
    starts["bare"].append(base["first_frame_s"])
    starts["kiosk"].append(kio["first_frame_s"])
    start_kiosk, start_bare = statistics.median(starts["kiosk"]), statistics.median(starts["bare"])
    slope, base_slope = slope_kb(kio["rss_kb"], warm), slope_kb(base["rss_kb"], warm)
    peak_ratio = kio["peak_rss_kb"] / base["peak_rss_kb"]
    start_ratio = start_kiosk / start_bare
    total_peak = kio["peak_rss_kb"] + kio["children_peak_rss_kb"]
    table = [
        row("rss_slope_kb_per_visit", round(slope, 1), round(base_slope, 1), SLOPE_BUDGET_KB,
            slope <= SLOPE_BUDGET_KB, f"over visits {warm + 1}-{warm + (args.visits - warm) // warm * warm} (whole "
            f"rounds after the first {warm}, one round of every scripted visit, the warm-up); baseline: bare Kivy "
            "list visits"),
        row("peak_rss_mb", round(kio["peak_rss_kb"] / 1024, 1), round(base["peak_rss_kb"] / 1024, 1),
            PEAK_RATIO_BUDGET, peak_ratio <= PEAK_RATIO_BUDGET,
            "UI process; budget is the ratio to the bare Kivy app's peak"),
        row("peak_rss_mb_ui_and_children", round(total_peak / 1024, 1), round(base["peak_rss_kb"] / 1024, 1),
            None, None, "UI process's peak plus its child processes' peaks (the camera's process, which holds "
            f"the face models: {kio['children_peak_rss_kb_each']}), for information"),
        row("objects_after_whole_per_visit", kio["objects_after_whole_per_visit"], None, None, None,
            "Python objects alive after a whole-heap pass, per visit after the warm-up (after the warm-up "
            f"and at the end: {kio['objects_after_whole']}); no budget: ~95 a visit was the leak's sign"),
        row("gc_pause_max_ms", kio["gc"]["max_ms"], base["gc"]["max_ms"], GC_PAUSE_BUDGET_MS,
            kio["gc"]["max_ms"] <= GC_PAUSE_BUDGET_MS,
            f"longest collection anywhere in the run, wall time (its CPU time: {kio['gc'].get('max_cpu_ms')} ms)"),
        row("gc_full_collections_during_visit", kio["gc"]["full_during_visit"], None, 0,
            kio["gc"]["full_during_visit"] == 0, "whole-heap (generation 2) passes while a visit is on screen"),
        row("gc_collections_during_visit", kio["gc"]["during_visit"], None, 0, kio["gc"]["during_visit"] == 0,
            f"collections of any generation while a visit is on screen (of {kio['gc']['count']} in the run; "
            f"at most {kio['gc']['young_objects_max']} young objects uncollected, "
            f"{kio['gc']['visits_let_go']} visits over the held limit)"),
        row("gc_pause_max_ms_during_visit", kio["gc"]["max_ms_during_visit"], None, GC_PAUSE_BUDGET_MS,
            kio["gc"]["max_ms_during_visit"] <= GC_PAUSE_BUDGET_MS,
            f"any collection while a visit is on screen (CPU: {kio['gc'].get('max_cpu_ms_during_visit')} ms)"),
        row("slowest_frame_ms", kio["slowest_frame_ms"], base["slowest_frame_ms"], None, None,
            "wall time until the renderer finished; no budget of its own (see the CPU and gc rows)"),
        row("cpu_ms_per_frame_p50", kio["cpu_ms_p50"], base["cpu_ms_p50"], None, None,
            "main-thread CPU per frame; baseline: bare Kivy list scroll"),
        row("cpu_ms_per_frame_p99", kio["cpu_ms_p99"], base["cpu_ms_p99"], CPU_P99_BUDGET_MS,
            kio["cpu_ms_p99"] <= CPU_P99_BUDGET_MS, "main-thread CPU per frame; baseline: bare Kivy list scroll; "
            f"{kio['cpu_frames_over_budget']} of {kio['cpu_frames_measured']} frames over {CPU_P99_BUDGET_MS:g} ms"),
        row("startup_first_frame_s", round(start_kiosk, 3), round(start_bare, 3), STARTUP_RATIO_BUDGET,
            start_ratio <= STARTUP_RATIO_BUDGET,
            f"medians of {len(starts['kiosk'])} starts each, alternating (kiosk {starts['kiosk']}, bare "
            f"{starts['bare']}); platform already up; baseline: bare Kivy CJK label; budget: ratio of the medians"),
        row("failed_visits", len(kio["failed_visits"]), None, 0, not kio["failed_visits"], "; ".join(
            kio["failed_visits"][:3])),
    ]
    for r in table:
        if r["figure"].endswith(("peak_rss_mb", "peak_rss_mb_ui_and_children", "startup_first_frame_s")):
            r["ratio"] = round(r["value"] / r["baseline"], 2)
    result = {"benchmark": "visit_soak", "visits": args.visits, "warm_up_visits": warm, "size": args.size,
              "load_average": [round(x, 2) for x in os.getloadavg()],
              "kiosk": {k: v for k, v in kio.items() if k != "rss_kb"} | {
                  "rss_mb_first_last": [round(kio["rss_kb"][0] / 1024, 1), round(kio["rss_kb"][-1] / 1024, 1)],
                  "rss_mb_per_visit": [round(v / 1024, 1) for v in kio["rss_kb"]]},
              "bare": {k: v for k, v in base.items() if k != "rss_kb"} | {
                  "rss_mb_first_last": [round(base["rss_kb"][0] / 1024, 1), round(base["rss_kb"][-1] / 1024, 1)]},
              "table": table}
    ok = all(r["ok"] is not False for r in table)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
