"""Start-up warm-ups: fonts, the image loader and the renderer's texture programs.

Each is paid once when the kiosk starts, before any citizen, instead of in the first
frame of a visit that needs it.
"""

from __future__ import annotations

from collections.abc import Callable

from kivy.graphics import Color, Rectangle
from kivy.graphics.texture import Texture

from screens.theme import THEME
from screens.widgets import font

SCALES = (1.0, THEME["elder_scale"])
"""Every scale a screen uses: normal and elder mode (at the window's type scale)."""


def warm_fonts() -> float:
    """Open the CJK face at every size the theme uses (and make a first text input); returns the seconds
    it took.

    SDL_ttf opens the 5 MB collection once per size (~100 ms each on a Pi-class CPU);
    doing it at start-up keeps that out of the first frame of a visit.
    """
    import time

    from kivy.core.text import Label as CoreLabel

    started = time.perf_counter()
    for kind in THEME["font_sp"]:
        for scale in SCALES:
            CoreLabel(text="政务 Ab", font_size=font(kind, scale)).refresh()
    warm_text_input()
    return time.perf_counter() - started


def warm_text_input() -> None:
    """Make one text input and drop it: the first one of the process costs ~15 ms (its class
    rules, the clipboard provider's lookup), the next ones ~1 ms; the first form of a visit
    would otherwise pay it in one frame."""
    from screens.field_input import FieldInput
    from screens.theme import CJK_FONT

    FieldInput(text="", multiline=False, font_name=CJK_FONT, keyboard_mode="managed")


def warm_images() -> float:
    """Decode one PNG through Kivy's loader; returns the seconds it took.

    The first decode makes Pillow import its ~40 format plugins (~40 ms), which would
    otherwise land in the first frame that shows a QR code or a photo preview.
    """
    import io
    import time

    from kivy.core.image import Image as CoreImage
    from PIL import Image as PILImage

    started = time.perf_counter()
    png = io.BytesIO()
    PILImage.new("RGB", (2, 2)).save(png, "PNG")
    png.seek(0)
    CoreImage(png, ext="png").texture  # noqa: B018 - the decode is the point
    return time.perf_counter() - started


TEXTURE_KINDS = tuple((fmt, (w, h)) for fmt in ("rgba", "rgb") for w in (2, 3) for h in (2, 3))
"""Texture formats the screens draw (labels and PNGs are RGBA, photos and some images RGB),
each with a power-of-two and an odd width and height."""


def warm_renderer(window) -> Callable[[], None]:
    """Put one invisible quad of every texture kind on ``window``; returns the undo.

    A software renderer (Mesa's llvmpipe) compiles a fragment program the first time it
    draws a new combination of texture format and power-of-two-ness, 15-40 ms each. Drawn
    once at start-up, before any citizen, so that the first photo preview or QR code of a
    visit does not pay for it. Call the undo after the first frame has been drawn.
    """
    from kivy.uix.widget import Widget

    warm = Widget(size=(1, 1))
    with warm.canvas:
        Color(1, 1, 1, 0)
        for fmt, size in TEXTURE_KINDS:
            tex = Texture.create(size=size, colorfmt=fmt)
            tex.blit_buffer(bytes(size[0] * size[1] * len(fmt)), colorfmt=fmt, bufferfmt="ubyte")
            Rectangle(texture=tex, pos=(0, 0), size=(1, 1))
    window.add_widget(warm)
    return lambda: window.remove_widget(warm)
