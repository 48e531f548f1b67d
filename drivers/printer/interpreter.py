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

import numpy as np
import qrcode
import qrcode.constants
from PIL import Image, ImageDraw

from drivers.printer.raster import font

log = logging.getLogger(__name__)

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
CODEPAGES = {0: "cp437", 2: "cp850", 3: "cp860", 16: "cp1252", 17: "cp866", 19: "cp858"}
BASE_DOTS = 24  # font A cell height (12x24 ASCII, 24x24 CJK)
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
    """Feed it bytes; read ``pages`` (closed by a cut) and get replies to send back.

    ``on_status(n)`` returns the reply byte(s) for ``DLE EOT n`` or None to stay silent.
    ``can_print()`` False (paper out, cover open) makes printed content vanish like on
    a real printer that went offline.
    """

    def __init__(self, width: int = 576, *, on_status: Callable[[int], bytes | None] | None = None,
                 on_page: Callable[[Image.Image], None] | None = None,
                 can_print: Callable[[], bool] | None = None) -> None:
        self.width = width
        self.on_status = on_status or (lambda n: b"\x12")
        self.on_page = on_page or (lambda img: None)
        self.can_print = can_print or (lambda: True)
        self._buf = bytearray()
        self.strips: list[Image.Image] = []
        self.text_log: list[str] = []
        """Every text line printed, decoded (tests and the doctor read it)."""
        self.unknown = 0
        self.status_requests = 0
        self._graphics: Image.Image | None = None
        self._qr = {"size": 3, "ec": qrcode.constants.ERROR_CORRECT_L, "data": b""}
        self.reset()

    def reset(self) -> None:
        """ESC @: modes back to power-on defaults (the line buffer is dropped too)."""
        self.line = bytearray()
        self.kanji = True
        self.codepage = 0
        self.align = 0
        self.scale = (1, 1)
        self.line_spacing = 30
        self._line_had_graphics = False

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
            if n < 2:
                return 0, None
            k = _FS_FIXED.get(b[i + 1])
            if k is None:
                self.unknown += 1
                return 2, None
            if n < 2 + k:
                return 0, None
            if b[i + 1] == 0x26:
                self.kanji = True
            elif b[i + 1] == 0x2E:
                self.kanji = False
            return 2 + k, None
        if c == DLE:
            if n < 3:
                return 0, None
            if b[i + 1] == 0x04:
                self.status_requests += 1
                return 3, self.on_status(b[i + 2])
            if b[i + 1] == 0x14:
                return (5, None) if n >= 5 else (0, None)
            return (3, None) if b[i + 1] == 0x05 else (1, None)
        if c == 0x0A or c == 0x0C:
            self._print_line()
            return 1, None
        if c == 0x09:
            self.line += b"    "
            return 1, None
        if c == 0x18:
            self.line.clear()
            return 1, None
        if c < 0x20 or c == 0x7F:
            return 1, None
        # plain text: take the run up to the next control byte
        j = i
        while j < len(b) and b[j] >= 0x20 and b[j] != 0x7F:
            j += 1
        self.line += b[i:j]
        return j - i, None

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
            self._column_image(bytes(b[i + 5:i + total]), cols, per_col)
            return total
        if cmd == 0x44:  # ESC D tab stops, NUL terminated
            end = b.find(0, i + 2)
            return 0 if end < 0 else end - i + 1
        k = _ESC_FIXED.get(cmd)
        if k is None:
            self.unknown += 1
            return 2
        if n < 2 + k:
            return 0
        arg = b[i + 2] if k else 0
        if cmd == 0x40:
            self.line.clear()
            self.reset()
        elif cmd == 0x61:
            self.align = arg % 48 if arg >= 48 else min(arg, 2)
        elif cmd == 0x21:
            self.scale = (2 if arg & 0x20 else 1, 2 if arg & 0x10 else 1)
        elif cmd == 0x74:
            self.codepage = arg
        elif cmd == 0x64:
            self._print_line()
            self._feed(max(arg - 1, 0) * self.line_spacing)
        elif cmd == 0x4A:
            self._print_line(feed_only=True)
            self._feed(arg)
        elif cmd == 0x32:
            self.line_spacing = 30
        elif cmd == 0x33:
            self.line_spacing = arg
        return 2 + k

    # -- GS ----------------------------------------------------------------------------
    def _gs(self, b: bytearray, i: int, n: int) -> int:
        if n < 2:
            return 0
        cmd = b[i + 1]
        if cmd == 0x76:  # GS v 0 m xL xH yL yH d...
            if n < 8:
                return 0
            m = b[i + 3]
            xb, y = b[i + 4] | b[i + 5] << 8, b[i + 6] | b[i + 7] << 8
            total = 8 + xb * y
            if xb * y > MAX_IMAGE_BYTES:
                self.unknown += 1
                return 8
            if n < total:
                return 0
            img = _raster(bytes(b[i + 8:i + total]), xb * 8, y)
            if m & 1:
                img = img.resize((img.width * 2, img.height))
            if m & 2:
                img = img.resize((img.width, img.height * 2))
            self._strip(img)
            return total
        if cmd in (0x28, 0x38):  # GS ( X pL pH ... / GS 8 L p1..p4 ...
            if n < 5:
                return 0
            if cmd == 0x28:
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
            if fn_letter == 0x4C:
                self._graphics_cmd(body)
            elif fn_letter == 0x6B:
                self._qr_cmd(body)
            return head + size
        if cmd == 0x56:  # GS V m [n]: cut
            if n < 3:
                return 0
            m = b[i + 2]
            extra = 1 if m in (65, 66, 97, 98, 103, 104) else 0
            if n < 3 + extra:
                return 0
            if extra and m in (65, 66):
                self._feed(b[i + 3])
            self.cut()
            return 3 + extra
        if cmd == 0x6B:  # GS k m ...: barcode (drawn as its text)
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
            self._print_line()
            self.line += b"|| " + data + b" ||"
            self._print_line()
            return used
        k = _GS_FIXED.get(cmd)
        if k is None:
            self.unknown += 1
            return 2
        if n < 2 + k:
            return 0
        if cmd == 0x21:
            arg = b[i + 2]
            self.scale = ((arg >> 4 & 7) + 1, (arg & 7) + 1)
        return 2 + k

    def _graphics_cmd(self, body: bytes) -> None:
        if len(body) < 2:
            return
        fn = body[1]
        if fn in (0x70, 0x71) and len(body) >= 10:  # store raster graphics: a bx by c xL xH yL yH d...
            bx, by = body[3], body[4]
            x, y = body[6] | body[7] << 8, body[8] | body[9] << 8
            row = (x + 7) // 8
            data = body[10:10 + row * y]
            if len(data) == row * y and x and y:
                img = _raster(data, row * 8, y).crop((0, 0, x, y))
                self._graphics = img.resize((x * bx, y * by)) if bx > 1 or by > 1 else img
        elif fn in (0x32, 50) and self._graphics is not None:
            self._strip(self._graphics)

    def _qr_cmd(self, body: bytes) -> None:
        if len(body) < 3 or body[0] != 49:  # cn 49 = QR code
            return
        fn = body[1]
        if fn == 67:
            self._qr["size"] = max(1, min(body[2], 16))
        elif fn == 69:
            levels = [qrcode.constants.ERROR_CORRECT_L, qrcode.constants.ERROR_CORRECT_M,
                      qrcode.constants.ERROR_CORRECT_Q, qrcode.constants.ERROR_CORRECT_H]
            self._qr["ec"] = levels[(body[2] - 48) % 4]
        elif fn == 80:
            self._qr["data"] = body[3:]
        elif fn == 81 and self._qr["data"]:
            q = qrcode.QRCode(error_correction=self._qr["ec"], border=2)
            q.add_data(self._qr["data"])
            try:
                q.make(fit=True)
            except ValueError:
                return
            m = np.array(q.get_matrix(), dtype=bool)
            box = int(self._qr["size"])
            pix = np.where(m, 0, 255).astype(np.uint8).repeat(box, 0).repeat(box, 1)
            self._strip(Image.fromarray(pix, "L"))

    # -- paper -------------------------------------------------------------------------
    def _decode(self, raw: bytes) -> str:
        if self.kanji:
            return raw.decode("gb18030", errors="replace")
        return raw.decode(CODEPAGES.get(self.codepage, "cp437"), errors="replace")

    def _print_line(self, feed_only: bool = False) -> None:
        if not self.line:
            if not feed_only and not self._line_had_graphics:
                self._feed(self.line_spacing)
            self._line_had_graphics = False
            return
        text = self._decode(bytes(self.line))
        self.line.clear()
        self._line_had_graphics = False
        self.text_log.append(text)
        sw, sh = self.scale
        size = BASE_DOTS * sh
        fnt = font(size)
        text_w = int(fnt.getlength(text)) + 1
        img = Image.new("L", (max(text_w, 1), max(self.line_spacing, size + 6)), 255)
        ImageDraw.Draw(img).text((0, 2), text, font=fnt, fill=0)
        if sw > 1:
            img = img.resize((img.width * sw // sh if sh else img.width, img.height))
        self._strip(img, as_text=True)

    def _column_image(self, data: bytes, cols: int, per_col: int) -> None:
        bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8).reshape(cols, per_col), axis=1)
        pix = np.where(bits.T.astype(bool), 0, 255).astype(np.uint8)
        self._strip(Image.fromarray(pix, "L"))
        self._line_had_graphics = True

    def _feed(self, dots: int) -> None:
        if dots > 0 and self.can_print():
            self.strips.append(Image.new("L", (self.width, dots), 255))

    def _strip(self, img: Image.Image, as_text: bool = False) -> None:
        if not self.can_print():
            return
        img = img.convert("L")
        if img.width > self.width:
            img = img.crop((0, 0, self.width, img.height))
        strip = Image.new("L", (self.width, img.height), 255)
        x = {0: 0, 1: (self.width - img.width) // 2, 2: self.width - img.width}.get(self.align, 0)
        strip.paste(img, (x, 0))
        self.strips.append(strip)

    def take_strips(self) -> Image.Image | None:
        """Everything printed since the last cut as one image (None if nothing)."""
        if not self.strips:
            return None
        height = sum(s.height for s in self.strips)
        page = Image.new("L", (self.width, height), 255)
        y = 0
        for s in self.strips:
            page.paste(s, (0, y))
            y += s.height
        self.strips.clear()
        return page.convert("1", dither=Image.Dither.NONE)

    def cut(self) -> None:
        if self.line:
            self._print_line()
        page = self.take_strips()
        if page is not None:
            self.on_page(page)


def _raster(data: bytes, width: int, height: int) -> Image.Image:
    """ESC/POS raster bits (1 = black, MSB first) to an "L" image."""
    inverted = bytes(data).translate(_INVERT)
    return Image.frombytes("1", (width, height), inverted).convert("L")


_INVERT = bytes(255 - i for i in range(256))
