"""Form fields (screens/forms.py) on the real journey screen."""

from __future__ import annotations

from .conftest import widgets_left_frozen


def _search_and_tap_the_field(kiosk_ui) -> None:
    from kivy.uix.textinput import TextInput

    kiosk_ui.controller.act("start")
    kiosk_ui.wait_screen("home")
    kiosk_ui.press("搜索服务")
    kiosk_ui.wait_screen("home.search")
    field = next(w for w in kiosk_ui.root.walk(restrict=True) if isinstance(w, TextInput))
    kiosk_ui.tap(*field.to_window(*field.center))
    assert field.focus  # as a citizen's finger leaves it


def test_a_typed_field_is_not_left_frozen_after_its_visit(kiosk_ui) -> None:
    """Kivy keeps the last text field whose cursor moved (kivy/kivy#7677, screens/field_input.py): it
    became garbage only when the next visit's field moved its cursor, after the between-visit
    freeze, and with its textures it waited for a whole-heap collection, one per typed visit."""
    _search_and_tap_the_field(kiosk_ui)
    kiosk_ui.controller.end_visit("test")
    kiosk_ui.frames(3)

    def next_visit() -> None:
        _search_and_tap_the_field(kiosk_ui)
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.frames(3)

    assert widgets_left_frozen(kiosk_ui, next_visit) == []
