"""An incremental ESC/POS interpreter that turns a byte stream back into paper (Pillow images).

It is the emulator's print head: bytes arrive in arbitrary chunks from a pty or a
socket, every complete command is executed in order, ``DLE EOT n`` is answered through
a callback, and each cut (``GS V``) closes a page. It decodes what python-escpos emits
for images (``GS v 0``, ``GS ( L``, ``ESC *``) and native QR (``GS ( k``), and text as
GB18030 in Chinese (Kanji) mode, which Chinese-market printers start in, or a single-byte
code page after ``FS .`` (docs/devices-printer.md, "Chinese text"). Unknown commands are skipped by their
documented length and counted, never fatal: garbage on the line must not kill a printer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PIL import Image

from drivers.printer.bitimages import QrSymbol, StoredGraphics, column_image, scaled_raster
from drivers.printer.paper import DEFAULT_LINE_SPACING, Paper

log = logging.getLogger(__name__)

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
MAX_IMAGE_BYTES = 4 * 1024 * 1024

# bytes that follow "ESC x" / "GS x" / "FS x" for fixed-length commands
_ESC_FIXED = {0x40: 0, 0x21: 1, 0x2D: 1, 0x45: 1, 0x47: 1, 0x4D: 1, 0x61: 1, 0x74: 1, 0x64: 1, 0x4A: 1,
              0x65: 1, 0x32: 0, 0x33: 1, 0x52: 1, 0x56: 1, 0x7B: 1, 0x63: 2, 0x70: 3, 0x42: 2, 0x53: 0,
              0x4C: 0, 0x24: 2, 0x5C: 2, 0x20: 1, 0x25: 1, 0x3D: 1, 0x69: 0, 0x6D: 0, 0x72: 1, 0x55: 1,
              0x54: 1, 0x57: 8, 0x3F: 1, 0x3C: 0, 0x4B: 0}
_GS_FIXED = {0x21: 1, 0x42: 1, 0x48: 1, 0x68: 1, 0x77: 1, 0x66: 1, 0x72: 1, 0x61: 1, 0x49: 1, 0x62: 1,
             0x45: 1, 0x4C: 2, 0x57: 2, 0x50: 2, 0x24: 2, 0x5C: 2, 0x2F: 1, 0x3A: 0, 0x54: 1, 0x7C: 1}
_FS_FIXED = {0x26: 0, 0x2E: 0, 0x21: 1, 0x2D: 1, 0x43: 1, 0x53: 2, 0x57: 1, 0x70: 2}


class Interpreter:
    """Feed it bytes; pages go to ``on_page`` at each cut, and replies come back from ``feed``.

    ``on_status(n)`` returns the reply byte(s) for ``DLE EOT n`` or None to stay silent.
    ``can_print()`` False (paper out, cover open) makes printed content vanish like on
    a real printer that went offline. The interpreter finds where each command ends and
    what it means; ``paper`` (text modes, line, strips) and the image decoders do the rest.
    """

    def __init__(self, width: int = 576, *, on_status: Callable[[int], bytes | None] | None = None,
                 on_page: Callable[[Image.Image], None] | None = None,
                 can_print: Callable[[], bool] | None = None) -> None:
        self.width = width
        self.on_status = on_status or (lambda n: b"\x12")
        self.paper = Paper(width, on_page or (lambda img: None), can_print or (lambda: True))
        self._buf = bytearray()
        self.unknown = 0
        self.status_requests = 0
        self._graphics = StoredGraphics()
        self._qr = QrSymbol()

    @property
    def text_log(self) -> list[str]:
        """Every text line printed, decoded (tests and the doctor read it)."""
        return self.paper.text_log

    def take_strips(self) -> Image.Image | None:
        """Everything printed since the last cut as one image (None if nothing)."""
        return self.paper.take_strips()

    def cut(self) -> None:
        self.paper.cut()

    # -- stream ------------------------------------------------------------------------
    def feed(self, data: bytes) -> bytes:
        """Consume bytes; returns what the printer answers (DLE EOT replies)."""
        self._buf += data
        replies = bytearray()
        pos = 0
        buf = self._buf
        while pos < len(buf):
            used, reply = self._step(buf, pos)
            if used == 0:
                break
            pos += used
            if reply:
                replies += reply
        del self._buf[:pos]
        return bytes(replies)

    def _step(self, b: bytearray, i: int) -> tuple[int, bytes | None]:
        c = b[i]
        n = len(b) - i
        if c == ESC:
            return self._esc(b, i, n), None
        if c == GS:
            return self._gs(b, i, n), None
        if c == FS:
            return self._fs(b, i, n), None
        if c == DLE:
            if n < 3:
                return 0, None
            if b[i + 1] == 0x04:
                self.status_requests += 1
                return 3, self.on_status(b[i + 2])
            if b[i + 1] == 0x14:
                return (5, None) if n >= 5 else (0, None)
            return (3, None) if b[i + 1] == 0x05 else (1, None)
        paper = self.paper
        if c == 0x0A or c == 0x0C:
            paper.print_line()
            return 1, None
        if c == 0x09:
            paper.line += b"    "
            return 1, None
        if c == 0x18:
            paper.line.clear()
            return 1, None
        if c < 0x20 or c == 0x7F:
            return 1, None
        # plain text: take the run up to the next control byte
        j = i
        while j < len(b) and b[j] >= 0x20 and b[j] != 0x7F:
            j += 1
        paper.line += b[i:j]
        return j - i, None

    def _fixed(self, table: dict[int, int], b: bytearray, i: int, n: int) -> int | None:
        """Length of a fixed-length command (0: not all here yet); None for one the table lacks."""
        k = table.get(b[i + 1])
        if k is None:
            self.unknown += 1
            return None
        return 0 if n < 2 + k else 2 + k

    # -- FS ----------------------------------------------------------------------------
    def _fs(self, b: bytearray, i: int, n: int) -> int:
        if n < 2:
            return 0
        used = self._fixed(_FS_FIXED, b, i, n)
        if used is None:
            return 2
        if used and b[i + 1] in (0x26, 0x2E):  # FS & / FS .: Chinese (Kanji) mode on / off
            self.paper.kanji = b[i + 1] == 0x26
        return used

    # -- ESC ---------------------------------------------------------------------------
    def _esc(self, b: bytearray, i: int, n: int) -> int:
        if n < 2:
            return 0
        cmd = b[i + 1]
        if cmd == 0x2A:  # ESC * m nL nH d...: column bit image
            if n < 5:
                return 0
            m, cols = b[i + 2], b[i + 3] | b[i + 4] << 8
            per_col = 3 if m in (32, 33) else 1
            total = 5 + cols * per_col
            if n < total:
                return 0
            self.paper.column_image(column_image(bytes(b[i + 5:i + total]), cols, per_col))
            return total
        if cmd == 0x44:  # ESC D tab stops, NUL terminated
            end = b.find(0, i + 2)
            return 0 if end < 0 else end - i + 1
        used = self._fixed(_ESC_FIXED, b, i, n)
        if used is None:
            return 2
        if used:
            self._esc_mode(cmd, b[i + 2] if used > 2 else 0)
        return used

    def _esc_mode(self, cmd: int, arg: int) -> None:
        paper = self.paper
        if cmd == 0x40:
            paper.reset()
        elif cmd == 0x61:
            paper.align = arg % 48 if arg >= 48 else min(arg, 2)
        elif cmd == 0x21:
            paper.scale = (2 if arg & 0x20 else 1, 2 if arg & 0x10 else 1)
        elif cmd == 0x74:
            paper.codepage = arg
        elif cmd == 0x64:
            paper.print_line()
            paper.feed(max(arg - 1, 0) * paper.line_spacing)
        elif cmd == 0x4A:
            paper.print_line(feed_only=True)
            paper.feed(arg)
        elif cmd == 0x32:
            paper.line_spacing = DEFAULT_LINE_SPACING
        elif cmd == 0x33:
            paper.line_spacing = arg

    # -- GS ----------------------------------------------------------------------------
    def _gs(self, b: bytearray, i: int, n: int) -> int:
        if n < 2:
            return 0
        cmd = b[i + 1]
        if cmd == 0x76:  # GS v 0 m xL xH yL yH d...
            return self._gs_raster(b, i, n)
        if cmd in (0x28, 0x38):  # GS ( X pL pH ... / GS 8 L p1..p4 ...
            return self._gs_function(b, i, n)
        if cmd == 0x56:  # GS V m [n]: cut
            if n < 3:
                return 0
            m = b[i + 2]
            extra = 1 if m in (65, 66, 97, 98, 103, 104) else 0
            if n < 3 + extra:
                return 0
            if extra and m in (65, 66):
                self.paper.feed(b[i + 3])
            self.paper.cut()
            return 3 + extra
        if cmd == 0x6B:  # GS k m ...: barcode
            return self._gs_barcode(b, i, n)
        used = self._fixed(_GS_FIXED, b, i, n)
        if used is None:
            return 2
        if used and cmd == 0x21:
            arg = b[i + 2]
            self.paper.scale = ((arg >> 4 & 7) + 1, (arg & 7) + 1)
        return used

    def _gs_raster(self, b: bytearray, i: int, n: int) -> int:
        if n < 8:
            return 0
        xb, y = b[i + 4] | b[i + 5] << 8, b[i + 6] | b[i + 7] << 8
        total = 8 + xb * y
        if xb * y > MAX_IMAGE_BYTES:
            self.unknown += 1
            return 8
        if n < total:
            return 0
        self.paper.strip(scaled_raster(b[i + 3], bytes(b[i + 8:i + total]), xb * 8, y))
        return total

    def _gs_function(self, b: bytearray, i: int, n: int) -> int:
        if n < 5:
            return 0
        if b[i + 1] == 0x28:
            fn_letter, size, head = b[i + 2], b[i + 3] | b[i + 4] << 8, 5
        else:
            if n < 7:
                return 0
            fn_letter, head = b[i + 2], 7
            size = b[i + 3] | b[i + 4] << 8 | b[i + 5] << 16 | b[i + 6] << 24
        if size > MAX_IMAGE_BYTES:
            self.unknown += 1
            return head
        if n < head + size:
            return 0
        body = bytes(b[i + head:i + head + size])
        decoder = {0x4C: self._graphics, 0x6B: self._qr}.get(fn_letter)
        img = decoder.command(body) if decoder is not None else None
        if img is not None:
            self.paper.strip(img)
        return head + size

    def _gs_barcode(self, b: bytearray, i: int, n: int) -> int:
        """``GS k``: a barcode, drawn as its text between bars."""
        if n < 3:
            return 0
        m = b[i + 2]
        if m <= 6:
            end = b.find(0, i + 3)
            if end < 0:
                return 0
            data, used = bytes(b[i + 3:end]), end - i + 1
        else:
            if n < 4 or n < 4 + b[i + 3]:
                return 0
            data, used = bytes(b[i + 4:i + 4 + b[i + 3]]), 4 + b[i + 3]
        self.paper.print_line()
        self.paper.line += b"|| " + data + b" ||"
        self.paper.print_line()
        return used
