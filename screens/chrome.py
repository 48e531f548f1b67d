"""The journey screen's chrome: the bar (masked identity, home, language, elder mode, help,
end), the offline banner, the help status, and the timeout warning laid over the body.

The bar is rebuilt only for a new language, scale or labels, in the frames that build the
page shown with it (``BarSet``); identity and "home" change in place. The warning covers
the body with a countdown and "I need more time".
"""

from __future__ import annotations

from collections.abc import Callable

from kivy.graphics import Color, Rectangle
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout

from kiosk.views import Chrome as Chrome_
from kiosk.views import Frame
from screens.settle import settle
from screens.theme import THEME
from screens.widgets import BigButton, Panel, WrapLabel, font, type_scale

BAR_BUTTONS = (("home", "secondary"), ("lang", "secondary"), ("elder", "secondary"), ("help", "primary"),
               ("end", "secondary"))


class BarSet:
    """One set of the bar's widgets: the identity and the five buttons (made when first filled)."""

    def __init__(self) -> None:
        self.ident: WrapLabel | None = None
        self.buttons: dict[str, BigButton] = {}


class Chrome:
    """Mixin of ``JourneyScreen`` (a Kivy ``FloatLayout``): draws into its ``bar``, ``banner`` and
    ``help_line`` and adds the warning ``overlay`` to it."""

    act: Callable[..., None]
    scale: float
    bar: BoxLayout
    _page: object
    banner: WrapLabel
    help_line: WrapLabel
    overlay: Panel | None

    def _render_chrome(self, frame: Frame) -> bool:
        """The banner and the help status now; returns whether the bar needs another language, scale or
        labels (``_render_bar`` decides when it gets them)."""
        c = frame.chrome
        s = self.scale
        bar_key = (c.language, c.elder, c.labels)
        rebuilt = bar_key != getattr(self, "_bar_key", None)
        if rebuilt:
            self._bar_key = bar_key
            self._bar_next = c
        self.banner.text = c.banner
        self.banner.font_size = font("small", s)
        self.banner.opacity = 1 if c.banner else 0
        self.banner.background = tuple(THEME["banner_bg"])
        with self.banner.canvas.before:
            self.banner.canvas.before.clear()
            if c.banner:
                Color(*THEME["banner_bg"])
                Rectangle(pos=self.banner.pos, size=self.banner.size)
        self.banner.bind(pos=self._banner_bg, size=self._banner_bg)
        self.help_line.text = c.help_status
        self.help_line.font_size = font("small", s)
        return rebuilt

    # -- the bar ------------------------------------------------------------------------------
    # Two sets of the bar's widgets, made once each and changed in place: the bar shows while the
    # between-visit collection freezes what survives, so a bar made anew for another language
    # would leave the old one (and its textures) as frozen garbage. The set not shown is filled
    # with the page being built (a row per button, in its frames) and shown with that page: a
    # language or elder-mode switch renders the bar's texts off the screen, not all in one frame.
    def _init_bar(self) -> None:
        self._bar_sets = (BarSet(), BarSet())
        self._bar_shown = self._bar_sets[0]
        self._bar_next: Chrome_ | None = None
        """The chrome the bar is still to be built for (None: the bar shown is up to date)."""
        self.ident: WrapLabel | None = None
        self.bar_buttons: dict[str, BigButton] = {}

    def _render_bar(self, chrome: Chrome_) -> None:
        """After the page decision: a new bar is built with the page being built, or now when there is none."""
        page = self._page
        if self._bar_next is not None:
            if page is None:  # new labels on the same page (help called): the bar shown, in place
                for row in self._bar_rows(self._bar_shown, self._bar_next):
                    row()
                self._show_bar(self._bar_shown)
            elif page.bar is not self._bar_next:
                self._queue_bar(page)
        self._bar_state(chrome)

    def _queue_bar(self, page) -> None:
        """Fill the spare bar for ``_bar_next`` in rows of the page being built (shown by ``_swap``)."""
        page.bar = self._bar_next
        for row in self._bar_rows(self._spare_bar(), self._bar_next):
            page.pending.append((row, 1, None))

    def _spare_bar(self) -> BarSet:
        return self._bar_sets[1] if self._bar_shown is self._bar_sets[0] else self._bar_sets[0]

    def _bar_rows(self, bar: BarSet, c: Chrome_) -> list[Callable[[], None]]:
        s = self.scale

        def ident() -> None:
            if bar.ident is None:
                bar.ident = WrapLabel("", "small", s, colour=THEME["text_dim"], valign="middle")
            else:
                bar.ident.reset("", "small", s, THEME["text_dim"], valign="middle")
            bar.ident.size_hint_y = 1
            bar.ident.text = c.identity

        def button(key: str, style: str) -> None:
            b = bar.buttons.get(key)
            if b is None:
                b = bar.buttons[key] = BigButton(c.label(key), lambda k=key: self.act(k), style, scale=s,
                                                 action_id=key, icon=key)
            else:
                b.reset(c.label(key), lambda k=key: self.act(k), style, scale=s, action_id=key, icon=key)
            b.size_hint_x = None
            b.size_hint_y = 1
            if key == "home":  # as ``_bar_state`` will show it (a disabled label is drawn in another colour)
                b.disabled = not c.can_go_home
                b.opacity = 1 if c.can_go_home else 0
            width, size = self._bar_button_size(len(BAR_BUTTONS))
            b.width = width
            b.set_type(size)
            settle(b)  # wrapped and rendered now, at the width the bar gives it

        return [ident] + [lambda key=key, style=style: button(key, style) for key, style in BAR_BUTTONS]

    def _show_bar(self, bar: BarSet) -> None:
        """Put ``bar`` (filled) in the bar box; its widths and type sizes are those it was built at."""
        self._bar_next = None
        self._bar_shown = bar
        self.bar.clear_widgets()
        self.bar.height = max(dp(60) * self.scale, dp(80) * self.scale * type_scale())
        self.ident, self.bar_buttons = bar.ident, bar.buttons
        self.bar.add_widget(bar.ident)
        for key, _style in BAR_BUTTONS:
            self.bar.add_widget(bar.buttons[key])
        self._fit_bar()

    def _bar_state(self, c: Chrome_) -> None:
        """Identity and "home" change in place."""
        if self.ident is None:
            return
        self.ident.text = c.identity
        home = self.bar_buttons["home"]
        home.disabled = not c.can_go_home
        home.opacity = 1 if c.can_go_home else 0

    def _blank_bar(self) -> None:
        """The visit ended: neither set of the bar keeps its identity (nor a bar still to build: the next
        visit builds its own)."""
        if self._bar_next is not None:
            self._bar_next = None
            self._bar_key = None
        for bar in self._bar_sets:
            if bar.ident is not None:
                bar.ident.text = ""

    def _bar_button_size(self, n: int) -> tuple[float, float]:
        full = dp(190) * self.scale * type_scale()
        room = self.bar.width - self.bar.spacing * n
        width = max(0.0, min(full, room / (n + 1)))
        size = max(font("small", 1.0), font("body", self.scale) * width / full)  # no word cut in two
        return width, size

    def _fit_bar(self, *_a) -> None:
        """Bar buttons are 190 dp wide (at the type scale) where they fit, narrower on a narrow screen,
        never off its edge.

        The identity keeps the share of one button; a narrower button has smaller type (down to
        the small size of normal mode) and wraps its label.
        """
        buttons = getattr(self, "bar_buttons", {}).values()
        if not buttons:
            return
        width, size = self._bar_button_size(len(buttons))
        for b in buttons:
            b.width = width
            if b._body != size:  # else its type is set (``_fit_line`` may have shrunk it: leave that)
                b.set_type(size)

    def _banner_bg(self, w, *_a) -> None:
        w.canvas.before.clear()
        if w.text:
            with w.canvas.before:
                Color(*THEME["banner_bg"])
                Rectangle(pos=w.pos, size=w.size)

    def _render_overlay(self, frame: Frame) -> None:
        c = frame.chrome
        if c.countdown is None:
            if self.overlay is not None:
                self.remove_widget(self.overlay)
                self.overlay = None
            return
        if self.overlay is None:
            self.overlay = Panel(size_hint=(0.86, None), pos_hint={"center_x": 0.5, "center_y": 0.45},
                                 padding=dp(28), spacing=dp(20))
            self.overlay.countdown = WrapLabel("", "title", self.scale, THEME["accent"], halign="center")
            self.overlay.add_widget(self.overlay.countdown)
            self.overlay.add_widget(BigButton(c.label("more_time"), lambda: self.act("more_time"), scale=self.scale))
            self.add_widget(self.overlay)
        self.overlay.countdown.text = c.label("countdown")
