"""What the kiosk asks a thermal printer to print: a small, layout-free document model.

The caller (a journey in kiosk/) fills it with already-masked values; the driver knows
nothing about citizens, only about titles, label/value lines, a QR payload and a footer.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Kind(enum.StrEnum):
    RECEIPT = "receipt"  # 回执 / payment receipt
    TICKET = "ticket"  # 排队号 queue ticket: the headline is the big number
    CERTIFICATE = "certificate"  # 证明 with a verification QR code


@dataclass(frozen=True)
class Line:
    label: str
    value: str = ""


@dataclass(frozen=True)
class Document:
    kind: Kind
    title: str
    lines: tuple[Line, ...] = ()
    headline: str = ""
    """Printed very large under the title (the queue number on a ticket)."""
    qr: str = ""
    """QR payload (a verification URL or code); empty for none."""
    qr_caption: str = ""
    footer: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def build(cls, kind: Kind | str, title: str, lines: list[tuple[str, str]] | None = None, *,
              headline: str = "", qr: str = "", qr_caption: str = "",
              footer: list[str] | str | None = None) -> Document:
        """Convenience constructor from plain lists (what journeys have at hand)."""
        foot = (footer,) if isinstance(footer, str) else tuple(footer or ())
        return cls(Kind(kind), title, tuple(Line(a, b) for a, b in (lines or [])), headline, qr, qr_caption, foot)
