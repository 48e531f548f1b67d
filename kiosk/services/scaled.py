"""A big picture scaled down for the screen in a short-lived child process, so its pixels never enter the UI process.

The certificate's A4 page arrives as a 1240x1754 PNG; Pillow holds it decoded at 4 bytes a
pixel (8.7 MB), and scaling it to the preview's width needs the decoded page, a copy in
RGB and the resampling's intermediate rows at once: +24 MB of resident memory for the
moment of the preview, which set the UI process's peak over a visit soak
(docs/performance.md, "Fourth pass"). ``scaled_png`` sends the PNG to
``python -m kiosk.services.scaled WIDTH`` and gets the small PNG back (a few hundred ms, in
the worker pool like the download before it). Should the child fail (it cannot start, it
times out), the picture is scaled here instead: the citizen still gets the preview.
"""

from __future__ import annotations

import io
import logging
import subprocess
import sys

from PIL import Image

log = logging.getLogger(__name__)

SCALE_TIMEOUT_S = 30.0


def scale_here(png: bytes, width: int) -> bytes:
    """``png`` scaled down (never up) to ``width`` pixels wide, as PNG, in this process."""
    with Image.open(io.BytesIO(png)) as img:
        img.load()
        picture = img if img.mode in ("RGB", "L") else img.convert("RGB")  # no copy when it already is
        if picture.width > width:
            picture = picture.resize((width, round(picture.height * width / picture.width)),
                                     Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        picture.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def scaled_png(png: bytes, width: int, timeout_s: float = SCALE_TIMEOUT_S) -> bytes:
    """``png`` scaled down to ``width`` pixels wide, by a child process (here if the child fails)."""
    try:
        done = subprocess.run([sys.executable, "-m", "kiosk.services.scaled", str(width)], input=png,
                              capture_output=True, timeout=timeout_s, check=True)
        if done.stdout[:8] == b"\x89PNG\r\n\x1a\n":
            return done.stdout
        log.warning("picture scaling child gave no PNG; scaling here")
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("picture scaling child failed (%s); scaling here", exc)
    return scale_here(png, width)


def _main() -> None:
    sys.stdout.buffer.write(scale_here(sys.stdin.buffer.read(), int(sys.argv[1])))


if __name__ == "__main__":
    _main()
