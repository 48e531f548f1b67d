"""Benchmark: a certificate rasterised for the thermal printer (budget: under 150 ms).

Prints JSON. The baseline, measured in the same run, renders the same text without the
QR code, border or wrapping work (a plain text-only receipt), so a slow machine shows
up in both numbers. Also times building the ESC/POS bytes (python-escpos GS v 0).
Run: .venv/bin/python benchmarks/certificate_raster.py [--width 576] [--runs 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from drivers.printer.document import Document
from drivers.printer.raster import Renderer
from drivers.printer.thermal import job_bytes

BUDGET_MS = 150.0


def certificate() -> Document:
    return Document.build(
        "certificate", "不动产登记信息查询证明",
        [("权利人", "张*三"), ("证件号码", "110105********002X"), ("不动产权证号", "京(2026)朝阳区不动产权第0012345号"),
         ("坐落", "北京市朝阳区示范路 1 号院 2 号楼 3 单元 401 室"), ("用途", "住宅"), ("面积", "89.50 平方米"),
         ("查询时间", "2026-11-22 10:30:00")],
        qr="https://zwfw.example.gov.cn/verify?code=ZM-2026-000123&sig=3F9A1C7D",
        qr_caption="扫码核验 验证码 ZM-2026-000123",
        footer=["示范政务服务中心", "本证明经扫码核验有效，仅用于查询"],
    )


def text_only() -> Document:
    return Document.build("receipt", "回执", [("", "示范政务服务中心 办理回执")])


def median_ms(fn: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 2)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--width", type=int, choices=(384, 576), default=576)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    r = Renderer(args.width)
    cert, base = certificate(), text_only()
    r.render(cert)  # warm the font cache: a kiosk renders many certificates per boot
    image = r.render(cert)
    result = {
        "benchmark": "certificate_raster",
        "paper_width_dots": args.width,
        "runs": args.runs,
        "certificate_median_ms": median_ms(lambda: r.render(cert), args.runs),
        "baseline_text_only_median_ms": median_ms(lambda: r.render(base), args.runs),
        "escpos_bytes_median_ms": median_ms(lambda: job_bytes(image, args.width), args.runs),
        "image_size": list(image.size),
        "budget_ms": BUDGET_MS,
    }
    result["within_budget"] = result["certificate_median_ms"] < BUDGET_MS
    result["table"] = [{"figure": "certificate_raster.render_ms", "value": result["certificate_median_ms"],
                        "baseline": result["baseline_text_only_median_ms"], "budget": BUDGET_MS,
                        "ok": result["within_budget"], "note": "raster path; baseline a one-line text receipt"}]
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["within_budget"] else 1


if __name__ == "__main__":
    sys.exit(main())
