"""DLE EOT reply decoding: the bit table of docs/devices-printer.md, byte by byte."""

from __future__ import annotations

import itertools

import pytest

from drivers.base import DeviceState, MediaStatus
from drivers.printer import realtime as st
from drivers.printer.emulator import PRESETS, EmulatedStatus


@pytest.mark.parametrize("value, ok", [
    (0x12, True), (0x16, True), (0x1A, True), (0x1E, True), (0x72, True), (0x7E, True), (0x32, True),
    (0x00, False), (0xFF, False), (0x13, False), (0x92, False), (0x02, False), (0x10, False), (0x0A, False),
])
def test_pattern_0xx1xx10(value: int, ok: bool) -> None:
    assert st.valid_reply(value) is ok


@pytest.mark.parametrize("raw, state, media, reason", [
    ({1: 0x12, 2: 0x12, 4: 0x12}, DeviceState.ONLINE, MediaStatus.OK, st.Reason.READY),
    ({1: 0x16, 2: 0x12, 4: 0x12}, DeviceState.ONLINE, MediaStatus.OK, st.Reason.READY),  # drawer high only
    ({1: 0x12, 2: 0x12, 4: 0x1E}, DeviceState.ONLINE, MediaStatus.NEAR_END, st.Reason.PAPER_NEAR_END),
    ({1: 0x1A, 2: 0x32, 4: 0x72}, DeviceState.USER_ERROR, MediaStatus.OUT, st.Reason.PAPER_OUT),
    ({1: 0x1A, 2: 0x32, 4: 0x7E}, DeviceState.USER_ERROR, MediaStatus.OUT, st.Reason.PAPER_OUT),
    ({1: 0x1A, 2: 0x32}, DeviceState.USER_ERROR, MediaStatus.OUT, st.Reason.PAPER_OUT),  # from DLE EOT 2 alone
    ({1: 0x1A, 2: 0x16, 4: 0x12}, DeviceState.USER_ERROR, MediaStatus.OK, st.Reason.COVER_OPEN),
    ({1: 0x1A, 2: 0x36, 4: 0x72}, DeviceState.USER_ERROR, MediaStatus.OUT, st.Reason.COVER_OPEN),
    ({1: 0x1A, 2: 0x52, 3: 0x1A, 4: 0x12}, DeviceState.HARDWARE_ERROR, MediaStatus.OK, st.Reason.CUTTER_ERROR),
    ({1: 0x1A, 2: 0x52, 3: 0x32, 4: 0x12}, DeviceState.HARDWARE_ERROR, MediaStatus.OK,
     st.Reason.UNRECOVERABLE_ERROR),
    ({1: 0x1A, 2: 0x52, 4: 0x12}, DeviceState.HARDWARE_ERROR, MediaStatus.OK, st.Reason.UNRECOVERABLE_ERROR),
    ({1: 0x1A, 2: 0x52, 3: 0x16, 4: 0x12}, DeviceState.USER_ERROR, MediaStatus.OK, st.Reason.RECOVERABLE_ERROR),
    ({1: 0x1A, 2: 0x52, 3: 0x52, 4: 0x12}, DeviceState.BUSY, MediaStatus.OK, st.Reason.AUTO_RECOVERABLE_ERROR),
    ({1: 0x1A, 2: 0x1A, 4: 0x12}, DeviceState.BUSY, MediaStatus.OK, st.Reason.PAPER_FEED),
    ({1: 0x1A, 2: 0x12, 4: 0x12}, DeviceState.USER_ERROR, MediaStatus.OK, st.Reason.PRINTER_OFFLINE),
    ({1: 0x12}, DeviceState.ONLINE, MediaStatus.UNKNOWN, st.Reason.READY),
])
def test_decode_table(raw: dict[int, int], state: DeviceState, media: MediaStatus, reason: st.Reason) -> None:
    s = st.decode(raw)
    assert (s.state, s.media, s.reason) == (state, media, reason)
    assert s.ready is (state is DeviceState.ONLINE)


def test_flags_name_every_bit() -> None:
    assert st.decode_flags({1: 0x1A, 2: 0x36, 4: 0x7E}) == (
        "offline", "cover_open", "stopped_paper_end", "paper_near_end", "paper_end")


@pytest.mark.parametrize("raw", [{1: 0x00}, {1: 0x12, 4: 0xFF}, {1: 0x12, 2: 0x13}])
def test_malformed_byte_is_a_typed_error(raw: dict[int, int]) -> None:
    with pytest.raises(st.StatusByteError):
        st.decode(raw)


def test_printer_status_is_required() -> None:
    with pytest.raises(ValueError):
        st.decode({4: 0x12})


def test_query_bytes() -> None:
    assert st.query(1) == b"\x10\x04\x01"
    assert st.query(4) == b"\x10\x04\x04"
    with pytest.raises(ValueError):
        st.query(5)


def test_offline_is_never_paper_ok() -> None:
    assert st.OFFLINE.state is DeviceState.OFFLINE
    assert st.OFFLINE.media is MediaStatus.UNKNOWN
    assert not st.OFFLINE.ready


@pytest.mark.parametrize("preset", [p for p in PRESETS if p not in ("offline", "stalled")])
def test_emulator_bytes_round_trip(preset: str) -> None:
    """The emulator's bytes decode to what the preset means (emulator and decoder agree)."""
    emu = EmulatedStatus.preset(preset)
    raw = {n: emu.reply(n)[0] for n in (1, 2, 3, 4)}  # type: ignore[index]
    s = st.decode(raw)
    expected = {
        "ok": (DeviceState.ONLINE, MediaStatus.OK),
        "near_end": (DeviceState.ONLINE, MediaStatus.NEAR_END),
        "out": (DeviceState.USER_ERROR, MediaStatus.OUT),
        "cover_open": (DeviceState.USER_ERROR, MediaStatus.OK),
        "cutter_error": (DeviceState.HARDWARE_ERROR, MediaStatus.OK),
    }[preset]
    assert (s.state, s.media) == expected


def test_every_reason_has_citizen_text() -> None:
    for reason in st.Reason:
        assert set(st.REASON_TEXT[reason]) == {"zh_CN", "en"}


VALID = [v for v in range(256) if st.valid_reply(v)]


def test_every_valid_reply_combination_decodes_consistently() -> None:
    assert len(VALID) == 16
    for n1, n2, n3, n4 in itertools.product(VALID, VALID, VALID, VALID):
        s = st.decode({1: n1, 2: n2, 3: n3, 4: n4})
        if n4 & 0x60 == 0x60 or n2 & 0x20:
            assert s.media is MediaStatus.OUT and not s.ready
        if n2 & 0x04:
            assert s.state is not DeviceState.ONLINE
        if s.ready:
            assert not n1 & 0x08 and s.media in (MediaStatus.OK, MediaStatus.NEAR_END)
