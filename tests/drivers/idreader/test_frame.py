"""Codec tests against the example frames of docs/devices-idreader.md."""

import pytest

from drivers.idreader import frame as fr

COMMANDS = {
    (0x11, 0xFF): "AA AA AA 96 69 00 03 11 FF ED",
    (0x12, 0xFF): "AA AA AA 96 69 00 03 12 FF EE",
    (0x20, 0x01): "AA AA AA 96 69 00 03 20 01 22",
    (0x20, 0x02): "AA AA AA 96 69 00 03 20 02 21",
    (0x30, 0x01): "AA AA AA 96 69 00 03 30 01 32",
    (0x30, 0x10): "AA AA AA 96 69 00 03 30 10 23",
}
RESPONSES = [
    ("AA AA AA 96 69 00 04 00 00 90 94", 0x90, b""),
    ("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", 0x9F, b"\0" * 4),
    ("AA AA AA 96 69 00 04 00 00 80 84", 0x80, b""),
    ("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C", 0x90, b"\0" * 8),
    ("AA AA AA 96 69 00 04 00 00 81 85", 0x81, b""),
    ("AA AA AA 96 69 00 04 00 00 41 45", 0x41, b""),
]


@pytest.mark.parametrize(("cmd", "hexframe"), COMMANDS.items())
def test_command_frames_match_captures(cmd, hexframe):
    assert fr.encode_command(*cmd) == bytes.fromhex(hexframe)


def test_set_max_rf_byte_with_data():
    assert fr.encode_command(0x61, 0xFF, b"\x50") == bytes.fromhex("AA AA AA 96 69 00 04 61 FF 50 CA")


@pytest.mark.parametrize(("hexframe", "sw3", "data"), RESPONSES)
def test_response_frames_decode_and_reencode(hexframe, sw3, data):
    raw = bytes.fromhex(hexframe)
    f = fr.decode(raw)
    assert (f.sw3, f.data) == (sw3, data)
    assert fr.encode_response(sw3, data) == raw


def test_read_reply_is_1295_bytes():
    raw = fr.encode_response(0x90, b"\x01\x00\x04\x00" + b"\x20\x00" * 128 + b"\x00" * 1024)
    assert len(raw) == 1295 and raw[:14] == bytes.fromhex("AA AA AA 96 69 05 08 00 00 90 01 00 04 00")


@pytest.mark.parametrize("bad", [b"", b"\xaa\xaa", bytes.fromhex("AA AA AA 96 69 00 04 00 00 90 95"),
                                 bytes.fromhex("AA AA AA 96 69 00 05 00 00 90 94"),
                                 bytes.fromhex("AB AA AA 96 69 00 04 00 00 90 94")])
def test_decode_rejects_with_frame_error(bad):
    with pytest.raises(fr.FrameError):
        fr.decode(bad)


def test_decoder_resyncs_after_garbage_partial_and_bad_checksum():
    ok = bytes.fromhex("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
    bad = ok[:-1] + b"\x00"
    partial = fr.encode_response(0x90, b"\x01" * 100)[:40]
    dec = fr.FrameDecoder()
    frames = []
    stream = b"\x00\xff\xaa\xaa" + bad + partial + ok + ok
    for i in range(0, len(stream), 3):
        frames += dec.feed(stream[i:i + 3])
    # the partial frame swallows bytes until its length is reached, then resyncs
    frames += dec.feed(ok * 3)
    assert [f.sw3 for f in frames][-3:] == [0x9F] * 3
    assert dec.bad_frames >= 2


def test_decoder_with_the_real_lengths_skips_a_false_header_at_once():
    find_ok = bytes.fromhex("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
    false = b"\x00\x13" + fr.PREAMBLE + b"\x04\x00"   # claims 1,024 bytes no SAM ever sends
    dec = fr.FrameDecoder(fr.REPLY_LENGTHS)
    assert [f.sw3 for f in dec.feed(false + find_ok)] == [0x9F]
    assert dec.pending == 0 and dec.bad_frames == 1 and dec.bad_checksums == 0


def test_decoder_drops_a_believable_header_when_the_line_stalls():
    """``05 08`` is a real length (the read reply): only the line going quiet shows it was noise."""
    fail = bytes.fromhex("AA AA AA 96 69 00 04 00 00 80 84")
    dec = fr.FrameDecoder(fr.REPLY_LENGTHS)
    assert dec.feed(fr.PREAMBLE + b"\x05\x08\x00\x00" + fail) == []   # could still be a read reply: wait
    assert [f.sw3 for f in dec.drop_stalled()] == [0x80]
    assert dec.pending == 0 and dec.bad_frames == 1 and dec.drop_stalled() == []


def test_a_read_reply_holding_a_preamble_in_its_photo_is_still_one_frame():
    inner = fr.encode_response(0x80)
    photo = (b"\x00" * 100 + inner).ljust(1024, b"\x00")
    whole = fr.encode_response(0x90, b"\x01\x00\x04\x00" + b"\x20\x00" * 128 + photo)
    dec = fr.FrameDecoder(fr.REPLY_LENGTHS)
    frames = []
    for i in range(0, len(whole), 50):
        frames += dec.feed(whole[i:i + 50])
    assert [len(f.body) for f in frames] == [len(whole) - 8]
