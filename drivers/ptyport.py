"""A pseudo-terminal behind a stable path: where an emulator is the device a real driver opens;
and ``PacedLine``, a serial line at a real baud rate in front of one.

The emulator holds the master end; ``path`` is a symlink to the slave, like the udev name
of a real device (``/dev/kiosk/...``). ``unplug()`` closes both ends and removes the
link, so a driver holding the port reads EIO exactly as when a USB cable is pulled;
``plug()`` opens a fresh pty behind the same path, as re-enumeration does. Not
thread-safe on its own: the emulator serialises these calls with its own lock.
"""

from __future__ import annotations

import contextlib
import os
import select
import tempfile
import threading
import time
import tty


class PtyPort:
    """``path`` given, or ``<a temporary folder>/<name>`` (the folder goes with ``close()``)."""

    def __init__(self, name: str, path: str | None = None) -> None:
        self._dir = None if path else tempfile.mkdtemp(prefix=f"{name}-")
        self.path = path or os.path.join(self._dir or "", name)
        self.master: int | None = None
        """The emulator's end (raw mode); None while unplugged."""
        self._slave: int | None = None

    @property
    def plugged(self) -> bool:
        return self.master is not None

    def plug(self) -> None:
        """A fresh pty behind ``path`` (nothing happens while plugged)."""
        if self.master is not None:
            return
        master, slave = os.openpty()
        tty.setraw(slave)
        tty.setraw(master)
        self.master, self._slave = master, slave
        tmp = self.path + ".new"
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(os.ttyname(slave), tmp)
        os.replace(tmp, self.path)

    def unplug(self) -> None:
        if os.path.lexists(self.path):
            os.unlink(self.path)
        for fd in (self.master, self._slave):
            if fd is not None:
                os.close(fd)
        self.master = self._slave = None

    def close(self) -> None:
        """Unplugged for good: the temporary folder goes too (when nothing else was put in it)."""
        self.unplug()
        if self._dir:
            with contextlib.suppress(OSError):
                os.rmdir(self._dir)


class PacedLine:
    """A serial line at ``baud`` in front of a device on a pty: what a pty alone cannot show.

    A pty moves bytes as fast as the kernel copies them, so a driver tested over one never
    waits for the wire, and a benchmark over one measures no line time at all (or less than
    the line would take). ``PacedLine(device_path, baud)`` opens a second pty behind
    ``path`` and relays both ways at ``baud / 10`` bytes a second (8N1): a byte arrives
    only once its wire time has passed, and when the far end stops reading, the relay stops
    too and the writer's buffer fills, as with a UART and a busy printer. ``close()`` ends it.
    """

    SLICE = 0.01
    """Seconds of line time moved per step."""

    def __init__(self, device_path: str, baud: int, path: str | None = None) -> None:
        if baud <= 0:
            raise ValueError(f"baud must be positive, got {baud}")
        self.baud = baud
        self.front = PtyPort("paced", path)
        self.front.plug()
        self.path = self.front.path
        self._back = os.open(device_path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(self._back)
        self._stop = threading.Event()
        master = self.front.master
        assert master is not None
        os.set_blocking(master, False)
        self._threads = [threading.Thread(target=self._pump, args=(src, dst), daemon=True, name=f"paced-{name}")
                         for src, dst, name in ((master, self._back, "out"), (self._back, master, "in"))]
        for t in self._threads:
            t.start()

    def wire_time(self, nbytes: int) -> float:
        return nbytes * 10 / self.baud

    def _pump(self, src: int, dst: int) -> None:
        step = max(1, int(self.baud / 10 * self.SLICE))
        free_at = time.monotonic()
        while not self._stop.is_set():
            try:
                if not select.select([src], [], [], 0.05)[0]:
                    continue
                data = os.read(src, step)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                return
            if not data:
                return
            free_at = max(free_at, time.monotonic()) + self.wire_time(len(data))
            delay = free_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            view = memoryview(data)
            while view and not self._stop.is_set():
                try:
                    if select.select([], [dst], [], 0.05)[1]:
                        view = view[os.write(dst, view):]
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    return

    def close(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        with contextlib.suppress(OSError):
            os.close(self._back)
        self.front.close()

    def __enter__(self) -> PacedLine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
