"""Camera QR decoding on ../shared/qr-bench: the kiosk decoder vs zxing-cpp, pyzbar and OpenCV alone.

Budget: more attempts decoded than zxing-cpp alone, median under 2 ms per attempt. Every
decoder runs on the same attempts in the same process, so the baseline is measured in the
same run, never copied from an old one; ``vs_baseline`` holds the verdict. Same code as
``kiosk bench qr DIR --json``; prints the JSON. ``qr_degraded.py`` runs the same comparison
on degraded copies, the check that the kiosk decoder is not tuned to the dev images.

    .venv/bin/python benchmarks/qr_decode.py [DIR]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kiosk.commands.bench_qr import bench

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "qr-bench" / "dev"


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else DEFAULT_DIR
    report = bench(root)
    for r in report["decoders"].values():
        r.pop("missed")
    print(json.dumps({"benchmark": "qr_decode", **report}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
