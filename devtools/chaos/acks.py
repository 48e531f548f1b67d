"""Append-only JSON-lines files the worker writes and the harness reads.

``acks.jsonl`` holds what a citizen was *shown* as done: an application submitted, an
order paid, a slip printed, a reprint code. Each line is written with one ``write()``
on an ``O_APPEND`` descriptor and fsynced before the worker goes on, so a line is
either whole on disk or absent; a torn last line (a kill mid-write) is skipped by the
reader. ``events.jsonl`` (worker start, ready, visit, phase) needs no fsync: a SIGKILL
does not lose what the page cache holds, and it is only used for the report.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ACKS = "acks.jsonl"
EVENTS = "events.jsonl"
NEXT_VISIT = "next_visit"
"""The kind of visit the harness aims its next kill at; the citizen plays it next (and removes the file)."""


def take_next_visit(run_dir: Path) -> str | None:
    """The kind in ``NEXT_VISIT`` (removing it), or None."""
    path = Path(run_dir) / NEXT_VISIT
    try:
        kind = path.read_text().strip()
        path.unlink()
    except OSError:
        return None
    return kind or None


def aim_next_visit(run_dir: Path, kind: str | None) -> None:
    path = Path(run_dir) / NEXT_VISIT
    if kind is None:
        path.unlink(missing_ok=True)
        return
    tmp = path.with_name(NEXT_VISIT + ".tmp")
    tmp.write_text(kind)
    os.replace(tmp, path)


class LineLog:
    """One JSON object per line; ``durable`` fsyncs every line before returning."""

    def __init__(self, path: str | os.PathLike[str], *, durable: bool) -> None:
        self.path = Path(path)
        self.durable = durable
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def write(self, kind: str, **fields: Any) -> None:
        record = {"kind": kind, "t": round(time.time(), 3), "pid": os.getpid(), **fields}
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        os.write(self._fd, line)
        if self.durable:
            os.fsync(self._fd)

    def close(self) -> None:
        os.close(self._fd)


def read_lines(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Every whole record in the file; torn or garbled lines are skipped."""
    p = Path(path)
    if not p.exists():
        return
    with p.open("rb") as fh:
        for raw in fh:
            if not raw.endswith(b"\n"):
                continue  # the writer was killed mid-line
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record


class EventTail:
    """Reads the event file as it grows (complete lines only): how the harness follows a worker."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0
        self._rest = b""

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self.path.open("rb") as fh:
            fh.seek(self.offset)
            data = fh.read()
        self.offset += len(data)
        data = self._rest + data
        lines = data.split(b"\n")
        self._rest = lines.pop()
        out = []
        for raw in lines:
            with contextlib.suppress(ValueError):
                out.append(json.loads(raw))
        return out
