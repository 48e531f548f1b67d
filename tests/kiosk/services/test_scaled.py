"""Big pictures are scaled down in a child process: the right size comes back, the UI process's peak stays."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from kiosk.services import scaled
from kiosk.services.delivery import PREVIEW_WIDTH, preview_png
from tests.child import python_json


def a4_page(mode: str = "RGB") -> bytes:
    """The platform's certificate page: 1240x1754, text on white, a red seal."""
    img = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(img)
    for y in range(80, 1700, 40):
        draw.text((80, y), f"line {y}", fill="black")
    draw.ellipse((900, 1300, 1150, 1550), outline=(200, 20, 20), width=8)
    buf = io.BytesIO()
    img.convert(mode).save(buf, format="PNG")
    return buf.getvalue()


def size_of(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as img:
        return img.size


def test_the_preview_is_the_page_at_the_screens_width() -> None:
    assert size_of(preview_png(a4_page())) == (PREVIEW_WIDTH, round(1754 * PREVIEW_WIDTH / 1240))
    assert size_of(preview_png(a4_page("P"))) == (PREVIEW_WIDTH, round(1754 * PREVIEW_WIDTH / 1240))
    small = a4_page()
    assert size_of(scaled.scaled_png(small, 2000)) == (1240, 1754)  # never scaled up


def test_a_child_that_fails_leaves_the_scaling_to_this_process(monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise OSError("no child today")

    monkeypatch.setattr(scaled.subprocess, "run", broken)
    assert size_of(scaled.scaled_png(a4_page(), 480)) == (480, round(1754 * 480 / 1240))


def test_making_the_preview_does_not_raise_this_processs_peak() -> None:
    """Scaled here, the page raised the peak resident size by ~24 MB (decoded page, its copy, the resampling)."""
    script = (
        "import json, sys\n"
        "from tests.kiosk.services.test_scaled import a4_page\n"
        "from kiosk.ops.heap import fix_mmap_threshold\n"
        "from kiosk.services.delivery import preview_png\n"
        "fix_mmap_threshold()\n"
        "page = a4_page()\n"
        "def kb(key):\n"
        "    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith(key))\n"
        "before = max(kb('VmHWM:'), kb('VmRSS:'))\n"
        "preview_png(page)\n"
        "print(json.dumps(kb('VmHWM:') - before))\n")
    assert python_json(script) < 4 * 1024
