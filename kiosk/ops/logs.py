"""Logging set up for where the kiosk runs: journald under systemd, a terminal elsewhere.

Under systemd a technician filters with ``journalctl -u kiosk -p warning``, which only
works when every entry carries the record's priority. Plain lines on stderr all land at
the unit's default priority (info), so when stderr is the journal (``$JOURNAL_STREAM``
names our stderr, systemd.exec(5)) records go to journald's native socket with their
PRIORITY and structured fields; should that socket refuse a record, the line is written
to stderr with a ``<N>`` prefix instead, which journald also reads as the priority
(SyslogLevelPrefix=yes is the default). The native protocol is one datagram of
``KEY=VALUE`` fields (systemd's "Native Journal Protocol"), written here for the same
reason as kiosk/ops/watchdog.py: python-systemd needs a compiler and libsystemd headers
on every kiosk for twenty lines of socket code.

Structured fields carry no personal data: the message is scrubbed (kiosk.privacy), and
only fields a developer named ``kiosk_*`` in ``extra=`` (event names, device names,
counts) are sent besides the logger, thread and code location. ``record.args`` is never
sent on its own (python-systemd's handler would put it in CODE_ARGS, unmasked).
"""

from __future__ import annotations

import logging
import os
import socket
import struct
import sys
from collections.abc import Mapping
from typing import TextIO

from kiosk.privacy import install_log_masking, scrub

JOURNAL_SOCKET = "/run/systemd/journal/socket"
MAX_DATAGRAM = 200_000
"""journald takes larger entries only through a memfd; a kiosk log record is never that big."""
TERMINAL_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def syslog_priority(levelno: int) -> int:
    """Python level -> syslog priority (3 err, 4 warning, 6 info, 7 debug), what ``journalctl -p`` filters on."""
    if levelno >= logging.CRITICAL:
        return 2
    if levelno >= logging.ERROR:
        return 3
    if levelno >= logging.WARNING:
        return 4
    if levelno >= logging.INFO:
        return 6
    return 7


def stderr_is_journal(env: Mapping[str, str] | None = None, fd: int = 2) -> bool:
    """True when ``$JOURNAL_STREAM`` ("device:inode") is the file on ``fd``: systemd connected it to journald.

    Comparing the inode matters: a child process started from a unit inherits the
    variable even when its stderr was redirected elsewhere.
    """
    raw = (os.environ if env is None else env).get("JOURNAL_STREAM", "")
    dev, _, ino = raw.partition(":")
    if not (dev.isdigit() and ino.isdigit()):
        return False
    try:
        st = os.fstat(fd)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == (int(dev), int(ino))


class PriorityPrefixFormatter(logging.Formatter):
    """``<4>kiosk.devices.manager: message`` on every line, so a traceback's lines keep the priority too."""

    def __init__(self) -> None:
        super().__init__("%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{syslog_priority(record.levelno)}>"
        return "\n".join(prefix + line for line in super().format(record).splitlines() or [""])


def journal_fields(record: logging.LogRecord, message: str, identifier: str) -> dict[str, str]:
    """The entry's fields: priority, identity, code location and the record's ``kiosk_*`` extras."""
    fields = {
        "MESSAGE": message,
        "PRIORITY": str(syslog_priority(record.levelno)),
        "SYSLOG_IDENTIFIER": identifier,
        "LOGGER": record.name,
        "THREAD_NAME": record.threadName or "",
        "CODE_FILE": record.pathname,
        "CODE_LINE": str(record.lineno),
        "CODE_FUNC": record.funcName,
    }
    for key, value in record.__dict__.items():
        if key.startswith("kiosk_") and key[6:].replace("_", "").isalnum():
            fields[key.upper()] = scrub(str(value))
    return fields


def encode(fields: Mapping[str, str]) -> bytes:
    """One native-protocol datagram; a value with a newline goes as name, 64-bit length, bytes."""
    out = bytearray()
    for key, value in fields.items():
        data = value.encode("utf-8", "replace")
        if b"\n" in data:
            out += key.encode() + b"\n" + struct.pack("<Q", len(data)) + data + b"\n"
        else:
            out += key.encode() + b"=" + data + b"\n"
    return bytes(out)


class JournalHandler(logging.Handler):
    """Sends each record to journald's native socket; falls back to a ``<N>`` line on ``fallback``."""

    def __init__(self, identifier: str = "kiosk", socket_path: str = JOURNAL_SOCKET,
                 fallback: TextIO | None = None) -> None:
        super().__init__()
        self.identifier = identifier
        self.socket_path = socket_path
        self.fallback = logging.StreamHandler(fallback or sys.stderr)
        self.fallback.setFormatter(PriorityPrefixFormatter())
        self.setFormatter(logging.Formatter("%(message)s"))
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = scrub(self.format(record))
            data = encode(journal_fields(record, message, self.identifier))
            if len(data) > MAX_DATAGRAM:
                data = encode(journal_fields(record, message[:MAX_DATAGRAM // 2] + " [cut]", self.identifier))
            self._sock.sendto(data, self.socket_path)
        except OSError:
            self.fallback.handle(record)
        except Exception:
            self.handleError(record)

    def close(self) -> None:
        self._sock.close()
        super().close()


def setup_logging(level: int = logging.INFO, *, identifier: str = "kiosk", env: Mapping[str, str] | None = None,
                  socket_path: str = JOURNAL_SOCKET) -> logging.Handler:
    """Replace the root logger's handlers with the journal's or a terminal's; masking on either."""
    if stderr_is_journal(env):
        handler: logging.Handler = JournalHandler(identifier, socket_path)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(TERMINAL_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    install_log_masking(root)
    return handler
