"""Certificates rendered as PDF (fpdf2) and PNG (Pillow), both carrying the issuing
authority's seal (a red round seal with its name, as official proofs bear) and a QR code
of the public verification URL so anyone can check a printed proof.

A CJK font file holds tens of thousands of glyphs: parsing it for every PDF, and subsetting
it again when the PDF is written, took most of a second. The font is parsed once per process
(``SubsetFont``); each PDF embeds a font built from just the glyphs its text uses, and the
seal (the same for every certificate of an issuer) is drawn once.
"""

from __future__ import annotations

import copy
import io
import math
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import qrcode
from fontTools.fontBuilder import FontBuilder
from fontTools.ttLib import TTFont, newTable
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)


class FontMissing(RuntimeError):
    """No CJK font installed: certificates can't be rendered legibly."""


@lru_cache(maxsize=1)
def cjk_font_path() -> str:
    for p in FONT_CANDIDATES:
        if Path(p).exists():
            return p
    raise FontMissing("no CJK font found; install fonts-wqy-microhei")


@dataclass(frozen=True)
class CertificateDoc:
    title: str
    title_en: str
    holder_name: str
    holder_id: str
    rows: list[tuple[str, str, str]]
    """(label zh, label en, value)."""
    issuer: str
    issued_on: str
    valid_until: str
    verification_code: str
    verification_url: str
    status_note: str = ""


QR_MASK = 2
"""A fixed mask pattern (any of the eight is valid QR; decoders read it from the symbol): searching
for the best one costs qrcode ~60 ms of pure Python per certificate for no gain in print quality."""


def qr_image(text: str, box: int = 8) -> Image.Image:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box, border=4, mask_pattern=QR_MASK)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


SEAL_RED = (200, 16, 32, 255)
SEAL_CAPTION = "证明专用章"


def seal_image(issuer: str, size: int = 360) -> Image.Image:
    """The issuer's round seal: a red ring, the issuer's name along the upper arc, a star, the caption."""
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    ring = max(3, size // 40)
    draw.ellipse((ring, ring, size - ring, size - ring), outline=SEAL_RED, width=ring)
    c = size / 2
    r_star = size * 0.14
    points = [(c + (r_star if i % 2 == 0 else r_star * 0.4) * math.sin(math.pi * i / 5),
               c - (r_star if i % 2 == 0 else r_star * 0.4) * math.cos(math.pi * i / 5)) for i in range(10)]
    draw.polygon(points, fill=SEAL_RED)
    font_path = cjk_font_path()
    text = issuer[:16] or "出具机构"
    char_font = ImageFont.truetype(font_path, max(8, round(size * (0.13 if len(text) <= 10 else 0.1))), index=0)
    span = min(240.0, 24.0 * len(text))
    radius = size / 2 - ring * 2 - char_font.size * 0.7
    for i, ch in enumerate(text):
        angle = -span / 2 + span * (i + 0.5) / len(text)
        tile = Image.new("RGBA", (char_font.size * 2, char_font.size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((char_font.size / 2, char_font.size / 2), ch, fill=SEAL_RED, font=char_font)
        tile = tile.rotate(-angle, resample=Image.Resampling.BICUBIC)
        x = c + radius * math.sin(math.radians(angle)) - tile.width / 2
        y = c - radius * math.cos(math.radians(angle)) - tile.height / 2
        img.alpha_composite(tile, (round(x), round(y)))
    caption_font = ImageFont.truetype(font_path, max(8, round(size * 0.09)), index=0)
    w = draw.textlength(SEAL_CAPTION, font=caption_font)
    draw.text((c - w / 2, c + size * 0.2), SEAL_CAPTION, fill=SEAL_RED, font=caption_font)
    return img


def _lines(doc: CertificateDoc) -> list[tuple[str, str]]:
    out = [("持证人 Holder", doc.holder_name), ("证件号码 ID number", doc.holder_id)]
    out += [(f"{zh} {en}", value) for zh, en, value in doc.rows]
    out += [
        ("出具机构 Issuer", doc.issuer),
        ("出具日期 Issued", doc.issued_on),
        ("有效期至 Valid until", doc.valid_until),
    ]
    return out


def render_png(doc: CertificateDoc, width: int = 1240) -> bytes:
    """A4 proportions at 150 dpi by default (1240 x 1754)."""
    height = round(width * 297 / 210)
    scale = width / 1240
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    font_path = cjk_font_path()
    big = ImageFont.truetype(font_path, round(56 * scale), index=0)
    mid = ImageFont.truetype(font_path, round(30 * scale), index=0)
    small = ImageFont.truetype(font_path, round(24 * scale), index=0)
    margin = round(100 * scale)
    y = round(110 * scale)
    for text, font in ((doc.title, big), (doc.title_en, mid)):
        w = draw.textlength(text, font=font)
        draw.text(((width - w) / 2, y), text, fill="black", font=font)
        y += round(font.size * 1.6)
    y += round(30 * scale)
    draw.line((margin, y, width - margin, y), fill="black", width=max(1, round(2 * scale)))
    y += round(40 * scale)
    for label, value in _lines(doc):
        draw.text((margin, y), label, fill="#333333", font=small)
        draw.text((margin + round(420 * scale), y), value, fill="black", font=mid)
        y += round(62 * scale)
    if doc.status_note:
        y += round(20 * scale)
        draw.text((margin, y), doc.status_note, fill="#b00020", font=mid)
    qr = qr_image(doc.verification_url, box=max(2, round(8 * scale)))
    qx, qy = width - margin - qr.width, height - margin - qr.height
    img.paste(qr, (qx, qy))
    seal = seal_image(doc.issuer, round(360 * scale))
    img.paste(seal, (width - margin - seal.width, max(y, qy - seal.height - round(40 * scale)) - 0), seal)
    draw.text(
        (margin, qy + qr.height - round(120 * scale)),
        f"验证码 Verification code: {doc.verification_code}",
        fill="black",
        font=small,
    )
    draw.text(
        (margin, qy + qr.height - round(80 * scale)),
        "扫码或访问下列地址核验 Scan or visit to verify:",
        fill="#333333",
        font=small,
    )
    draw.text((margin, qy + qr.height - round(40 * scale)), doc.verification_url, fill="#333333", font=small)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


class SubsetFont:
    """A CJK font parsed once, from which a small font with only the glyphs some text needs is built."""

    def __init__(self, path: str, font_number: int = 0) -> None:
        self.font = TTFont(path, fontNumber=font_number, recalcTimestamp=False)
        self.cmap = self.font.getBestCmap()
        self.glyf = self.font["glyf"]
        self.hmtx = self.font["hmtx"]
        self._lock = threading.Lock()
        """fontTools tables are not thread-safe; building a subset takes a few ms."""

    def subset(self, text: str) -> bytes:
        """TrueType bytes holding the glyphs of ``text`` (plus .notdef and a space), same metrics."""
        codes = sorted({ord(ch) for ch in text + " " if ord(ch) in self.cmap})
        with self._lock:
            order = [".notdef"]
            for code in codes:
                self._add(self.cmap[code], order)
            builder = FontBuilder(self.font["head"].unitsPerEm, isTTF=True)
            builder.setupGlyphOrder(order)
            builder.setupCharacterMap({code: self.cmap[code] for code in codes})
            builder.font.recalcBBoxes = False  # the glyphs go in as compiled, bounds and all
            # The raw entries, still compiled (indexing the table, or FontBuilder.setupGlyf, decompiles each glyph).
            glyf = builder.font["glyf"] = newTable("glyf")
            builder.font["loca"] = newTable("loca")
            glyf.glyphs = {name: self._glyph(name) for name in order}
            glyf.glyphOrder = order
            builder.setupHorizontalMetrics({name: self.hmtx[name] for name in order})
            for tag in ("head", "hhea", "OS/2"):
                builder.font[tag] = copy.deepcopy(self.font[tag])
            builder.setupNameTable({"familyName": "CertificateCJK", "styleName": "Regular"})
            builder.setupPost()
            builder.setupMaxp()
            out = io.BytesIO()
            builder.save(out)
        return out.getvalue()

    def _glyph(self, name: str) -> object:
        raw = self.glyf.glyphs[name]
        if raw.isComposite():  # its components are glyph ids of the whole font: decompile to names
            return copy.deepcopy(self.glyf[name])
        return copy.copy(raw)

    def _add(self, name: str, order: list[str]) -> None:
        if name in order:
            return
        order.append(name)
        glyph = self.glyf.glyphs[name]
        if glyph.isComposite():
            for component in glyph.getComponentNames(self.glyf):
                self._add(component, order)


VERIFY_CODE_LABEL = "验证码 Verification code:"
VERIFY_HINT = "扫码或访问下列地址核验 Scan or visit to verify:"


@lru_cache(maxsize=1)
def subset_font() -> SubsetFont:
    return SubsetFont(cjk_font_path())


@lru_cache(maxsize=64)
def _seal_png(issuer: str) -> bytes:
    buf = io.BytesIO()
    seal_image(issuer).save(buf, format="PNG")
    return buf.getvalue()


def pdf_text(doc: CertificateDoc) -> str:
    """Every character the PDF of ``doc`` sets in the CJK font."""
    fixed = VERIFY_CODE_LABEL + VERIFY_HINT
    parts = [doc.title, doc.title_en, doc.status_note, doc.verification_code, doc.verification_url, fixed]
    return "".join(parts) + "".join(label + value for label, value in _lines(doc))


def render_pdf(doc: CertificateDoc) -> bytes:
    font = subset_font().subset(pdf_text(doc))
    with tempfile.NamedTemporaryFile(suffix=".ttf") as file:
        file.write(font)
        file.flush()
        return _render_pdf(doc, file.name)


def _render_pdf(doc: CertificateDoc, font_path: str | None, text: Callable[[str], str] = str) -> bytes:
    """The A4 layout; ``font_path`` None sets it in Helvetica (the benchmarks' baseline, ``text`` making
    every string Latin-1)."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    family = "helvetica"
    if font_path is not None:
        family = "cjk"
        pdf.add_font(family, "", font_path)
        pdf.fonts[family].ttfont.recalcBBoxes = False  # fpdf2 subsets it again on output: keep the compiled glyphs
    pdf.set_title(text(doc.title_en or doc.title))
    pdf.set_font(family, size=22)
    pdf.set_xy(15, 25)
    pdf.cell(180, 12, text(doc.title), align="C")
    pdf.set_font(family, size=12)
    pdf.set_xy(15, 38)
    pdf.cell(180, 8, text(doc.title_en), align="C")
    pdf.line(20, 50, 190, 50)
    y = 58.0
    for label, value in _lines(doc):
        pdf.set_font(family, size=9)
        pdf.set_xy(20, y)
        pdf.cell(62, 7, text(label))
        pdf.set_font(family, size=11)
        pdf.set_xy(82, y)
        pdf.multi_cell(108, 7, text(value))
        y = max(y + 9, pdf.get_y() + 2)
    if doc.status_note:
        pdf.set_text_color(176, 0, 32)
        pdf.set_xy(20, y + 4)
        pdf.cell(170, 8, text(doc.status_note))
        pdf.set_text_color(0, 0, 0)
    pdf.image(qr_image(doc.verification_url), x=150, y=235, w=40, h=40)
    pdf.image(io.BytesIO(_seal_png(doc.issuer)), x=140, y=max(y + 2, 185), w=45, h=45)
    pdf.set_font(family, size=9)
    pdf.set_xy(20, 250)
    pdf.cell(125, 6, text(f"{VERIFY_CODE_LABEL} {doc.verification_code}"))
    pdf.set_xy(20, 257)
    pdf.cell(125, 6, text(VERIFY_HINT))
    pdf.set_xy(20, 264)
    pdf.cell(125, 6, text(doc.verification_url))
    return bytes(pdf.output())
