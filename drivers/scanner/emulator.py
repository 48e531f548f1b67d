"""A serial scanner on the far end of a pseudo-terminal (docs/devices-scanner-camera.md, "Emulators").

The emulator owns the pty master; drivers open ``port``, a symlink to the slave that
``unplug()`` removes (closing the pty, so an open driver reads EIO exactly as when a USB
cable is pulled) and ``replug()`` recreates on a fresh pty. ``scan(text)`` writes the
code with the chosen framing; faults: ``inject_garbage``, ``send_partial``.
"""

from __future__ import annotations

import os
import random
import threading

from drivers.ptyport import PtyPort
from drivers.scanner.framing import Framing

SUFFIX = {
    Framing.CR: (b"", b"\r"),
    Framing.LF: (b"", b"\n"),
    Framing.CRLF: (b"", b"\r\n"),
    Framing.AUTO: (b"", b"\r\n"),
    Framing.STX_ETX: (b"\x02", b"\x03"),
    Framing.IDLE_GAP: (b"", b""),
}


class ScannerEmulator:
    """``ScannerEmulator(framing="cr").start()``; ``.port``; ``.scan("...")``; ``.stop()``."""

    def __init__(self, port: str | None = None, framing: Framing | str = Framing.CR) -> None:
        self.pty = PtyPort("scanner", port)
        self.port = self.pty.path
        self.framing = Framing(framing)
        self._lock = threading.Lock()

    @property
    def plugged(self) -> bool:
        return self.pty.plugged

    def start(self) -> ScannerEmulator:
        with self._lock:
            self.pty.plug()
        return self

    def stop(self) -> None:
        with self._lock:
            self.pty.close()

    def unplug(self) -> None:
        with self._lock:
            self.pty.unplug()

    def replug(self) -> None:
        with self._lock:
            self.pty.plug()

    def write_raw(self, data: bytes) -> None:
        """Put bytes on the wire as they are; raises OSError when unplugged."""
        with self._lock:
            master = self.pty.master
            if master is None:
                raise OSError("scanner emulator is unplugged")
            view = memoryview(data)
            while view:
                n = os.write(master, view)
                view = view[n:]

    def frame(self, text: str, framing: Framing | str | None = None) -> bytes:
        head, tail = SUFFIX[Framing(framing) if framing else self.framing]
        return head + text.encode("utf-8") + tail

    def scan(self, text: str, framing: Framing | str | None = None) -> None:
        self.write_raw(self.frame(text, framing))

    def inject_garbage(self, nbytes: int = 64, seed: int | None = None, terminate: bool = True) -> bytes:
        """Line noise: random bytes, then (by default) a CR LF so the receiver can resync."""
        rng = random.Random(seed)
        noise = bytes(rng.randrange(256) for _ in range(nbytes)) + (b"\r\n" if terminate else b"")
        self.write_raw(noise)
        return noise

    def send_partial(self, text: str) -> None:
        """The first half of a code and no terminator: a cable pulled mid-scan."""
        self.write_raw(self.frame(text)[: max(1, len(text) // 2)])
