"""The one screen every journey step is drawn on: it renders a ``Frame`` and forwards touches.

Layout, top to bottom: a bar (title, masked identity, language, elder mode, help), the
offline banner, the help status, the scrolling body of blocks, and the action buttons
in the lower part of the panel (reach range for wheelchair users). The 20-second
timeout warning covers the body with a countdown and "I need more time".

Rebuilding is done only when the view's shape changes; typing into a form only
updates the field, so the keypad never loses its place and a frame stays cheap.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import replace

from kivy.clock import Clock
from kivy.core.image import Image as CoreImage
from kivy.core.window import Window
from kivy.graphics import Color, Rectangle
from kivy.metrics import dp
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.textinput import TextInput

from kiosk.i18n import _
from kiosk.views import Choices, Form, Frame, Pairs, Picture, Progress, Rating, Table, Text, View
from screens.theme import CJK_FONT, THEME
from screens.widgets import (
    TEXT_COLOURS,
    TEXT_SIZES,
    BigButton,
    ClipScrollView,
    Keypad,
    Panel,
    Recycler,
    WrapLabel,
    font,
)

Act = Callable[..., None]
BUILD_BUDGET_S = 0.008
"""Python time per frame for adding rows; label textures and the raster come on top."""
LABELS_PER_FRAME = 8
"""Labels are laid out and rendered (CJK wrapping is costly) in the frame after they are added."""


def shape_of(view: View) -> View:
    """The view with form values and errors blanked: equal shapes mean "update fields in place"."""
    blocks = tuple(
        Form(tuple(f if f.choices else replace(f, value="", error="") for f in b.fields), b.focus)
        if isinstance(b, Form) else b
        for b in view.blocks)
    return replace(view, blocks=blocks)


def _one_line(entry: TextInput, scroll_y: float) -> None:
    """A one-line input never scrolls vertically.

    Kivy's deferred viewport adjustment, computed while a prefilled input still had its
    default 100 px width, scrolled a long address down by most of a line after the input
    had its real width: the text showed cut in half.
    """
    if scroll_y:
        entry.scroll_y = 0


class JourneyScreen(FloatLayout):
    """Renders frames; ``act(action_id, **args)`` is the visit controller's ``act``."""

    def __init__(self, act: Act, **kw) -> None:
        super().__init__(**kw)
        self.act = act
        self.scale = 1.0
        self._shape: View | None = None
        self._chrome_key: tuple | None = None
        self._fields: dict[str, tuple[TextInput | WrapLabel, WrapLabel]] = {}
        self._focus = ""
        self._pending: list[tuple[Callable[[], None], int]] = []
        self._drain_event = None
        self.pool = Recycler()
        """Labels and buttons of the body and the actions, reused from screen to screen."""
        # No full-screen background quad: the window's clear colour is the background (one
        # blended 1080x1920 layer less per frame, ~15 ms on a GPU-less CPU renderer).
        Window.clearcolor = THEME["background"]
        self.root_box = BoxLayout(orientation="vertical", padding=dp(20), spacing=dp(12))
        self.add_widget(self.root_box)
        self.bar = BoxLayout(size_hint_y=None, height=dp(72), spacing=dp(10))
        self.bar.bind(width=self._fit_bar)
        self.banner = WrapLabel("", "small", colour=(1, 1, 1, 1), halign="center")
        self.help_line = WrapLabel("", "small", colour=THEME["accent"], halign="center")
        self.title = WrapLabel("", "title", colour=THEME["accent"])
        self.scroll = ClipScrollView(do_scroll_x=False, bar_width=dp(8))
        self.viewport = AnchorLayout(anchor_y="top")
        self.body = GridLayout(cols=1, spacing=dp(14), size_hint_y=None, padding=(0, dp(4)))
        self.body.bind(minimum_height=self.body.setter("height"))
        self.viewport.add_widget(self.body)
        self.body.bind(height=self._place_body)
        self.viewport.bind(height=self._place_body)
        self.actions = GridLayout(cols=2, spacing=dp(12), size_hint_y=None)
        self.actions.bind(minimum_height=self.actions.setter("height"))
        for w in (self.bar, self.banner, self.help_line, self.title, self.viewport, self.actions):
            self.root_box.add_widget(w)
        self.overlay: Panel | None = None

    def _place_body(self, *_a) -> None:
        """Scroll only when the content is taller than the viewport.

        A ScrollView clips through the stencil buffer, two more viewport-sized quads every
        frame; most steps fit, so they are drawn without it.
        """
        if self.viewport.height < 2:
            # Not laid out yet: a screen just added has no height and everything "overflows";
            # moving the body into the scroll view and back re-wrapped every label twice.
            return
        overflow = self.body.height > self.viewport.height + 1
        scrolling = self.body.parent is self.scroll
        if overflow == scrolling:
            return
        self.body.parent.remove_widget(self.body)
        if overflow:
            self.scroll.add_widget(self.body)
            self.viewport.add_widget(self.scroll)
            self.scroll.scroll_y = 1
        else:
            self.viewport.remove_widget(self.scroll)
            self.viewport.add_widget(self.body)

    # -- rendering ---------------------------------------------------------------------------
    def render(self, frame: Frame) -> None:
        chrome = frame.chrome
        Window.clearcolor = THEME["background"]  # the attract screen breathes this colour; take it back
        scale = THEME["elder_scale"] if chrome.elder else 1.0
        chrome_key = (chrome.language, chrome.elder, chrome.banner, chrome.help_status, chrome.identity,
                      chrome.can_go_home, chrome.labels)
        rebuild_all = scale != self.scale
        self.scale = scale
        bar_built = False
        if chrome_key != self._chrome_key or rebuild_all:
            self._chrome_key = chrome_key
            bar_built = self._render_chrome(frame)
        shape = shape_of(frame.view)
        if rebuild_all or shape != self._shape or chrome_key[:2] != getattr(self, "_lang_key", None):
            self._lang_key = chrome_key[:2]
            self._shape = shape
            # A new bar (language or elder mode switched) is a frame's worth of labels itself:
            # the body's rows start in the next frame.
            self._render_view(frame.view, drain_now=not bar_built)
        else:
            self._update_fields(frame.view)
        self._render_overlay(frame)

    def _render_chrome(self, frame: Frame) -> bool:
        """The bar is rebuilt only for a new language or scale (returns whether it was); identity
        and "home" change in place."""
        c = frame.chrome
        s = self.scale
        bar_key = (c.language, c.elder, c.labels)
        rebuilt = bar_key != getattr(self, "_bar_key", None)
        if rebuilt:
            self._bar_key = bar_key
            self.bar.clear_widgets()
            self.bar.height = dp(72) * s
            self.ident = WrapLabel("", "small", s, colour=THEME["text_dim"], valign="middle")
            self.ident.size_hint_y = 1
            self.bar.add_widget(self.ident)
            self.bar_buttons: dict[str, BigButton] = {}
            for key, style in (("home", "secondary"), ("lang", "secondary"), ("elder", "secondary"),
                               ("help", "primary"), ("end", "secondary")):
                b = BigButton(c.label(key), lambda k=key: self.act(k), style, scale=min(s, 1.2), action_id=key)
                b.size_hint_x = None
                b.size_hint_y = 1
                self.bar.add_widget(b)
                self.bar_buttons[key] = b
            self._fit_bar()
        self.ident.text = c.identity
        home = self.bar_buttons["home"]
        home.disabled = not c.can_go_home
        home.opacity = 1 if c.can_go_home else 0
        self.banner.text = c.banner
        self.banner.font_size = font("small", s)
        self.banner.opacity = 1 if c.banner else 0
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
        """Bar buttons are 150 dp wide where they fit, narrower on a narrow screen, never off its edge.

        The identity keeps the share of one button; a narrower button wraps its label.
        """
        buttons = getattr(self, "bar_buttons", {}).values()
        if not buttons:
            return
        full = dp(150) * min(self.scale, 1.3)
        room = self.bar.width - self.bar.spacing * len(buttons)
        width = max(0.0, min(full, room / (len(buttons) + 1)))
        size = max(font("small", 1.0), font("body", min(self.scale, 1.2)) * width / full)  # no word cut in two
        for b in buttons:
            b.width = width
            b.font_size = size

    def _banner_bg(self, w, *_a) -> None:
        w.canvas.before.clear()
        if w.text:
            with w.canvas.before:
                Color(*THEME["banner_bg"])
                Rectangle(pos=w.pos, size=w.size)

    def _render_view(self, view: View, drain_now: bool = True) -> None:
        s = self.scale
        self.title.text = view.title + (f"   ({view.step[0]}/{view.step[1]})" if view.step else "")
        self.title.font_size = font("title", s)
        self._clear_body()
        for block in view.blocks:
            widget = self._block(block)
            if widget is not None:
                self.body.add_widget(widget)
        if drain_now:
            self._drain()
        elif self._pending:
            self._drain_event = Clock.schedule_once(self._drain, 0)
        self.scroll.scroll_y = 1
        self.actions.cols = 1 if s > 1 else 2
        for a in view.actions:
            self.actions.add_widget(self.pool.button(a.label, lambda a=a: self.act(a.id, **a.kwargs()), a.style,
                                                     a.enabled, scale=s, action_id=a.id))

    def _clear_body(self) -> None:
        """Take the body's and the actions' widgets back into the pool; rows still queued are dropped."""
        self._pending.clear()
        if self._drain_event is not None:
            self._drain_event.cancel()
        self._fields = {}
        for box in (self.body, self.actions):
            old = list(box.children)
            box.clear_widgets()
            self.pool.keep(old)

    def clear(self) -> None:
        """Blank the screen when the visit ends: nothing of it stays drawn or kept with text."""
        self._clear_body()
        self.pool.blank()
        self._shape = None
        self.title.text = ""
        if getattr(self, "ident", None) is not None:
            self.ident.text = ""

    def _block(self, block):
        s = self.scale
        if isinstance(block, Text):
            return self.pool.label(block.text, TEXT_SIZES.get(block.style, "body"), s, TEXT_COLOURS.get(block.style))
        if isinstance(block, Progress):
            text = block.message + (f"  {block.seconds_left}s" if block.seconds_left is not None else "")
            return self.pool.label(text, "title", s, THEME["accent"], halign="center")
        if isinstance(block, Pairs):
            return self._pairs(block)
        if isinstance(block, Table):
            return self._table(block)
        if isinstance(block, Choices):
            return self._choices(block)
        if isinstance(block, Form):
            return self._form(block)
        if isinstance(block, Picture):
            return self._picture(block)
        if isinstance(block, Rating):
            return self._rating(block)
        return None

    def _pairs(self, block: Pairs) -> Panel:
        panel = Panel()
        if block.title:
            panel.add_widget(self.pool.label(block.title, "body", self.scale, THEME["accent"]))
        grid = GridLayout(cols=1 if self.scale > 1 else 2, spacing=(dp(16), dp(6)), size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        split = self.scale <= 1

        def row(label: str, value: str) -> None:
            key = self.pool.label(label, "small", self.scale, THEME["text_dim"], size_hint_x=0.3 if split else 1)
            val = self.pool.label(value, "body", self.scale, size_hint_x=0.7 if split else 1)
            grid.add_widget(key)
            grid.add_widget(val)

        for label, value in block.rows:
            self._defer(lambda label=label, value=value: row(label, value), 2)
        panel.add_widget(grid)
        return panel

    def _table(self, block: Table) -> Panel:
        panel = Panel()
        if not block.rows:
            panel.add_widget(self.pool.label(block.empty, "body", self.scale, THEME["text_dim"]))
            return panel
        grid = GridLayout(cols=len(block.columns), spacing=(dp(10), dp(6)), size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        for col in block.columns:
            grid.add_widget(self.pool.label(col, "small", self.scale, THEME["accent"]))

        def row(values: tuple[str, ...]) -> None:
            for value in values:
                grid.add_widget(self.pool.label(value, "small", self.scale))

        for values in block.rows:
            self._defer(lambda values=values: row(values), len(values))
        panel.add_widget(grid)
        if block.pages > 1:
            panel.add_widget(self.pool.label(f"{block.page} / {block.pages}", "small", self.scale, THEME["text_dim"],
                                       halign="center"))
        return panel

    def _choices(self, block: Choices) -> GridLayout:
        box = GridLayout(cols=1, spacing=dp(8), size_hint_y=None)
        box.bind(minimum_height=box.setter("height"))
        if block.title:
            box.add_widget(self.pool.label(block.title, "body", self.scale, THEME["accent"]))
        grid = GridLayout(cols=block.columns, spacing=dp(10), size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))

        def button(a) -> None:
            args = a.kwargs()
            note = args.pop("note", "")
            grid.add_widget(self.pool.button(a.label, lambda: self.act(a.id, **args), a.style, a.enabled,
                                      scale=self.scale, note=note, action_id=a.id))

        for a in block.items:
            self._defer(lambda a=a: button(a))
        box.add_widget(grid)
        return box

    # -- progressive building -----------------------------------------------------------------
    def _defer(self, build: Callable[[], None], labels: int = 1) -> None:
        """Queue a row of ``labels`` labels; rows are added a few per frame so no frame carries a whole screen."""
        self._pending.append((build, labels))

    @property
    def building(self) -> bool:
        return bool(self._pending)

    def _drain(self, _dt: float = 0.0) -> None:
        started = time.perf_counter()
        added = 0
        while self._pending and time.perf_counter() - started < BUILD_BUDGET_S:
            build, labels = self._pending[0]
            if added and added + labels > LABELS_PER_FRAME:
                break
            self._pending.pop(0)
            build()
            added += labels
        if self._pending:
            self._drain_event = Clock.schedule_once(self._drain, 0)

    def _form(self, block: Form) -> Panel:
        """Fields are rows like any others: a few per frame (a form is the heaviest step to build)."""
        panel = Panel()
        self._focus = block.focus or (block.fields[0].name if block.fields else "")
        keypad_kind = ""
        for f in block.fields:
            if not f.choices and f.keyboard != "text" and f.name == self._focus:
                keypad_kind = f.keyboard
            self._defer(lambda f=f: self._field(panel, f), 3 + len(f.choices))
        if keypad_kind:
            self._defer(lambda: panel.add_widget(Keypad(keypad_kind, self._key, self.scale, self.pool)), 12)
        self._values = {f.name: f.value for f in block.fields}
        return panel

    def _field(self, panel: Panel, f) -> None:
        panel.add_widget(self.pool.label(f.label + ("" if f.required else _("（选填）")), "small", self.scale,
                                         THEME["text_dim"]))
        if f.choices:
            entry = GridLayout(cols=2 if self.scale > 1 else 3, spacing=dp(8), size_hint_y=None)
            entry.bind(minimum_height=entry.setter("height"))
            for choice in f.choices:
                entry.add_widget(self.pool.button(choice, lambda c=choice, name=f.name: self.act("field", name=name,
                                                                                                 value=c),
                                                  "primary" if choice == f.value else "secondary", scale=self.scale))
        elif f.keyboard == "text":
            size = font("body", self.scale)
            entry = TextInput(text=self._values.get(f.name, f.value), multiline=False, font_size=size,
                              font_name=CJK_FONT, size_hint_y=None, height=size * 1.5 + dp(24),
                              padding=[dp(12), dp(12)])
            entry.bind(text=lambda w, v, name=f.name: self.act("field", name=name, value=v))
            entry.bind(focus=lambda w, v, name=f.name: self._set_focus(name) if v else None)
            entry.bind(scroll_y=_one_line)
        else:
            entry = self.pool.button(self._values.get(f.name, f.value) or " ",
                                     lambda name=f.name: self._set_focus(name), "secondary", scale=self.scale)
        error = self.pool.label(f.error, "small", self.scale, THEME["error"])
        panel.add_widget(entry)
        panel.add_widget(error)
        self._fields[f.name] = (entry, error)

    def _set_focus(self, name: str) -> None:
        self._focus = name

    def _key(self, key: str) -> None:
        name = self._focus
        value = self._values.get(name, "")
        value = value[:-1] if key == "←" else value + key
        self._values[name] = value
        self.act("field", name=name, value=value)

    def _update_fields(self, view: View) -> None:
        for block in view.blocks:
            if not isinstance(block, Form):
                continue
            for f in block.fields:
                self._values[f.name] = f.value  # a row not built yet is built with it
                widgets = self._fields.get(f.name)
                if widgets is None:
                    continue
                entry, error = widgets
                if isinstance(entry, TextInput):
                    if entry.text != f.value:
                        entry.text = f.value
                elif isinstance(entry, BigButton):
                    entry.text = f.value or " "
                error.text = f.error

    def _picture(self, block: Picture) -> BoxLayout:
        box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(6))
        tex = CoreImage(io.BytesIO(block.png), ext="png").texture
        img = Image(texture=tex, size_hint_y=None, height=dp(block.height) * min(self.scale, 1.2),
                    fit_mode="contain")
        box.add_widget(img)
        height = img.height
        if block.caption:
            cap = self.pool.label(block.caption, "small", self.scale, THEME["text_dim"], halign="center")
            box.add_widget(cap)
            height += dp(60) * self.scale
        box.height = height
        return box

    def _rating(self, block: Rating) -> GridLayout:
        grid = GridLayout(cols=1, spacing=dp(10), size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        for i, label in enumerate(block.levels):
            style = "primary" if block.selected == i or block.selected is None else "secondary"
            grid.add_widget(self.pool.button(label, lambda i=i: self.act("level", index=str(i)), style,
                                             scale=self.scale))
        return grid

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
