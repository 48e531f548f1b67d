"""A dependency-free client of systemd's sd_notify datagram protocol.

Why not a library: the protocol is one datagram of ``KEY=VALUE`` lines to the
AF_UNIX socket named in ``$NOTIFY_SOCKET`` (sd_notify(3)); writing it here keeps
the venv small and lets the app ping the watchdog from its main loop. Outside
systemd (``NOTIFY_SOCKET`` unset) every call is a no-op, so the demo and tests
run unchanged. Under cage the main PID is cage, so ``WATCHDOG_PID`` names
another process: we read ``WATCHDOG_USEC`` directly and leave the PID check to
``NotifyAccess=all`` in the unit.

A unit with ``PAMName=`` loses every datagram: logind moves its processes into the
session's scope, outside the unit's cgroup, where ``NotifyAccess=all`` no longer reaches
(why cage@.service takes its seat from seatd instead). ``$KIOSK_READY_FILE`` names a file
``ready`` also writes (the status text in it), a readiness sign that does not depend on the
cgroup.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from pathlib import Path


class Notifier:
    """Sends READY/WATCHDOG/STATUS/STOPPING to systemd; silent when not under systemd."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        raw = env.get("NOTIFY_SOCKET", "")
        # "@name" is an abstract socket: the kernel wants a leading NUL byte instead.
        self._address: str | bytes | None = None
        if raw.startswith("@"):
            self._address = b"\0" + raw[1:].encode()
        elif raw.startswith("/"):
            self._address = raw
        self._watchdog_usec = _positive_int(env.get("WATCHDOG_USEC", ""))
        ready_file = env.get("KIOSK_READY_FILE", "")
        self._ready_file = Path(ready_file) if ready_file.startswith("/") else None

    @property
    def enabled(self) -> bool:
        """True when a notify socket is configured."""
        return self._address is not None

    @property
    def watchdog_interval_s(self) -> float | None:
        """How often to send WATCHDOG=1: half the unit's WatchdogSec, or None without a watchdog."""
        if self._watchdog_usec is None:
            return None
        return self._watchdog_usec / 2_000_000

    def notify(self, *fields: str) -> bool:
        """Send one datagram of ``KEY=VALUE`` lines; False when disabled or the socket is gone.

        A failed send must never take the kiosk down: systemd will notice the missing
        ping and restart us, which is the right recovery.
        """
        if self._address is None:
            return False
        for f in fields:
            if "=" not in f or "\n" in f:
                raise ValueError(f"not a KEY=VALUE notification field: {f!r}")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto("\n".join(fields).encode(), self._address)
        except OSError:
            return False
        return True

    def ready(self, status: str = "") -> bool:
        """Start-up finished: the attract screen is interactive (datagram and/or ready file)."""
        sent = self.notify("READY=1", *([f"STATUS={_one_line(status)}"] if status else []))
        return self._write_ready_file(_one_line(status)) or sent

    def _write_ready_file(self, status: str) -> bool:
        """Written whole under a temporary name, then renamed: a waiter never sees half a file."""
        if self._ready_file is None:
            return False
        tmp = self._ready_file.with_name(f".{self._ready_file.name}.{os.getpid()}")
        try:
            tmp.write_text(status + "\n", encoding="utf-8")
            os.replace(tmp, self._ready_file)
        except OSError:
            return False
        return True

    def ping(self) -> bool:
        """The main loop is alive (call every ``watchdog_interval_s``)."""
        return self.notify("WATCHDOG=1")

    def status(self, text: str) -> bool:
        """Free text shown by ``systemctl status kiosk``."""
        return self.notify(f"STATUS={_one_line(text)}")

    def stopping(self) -> bool:
        """Clean shutdown has begun; a missing ping after this is not a hang."""
        if self._ready_file is not None:
            self._ready_file.unlink(missing_ok=True)
        return self.notify("STOPPING=1")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _positive_int(raw: str) -> int | None:
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value > 0 else None
