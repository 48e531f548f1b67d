"""The emulator's paper: the text line being collected with its modes, and what is printed.

Text arrives byte by byte and is printed when a line ends (LF, a feed, a cut), in the
modes set when it ends: GB18030 in Chinese (Kanji) mode or a single-byte code page,
alignment and character size. Everything printed is a strip of the paper's width; a
cut joins the strips since the last cut into one page.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from PIL import Image, ImageDraw

from drivers.printer.raster import font

CODEPAGES = {0: "cp437", 2: "cp850", 3: "cp860", 16: "cp1252", 17: "cp866", 19: "cp858"}
BASE_DOTS = 24  # font A cell height (12x24 ASCII, 24x24 CJK)
DEFAULT_LINE_SPACING = 30
TEXT_LOG_LINES = 5000
"""Printed text lines kept (the newest): an emulator in a long demo run keeps no more."""


class Paper:
    """Text modes and line, and the strips printed since the last cut.

    ``can_print()`` False (paper out, cover open) makes printed content vanish like on
    a real printer that went offline; ``on_page(image)`` gets each page at a cut.
    """

    def __init__(self, width: int, on_page: Callable[[Image.Image], None],
                 can_print: Callable[[], bool]) -> None:
        self.width = width
        self.on_page = on_page
        self.can_print = can_print
        self.strips: list[Image.Image] = []
        self.text_log: deque[str] = deque(maxlen=TEXT_LOG_LINES)
        """The text lines printed, decoded, the last ``TEXT_LOG_LINES`` (tests and the doctor read it)."""
        self.reset()

    def reset(self) -> None:
        """ESC @: modes back to power-on defaults (the line buffer is dropped too)."""
        self.line = bytearray()
        self.kanji = True
        self.codepage = 0
        self.align = 0
        self.scale = (1, 1)
        self.line_spacing = DEFAULT_LINE_SPACING
        self._line_had_graphics = False

    def print_line(self, feed_only: bool = False) -> None:
        """End the line: print its text, or feed one line when it is empty (not after a column image)."""
        if not self.line:
            if not feed_only and not self._line_had_graphics:
                self.feed(self.line_spacing)
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
        self.strip(img)

    def column_image(self, img: Image.Image) -> None:
        """An ``ESC *`` image is part of the line: the LF after it prints no empty line."""
        self.strip(img)
        self._line_had_graphics = True

    def feed(self, dots: int) -> None:
        if dots > 0 and self.can_print():
            self.strips.append(Image.new("L", (self.width, dots), 255))

    def strip(self, img: Image.Image) -> None:
        """Print ``img`` aligned on the paper (cut to its width)."""
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
            self.print_line()
        page = self.take_strips()
        if page is not None:
            self.on_page(page)

    def _decode(self, raw: bytes) -> str:
        if self.kanji:
            return raw.decode("gb18030", errors="replace")
        return raw.decode(CODEPAGES.get(self.codepage, "cp437"), errors="replace")
