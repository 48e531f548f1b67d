"""The widget recycler: reused labels and buttons carry nothing of the screen they came from."""

from __future__ import annotations

from kiosk.devices.demo_cards import DEMO_CARDS


def test_a_kept_label_is_blanked_at_visit_end_and_comes_back_as_new(kiosk_ui):
    from screens.theme import THEME
    from screens.widgets import Recycler, WrapLabel, font

    pool = Recycler()
    first = pool.label("王秀英 11010519491231002X", "title", 1.5, THEME["accent"], size_hint_x=0.3)
    pool.keep([first])
    assert len(pool) == 1
    pool.blank()  # what the end of a visit does
    assert first.text == ""
    again = pool.label("办理须知", "small")
    assert again is first and len(pool) == 0
    assert again.text == "办理须知" and again.font_size == font("small", 1.0)
    assert list(again.color) == list(THEME["text"]) and again.size_hint_x == 1.0
    assert isinstance(pool.label("new"), WrapLabel) and pool.label("new") is not again


def test_a_kept_button_forgets_its_action_and_state(kiosk_ui):
    from screens.widgets import Recycler

    pressed: list[str] = []
    pool = Recycler()
    button = pool.button("继续", lambda: pressed.append("old"), "danger", enabled=False, action_id="continue")
    button.state = "down"
    pool.keep([button])
    button.on_release()
    assert pressed == []  # a kept button does nothing
    again = pool.button("返回", lambda: pressed.append("new"), "secondary", action_id="back")
    assert again is button
    assert again.text == "返回" and again.action_id == "back" and again.state == "normal"
    assert not again.disabled and again.opacity == 1.0
    again.on_release()
    assert pressed == ["new"]


def test_containers_give_back_every_label_and_button_inside(kiosk_ui):
    from kivy.uix.gridlayout import GridLayout

    from screens.keypad import Keypad
    from screens.widgets import Panel, Recycler

    pool = Recycler()
    panel = Panel()
    grid = GridLayout(cols=2)
    grid.add_widget(pool.label("a"))
    grid.add_widget(pool.button("b", lambda: None))
    panel.add_widget(grid)
    panel.add_widget(Keypad("id", lambda _k: None, pool=pool))
    pool.keep([panel])
    assert len(pool) == 2 + 12 and not grid.children and all(w.parent is None for w in pool._labels + pool._buttons)


def test_screens_reuse_widgets_and_a_finished_visit_leaves_no_text(kiosk_ui):
    from kivy.uix.label import Label

    kiosk_ui.controller.act("start")
    try:
        kiosk_ui.wait_screen("home")
        first = {id(w) for box in (kiosk_ui.journey.body, kiosk_ui.journey.actions)
                 for w in box.walk(restrict=True) if isinstance(w, Label)}
        kiosk_ui.press("社保医保")
        kiosk_ui.wait_screen("home.category")
        # a page is built while the one before is still shown: the page after next reuses its widgets
        kiosk_ui.press("个人社会保险参保缴费查询")
        kiosk_ui.wait_screen("guide")
        second = {id(w) for box in (kiosk_ui.journey.body, kiosk_ui.journey.actions)
                  for w in box.walk(restrict=True) if isinstance(w, Label)}
        assert first & second, "the guide was built from new widgets only"
        kiosk_ui.press("查询")
        kiosk_ui.wait_screen("identify")
        reader = kiosk_ui.runtime.devices.emulators.idreader
        reader.remove()  # an earlier test may have left its card on the reader: let the reader see it go
        kiosk_ui.wait(lambda: False, 1.5)
        reader.insert(DEMO_CARDS["P003"])
        kiosk_ui.wait_screen("identify.confirmed")
        reader.remove()
    finally:
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.frames(3)
    journey = kiosk_ui.journey
    assert kiosk_ui.wait(lambda: not journey.pool.blanking, 5), "kept widgets still being emptied"
    kept = journey.pool._labels + journey.pool._buttons
    shown = [w for box in (journey.body, journey.actions) for w in box.walk(restrict=True) if isinstance(w, Label)]
    texts = [w.text for w in shown + kept + [journey.title, journey.ident]]
    assert kept and not any(t.strip() for t in texts), [t for t in texts if t.strip()][:5]


def test_a_scrolled_body_is_clipped_to_its_viewport(kiosk_ui, tmp_path):
    """The scissor box keeps scrolled content off the title and the action row."""
    from PIL import Image

    try:
        kiosk_ui.open_guide()
        journey = kiosk_ui.journey
        assert journey.viewport.scrolling, "the guide fits: nothing to scroll in this test"
        window = kiosk_ui.window

        def shot(name: str) -> Image.Image:
            kiosk_ui.frames(3)
            return Image.open(window.screenshot(name=str(tmp_path / name))).convert("RGB")

        before = shot("top.png")
        journey.scroll.scroll_y = 0.0  # to the bottom
        after = shot("bottom.png")
        w, h = before.size
        scroll = journey.scroll
        top = int(h - scroll.top)  # image rows run down from the window's top
        bottom = int(h - scroll.y)
        above = (0, 0, w, max(0, top - 2))
        below = (0, min(h, bottom + 2), w, h)
        assert before.crop(above).tobytes() == after.crop(above).tobytes(), "content drawn over the title"
        assert before.crop(below).tobytes() == after.crop(below).tobytes(), "content drawn over the actions"
        inside = (0, top + 2, w, bottom - 2)
        assert before.crop(inside).tobytes() != after.crop(inside).tobytes(), "the body did not scroll"
    finally:
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.frames(3)


def test_back_to_back_visits_still_get_their_garbage_collected(kiosk_ui):
    """A collection skipped because the next citizen was quicker is made up at a later visit's end."""
    from kiosk.app import MAX_SKIPPED_COLLECTIONS

    app = kiosk_ui.app
    for _ in range(MAX_SKIPPED_COLLECTIONS):
        kiosk_ui.controller.act("start")
        kiosk_ui.wait_screen("home")
        app._collect()  # the scheduled collection fires while a visit runs: skipped
    assert app.skipped_collections >= MAX_SKIPPED_COLLECTIONS
    done = app.collections
    kiosk_ui.controller.end_visit("test")
    kiosk_ui.frames(2)  # no 2 s wait: collected on the way to the attract screen
    assert app.collections == done + 1 and app.skipped_collections == 0


def test_collection_is_held_from_a_visits_first_touch_to_the_pass_after_it(kiosk_ui):
    import gc

    app = kiosk_ui.app
    app._collect()
    assert gc.isenabled()
    kiosk_ui.controller.act("start")
    assert not gc.isenabled(), "held at the touch that starts the visit, before its first frame"
    kiosk_ui.wait_screen("home")
    kiosk_ui.controller.end_visit("test")
    kiosk_ui.frames(2)
    assert not gc.isenabled(), "the attract screen's first frames come before the pass"
    app._collect()
    assert gc.isenabled()


def test_the_whole_heap_is_collected_when_nobody_comes(kiosk_ui):
    """Between visits only the visit's objects are walked; the whole heap waits for an idle minute."""
    from kiosk.ops.heap import IDLE_WHOLE_HEAP_S

    app = kiosk_ui.app
    kiosk_ui.controller.act("start")
    kiosk_ui.wait_screen("home")
    kiosk_ui.controller.end_visit("test")
    kiosk_ui.frames(2)
    app._collect()  # the between-visit pass, normally 2 s after the visit
    assert app._idle_event is not None and app._idle_event.timeout == IDLE_WHOLE_HEAP_S
    whole = app.heap.whole_passes
    kiosk_ui.controller.act("start")
    kiosk_ui.wait_screen("home")
    app._collect_whole()  # the idle minute ran out just as a citizen touched the screen
    assert app.heap.whole_passes == whole
    kiosk_ui.controller.end_visit("test")
    kiosk_ui.frames(2)
    app._collect()
    app._collect_whole()
    assert app.heap.whole_passes == whole + 1 and app._idle_event is None


def test_renderer_warm_up_draws_each_texture_kind_invisibly_and_goes(kiosk_ui):
    from kivy.graphics import Color, Rectangle

    from screens.warm import TEXTURE_KINDS, warm_renderer

    window = kiosk_ui.window
    before = list(window.children)
    assert all(tuple(w.size) != (1, 1) for w in before), "the app's warm-up is gone after its first frame"
    undo = warm_renderer(window)
    added = [w for w in window.children if w not in before]
    assert len(added) == 1
    quads = [i for i in added[0].canvas.children if isinstance(i, Rectangle)]
    assert sorted((q.texture.colorfmt, tuple(q.texture.size)) for q in quads) == sorted(TEXTURE_KINDS)
    assert [i.a for i in added[0].canvas.children if isinstance(i, Color)] == [0]
    kiosk_ui.frames(1)
    undo()
    assert list(window.children) == before


def test_the_body_keeps_its_width_when_a_visit_starts(kiosk_ui):
    """The journey screen has no size in its first frame; its body must not be moved into the
    scroll view then (everything "overflows" a zero height) and back: every label would be
    laid out at a 60 px width and then again at the real one."""
    journey = kiosk_ui.journey
    widths: list[float] = []
    journey.body.bind(width=lambda _w, value: widths.append(value))
    try:
        kiosk_ui.open_guide()
        assert journey.viewport.scrolling, "this guide is longer than the screen"
        assert widths == [] or min(widths) >= journey.viewport.width - 16, widths  # 14 px for the scroll bar
    finally:
        journey.body.unbind(width=widths.append)
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.frames(3)


def _luminance(rgba) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_every_button_style_keeps_its_text_readable() -> None:
    """WCAG AA (4.5:1) for the button label on each style, the danger style included."""
    from screens.widgets import BUTTON_STYLES, _theme_colour

    for style, (background, foreground, _outline) in BUTTON_STYLES.items():
        text, bg = _luminance(_theme_colour(foreground)), _luminance(_theme_colour(background))
        ratio = (max(text, bg) + 0.05) / (min(text, bg) + 0.05)
        assert ratio >= 4.5, f"{style}: {ratio:.2f}:1"


def test_quick_visits_in_a_row_collect_once_after_the_last(kiosk_ui):
    """Each visit's end replaces the waiting collection instead of adding one more."""
    from kiosk.app import GC_AFTER_VISIT_S

    app = kiosk_ui.app
    app._collect()  # nothing scheduled from earlier tests is left waiting
    for _ in range(2):
        kiosk_ui.controller.act("start")
        kiosk_ui.wait_screen("home")
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.frames(2)
    done = app.collections
    kiosk_ui.wait(lambda: False, GC_AFTER_VISIT_S + 1.0)
    assert app.collections == done + 1


def test_a_fling_on_one_page_does_not_carry_the_next_page_away_from_its_top(kiosk_ui):
    """The scroll effect's glide of the last page stops when a new page is drawn."""
    journey = kiosk_ui.journey
    try:
        kiosk_ui.open_guide()
        assert journey.viewport.scrolling, "the guide fits: nothing to fling in this test"
        effect = journey.scroll.effect_y
        effect.velocity = 4000.0  # a citizen's flick towards the bottom, still gliding
        effect.trigger_velocity_update()
        kiosk_ui.frames(1)
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.controller.act("start")
        kiosk_ui.wait_screen("home")
        assert journey.viewport.scrolling, "home fits: this shape cannot show the glide"
        kiosk_ui.frames(30)
        assert journey.scroll.scroll_y > 0.99, journey.scroll.scroll_y
    finally:
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.frames(3)
