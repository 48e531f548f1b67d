"""Laying out and rendering a widget tree off the window, inside a build's time budget.

Kivy lays out and renders labels in the clock passes before a frame is drawn; a page
built off the tree (``screens.pages``), a bar's button or a spare help panel
(``screens.chrome``, ``screens.journey``) is settled here instead, so that the frame that
shows it has nothing left to do but draw.
"""

from __future__ import annotations

SETTLE_PASSES = 4
"""Rounds of layouts and renders ``settle`` runs at most (a height that changes lays its box out again)."""


def settle(root, fill: bool = True, below=None) -> None:
    """Lay out and render now what ``root`` (off the tree) would in this frame's clock passes.

    The same work Kivy's triggers would do before the frame is drawn, done inside the
    build's time budget so that the budget counts it: layouts give labels their widths,
    labels wrap and render, their heights lay their boxes out again. A label's pixels are
    filled in when its texture is first bound, which Kivy leaves to the first frame that
    draws it (the swap); binding it here fills it now. ``below``: a widget whose own
    layout and descendants are left for later (one pass over the boxes around it).
    """
    for _ in range(SETTLE_PASSES):
        done = True
        stack = [root]  # parents before their children (Kivy's ``walk`` is a generator per level: slower)
        while stack:
            w = stack.pop()
            if w is below:
                continue
            layout = getattr(w, "_trigger_layout", None)
            if layout is not None and layout.is_triggered:
                layout.cancel()
                w.do_layout()
                # Setting its children's sizes triggered it again; that second pass would find them as it
                # left them. A child that changes its own size later (its text, its own rows) triggers it anew.
                layout.cancel()
                done = False
            texture = getattr(w, "_trigger_texture", None)
            if texture is not None:
                if texture.is_triggered:
                    texture.cancel()
                    w.texture_update()
                    done = False
                if fill and w.texture is not None:
                    w.texture.bind()  # its pixels now (a no-op once they are there)
            stack.extend(w.children)
        if done:
            break
