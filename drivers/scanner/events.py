"""Events the scanners publish, and how a scanned text may be shown without knowing what it is."""

from __future__ import annotations

import re
from dataclasses import dataclass

from drivers.base import Event

LONG_DIGITS_RE = re.compile(r"\d{11,}[Xx]?")
"""A run long enough to be a payment code, an ID number or a phone number."""
LONG_WORD_RE = re.compile(r"[0-9A-Za-z]{12,}")
"""A run long enough to be a token or a key."""
MAX_SHOWN = 80


def _keep_last4(match: re.Match[str]) -> str:
    return "*" * (len(match[0]) - 4) + match[0][-4:]


def redacted(text: str) -> str:
    """Safe for logs and screens whatever the code is: a run of digits or letters long enough
    to be a credential keeps only its last 4 characters, control bytes become "?", long text
    is cut. A scanner cannot tell a payment code from line noise, so it shows neither in full.
    """
    t = LONG_DIGITS_RE.sub(_keep_last4, text.strip())
    t = LONG_WORD_RE.sub(_keep_last4, t)
    t = "".join(ch if ch.isprintable() else "?" for ch in t)
    return t if len(t) <= MAX_SHOWN else t[:MAX_SHOWN - 3] + "..."


@dataclass(frozen=True, repr=False)
class CodeScanned(Event):
    """One code read by a scanner; ``source`` is "serial", "hid" or "camera".

    The driver does not say what the code means (the kiosk does, in
    ``kiosk.services.codes``); ``repr`` and ``masked_text`` never carry it in full.
    """

    text: str
    source: str

    def __repr__(self) -> str:
        return f"CodeScanned(device={self.device!r}, text={self.masked_text!r}, source={self.source!r})"

    @property
    def masked_text(self) -> str:
        return redacted(self.text)

    def describe(self) -> dict[str, str]:
        """What a technician may see of it (``kiosk doctor scanner``)."""
        return {"code": self.masked_text}
