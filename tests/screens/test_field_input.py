"""screens/field_input.py: each field scrolls its own text to its cursor, and no field outlives its use."""

from __future__ import annotations

import gc
import weakref


def _field(text: str):
    from screens.field_input import FieldInput
    from screens.theme import CJK_FONT

    return FieldInput(text="", multiline=False, font_name=CJK_FONT, keyboard_mode="managed", size_hint=(None, None),
                      size=(160, 60)), text


def test_two_fields_typed_in_the_same_frame_each_scroll_to_their_cursor(kiosk_ui) -> None:
    """Kivy's class-wide trigger scrolled only the last of them (kivy/kivy#7677)."""
    (a, text_a), (b, text_b) = _field("一二三四五六七八九十" * 3), _field("甲乙丙丁戊己庚辛壬癸" * 3)
    kiosk_ui.root.add_widget(a)
    kiosk_ui.root.add_widget(b)
    try:
        kiosk_ui.frames(2)
        a.text, b.text = text_a, text_b
        a.cursor, b.cursor = (len(text_a), 0), (len(text_b), 0)
        kiosk_ui.frames(2)
        assert a.scroll_x > 0 and b.scroll_x > 0, (a.scroll_x, b.scroll_x)
    finally:
        kiosk_ui.root.remove_widget(a)
        kiosk_ui.root.remove_widget(b)


def test_a_field_whose_cursor_moved_is_freed_with_its_last_reference(kiosk_ui) -> None:
    field, text = _field("办事指南")
    kiosk_ui.root.add_widget(field)
    field.text = text
    field.cursor = (len(text), 0)
    kiosk_ui.frames(2)
    kiosk_ui.root.remove_widget(field)
    gone = weakref.ref(field)
    del field
    gc.collect()
    assert gone() is None
