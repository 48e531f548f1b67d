"""Screen shapes: which layout a window gets and how large its type is.

Kiosks come as 1080x1920 portrait totems, 1920x1080 wall panels and small 1280x800 to
800x480 desk units. The window's own size decides (not a setting, which could be wrong
for the panel that is actually fitted): a window clearly wider than tall is laid out
in landscape, with the actions in a column beside the content; otherwise in portrait,
with the actions under it. Type is sized for the reference panel of each orientation
and shrinks on smaller windows, never below ``min_type_scale`` of the theme; touch
targets do not shrink (60 px, 90 px in elder mode, whatever the window).
"""

from __future__ import annotations

from dataclasses import dataclass

from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.widget import Widget

from screens.theme import THEME
from screens.widgets import ClipScrollView, set_type_scale

PORTRAIT_REFERENCE = (1080, 1920)
LANDSCAPE_REFERENCE = (1920, 1080)


@dataclass(frozen=True)
class Shape:
    landscape: bool
    type_scale: float
    """Multiplies every font size (1.0 on the reference panel)."""


def shape_for(width: float, height: float) -> Shape:
    landscape = width > height * THEME["landscape_ratio"]
    ref_w, ref_h = LANDSCAPE_REFERENCE if landscape else PORTRAIT_REFERENCE
    k = min(width / ref_w, height / ref_h, 1.0)
    return Shape(landscape, round(max(THEME["min_type_scale"], k), 3))


def apply_shape(width: float, height: float) -> Shape:
    """The shape of a ``width`` x ``height`` window, with its type scale made the one ``font`` uses."""
    shape = shape_for(width, height)
    set_type_scale(shape.type_scale)
    return shape


class FitScroll(AnchorLayout):
    """Holds one ``content`` widget of its own height; scrolls it only when it is taller than this box.

    A ScrollView costs a clip every frame and makes a short page look scrollable; most
    steps fit, so the content sits in the box directly and moves into the scroll view
    only while it overflows.
    """

    def __init__(self, content: Widget, **kw) -> None:
        super().__init__(**kw)
        self.content = content
        self.scroll = ClipScrollView(do_scroll_x=False, bar_width=8)
        self.add_widget(content)
        content.bind(height=self._place)
        self.bind(height=self._place)

    @property
    def scrolling(self) -> bool:
        return self.content.parent is self.scroll

    def release(self) -> Widget:
        """Take the content out (and the scroll view with it); ``hold`` puts it back."""
        if self.content.parent is not None:
            self.content.parent.remove_widget(self.content)
        if self.scroll.parent is not None:
            self.remove_widget(self.scroll)
        return self.content

    def hold(self) -> None:
        self.release()
        self.add_widget(self.content)
        self._place()

    def _place(self, *_a) -> None:
        if self.content.parent not in (self, self.scroll):
            return  # lent to another box (the actions under the content in portrait)
        if self.height < 2:
            # Not laid out yet: a box just added has no height and everything "overflows".
            return
        overflow = self.content.height > self.height + 1
        if overflow == self.scrolling:
            return
        self.content.parent.remove_widget(self.content)
        if overflow:
            self.scroll.add_widget(self.content)
            if self.scroll.parent is None:
                self.add_widget(self.scroll)
            self.scroll.scroll_y = 1
        else:
            if self.scroll.parent is not None:
                self.remove_widget(self.scroll)
            self.add_widget(self.content)
