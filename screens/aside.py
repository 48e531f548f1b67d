"""The help panel under a short step: what fills the height a step's content leaves free.

A portrait totem is 1920 px tall and most steps (identify, pay, a question) need a third
of it; with the actions at the bottom for reach, the rest was an empty band between the
content and the buttons, and the screen looked unfinished. The step's content is
followed by this panel instead: the step's pictogram, "need help?" and how to get it
(the help button, the hall desk, the 12345 hotline). It takes exactly the height left, so
nothing scrolls for it; where too little is left it leaves out the pictogram, then
itself. The layout audit's ``band`` check (screens/audit.py) holds every screen to it.
"""

from __future__ import annotations

from collections import OrderedDict

from kivy.core.text.markup import MarkupLabel
from kivy.graphics import BorderImage, Color, Rectangle
from kivy.graphics.texture import Texture
from kivy.metrics import dp
from kivy.properties import ListProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from screens.icons import icon_markup
from screens.theme import THEME
from screens.widgets import WrapLabel, font, rounded_texture

ICON_FOR_SCREEN = {"identify": "household", "pay": "payments", "home": "help", "guide": "other",
                   "query": "search", "queue": "hall", "certificates": "certificates", "reprint": "reprint"}
"""The pictogram of a step, by the first part of its screen name; others show the help icon."""


GLYPHS_KEPT = 8
"""Rendered pictograms kept (by icon, size and colour): a step shown again finds its pictogram drawn."""
_glyphs: OrderedDict[tuple, Texture] = OrderedDict()


def _hex(rgba) -> str:
    return "".join(f"{round(c * 255):02x}" for c in rgba[:3])


def glyph_texture(name: str, px: int, colour: str) -> Texture | None:
    """The pictogram ``name`` at ``px`` in ``colour`` (hex), rendered once and kept among the latest few."""
    key = (name, px, colour)
    tex = _glyphs.get(key)
    if tex is None:
        markup = icon_markup(name, px, colour)
        if not markup:
            return None
        label = MarkupLabel(text=markup, font_size=px, line_height=1.3)
        label.refresh()
        tex = label.texture
        tex.bind()  # its pixels now, not in the frame that first draws it
        if len(_glyphs) >= GLYPHS_KEPT:
            _glyphs.popitem(last=False)
        _glyphs[key] = tex
    else:
        _glyphs.move_to_end(key)
    return tex


class Glyph(Widget):
    """The panel's pictogram: a texture from ``glyph_texture``, centred.

    Not a label: its size follows the room the step leaves, and a label would render its
    markup again for every new size, in the frame that shows the step (2-6 ms a time on a
    CPU renderer). The page being built asks for it beforehand (``Aside.prepare``).
    """

    texture_size = ListProperty([0, 0])

    def __init__(self) -> None:
        super().__init__(size_hint_y=None, height=0)
        self.text = ""
        """The icon's name ("" while none is shown): what the panel's levels test, as a label's text."""
        with self.canvas:
            Color(1, 1, 1, 1)
            self._quad = Rectangle()
        self.bind(pos=self._place, size=self._place, texture_size=self._place)

    def show(self, name: str, texture: Texture | None) -> None:
        self.text = name if texture is not None else ""
        self._quad.texture = texture
        self.texture_size = list(texture.size) if texture is not None else [0, 0]

    def _place(self, *_a) -> None:
        tw, th = self.texture_size
        self._quad.size = (tw, th)
        self._quad.pos = (int(self.center_x - tw / 2.0), int(self.center_y - th / 2.0))


class Aside(BoxLayout):
    """Pictogram, heading and help text, centred in whatever height ``fit`` gives it.

    Where the height is short it shows less: no pictogram, then no heading, then only a
    one-line reminder. A part left out is made transparent and flat, never emptied: its
    text keeps its rendered size, so what fits does not change by being shown.
    """

    PAD = dp(12)
    GAP = dp(6)
    ICON_SHARE = 0.22
    """The pictogram grows with the room (a quarter of it, about), as an illustration of the step ..."""
    ICON_GROWTH = 3.5
    """... up to this many times its smallest size."""

    def __init__(self) -> None:
        super().__init__(orientation="vertical", size_hint_y=None, height=0, padding=self.PAD, spacing=self.GAP)
        self.background = tuple(THEME["panel"])
        """The colour behind the panel's texts (the layout audit's contrast check reads it)."""
        with self.canvas.before:
            Color(*THEME["panel"])
            corner = max(2, int(dp(8)))
            self._bg = BorderImage(texture=rounded_texture(), border=(corner, corner, corner, corner))
        self.bind(pos=self._redraw, size=self._redraw)
        self.icon = Glyph()
        self.heading = WrapLabel("", "title", colour=THEME["accent"], halign="center")
        self.text = WrapLabel("", "body", halign="center")
        self.short = WrapLabel("", "body", halign="center")
        self.parts = (self.icon, self.heading, self.text, self.short)
        self.add_widget(Widget())
        for w in self.parts:
            self.add_widget(w)
        self.add_widget(Widget())
        self.shown = False
        self._key: tuple = ()
        self._icon_name = ""
        self._icon_base = 0.0
        self._icon_px = 0

    def reset(self, screen: str, heading: str, text: str, short: str, scale: float) -> None:
        """What the panel says for a step ``screen`` at elder ``scale`` (nothing is redone when that is unchanged:
        the face step redraws its preview four times a second)."""
        name = ICON_FOR_SCREEN.get(screen.split(".")[0], "help")
        key = (name, heading, text, short, scale, font("body", 1.0))
        if key == self._key:
            return
        self._key = key
        self._icon_name = name
        self._icon_base = font("headline_en", scale) * 2.2
        self._icon_px = 0
        self.heading.reset(heading, "title", scale, THEME["accent"], "center")
        self.text.reset(text, "body", scale, THEME["text"], "center")
        self.short.reset(short, "body", scale, THEME["text"], "center")

    def _icon_size(self, base: float, room: float) -> int:
        """The pictogram's size for ``room``: about a quarter of it, in steps of an eighth of its
        smallest size ``base`` (a few sizes, each rendered once)."""
        step = max(4.0, base / 8)
        px = min(max(base, room * self.ICON_SHARE), base * self.ICON_GROWTH)
        return int(round(px / step) * step)

    def prepare(self, screen: str, room: float, scale: float) -> None:
        """Render the pictogram a step ``screen`` will show in ``room`` now (a page being built asks)."""
        name = ICON_FOR_SCREEN.get(screen.split(".")[0], "help")
        glyph_texture(name, self._icon_size(font("headline_en", scale) * 2.2, room), _hex(THEME["accent"]))

    @staticmethod
    def _height(label: WrapLabel | Glyph) -> float:
        return label.texture_size[1] + dp(4) if label.text else 0.0

    def needs(self, parts: tuple[WrapLabel, ...]) -> float:
        """The height the panel takes showing ``parts`` at its present width."""
        return sum(self._height(p) for p in parts) + self.GAP * (len(self.parts) + 1) + 2 * self.PAD + dp(8)

    def fit(self, room: float) -> bool:
        """Take ``room`` px showing as much as fits in it, or hide. Returns whether it is shown."""
        px = self._icon_size(self._icon_base, room)
        if px != self._icon_px and self._icon_name:
            self._icon_px = px
            self.icon.show(self._icon_name, glyph_texture(self._icon_name, px, _hex(THEME["accent"])))
        levels = ((self.icon, self.heading, self.text), (self.heading, self.text), (self.text,), (self.short,))
        chosen = next((parts for parts in levels if all(p.text for p in parts) and room >= self.needs(parts)), ())
        self.shown = bool(chosen)
        for part in self.parts:
            on = part in chosen
            part.opacity = 1 if on else 0
            part.height = self._height(part) if on else 0
        self.opacity = 1 if self.shown else 0
        self.height = room if self.shown else 0
        return self.shown

    def _redraw(self, *_a) -> None:
        self._bg.pos, self._bg.size = self.pos, self.size
