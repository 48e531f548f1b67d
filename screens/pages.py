"""How the journey screen turns one page into the next: built off the widget tree, swapped in whole.

A new step's title, body and action buttons are built into widgets that are not on the
window (a spare title label and a spare body grid, at the width they will have), a few
rows per frame, while the page before stays on screen. Off the tree a label's texture,
its wrapping and its grid's layout settle without moving anything shown: a growing
top-anchored box on screen moved everything under it and laid the whole content column
out again for every label that changed a height (5-9 passes per frame, each followed by
a redraw of the whole window). When the last row is in, the page is swapped in whole in
one frame: its widgets already have their sizes and, the body standing where the column
will put it, their positions, so the swap lays out the column once and draws once.

While a page is being built the page on screen stays, its pressed button held lit; a tap
on its content or actions is taken but does nothing (its buttons belong to the step
before: a second tap on "next" must not act on the step it led to). The bar and the
docked keyboard stay live (a key types into the field by name, on whichever page). A new
view of the same skeleton (a camera preview's picture, a form's values) changes the
widgets in place, on screen or in the page being built, instead of building a page.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace

from kivy.clock import Clock
from kivy.uix.gridlayout import GridLayout

from kiosk.views import Form, Picture, Progress, View
from screens.settle import settle
from screens.theme import THEME
from screens.widgets import BigButton, Recycler, WrapLabel, set_height_keep_top

BUILD_BUDGET_S = 0.003
"""CPU time per frame for adding rows, their labels' wrapping and textures and the page's layout included."""
MAX_REPLACED = 3
"""Pages replaced by a newer view before they were shown, after which one is built in a single frame."""
HOLD_PRESSED_S = 1.0
"""A tap this recent made the new page: its button stays lit until the page is shown."""


def skeleton(shape: View) -> View:
    """A view's shape with its pictures blanked: equal skeletons mean "show the new pictures in place"
    (a camera preview, four times a second). A new text may need another height, and with it
    another layout of the page and of the help panel under it: that page is built anew."""
    def blank(block):
        return replace(block, png=b"") if isinstance(block, Picture) else block
    return replace(shape, blocks=tuple(blank(b) for b in shape.blocks))


def progress_text(block: Progress) -> str:
    return block.message + (f"  {block.seconds_left}s" if block.seconds_left is not None else "")


class Page:
    """A page being built: its view, title, body and action buttons, and the rows still to add."""

    def __init__(self, view: View, skeleton: View, title: WrapLabel, body: GridLayout) -> None:
        self.view = view
        self.skeleton = skeleton
        self.title = title
        self.body = body
        self.blocks: list = [None] * len(view.blocks)
        """The widget of each block once built (a picture is changed in place)."""
        self.buttons: list[BigButton] = []
        self.pending: deque[tuple[Callable[[], None], int, Callable[[], bool] | None]] = deque()
        """Rows still to add: how to build each, the labels it renders, and whether it can be built yet."""
        self.aside_ready = False
        """The help panel's pictogram for the room this page leaves is rendered."""
        self.aside = None
        """The help panel with this page's texts, rendered off the screen (shown with the page)."""
        self.bar = None
        """The chrome whose bar is filled in this page's rows and shown with it (None: the bar stays)."""


class Pages:
    """Mixin of ``JourneyScreen``: builds the next page off the tree and swaps it in."""

    act: Callable[..., None]
    scale: float
    pool: Recycler
    title: WrapLabel
    body: GridLayout
    actions: GridLayout
    _block: Callable
    _decode_later: Callable
    _bar_next: object
    _queue_bar: Callable
    _show_bar: Callable
    _spare_bar: Callable
    _bar_state: Callable
    _frame: object
    _spare_aside: Callable
    _use_aside: Callable
    _fields: dict
    _values: dict

    def _init_pages(self, make_title: Callable[[], WrapLabel], make_body: Callable[[], GridLayout]) -> None:
        self._titles = (make_title(), make_title())
        self._bodies = (make_body(), make_body())
        for body in self._bodies:
            body.bind(minimum_height=self._body_height)
        self.title, self.body = self._titles[0], self._bodies[0]
        self._page: Page | None = None
        self._page_event = None
        self._put_away_event = None
        self._shown = Page(View("", ""), skeleton(View("", "")), self.title, self.body)
        """The page on screen (its blocks' widgets, for changes in place)."""
        self._old: list = []
        """Widgets of the page swapped out, given back to the pool in the next frame."""
        self._last_up = (-10.0, (0.0, 0.0))
        self._replaced = 0
        self._per_label = 0.0005
        """What one label has cost to build, wrap, render and lay out lately (CPU seconds)."""

    def _body_height(self, body: GridLayout, height: float) -> None:
        # A body being built keeps a fixed top and no height: its rows' positions do not change
        # as rows are added under them, nor when it is swapped in where the column puts it.
        if body is self.body:
            set_height_keep_top(body, height)

    @property
    def building(self) -> bool:
        """A page is being built (what a driver or test waits out before it reads or touches the screen)."""
        return self._page is not None or bool(self._old) or self._revealing

    # -- building -------------------------------------------------------------------------------
    def _stage(self, view: View, shape: View, urgent: bool = False) -> None:
        """Start building ``view`` off the tree (from the next frame on: this one may have drawn a new
        bar); the page on screen stays until the new one is complete. ``urgent``: in one frame (the
        window changed shape: the page shown is being laid out anew anyway)."""
        if self._page is not None:
            self._replaced += 1  # the view changed again before its page was shown
        if urgent:
            self._replaced = MAX_REPLACED
        self._cancel_page()
        self._put_away()  # the spare body may still hold the page swapped out in this frame
        title = self._titles[1] if self.title is self._titles[0] else self._titles[0]
        body = self._bodies[1] if self.body is self._bodies[0] else self._bodies[0]
        page = self._page = Page(view, skeleton(shape), title, body)
        self._fields = {}
        # the view's values; a value typed while the page is built (the keyboard stays live) is newer
        self._values = {f.name: f.value for b in view.blocks if isinstance(b, Form) for f in b.fields}
        page.pending.append((lambda: self._start_page(page), 1, None))
        if self._bar_next is not None:
            self._queue_bar(page)
        self._hold_pressed()
        self._page_event = Clock.schedule_once(self._build_some, 0)

    def _start_page(self, page: Page) -> None:
        """The page's title, at its final width (its height places the body), and its rows queued."""
        view, title, body = page.view, page.title, page.body
        x, top, width = self._page_frame()
        title.width = width
        title.reset(view.title + (f"   ({view.step[0]}/{view.step[1]})" if view.step else ""), "title", self.scale,
                    THEME["accent"])
        settle(title)
        title.pos = (x, top - title.height)
        body.width = width
        body.height = 0
        body.pos = (x, top - title.height - self.column.spacing[1])
        for i, block in enumerate(view.blocks):
            # a picture is decoded on another thread meanwhile; its row waits for it
            job = self._decode_later(block) if isinstance(block, Picture) and block.png else None
            ready = job.done if job is not None else None
            page.pending.append((lambda i=i: self._build_block(page, i), _cost(block), ready))
        cols = self._action_cols()
        spacing = self.actions.spacing[0]
        button_width = (self.actions.width - spacing * (cols - 1)) / cols if self.actions.width > 1 else 0
        for a in view.actions:
            page.pending.append((lambda a=a: self._build_action(page, a, button_width), 1, None))

    def _page_frame(self) -> tuple[float, float, float]:
        """Where the column will put the page: its left, its top and its width."""
        column, viewport = self.column, self.viewport
        width = max(1.0, viewport.width - column.padding[0] - column.padding[2])
        if viewport.width <= 100:  # never laid out yet (the first visit): the width the window will give
            width = self.content_width() - column.padding[0] - column.padding[2]
        return viewport.x + column.padding[0], viewport.top - column.padding[1], width

    def _build_block(self, page: Page, i: int) -> None:
        widget = self._block(page.view.blocks[i])
        page.blocks[i] = widget
        if widget is not None:
            page.body.add_widget(widget)

    def _build_action(self, page: Page, a, width: float) -> None:
        button = self.pool.button(a.label, lambda: self.act(a.id, **a.kwargs()), a.style, a.enabled, scale=self.scale,
                                  action_id=a.id, icon=a.id)
        if width > 1:
            button.width = width  # wrapped and rendered now, at the width the actions' grid gives it
        settle(button)
        page.buttons.append(button)

    def _defer(self, build: Callable[[], None], labels: int = 1) -> None:
        """Queue a row of ``labels`` labels of the page being built (at once when there is none)."""
        if self._page is None:
            build()
        else:
            self._page.pending.append((build, labels, None))

    def _build_some(self, _dt: float = 0.0) -> None:
        self._page_event = None
        page = self._page
        if page is None:
            return
        if not page.pending and page.aside_ready:
            self._swap(page)
            return
        started = time.thread_time()
        expected = 0.0
        added = 0
        while page.pending:
            build, labels, ready = page.pending[0]
            # rows whose labels would take the frame over its budget wait for the next frame, as does a
            # picture still being decoded; a view that keeps changing faster than its pages are built
            # gets its page in one frame
            if self._replaced < MAX_REPLACED and (
                    (added and expected + labels * self._per_label > BUILD_BUDGET_S) or (ready and not ready())):
                break
            page.pending.popleft()
            build()
            added += labels
            expected += labels * self._per_label
        if added:
            settle(page.body)  # once for all rows added: a grid is laid out once per frame, not once per row
            took = time.thread_time() - started
            self._per_label = 0.7 * self._per_label + 0.3 * took / added
        elif not page.pending and not page.aside_ready:
            self._prepare_aside(page)
            page.aside_ready = True
        self._page_event = Clock.schedule_once(self._build_some, 0)

    def _cancel_page(self) -> None:
        """Drop the page being built (a newer view replaces it): its widgets go back to the pool."""
        page, self._page = self._page, None
        if self._page_event is not None:
            self._page_event.cancel()
            self._page_event = None
        if page is not None:
            self._recycle(page.body)
            self.pool.keep(page.buttons)

    def _recycle(self, body: GridLayout) -> None:
        old = list(body.children)
        body.clear_widgets()
        self.pool.keep(old)

    def _prepare_aside(self, page: Page) -> None:
        """Render the help panel's pictogram at the size the room under this page will give it."""
        actions, column = self.actions, self.column
        height = self._actions_height(page.buttons)
        viewport = self.viewport.height
        if self.shape is not None and not self.shape.landscape:
            viewport += actions.height - height  # portrait: the actions are under the content
        room = viewport - page.title.height - page.body.minimum_height - 2 * column.spacing[1] \
            - column.padding[1] - column.padding[3] - 2
        page.aside = self._spare_aside(page.view.screen)
        page.aside.prepare(page.view.screen, room, self.scale)

    # -- showing --------------------------------------------------------------------------------
    def _swap(self, page: Page) -> None:
        """Put the built page on screen in one frame; the page before goes back to the pool in the next."""
        self._page = None
        self._replaced = 0
        column = self.column
        old_title, old_body = self.title, self.body
        column.remove_widget(old_title)
        column.remove_widget(old_body)
        self.title, self.body = page.title, page.body
        set_height_keep_top(page.body, page.body.minimum_height)
        page.body._trigger_layout.cancel()  # its top is where it was built: its rows stand where they are
        column.add_widget(page.body, index=len(column.children))
        column.add_widget(page.title, index=len(column.children))
        self._old.append(old_body)
        old_buttons = list(self.actions.children)
        self.actions.clear_widgets()
        self._old.extend(old_buttons)
        self.actions.cols = self._action_cols()
        for b in page.buttons:
            self.actions.add_widget(b)
        # the height the actions' grid will take: the boxes around it are laid out once, not again after it
        self.actions.height = self._actions_height(page.buttons)
        if page.bar is not None:
            self._show_bar(self._spare_bar())
            self._bar_state(self._frame.chrome if self._frame is not None else page.bar)
        self._shown = page
        self.scroll.to_top()
        self._dock_keyboard(page.view)
        if page.aside is not None:
            self._use_aside(page.aside)
        # Laid out here, parents before children, rather than in the order Kivy's triggers fire
        # (a child laid out before its parent moves it is laid out again). The boxes that give the
        # content its height first; then the help panel takes the room now known, before the
        # column is laid out: the column and every row in it move once.
        settle(self, fill=False, below=self.viewport)
        self._page_shown(page.view)
        settle(self, fill=False)
        self._put_away_event = Clock.schedule_once(self._put_away, 0)

    def _actions_height(self, buttons: list[BigButton]) -> float:
        """The height the actions' grid gives ``buttons`` (its ``minimum_height``), known before it is laid out."""
        cols = self._action_cols()
        height = 0.0
        for row in range(0, len(buttons), cols):
            height += max(b.height for b in buttons[row:row + cols])
        if buttons:
            height += self.actions.spacing[1] * ((len(buttons) - 1) // cols)
        return height + self.actions.padding[1] + self.actions.padding[3]

    def _put_away(self, _dt: float = 0.0) -> None:
        """The page swapped out: its labels and buttons back to the pool (a frame after the swap)."""
        if self._put_away_event is not None:
            self._put_away_event.cancel()
            self._put_away_event = None
        while self._old:
            old = self._old.pop()
            if type(old) is BigButton:
                self.pool.keep([old])
            else:
                self._recycle(old)

    def _hold_pressed(self) -> None:
        """Keep the button whose tap made this page lit while the page is built."""
        at, pos = self._last_up
        if Clock.get_time() - at > HOLD_PRESSED_S:
            return
        for box in (self.actions, self.body):
            for w in box.walk(restrict=True):
                if type(w) is BigButton and w.collide_point(*pos):
                    w._pressed(w, "down")
                    return

    def _changed_in_place(self, view: View) -> None:
        """Same skeleton: the new pictures into the widgets shown (or already built)."""
        page = self._page or self._shown
        page.view = view
        for block, widget in zip(view.blocks, page.blocks, strict=False):
            if widget is not None and isinstance(block, Picture):
                widget.image.texture = self._picture_texture(block.png)

    def on_touch_down(self, touch) -> bool:
        if self._page is not None and (self.overlay is None or not self.overlay.collide_point(*touch.pos)) \
                and any(box.parent is not None and box.collide_point(*touch.pos)
                        for box in (self.viewport, self.actions)):
            return True  # the page shown is being replaced: its buttons belong to the step before
        return super().on_touch_down(touch)

    def on_touch_up(self, touch) -> bool:
        self._last_up = (Clock.get_time(), touch.pos)
        return super().on_touch_up(touch)

    def _forget_pages(self) -> None:
        """The visit ended: nothing built, shown or kept has its text any more."""
        self._cancel_page()
        self._put_away()
        self._recycle(self.body)
        for box in (self.actions,):
            old = list(box.children)
            box.clear_widgets()
            self.pool.keep(old)
        for title in self._titles:
            title.text = ""
        self._shown = Page(View("", ""), skeleton(View("", "")), self.title, self.body)


def _cost(block) -> int:
    """Labels a block's own widget renders when it is built (its rows are queued as rows of their own)."""
    levels = getattr(block, "levels", None)
    return len(levels) if levels else 1


