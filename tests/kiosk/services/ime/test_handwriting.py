"""zinnia with Debian's Tegaki Simplified Chinese model, fed strokes drawn programmatically."""

from __future__ import annotations

import itertools

import pytest

from kiosk.services.ime import ImeUnavailable
from kiosk.services.ime.handwriting import HandwritingRecognizer, recognizer

SIZE = 300  # a pad of 300 x 300 px; y points down


def line(x0: float, y0: float, x1: float, y1: float, n: int = 8) -> list[tuple[float, float]]:
    return [(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(n + 1)]


def curve(*points: tuple[float, float]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in itertools.pairwise(points):
        out += line(*a, *b, 6)[:-1]
    return [*out, points[-1]]


def scaled(strokes, k: float = SIZE / 1000):
    return [[(x * k, y * k) for x, y in s] for s in strokes]


CHARACTERS = {
    "一": [line(100, 500, 900, 500)],
    "十": [line(100, 450, 900, 450), line(500, 100, 500, 900)],
    "二": [line(250, 350, 750, 350), line(100, 700, 900, 700)],
    "人": [curve((500, 100), (450, 450), (150, 880)), curve((480, 400), (650, 650), (900, 880))],
    "口": [line(200, 200, 200, 800), line(200, 200, 800, 200) + line(800, 200, 800, 800)[1:],
          line(200, 800, 800, 800)],
}


@pytest.mark.parametrize("char", list(CHARACTERS))
def test_drawn_character_is_among_the_candidates(char):
    found = recognizer().recognize(scaled(CHARACTERS[char]), SIZE, SIZE)
    assert char in found[:5], found


def test_one_stroke_reads_first_as_one():
    assert recognizer().recognize(scaled(CHARACTERS["一"]), SIZE, SIZE)[0] == "一"


def test_empty_pad_gives_no_candidates_and_bad_size_is_refused():
    assert recognizer().recognize([], SIZE, SIZE) == []
    with pytest.raises(ValueError):
        recognizer().recognize(scaled(CHARACTERS["一"]), 0, SIZE)


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ImeUnavailable, match="tegaki-zinnia-simplified-chinese"):
        HandwritingRecognizer(tmp_path / "none.model")
