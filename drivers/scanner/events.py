"""Events the scanners publish."""

from __future__ import annotations

from dataclasses import dataclass

from drivers.base import Event
from drivers.scanner.classify import CodeKind, masked


@dataclass(frozen=True, repr=False)
class CodeScanned(Event):
    """One code read by a scanner; ``source`` is "serial", "hid" or "camera".

    ``repr`` masks the text so a logged event never carries a full payment code.
    """

    text: str
    kind: CodeKind
    source: str

    def __repr__(self) -> str:
        return (f"CodeScanned(device={self.device!r}, text={masked(self.text, self.kind)!r}, "
                f"kind={self.kind.value!r}, source={self.source!r})")

    @property
    def masked_text(self) -> str:
        return masked(self.text, self.kind)
