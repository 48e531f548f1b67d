"""``kiosk bench qr DIR``: the kiosk's QR decoder against each library alone, in one run.

DIR is a ZXing-style black-box folder (searched recursively): ``<set>/<n>.png`` with the
expected text in ``<n>.txt`` (``.metadata.txt`` files are not expectations). Each image
is tried as given and rotated by 90, 180 and 270 degrees; an attempt counts when a decoded
text equals the expected one after CRLF -> LF and stripping surrounding white space.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

COMMAND = ("bench", "qr")
HELP = "QR decoding benchmark on a ZXing black-box folder: kiosk decoder vs zxing-cpp, pyzbar, OpenCV"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", help="folder of <set>/<n>.png + <n>.txt")
    parser.add_argument("--json", action="store_true", help="print JSON (the default output is a table)")
    parser.add_argument("--only", action="append", default=None,
                        help="run only these decoders (kiosk, zxing-cpp, pyzbar, opencv); repeatable")


class UnknownDecoder(ValueError):
    pass


def _norm(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def load_cases(root: Path) -> list[tuple[Path, str]]:
    cases = []
    for png in sorted(root.rglob("*.png")):
        txt = png.with_suffix(".txt")
        if txt.is_file():
            cases.append((png, _norm(txt.read_text(encoding="utf-8"))))
    return cases


def bench(root: Path, only: list[str] | None = None) -> dict[str, Any]:
    import statistics
    import time

    import cv2

    from drivers.camera import qr

    kiosk = qr.QrDecoder(qr.Profile.THOROUGH)
    decoders = {
        "kiosk": lambda g: [r.text for r in kiosk.decode(g)],
        "zxing-cpp": qr.zxing_texts,
        "pyzbar": qr.pyzbar_texts,
        "opencv": qr.opencv_texts,
    }
    if only:
        unknown = set(only) - set(decoders)
        if unknown:
            raise UnknownDecoder(f"unknown decoder(s): {', '.join(sorted(unknown))}")
        decoders = {k: v for k, v in decoders.items() if k in only}
    rotations = (None, cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_180, cv2.ROTATE_90_COUNTERCLOCKWISE)
    attempts = []
    for png, expected in load_cases(root):
        img = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
        if img is None:
            continue
        for rot in rotations:
            attempts.append((png, rot, expected, img if rot is None else cv2.rotate(img, rot)))
    results: dict[str, Any] = {}
    for name, fn in decoders.items():
        ok, times, missed = 0, [], []
        for png, rot, expected, img in attempts:
            t0 = time.perf_counter()
            texts = fn(img)
            times.append((time.perf_counter() - t0) * 1000)
            if any(_norm(t) == expected for t in texts):
                ok += 1
            else:
                missed.append(f"{png.relative_to(root)}@{0 if rot is None else (rot + 1) * 90 % 360 or 90}")
        results[name] = {
            "decoded": ok, "total": len(attempts),
            "median_ms": round(statistics.median(times), 3) if times else None,
            "mean_ms": round(statistics.fmean(times), 3) if times else None,
            "missed": missed,
        }
    report = {"dir": str(root), "images": len(attempts) // 4, "attempts": len(attempts), "decoders": results}
    if "kiosk" in results and BASELINE in results:
        report["vs_baseline"] = compare(results["kiosk"], results[BASELINE])
    return report


BASELINE = "zxing-cpp"
MEDIAN_BUDGET_MS = 2.0
"""The acceptance budget for the kiosk decoder's median time per attempt."""


def compare(kiosk: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """The verdict from one run: both decoders saw the same images on the same machine state."""
    median = kiosk["median_ms"]
    return {
        "baseline": BASELINE,
        "decoded_more": kiosk["decoded"] - baseline["decoded"],
        "median_budget_ms": MEDIAN_BUDGET_MS,
        "ok": kiosk["decoded"] > baseline["decoded"] and median is not None and median < MEDIAN_BUDGET_MS,
    }


def run(args: argparse.Namespace) -> int:
    root = Path(args.dir)
    if not root.is_dir():
        print(f"{root}: not a folder")
        return 2
    try:
        report = bench(root, args.only)
    except UnknownDecoder as exc:
        print(exc)
        return 2
    if report["attempts"] == 0:
        print(f"{root}: no <n>.png with a <n>.txt found")
        return 2
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(f"{report['attempts']} attempts ({report['images']} images x 4 rotations) in {root}")
        for name, r in report["decoders"].items():
            print(f"{name:10} {r['decoded']:4}/{r['total']}  median {r['median_ms']} ms  mean {r['mean_ms']} ms")
        if "vs_baseline" in report:
            v = report["vs_baseline"]
            print(f"kiosk vs {v['baseline']}: {v['decoded_more']:+d} attempts, median budget "
                  f"{v['median_budget_ms']} ms: {'ok' if v['ok'] else 'NOT MET'}")
    return 0
