"""Framing of scanner byte streams: every terminator, STX/ETX, idle gap, split reads, garbage."""

from __future__ import annotations

import pytest

from drivers.scanner.framing import Code, Dropped, DropReason, Framing, LineDecoder, decode_text


def codes(items: list) -> list[bytes]:
    return [i.data for i in items if isinstance(i, Code)]


def feed_all(dec: LineDecoder, chunks: list[bytes], t0: float = 0.0, step: float = 0.001) -> list:
    out: list = []
    t = t0
    for c in chunks:
        out += dec.feed(c, t)
        t += step
    return out


@pytest.mark.parametrize(("framing", "wire"), [
    ("cr", b"ABC\rDEF\r"),
    ("lf", b"ABC\nDEF\n"),
    ("crlf", b"ABC\r\nDEF\r\n"),
    ("stx_etx", b"\x02ABC\x03\x02DEF\x03"),
    ("auto", b"ABC\rDEF\r"),
    ("auto", b"ABC\nDEF\n"),
    ("auto", b"ABC\r\nDEF\r\n"),
    ("auto", b"\x02ABC\x03\r\n\x02DEF\x03"),
    ("auto", b"\x02ABC\r\x03DEF\r\n"),
])
def test_terminators(framing: str, wire: bytes) -> None:
    assert codes(feed_all(LineDecoder(framing), [wire])) == [b"ABC", b"DEF"]


@pytest.mark.parametrize("framing", ["cr", "crlf", "auto", "stx_etx"])
def test_split_across_reads_byte_by_byte(framing: str) -> None:
    wire = {"cr": b"134567890123456789\r", "crlf": b"134567890123456789\r\n",
            "auto": b"134567890123456789\r\n", "stx_etx": b"\x02134567890123456789\x03"}[framing]
    dec = LineDecoder(framing)
    assert codes(feed_all(dec, [bytes([b]) for b in wire])) == [b"134567890123456789"]


def test_idle_gap_ends_a_code_without_terminator() -> None:
    dec = LineDecoder(Framing.IDLE_GAP, idle_gap=0.05)
    assert dec.feed(b"2876344", 1.0) == []
    assert dec.feed(b"3825664394", 1.01) == []
    assert dec.poll(1.03) == []
    assert codes(dec.poll(1.07)) == [b"28763443825664394"]
    assert codes(feed_all(dec, [b"NEXT"], 2.0)) == []
    assert codes(dec.poll(2.2)) == [b"NEXT"]


def test_auto_uses_idle_gap_until_a_terminator_is_seen_then_drops_partials() -> None:
    dec = LineDecoder(Framing.AUTO, idle_gap=0.05, stale=0.5)
    dec.feed(b"NOTERM", 0.0)
    assert codes(dec.poll(0.1)) == [b"NOTERM"]
    assert codes(dec.feed(b"A1\r\n", 1.0)) == [b"A1"]
    assert dec.terminator_seen
    dec.feed(b"HALF", 2.0)
    assert dec.poll(2.1) == []           # not an idle-gap scanner any more: wait
    assert dec.poll(2.6) == [Dropped(DropReason.PARTIAL, 4)]
    assert codes(dec.feed(b"WHOLE\r", 3.0)) == [b"WHOLE"]


def test_partial_line_is_not_glued_to_the_next_code() -> None:
    dec = LineDecoder(Framing.CR, stale=0.5)
    dec.feed(b"1345", 0.0)
    out = dec.feed(b"134567890123456789\r", 5.0)
    assert codes(out) == [b"134567890123456789"]
    assert Dropped(DropReason.PARTIAL, 4) in out


def test_overlong_line_is_dropped_and_decoder_resyncs() -> None:
    dec = LineDecoder(Framing.CR, max_len=16)
    out = feed_all(dec, [b"X" * 40, b"\r", b"OK\r"])
    assert codes(out) == [b"OK"]
    assert [i for i in out if isinstance(i, Dropped)] == [Dropped(DropReason.OVERLONG, 40)]


def test_stx_etx_drops_bytes_outside_frames_and_restarts_on_stx() -> None:
    dec = LineDecoder(Framing.STX_ETX)
    out = feed_all(dec, [b"junk\x02AB", b"\x02CD\x03tail"]) + dec.poll(1.0)
    assert codes(out) == [b"CD"]
    assert Dropped(DropReason.RESTARTED, 2) in out
    assert Dropped(DropReason.OUTSIDE_FRAME, 4) in out
    assert Dropped(DropReason.OUTSIDE_FRAME, 4) in out


def test_garbage_burst_then_valid_line() -> None:
    dec = LineDecoder(Framing.AUTO)
    garbage = bytes(range(256)) * 3
    out = feed_all(dec, [garbage, b"\r\n", b"GZZW-APP-7d3f9a61c2e84b0f\r\n"])
    assert codes(out)[-1] == b"GZZW-APP-7d3f9a61c2e84b0f"


def test_empty_lines_are_not_codes() -> None:
    assert codes(feed_all(LineDecoder("auto"), [b"\r\n\r\n\n\rA\r\r\n"])) == [b"A"]


def test_non_bytes_is_the_documented_error() -> None:
    with pytest.raises(TypeError):
        LineDecoder().feed("text", 0.0)  # type: ignore[arg-type]


def test_decode_text_fallbacks() -> None:
    assert decode_text("粤省事".encode()) == "粤省事"
    assert decode_text("粤省事".encode("gb18030")) == "粤省事"
    assert decode_text(b"\xff\xfe\xfd") == "\xff\xfe\xfd"
