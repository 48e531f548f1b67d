"""The one screen every journey step is drawn on: it renders a ``Frame`` and forwards touches.

Layout, top to bottom: a bar (masked identity, home, language, elder mode, help, end), the
offline banner, the help status, then the step: its title and body of blocks, the help
panel in the height they leave free (screens/aside.py), and its action buttons. In
portrait (screens/layout.py) the actions are at the bottom of the panel (the reach range
of a wheelchair user) and the home screen's tiles are tall; in landscape the actions
stand in a column to the right of the content, bottom-aligned. Content that does not fit
scrolls; the actions never leave the screen. The 20-second timeout warning covers the
body with a countdown and "I need more time".

Rebuilding is done only when the view's shape changes; typing into a form only
updates the field, so the keypad never loses its place and a frame stays cheap. A new
page is built off the widget tree, a few rows per frame, and swapped in whole when it is
complete (screens/pages.py), so no frame builds a whole screen and no half-built page is
ever shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.textinput import TextInput

from kiosk.views import Form, Frame, View
from screens.aside import Aside
from screens.blocks import Blocks
from screens.chrome import Chrome
from screens.forms import Forms
from screens.layout import FitScroll, Shape, apply_shape
from screens.pages import Pages, skeleton
from screens.settle import settle
from screens.theme import THEME
from screens.widgets import Panel, Recycler, WrapLabel

Act = Callable[..., None]
BLANK_BUDGET_S = 0.002
"""CPU per frame for emptying kept widgets after a visit (all of them within a few frames)."""


def shape_of(view: View) -> View:
    """The view with form values and errors blanked: equal shapes mean "update fields in place"."""
    blocks = tuple(
        Form(tuple(f if f.choices else replace(f, value="", error="") for f in b.fields), b.focus)
        if isinstance(b, Form) else b
        for b in view.blocks)
    return replace(view, blocks=blocks)


class JourneyScreen(Pages, Chrome, Blocks, Forms, FloatLayout):
    """Renders frames; ``act(action_id, **args)`` is the visit controller's ``act``.

    What each part looks like is drawn by the mixins: ``Chrome`` (screens/chrome.py) the bar
    and the timeout warning, ``Blocks`` (screens/blocks.py) the body's blocks, ``Forms``
    (screens/forms.py) forms and the keypad, ``Pages`` (screens/pages.py) builds a new page off
    the tree and swaps it in; this class lays the screen out and decides what to rebuild.
    """

    def __init__(self, act: Act, **kw) -> None:
        super().__init__(**kw)
        self.act = act
        self.scale = 1.0
        self._shape: View | None = None
        self._chrome_key: tuple | None = None
        self._fields: dict[str, tuple[TextInput | WrapLabel, WrapLabel]] = {}
        self._focus = ""
        self._values: dict[str, str] = {}
        self.pictures = {}
        self.decoding = {}
        self.pool = Recycler()
        """Labels and buttons of the body and the actions, reused from screen to screen."""
        self._blank_soon = Clock.create_trigger(self._blank_some, 0)
        # No full-screen background quad: the window's clear colour is the background (one
        # blended 1080x1920 layer less per frame, ~15 ms on a GPU-less CPU renderer).
        Window.clearcolor = THEME["background"]
        self.root_box = BoxLayout(orientation="vertical", padding=dp(20), spacing=dp(12))
        self.add_widget(self.root_box)
        self.bar = BoxLayout(size_hint_y=None, height=dp(72), spacing=dp(10))
        self.bar.bind(width=self._fit_bar)
        self._init_bar()
        self.banner = WrapLabel("", "small", colour=(1, 1, 1, 1), halign="center")
        self.help_line = WrapLabel("", "small", colour=THEME["accent"], halign="center")
        self._init_pages(lambda: WrapLabel("", "title", colour=THEME["accent"]),
                         lambda: GridLayout(cols=1, spacing=dp(14), size_hint_y=None, padding=(0, dp(4))))
        self.column = GridLayout(cols=1, spacing=dp(10), size_hint_y=None, padding=(0, 0, dp(14), 0))
        """The step's title and body: they scroll together, so a long step still starts with its title."""
        self.column.bind(minimum_height=self.column.setter("height"))
        self.column.add_widget(self.title)
        self.column.add_widget(self.body)
        self._asides = (Aside(), Aside())
        """Two help panels: the one not shown gets the next page's texts in that page's build frames."""
        self.aside = self._asides[0]
        """Fills what the step leaves of the content's height; in the column only while shown."""
        for aside in self._asides:
            aside.size_hint_x = None
        self._fit_aside_soon = Clock.create_trigger(self._fit_aside, -1)
        """In the same frame as the layout that changed the room (a fit in the next frame was one more
        layout pass and redraw)."""
        # Top-anchored: a screen's rows are added over a few frames, and content anchored at the
        # bottom slid up under the finger with every row added below it.
        self.viewport = FitScroll(self.column, anchor_y="top")
        self.viewport.audit_role = "content"
        """What the layout audit measures the empty band under (screens/audit.py ``band``)."""
        for w, prop in ((self.viewport, "height"), *((t, "height") for t in self._titles),
                        *((b, "height") for b in self._bodies), (self.column, "width"),
                        *((part, "texture_size") for aside in self._asides for part in aside.parts)):
            w.bind(**{prop: self._fit_aside_soon})
        self.scroll = self.viewport.scroll
        self.actions = GridLayout(cols=2, spacing=dp(12), size_hint_y=None)
        self.actions.bind(minimum_height=self.actions.setter("height"))
        self.side = FitScroll(self.actions, anchor_y="bottom", size_hint_x=0.3)
        self.side.release()
        self.main = BoxLayout(spacing=dp(20))
        for w in (self.bar, self.banner, self.help_line, self.main):
            self.root_box.add_widget(w)
        self.overlay: Panel | None = None
        self.shape: Shape | None = None
        self._frame: Frame | None = None
        self._resized = False
        self._page_key: tuple | None = None
        """Language and elder mode of the page shown or being built (another one: build the page anew)."""
        Window.bind(size=self._window_resized)
        self._window_resized(Window, Window.size)

    # -- shape ---------------------------------------------------------------------------------
    def _window_resized(self, _w, size) -> None:
        """Lay the screen out for the window's shape; a new shape or type size redraws the step."""
        shape = apply_shape(*size)
        if shape == self.shape:
            return
        first = self.shape is None
        self.shape = shape
        self._park_keyboard()
        self.main.clear_widgets()
        self.side.release()
        self.main.orientation = "horizontal" if shape.landscape else "vertical"
        self.main.add_widget(self.viewport)
        if shape.landscape:
            self.side.hold()
            self.main.add_widget(self.side)
        else:
            self.main.add_widget(self.actions)
        if not first and self._frame is not None:
            self._shape = None
            self._page_key = None  # built anew at the new width
            self._resized = True
            self._chrome_key = None
            self._bar_key = None
            self.render(self._frame)

    def content_width(self) -> float:
        """The body's width on this window, before it is laid out (choices choose their columns by it)."""
        width = Window.width - dp(40)
        return width * 0.7 - dp(20) if self.shape is not None and self.shape.landscape else width

    # -- rendering ---------------------------------------------------------------------------
    def render(self, frame: Frame) -> None:
        self._frame = frame
        chrome = frame.chrome
        Window.clearcolor = THEME["background"]  # the attract screen breathes this colour; take it back
        scale = THEME["elder_scale"] if chrome.elder else 1.0
        chrome_key = (chrome.language, chrome.elder, chrome.banner, chrome.help_status, chrome.identity,
                      chrome.can_go_home, chrome.labels)
        rebuild_all = scale != self.scale
        self.scale = scale
        if chrome_key != self._chrome_key or rebuild_all:
            self._chrome_key = chrome_key
            self._render_chrome(frame)
        shape = shape_of(frame.view)
        if rebuild_all or shape != self._shape or chrome_key[:2] != getattr(self, "_lang_key", None):
            self._lang_key = chrome_key[:2]
            self._shape = shape
            page = self._page or self._shown
            if not rebuild_all and self._page_key == chrome_key[:2] and skeleton(shape) == page.skeleton:
                self._changed_in_place(frame.view)
                self._update_fields(frame.view)
            else:
                self._page_key = chrome_key[:2]
                self._stage(frame.view, shape, urgent=self._resized)
                self._resized = False
        else:
            self._update_fields(frame.view)
        self._render_bar(chrome)
        if self._page is None and chrome_key != getattr(self, "_aside_key", None):
            self._show_aside()
        self._render_overlay(frame)

    def _page_shown(self, view: View) -> None:
        """A built page was swapped in: the help panel for its step, fitted in this frame."""
        self._aside_key = None
        self._show_aside()
        self._fit_aside()

    def _show_aside(self) -> None:
        if self._frame is None:
            return
        self._aside_key = self._chrome_key
        self._reset_aside(self.aside, self._shown.view.screen)
        self._fit_aside_soon()

    def _reset_aside(self, aside: Aside, screen: str) -> None:
        chrome = self._frame.chrome
        aside.reset(screen, chrome.label("aside_title"), chrome.label("aside_text"), chrome.label("aside_short"),
                    self.scale)

    def _spare_aside(self, screen: str) -> Aside:
        """The help panel not shown, with the texts of a page ``screen`` being built, rendered off the screen
        at the width it will have (the panel shown keeps its texts until that page is shown)."""
        column = self.column
        spare = self._asides[1] if self.aside is self._asides[0] else self._asides[0]
        spare.width = max(0.0, column.width - column.padding[0] - column.padding[2])
        if self._frame is not None:
            self._reset_aside(spare, screen)
        settle(spare)
        return spare

    def _use_aside(self, aside: Aside) -> None:
        """Show ``aside`` (prepared for the page being swapped in) instead of the panel shown."""
        if aside is self.aside:
            return
        if self.aside.parent is not None:
            self.column.remove_widget(self.aside)
        self.aside = aside

    def _action_cols(self) -> int:
        landscape = self.shape is not None and self.shape.landscape
        return 1 if self.scale > 1 or landscape else 2

    def _fit_aside(self, _dt: float = 0.0) -> None:
        """Give the help panel the height the title and body leave in the viewport (or take it away)."""
        aside, column = self.aside, self.column
        aside.width = max(0.0, column.width - column.padding[0] - column.padding[2])
        gap = column.spacing[1]
        room = self.viewport.height - self.title.height - self.body.height - 2 * gap - column.padding[1] \
            - column.padding[3] - 2
        shown = aside.fit(room) if self.viewport.height > 2 else False
        if shown and aside.parent is None:
            column.add_widget(aside)
        elif not shown and aside.parent is not None:
            column.remove_widget(aside)

    def _blank_some(self, _dt: float = 0.0) -> None:
        """Empty the kept widgets' texts a few milliseconds per frame after a visit (``Recycler.blank_some``)."""
        if not self.pool.blank_some(BLANK_BUDGET_S):
            self._blank_soon()

    def clear(self) -> None:
        """Blank the screen when the visit ends: nothing of it stays drawn or kept with text."""
        self._forget_pages()
        self._resized = False
        self._fields = {}
        self._reset_keyboard()
        self._blank_soon()  # from the next frame on: this one draws the attract screen
        self.pictures.clear()
        self.decoding.clear()
        self._shape = None
        self._frame = None
        self._blank_bar()
