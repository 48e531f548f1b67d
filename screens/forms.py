"""How the journey screen draws a ``Form`` and keeps it live while the citizen types.

Fields are rows like any others (a few per frame: a form is the heaviest step to
build). A field with a keyboard other than "text" or "code" gets the on-screen keypad; a text
field gets the Chinese keyboard (screens/keyboard.py), docked between the body and the
action buttons so it never covers the field or 返回/下一步. Typing only updates the
field in place (``_update_fields``), so neither keyboard loses its place (or the pinyin
typed so far) and a frame stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable

from kivy.clock import Clock
from kivy.metrics import dp
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.scrollview import ScrollView
from kivy.uix.textinput import TextInput

from kiosk.i18n import _
from kiosk.views import Form, View
from screens.field_input import FieldInput
from screens.keyboard import TextKeyboard
from screens.keypad import Keypad
from screens.theme import CJK_FONT, THEME
from screens.widgets import BigButton, Panel, Recycler, WrapLabel, font, grow_down

TYPED = ("text", "code")
"""Field kinds typed on the text keyboard rather than the numeric keypad."""


def _one_line(entry: TextInput, scroll_y: float) -> None:
    """A one-line input never scrolls vertically.

    Kivy's deferred viewport adjustment is computed while a prefilled input still has its
    default 100 px width; applied after the input has its real width, it scrolls a long
    address down by most of a line and the text shows cut in half.
    """
    if scroll_y:
        entry.scroll_y = 0


class Forms:
    """Mixin of ``JourneyScreen``: form fields, the keypad and in-place updates."""

    act: Callable[..., None]
    scale: float
    pool: Recycler
    _defer: Callable[..., None]
    _fields: dict[str, tuple[TextInput | BigButton | GridLayout, WrapLabel]]
    """Each built field's entry widget and error label, by name."""
    _focus: str
    _values: dict[str, str]
    actions: GridLayout
    scroll: ScrollView
    viewport: AnchorLayout
    width: float
    height: float
    keyboard_key_size: float | None = None
    """Key size for the text keyboard; ``None``: 60 dp, 90 dp in elder mode. A layout may set it."""
    _keyboard: TextKeyboard | None = None
    _keyboard_key: tuple = ()
    _keyboard_row: BoxLayout | None = None
    """Landscape: the row that holds the body and the keyboard side by side."""
    _revealing = False
    """The focused field is about to be scrolled into view."""
    _page: object
    _kinds: dict[str, str]
    """Each field's keyboard kind ("text", "digits", ..., "choices"), by name."""

    def _form(self, block: Form) -> Panel:
        """Fields are rows like any others: a few per frame (a form is the heaviest step to build)."""
        panel = Panel()
        self._focus = block.focus or (block.fields[0].name if block.fields else "")
        keypad_kind = ""
        for f in block.fields:
            if not f.choices and f.keyboard not in TYPED and f.name == self._focus:
                keypad_kind = f.keyboard
            self._defer(lambda f=f: self._field(panel, f), 3 + len(f.choices))
        if keypad_kind:
            self._defer(lambda: panel.add_widget(Keypad(keypad_kind, self._key, self.scale, self.pool)), 12)
        for f in block.fields:  # a value typed since the page was started is newer (``Pages._stage``)
            self._values.setdefault(f.name, f.value)
        return panel

    def _field(self, panel: Panel, f) -> None:
        panel.add_widget(self.pool.label(f.label + ("" if f.required else _("（选填）")), "small", self.scale,
                                         THEME["text_dim"]))
        if f.choices:
            entry = GridLayout(cols=2 if self.scale > 1 else 3, spacing=dp(8), size_hint_y=None)
            grow_down(entry)
            for choice in f.choices:
                entry.add_widget(self.pool.button(choice, lambda c=choice, name=f.name: self.act("field", name=name,
                                                                                                 value=c),
                                                  "selected" if choice == f.value else "secondary", scale=self.scale,
                                                  icon="check" if choice == f.value else ""))
        elif f.keyboard in TYPED:
            size = font("body", self.scale)
            # "managed": Kivy's own (US QWERTY) keyboard never opens; the docked TextKeyboard types here
            entry = FieldInput(text=self._values.get(f.name, f.value), multiline=False, font_size=size,
                              font_name=CJK_FONT, size_hint_y=None, height=size * 1.5 + dp(24),
                              padding=[dp(12), dp(12)], keyboard_mode="managed")
            entry.bind(text=lambda w, v, name=f.name: self.act("field", name=name, value=v))
            entry.bind(focus=lambda w, v, name=f.name: self._set_focus(name) if v else None)
            entry.bind(scroll_y=_one_line)
        else:
            # Looks like a field, not a button: dark, framed, text from the left; the field the
            # keypad types into has the amber frame.
            entry = self.pool.button(self._values.get(f.name, f.value) or " ",
                                     lambda name=f.name: self._set_focus(name),
                                     "field_focus" if f.name == self._focus else "field", scale=self.scale)
        error = self.pool.label(f.error, "small", self.scale, THEME["error"])
        error.keep_room()  # an error appearing or going never moves the keypad under a finger
        panel.add_widget(entry)
        panel.add_widget(error)
        self._fields[f.name] = (entry, error)

    def _set_focus(self, name: str) -> None:
        self._focus = name
        for field_name, (entry, _error) in self._fields.items():
            if isinstance(entry, BigButton) and entry.style.startswith("field"):
                entry.restyle("field_focus" if field_name == name else "field")
        kind = getattr(self, "_kinds", {}).get(name, "")
        self._show_keyboard(kind)
        if kind in TYPED:
            self._reveal_focus()

    # -- the text keyboard ----------------------------------------------------------------------
    def _dock_keyboard(self, view: View) -> None:
        """After a view is built: the text keyboard is docked while a text field has the focus."""
        self._kinds = {f.name: ("choices" if f.choices else f.keyboard)
                       for b in view.blocks if isinstance(b, Form) for f in b.fields}
        self._show_keyboard(self._kinds.get(self._focus, ""))
        if self._keyboard is not None and self._keyboard.parent is not None:
            self._reveal_focus()

    def _show_keyboard(self, kind: str) -> None:
        """Dock the text keyboard for a "text" or "code" field (a code starts in letters), else undock it."""
        on = kind in TYPED
        key = (self.scale, self.keyboard_key_size, _("拼音"))  # the keys' labels follow the language
        kb = self._keyboard
        if kb is not None and (not on or key != self._keyboard_key) and kb.parent is not None:
            kb.reset_input()
            self._undock(kb)
        if not on:
            return
        if kb is None or key != self._keyboard_key:
            kb = self._keyboard = TextKeyboard(self._key, self.scale, self.keyboard_key_size)
            self._keyboard_key = key
        if kb.parent is None:
            self._dock(kb)
        kb.for_field(kind)

    def _dock(self, kb: TextKeyboard) -> None:
        """Portrait: between the body and the actions. Landscape: under the body, beside the
        actions' column, so the field, its results and the actions all stay in sight."""
        if self.shape is not None and self.shape.landscape:
            body = self.viewport
            box = body.parent
            index = box.children.index(body)
            box.remove_widget(body)
            column = self._keyboard_row = BoxLayout(orientation="vertical", spacing=dp(12))
            column.add_widget(body)
            kb.max_width = kb.key_size * 16
            column.add_widget(kb)
            box.add_widget(column, index=index)
        else:
            kb.max_width = kb.key_size * 16
            box = self.actions.parent
            box.add_widget(kb, index=box.children.index(self.actions) + 1)  # just above the actions

    def _park_keyboard(self) -> None:
        """Before the screen is laid out for a new window shape: the keyboard leaves, and the
        next render docks it again where the new shape puts it."""
        if self._keyboard is not None and self._keyboard.parent is not None:
            self._undock(self._keyboard)

    def _undock(self, kb: TextKeyboard) -> None:
        kb.parent.remove_widget(kb)
        row, self._keyboard_row = self._keyboard_row, None
        if row is not None and self.viewport.parent is row:
            box = row.parent
            index = box.children.index(row)
            row.remove_widget(self.viewport)
            box.remove_widget(row)
            box.add_widget(self.viewport, index=index)

    def _reveal_focus(self) -> None:
        """Scroll the focused field into view once the smaller body is laid out."""
        def reveal(_dt: float) -> None:
            if self._page is not None:  # the field's page is still being built: once it is shown
                Clock.schedule_once(reveal, 0.05)
                return
            self._revealing = False
            self._reveal_now()
        self._revealing = True  # the screen is not settled until then (``Pages.building``)
        Clock.schedule_once(reveal, 0.05)

    def _reveal_now(self) -> None:
        """Scroll the focused field into view now, if the keyboard is docked (the layout is done)."""
        if self._keyboard is None or self._keyboard.parent is None:
            return
        widgets = self._fields.get(self._focus)
        if widgets is not None and widgets[0].parent is not None and self.scroll.parent is not None:
            self.scroll.scroll_to(widgets[0], padding=dp(24), animate=False)

    def _reset_keyboard(self) -> None:
        """At the end of a visit: no pinyin or strokes of it stay in the keyboard."""
        if self._keyboard is not None:
            self._show_keyboard("")
            self._keyboard.reset()

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
