"""ID card read time over a paced 115200 baud line, driver vs the bare exchange (budget: <= 20 ms overhead).

A pty moves bytes at memory speed, so timing the driver on one measured no line time at all
and the "overhead" against a computed wire time came out negative. Here the emulator sits
behind ``drivers.ptyport.PacedLine`` at 115200 baud 8N1, and the baseline is measured on
that same line in the same run: the select and read commands written and their replies
(19 + 1295 bytes) read back by plain pyserial, with no frame decoding or card parsing. The
driver's ``read_once`` times the same select + read. Prints JSON; exit 1 over budget.

    .venv/bin/python benchmarks/idcard_read.py [--runs 20] [--baud 115200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import serial

from drivers.idreader import frame as fr
from drivers.idreader.emulator import IdReaderEmulator
from drivers.idreader.reader import read_once
from drivers.idreader.sample_cards import SAMPLE_CARDS
from drivers.ptyport import PacedLine

BUDGET_OVERHEAD_MS = 20.0
SELECT_REPLY, READ_REPLY = 19, 1295


def bare_exchange_ms(port: str, baud: int) -> float:
    """Select + read with nothing but pyserial: write each command, read its reply's bytes."""
    with serial.Serial(port, baud, timeout=2.0) as ser:
        find = fr.encode_command(*fr.CMD_FIND)
        ser.write(find)
        ser.read(15)  # find OK: the card is now "present", as read_once leaves it
        started = time.perf_counter()
        for cmd, size in ((fr.CMD_SELECT, SELECT_REPLY), (fr.CMD_READ, READ_REPLY)):
            ser.write(fr.encode_command(*cmd))
            got = ser.read(size)
            if len(got) != size:
                raise RuntimeError(f"bare exchange: {len(got)} of {size} reply bytes")
        return (time.perf_counter() - started) * 1000


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--baud", type=int, default=115200)
    args = ap.parse_args(argv)
    emu = IdReaderEmulator().start()
    line = PacedLine(emu.port, args.baud)
    try:
        emu.insert(SAMPLE_CARDS["resident"])
        driver, bare = [], []
        for _ in range(args.runs):  # interleaved: both see the same machine load
            driver.append(read_once(line.path, args.baud, 5.0)[1])
            emu.insert(SAMPLE_CARDS["resident"])
            bare.append(bare_exchange_ms(line.path, args.baud))
            emu.insert(SAMPLE_CARDS["resident"])
    finally:
        line.close()
        emu.stop()
    wire_ms = line.wire_time(2 * len(fr.encode_command(*fr.CMD_SELECT)) + SELECT_REPLY + READ_REPLY) * 1000
    median, baseline = statistics.median(driver), statistics.median(bare)
    overhead = median - baseline
    result = {
        "benchmark": "idcard_read", "runs": args.runs, "baud": args.baud,
        "median_ms": round(median, 2), "max_ms": round(max(driver), 2),
        "baseline_bare_exchange_median_ms": round(baseline, 2), "wire_ms": round(wire_ms, 2),
        "overhead_ms_vs_bare_exchange": round(overhead, 2), "budget_overhead_ms": BUDGET_OVERHEAD_MS,
        "ok": overhead <= BUDGET_OVERHEAD_MS,
        "table": [{"figure": "idcard_read.select_read_ms", "value": round(median, 2), "baseline": round(baseline, 2),
                   "budget": round(baseline + BUDGET_OVERHEAD_MS, 2), "ok": overhead <= BUDGET_OVERHEAD_MS,
                   "note": f"paced {args.baud} baud line; budget = bare exchange + {BUDGET_OVERHEAD_MS:g} ms"}],
    }
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
