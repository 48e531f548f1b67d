"""Benchmark: the longest UI frame of ``kiosk demo --headless`` (budget: under 50 ms).

Prints JSON. The baseline, measured in the same run and on the same virtual display
settings, is a bare Kivy window of the kiosk's size configured exactly like the kiosk
(``configure_kivy``): an empty frame (clear and present) and a frame with one full-screen
quad, so a slower machine or renderer shows up in both numbers. The same bare frames
with Kivy's default multisampling show what turning it off saves on a CPU renderer.
Run: .venv/bin/python benchmarks/ui_frames.py [--runs 1] [--size 1080x1920]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET_MS = 50.0
BARE_FRAMES = 60


def bare_window(size: str, multisamples: int | None) -> dict:
    """Time frames of an empty window and of one full-screen quad (runs in a child process)."""
    from devtools.commands.demo import start_xvfb
    from kiosk.app import configure_kivy
    from kiosk.config import demo_config

    state = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    os.environ["KIVY_HOME"] = str(state / "kivy")
    start_xvfb(size)
    width, height = (int(v) for v in size.split("x"))
    configure_kivy(demo_config(state), windowed=True, size=(width, height), paced=False)
    if multisamples is not None:
        from kivy.config import Config as KivyConfig

        KivyConfig.set("graphics", "multisamples", str(multisamples))
    from kivy.base import EventLoop
    from kivy.core.window import Window
    from kivy.graphics import Color, Rectangle
    from kivy.graphics.opengl import glFinish
    from kivy.uix.widget import Widget

    EventLoop.ensure_window()

    def frames() -> dict:
        times = []
        for _ in range(BARE_FRAMES):
            Window.canvas.ask_update()
            started = time.perf_counter()
            EventLoop.idle()
            glFinish()
            times.append((time.perf_counter() - started) * 1000)
        times = times[5:]  # the first frames create the window's buffers
        return {"median": round(statistics.median(times), 2), "max": round(max(times), 2)}

    result = {"empty": frames()}
    quad = Widget()
    with quad.canvas:
        Color(0.2, 0.3, 0.4, 1)
        Rectangle(pos=(0, 0), size=(width, height))
    Window.add_widget(quad)
    result["full_screen_quad"] = frames()
    return result


def child(size: str, multisamples: int | None) -> dict:
    argv = [sys.executable, __file__, "--bare", size] + ([] if multisamples is None else ["--msaa", str(multisamples)])
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def demo(size: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-demo-") as out:
        env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
        subprocess.run([sys.executable, "-m", "kiosk", "demo", "--headless", "--size", size, "--out", out],
                       capture_output=True, text=True, env=env, timeout=900)
        return json.loads((Path(out) / "summary.json").read_text("utf-8"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=1, help="demo runs (each ~1 min)")
    ap.add_argument("--size", default="1080x1920")
    ap.add_argument("--bare", metavar="SIZE", help=argparse.SUPPRESS)
    ap.add_argument("--msaa", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.bare:
        print(json.dumps(bare_window(args.bare, args.msaa)))
        return 0
    baseline = child(args.size, None)
    kivy_default = child(args.size, 2)
    runs = [demo(args.size) for _ in range(args.runs)]
    longest = [r["longest_frame_ms"] for r in runs]
    by_journey: dict[str, float] = {}
    for r in runs:
        for j in r["journeys"]:
            by_journey[j["name"]] = max(by_journey.get(j["name"], 0.0), j["longest_frame_ms"])
    result = {
        "benchmark": "ui_frames",
        "size": args.size,
        "runs": args.runs,
        "journeys_ok": all(r["ok"] for r in runs),
        "longest_frame_ms": max(longest),
        "longest_frame_ms_per_run": longest,
        "longest_frame_ms_by_journey": by_journey,
        "baseline_bare_window_ms": baseline,
        "baseline_bare_window_kivy_default_multisampling_ms": kivy_default,
        "budget_ms": BUDGET_MS,
    }
    result["within_budget"] = result["journeys_ok"] and result["longest_frame_ms"] < BUDGET_MS
    result["table"] = [{"figure": "ui_frames.longest_frame_ms", "value": result["longest_frame_ms"],
                        "baseline": baseline["full_screen_quad"]["max"], "budget": BUDGET_MS,
                        "ok": result["within_budget"], "note": "baseline: longest frame of a bare window"}]
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["within_budget"] else 1


if __name__ == "__main__":
    sys.exit(main())
