"""A real SAM ID-card reader on the far end of a pseudo-terminal (docs/devices-idreader.md).

The emulator owns the pty master; the driver opens ``port``, a symlink to the slave that
``unplug()`` removes (and closes the pty) and ``replug()`` recreates on a fresh pty, so the
driver sees exactly what a pulled USB cable and re-enumeration look like. It validates each
command's checksum (SW3 0x10 on a bad one) and keeps the no-card / present / selected state.
A pty ignores the baud rate, so ``baud`` paces the replies as a real line of that speed
would, and ``read_delay`` is the SAM's own time to read the chip (the card can be taken
away meanwhile, as a citizen does).
"""

from __future__ import annotations

import enum
import os
import select
import threading
import time

from drivers.idreader import frame as fr
from drivers.idreader.card import IdCard, build_text
from drivers.ptyport import PtyPort


class Fault(enum.StrEnum):
    BAD_CHECKSUM = "bad_checksum"   # next reply has a corrupted CHK
    STALL = "stall"                 # next command gets no answer at all
    PARTIAL = "partial"             # next reply is cut in half
    GARBAGE = "garbage"             # a burst of noise precedes the next reply
    READ_FAIL = "read_fail"         # next reply is SW3 0x41, "read card failed" (card moved, dirty)
    FALSE_HEADER = "false_header"   # noise holding a whole preamble and a wild length precedes the next reply
    FALSE_READ_HEADER = "false_read_header"  # noise like a read reply's header, then a pause, then the reply


GARBAGE = bytes(range(256)) + b"\xaa\xaa\x96\x69\x00"
FALSE_HEADER = b"\x13\x37" + fr.PREAMBLE + b"\x04\x00\x5a"
"""Noise that looks like a frame claiming 1,024 more bytes."""
FALSE_READ_HEADER = b"\x13" + fr.PREAMBLE + b"\x05\x08\x00\x00"
"""Noise that looks like the start of a read reply (a length a SAM really sends)."""


class IdReaderEmulator:
    """``IdReaderEmulator().start()``; then ``.port``, ``.insert(card)``, ``.remove()``,
    ``.inject_fault(Fault.X, count)``, ``.unplug()``, ``.replug()``, ``.stop()``."""

    def __init__(self, port: str | None = None, baud: int | None = None, read_delay: float = 0.0) -> None:
        self.baud, self.read_delay = baud, read_delay
        self.pty = PtyPort("idreader", port)
        self.port = self.pty.path
        self._lock = threading.Lock()
        self._card: IdCard | None = None
        self._selected = False
        self._faults: list[tuple[Fault, tuple[int, int] | None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.commands_seen = 0

    # -- plumbing -------------------------------------------------------------------
    def start(self) -> IdReaderEmulator:
        with self._lock:
            self.pty.plug()
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="idreader-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(2)
        with self._lock:
            self.pty.close()

    def unplug(self) -> None:
        """The cable is pulled: the device path vanishes and the open fd hangs up."""
        with self._lock:
            self.pty.unplug()

    def replug(self) -> None:
        """Re-enumeration: a fresh pty behind the same stable path."""
        with self._lock:
            self.pty.plug()

    # -- card and faults -------------------------------------------------------------
    def insert(self, card: IdCard) -> None:
        with self._lock:
            self._card, self._selected = card, False

    def remove(self) -> None:
        with self._lock:
            self._card, self._selected = None, False

    def inject_fault(self, fault: Fault | str, count: int = 1, on: tuple[int, int] | None = None) -> None:
        """Apply ``fault`` to the next ``count`` replies (only to command ``on`` if given,
        e.g. ``frame.CMD_READ`` to break the 1295-byte card reply)."""
        with self._lock:
            self._faults.extend([(Fault(fault), on)] * count)

    # -- protocol --------------------------------------------------------------------
    def reply_to(self, raw: bytes) -> bytes:
        """The reply a SAM gives to one complete command frame (pure w.r.t. the wire)."""
        try:
            cmd = fr.decode(raw).command
        except fr.FrameError:
            return fr.encode_response(fr.SW_CHECKSUM_ERROR)
        with self._lock:
            card = self._card
            if cmd == fr.CMD_STATUS:
                return fr.encode_response(fr.SW_SUCCESS)
            if cmd == fr.CMD_FIND:
                return fr.encode_response(fr.SW_FIND_OK, b"\0\0\0\0") if card else \
                    fr.encode_response(fr.SW_FIND_FAIL)
            if cmd == fr.CMD_SELECT:
                self._selected = card is not None
                return fr.encode_response(fr.SW_SUCCESS, b"\0" * 8) if card else \
                    fr.encode_response(fr.SW_SELECT_FAIL)
            if cmd == fr.CMD_READ:
                if card is None or not self._selected:
                    return fr.encode_response(fr.SW_READ_FAIL)
                text, photo = build_text(card), card.photo.ljust(1024, b"\0")[:1024]
                return fr.encode_response(fr.SW_SUCCESS, b"\x01\x00\x04\x00" + text + photo)
        return fr.encode_response(fr.SW_COMMAND_ERROR)

    def _serve(self) -> None:
        decoder = bytearray()
        while not self._stop.is_set():
            master = self.pty.master
            if master is None:
                self._stop.wait(0.02)
                decoder.clear()
                continue
            try:
                ready, _, _ = select.select([master], [], [], 0.05)
                if not ready:
                    continue
                decoder += os.read(master, 4096)
            except OSError:
                decoder.clear()
                self._stop.wait(0.02)
                continue
            # Commands are small; read header then Len (as a real SAM does).
            while True:
                start = decoder.find(fr.PREAMBLE)
                if start < 0:
                    del decoder[:-4]
                    break
                del decoder[:start]
                if len(decoder) < fr.HEADER_LEN:
                    break
                total = fr.HEADER_LEN + int.from_bytes(decoder[5:7], "big")
                if total > 64:
                    self._write(master, fr.encode_response(fr.SW_LENGTH_ERROR))
                    del decoder[:1]
                    continue
                if len(decoder) < total:
                    break
                raw = bytes(decoder[:total])
                del decoder[:total]
                self.commands_seen += 1
                self._answer(master, raw)

    def _answer(self, master: int, raw: bytes) -> None:
        fault = None
        with self._lock:
            if self._faults and self._faults[0][1] in (None, tuple(raw[7:9])):
                fault = self._faults.pop(0)[0]
        if fault is Fault.STALL:
            return
        if tuple(raw[7:9]) == fr.CMD_READ and self.read_delay:
            self._stop.wait(self.read_delay)
        reply = self.reply_to(raw)
        if fault is Fault.BAD_CHECKSUM:
            reply = reply[:-1] + bytes([reply[-1] ^ 0xFF])
        elif fault is Fault.PARTIAL:
            reply = reply[: len(reply) // 2]
        elif fault is Fault.GARBAGE:
            reply = GARBAGE + reply
        elif fault is Fault.FALSE_HEADER:
            reply = FALSE_HEADER + reply
        elif fault is Fault.FALSE_READ_HEADER:
            self._write(master, FALSE_READ_HEADER)
            self._stop.wait(0.5)
        elif fault is Fault.READ_FAIL:
            reply = fr.encode_response(fr.SW_READ_FAIL)
        self._write(master, reply)

    def _write(self, master: int, data: bytes) -> None:
        """Send ``data``; with ``baud`` set, no faster than a line of that speed (10 bits a byte)."""
        chunk = 16 if self.baud else len(data)
        started = time.monotonic()
        sent = 0
        try:
            view = memoryview(data)
            while view:
                n = os.write(master, view[:chunk])
                view = view[n:]
                sent += n
                if self.baud:
                    lag = started + sent * 10 / self.baud - time.monotonic()
                    if lag > 0:
                        time.sleep(lag)
        except OSError:
            return
