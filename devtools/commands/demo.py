"""``kiosk demo --headless --out DIR``: scripted citizen visits through the real screens.

Starts its own virtual display when there is none, the reference platform on loopback
and every device as an emulator, then plays ``devtools.demo_script.VISITS`` by touching
the screens. Writes a PNG of every screen visited and of every printed page, and
``DIR/summary.json`` with each journey's outcome, screens and longest UI frame.
"""

from __future__ import annotations

import argparse
import atexit
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMAND = ("demo",)
HELP = "play scripted citizen visits through the real screens and save screenshots and a summary"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--headless", action="store_true", help="run under a virtual display (Xvfb) of its own")
    parser.add_argument("--out", default="demo-out", help="folder for screenshots, prints and summary.json")
    parser.add_argument("--only", action="append", default=[], help="run only the named visit (repeatable)")
    parser.add_argument("--size", default="1080x1920",
                        help="window size WIDTHxHEIGHT: 1080x1920 portrait, 1920x1080 landscape, down to 800x480")
    parser.add_argument("--audit", action="store_true",
                        help="check every screen in every shape and mode (devtools/layout_audit.py); audit.json")


def start_xvfb(size: str) -> None:
    """Start an Xvfb of ``size`` on a free display number and point ``DISPLAY`` at it (ends with us)."""
    if not shutil.which("Xvfb"):
        raise SystemExit("kiosk demo --headless needs Xvfb (apt-get install xvfb)")
    for n in range(99, 160):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            break
    proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    atexit.register(proc.terminate)
    for _ in range(100):
        if Path(f"/tmp/.X11-unix/X{n}").exists():
            break
        time.sleep(0.05)
    os.environ["DISPLAY"] = f":{n}"


def run(args: argparse.Namespace) -> int:
    width, height = (int(v) for v in args.size.lower().split("x"))
    if args.headless and not os.environ.get("DISPLAY"):
        start_xvfb("1920x1920" if args.audit else args.size)  # the audit resizes the window to every shape
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from kiosk.privacy import install_log_masking

    install_log_masking()
    state = Path(tempfile.mkdtemp(prefix="kiosk-demo-"))
    os.environ.setdefault("KIVY_HOME", str(state / "kivy"))
    from kiosk.app import configure_kivy
    from kiosk.config import demo_config

    cfg = demo_config(state)
    configure_kivy(cfg, windowed=True, size=(width, height), paced=False)
    from devtools.demo_driver import play
    from devtools.demo_script import VISITS
    from kiosk.app import kivy_post
    from kiosk.runtime import Runtime

    # as `kiosk run`: the window first, the devices after its first frame, the platform booting meanwhile
    runtime = Runtime(cfg, kivy_post, work_dir=state).start(devices_later=True)
    matrix = None
    if args.audit:
        from devtools.layout_audit import LayoutMatrix

        matrix = LayoutMatrix(shots=out / "shapes")
    try:
        summary = play(runtime, out, tuple(v for v in VISITS if not args.only or v.name in args.only), matrix)
    finally:
        runtime.stop()
        shutil.rmtree(state, ignore_errors=True)
    if matrix is not None:
        report = matrix.report()
        (out / "audit.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
        print(f"layout audit: {report['checked']} screen layouts, {len(report['findings'])} findings "
              f"({report['seconds']} s)", file=sys.stderr)
        for line in report["findings"][:40]:
            print("  " + line, file=sys.stderr)
        summary["ok"] = summary["ok"] and not report["findings"]
    print(json.dumps({k: summary[k] for k in ("ok", "longest_frame_ms")} |
                     {"journeys": [(j["name"], j["outcome"], j["detail"]) for j in summary["journeys"]]},
                     ensure_ascii=False, indent=1))
    print(f"screenshots, prints and summary.json in {out}", file=sys.stderr)
    from kiosk.ops.process_exit import leave

    leave(0 if summary["ok"] else 1, wait_for=(runtime.devices_thread,))  # as `kiosk run` ends
