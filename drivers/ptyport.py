"""A pseudo-terminal behind a stable path: where an emulator is the device a real driver opens.

The emulator holds the master end; ``path`` is a symlink to the slave, like the udev name
of a real device (``/dev/kiosk/...``). ``unplug()`` closes both ends and removes the
link, so a driver holding the port reads EIO exactly as when a USB cable is pulled;
``plug()`` opens a fresh pty behind the same path, as re-enumeration does. Not
thread-safe on its own: the emulator serialises these calls with its own lock.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
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
