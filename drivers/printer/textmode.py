"""Documents as ESC/POS text in the printer's own Chinese font: a slip of 1-3 KB instead of 60-120 KB.

A raster slip (``raster.py``) sends every dot of every character: 72 bytes per dot row on
80 mm paper, 5-11 s at 115200 baud. A Chinese-market printer carries a GB18030 font, so
the same slip goes out as ``FS &`` (Chinese mode on) and the text encoded as GB18030:
two bytes per Chinese character, well under a second on the same line. Only what has no
characters is still sent as dots: the QR code, drawn by the printer itself from
``GS ( k`` when it has that command (``qr="native"``), else as a raster image sent at
half resolution and printed double size (``GS v 0`` mode 3), a quarter of the bytes.

Layout is in character cells of the printer's font A: 12x24 dots for a single-byte
character, 24x24 for a Chinese one, so a line holds ``width // 12`` cells (48 on 80 mm
paper, 32 on 58 mm). ``GS !`` scales both; the title prints double size, the queue
number on a ticket four or five times. The emulator (``interpreter.py``) reads it all
back: text decoded from GB18030, the QR drawn from ``GS ( k``.
"""

from __future__ import annotations

import copy
from typing import Literal

from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy
from PIL import Image

from drivers.printer.document import Document, Kind
from drivers.printer.errors import DocumentError
from drivers.printer.raster import MIN_QR_MODULE, PAPER_WIDTHS, qr_image, qr_matrix, wrap

QrMode = Literal["native", "raster"]

ESC, GS, FS = b"\x1b", b"\x1d", b"\x1c"
CHINESE_ON = FS + b"&"
"""``FS &``: Chinese (Kanji) character mode; GB18030 double bytes print as one character."""
CELL_DOTS = 12
"""Width of one single-byte character of font A; a Chinese character takes two cells."""
MAX_QR_MODULE = 16
"""``GS ( k`` function 167 accepts module sizes 1..16 dots."""

_SUBSTITUTES = str.maketrans({"¥": "￥", "\u00a0": " "})
"""Characters with a two-byte GBK twin: ``¥`` (U+00A5) is a four-byte GB18030 sequence that
printers with a GBK-only font print as garbage; the full-width ``￥`` is in every font."""


def cells(text: str) -> int:
    """Printed width in font A cells: 1 for ASCII, 2 for everything else (Chinese, full width)."""
    return sum(1 if ord(ch) < 0x80 else 2 for ch in text)


class _Cells:
    """What ``raster.wrap`` needs of a font (``getlength``), measuring in character cells."""

    def __init__(self, scale: int = 1) -> None:
        self.scale = scale

    def getlength(self, text: str) -> float:
        return cells(text) * self.scale


def gb18030(text: str) -> bytes:
    """Text as the printer's Chinese mode reads it; anything GB18030 cannot hold is refused."""
    try:
        return text.translate(_SUBSTITUTES).encode("gb18030")
    except UnicodeEncodeError as exc:  # only lone surrogates fail: GB18030 covers all of Unicode
        raise DocumentError("bad_text", f"text cannot be printed: {exc.reason}") from None


def _size(scale: int) -> bytes:
    """``GS ! n``: the same factor (1..8) in width and height."""
    return GS + b"!" + bytes(((scale - 1) << 4 | (scale - 1),))


def _align(where: int) -> bytes:
    return ESC + b"a" + bytes((where,))


def _bold(on: bool) -> bytes:
    return ESC + b"E" + (b"\x01" if on else b"\x00")


class TextEncoder:
    """Lays a ``Document`` out in character cells for one paper width and returns the job's bytes."""

    def __init__(self, width: int = 576, qr: QrMode = "native") -> None:
        if width not in PAPER_WIDTHS:
            raise DocumentError("bad_width", f"paper width must be one of {PAPER_WIDTHS} dots, got {width}")
        if qr not in ("native", "raster"):
            raise ValueError(f"qr must be 'native' or 'raster', got {qr!r}")
        self.width = width
        self.qr = qr
        self.columns = width // CELL_DOTS
        self.headline_scale = 5 if width == 576 else 4

    def encode(self, doc: Document) -> bytes:
        """ESC @, Chinese mode, the document, feed and full cut."""
        if not (doc.title or doc.lines or doc.qr or doc.headline):
            raise DocumentError("empty_document", "nothing to print")
        out = bytearray(ESC + b"@" + CHINESE_ON)
        cert = doc.kind is Kind.CERTIFICATE
        if cert:
            out += self._rule("=")
        if doc.title:
            out += _align(1) + _bold(True) + self._paragraph(doc.title, 2) + _bold(False)
        if doc.headline:
            out += _align(1) + self._paragraph(doc.headline, self.headline_scale)
        if doc.lines:
            out += _align(0) + self._rule("-") + self._lines(doc) + self._rule("-")
        if doc.qr:
            out += self._qr(doc.qr, cert)
            if doc.qr_caption:
                out += _align(1) + self._paragraph(doc.qr_caption, 1)
        for line in doc.footer:
            out += _align(1) + self._paragraph(line, 1)
        if cert:
            out += _align(0) + self._rule("=")
        out += _align(0) + self._cut()
        return bytes(out)

    # -- text ----------------------------------------------------------------------------
    def _paragraph(self, text: str, scale: int) -> bytes:
        lines = wrap(text.translate(_SUBSTITUTES), _Cells(scale), self.columns)
        body = b"".join(gb18030(line) + b"\n" for line in lines)
        return (_size(scale) + body + _size(1)) if scale > 1 else body

    def _rule(self, ch: str) -> bytes:
        return _align(0) + (ch * self.columns).encode("ascii") + b"\n"

    def _lines(self, doc: Document) -> bytes:
        """Label and value side by side: labels padded to one column, values wrapped beside them."""
        labels = [ln.label for ln in doc.lines if ln.label and ln.value]
        label_w = min(max((cells(lb) for lb in labels), default=0), self.columns * 2 // 5)
        gap = 1 if label_w else 0
        unit = _Cells()
        out = bytearray()
        for ln in doc.lines:
            if not (ln.label and ln.value):
                for text in wrap((ln.label or ln.value).translate(_SUBSTITUTES), unit, self.columns):
                    out += gb18030(text) + b"\n"
                continue
            label_lines = wrap(ln.label.translate(_SUBSTITUTES), unit, label_w)
            value_lines = wrap(ln.value.translate(_SUBSTITUTES), unit, self.columns - label_w - gap)
            for i in range(max(len(label_lines), len(value_lines))):
                label = label_lines[i] if i < len(label_lines) else ""
                value = value_lines[i] if i < len(value_lines) else ""
                row = label + " " * (label_w - cells(label) + gap) + value
                out += gb18030(row.rstrip()) + b"\n"
        return bytes(out)

    # -- QR code and cut -----------------------------------------------------------------
    def _target(self, cert: bool) -> int:
        """QR size in dots: what ``raster.Renderer`` draws, so both paths scan alike."""
        content = self.width - 2 * (12 if self.width == 384 else 20)
        return content * (3 if cert else 2) // 4 if self.width == 576 else content * 4 // 5

    def _qr(self, text: str, cert: bool) -> bytes:
        if not text:
            raise DocumentError("empty_qr", "QR text is empty")
        target = self._target(cert)
        if self.qr == "raster":
            # half resolution, printed double width and height: a quarter of the bytes
            img = qr_image(text, target // 2, target // 2, min_module=MIN_QR_MODULE // 2)
            return _align(0) + self._raster_centred(img) + b"\n"
        modules = _qr_modules(text)
        size = min(MAX_QR_MODULE, max(MIN_QR_MODULE, target // modules))
        if modules * size > self.width:
            raise DocumentError("qr_too_long", f"QR needs {modules} modules; at {size} dots each it is wider "
                                               f"than {self.width} dots")
        d = Dummy()
        d.qr(text, ec=QR_ECLEVEL_M, size=size, native=True)
        return _align(1) + d.output + b"\n"

    def _raster_centred(self, img: Image.Image) -> bytes:
        """``GS v 0`` mode 3 (double size) with the left margin in the image: justification of
        raster images differs between printers, a blank margin does not."""
        half = self.width // 2
        left = (half - img.width) // 2
        padded = Image.new("1", (left + img.width, img.height), 1)
        padded.paste(img, (left, 0))
        d = Dummy()
        profile = copy.deepcopy(d.profile.profile_data)
        profile["media"]["width"]["pixels"] = half
        d.profile.profile_data = profile
        d.image(padded, impl="bitImageRaster", high_density_vertical=False, high_density_horizontal=False)
        return d.output

    @staticmethod
    def _cut() -> bytes:
        d = Dummy()
        d.cut()
        return d.output


def _qr_modules(text: str) -> int:
    """Modules across the symbol the printer will draw (error correction M), quiet zone included."""
    return len(qr_matrix(text))


def encode(doc: Document, width: int = 576, qr: QrMode = "native") -> bytes:
    return TextEncoder(width, qr).encode(doc)
