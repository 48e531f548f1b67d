"""Rendering documents to 1-bit rasters with the CJK font."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from drivers.printer.document import Document, Kind
from drivers.printer.errors import DocumentError
from drivers.printer.raster import CJK_FONT, Renderer, font, qr_image, wrap
from tests.child import python_json

from .helpers import VERIFY, black_pixels, certificate, decode_qr


@pytest.mark.parametrize("width", [384, 576])
def test_certificate_is_1bit_at_paper_width_and_qr_decodes(width: int) -> None:
    img = Renderer(width).render(certificate())
    assert img.mode == "1"
    assert img.width == width
    assert decode_qr(img) == [VERIFY]


def test_font_is_the_cjk_font() -> None:
    assert CJK_FONT.exists()
    assert "WenQuanYi" in " ".join(font(24).getname())


def test_chinese_glyphs_have_ink() -> None:
    """A CJK glyph drawn with the font is not empty (no tofu/blank), and differs per character."""
    cells = []
    for ch in "证明":
        img = Image.new("L", (40, 40), 255)
        ImageDraw.Draw(img).text((4, 4), ch, font=font(28), fill=0)
        cells.append(img)
        assert black_pixels(img) > 40
    assert cells[0].tobytes() != cells[1].tobytes()


def test_lines_add_ink_where_the_text_is() -> None:
    r = Renderer(384)
    short = r.render(Document.build(Kind.RECEIPT, "回执", [("事项", "社保")]))
    longer = r.render(Document.build(Kind.RECEIPT, "回执", [("事项", "社保"), ("办理结果", "已受理，请等待短信通知")]))
    assert longer.height > short.height
    assert black_pixels(longer) > black_pixels(short)


def test_wrap_keeps_latin_words_and_breaks_cjk() -> None:
    f = font(24)
    lines = wrap("北京市朝阳区示范路一号院二号楼三单元四零一室 Building", f, 200)
    assert len(lines) > 1
    assert all(f.getlength(line) <= 200 for line in lines)
    assert "".join(lines).replace(" ", "") == "北京市朝阳区示范路一号院二号楼三单元四零一室Building"
    assert any(line.endswith("Building") or line == "Building" for line in lines)


def test_ticket_headline_is_big() -> None:
    img = Renderer(576).render(Document.build("ticket", "排队取号", headline="A012"))
    assert img.height > 150


def test_qr_modules_are_whole_dots_and_at_least_four() -> None:
    img = qr_image(VERIFY, 360, 300)
    assert decode_qr(img) == [VERIFY]
    assert img.width >= 4 * 29


def test_qr_too_long_for_paper_is_a_typed_error() -> None:
    with pytest.raises(DocumentError) as err:
        Renderer(384).render(Document.build("receipt", "x", qr="码" * 900))
    assert err.value.reason == "qr_too_long"


def test_empty_document_and_bad_width_are_refused() -> None:
    with pytest.raises(DocumentError):
        Renderer(576).render(Document(Kind.RECEIPT, ""))
    with pytest.raises(DocumentError):
        Renderer(500)


def test_image_wider_than_paper_is_a_typed_error() -> None:
    from drivers.printer.thermal import job_bytes

    with pytest.raises(DocumentError) as err:
        job_bytes(Image.new("1", (600, 10), 1), 576)
    assert err.value.reason == "image_too_wide"
    assert job_bytes(Image.new("1", (576, 10), 1), 576).startswith(b"\x1b@\x1dv0")


def test_printing_a_certificate_loads_no_numpy() -> None:
    """The kiosk's UI process prints: rendering, the emulator's decoding and the QR image use Pillow alone (~8.5 MB)."""
    script = ("import json, sys\n"
              "from drivers.printer.document import Document\n"
              "from drivers.printer.raster import Renderer\n"
              "from drivers.printer.bitimages import column_image\n"
              "from drivers.printer import interpreter, thermal\n"
              "doc = Document.build('certificate', '证明', [('权利人', '张*三')], qr='https://verify.example/c/1')\n"
              "image = Renderer(576).render(doc)\n"
              "column_image(bytes(24), 8, 3)\n"
              "print(json.dumps('numpy' in sys.modules))\n")
    assert python_json(script) is False
