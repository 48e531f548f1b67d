"""Incremental framing of a serial scanner's byte stream into codes (docs/devices-scanner-camera.md).

Scanners end a code with CR, LF or CR LF, some wrap it in STX ... ETX, and some send no
terminator at all so only a silence tells where a code ends. ``LineDecoder`` takes bytes
as they arrive plus the time they arrived and hands back finished codes; it is a pure
state machine (no I/O, no clock of its own) so it is tested byte by byte and under
random streams. It never raises on any byte input: garbage becomes either a ``Dropped``
notice or, when it is terminated like a code, a code that classification calls "other".
The only exception is ``TypeError`` for a non-bytes argument (a programming error).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

STX, ETX, CR, LF = 0x02, 0x03, 0x0D, 0x0A
DEFAULT_MAX_LEN = 4096
"""Longest accepted code in bytes: a QR code holds at most 2953 bytes."""


class Framing(enum.StrEnum):
    AUTO = "auto"          # CR, LF, CRLF, STX..ETX; idle gap until the first terminator is seen
    CR = "cr"
    LF = "lf"
    CRLF = "crlf"
    STX_ETX = "stx_etx"
    IDLE_GAP = "idle_gap"  # the scanner sends no terminator: silence ends a code


class DropReason(enum.StrEnum):
    OVERLONG = "overlong"            # no terminator within max_len bytes; skipped to the next one
    PARTIAL = "partial"              # a started code went silent (terminated framing only)
    OUTSIDE_FRAME = "outside_frame"  # bytes between ETX and STX in stx_etx framing
    RESTARTED = "restarted"          # an STX arrived in the middle of a code


@dataclass(frozen=True)
class Code:
    data: bytes


@dataclass(frozen=True)
class Dropped:
    """Bytes the decoder threw away and why; the driver logs a count, never the bytes."""

    reason: DropReason
    nbytes: int


Item = Code | Dropped


class LineDecoder:
    """``feed(chunk, now)`` and ``poll(now)`` return the codes and drops completed so far.

    ``idle_gap`` (seconds) ends a code in idle-gap framing (and in auto framing until a
    terminator has been seen); ``stale`` drops an unterminated code in terminated framings
    so a half-sent line never becomes a code and never sticks to the next one.
    """

    def __init__(self, framing: Framing | str = Framing.AUTO, *, idle_gap: float = 0.06,
                 stale: float = 1.0, max_len: int = DEFAULT_MAX_LEN) -> None:
        self.framing = Framing(framing)
        self.idle_gap, self.stale, self.max_len = idle_gap, stale, max_len
        self._buf = bytearray()
        self._last = 0.0
        self._discarding = False   # after an overlong run: skip to the next terminator
        self._discarded = 0
        self._in_frame = False     # stx_etx: between STX and ETX
        self._outside = 0          # stx_etx: garbage bytes outside a frame
        self.terminator_seen = self.framing not in (Framing.AUTO, Framing.IDLE_GAP)

    def reset(self) -> None:
        self._buf.clear()
        self._discarding, self._discarded, self._in_frame, self._outside = False, 0, False, 0

    @property
    def pending(self) -> int:
        return len(self._buf)

    def _ends(self, b: int) -> bool:
        f = self.framing
        if f is Framing.CR:
            return b == CR
        if f in (Framing.LF, Framing.CRLF):
            return b == LF
        if f is Framing.STX_ETX:
            return b == ETX
        return b in (CR, LF, ETX)  # auto and idle_gap (a terminator never hurts)

    def _ignored(self, b: int) -> bool:
        """Bytes that are framing noise in this mode, not code content."""
        return b in (CR, LF) or (b == STX and self.framing is not Framing.STX_ETX)

    def _finish(self, out: list[Item]) -> None:
        if self._discarding:
            out.append(Dropped(DropReason.OVERLONG, self._discarded))
            self._discarding, self._discarded = False, 0
        elif self._buf:
            out.append(Code(bytes(self._buf)))
        self._buf.clear()

    def feed(self, chunk: bytes, now: float) -> list[Item]:
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise TypeError(f"LineDecoder.feed takes bytes, not {type(chunk).__name__}")
        out = self.poll(now)
        for b in bytes(chunk):
            self._byte(b, out)
        if chunk:
            self._last = now
        return out

    def _byte(self, b: int, out: list[Item]) -> None:
        f = self.framing
        if f is Framing.STX_ETX:
            if b == STX:
                if self._in_frame and (self._buf or self._discarding):
                    out.append(Dropped(DropReason.RESTARTED, len(self._buf) + self._discarded))
                self._flush_outside(out)
                self._buf.clear()
                self._discarding, self._discarded, self._in_frame = False, 0, True
                return
            if not self._in_frame:
                if b not in (CR, LF):
                    self._outside += 1
                return
            if b == ETX:
                self._in_frame = False
                self._finish(out)
                return
        elif f is Framing.AUTO and b == STX:
            if self._buf or self._discarding:
                out.append(Dropped(DropReason.RESTARTED, len(self._buf) + self._discarded))
            self._buf.clear()
            self._discarding, self._discarded = False, 0
            self.terminator_seen = True
            return
        elif self._ends(b):
            if f is Framing.AUTO:
                self.terminator_seen = True
            self._finish(out)
            return
        if self._ignored(b):
            return
        if self._discarding:
            self._discarded += 1
            return
        self._buf.append(b)
        if len(self._buf) > self.max_len:
            self._discarding, self._discarded = True, len(self._buf)
            self._buf.clear()

    def _flush_outside(self, out: list[Item]) -> None:
        if self._outside:
            out.append(Dropped(DropReason.OUTSIDE_FRAME, self._outside))
            self._outside = 0

    def poll(self, now: float) -> list[Item]:
        """Close whatever silence has closed: call it whenever a read times out."""
        out: list[Item] = []
        if self.framing is Framing.STX_ETX:
            self._flush_outside(out)
        if not self._buf and not self._discarding:
            return out
        quiet = now - self._last
        gap_ends = self.framing is Framing.IDLE_GAP or (self.framing is Framing.AUTO and not self.terminator_seen)
        if gap_ends and quiet >= self.idle_gap:
            self._finish(out)
        elif not gap_ends and quiet >= self.stale:
            if self._discarding:
                out.append(Dropped(DropReason.OVERLONG, self._discarded))
            else:
                out.append(Dropped(DropReason.PARTIAL, len(self._buf)))
            self._buf.clear()
            self._discarding, self._discarded, self._in_frame = False, 0, False
        return out


def decode_text(data: bytes) -> str:
    """Scanner bytes to text: UTF-8 (what CDC scanners send by default), else GB18030, else Latin-1."""
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")
