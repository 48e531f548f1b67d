"""How the journey screen draws a ``Form`` and keeps it live while the citizen types.

Fields are rows like any others (a few per frame: a form is the heaviest step to
build). A field with a keyboard other than "text" gets the on-screen keypad; typing
only updates the field in place (``_update_fields``), so the keypad never loses its
place and a frame stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable

from kivy.metrics import dp
from kivy.uix.gridlayout import GridLayout
from kivy.uix.textinput import TextInput

from kiosk.i18n import _
from kiosk.views import Form, View
from screens.theme import CJK_FONT, THEME
from screens.widgets import BigButton, Keypad, Panel, Recycler, WrapLabel, font


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
                                                  "selected" if choice == f.value else "secondary", scale=self.scale,
                                                  icon="check" if choice == f.value else ""))
        elif f.keyboard == "text":
            size = font("body", self.scale)
            entry = TextInput(text=self._values.get(f.name, f.value), multiline=False, font_size=size,
                              font_name=CJK_FONT, size_hint_y=None, height=size * 1.5 + dp(24),
                              padding=[dp(12), dp(12)])
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
