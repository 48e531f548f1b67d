"""Settling a widget tree off the window: laid out and rendered before any frame."""

from __future__ import annotations

from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label

from screens.settle import settle


def grid_of(n: int) -> tuple[GridLayout, list[Label]]:
    grid = GridLayout(cols=1, size_hint_y=None, width=400)
    grid.bind(minimum_height=grid.setter("height"))
    labels = [Label(text=f"row {i}", size_hint_y=None, height=50) for i in range(n)]
    for label in labels:
        grid.add_widget(label)
    return grid, labels


def test_an_off_tree_grid_is_laid_out_and_its_labels_rendered_without_a_frame() -> None:
    grid, labels = grid_of(3)
    settle(grid)
    assert grid.height == 150  # the grid's own height, set by its layout, laid it out again
    assert [label.y for label in labels] == [100, 50, 0]
    assert all(label.texture is not None and label.texture_size[0] > 0 for label in labels)
    assert not grid._trigger_layout.is_triggered  # nothing left for the frame that shows it


def test_the_widget_named_below_is_left_for_later() -> None:
    outer, (label,) = grid_of(1)
    inner, inner_labels = grid_of(2)
    outer.add_widget(inner)
    settle(outer, below=inner)
    assert label.texture is not None
    assert inner._trigger_layout.is_triggered and all(lab.texture is None for lab in inner_labels)
