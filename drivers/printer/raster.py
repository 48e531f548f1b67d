"""Documents rendered to 1-bit raster images at the paper's dot width (Pillow, no Kivy).

Rendering on the host with a CJK font means every ESC/POS printer prints Chinese the
same way, whatever resident fonts or code pages it has (docs/devices-printer.md, "Chinese text", way 2), and
the layout on paper is exactly what tests decode back from the emulator's output.
QR modules are at least 4 dots (0.5 mm at 203 dpi) so phone cameras read them.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont

from drivers.printer.document import Document, Kind
from drivers.printer.errors import DocumentError

log = logging.getLogger(__name__)

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
PAPER_WIDTHS = (384, 576)
MIN_QR_MODULE = 4
"""Dots per QR module; 4 dots = 0.5 mm at 203 dpi, the smallest that scans reliably."""

_TOKEN = re.compile(r"[A-Za-z0-9@#%&+=._:/\\?-]+|\s+|.", re.S)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


class Measure(Protocol):
    """What ``wrap`` needs of a font: the width of a run of text (dots, or character cells)."""

    def getlength(self, text: str) -> float: ...


@functools.lru_cache(maxsize=32)
def font(size: int, path: str = str(CJK_FONT)) -> Font:
    """A cached font; loading a 5 MB .ttc costs milliseconds, every print needs three sizes."""
    try:
        return ImageFont.truetype(path, size)
    except OSError:
        log.error("CJK font %s missing: Chinese will not print; install fonts-wqy-microhei", path)
        return ImageFont.load_default(size)


def wrap(text: str, fnt: Measure, max_width: int) -> list[str]:
    """Greedy wrap: CJK breaks between any two characters, Latin words and numbers stay whole."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for token in _TOKEN.findall(paragraph):
            candidate = line + token
            if fnt.getlength(candidate) <= max_width or not line:
                if fnt.getlength(candidate) > max_width and not line:
                    # a single token wider than the line (long code, URL): break it by character
                    for ch in token:
                        if line and fnt.getlength(line + ch) > max_width:
                            out.append(line)
                            line = ""
                        line += ch
                    continue
                line = candidate
                continue
            out.append(line.rstrip())
            line = token.lstrip()
        out.append(line.rstrip())
    return out


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR symbol (error correction M) with its 4-module quiet zone, as rows of dark modules."""
    if not text:
        raise DocumentError("empty_qr", "QR text is empty")
    q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    q.add_data(text.encode("utf-8"))
    try:
        q.make(fit=True)
    except (ValueError, qrcode.exceptions.DataOverflowError) as exc:
        raise DocumentError("qr_too_long", f"QR text does not fit a QR code: {exc}") from None
    return q.get_matrix()


def qr_image(text: str, max_size: int, target: int | None = None, *, min_module: int = MIN_QR_MODULE) -> Image.Image:
    """A crisp QR ("1" mode) with a 4-module quiet zone, modules a whole number of dots.

    ``min_module`` is lower only for an image the printer doubles (``textmode``'s raster QR).
    """
    matrix = qr_matrix(text)
    n = len(matrix)
    box = min(max_size // n, max(min_module, (target or max_size) // n))
    if box < min_module:
        raise DocumentError("qr_too_long", f"QR needs {n} modules; at {min_module} dots each it is wider "
                                           f"than {max_size} dots")
    return module_image(matrix, box).convert("1", dither=Image.Dither.NONE)


def module_image(matrix: list[list[bool]], box: int) -> Image.Image:
    """A QR matrix (True = dark) as an "L" image, each module ``box`` x ``box`` dots.

    Pillow alone (nearest-neighbour scaling by a whole factor repeats each module exactly):
    NumPy would add ~8.5 MB to every process that prints, the kiosk's UI process included.
    """
    n = len(matrix)
    modules = Image.frombytes("L", (n, n), bytes(0 if dark else 255 for row in matrix for dark in row))
    return modules.resize((n * box, n * box), Image.Resampling.NEAREST)


@dataclass
class _Op:
    y: int
    x: int
    text: str = ""
    fnt: Font | None = None
    image: Image.Image | None = None
    rule: int = 0  # >0: a horizontal dashed rule of this width
    stroke: int = 0


class Renderer:
    """Lays a ``Document`` out for one paper width and returns a 1-bit image."""

    def __init__(self, width: int = 576, font_path: str | Path = CJK_FONT) -> None:
        if width not in PAPER_WIDTHS:
            raise DocumentError("bad_width", f"paper width must be one of {PAPER_WIDTHS} dots, got {width}")
        self.width = width
        self.font_path = str(font_path)
        small = width == 384
        self.margin = 12 if small else 20
        self.sizes = {"title": 32 if small else 40, "body": 24 if small else 28, "small": 20 if small else 22,
                      "headline": 96 if small else 128}

    def _font(self, role: str) -> Font:
        return font(self.sizes[role], self.font_path)

    def render(self, doc: Document) -> Image.Image:
        if not (doc.title or doc.lines or doc.qr or doc.headline):
            raise DocumentError("empty_document", "nothing to print")
        ops: list[_Op] = []
        cert = doc.kind is Kind.CERTIFICATE
        inset = self.margin + (10 if cert else 0)
        content = self.width - 2 * inset
        y = self.margin + (14 if cert else 4)

        def centred(text: str, role: str, stroke: int = 0) -> None:
            nonlocal y
            fnt = self._font(role)
            for line in wrap(text, fnt, content):
                w = int(fnt.getlength(line))
                ops.append(_Op(y, inset + (content - w) // 2, line, fnt, stroke=stroke))
                y += self.sizes[role] + 8

        def rule() -> None:
            nonlocal y
            y += 4
            ops.append(_Op(y, inset, rule=content))
            y += 12

        if doc.title:
            centred(doc.title, "title", stroke=1)
        if doc.headline:
            y += 4
            centred(doc.headline, "headline", stroke=2)
        if doc.lines:
            rule()
            y = self._lines(doc, ops, inset, content, y)
            rule()
        if doc.qr:
            y += 8
            target = content * (3 if cert else 2) // 4 if self.width == 576 else content * 4 // 5
            img = qr_image(doc.qr, content, target)
            ops.append(_Op(y, inset + (content - img.width) // 2, image=img))
            y += img.height + 4
            if doc.qr_caption:
                centred(doc.qr_caption, "small")
        for line in doc.footer:
            centred(line, "small")
        y += self.margin + (14 if cert else 8)
        return self._paint(ops, y, cert)

    def _lines(self, doc: Document, ops: list[_Op], inset: int, content: int, y: int) -> int:
        body = self._font("body")
        step = self.sizes["body"] + 8
        labels = [ln.label for ln in doc.lines if ln.label and ln.value]
        label_w = min(int(max((body.getlength(lb) for lb in labels), default=0)), content * 2 // 5)
        gap = 12 if label_w else 0
        for ln in doc.lines:
            if ln.label and ln.value:
                label_lines = wrap(ln.label, body, label_w)
                value_lines = wrap(ln.value, body, content - label_w - gap)
                for i, text in enumerate(label_lines):
                    ops.append(_Op(y + i * step, inset, text, body))
                for i, text in enumerate(value_lines):
                    ops.append(_Op(y + i * step, inset + label_w + gap, text, body))
                y += step * max(len(label_lines), len(value_lines))
            else:
                for text in wrap(ln.label or ln.value, body, content):
                    ops.append(_Op(y, inset, text, body))
                    y += step
        return y

    def _paint(self, ops: list[_Op], height: int, border: bool) -> Image.Image:
        canvas = Image.new("L", (self.width, height), 255)
        draw = ImageDraw.Draw(canvas)
        for op in ops:
            if op.image is not None:
                canvas.paste(op.image.convert("L"), (op.x, op.y))
            elif op.rule:
                for x in range(op.x, op.x + op.rule, 12):
                    draw.line([(x, op.y), (min(x + 6, op.x + op.rule), op.y)], fill=0, width=2)
            else:
                draw.text((op.x, op.y), op.text, font=op.fnt, fill=0, stroke_width=op.stroke, stroke_fill=0)
        if border:
            m = self.margin // 2
            draw.rectangle([m, m, self.width - 1 - m, height - 1 - m], outline=0, width=4)
            draw.rectangle([m + 8, m + 8, self.width - 9 - m, height - 9 - m], outline=0, width=1)
        return canvas.convert("1", dither=Image.Dither.NONE)


def render(doc: Document, width: int = 576) -> Image.Image:
    return Renderer(width).render(doc)
