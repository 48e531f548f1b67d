"""The journey screen's chrome: the bar (masked identity, home, language, elder mode, help,
end), the offline banner, the help status, and the timeout warning laid over the body.

The bar is rebuilt only for a new language or scale; identity and "home" change in
place. The warning covers the body with a countdown and "I need more time".
"""

from __future__ import annotations

from collections.abc import Callable

from kivy.graphics import Color, Rectangle
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout

from kiosk.views import Frame
from screens.theme import THEME
from screens.widgets import BigButton, Panel, WrapLabel, font, type_scale


class Chrome:
    """Mixin of ``JourneyScreen`` (a Kivy ``FloatLayout``): draws into its ``bar``, ``banner`` and
    ``help_line`` and adds the warning ``overlay`` to it."""

    act: Callable[..., None]
    scale: float
    bar: BoxLayout
    banner: WrapLabel
    help_line: WrapLabel
    overlay: Panel | None

    def _render_chrome(self, frame: Frame) -> bool:
        """The bar is rebuilt only for a new language or scale (returns whether it was); identity
        and "home" change in place."""
        c = frame.chrome
        s = self.scale
        bar_key = (c.language, c.elder, c.labels)
        rebuilt = bar_key != getattr(self, "_bar_key", None)
        if rebuilt:
            # The bar's widgets are made once and changed in place: the bar shows while the
            # between-visit collection freezes what survives, so a bar made anew for another
            # language would leave the old one (and its textures) as frozen garbage.
            self._bar_key = bar_key
            self.bar.height = max(dp(60) * s, dp(80) * s * type_scale())
            if getattr(self, "ident", None) is None:
                self.ident = WrapLabel("", "small", s, colour=THEME["text_dim"], valign="middle")
                self.ident.size_hint_y = 1
                self.bar.add_widget(self.ident)
                self.bar_buttons: dict[str, BigButton] = {}
            else:
                self.ident.reset("", "small", s, THEME["text_dim"], valign="middle")
                self.ident.size_hint_y = 1
            for key, style in (("home", "secondary"), ("lang", "secondary"), ("elder", "secondary"),
                               ("help", "primary"), ("end", "secondary")):
                b = self.bar_buttons.get(key)
                if b is None:
                    b = BigButton(c.label(key), lambda k=key: self.act(k), style, scale=s, action_id=key, icon=key)
                    self.bar.add_widget(b)
                    self.bar_buttons[key] = b
                else:
                    b.reset(c.label(key), lambda k=key: self.act(k), style, scale=s, action_id=key, icon=key)
                b.size_hint_x = None
                b.size_hint_y = 1
            self._fit_bar()
        self.ident.text = c.identity
        home = self.bar_buttons["home"]
        home.disabled = not c.can_go_home
        home.opacity = 1 if c.can_go_home else 0
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

    def _fit_bar(self, *_a) -> None:
        """Bar buttons are 190 dp wide (at the type scale) where they fit, narrower on a narrow screen,
        never off its edge.

        The identity keeps the share of one button; a narrower button has smaller type (down to
        the small size of normal mode) and wraps its label.
        """
        buttons = getattr(self, "bar_buttons", {}).values()
        if not buttons:
            return
        full = dp(190) * self.scale * type_scale()
        room = self.bar.width - self.bar.spacing * len(buttons)
        width = max(0.0, min(full, room / (len(buttons) + 1)))
        size = max(font("small", 1.0), font("body", self.scale) * width / full)  # no word cut in two
        for b in buttons:
            b.width = width
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
