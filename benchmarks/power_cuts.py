"""Power cuts on the journal, the payment ledger and the reprint table: nothing acknowledged lost or doubled.

Drives random sequences of journal enqueues and acknowledgements, ledger orders, payment
attempts, settlements and deliveries, and reprint codes added and removed, on the real
store code, while a SQLite VFS shim records the disk (``devtools/powercut``); then cuts the
power at ``--cuts`` random points (half of them torn: a random part of the writes not yet
synced survives), reopens the stores on what a disk with a volatile cache would hold, and
counts what the stores had acknowledged and no longer hold (``lost``), hold twice
(``duplicated``), hold half of (``half_done``), or cannot open (``corrupt``).

The baseline, measured in the same run on the same seed, is the same work with the stores
opened ``synchronous=NORMAL`` instead of FULL: it must lose acknowledged operations, the
proof that the cuts are able to catch a missing sync. Budget: 0 violations with FULL.

    .venv/bin/python benchmarks/power_cuts.py [--cuts 500] [--seed 2026] [--baseline-cuts 100]

Prints the JSON (the last line); exit 0 within budget, 1 not.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from devtools.powercut.workload import power_cuts, weakened_sync

VIOLATIONS = ("lost", "duplicated", "half_done", "corrupt")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cuts", type=int, default=500)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--baseline-cuts", type=int, default=100, help="cuts of the synchronous=NORMAL baseline")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="powercuts-") as work:
        started = time.monotonic()
        result = power_cuts(args.seed, args.cuts, Path(work) / "full")
        result["elapsed_s"] = round(time.monotonic() - started, 1)
        with weakened_sync("NORMAL"):
            weak = power_cuts(args.seed, args.baseline_cuts, Path(work) / "normal")
    violations = sum(result[k] for k in VIOLATIONS)
    weak_violations = sum(weak[k] for k in VIOLATIONS)
    result["baseline_synchronous_normal"] = {k: weak[k] for k in ("cuts", "acknowledged", *VIOLATIONS)}
    result["table"] = [{
        "figure": "power_cuts.violations", "value": violations, "baseline": weak_violations, "budget": 0,
        "ok": violations == 0 and weak_violations > 0,
        "note": f"{result['cuts']} cuts, {result['torn']} torn; baseline: the same work with synchronous=NORMAL,"
                " which must lose acknowledged work",
    }]
    result["ok"] = result["table"][0]["ok"]
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
