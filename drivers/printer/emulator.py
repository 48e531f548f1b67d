"""An ESC/POS printer on a pseudo-terminal or a TCP port, for tests, the demo and the doctor.

The driver under test talks to it exactly as to a real printer: python-escpos opens the
pty slave (serial) or connects to the port (network, like a JetDirect printer on 9100).
The emulator answers ``DLE EOT n`` from a configurable status (paper ok / near end / out,
cover open, cutter error, silent), can run out of paper after N more bytes, and renders
what it prints through ``Interpreter`` into one image (and PNG) per cut.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import threading
import time
import tty
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from PIL import Image

from drivers.base import Publish, discard
from drivers.printer.interpreter import Interpreter

if TYPE_CHECKING:
    from drivers.printer.thermal import ThermalPrinter

log = logging.getLogger(__name__)

KEPT_PAGES = 100
"""Pages (and torn pages, and saved paths) kept in memory, the newest: a long demo run keeps no more."""
PRESETS = ("ok", "near_end", "out", "cover_open", "offline", "cutter_error", "stalled")


@dataclass(frozen=True)
class EmulatedStatus:
    paper: Literal["ok", "near_end", "out"] = "ok"
    cover_open: bool = False
    silent: bool = False  # powered off / wrong baud: no DLE EOT replies at all
    cutter_error: bool = False
    stalled: bool = False  # takes no more data (buffer full, hung): the line fills up behind it

    @classmethod
    def preset(cls, name: str) -> EmulatedStatus:
        if name not in PRESETS:
            raise ValueError(f"unknown printer status {name!r}; one of {', '.join(PRESETS)}")
        return {
            "ok": cls(), "near_end": cls(paper="near_end"), "out": cls(paper="out"),
            "cover_open": cls(cover_open=True), "offline": cls(silent=True), "cutter_error": cls(cutter_error=True),
            "stalled": cls(stalled=True),
        }[name]

    @property
    def printing(self) -> bool:
        return self.paper != "out" and not self.cover_open

    def reply(self, n: int) -> bytes | None:
        """The DLE EOT n byte, built from the Epson bit table (docs/devices-printer.md, "Real-time status")."""
        if self.silent:
            return None
        base = 0x12
        offline = not self.printing or self.cutter_error
        if n == 1:
            return bytes((base | (0x08 if offline else 0),))
        if n == 2:
            return bytes((base | (0x04 if self.cover_open else 0) | (0x20 if self.paper == "out" else 0)
                          | (0x40 if self.cutter_error else 0),))
        if n == 3:
            return bytes((base | (0x08 if self.cutter_error else 0),))
        if n == 4:
            return bytes((base | {"ok": 0, "near_end": 0x0C, "out": 0x60}[self.paper],))
        return None


class PrinterEmulator:
    """``PrinterEmulator(kind="pty"|"tcp")``; ``start()``, ``stop()``, read ``pages``.

    pty: connect a serial driver to ``port`` (the slave path, or ``link``: a stable
    symlink that survives stop/start like a udev name). tcp: connect to
    ``host``:``tcp_port`` (``tcp_port=0`` picks a free port, kept across restarts).
    """

    def __init__(self, kind: Literal["pty", "tcp"] = "pty", *, width: int = 576,
                 out_dir: str | Path | None = None, host: str = "127.0.0.1", tcp_port: int = 9100,
                 link: str | Path | None = None, status: str | EmulatedStatus = "ok") -> None:
        if kind not in ("pty", "tcp"):
            raise ValueError(f"kind must be 'pty' or 'tcp', got {kind!r}")
        self.kind = kind
        self.width = width
        self.out_dir = Path(out_dir) if out_dir else None
        self.host, self.tcp_port = host, tcp_port
        self.link = Path(link) if link else None
        self._status = EmulatedStatus.preset(status) if isinstance(status, str) else status
        self._pending: tuple[int, EmulatedStatus] | None = None
        # The last KEPT_PAGES of each: a demo kiosk prints for weeks with its emulator in its process.
        self.pages: deque[Image.Image] = deque(maxlen=KEPT_PAGES)
        self.page_paths: deque[Path] = deque(maxlen=KEPT_PAGES)
        self.partial_pages: deque[Image.Image] = deque(maxlen=KEPT_PAGES)
        """What was on paper when it ran out mid-page (a torn, unusable print)."""
        self.pages_cut = 0
        """Every page cut since the start (``pages`` keeps the newest)."""
        self.bytes_received = 0
        self._files_saved = 0
        self._lock = threading.RLock()
        self._page_added = threading.Condition(self._lock)
        self.interpreter = Interpreter(width, on_status=self._on_status, on_page=self._on_page,
                                       can_print=lambda: self._status.printing)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._fds: list[int] = []
        self._sockets: list[socket.socket] = []
        self._slave_name = ""
        self.running = False

    # -- status ------------------------------------------------------------------------
    @property
    def status(self) -> EmulatedStatus:
        return self._status

    def set_status(self, preset: str | None = None, *, after_bytes: int | None = None, **fields: object) -> None:
        """Change the status now, or once ``after_bytes`` more bytes have arrived (mid-job faults).

        ``set_status("out", after_bytes=500)``; ``set_status(cover_open=True)``.
        """
        new = EmulatedStatus.preset(preset) if preset else self._status
        if fields:
            new = replace(new, **fields)  # type: ignore[arg-type]
        with self._lock:
            if after_bytes:
                self._pending = (self.bytes_received + after_bytes, new)
            else:
                self._pending = None
                self._apply(new)

    def _apply(self, new: EmulatedStatus) -> None:
        was_printing = self._status.printing
        self._status = new
        if was_printing and not new.printing:
            torn = self.interpreter.take_strips()
            if torn is not None:
                self.partial_pages.append(torn)
                self._save(torn, "partial")
        log.info("printer emulator status: %s", new)

    def _on_status(self, n: int) -> bytes | None:
        return self._status.reply(n)

    # -- pages ---------------------------------------------------------------------------
    def _on_page(self, page: Image.Image) -> None:
        self.pages.append(page)
        path = self._save(page, "page")
        if path:
            self.page_paths.append(path)
        self.pages_cut += 1
        self._page_added.notify_all()

    def _save(self, img: Image.Image, stem: str) -> Path | None:
        if not self.out_dir:
            return None
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._files_saved += 1  # counts on past the pages kept: a file's number is its place among all printed
        path = self.out_dir / f"{stem}-{self._files_saved:04d}-{time.time_ns()}.png"
        img.save(path)
        log.info("printer emulator: %s", path)
        return path

    def paths_since(self, seen: int) -> tuple[int, list[Path]]:
        """The saved pages cut after the first ``seen`` (the kept ones), and the count to pass next time."""
        with self._lock:
            paths = list(self.page_paths)
            return self.pages_cut, paths[len(paths) - min(self.pages_cut - seen, len(paths)):]

    def wait_pages(self, count: int, timeout: float = 5.0) -> list[Image.Image]:
        """Block until at least ``count`` pages (``KEPT_PAGES`` at most) were cut or the timeout; returns them."""
        count = min(count, KEPT_PAGES)
        with self._page_added:
            self._page_added.wait_for(lambda: len(self.pages) >= count, timeout)
            return list(self.pages)

    def feed(self, data: bytes) -> bytes:
        """Process received bytes (status switch at the scheduled byte); returns the reply bytes."""
        with self._lock:
            out = bytearray()
            while data:
                if self._pending:
                    at, new = self._pending
                    split = max(at - self.bytes_received, 0)
                    if split < len(data):
                        head, data = data[:split], data[split:]
                        self.bytes_received += len(head)
                        out += self.interpreter.feed(head)
                        self._pending = None
                        self._apply(new)
                        continue
                self.bytes_received += len(data)
                out += self.interpreter.feed(data)
                data = b""
            return bytes(out)

    # -- transport -----------------------------------------------------------------------
    @property
    def port(self) -> str:
        """pty: the path a serial driver opens (the symlink when one was asked for)."""
        return str(self.link) if self.link else self._slave_name

    def start(self) -> PrinterEmulator:
        if self.running:
            return self
        self._stop.clear()
        if self.kind == "pty":
            master, slave = os.openpty()
            tty.setraw(slave)
            self._fds = [master, slave]  # keep our slave fd open: no EIO when the driver reconnects
            self._slave_name = os.ttyname(slave)
            if self.link:
                with contextlib.suppress(FileNotFoundError):
                    self.link.unlink()
                self.link.symlink_to(self._slave_name)
            self._spawn(self._serve_pty, master)
        else:
            srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            srv.bind((self.host, self.tcp_port))
            srv.listen(4)
            self.tcp_port = srv.getsockname()[1]
            self._sockets = [srv]
            self._spawn(self._serve_tcp, srv)
        self.running = True
        return self

    def _spawn(self, target: object, arg: object) -> None:
        t = threading.Thread(target=target, args=(arg,), name=f"printer-emu-{self.kind}", daemon=True)
        self._threads.append(t)
        t.start()

    def _serve_pty(self, master: int) -> None:
        while not self._stop.is_set():
            if self._status.stalled:  # stop reading: the pty fills and the driver's writes block
                self._stop.wait(0.02)
                continue
            try:
                ready = select.select([master], [], [], 0.05)[0]
                if not ready:
                    continue
                data = os.read(master, 65536)
            except OSError:
                return
            if data:
                reply = self.feed(data)
                if reply:
                    with contextlib.suppress(OSError):
                        os.write(master, reply)

    def _serve_tcp(self, srv: socket.socket) -> None:
        srv.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._sockets.append(conn)
            self._spawn(self._serve_client, conn)

    def _serve_client(self, conn: socket.socket) -> None:
        conn.settimeout(0.05)
        with conn:
            while not self._stop.is_set():
                if self._status.stalled:
                    self._stop.wait(0.02)
                    continue
                try:
                    data = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                reply = self.feed(data)
                if reply:
                    try:
                        conn.sendall(reply)
                    except OSError:
                        return

    def stop(self) -> None:
        """Like pulling the cable: the pty disappears (and its symlink), sockets are reset."""
        self._stop.set()
        for s in self._sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()
        for t in self._threads:
            t.join(timeout=2)
        for fd in self._fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        if self.link and self.kind == "pty":
            with contextlib.suppress(FileNotFoundError):
                self.link.unlink()
        self._threads, self._fds, self._sockets = [], [], []
        self.running = False
        with self._lock:
            rest = self.interpreter.take_strips()
            if rest is not None:
                self._on_page(rest)

    def __enter__(self) -> PrinterEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def demo_printer(out_dir: str | Path, *, width: int = 576, publish: Publish = discard,
                 name: str = "printer") -> tuple[ThermalPrinter, PrinterEmulator]:
    """Demo mode: an emulator on a pty and the real driver connected to it over that pty.

    Returns ``(ThermalPrinter, PrinterEmulator)``; the caller starts the driver's poller and
    stops both at exit. The same driver code as on a kiosk runs, only the far end differs.
    """
    from drivers.printer.thermal import ThermalPrinter
    from drivers.printer.transport import Link

    emu = PrinterEmulator("pty", width=width, out_dir=out_dir).start()
    printer = ThermalPrinter(Link.serial(emu.port), name=name, publish=publish, paper_width=width)
    return printer, emu
