"""The Chinese on-screen keyboard on the real journey screen: taps go through Kivy's dispatch,
pinyin through librime and handwriting through zinnia (no mocks)."""

from __future__ import annotations

import pytest


def _keyboard(kiosk_ui):
    from screens.keyboard import TextKeyboard

    found = [w for w in kiosk_ui.root.walk(restrict=True) if isinstance(w, TextKeyboard)]
    assert len(found) == 1, found
    return found[0]


def _form(kiosk_ui):
    from kiosk.views import Form

    return next(b for b in kiosk_ui.controller.frame().view.blocks if isinstance(b, Form))


def _field(kiosk_ui):
    from kivy.uix.textinput import TextInput

    return next(w for w in kiosk_ui.root.walk(restrict=True) if isinstance(w, TextInput))


def _window_box(w) -> tuple[float, float, float, float]:
    x, y = w.to_window(w.x, w.y)
    return x, y, x + w.width, y + w.height


@pytest.fixture
def search(kiosk_ui):
    kiosk_ui.controller.act("start")
    kiosk_ui.wait_screen("home")
    kiosk_ui.press("搜索服务")
    kiosk_ui.wait_screen("home.search")
    try:
        yield kiosk_ui
    finally:
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.frames(3)


def test_typing_shebao_and_picking_the_candidate_searches_for_it(search):
    kb = _keyboard(search)
    assert kb.mode == "pinyin"
    for letter in "shebao":
        search.press(letter)
    assert kb.preedit.text == "she bao"
    assert _field(search).text == ""  # nothing committed while the pinyin is composed
    search.press("社保")
    search.wait_screen("home.search")
    assert _field(search).text == "社保"
    assert search.controller.frame().view.blocks[0].fields[0].value == "社保"
    assert "个人社会保险参保缴费查询" in [b.text for b in search.buttons()]
    assert kb.preedit.text == "" and _keyboard(search) is kb  # the same keyboard stays docked


def test_backspace_edits_the_pinyin_before_the_field(search):
    kb = _keyboard(search)
    for letter in "gjjx":
        search.press(letter)
    search.press("←")
    assert kb.preedit.text.replace(" ", "") == "gjj"
    search.press(kb.composition.candidates[0])
    search.wait_screen("home.search")
    typed = _field(search).text
    assert len(typed) == 3
    search.press("←")  # nothing composed: deletes from the field
    search.wait_screen("home.search")
    assert _field(search).text == typed[:-1]


def test_keyboard_covers_neither_the_field_nor_the_actions(search):
    kb = _keyboard(search)
    field = _field(search)
    back = next(b for b in search.buttons() if b.action_id == "back")
    _, kb_bottom, _, kb_top = _window_box(kb)
    _, field_bottom, _, field_top = _window_box(field)
    _, back_bottom, _, back_top = _window_box(back)
    assert field_bottom >= kb_top - 1, "the field is under the keyboard"
    assert back_top <= kb_bottom + 1 and back_bottom >= 0, "返回 is under the keyboard or off screen"
    assert field_top <= search.window.height


def test_the_next_citizen_starts_in_pinyin(search):
    kb = _keyboard(search)
    search.press("手写")
    search.controller.end_visit("test")
    search.frames(3)
    assert kb.mode == "pinyin" and kb.pad.strokes == []


def test_handwriting_a_character_types_it(search):
    from kivy.tests.common import UnitTestTouch

    kb = _keyboard(search)
    search.press("手写")
    assert kb.mode == "hand"
    search.frames(3)
    pad = kb.pad
    for (x0, y0), (x1, y1) in (((0.1, 0.55), (0.9, 0.55)), ((0.5, 0.9), (0.5, 0.1))):  # 一 then 丨: 十
        wx, wy = pad.to_window(pad.x, pad.y)
        touch = UnitTestTouch(wx + x0 * pad.width, wy + y0 * pad.height)
        touch.touch_down()
        for i in range(1, 9):
            touch.touch_move(wx + (x0 + (x1 - x0) * i / 8) * pad.width, wy + (y0 + (y1 - y0) * i / 8) * pad.height)
        touch.touch_up()
        search.frames(1)
    assert "十" in kb.candidates[:3], kb.candidates
    search.press("十")
    search.wait_screen("home.search")
    assert _field(search).text == "十" and pad.strokes == [] and kb.candidates == ()


@pytest.mark.parametrize(("scale", "least"), [(1.0, 60), (1.5, 90)])
def test_keys_are_at_least_60_px_and_90_in_elder_mode(kiosk_ui, scale, least):
    from kivy.uix.floatlayout import FloatLayout

    from screens.keyboard import Key, TextKeyboard

    box = FloatLayout(size_hint=(None, None), size=(1080, 1200))
    kb = TextKeyboard(lambda _t: None, scale=scale)
    box.add_widget(kb)
    kiosk_ui.window.add_widget(box)
    try:
        kiosk_ui.frames(4)
        keys = [w for w in kb.walk(restrict=True) if isinstance(w, Key) and w.opacity == 1]
        assert len(keys) >= 26 + 6
        small = [(k.text, k.width, k.height) for k in keys if k.width < least or k.height < least]
        assert not small
    finally:
        kiosk_ui.window.remove_widget(box)


def test_the_layout_can_set_the_key_size(kiosk_ui):
    from screens.keyboard import TextKeyboard

    kb = TextKeyboard(lambda _t: None, scale=1.0, key_size=120)
    assert kb.bar.height == 120 and all(k.height >= 120 for k in kb.bottom.children)


def test_elder_mode_grows_the_docked_keyboard_in_place(search):
    from screens.keyboard import Key

    search.controller.act("elder")
    search.wait_screen("home.search")
    try:
        kb = _keyboard(search)  # still docked, and the screen with it
        assert search.journey.root_box.parent is search.journey
        keys = [k for k in kb.walk(restrict=True) if isinstance(k, Key)]
        assert kb.key_size == 90 and all(k.height >= 90 for k in keys)
        for letter in "sb":
            search.press(letter)
        assert kb.composition.candidates
    finally:
        search.controller.act("elder")
        search.frames(3)


def test_candidates_that_do_not_fit_are_reached_with_the_arrow(kiosk_ui):
    from kivy.uix.floatlayout import FloatLayout

    from kiosk.services.ime.pinyin import PAGE_SIZE
    from screens.keyboard import TextKeyboard

    typed: list[str] = []
    box = FloatLayout(size_hint=(None, None), size=(600, 600))
    kb = TextKeyboard(typed.append, scale=1.5)
    box.add_widget(kb)
    kiosk_ui.window.add_widget(box)
    try:
        kiosk_ui.frames(3)
        for letter in "gongjijin":
            kb.type(letter)
        page = kb.composition.candidates
        assert len(page) == PAGE_SIZE
        seen = [c.text for c in reversed(kb.choices.children)]
        assert 0 < len(seen) < PAGE_SIZE  # a narrow elder keyboard shows a few at a time
        while kb.composition.page == 0:
            kb.next.on_release()
            if kb.composition.page == 0:
                seen += [c.text for c in reversed(kb.choices.children)]
        assert seen == list(page)  # every candidate of the page was shown once, in order
        kb.prev.on_release()
        assert kb.composition.page == 0
        kb.choices.children[-1].on_release()
        assert typed and typed[-1] in page
    finally:
        kiosk_ui.window.remove_widget(box)


def test_the_apply_forms_text_fields_get_the_keyboard_and_keep_next_visible(kiosk_ui):
    from kiosk.devices.demo_cards import DEMO_CARDS

    kiosk_ui.open_guide(service="就业失业登记")
    try:
        kiosk_ui.controller.act("apply")
        kiosk_ui.wait_screen("identify")
        reader = kiosk_ui.runtime.devices.emulators.idreader
        reader.remove()  # an earlier test may have left its card on the reader: let the reader see it go
        kiosk_ui.wait(lambda: False, 1.5)
        reader.insert(DEMO_CARDS["P001"])
        kiosk_ui.wait_screen("identify.confirmed")
        reader.remove()
        kiosk_ui.controller.act("continue")
        kiosk_ui.wait_screen("apply.form")
        kiosk_ui.press("显示完整信息")  # the prefilled personal fields are masked until the citizen asks
        kiosk_ui.wait_screen("apply.form")
        kiosk_ui.frames(3)
        kb = _keyboard(kiosk_ui)
        _, kb_bottom, _, _ = _window_box(kb)
        for action in ("next", "back"):
            button = next(b for b in kiosk_ui.buttons() if b.action_id == action)
            _, bottom, _, top = _window_box(button)
            assert top <= kb_bottom + 1 and bottom >= 0, action
        name = kiosk_ui.journey._focus
        before = next(f for f in _form(kiosk_ui).fields if f.name == name).value
        for letter in "shebao":
            kiosk_ui.press(letter)
        kiosk_ui.press("社保")
        kiosk_ui.wait_screen("apply.form")
        field = next(f for f in _form(kiosk_ui).fields if f.name == name)
        assert field.value == before + "社保"
    finally:
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.frames(3)


def test_a_receipt_code_is_typed_in_letters_and_digits_without_pinyin(kiosk_ui):
    kiosk_ui.controller.act("start")
    try:
        kiosk_ui.wait_screen("home")
        kiosk_ui.press("凭回执码补打")
        kiosk_ui.wait_screen("reprint")
        kb = _keyboard(kiosk_ui)
        assert kb.mode == "abc"
        for key in "k7m2":
            kiosk_ui.press(key)
            kiosk_ui.frames(1)
        kiosk_ui.wait_screen("reprint")
        assert kb.composition.preedit == ""
        assert kiosk_ui.controller.frame().view.blocks[1].fields[0].value == "K7M2"
    finally:
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.frames(3)
    kiosk_ui.controller.act("start")
    try:
        kiosk_ui.wait_screen("home")
        kiosk_ui.press("搜索服务")
        kiosk_ui.wait_screen("home.search")
        assert _keyboard(kiosk_ui).mode == "pinyin"  # a text field gets pinyin back
    finally:
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.frames(3)


def test_in_landscape_the_keyboard_sits_under_the_body_beside_the_actions(kiosk_ui):
    portrait = tuple(kiosk_ui.window.size)
    kiosk_ui.resize((portrait[1], portrait[0]))
    kiosk_ui.controller.act("start")
    try:
        kiosk_ui.wait_screen("home")
        kiosk_ui.press("搜索服务")
        kiosk_ui.wait_screen("home.search")
        kb, field = _keyboard(kiosk_ui), _field(kiosk_ui)
        back = next(b for b in kiosk_ui.buttons() if b.action_id == "back")
        _, _, kb_right, kb_top = _window_box(kb)
        _, field_bottom, _, _ = _window_box(field)
        back_left, _, _, _ = _window_box(back)
        assert field_bottom >= kb_top - 1, "the field sits above the keyboard"
        assert back_left >= kb_right - 1, "the actions' column stays beside the keyboard"
        for letter in "sb":
            kiosk_ui.press(letter)
        kiosk_ui.press(kb.composition.candidates[0])
        kiosk_ui.wait_screen("home.search")
        assert len(_field(kiosk_ui).text) == 2
    finally:
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.resize(portrait)
    assert kiosk_ui.journey.viewport.parent is kiosk_ui.journey.main  # the keyboard's column is gone again
