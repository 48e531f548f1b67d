"""ID card read time vs the bytes' time on the wire at 115200 8N1 (budget: <= 20 ms overhead).

Runs the real driver's ``read_once`` against the pty emulator and prints JSON. A pty has no
baud rate, so the wire time is computed: (command + reply bytes) * 10 bits / 115200.
"""

from __future__ import annotations

import json
import statistics

from drivers.idreader import frame as fr
from drivers.idreader.emulator import IdReaderEmulator
from drivers.idreader.reader import read_once
from drivers.idreader.sample_cards import SAMPLE_CARDS

BAUD = 115200


def main(runs: int = 30) -> None:
    emu = IdReaderEmulator().start()
    try:
        emu.insert(SAMPLE_CARDS["resident"])
        times = [read_once(emu.port, BAUD, 2.0)[1] for _ in range(runs)]
    finally:
        emu.stop()
    wire_bytes = 2 * len(fr.encode_command(*fr.CMD_SELECT)) + 19 + 1295
    wire_ms = wire_bytes * 10 / BAUD * 1000
    median = statistics.median(times)
    print(json.dumps({"benchmark": "idcard_read", "runs": runs, "median_ms": round(median, 2),
                      "max_ms": round(max(times), 2), "wire_ms_at_115200": round(wire_ms, 2),
                      "overhead_ms_vs_wire": round(median - wire_ms, 2), "budget_overhead_ms": 20}))


if __name__ == "__main__":
    main()
