"""How the journey screen draws each block of a ``View``: text, progress, pairs, tables,
choices, pictures and rating levels (forms: screens/forms.py).

Rows of pairs, tables and choices are not added at once but queued (``_defer``) and
added a few per frame to the page being built off the tree (screens/pages.py), so no
frame carries a whole screen of labels; labels and buttons come from the screen's
``Recycler`` pool.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from kivy.core.image import Image as CoreImage
from kivy.graphics.texture import Texture
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image

from kiosk.views import Choices, Form, Pairs, Picture, Progress, Rating, Table, Text
from screens.layout import Shape
from screens.pages import progress_text
from screens.theme import THEME
from screens.widgets import TEXT_COLOURS, TEXT_SIZES, Panel, Recycler, grow_down, type_scale

PICTURES_KEPT = 4
"""Decoded pictures kept for the visit (``Blocks.pictures``); emptied when it ends (they may show a face)."""
_decoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="picture-decode")
"""Decodes a page's pictures off the main thread while its rows are built (an A4 preview: ~15 ms of
CPU that held one frame); only the texture's upload is left to the main thread."""


def decode_png(png: bytes, room: tuple[float, float] = (0.0, 0.0)) -> tuple[tuple[int, int], bytes]:
    """A PNG's size and RGBA pixels, top row first (runs on the decoder's thread).

    A picture at least twice as large as the ``room`` it is shown in (an A4 preview) is first
    reduced by a whole factor, never below the size shown: a quarter of the pixels to upload on
    the main thread, and the screen shows the same (it was scaled down at draw time anyway).
    """
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(png)) as image:
        rgba = image.convert("RGBA")
    width, height = rgba.size
    if room[0] > 1 and room[1] > 1:
        factor = int(max(width / room[0], height / room[1]))
        if factor >= 2:
            rgba = rgba.reduce(factor)
    return rgba.size, rgba.tobytes()


class Blocks:
    """Mixin of ``JourneyScreen``: one widget per block, built with its ``pool`` at its ``scale``."""

    pictures: dict[bytes, object]
    """Textures of the visit's latest pictures by their PNG, oldest first."""
    decoding: dict[bytes, Future]
    """Pictures of the page being built, being decoded off the main thread."""

    act: Callable[..., None]
    scale: float
    pool: Recycler
    _defer: Callable[..., None]
    _form: Callable[[Form], Panel]
    content_width: Callable[[], float]
    shape: Shape | None

    def _block(self, block):
        s = self.scale
        if isinstance(block, Text):
            return self.pool.label(block.text, TEXT_SIZES.get(block.style, "body"), s, TEXT_COLOURS.get(block.style))
        if isinstance(block, Progress):
            return self.pool.label(progress_text(block), "title", s, THEME["accent"], halign="center")
        if isinstance(block, Pairs):
            return self._pairs(block)
        if isinstance(block, Table):
            return self._table(block)
        if isinstance(block, Choices):
            return self._choices(block)
        if isinstance(block, Form):
            return self._form(block)
        if isinstance(block, Picture):
            return self._picture(block)
        if isinstance(block, Rating):
            return self._rating(block)
        return None

    def _pairs(self, block: Pairs) -> Panel:
        panel = Panel()
        if block.title:
            panel.add_widget(self.pool.label(block.title, "body", self.scale, THEME["accent"]))
        grid = GridLayout(cols=1 if self.scale > 1 else 2, spacing=(dp(16), dp(6)), size_hint_y=None)
        grow_down(grid)
        split = self.scale <= 1

        def row(label: str, value: str) -> None:
            key = self.pool.label(label, "small", self.scale, THEME["text_dim"], size_hint_x=0.3 if split else 1)
            val = self.pool.label(value, "body", self.scale, size_hint_x=0.7 if split else 1)
            grid.add_widget(key)
            grid.add_widget(val)

        for label, value in block.rows:
            self._defer(lambda label=label, value=value: row(label, value), 2)
        panel.add_widget(grid)
        return panel

    def _table(self, block: Table) -> Panel:
        panel = Panel()
        if not block.rows:
            panel.add_widget(self.pool.label(block.empty, "body", self.scale, THEME["text_dim"]))
            return panel
        grid = GridLayout(cols=len(block.columns), spacing=(dp(10), dp(6)), size_hint_y=None)
        grow_down(grid)
        for col in block.columns:
            grid.add_widget(self.pool.label(col, "small", self.scale, THEME["accent"]))

        def row(values: tuple[str, ...]) -> None:
            for value in values:
                grid.add_widget(self.pool.label(value, "small", self.scale))

        for values in block.rows:
            self._defer(lambda values=values: row(values), len(values))
        panel.add_widget(grid)
        if block.pages > 1:
            panel.add_widget(self.pool.label(f"{block.page} / {block.pages}", "small", self.scale, THEME["text_dim"],
                                       halign="center"))
        return panel

    def _choices(self, block: Choices) -> GridLayout:
        box = GridLayout(cols=1, spacing=dp(8), size_hint_y=None)
        grow_down(box)
        if block.title:
            box.add_widget(self.pool.label(block.title, "body", self.scale, THEME["accent"]))
        # As many of the journey's columns as fit tiles of a readable width on this window.
        tile = dp(230) * self.scale * type_scale()
        fit = int((self.content_width() + dp(10)) // (tile + dp(10)))
        # Tiles with icons (the home screen's categories) spread out on a wide window.
        wide = any(dict(a.args).get("icon") for a in block.items) and self.shape is not None and self.shape.landscape
        cols = max(1, min(max(block.columns, 5) if wide else block.columns, fit))
        grid = GridLayout(cols=cols, spacing=dp(10), size_hint_y=None)
        grow_down(grid)

        def button(a) -> None:
            args = a.kwargs()
            note = args.pop("note", "")
            icon = args.pop("icon", "")
            style = "tile" if icon and a.style == "primary" else a.style
            tile = self.pool.button(a.label, lambda: self.act(a.id, **args), style, a.enabled, scale=self.scale,
                                    note=note, action_id=a.id, icon=icon)
            if style == "tile" and self.shape is not None and not self.shape.landscape:
                # a portrait panel has the height: large tiles, easy to hit and to read
                tile.min_height = max(tile.min_height, dp(190) * self.scale * type_scale())
                tile.height = max(tile.height, tile.min_height)
            grid.add_widget(tile)

        for a in block.items:
            # a tile with an icon is two texts to render (markup): it counts as two labels
            self._defer(lambda a=a: button(a), 2 if dict(a.args).get("icon") else 1)
        box.add_widget(grid)
        return box

    def _picture(self, block: Picture) -> BoxLayout:
        box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(6))
        img = Image(texture=self._picture_texture(block.png), size_hint_y=None,
                    height=self._picture_height(block), fit_mode="contain")
        box.image = img
        # a new picture of the same step (a camera preview) is shown in ``box.image``
        box.add_widget(img)
        height = img.height
        if block.caption:
            cap = self.pool.label(block.caption, "small", self.scale, THEME["text_dim"], halign="center")
            box.add_widget(cap)
            height += dp(60) * self.scale
        box.height = height
        return box

    def _decode_later(self, block: Picture) -> Future | None:
        """Start decoding ``block``'s picture on the decoder's thread (None: already decoded)."""
        png = block.png
        if png in self.pictures:
            return None
        job = self.decoding.get(png)
        if job is None:
            room = (self.content_width(), self._picture_height(block))
            job = self.decoding[png] = _decoder.submit(decode_png, png, room)
        return job

    def _picture_height(self, block: Picture) -> float:
        return dp(block.height) * min(self.scale, 1.2)

    def _picture_texture(self, png: bytes):
        tex = self.pictures.get(png)
        job = self.decoding.pop(png, None)
        if tex is None and job is not None:  # decoded off the main thread: only the upload is left
            size, pixels = job.result()
            tex = Texture.create(size=size, colorfmt="rgba")
            tex.blit_buffer(pixels, colorfmt="rgba", bufferfmt="ubyte")
            tex.flip_vertical()  # as Kivy's image loaders do: the first row is the top
        if tex is None:  # a step with a countdown is drawn again every second: its QR code is decoded once
            tex = CoreImage(io.BytesIO(png), ext="png").texture
        if png not in self.pictures:
            if len(self.pictures) >= PICTURES_KEPT:
                del self.pictures[next(iter(self.pictures))]
            self.pictures[png] = tex
        return tex

    def _rating(self, block: Rating) -> GridLayout:
        grid = GridLayout(cols=1, spacing=dp(10), size_hint_y=None)
        grow_down(grid)
        for i, label in enumerate(block.levels):
            style = "primary" if block.selected is None else "selected" if block.selected == i else "secondary"
            grid.add_widget(self.pool.button(label, lambda i=i: self.act("level", index=str(i)), style,
                                             scale=self.scale))
        return grid
