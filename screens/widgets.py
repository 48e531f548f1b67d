"""Small widgets every journey screen is built from: wrapped labels, large buttons, a keypad.

Sizes follow the elder-mode rules (services.md): type scales by ``scale`` (1.5 in elder
mode), buttons are at least 60 dp high, line spacing at least 1.3. Labels wrap to their
width and grow in height, so no translation can be clipped.
"""

from __future__ import annotations

from collections.abc import Callable

from kivy.graphics import BorderImage, Color, Rectangle
from kivy.graphics.texture import Texture
from kivy.lang import Builder
from kivy.metrics import dp, sp
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView

from screens.theme import THEME

STYLE_COLOURS = {
    "primary": THEME["button_bg"],
    "secondary": THEME["button_secondary"],
    "danger": THEME["danger_bg"],
}
"""Button backgrounds; each keeps the button text (THEME["text"]) at 4.5:1 or more (WCAG AA)."""
TEXT_SIZES = {"big": "headline_en", "lead": "title", "body": "body", "note": "small", "error": "body",
              "success": "body"}
TEXT_COLOURS = {"note": THEME["text_dim"], "error": THEME["error"], "success": THEME["ok"], "big": THEME["accent"]}


# A label's texture is drawn where its alignment puts it, not always centred: a one-line
# label gets a texture as wide as its text (see ``fit_text``), so it must be placed left
# or right itself. Same drawing as Kivy's own Label rule otherwise.
Builder.load_string("""
<-WrapLabel>:
    canvas:
        Color:
            rgba: 1, 1, 1, 1
        Rectangle:
            texture: self.texture
            size: self.texture_size
            pos:
                (int(self.x) if self.halign == "left" else int(self.right - self.texture_size[0]) \
                if self.halign == "right" else int(self.center_x - self.texture_size[0] / 2.), \
                int(self.top - self.texture_size[1]) if self.valign == "top" \
                else int(self.center_y - self.texture_size[1] / 2.))
""")


# ClipScrollView: Kivy's ScrollView rule with the stencil replaced by a scissor box (the
# vertical bar drawn as in Kivy's own rule; this kiosk never scrolls sideways).
Builder.load_string("""
<-ClipScrollView>:
    _handle_y_pos: (self.right - self.bar_width - self.bar_margin), self.y + self.height * self.vbar[0]
    _handle_y_size: min(self.bar_width, self.width), self.height * self.vbar[1]
    _handle_x_pos: 0, 0
    _handle_x_size: 0, 0
    canvas.before:
        ScissorPush:
            x: int(round(self.x))
            y: int(round(self.y))
            width: int(round(self.width))
            height: int(round(self.height))
    canvas.after:
        ScissorPop:
        Color:
            rgba: self._bar_color if (self.do_scroll_y and self.viewport_size[1] > self.height) else [0, 0, 0, 0]
        Rectangle:
            pos: root._handle_y_pos or (0, 0)
            size: root._handle_y_size or (0, 0)
""")


class ClipScrollView(ScrollView):
    """A ScrollView that clips with the scissor box instead of the stencil buffer.

    The stencil costs two viewport-sized fills per frame (mark, then unmark) — ~15 ms at
    1080x1920 on a software renderer, in every frame of a screen that scrolls; the
    scissor test costs nothing. It is exact as long as the view is not rotated or scaled,
    which this kiosk's screens never are (window coordinates, no RelativeLayout above it).
    """


def fit_text(label: Label, width: float) -> None:
    """Wrap ``label`` to ``width`` only when its text needs it.

    A label wrapped to a width gets a texture that wide, however short its text; every
    transparent pixel of it is still blended on every frame. On a kiosk without a GPU
    (llvmpipe, 1080x1920) that is most of a 35 ms raster, so a one-line label gets a
    texture as wide as its text.
    """
    text = label.text
    if not text or width <= 1:
        return
    one_line = "\n" not in text and not label.markup and label._label.get_extents(text)[0] <= width
    label.text_size = (None, None) if one_line else (width, None)


SCALES = (1.0, 1.2, THEME["elder_scale"])
"""Every scale a screen uses: normal, the capped bar buttons, elder mode."""


def font(kind: str, scale: float) -> float:
    return sp(THEME["font_sp"][kind]) * scale


def warm_fonts() -> float:
    """Open the CJK face at every size the theme uses; returns the seconds it took.

    SDL_ttf opens the 5 MB collection once per size (~100 ms each on a Pi-class CPU);
    doing it at start-up keeps that out of the first frame of a visit.
    """
    import time

    from kivy.core.text import Label as CoreLabel

    started = time.perf_counter()
    for kind in THEME["font_sp"]:
        for scale in SCALES:
            CoreLabel(text="政务 Ab", font_size=font(kind, scale)).refresh()
    return time.perf_counter() - started


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


class WrapLabel(Label):
    """A label that wraps to its width and takes the height its text needs.

    No ``bold``: the CJK face has no bold weight, and SDL_ttf's synthetic bold costs
    ~100 ms per Chinese line on a kiosk without a GPU — emphasis is colour and size.
    """

    _resetting = False

    def __init__(self, text: str = "", kind: str = "body", scale: float = 1.0, colour=None,
                 halign: str = "left", valign: str = "top", size_hint_x: float | None = 1.0, **kw) -> None:
        super().__init__(size_hint_y=None, line_height=1.3, **kw)
        self.bind(width=self._wrap, text=self._wrap, font_size=self._wrap, texture_size=self._grow)
        self.reset(text, kind, scale, colour, halign, valign, size_hint_x)

    def reset(self, text: str = "", kind: str = "body", scale: float = 1.0, colour=None,
              halign: str = "left", valign: str = "top", size_hint_x: float | None = 1.0) -> None:
        """Show new text in this label (a new one, or one the ``Recycler`` kept)."""
        self._resetting = True  # text and size change together: fit the text once, at the end
        self.text = text
        self.font_size = font(kind, scale)
        self.color = colour or THEME["text"]
        self.halign, self.valign = halign, valign
        self.size_hint_x = size_hint_x
        self._resetting = False
        self._wrap()
        if not text:
            self.height = 0
        elif self.texture_size[1]:
            self.height = self.texture_size[1] + dp(4)  # same size as the old text: no texture_size event

    def _wrap(self, *_a) -> None:
        if not self._resetting:
            fit_text(self, self.width)

    def _grow(self, _w, size) -> None:
        self.height = size[1] + dp(4) if self.text else 0


_rounded: Texture | None = None


def rounded_texture() -> Texture:
    """A white rounded square, stretched as a nine-patch behind every button.

    Kivy's RoundedRectangle is a fan of long thin triangles from the centre; a software
    rasteriser (llvmpipe) paid ~60% more per button pixel for it than for a nine-patch
    of axis-aligned quads, and buttons cover a third of a typical screen.
    """
    global _rounded
    if _rounded is None:
        from PIL import Image, ImageDraw

        radius = max(2, int(dp(8)))
        side = 2 * radius + 2
        big = Image.new("RGBA", (side * 4, side * 4), (255, 255, 255, 0))
        ImageDraw.Draw(big).rounded_rectangle((0, 0, side * 4 - 1, side * 4 - 1), radius * 4, fill=(255, 255, 255, 255))
        small = big.resize((side, side), Image.LANCZOS)
        _rounded = Texture.create(size=(side, side), colorfmt="rgba")
        _rounded.blit_buffer(small.tobytes(), colorfmt="rgba", bufferfmt="ubyte")
    return _rounded


class BigButton(Button):
    """A touch target of at least 60 dp (90 dp in elder mode) that wraps its label."""

    _resetting = False

    def __init__(self, text: str, on_press: Callable[[], None], style: str = "primary", enabled: bool = True,
                 scale: float = 1.0, note: str = "", action_id: str = "", **kw) -> None:
        super().__init__(color=THEME["text"], background_normal="", background_down="",
                         background_color=(0, 0, 0, 0), size_hint_y=None, halign="center", valign="middle", **kw)
        with self.canvas.before:
            self._bg_colour = Color()
            corner = max(2, int(dp(8)))
            self._bg = BorderImage(texture=rounded_texture(), border=(corner, corner, corner, corner))
        self.bind(pos=self._redraw, size=self._redraw, state=self._pressed, width=self._wrap, text=self._wrap,
                  font_size=self._wrap, texture_size=self._grow)
        self.reset(text, on_press, style, enabled, scale, note, action_id, kw.get("size_hint_x", 1.0))

    def reset(self, text: str, on_press: Callable[[], None], style: str = "primary", enabled: bool = True,
              scale: float = 1.0, note: str = "", action_id: str = "", size_hint_x: float | None = 1.0) -> None:
        """Make this button a new one (fresh, or kept by the ``Recycler``)."""
        self._resetting = True  # text and size change together: fit the text once, at the end
        self.markup = bool(note)  # the markup renderer is slower: only a note needs it
        self.text = f"{text}\n[size={int(font('small', scale))}][color=e0c060]{note}[/color][/size]" if note else text
        self.font_size = font("body", scale)
        self._resetting = False
        self._wrap()
        self.size_hint_x = size_hint_x
        self.state = "normal"
        self.disabled = not enabled
        self.opacity = 1.0 if enabled else 0.5
        self.min_height = dp(60) * scale
        self._colour = STYLE_COLOURS.get(style, THEME["button_bg"])
        self._bg_colour.rgba = self._colour
        self._callback = on_press
        self.action_id = action_id
        """The journey action this button sends (lets the demo and tests press by id in any language)."""
        self.height = max(self.min_height, self.texture_size[1] + dp(24)) if self.texture_size[1] else self.min_height

    def _wrap(self, *_a) -> None:
        if not self._resetting:
            fit_text(self, max(0.0, self.width - dp(24)))

    def _grow(self, _w, size) -> None:
        self.height = max(self.min_height, size[1] + dp(24))

    def _redraw(self, *_a) -> None:
        self._bg.pos, self._bg.size = self.pos, self.size

    def _pressed(self, _w, state: str) -> None:
        k = 1.3 if state == "down" else 1.0
        c = self._colour
        self._bg_colour.rgba = (min(1, c[0] * k), min(1, c[1] * k), min(1, c[2] * k), c[3])

    def on_release(self) -> None:
        self._callback()


class Recycler:
    """Labels and buttons kept from one screen for the next.

    Building a Kivy widget runs its class rules and creates ~130 Python objects of
    properties and bindings (about 1 ms for a button on a 2-core kiosk CPU), and every
    discarded widget is a reference cycle that only a full garbage collection frees —
    ~80,000 objects per visit, a 100 ms collection. Resetting a kept widget is a few
    property writes and leaves no garbage. Containers are not kept (they are few).
    """

    def __init__(self, limit: int = 240) -> None:
        self.limit = limit
        self._labels: list[WrapLabel] = []
        self._buttons: list[BigButton] = []

    def label(self, text: str = "", kind: str = "body", scale: float = 1.0, colour=None, halign: str = "left",
              valign: str = "top", size_hint_x: float | None = 1.0) -> WrapLabel:
        if self._labels:
            w = self._labels.pop()
            w.reset(text, kind, scale, colour, halign, valign, size_hint_x)
            return w
        return WrapLabel(text, kind, scale, colour, halign, valign, size_hint_x)

    def button(self, text: str, on_press: Callable[[], None], style: str = "primary", enabled: bool = True,
               scale: float = 1.0, note: str = "", action_id: str = "") -> BigButton:
        if self._buttons:
            w = self._buttons.pop()
            w.reset(text, on_press, style, enabled, scale, note, action_id)
            return w
        return BigButton(text, on_press, style, enabled, scale, note, action_id)

    def keep(self, widgets) -> None:
        """Take back ``widgets`` (already removed from their parent) and every label and button inside them."""
        for w in widgets:
            self._keep(w)

    def _keep(self, w) -> None:
        # The text stays until reuse or ``blank()``: blanking here would re-render every
        # kept label's texture in the frame that builds the next step.
        if type(w) is WrapLabel:
            if len(self._labels) < self.limit:
                self._labels.append(w)
            return
        if type(w) is BigButton:
            if len(self._buttons) < self.limit:
                w._callback = _nothing
                self._buttons.append(w)
            return
        for child in list(w.children):
            w.remove_widget(child)
            self._keep(child)

    def blank(self) -> None:
        """Empty every kept widget's text: at the end of a visit nothing of it stays in memory."""
        for w in (*self._labels, *self._buttons):
            w.text = ""

    def __len__(self) -> int:
        return len(self._labels) + len(self._buttons)


def _nothing() -> None:
    """A kept button's action: none until it is reset."""


class Panel(GridLayout):
    """A one-column box with the panel colour behind it; grows with its content."""

    def __init__(self, **kw) -> None:
        kw.setdefault("cols", 1)
        kw.setdefault("padding", dp(16))
        kw.setdefault("spacing", dp(8))
        super().__init__(size_hint_y=None, **kw)
        self.bind(minimum_height=self.setter("height"))
        with self.canvas.before:
            Color(*THEME["panel"])
            self._bg = Rectangle()
        self.bind(pos=self._redraw, size=self._redraw)

    def _redraw(self, *_a) -> None:
        self._bg.pos, self._bg.size = self.pos, self.size


KEYPADS = {
    "digits": "123456789←0✓",
    "phone": "123456789←0✓",
    "id": "123456789X0←",
    "date": "123456789-0←",
}


class Keypad(GridLayout):
    """On-screen keypad for numbers, ID numbers and dates (no physical keyboard on a kiosk)."""

    def __init__(self, keyboard: str, on_key: Callable[[str], None], scale: float = 1.0,
                 pool: Recycler | None = None) -> None:
        super().__init__(cols=3, spacing=dp(8), size_hint_y=None)
        make = pool.button if pool is not None else BigButton
        self.bind(minimum_height=self.setter("height"))
        for key in KEYPADS.get(keyboard, KEYPADS["digits"]):
            if key == "✓":
                continue
            self.add_widget(make(key, lambda k=key: on_key(k), "secondary", scale=scale))
