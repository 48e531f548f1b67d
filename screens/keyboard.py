"""The on-screen keyboard for free text: pinyin with a candidate bar, handwriting, letters, symbols.

A kiosk has no physical keyboard and most citizens type Chinese, so text fields get this
keyboard instead of Kivy's US QWERTY one. Pinyin goes through librime and handwriting
through zinnia (kiosk/services/ime); this module only draws keys, the candidate bar and
the writing pad, and turns touches into text for the field (``on_key(text)``, or
``on_key("←")`` to delete a character, as the numeric keypad does).

Keys are ``key_size`` high and at least that wide: 60 dp, 90 dp in elder mode (scale 1.5);
a layout can pass its own. Where the keyboard goes is the screen's business (forms.py docks
it between the body and the action buttons, so neither the field nor 返回/下一步 is covered).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kivy.graphics import Color, Line, Rectangle
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.i18n import _
from kiosk.services.ime import ImeUnavailable
from kiosk.services.ime.handwriting import HandwritingRecognizer, recognizer
from kiosk.services.ime.pinyin import Composition, PinyinSession, engine
from screens.theme import THEME
from screens.widgets import BigButton, WrapLabel, font

log = logging.getLogger(__name__)

KEY_SIZE = 60
"""Smallest key, in dp at scale 1 (services.md: touch targets of 60 dp, 90 dp in elder mode)."""
LETTER_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
DIGIT_ROW = "1234567890"
"""Above the letters in 英文 mode (receipt codes mix both); in pinyin mode digits pick candidates."""
SYMBOL_ROWS = ("1234567890", "-/:;()@&.,", "，。？！、“”")
MODES = ("pinyin", "hand", "abc", "symbols")


def key_size_for(scale: float) -> float:
    return dp(KEY_SIZE) * scale


class Key(BigButton):
    """A key: a big button held at the keyboard's key size whatever its label."""

    def __init__(self, text: str, on_press: Callable[[], None], size: float, scale: float,
                 style: str = "secondary", weight: float = 1.0) -> None:
        super().__init__(text, on_press, style, scale=scale, size_hint_x=weight)
        self.min_height = size
        self.height = max(size, self.height)
        self.min_width = size


class HandwritingPad(Widget):
    """Where a character is written with a finger; each finished stroke goes to ``on_strokes``.

    Strokes are kept in the pad's own coordinates with y pointing down, as the recogniser's
    model was trained.
    """

    def __init__(self, on_strokes: Callable[[list[list[tuple[float, float]]], float, float], None], **kw) -> None:
        super().__init__(**kw)
        self.on_strokes = on_strokes
        self.strokes: list[list[tuple[float, float]]] = []
        self._lines: list[Line] = []
        with self.canvas.before:
            Color(*THEME["button_secondary"])
            self._bg = Rectangle()
        self.bind(pos=self._redraw, size=self._redraw)

    def _redraw(self, *_a) -> None:
        self._bg.pos, self._bg.size = self.pos, self.size
        self._draw_strokes()

    def _local(self, touch) -> tuple[float, float]:
        return touch.x - self.x, self.top - touch.y

    def on_touch_down(self, touch) -> bool:
        if not self.collide_point(*touch.pos):
            return False
        touch.grab(self)
        self.strokes.append([self._local(touch)])
        with self.canvas:
            Color(*THEME["accent"])
            self._lines.append(Line(points=[touch.x, touch.y], width=dp(4)))
        return True

    def on_touch_move(self, touch) -> bool:
        if touch.grab_current is not self:
            return False
        x, y = min(max(touch.x, self.x), self.right), min(max(touch.y, self.y), self.top)
        self.strokes[-1].append((x - self.x, self.top - y))
        self._lines[-1].points += [x, y]
        return True

    def on_touch_up(self, touch) -> bool:
        if touch.grab_current is not self:
            return False
        touch.ungrab(self)
        self.on_strokes(self.strokes, self.width, self.height)
        return True

    def undo(self) -> None:
        if self.strokes:
            self.strokes.pop()
            self._draw_strokes()

    def clear(self) -> None:
        self.strokes = []
        self._draw_strokes()

    def _draw_strokes(self) -> None:
        self.canvas.clear()
        self._lines = []
        with self.canvas:
            Color(*THEME["accent"])
            for s in self.strokes:
                pts = [c for x, y in s for c in (self.x + x, self.top - y)]
                self._lines.append(Line(points=pts, width=dp(4)))


class TextKeyboard(BoxLayout):
    """Pinyin, handwriting, English letters and symbols, with one candidate bar for both IMEs."""

    def __init__(self, on_key: Callable[[str], None], scale: float = 1.0, key_size: float | None = None,
                 max_width: float | None = None) -> None:
        self.key_size = key_size or key_size_for(scale)
        self.scale = scale
        gap = dp(8)
        super().__init__(orientation="vertical", spacing=gap, padding=(0, gap), size_hint=(1, None))
        self.on_key = on_key
        self.max_width = max_width or self.key_size * 16
        self.pinyin: PinyinSession | None = None
        self.writer: HandwritingRecognizer | None = None
        try:
            self.pinyin = engine().session()
        except ImeUnavailable as exc:
            log.warning("pinyin input unavailable: %s", exc)
        try:
            self.writer = recognizer()
        except ImeUnavailable as exc:
            log.warning("handwriting input unavailable: %s", exc)
        self.mode = "pinyin" if self.pinyin else "abc"
        self._before_code = ""
        self.candidates: tuple[str, ...] = ()
        self.composition = Composition()
        # candidate bar: what was typed, as many candidates as fit in one row, paging (within the
        # engine's page of nine first, then to its next page)
        self.bar = BoxLayout(size_hint_y=None, height=self.key_size, spacing=gap)
        self.preedit = WrapLabel("", "small", scale, colour=THEME["accent"], valign="middle", size_hint_x=None)
        self.preedit.width = self.key_size * 2.5
        self.preedit.pos_hint = {"center_y": 0.5}
        self.choices = BoxLayout(spacing=gap)
        self.prev = Key("‹", lambda: self._page(-1), self.key_size, scale, weight=None)
        self.next = Key("›", lambda: self._page(1), self.key_size, scale, weight=None)
        for w in (self.prev, self.next):
            w.width = self.key_size
        for w in (self.preedit, self.choices, self.prev, self.next):
            self.bar.add_widget(w)
        self._candidate_keys: list[Key] = []
        self._starts: list[int] = [0]
        """Where each window of candidates shown so far on this engine page starts (for ‹)."""
        self.keys = BoxLayout(orientation="vertical", spacing=gap, size_hint_y=None,
                              height=3 * self.key_size + 2 * gap)
        self.pad = HandwritingPad(self._written)
        self.bottom = BoxLayout(size_hint_y=None, height=self.key_size, spacing=gap)
        for w in (self.bar, self.keys, self.bottom):
            self.add_widget(w)
        self.bind(minimum_height=self.setter("height"), parent=self._follow_parent, width=lambda *_a: self._show())
        self._build_keys()

    # -- building -----------------------------------------------------------------------------
    def _follow_parent(self, _w, parent) -> None:
        if parent is not None:
            parent.bind(width=self._fit_width)
            self._fit_width(parent, parent.width)

    def _fit_width(self, parent, width: float) -> None:
        """Never wider than ``max_width``: on a wide screen the keys stay in reach, centred."""
        padding = getattr(parent, "padding", (0, 0, 0, 0))
        inner = width - (padding[0] + padding[2] if len(padding) == 4 else 2 * padding[0])
        self.size_hint_x = None
        self.width = max(0, min(inner, self.max_width))
        self.pos_hint = {"center_x": 0.5}

    def _key(self, label: str, press: Callable[[], None], weight: float = 1.0, style: str = "secondary") -> Key:
        return Key(label, press, self.key_size, self.scale, style, weight)

    def _build_keys(self) -> None:
        if self.pad.parent is not None:
            self.pad.parent.remove_widget(self.pad)  # the one pad moves to the new row
        self.keys.clear_widgets()
        self.bottom.clear_widgets()
        gap = dp(8)
        if self.mode == "hand":
            # a pad nearly square, as a character is: one row taller than the letters
            self.keys.height = 4 * self.key_size + 3 * gap
            row = BoxLayout(spacing=gap)
            row.add_widget(self.pad)
            side = BoxLayout(orientation="vertical", spacing=gap, size_hint_x=None, width=self.key_size * 2.5)
            side.add_widget(self._key(_("重写"), self._clear_pad))
            side.add_widget(WrapLabel(_("请在左侧框内书写一个字"), "small", self.scale, THEME["text_dim"]))
            side.add_widget(Widget())
            row.add_widget(side)
            self.keys.add_widget(row)
        else:
            rows = SYMBOL_ROWS if self.mode == "symbols" else (DIGIT_ROW, *LETTER_ROWS) if self.mode == "abc" \
                else LETTER_ROWS
            self.keys.height = len(rows) * self.key_size + (len(rows) - 1) * gap
            for letters in rows:
                row = BoxLayout(spacing=dp(8))
                side = (10 - len(letters)) / 2
                if side:
                    row.add_widget(Widget(size_hint_x=side))
                for ch in letters:
                    row.add_widget(self._key(ch, lambda c=ch: self.type(c)))
                if side:
                    row.add_widget(Widget(size_hint_x=side))
                self.keys.add_widget(row)
        names = {"pinyin": _("拼音"), "hand": _("手写"), "abc": _("英文"), "symbols": _("符号")}
        for mode in MODES:
            enabled = (mode != "pinyin" or self.pinyin is not None) and (mode != "hand" or self.writer is not None)
            key = self._key(names[mode], lambda m=mode: self.set_mode(m), 1.2,
                            "primary" if mode == self.mode else "secondary")
            key.disabled = not enabled
            self.bottom.add_widget(key)
        self.bottom.add_widget(self._key(_("空格"), lambda: self.type(" "), 2.0))
        self.bottom.add_widget(self._key("←", self.backspace, 1.6))
        self._show()

    # -- input --------------------------------------------------------------------------------
    def type(self, ch: str) -> None:
        """A letter, digit, symbol or space from a key."""
        if self.mode == "pinyin" and self.pinyin is not None and ((ch.isascii() and ch.isalpha())
                                                                 or self.composition.composing):
            result = self.pinyin.press("space" if ch == " " else ch)
            if result.commit:
                self.on_key(result.commit)
            if not result.taken:
                self.on_key(ch)
            self._show()
            return
        if self.mode == "hand" and ch == " " and self.candidates:
            self.choose(0)
            return
        if self.mode == "symbols" and self.composition.composing and self.pinyin is not None:
            self.on_key(self.pinyin.press("space").commit)
        self.on_key(ch)
        self._show()

    def backspace(self) -> None:
        if self.mode == "pinyin" and self.pinyin is not None and self.composition.composing:
            self.pinyin.press("backspace")
        elif self.mode == "hand" and self.pad.strokes:
            self.pad.undo()
            self._written(self.pad.strokes, self.pad.width, self.pad.height)
            return
        else:
            self.on_key("←")
        self._show()

    def choose(self, index: int) -> None:
        """Tap on the ``index``-th candidate shown."""
        if self.mode == "hand":
            if 0 <= index < len(self.candidates):
                self.on_key(self.candidates[index])
            self._clear_pad()
            return
        if self.pinyin is not None and 0 <= index < len(self.composition.indices):
            commit = self.pinyin.pick(self.composition.indices[index])
            if commit:
                self.on_key(commit)
        self._show()

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown keyboard mode {mode!r}")
        self.reset_input()
        self.mode = mode
        self._build_keys()

    def for_field(self, kind: str) -> None:
        """A "code" field starts in letters and digits; back on a "text" field, the mode the citizen had."""
        if kind == "code" and self.mode != "abc":
            self._before_code = self.mode
            self.set_mode("abc")
        elif kind == "text" and self._before_code:
            self.set_mode(self._before_code)
        if kind == "text":
            self._before_code = ""

    def reset(self) -> None:
        """For the next citizen: nothing typed or drawn, and the first mode again."""
        self._before_code = ""
        first = "pinyin" if self.pinyin is not None else "abc"
        if self.mode != first:
            self.set_mode(first)  # rebuilds the keys: only when the citizen changed the mode
        else:
            self.reset_input()

    def reset_input(self) -> None:
        """Forget the pinyin typed and the strokes drawn (the field keeps what was committed)."""
        if self.pinyin is not None:
            self.pinyin.clear()
        self.pad.clear()
        self.candidates = ()
        self._show()

    def _page(self, step: int) -> None:
        """Next or previous candidates: the rest of the page first, then the engine's next page."""
        shown = self.candidates if self.mode == "hand" else self.composition.candidates
        if not shown:
            return
        if step > 0 and self._shown_end < len(shown):
            self._starts.append(self._shown_end)
        elif step < 0 and len(self._starts) > 1:
            self._starts.pop()
        elif self.mode == "pinyin" and self.pinyin is not None:
            self.pinyin.press("page_down" if step > 0 else "page_up")
            self._starts = [0]
        else:
            return
        self._show(keep_window=True)

    def _written(self, strokes, width: float, height: float) -> None:
        if self.writer is not None:
            self.candidates = tuple(self.writer.recognize(strokes, width, height)) if strokes else ()
            self._show()

    def _clear_pad(self) -> None:
        self.pad.clear()
        self.candidates = ()
        self._show()

    # -- candidate bar ------------------------------------------------------------------------
    def _candidate_key(self, slot: int, text: str, press: Callable[[], None]) -> Key:
        """The bar's keys are made once and relabelled: a key press must not build nine widgets."""
        while len(self._candidate_keys) <= slot:
            self._candidate_keys.append(Key("", _nothing, self.key_size, self.scale, "primary", weight=None))
        key = self._candidate_keys[slot]
        key.reset(text, press, "primary", scale=self.scale, size_hint_x=None)
        key.min_height = key.height = self.key_size
        return key

    def _show(self, keep_window: bool = False) -> None:
        """Redraw the candidate bar; a new key press starts again at the page's first candidate."""
        if not keep_window:
            self._starts = [0]
        if self.mode == "hand":
            self.composition = Composition()
            shown, first_page, last_page = self.candidates, True, True
        else:
            self.composition = self.pinyin.composition() if self.pinyin is not None else Composition()
            shown = self.composition.candidates
            first_page, last_page = self.composition.page == 0, self.composition.last_page
        self.preedit.text = self.composition.preedit
        self.choices.clear_widgets()
        size, gap = font("body", self.scale), dp(8)
        room = self.width - self.preedit.width - 2 * self.key_size - 3 * gap if self.width > 1 else float("inf")
        start = self._starts[-1]
        end = start
        for i in range(start, len(shown)):
            width = max(self.key_size, len(shown[i]) * size + dp(28))
            room -= width + gap
            if room < 0 and end > start:
                break
            key = self._candidate_key(i - start, shown[i], lambda i=i: self.choose(i))
            key.width = width
            self.choices.add_widget(key)
            end = i + 1
        self._shown_end = end
        at_start, at_end = first_page and start == 0, last_page and end >= len(shown)
        for key, off in ((self.prev, at_start), (self.next, at_end)):
            key.disabled = off
            key.opacity = 0.4 if off else 1.0


def _nothing() -> None:
    """A candidate key's action until it shows a candidate."""
