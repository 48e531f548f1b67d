"""The QR budget's "not tuned to the dev images" check: degraded copies of a black-box folder.

../shared/qr-bench is scored on harder sets than the dev set we can see. This builds a
stand-in from the dev set with what a kiosk camera adds (blur, motion blur, sensor noise,
JPEG, low contrast, uneven light, perspective, tilt, codes too small or too large), all drawn
from ``--seed``, and runs the same comparison as ``kiosk bench qr`` on it in one run. Pick
rescue passes with one seed and check them with another, or they only fit one draw.

    .venv/bin/python benchmarks/qr_degraded.py [DIR] [--seed N] [--decoder kiosk --decoder pyzbar]

Prints JSON: the overall report (with ``vs_baseline``) and attempts decoded per degradation.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from kiosk.commands.bench_qr import BASELINE, bench, load_cases

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qr_decode import data_set, table  # a sibling script, not a package

Degrade = Callable[[np.ndarray, random.Random], np.ndarray]


def _clip(img: np.ndarray) -> np.ndarray:
    return np.clip(img, 0, 255).astype(np.uint8)


def _noise(g: np.ndarray, rng: random.Random) -> np.ndarray:
    gen = np.random.default_rng(rng.randrange(1 << 30))
    return _clip(g + gen.normal(0, rng.uniform(20, 40), g.shape))


def _jpeg(g: np.ndarray, rng: random.Random) -> np.ndarray:
    return cv2.imdecode(cv2.imencode(".jpg", g, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(8, 20)])[1], 0)


def _blur(g: np.ndarray, rng: random.Random) -> np.ndarray:
    return cv2.GaussianBlur(g, (0, 0), rng.uniform(1.0, 2.2))


def _motion(g: np.ndarray, rng: random.Random) -> np.ndarray:
    k = rng.randint(5, 9)
    kernel = np.zeros((k, k), np.float32)
    kernel[k // 2, :] = 1
    kernel = cv2.warpAffine(kernel, cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), rng.uniform(0, 180), 1),
                            (k, k))
    return cv2.filter2D(g, -1, kernel / kernel.sum())


def _scale(lo: float, hi: float) -> Degrade:
    def scale(g: np.ndarray, rng: random.Random) -> np.ndarray:
        f = rng.uniform(lo, hi)
        return cv2.resize(g, None, fx=f, fy=f, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC)
    return scale


def _low_contrast(g: np.ndarray, rng: random.Random) -> np.ndarray:
    return _clip(g * rng.uniform(0.15, 0.3) + rng.uniform(60, 150))


def _uneven_light(g: np.ndarray, rng: random.Random) -> np.ndarray:
    h, w = g.shape
    ramp = rng.random() * np.linspace(0, 1, w)[None, :] + rng.random() * np.linspace(0, 1, h)[:, None]
    light = 0.25 + 0.9 * ramp / 2
    return _clip(g * light + rng.uniform(0, 60) * (1 - light))


def _perspective(g: np.ndarray, rng: random.Random) -> np.ndarray:
    h, w = g.shape
    d = rng.uniform(0.12, 0.25)

    def j() -> float:
        return rng.uniform(0, d)

    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[j() * w, j() * h], [w - j() * w, j() * h], [w - j() * w, h - j() * h], [j() * w, h - j() * h]])
    return cv2.warpPerspective(g, cv2.getPerspectiveTransform(src, dst), (w, h), borderValue=int(np.median(g)))


def _tilt(g: np.ndarray, rng: random.Random) -> np.ndarray:
    h, w = g.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(20, 70), 1.0)
    return cv2.warpAffine(g, m, (w, h), borderValue=int(np.median(g)))


DEGRADATIONS: dict[str, Degrade] = {
    "blur": _blur, "motion": _motion, "noise": _noise, "jpeg": _jpeg, "small": _scale(0.3, 0.5),
    "large": _scale(2.5, 4.0), "low_contrast": _low_contrast, "uneven_light": _uneven_light,
    "perspective": _perspective, "tilt": _tilt,
    "blur_noise_jpeg": lambda g, r: _jpeg(_noise(_blur(g, r), r), r),
    "perspective_low_contrast": lambda g, r: _low_contrast(_perspective(g, r), r),
    "small_noise": lambda g, r: _noise(_scale(0.3, 0.5)(g, r), r),
}


def build(src: Path, dst: Path, seed: int) -> None:
    """Write ``dst/<degradation>/<set>-<n>.png`` + ``.txt`` for every case of ``src``."""
    rng = random.Random(seed)
    cases = load_cases(src)
    for name, degrade in DEGRADATIONS.items():
        out = dst / name
        out.mkdir(parents=True)
        for png, _expected in cases:
            gray = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
            if gray is None:
                continue
            stem = f"{png.parent.name}-{png.stem}"
            cv2.imwrite(str(out / f"{stem}.png"), degrade(gray, rng))
            (out / f"{stem}.txt").write_bytes(png.with_suffix(".txt").read_bytes())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--decoder", action="append", default=None,
                        help=f"decoders to run (default: kiosk and {BASELINE}; pyzbar and opencv are slow)")
    args = parser.parse_args(argv)
    try:
        args.dir = data_set([str(args.dir)] if args.dir else [])
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="qr-degraded-") as tmp:
        build(args.dir, Path(tmp), args.seed)
        report = bench(Path(tmp), args.decoder or ["kiosk", BASELINE])
    per_kind: dict[str, dict[str, int]] = {}
    for name, r in report["decoders"].items():
        missed = Counter(m.split("/", 1)[0] for m in r.pop("missed"))
        per_kind[name] = {kind: report["attempts"] // len(DEGRADATIONS) - missed[kind] for kind in DEGRADATIONS}
    print(json.dumps({"benchmark": "qr_degraded", "seed": args.seed, **report, "decoded_per_degradation": per_kind,
                      "dir": str(args.dir), "table": table("qr_degraded", report)}, ensure_ascii=False))
    return 0 if report.get("vs_baseline", {"ok": True})["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
