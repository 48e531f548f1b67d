"""Every benchmark, each against its baseline measured in the same run, as one JSON table.

Runs each script of this folder in its own process (Kivy and the emulators keep global
state), reads the JSON it prints last and collects its ``table``: one row per figure with
``figure``, ``value``, ``baseline`` (measured in that same run), ``ratio`` (value /
baseline), ``budget`` and ``ok``. Prints ``{"ok": ..., "errors": [...], "table": [...]}``.

Exit 0: every figure within budget; 1: a figure over budget; 2: a benchmark failed to run
(crashed, printed no JSON, no data set), which is never reported as a figure.

    .venv/bin/python benchmarks/run.py [--only NAME ...] [--skip NAME ...] [--visits N] [--save DIR]

``--visits`` is passed to ``visit_soak`` (its default 24 takes a few minutes; issue 17's
memory figures are over 1,000 visits, about an hour here), and that benchmark's time limit
grows with it. ``--save`` keeps each benchmark's whole result beside the table (the soak's
RSS after every visit, say: whether a slope levels off is in that series, not in the table).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ("thermal_slip", "certificate_raster", "idcard_read", "qr_decode", "qr_degraded", "ui_frames",
              "power_cuts", "fleet_scale", "certificate_pdf", "platform_load")
BENCHMARKS += ("visit_soak",)  # the UI process over many visits (memory, gc pauses, CPU per frame, start-up)
TIMEOUT = 1800
SECONDS_PER_SOAK_VISIT = 12
"""visit_soak's time limit per visit on each side (~3-4 s a kiosk visit here on a quiet machine)."""


def run_one(name: str, args: tuple[str, ...] = (), save: Path | None = None) -> tuple[list[dict], str | None, float]:
    """(rows, error or None, seconds) for ``benchmarks/<name>.py`` run with ``args``; its whole JSON result
    (per-visit series and all, which the table leaves out) goes to ``save``/<name>.json when given."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE.parent), os.environ.get("PYTHONPATH")]))}
    timeout = TIMEOUT
    if "--visits" in args:
        timeout = max(TIMEOUT, SECONDS_PER_SOAK_VISIT * int(args[args.index("--visits") + 1]))
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, str(HERE / f"{name}.py"), *args], capture_output=True, text=True,
                              env=env, timeout=timeout, cwd=HERE.parent)
    except subprocess.TimeoutExpired:
        return [], f"{name}: no result within {timeout} s", time.monotonic() - started
    took = time.monotonic() - started
    lines = done.stdout.strip().splitlines()
    if done.returncode not in (0, 1) or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return [], f"{name}: exit {done.returncode}: {tail}", took
    try:
        result = json.loads(lines[-1])
    except json.JSONDecodeError:
        return [], f"{name}: last line is not JSON: {lines[-1][:200]}", took
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        (save / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    rows = result.get("table")
    if not rows:
        return [], f"{name}: printed no figures", took
    for row in rows:
        base = row.get("baseline")
        row.setdefault("ratio", round(row["value"] / base, 2) if base else None)
        row["benchmark"] = name
    if done.returncode == 1 and all(r.get("ok") is not False for r in rows):
        return rows, f"{name}: exit 1 with every figure ok", took
    return rows, None, took


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", action="append", choices=BENCHMARKS, help="run only these (repeatable)")
    ap.add_argument("--skip", action="append", choices=BENCHMARKS, default=[], help="leave these out (repeatable)")
    ap.add_argument("--visits", type=int, help="visits on each side of visit_soak (default: its own, 24)")
    ap.add_argument("--save", type=Path, metavar="DIR",
                    help="also write each benchmark's whole JSON result to DIR/<benchmark>.json")
    args = ap.parse_args(argv)
    names = [n for n in (args.only or BENCHMARKS) if n not in args.skip]
    table: list[dict] = []
    errors: list[str] = []
    seconds: dict[str, float] = {}
    for name in names:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        extra = ("--visits", str(args.visits)) if name == "visit_soak" and args.visits else ()
        rows, error, took = run_one(name, extra, args.save)
        seconds[name] = round(took, 1)
        table += rows
        if error:
            errors.append(error)
    keys = ("benchmark", "figure", "value", "baseline", "ratio", "budget", "ok", "note")
    table = [{k: r.get(k) for k in keys} for r in table]
    ok = not errors and all(r["ok"] is not False for r in table)
    print(json.dumps({"ok": ok, "errors": errors, "seconds": seconds, "visit_soak_visits": args.visits,
                      "table": table}, ensure_ascii=False, indent=1))
    if errors:
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
