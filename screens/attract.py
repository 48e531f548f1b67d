"""The attract screen: what a passer-by sees between visits.

It only renders a ``StatusSnapshot`` and forwards touches; the app decides what a
tap, the language button and the elder-mode button do. Burn-in protection is a slow
drift of the whole content block and a slight breathing of the accent colour, the
only timed change allowed in elder mode (no paging, no blinking there).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.metrics import dp, sp
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    StringProperty,
)
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.devices.board import DEVICE_LABELS, STATE_LABELS
from kiosk.devices.status import Announcement, StatusSnapshot
from kiosk.i18n import N_
from kiosk.journeys.screen import LANGUAGE_BUTTON
from kiosk.services import localtime
from screens.theme import THEME

KV_PATH = Path(__file__).with_suffix(".kv")
Builder.load_file(str(KV_PATH))

Translate = Callable[[str], str]
STATE_MARKUP = {
    "online": "7fcc8c",
    "busy": "e0c060",
    "offline": "9aa3b0",
    "unknown": "9aa3b0",
    "user_error": "f2a64c",
    "hardware_error": "e65a52",
}
CORNER_FRACTION = 0.12
"""The technician gesture's corner: this share of the shorter side (at least 60 dp), top left."""
CORNER_TAPS = 5
CORNER_WINDOW_S = 3.0
PAGE_SIZE = 3
BODY_CHARS = 90
PAGE_SECONDS = 8.0
DRIFT_TICK_S = 2.0


def _identity(text: str) -> str:
    return text


class AttractScreen(FloatLayout):
    site_name = StringProperty("")
    clock_text = StringProperty("")
    headline = StringProperty("")
    headline_secondary = StringProperty("")
    banner_text = StringProperty("")
    announcements_title = StringProperty("")
    devices_title = StringProperty("")
    devices_text = StringProperty("")
    platform_text = StringProperty("")
    language_button_text = StringProperty("")
    elder_button_text = StringProperty("")
    elder = BooleanProperty(False)
    landscape = BooleanProperty(False)
    """Laid out side by side on a window wider than tall (screens/layout.py)."""
    scale = NumericProperty(1.0)
    """Multiplies every font size; ``THEME["elder_scale"]`` (1.5) in elder mode."""
    drift_x = NumericProperty(0.0)
    drift_y = NumericProperty(0.0)
    bg_color = ListProperty(THEME["background"])
    accent_color = ListProperty(THEME["accent"])
    announcement_labels = ListProperty([])

    __events__ = ("on_start_visit", "on_toggle_language", "on_toggle_elder", "on_technician")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._snapshot: StatusSnapshot | None = None
        self._tr: Translate = _identity
        self._tr2: Translate = _identity
        self._page = 0
        self._language = "zh_CN"
        self._started = time.monotonic()
        self._corner_taps: list[float] = []
        self._labels: list[Label] = []
        self._slack = Widget()
        self._compact = False
        """Announcements without their bodies: the box is too small for one whole (a small panel)."""
        self._announcements_key: tuple = ()
        self._events = [
            Clock.schedule_interval(self._tick_clock, 1.0),
            Clock.schedule_interval(self._tick_drift, DRIFT_TICK_S),
            Clock.schedule_interval(self._tick_page, PAGE_SECONDS),
        ]
        self._tick_clock(0)
        Window.bind(size=self._rescale)
        self._rescale()
        # what the layout audit compares these texts with (screens/audit.py)
        self.ids.announcements.background = tuple(THEME["panel"])
        self.ids.l_banner.background = tuple(THEME["banner_bg"])

    # --- inputs from the app -------------------------------------------------------
    def set_translators(self, primary: Translate, secondary: Translate, language: str = "zh_CN") -> None:
        self._tr, self._tr2 = primary, secondary
        self._language = language
        self._render()

    def on_bg_color(self, _inst: object, value: list) -> None:
        if self.parent is not None:
            Window.clearcolor = value

    def on_parent(self, _inst: object, parent: object) -> None:
        if parent is not None:
            Window.clearcolor = self.bg_color

    def on_elder(self, _inst: object, value: bool) -> None:
        self._rescale()
        self._page = 0
        self._render()

    def _rescale(self, *_a) -> None:
        """Type follows elder mode and the window's type scale (screens/layout.py)."""
        from screens.layout import apply_shape

        shape = apply_shape(*Window.size)
        self.landscape = shape.landscape
        self.scale = (THEME["elder_scale"] if self.elder else 1.0) * shape.type_scale

    def show(self, snapshot: StatusSnapshot) -> None:
        self._snapshot = snapshot
        self._render()

    def stop(self) -> None:
        for ev in self._events:
            ev.cancel()

    # --- rendering -----------------------------------------------------------------
    def _render(self) -> None:
        tr, tr2 = self._tr, self._tr2
        self.headline = tr("请触摸屏幕开始办理")
        self.headline_secondary = tr2("请触摸屏幕开始办理")
        self.announcements_title = tr("平台公告")
        self.devices_title = tr("设备状态")
        # names the other language in that language, like the journey chrome; not a translation
        self.language_button_text = LANGUAGE_BUTTON.get(self._language, "English")
        self.elder_button_text = tr("标准模式") if self.elder else tr("长辈模式")
        snap = self._snapshot
        if snap is None:
            return
        parts = []
        for name, state in snap.devices.items():
            label = tr(DEVICE_LABELS.get(name, name))
            colour = STATE_MARKUP.get(state, "9aa3b0")
            parts.append(f"{label} [color={colour}]{tr(STATE_LABELS.get(state, '未知'))}[/color]")
        self.devices_text = "    ".join(parts)
        if snap.platform_reachable is None:
            self.platform_text = tr("正在连接平台…")
            self.banner_text = ""
        elif snap.platform_reachable:
            self.platform_text = "[color=7fcc8c]●[/color] " + tr("平台连接正常")
            self.banner_text = ""
        else:
            down = N_("无法连接政务服务平台，部分业务暂不可用")
            self.platform_text = f"[color=e65a52]●[/color] {tr(down)}"
            self.banner_text = f"{tr(down)}\n{tr2(down)}"
        self._render_announcements(snap.announcements)

    def _render_announcements(self, items: tuple[Announcement, ...]) -> None:
        box = self.ids.announcements
        pages = max(1, math.ceil(len(items) / PAGE_SIZE))
        self._page %= pages
        shown = items[self._page * PAGE_SIZE:(self._page + 1) * PAGE_SIZE]
        # Every status change (a device, the platform) renders the screen again: the labels are
        # rebuilt only when what they say or how large it is has changed.
        key = (shown, self._language, self._compact, self.scale, self._tr(N_("暂无公告")) if not shown else "")
        if key == self._announcements_key:
            return
        self._announcements_key = key
        box.clear_widgets()
        labels = []
        if not shown:
            shown = (Announcement(self._tr(N_("暂无公告"))),)
        for i, ann in enumerate(shown):
            title, body = ann.in_language(self._language)
            text = f"[color=f0c060]{_escape(title)}[/color]"  # no [b]: synthetic CJK bold is slow
            if body and not self._compact:
                cut = body if len(body) <= BODY_CHARS else body[:BODY_CHARS - 1] + "…"
                text += f"\n[size={int(sp(THEME['font_sp']['small']) * self.scale)}]{_escape(cut)}[/size]"
            lab = self._announcement_label(i)
            lab.text = text
            lab.font_size = sp(THEME["font_sp"]["body"]) * self.scale
            box.add_widget(lab)
            labels.append(lab)
        box.add_widget(self._slack)  # takes the slack so the list starts at the top
        self.announcement_labels = labels
        box.bind(height=self._fit_announcements)
        self._fit_announcements()  # a kept label with the same text sends no texture_size event

    def _announcement_label(self, i: int) -> Label:
        """The ``i``-th announcement's label, made once and kept.

        The attract screen is what shows when the between-visit collection freezes what
        survives; labels made anew for every page would turn into frozen garbage (with their
        textures) at the next page, freed only by a whole-heap collection.
        """
        while len(self._labels) <= i:
            lab = Label(markup=True, color=THEME["text"], halign="left", valign="top", size_hint_y=None,
                        line_height=1.3)
            lab.bind(width=lambda w, v: setattr(w, "text_size", (v, None)),
                     texture_size=lambda w, v: setattr(w, "height", v[1]),
                     height=self._fit_announcements)
            self._labels.append(lab)
        return self._labels[i]

    def _fit_announcements(self, *_a) -> None:
        """Show only the announcements that fit the box whole (a small panel shows fewer per page)."""
        box = self.ids.announcements
        room = box.height - box.padding[1] - box.padding[3]
        used = -box.spacing
        for lab in self.announcement_labels:
            used += lab.texture_size[1] + box.spacing
            fits = used <= room
            lab.opacity = 1 if fits else 0
            lab.height = lab.texture_size[1] if fits else 0  # a hidden one takes no room
        # Titles only when the box has no room for a title with three lines of body: decided by
        # the box's size alone (not by what fitted), so it cannot flip back and forth.
        line = sp(THEME["font_sp"]["small"]) * self.scale * 1.3
        compact = room < sp(THEME["font_sp"]["body"]) * self.scale * 1.3 + 3 * line
        if box.height > 1 and compact != self._compact:
            self._compact = compact
            Clock.schedule_once(lambda _dt: self._snapshot and self._render_announcements(
                self._snapshot.announcements), 0)

    # --- timers --------------------------------------------------------------------
    def _tick_clock(self, _dt: float) -> None:
        self.clock_text = localtime.now().strftime("%Y-%m-%d  %H:%M")

    def _tick_drift(self, _dt: float) -> None:
        """Move content on a slow circle and breathe the colours, so no pixel stays lit for hours."""
        phase = 2 * math.pi * ((time.monotonic() - self._started) / THEME["drift_period_s"])
        r = dp(THEME["drift_dp"])
        self.drift_x = r * math.cos(phase)
        self.drift_y = r * math.sin(phase)
        k = 0.85 + 0.15 * (0.5 + 0.5 * math.sin(phase * 3))
        a = THEME["accent"]
        self.accent_color = [a[0] * k, a[1] * k, a[2] * k, a[3]]
        b = THEME["background"]
        self.bg_color = [b[0] * (0.8 + 0.2 * k), b[1] * (0.8 + 0.2 * k), b[2] * (0.8 + 0.2 * k), 1]

    def _tick_page(self, _dt: float) -> None:
        if self.elder or self._snapshot is None or len(self._snapshot.announcements) <= PAGE_SIZE:
            return
        self._page += 1
        self._render_announcements(self._snapshot.announcements)

    # --- touches -------------------------------------------------------------------
    def on_touch_down(self, touch) -> bool:
        if super().on_touch_down(touch):
            return True
        if self.collide_point(*touch.pos):
            touch.ud["attract_tap"] = "corner" if self._in_corner(*touch.pos) else self
            return True
        return False

    def on_touch_up(self, touch) -> bool:
        if touch.ud.get("attract_tap") == "corner":
            self._corner_tap()  # never starts a visit
            return True
        if touch.ud.get("attract_tap") is self and self.collide_point(*touch.pos):
            self.dispatch("on_start_visit")
            return True
        return super().on_touch_up(touch)

    def _in_corner(self, x: float, y: float) -> bool:
        side = max(dp(60), min(self.width, self.height) * CORNER_FRACTION)
        return x <= self.x + side and y >= self.top - side

    def _corner_tap(self) -> None:
        """Technician mode's hidden gesture: five taps in the top-left corner within three seconds."""
        now = time.monotonic()
        self._corner_taps = [t for t in self._corner_taps if now - t <= CORNER_WINDOW_S] + [now]
        if len(self._corner_taps) >= CORNER_TAPS:
            self._corner_taps = []
            self.dispatch("on_technician")

    def on_start_visit(self) -> None:
        """Default handler; the app binds the real one."""

    def on_toggle_language(self) -> None:
        """Default handler; the app binds the real one."""

    def on_toggle_elder(self) -> None:
        """Default handler; the app binds the real one."""

    def on_technician(self) -> None:
        """Default handler; the app binds the real one (``act("technician")``)."""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;")
