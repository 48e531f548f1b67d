"""The ESC/POS interpreter against what python-escpos really emits (Dummy printer output)."""

from __future__ import annotations

import numpy as np
import pytest
from escpos.printer import Dummy
from hypothesis import given, settings
from hypothesis import strategies as hs
from PIL import Image

from drivers.printer.interpreter import Interpreter
from drivers.printer.raster import qr_image

from .helpers import VERIFY, black_pixels, decode_qr


def _pages(data: bytes, chunk: int = 0, width: int = 576) -> tuple[Interpreter, list[Image.Image]]:
    pages: list[Image.Image] = []
    it = Interpreter(width, on_page=pages.append)
    if chunk:
        for i in range(0, len(data), chunk):
            it.feed(data[i:i + chunk])
    else:
        it.feed(data)
    return it, pages


@pytest.mark.parametrize("impl", ["bitImageRaster", "graphics", "bitImageColumn"])
def test_python_escpos_images_round_trip(impl: str) -> None:
    qr = qr_image(VERIFY, 400, 300)
    d = Dummy()
    d.hw("INIT")
    d.image(qr, impl=impl)
    d.cut()
    _, pages = _pages(d.output, chunk=1000)
    assert len(pages) == 1
    assert decode_qr(pages[0]) == [VERIFY]


def test_raster_pixels_exact() -> None:
    src = Image.new("1", (64, 16), 1)
    src.paste(0, (8, 4, 24, 12))
    d = Dummy()
    d.image(src)
    d.cut(feed=False)
    _, pages = _pages(d.output)
    got = np.asarray(pages[0].convert("L"))[:16, :64] < 128
    want = np.asarray(src.convert("L")) < 128
    assert (got == want).all()


def test_native_qr_is_rendered() -> None:
    d = Dummy()
    d.qr(VERIFY, native=True, size=6)
    d.cut()
    _, pages = _pages(d.output)
    assert decode_qr(pages[0]) == [VERIFY]


def test_chinese_text_gb18030_and_cut_pages() -> None:
    d = Dummy()
    d.hw("INIT")
    d.textln("办事指南 Guide")
    d.cut()
    d._raw("第二页".encode("gb18030") + b"\n")
    d.cut()
    it, pages = _pages(d.output, chunk=3)  # multibyte characters split across reads
    assert list(it.text_log) == ["办事指南 Guide", "第二页"]
    assert len(pages) == 2
    assert black_pixels(pages[0]) > 200


def test_dle_eot_is_answered_in_stream_order() -> None:
    asked: list[int] = []
    it = Interpreter(on_status=lambda n: asked.append(n) or bytes((0x12,)))
    assert it.feed(b"\x1b@\x10\x04") == b""
    assert it.feed(b"\x01abc\n\x10\x04\x04") == b"\x12\x12"
    assert asked == [1, 4]


def test_paper_gone_prints_nothing() -> None:
    pages: list[Image.Image] = []
    it = Interpreter(on_page=pages.append, can_print=lambda: False)
    it.feed("无纸".encode("gb18030") + b"\n\x1dV\x00")
    assert pages == []


@settings(max_examples=150, deadline=None)
@given(hs.binary(max_size=400))
def test_garbage_never_crashes(data: bytes) -> None:
    it = Interpreter(384)
    it.feed(data)
    it.feed(b"\x1b@ok\n\x1dV\x00")


def test_an_emulator_printing_for_weeks_keeps_only_its_newest_pages_and_lines(tmp_path) -> None:
    """A demo kiosk runs its emulator in its own process: every slip it ever printed stayed in memory."""
    from drivers.printer.emulator import KEPT_PAGES, PrinterEmulator
    from drivers.printer.paper import TEXT_LOG_LINES

    emu = PrinterEmulator("pty", width=384, out_dir=tmp_path)
    slips = KEPT_PAGES + 5
    lines_each = TEXT_LOG_LINES // KEPT_PAGES + 1

    def slip(n: int) -> bytes:
        return b"\x1b@" + b"".join(f"slip {n} line {i}\n".encode() for i in range(lines_each)) + b"\x1dV\x00"

    for n in range(slips):
        emu.feed(slip(n))
    assert len(emu.pages) == KEPT_PAGES
    assert emu.wait_pages(slips, timeout=0.1)  # "at least this many were cut" still holds past the kept ones
    log = emu.interpreter.text_log
    assert len(log) == TEXT_LOG_LINES
    assert log[-1] == f"slip {slips - 1} line {lines_each - 1}"
    # `kiosk emulate-printer` prints each new page's file as it comes, past the kept ones too
    seen, paths = emu.paths_since(0)
    assert seen == slips and len(paths) == KEPT_PAGES and paths[-1] == emu.page_paths[-1]
    emu.feed(slip(slips))
    seen, paths = emu.paths_since(seen)
    assert seen == slips + 1 and paths == [emu.page_paths[-1]] and paths[0].exists()
    # a file's number counts every page printed, past the kept ones: sorted by name is printed order
    assert paths[0].name.startswith(f"page-{slips + 1:04d}-")
    names = sorted(p.name for p in tmp_path.glob("page-*.png"))
    assert len(names) == slips + 1 and len({n.split("-")[1] for n in names}) == slips + 1
