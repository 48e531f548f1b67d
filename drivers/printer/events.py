"""Events the printers publish besides ``DeviceStatusChanged``."""

from __future__ import annotations

from dataclasses import dataclass

from drivers.base import Event


@dataclass(frozen=True)
class PrintJobFinished(Event):
    """A job ended. ``ok`` False means the paper may hold nothing usable: keep the job reprintable.

    ``reason`` is a ``drivers.printer.realtime.Reason`` value (``ready`` on success, e.g.
    ``paper_out`` when the roll ran out during the job) or an A4 job state.
    """

    job_id: str
    ok: bool
    reason: str
