"""The emulator's decoding of ESC/POS images back into Pillow images.

The raster formats python-escpos emits (``GS v 0`` raster, ``ESC *`` column images and
``GS ( L`` stored graphics) and the printer-drawn QR code (``GS ( k``). Each function or
object takes a command's payload and returns the image it puts on paper, so the
interpreter only has to find where a command ends.
"""

from __future__ import annotations

import qrcode
import qrcode.constants
from PIL import Image, ImageOps

from drivers.printer.raster import module_image

QR_LEVELS = (qrcode.constants.ERROR_CORRECT_L, qrcode.constants.ERROR_CORRECT_M,
             qrcode.constants.ERROR_CORRECT_Q, qrcode.constants.ERROR_CORRECT_H)
_INVERT = bytes(255 - i for i in range(256))


def raster(data: bytes, width: int, height: int) -> Image.Image:
    """ESC/POS raster bits (1 = black, MSB first) to an "L" image."""
    inverted = bytes(data).translate(_INVERT)
    return Image.frombytes("1", (width, height), inverted).convert("L")


def scaled_raster(mode: int, data: bytes, width: int, height: int) -> Image.Image:
    """``GS v 0 m``: raster bits, doubled in width (``m`` bit 0) and in height (bit 1)."""
    img = raster(data, width, height)
    if mode & 1:
        img = img.resize((img.width * 2, img.height))
    if mode & 2:
        img = img.resize((img.width, img.height * 2))
    return img


def column_image(data: bytes, cols: int, per_col: int) -> Image.Image:
    """``ESC *``: ``cols`` columns of ``per_col`` bytes, each byte 8 dots top to bottom."""
    lines = Image.frombytes("1", (per_col * 8, cols), bytes(data[:cols * per_col]))  # one column a row, MSB on top
    return ImageOps.invert(lines.transpose(Image.Transpose.TRANSPOSE).convert("L"))  # a set bit is a black dot


class StoredGraphics:
    """``GS ( L``: raster graphics stored in the printer, printed by a later function call."""

    def __init__(self) -> None:
        self.image: Image.Image | None = None

    def command(self, body: bytes) -> Image.Image | None:
        """Handle one ``GS ( L`` payload; the image to print now, if it says "print"."""
        if len(body) < 2:
            return None
        fn = body[1]
        if fn in (0x70, 0x71) and len(body) >= 10:  # store raster graphics: a bx by c xL xH yL yH d...
            bx, by = body[3], body[4]
            x, y = body[6] | body[7] << 8, body[8] | body[9] << 8
            row = (x + 7) // 8
            data = body[10:10 + row * y]
            if len(data) == row * y and x and y:
                img = raster(data, row * 8, y).crop((0, 0, x, y))
                self.image = img.resize((x * bx, y * by)) if bx > 1 or by > 1 else img
        elif fn == 0x32:
            return self.image
        return None


class QrSymbol:
    """``GS ( k`` for QR codes: module size, error correction and data are set, then printed."""

    def __init__(self) -> None:
        self.size = 3
        self.level = qrcode.constants.ERROR_CORRECT_L
        self.data = b""

    def command(self, body: bytes) -> Image.Image | None:
        """Handle one ``GS ( k`` payload; the symbol to print now, if it says "print"."""
        if len(body) < 3 or body[0] != 49:  # cn 49 = QR code
            return None
        fn = body[1]
        if fn == 67:
            self.size = max(1, min(body[2], 16))
        elif fn == 69:
            self.level = QR_LEVELS[(body[2] - 48) % 4]
        elif fn == 80:
            self.data = body[3:]
        elif fn == 81 and self.data:
            q = qrcode.QRCode(error_correction=self.level, border=2)
            q.add_data(self.data)
            try:
                q.make(fit=True)
            except ValueError:
                return None
            return module_image(q.get_matrix(), self.size)
        return None
