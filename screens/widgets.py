"""Small widgets every journey screen is built from: wrapped labels, large buttons, panels.

Sizes follow the elder-mode rules (services.md): type scales by ``scale`` (1.5 in elder
mode), buttons are at least 60 dp high, line spacing at least 1.3. Labels wrap to their
width and grow in height, so no translation can be clipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kivy.graphics import BorderImage, Color, Rectangle
from kivy.graphics.texture import Texture
from kivy.lang import Builder
from kivy.metrics import dp, sp
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label

from screens.icons import icon_markup
from screens.lines import break_lines
from screens.theme import THEME

TEXT_SIZES = {"big": "headline_en", "lead": "title", "body": "body", "note": "small", "error": "body",
              "success": "body"}
TEXT_COLOURS = {"note": THEME["text_dim"], "error": THEME["error"], "success": THEME["ok"], "big": THEME["accent"]}


# A label's texture is drawn where its alignment puts it, not always centred: a one-line
# label gets a texture as wide as its text (see ``fit_text``), so it must be placed left
# or right itself. The text's quad is placed from Python (``TextQuad``), not by a kv rule:
# a rule re-evaluates its expressions once for every property it reads (x, y, width,
# height, texture_size...) each time a layout moves the label, several times per label
# per frame while a screen is being built. A big button draws no Kivy Button background
# either (a transparent full-size quad behind its own rounded one).
Builder.load_string("""
<-WrapLabel>:
    canvas:
        Color:
            rgba: 1, 1, 1, 1
<-BigButton>:
    canvas:
        Color:
            rgba: 1, 1, 1, 1
""")


class TextQuad:
    """Mixin of a Kivy ``Label``: draws its texture where ``halign``/``valign`` put it, in one Python callback."""

    centred = False
    """Centre the texture whatever the alignment (a button's text: its texture spans the button when wrapped)."""

    def _add_text_quad(self) -> None:
        self._text_quad = Rectangle()
        self.canvas.add(self._text_quad)
        for prop in ("texture", "texture_size", "pos", "size", "halign", "valign"):
            self.fbind(prop, self._place_text)
        self._place_text()

    def _place_text(self, *_a) -> None:
        tw, th = self.texture_size
        x, y = self.pos
        w, h = self.size
        if self.centred or self.halign not in ("left", "right"):
            left = int(x + w / 2.0 - tw / 2.0)
        else:
            left = int(x) if self.halign == "left" else int(x + w - tw)
        if self.valign == "top" and not self.centred:
            bottom = int(y + h - th)
        else:
            bottom = int(y + h / 2.0 - th / 2.0)
        quad = self._text_quad
        quad.texture = self.texture
        quad.size = (tw, th)
        quad.pos = (left, bottom)


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


def set_height_keep_top(widget, height: float) -> None:
    """Change ``widget``'s height with its top where it is: it grows downwards.

    Every box on the journey screen is laid out from the top. A box that grew upwards (Kivy
    keeps ``y``) laid its children out from a top that its parent then moved back: each
    child moved twice, and every label's text quad and every nested grid with it.
    """
    top = widget.top
    widget.height = height
    widget.y = top - height


def grow_down(box) -> None:
    """Give a layout the height its children need, growing downwards (``set_height_keep_top``)."""
    box.bind(minimum_height=set_height_keep_top)


_type_scale = [1.0]
"""The window's type scale (``screens.layout.apply_shape``): 1.0 on a reference panel, less on small ones."""


def set_type_scale(k: float) -> None:
    _type_scale[0] = k


def type_scale() -> float:
    return _type_scale[0]


def font(kind: str, scale: float) -> float:
    """A theme type size at ``scale`` (1.5 in elder mode) on this window."""
    return sp(THEME["font_sp"][kind]) * scale * _type_scale[0]


class WrapLabel(TextQuad, Label):
    """A label that wraps to its width and takes the height its text needs.

    No ``bold``: the CJK face has no bold weight, and SDL_ttf's synthetic bold costs
    ~100 ms per Chinese line on a kiosk without a GPU — emphasis is colour and size.
    """

    _resetting = False
    reserve = 0.0
    """Height kept even without text (a field's error line: the keypad under it never moves)."""

    def __init__(self, text: str = "", kind: str = "body", scale: float = 1.0, colour=None,
                 halign: str = "left", valign: str = "top", size_hint_x: float | None = 1.0, **kw) -> None:
        super().__init__(size_hint_y=None, line_height=1.3, **kw)
        self._add_text_quad()
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
        self.reserve = 0.0
        self._resetting = False
        self._wrap()
        if not text:
            self.height = 0
        elif self.texture_size[1]:
            self.height = self.texture_size[1] + dp(4)  # same size as the old text: no texture_size event

    def keep_room(self, lines: int = 1) -> None:
        """Keep the height of ``lines`` lines whether or not there is text (set after ``reset``)."""
        self.reserve = self.font_size * self.line_height * lines + dp(4)
        self.height = max(self.height, self.reserve)

    def _wrap(self, *_a) -> None:
        if not self._resetting:
            fit_text(self, self.width)

    def texture_update(self, *largs) -> None:
        """Kivy's rendering, given the line breaks of a long run of Chinese (``break_lines``)."""
        core, text, width = self._label, self.text, self.text_size[0]
        broken = break_lines(core, text, width) if width and not self.markup and text else None
        if broken is None:
            super().texture_update(*largs)
            return
        core.text = broken
        try:
            super().texture_update(*largs)
        finally:
            core.text = text

    def _grow(self, _w, size) -> None:
        set_height_keep_top(self, max(self.reserve, size[1] + dp(4) if self.text else 0))


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


BUTTON_STYLES = {
    # style: (background, text colour, outline or None)
    "primary": ("button_bg", (1, 1, 1, 1), None),
    "secondary": ("button_secondary", "text", "button_outline"),
    "danger": ("danger_bg", (1, 1, 1, 1), None),
    "selected": ("selected_bg", "selected_text", None),
    "tile": ("tile_bg", "text", "button_outline"),
    "field": ("field_bg", "text", "field_border"),
    "field_focus": ("field_bg", "text", "accent"),
}
"""How each style looks: a primary action is filled, a secondary one outlined, a chosen
option amber with dark text (never just a shade darker), an entry field dark with a frame."""


def _theme_colour(value) -> tuple:
    return tuple(THEME[value]) if isinstance(value, str) else tuple(value)


def _hex(rgba) -> str:
    return "".join(f"{round(c * 255):02x}" for c in rgba[:3])


class BigButton(TextQuad, Button):
    """A touch target of at least 60 dp (90 dp in elder mode) that wraps its label.

    ``label`` is the plain text (``text`` may carry markup for an icon or a note); a
    ``tile`` shows its icon above the words, other styles beside them.
    """

    _resetting = False
    centred = True
    _words = ""
    _mark = ""
    _body = 0.0
    MIN_SHRINK = 0.8
    """A label that does not fit on one line may be set this much smaller rather than torn in two."""

    def __init__(self, text: str, on_press: Callable[[], None], style: str = "primary", enabled: bool = True,
                 scale: float = 1.0, note: str = "", action_id: str = "", icon: str = "", **kw) -> None:
        super().__init__(color=THEME["text"], background_normal="", background_down="",
                         background_color=(0, 0, 0, 0), size_hint_y=None, halign="center", valign="middle", **kw)
        # The outline is the same rounded nine-patch in the outline's colour, with the fill drawn
        # over it inset by the line's width: a Kivy Line of that width round the corners is a
        # mesh of hundreds of thin triangles, ~0.27 ms per button per redrawn frame on a CPU
        # renderer (llvmpipe sets triangles up on the main thread) against ~0.02 ms for this.
        corner = max(2, int(dp(8)))
        with self.canvas.before:
            self._line_colour = Color(0, 0, 0, 0)
            self._line = BorderImage(texture=rounded_texture(), border=(corner, corner, corner, corner))
            self._bg_colour = Color()
            self._bg = BorderImage(texture=rounded_texture(), border=(corner, corner, corner, corner))
        self._line_width = 0.0
        self._add_text_quad()
        self.bind(pos=self._redraw, size=self._redraw, state=self._pressed, width=self._wrap, text=self._wrap,
                  font_size=self._wrap, texture_size=self._grow)
        self.reset(text, on_press, style, enabled, scale, note, action_id, kw.get("size_hint_x", 1.0), icon)

    def reset(self, text: str, on_press: Callable[[], None], style: str = "primary", enabled: bool = True,
              scale: float = 1.0, note: str = "", action_id: str = "", size_hint_x: float | None = 1.0,
              icon: str = "") -> None:
        """Make this button a new one (fresh, or kept by the ``Recycler``)."""
        self._resetting = True  # text and size change together: fit the text once, at the end
        self.label = text
        body = font("body", scale)
        tile = style == "tile"
        mark = icon_markup(icon, body * (1.6 if tile else 1.1), _hex(THEME["accent"]) if tile else "")
        # the markup renderer is slower: only a note or an icon needs it
        self.markup = bool(note or mark)
        shown = text.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;") if self.markup else text
        # an icon beside the words (not a tile's, not with a note): ``_fit_line`` may put it above them
        self._words, self._mark, self._body = (shown, mark, body) if mark and not tile and not note else ("", "", body)
        if mark:
            shown = f"{mark}\n{shown}" if tile else f"{mark} {shown}"
        if note:
            # amber on the dark styles, a paler amber on the blue of a primary button (>= 4.5:1 on both)
            tint = "ffe7a8" if style == "primary" else "e0c060"
            shown += f"\n[size={int(font('small', scale))}][color={tint}]{note}[/color][/size]"
        self.text = shown
        self.font_size = body
        self.halign = "left" if style.startswith("field") else "center"
        self._resetting = False
        self._wrap()
        self.size_hint_x = size_hint_x
        self.state = "normal"
        self.disabled = not enabled
        self.opacity = 1.0 if enabled else 0.5
        self.min_height = dp(60) * scale
        self.restyle(style)
        self._callback = on_press
        self.action_id = action_id
        """The journey action this button sends (lets the demo and tests press by id in any language)."""
        self.height = max(self.min_height, self.texture_size[1] + dp(24)) if self.texture_size[1] else self.min_height

    def restyle(self, style: str) -> None:
        """Another look for the same button (a field gaining or losing the keypad)."""
        bg, fg, outline = BUTTON_STYLES.get(style, BUTTON_STYLES["primary"])
        self.style = style
        self.color = _theme_colour(fg)
        self._colour = _theme_colour(bg)
        self._bg_colour.rgba = self._colour
        self._line_colour.rgba = _theme_colour(outline) if outline else (0, 0, 0, 0)
        self._line_width = (dp(3) if style == "field_focus" else dp(1.5)) if outline else 0.0
        self._redraw()

    @property
    def background(self) -> tuple:
        """The colour behind the text (what a contrast check compares the text with)."""
        return self._colour

    def _wrap(self, *_a) -> None:
        if self._resetting:
            return
        width = max(0.0, self.width - dp(24))
        if self.halign == "center":
            fit_text(self, self._fit_line(width))
        elif width > 1:
            self.text_size = (width, None)  # left-aligned (a field): the texture spans the field

    def forget(self) -> None:
        """Blank the button for keeping: its words too, or fitting the line would write them back."""
        self.label, self._words, self._mark = "", "", ""
        self.text = ""

    def set_type(self, size: float) -> None:
        """Set the label's full type size (the bar narrows its buttons' type); ``_fit_line`` may still shrink it."""
        self._body = size
        self.font_size = size

    def _fit_line(self, width: float) -> float:
        """Keep a short label on one line: its icon goes above the words when beside them is too wide,
        and the type shrinks (to ``MIN_SHRINK``) before the words would be torn across two lines.

        Returns the width to wrap at: a label that needs several lines anyway (a sentence)
        is wrapped to lines of even length, so no line is left with a lone character.
        """
        if width <= 1 or not self._body or "\n" in self.label:
            return width
        core = self._label
        saved = core.options.get("font_size")
        core.options["font_size"] = self._body  # measured at the full size, whatever it is set to now
        try:
            words, space = core.get_extents(self.label)[0], core.get_extents(" ")[0]
            # lines of even length, but never narrower than a word (Kivy would split it)
            longest = max((core.get_extents(w)[0] for w in self.label.split()), default=0.0) if " " in self.label \
                else 0.0
        finally:
            core.options["font_size"] = saved
        if self._mark:
            icon = self._body * 1.1 + space
            stacked = words + icon > width
            text = f"{self._mark}\n{self._words}" if stacked else f"{self._mark} {self._words}"
            if self.text != text:
                self.text = text
        size = self._body
        wrap = width
        if width < words <= width / self.MIN_SHRINK:
            size = self._body * width / words * 0.98
        elif words > width:
            if longest > width:  # one word wider than the button: smaller type, as far as allowed
                size = self._body * max(self.MIN_SHRINK, width / longest * 0.98)
                longest *= size / self._body
            lines = -(-words // width)
            wrap = min(width, max(words / lines + 0.5 * self._body, longest + space))
        if self.font_size != size:
            self.font_size = size
        return wrap

    def _grow(self, _w, size) -> None:
        set_height_keep_top(self, max(self.min_height, size[1] + dp(24)))

    def _redraw(self, *_a) -> None:
        w = self._line_width
        if w:
            self._line.pos, self._line.size = self.pos, self.size
        else:
            self._line.size = (0, 0)
        self._bg.pos = (self.x + w, self.y + w)
        self._bg.size = (max(0, self.width - 2 * w), max(0, self.height - 2 * w))

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
        self._unblanked: list = []
        """Kept widgets that may still show a text of the visit (``blank_some`` empties them)."""

    def label(self, text: str = "", kind: str = "body", scale: float = 1.0, colour=None, halign: str = "left",
              valign: str = "top", size_hint_x: float | None = 1.0) -> WrapLabel:
        if self._labels:
            w = self._labels.pop()
            w._in_pool = False
            w.reset(text, kind, scale, colour, halign, valign, size_hint_x)
            return w
        return WrapLabel(text, kind, scale, colour, halign, valign, size_hint_x)

    def button(self, text: str, on_press: Callable[[], None], style: str = "primary", enabled: bool = True,
               scale: float = 1.0, note: str = "", action_id: str = "", icon: str = "") -> BigButton:
        if self._buttons:
            w = self._buttons.pop()
            w._in_pool = False
            w.reset(text, on_press, style, enabled, scale, note, action_id, icon=icon)
            return w
        return BigButton(text, on_press, style, enabled, scale, note, action_id, icon=icon)

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
                w._in_pool = True
                self._unblanked.append(w)
            return
        if type(w) is BigButton:
            if len(self._buttons) < self.limit:
                w._callback = _nothing
                self._buttons.append(w)
                w._in_pool = True
                self._unblanked.append(w)
            return
        for child in list(w.children):
            w.remove_widget(child)
            self._keep(child)

    def blank(self) -> None:
        """Empty every kept widget's text: at the end of a visit nothing of it stays in memory."""
        for w in self._labels:
            w.text = ""
        for b in self._buttons:
            b.forget()
        self._unblanked.clear()

    def blank_some(self, budget_s: float) -> bool:
        """Empty kept widgets' texts for about ``budget_s`` of CPU; returns whether all are empty.

        The end of a visit empties up to 480 widgets, ~0.1 ms each (the texture, the text's
        quad and the height each change): a frame's worth spread over a few frames.
        """
        started = time.thread_time()
        while self._unblanked:
            w = self._unblanked.pop()
            if getattr(w, "_in_pool", False):  # not taken out for a new page meanwhile
                if type(w) is BigButton:
                    w.forget()
                else:
                    w.text = ""
                # its empty texture now, inside the budget: left to Kivy's trigger, every label emptied
                # here rendered in this frame's draw, outside any budget (~60 labels after a visit)
                if w._trigger_texture.is_triggered:
                    w._trigger_texture.cancel()
                    w.texture_update()
            if time.thread_time() - started > budget_s:
                break
        return not self._unblanked

    @property
    def blanking(self) -> bool:
        """Kept widgets may still carry a text of the visit just ended."""
        return bool(self._unblanked)

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
        grow_down(self)
        self.background = tuple(THEME["panel"])
        """The colour behind the panel's texts (the layout audit's contrast check reads it)."""
        with self.canvas.before:
            Color(*THEME["panel"])
            self._bg = Rectangle()
        self.bind(pos=self._redraw, size=self._redraw)

    def _redraw(self, *_a) -> None:
        self._bg.pos, self._bg.size = self.pos, self.size
