"""How a page, the bar and the end of a visit spread their work over frames (screens/pages.py).

Counted in work items (layouts, label renders), not in time: what a frame costs is measured
by benchmarks/ui_frames.py and benchmarks/visit_soak.py.
"""

from __future__ import annotations

import io
from collections import Counter
from contextlib import contextmanager

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label


@contextmanager
def counting(layouts: Counter | None = None, renders: list | None = None):
    """Count ``do_layout`` per widget and record each label render (the widget, and whether it was on the
    window then) while inside."""
    patched = []

    def wrap(cls, name, record):
        orig = cls.__dict__[name]

        def counted(self, *a, **k):
            record(self)
            return orig(self, *a, **k)

        counted.__name__ = name  # Kivy's triggers look the method up by name
        setattr(cls, name, counted)
        patched.append((cls, name, orig))

    if layouts is not None:
        for cls in (GridLayout, BoxLayout):
            wrap(cls, "do_layout", lambda w: layouts.update([w]))
    if renders is not None:
        wrap(Label, "texture_update", lambda w: renders.append((w, w.get_root_window() is not None)))
    try:
        yield
    finally:
        for cls, name, orig in reversed(patched):
            setattr(cls, name, orig)


def test_a_page_is_swapped_in_with_one_layout_of_the_column_and_its_rows(kiosk_ui):
    """The help panel takes its room before the column is laid out, and the actions' height is known
    before the boxes around them: nothing on the new page moves twice in the frame that shows it."""
    journey = kiosk_ui.journey
    kiosk_ui.controller.act("start")
    try:
        kiosk_ui.wait_screen("home")
        kiosk_ui.press("社保医保")
        kiosk_ui.wait_screen("home.category")
        swaps = []
        real_swap = type(journey)._swap

        def swap(self, page):
            layouts: Counter = Counter()
            with counting(layouts=layouts):
                real_swap(self, page)
            swaps.append((page, layouts))

        type(journey)._swap = swap
        try:
            kiosk_ui.press("个人社会保险参保缴费查询")
            kiosk_ui.wait_screen("guide")
        finally:
            del type(journey)._swap
        assert swaps, "the guide was not swapped in"
        page, layouts = swaps[-1]
        watched = [journey.column, journey.main, journey.actions, page.body,
                   *(w for w in page.body.walk(restrict=True) if isinstance(w, GridLayout | BoxLayout))]
        twice = {f"{type(w).__name__} {w.size}": layouts[w] for w in watched if layouts[w] > 1}
        assert twice == {}, f"laid out more than once in the swap: {twice}"
        assert layouts[journey.column] == 1
    finally:
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.frames(3)


def test_a_language_or_elder_switch_renders_the_bar_and_help_panel_off_the_screen(kiosk_ui):
    """The bar's six texts and the help panel's three for the new language (or type size) are rendered
    in the frames that build the next page, into the set not shown, and shown with that page: none is
    rendered on screen."""
    journey = kiosk_ui.journey
    kiosk_ui.controller.act("start")
    try:
        kiosk_ui.wait_screen("home")
        for action in ("lang", "elder", "lang"):
            renders: list = []
            with counting(renders=renders):
                kiosk_ui.controller.act(action)
                kiosk_ui.wait_screen("home")
            bar = [w for w, shown in renders if shown and w.parent is journey.bar]
            assert bar == [], f"{action}: bar labels rendered on screen: {[w.action_id for w in bar]}"
            panel = [w.text[:20] for w, shown in renders if shown and w.parent in journey._asides]
            assert panel == [], f"{action}: help panel texts rendered on screen: {panel}"
            assert any(w in journey.bar_buttons.values() for w, _ in renders), "the new bar was not rendered at all"
            chrome = kiosk_ui.controller.frame().chrome
            shown = {k: b.label for k, b in journey.bar_buttons.items()}
            assert shown == {k: chrome.label(k) for k in journey.bar_buttons}
        assert journey.bar_buttons["lang"].parent is journey.bar
    finally:
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.frames(3)


def test_the_frame_that_shows_the_attract_screen_empties_no_kept_label(kiosk_ui):
    """After a visit the kept labels are emptied from the next frame on, their renders inside the
    blanking budget: the frame that draws the attract screen renders none of them."""
    journey = kiosk_ui.journey
    kiosk_ui.open_guide()
    kept_before = len(journey.pool)
    renders: list = []
    with counting(renders=renders):
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.wait(lambda: kiosk_ui.app.attract.parent is not None, 5)
    emptied = [w for w, _ in renders if getattr(w, "_in_pool", False)]
    assert emptied == [], f"{len(emptied)} kept labels rendered in the frame that shows the attract screen"
    assert len(journey.pool) > kept_before
    assert journey.pool.blanking
    assert kiosk_ui.wait(lambda: not journey.pool.blanking, 5)
    assert all(w.text == "" for w in journey.pool._labels)


def test_a_picture_is_decoded_off_the_main_thread_and_shown_the_right_way_up(kiosk_ui):
    """A page's picture is decoded on the decoder's thread while its rows are built; the texture
    made from it has the same pixels, top row on top, as Kivy's own image loader gives."""
    from kivy.core.image import Image as CoreImage
    from PIL import Image as PILImage

    from kiosk.views import Picture
    from screens.blocks import decode_png

    image = PILImage.new("RGBA", (40, 30), (0, 0, 255, 255))
    image.paste((255, 0, 0, 255), (0, 0, 40, 5))  # the top rows red
    buf = io.BytesIO()
    image.save(buf, "PNG")
    png = buf.getvalue()
    journey = kiosk_ui.journey
    job = journey._decode_later(Picture(png, height=30))
    assert job is not None and job.result()[0] == (40, 30)
    ours = journey._picture_texture(png)
    assert png not in journey.decoding
    kivy = CoreImage(io.BytesIO(png), ext="png").texture
    assert ours.size == kivy.size and ours.uvpos == kivy.uvpos and ours.uvsize == kivy.uvsize
    assert ours.pixels == kivy.pixels
    journey.pictures.clear()
    # an A4 preview twice the room it is shown in is reduced before the upload, never below it
    size, pixels = decode_png(png, (15.0, 12.0))
    assert size == (20, 15) and len(pixels) == 20 * 15 * 4
    assert decode_png(png, (30.0, 30.0))[0] == (40, 30)
