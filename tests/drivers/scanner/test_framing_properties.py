"""Random and mutated streams: the decoder never raises, and a valid line after garbage survives.

Together the examples push well over 100,000 frames through the decoder per run.
"""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.scanner.framing import Code, Dropped, Framing, LineDecoder

FRAMINGS = [f.value for f in Framing]
VALID = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef-:/.?=", min_size=1, max_size=64)
TERM = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "auto": b"\r\n", "idle_gap": b"\r"}


@settings(max_examples=300, deadline=None)
@given(framing=st.sampled_from(FRAMINGS), stream=st.binary(max_size=3000),
       cuts=st.lists(st.integers(0, 3000), max_size=20), gaps=st.lists(st.floats(0, 2), max_size=21))
def test_random_streams_never_raise(framing: str, stream: bytes, cuts: list[int], gaps: list[float]) -> None:
    dec = LineDecoder(framing, max_len=256)
    bounds = sorted({0, len(stream), *(c for c in cuts if c <= len(stream))})
    t = 0.0
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        t += gaps[i] if i < len(gaps) else 0.001
        for item in dec.feed(stream[a:b], t):
            assert isinstance(item, Code | Dropped)
            if isinstance(item, Code):
                assert 0 < len(item.data) <= 256
        assert dec.pending <= 256
    dec.poll(t + 10)


def _frame(framing: str, text: str) -> bytes:
    if framing == "stx_etx":
        return b"\x02" + text.encode() + b"\x03"
    return text.encode() + TERM[framing]


@settings(max_examples=400, deadline=None)
@given(framing=st.sampled_from(FRAMINGS), garbage=st.binary(max_size=600), codes=st.lists(VALID, min_size=1,
                                                                                        max_size=300),
       split=st.integers(1, 64))
def test_valid_lines_after_garbage_are_read(framing: str, garbage: bytes, codes: list[str], split: int) -> None:
    dec = LineDecoder(framing, max_len=256)
    # garbage, then silence long enough to flush or drop whatever it left half-done
    items = dec.feed(garbage + (b"" if framing == "stx_etx" else TERM[framing]), 0.0)
    items += dec.poll(5.0)
    wire = b"".join(_frame(framing, c) for c in codes)
    got: list[bytes] = []
    t = 10.0
    for i in range(0, len(wire), split):
        got += [x.data for x in dec.feed(wire[i:i + split], t) if isinstance(x, Code)]
        t += 0.001
    got += [x.data for x in dec.poll(t + 5) if isinstance(x, Code)]
    assert got == [c.encode() for c in codes]


def test_hundred_thousand_mutated_frames() -> None:
    """100,000 frames in one stream, every 10th preceded by a garbage burst, cut at random.

    Every valid frame that follows its garbage's terminator must come out intact, in order.
    """
    import random

    rng = random.Random(20261123)
    dec = LineDecoder(Framing.AUTO, max_len=512)
    expected: list[bytes] = []
    wire = bytearray()
    for i in range(100_000):
        if i % 10 == 0:
            noise = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
            wire += noise.replace(b"\x02", b"") + b"\r\n"   # garbage ends like a line, as on a real wire
        code = str(rng.randrange(10**17, 2 * 10**17)).encode()
        expected.append(code)
        wire += rng.choice([b"%s\r", b"%s\n", b"%s\r\n", b"\x02%s\x03"]) % code
    got: list[bytes] = []
    pos, t = 0, 0.0
    while pos < len(wire):
        step = rng.randrange(1, 200)
        got += [x.data for x in dec.feed(bytes(wire[pos:pos + step]), t) if isinstance(x, Code)]
        pos += step
        t += 0.0001
    valid = set(expected)
    assert [g for g in got if g in valid] == expected
