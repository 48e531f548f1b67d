"""Typed printer errors: callers branch on the class and the ``reason`` code, never on text."""

from __future__ import annotations


class PrinterError(Exception):
    """Base of every printer failure; ``reason`` is a short machine code."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


class PrinterNotReady(PrinterError):
    """A job was refused before anything was sent (paper out, cover open, offline, fault)."""


class PrintJobFailed(PrinterError):
    """Bytes were sent but the job did not complete (e.g. paper ran out mid-job): reprint it."""

    def __init__(self, reason: str, message: str, job_id: str) -> None:
        super().__init__(reason, message)
        self.job_id = job_id


class DocumentError(PrinterError):
    """The document cannot be laid out (QR text too long for the paper, empty document)."""


class A4Error(PrinterError):
    """Base of A4 (CUPS) failures."""


class CupsUnavailable(A4Error):
    """The CUPS client tools are missing or the scheduler does not answer."""


class QueueNotFound(A4Error):
    """The configured CUPS queue does not exist (or there is no default destination)."""


class A4JobError(A4Error):
    """CUPS refused or lost a job, or the file is not a PDF."""
