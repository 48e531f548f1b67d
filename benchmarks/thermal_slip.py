"""Thermal slips on a paced serial line: bytes and seconds per receipt, text mode vs raster vs python-escpos.

Budget: a typical receipt in GB18030 text mode is at most 8 KB and prints in at most 1.5 s at
115200 baud (the driver's whole job: status before, the bytes, status after). The emulator
sits behind ``drivers.ptyport.PacedLine`` so the line takes real wire time, 10 bits a byte.
Baseline, on the same line in the same run: the same receipt written with python-escpos's own
text API (``set``, ``textln``, native ``qr``, ``cut``), the smallest a hand-written ESC/POS
receipt gets, sent through the same driver. Also measured: the raster path (every dot sent)
and how long a printer that stops taking data takes to fail a job (budget 3 s).

    .venv/bin/python benchmarks/thermal_slip.py [--runs 3] [--baud 115200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable

from escpos.printer import Dummy

from drivers.printer.document import Document
from drivers.printer.emulator import PrinterEmulator
from drivers.printer.errors import PrintJobFailed
from drivers.printer.thermal import ThermalPrinter
from drivers.printer.transport import Link
from drivers.ptyport import PacedLine

BUDGET_BYTES = 8 * 1024
BUDGET_SECONDS = 1.5
BUDGET_STALL_SECONDS = 3.0

LINES = [("缴费项目", "不动产登记费"), ("金额", "¥80.00"), ("订单号", "PAY-20261205-000123"), ("缴费方式", "微信支付"),
         ("付款人", "张*三"), ("证件号码", "110105********002X"), ("办理地点", "示范政务服务中心一楼自助区 3 号机"),
         ("时间", "2026-12-05 10:30:00")]
QR, CAPTION, FOOTER = "RC-7F3K-9QXD", "凭此码补打或查询", ["示范政务服务中心", "请妥善保管本凭证"]


def receipt() -> Document:
    """A payment receipt as the pay journey prints it."""
    return Document.build("receipt", "缴费凭证", LINES, qr=QR, qr_caption=CAPTION, footer=FOOTER)


def escpos_receipt() -> bytes:
    """The same receipt through python-escpos's text API (GB18030 for Chinese, native QR)."""
    d = Dummy()
    d.hw("INIT")
    d.set(align="center", double_height=True, double_width=True, bold=True)
    d.textln("缴费凭证")
    d.set(align="left", normal_textsize=True, bold=False)
    d.textln("-" * 48)
    for label, value in LINES:
        d.textln(f"{label} {value}")
    d.textln("-" * 48)
    d.set(align="center")
    d.qr(QR, size=6, native=True)
    d.textln(CAPTION)
    for line in FOOTER:
        d.textln(line)
    d.cut()
    return d.output


def timed(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def stall_seconds(text_mode: str) -> float:
    """A printer that stops reading 300 bytes into a certificate-sized job: seconds to fail it."""
    with PrinterEmulator("pty") as emu:
        printer = ThermalPrinter(Link.serial(emu.port, 115200), text_mode=text_mode)  # type: ignore[arg-type]
        emu.set_status("stalled", after_bytes=300)
        started = time.perf_counter()
        try:
            printer.print_document(receipt(), "stall")
        except PrintJobFailed:
            return time.perf_counter() - started
        finally:
            emu.set_status("ok")
            printer.close()
    raise RuntimeError("the stalled printer did not fail the job")


def row(figure: str, value: float, baseline: float | None, budget: float | None, ok: bool | None,
        note: str = "") -> dict[str, object]:
    return {"figure": figure, "value": round(value, 3), "baseline": None if baseline is None else round(baseline, 3),
            "budget": budget, "ok": ok, "note": note}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--baud", type=int, default=115200)
    ap.add_argument("--width", type=int, choices=(384, 576), default=576)
    args = ap.parse_args(argv)
    doc = receipt()
    seconds: dict[str, float] = {}
    sizes: dict[str, int] = {}
    with PrinterEmulator("pty", width=args.width) as emu, PacedLine(emu.port, args.baud) as line:
        printers = {mode: ThermalPrinter(Link.serial(line.path, args.baud), paper_width=args.width,
                                         text_mode=tm, qr_mode=qm)  # type: ignore[arg-type]
                    for mode, tm, qm in (("text", "gb18030", "native"), ("text_raster_qr", "gb18030", "raster"),
                                         ("raster", "raster", "native"))}
        jobs = {mode: p.encode(doc) for mode, p in printers.items()}
        jobs["escpos"] = escpos_receipt()
        printers["escpos"] = printers["text"]
        try:
            for mode, data in jobs.items():
                sizes[mode] = len(data)
                seconds[mode] = timed(lambda m=mode, d=data: printers[m].print_bytes(d, m), args.runs)
        finally:
            for p in printers.values():
                p.close()
        printed = "\n".join(emu.interpreter.text_log)
    readable = all(text in printed for text in ("缴费凭证", "不动产登记费", "PAY-20261205-000123"))
    stall = {mode: stall_seconds(mode) for mode in ("gb18030", "raster")}
    b = args.baud
    table = [
        row("thermal_slip.text_bytes", sizes["text"], sizes["escpos"], BUDGET_BYTES,
            sizes["text"] <= BUDGET_BYTES and readable, "GB18030 text + native QR; baseline python-escpos text API"),
        row(f"thermal_slip.text_seconds_{b}", seconds["text"], seconds["escpos"], BUDGET_SECONDS,
            seconds["text"] <= BUDGET_SECONDS, "whole job incl. status before/after, paced line"),
        row("thermal_slip.text_raster_qr_bytes", sizes["text_raster_qr"], sizes["escpos"], BUDGET_BYTES,
            sizes["text_raster_qr"] <= BUDGET_BYTES, "qr_mode = raster (no GS ( k)"),
        row(f"thermal_slip.text_raster_qr_seconds_{b}", seconds["text_raster_qr"], seconds["escpos"],
            BUDGET_SECONDS, seconds["text_raster_qr"] <= BUDGET_SECONDS),
        row("thermal_slip.raster_bytes", sizes["raster"], sizes["escpos"], None, None,
            "text_mode = raster, for printers without a Chinese font"),
        row(f"thermal_slip.raster_seconds_{b}", seconds["raster"], seconds["escpos"], None, None),
        row("thermal_slip.stall_fail_seconds_text", stall["gb18030"], seconds["text"], BUDGET_STALL_SECONDS,
            stall["gb18030"] <= BUDGET_STALL_SECONDS, "printer stops reading mid-job; baseline a normal job"),
        row("thermal_slip.stall_fail_seconds_raster", stall["raster"], seconds["raster"], BUDGET_STALL_SECONDS,
            stall["raster"] <= BUDGET_STALL_SECONDS),
    ]
    for r in table:
        r["ratio"] = round(r["value"] / r["baseline"], 2) if r["baseline"] else None  # type: ignore[operator]
    result = {"benchmark": "thermal_slip", "baud": b, "paper_width_dots": args.width, "runs": args.runs,
              "bytes": sizes, "seconds": {k: round(v, 3) for k, v in seconds.items()},
              "emulator_read_back_text": readable, "table": table}
    result["ok"] = all(r["ok"] is not False for r in table)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
