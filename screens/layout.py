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

from kivy.lang import Builder
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from screens.theme import THEME
from screens.widgets import set_type_scale

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

    def to_top(self) -> None:
        """Show the top of new content, with no glide left over from the content before.

        Kivy's scroll effect keeps its own position and velocity: a fling or the spring back
        of an overscroll on one step, still running when the next step is drawn, carried the
        new page away from its top (a citizen saw the home tiles slide under the title bar).
        """
        for effect in (self.effect_x, self.effect_y):
            if effect is not None:
                effect.is_manual = False
                effect.velocity = 0
                if hasattr(effect, "overscroll"):
                    effect.overscroll = 0
        self.scroll_y = 1
        self._update_effect_bounds()  # the effect's position follows, so it has nothing to spring back from


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
        content.bind(height=self._keep_edge)
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

    def _keep_edge(self, *_a) -> None:
        """Content that grows or shrinks keeps its anchored edge at once, not after the next layout pass.

        Otherwise the content lays its children out once from where its old height put its
        top, and again when this box has anchored it: everything in it moves twice.
        """
        content = self.content
        if content.parent is self and self.height > 2:
            if self.anchor_y == "top":
                content.top = self.top - self.padding[1]
            elif self.anchor_y == "bottom":
                content.y = self.y + self.padding[3]
        elif content.parent is self.scroll and self.scroll.scroll_y >= 1 and self.anchor_y == "top":
            content.top = self.scroll.top

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
            self.scroll.to_top()
        else:
            if self.scroll.parent is not None:
                self.remove_widget(self.scroll)
            self.add_widget(self.content)
