"""The driver against the emulator over real pseudo-terminals (no mocks)."""

from __future__ import annotations

import queue
import time

import pytest

from drivers.base import DeviceState, DeviceStatusChanged
from drivers.idreader.emulator import Fault, IdReaderEmulator
from drivers.idreader.frame import CMD_FIND, CMD_READ, CMD_SELECT
from drivers.idreader.reader import (
    CardInserted,
    CardRead,
    CardRemoved,
    IdCardReader,
    LinkCounters,
    NoCard,
    NoDevice,
    read_once,
    reply_timeout,
)
from drivers.idreader.sample_cards import SAMPLE_CARDS


class Events:
    def __init__(self) -> None:
        self.q: queue.Queue = queue.Queue()

    def __call__(self, event) -> None:
        self.q.put(event)

    def wait_for(self, predicate, timeout: float = 5.0):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("expected event never arrived")
            try:
                event = self.q.get(timeout=left)
            except queue.Empty:
                continue
            if predicate(event):
                return event


def is_state(state):
    return lambda e: isinstance(e, DeviceStatusChanged) and e.state is state


@pytest.fixture
def emu():
    e = IdReaderEmulator().start()
    yield e
    e.stop()


@pytest.fixture
def rig(emu):
    events = Events()
    reader = IdCardReader("idreader", emu.port, events, poll_interval=0.02, sam_margin=0.3).start()
    yield emu, reader, events
    reader.stop()
    assert not reader._thread.is_alive()


@pytest.mark.parametrize("kind", list(SAMPLE_CARDS))
def test_reads_every_card_type_then_removal(rig, kind):
    emu, _, events = rig
    events.wait_for(is_state(DeviceState.ONLINE))
    emu.insert(SAMPLE_CARDS[kind])
    events.wait_for(lambda e: isinstance(e, CardInserted))
    read = events.wait_for(lambda e: isinstance(e, CardRead))
    assert read.card == SAMPLE_CARDS[kind] and read.read_ms > 0
    emu.remove()
    events.wait_for(lambda e: isinstance(e, CardRemoved))


@pytest.mark.parametrize("on", [None, CMD_READ], ids=["on-find", "on-read"])
@pytest.mark.parametrize("fault", list(Fault))
def test_recovers_from_each_fault(rig, fault, on):
    emu, _reader, events = rig
    events.wait_for(is_state(DeviceState.ONLINE))
    resync = fault in (Fault.GARBAGE, Fault.FALSE_HEADER, Fault.FALSE_READ_HEADER)
    emu.inject_fault(fault, 1 if resync else 2, on=on)  # noise: resync, no retry
    emu.insert(SAMPLE_CARDS["resident"])
    read = events.wait_for(lambda e: isinstance(e, CardRead))
    assert read.card.id_number == "11010519491231002X"
    assert not emu._faults  # every injected fault was really served


def test_stall_reports_hardware_error_then_recovers(rig):
    emu, _, events = rig
    events.wait_for(is_state(DeviceState.ONLINE))
    emu.inject_fault(Fault.STALL, 3)
    events.wait_for(is_state(DeviceState.HARDWARE_ERROR))
    emu.insert(SAMPLE_CARDS["permit"])
    events.wait_for(lambda e: isinstance(e, CardRead))


def test_busy_while_reading_and_user_error_when_the_card_cannot_be_read(rig):
    emu, _, events = rig
    events.wait_for(is_state(DeviceState.ONLINE))
    emu.inject_fault(Fault.READ_FAIL, 1, on=CMD_READ)
    emu.insert(SAMPLE_CARDS["resident"])
    events.wait_for(is_state(DeviceState.BUSY))
    assert events.wait_for(is_state(DeviceState.USER_ERROR)).detail == "read failed"
    events.wait_for(is_state(DeviceState.BUSY))          # the next poll retries the whole read
    events.wait_for(is_state(DeviceState.ONLINE))
    assert events.wait_for(lambda e: isinstance(e, CardRead)).card.id_number == "11010519491231002X"


def test_unplug_offline_then_replug_reads_again(rig):
    emu, _, events = rig
    emu.insert(SAMPLE_CARDS["resident"])
    events.wait_for(lambda e: isinstance(e, CardRead))
    emu.unplug()
    events.wait_for(is_state(DeviceState.OFFLINE))
    events.wait_for(lambda e: isinstance(e, CardRemoved))
    emu.insert(SAMPLE_CARDS["foreign"])
    emu.replug()
    events.wait_for(is_state(DeviceState.ONLINE))
    read = events.wait_for(lambda e: isinstance(e, CardRead))
    assert read.card.card_type.value == "foreign"


def test_missing_port_at_start_is_offline_and_never_raises(tmp_path):
    events = Events()
    reader = IdCardReader("idreader", str(tmp_path / "nothing"), events).start()
    events.wait_for(is_state(DeviceState.OFFLINE))
    reader.stop()
    assert not reader._thread.is_alive()


def test_read_once(emu, tmp_path):
    with pytest.raises(NoDevice):
        read_once(str(tmp_path / "absent"), timeout=0.2)
    with pytest.raises(NoCard):
        read_once(emu.port, timeout=0.3, sam_margin=0.2)
    emu.insert(SAMPLE_CARDS["foreign-old"])
    card, read_ms = read_once(emu.port, timeout=2)
    assert card == SAMPLE_CARDS["foreign-old"] and read_ms > 0


def test_reply_timeouts_follow_the_baud_rate_and_the_sam_margin():
    # the 1,295-byte read reply alone is 1.35 s of wire at 9600 baud: a fixed 1 s can never fit it
    assert reply_timeout(CMD_READ, 9600, 0.0) > 1295 * 10 / 9600
    slow, mid, fast = (reply_timeout(CMD_READ, baud, 1.0) for baud in (9600, 19200, 115200))
    assert slow > mid > fast
    assert reply_timeout(CMD_FIND, 115200, 0.5) == pytest.approx(0.5, abs=0.01)
    assert reply_timeout(CMD_READ, 115200, 1.5) - reply_timeout(CMD_READ, 115200, 0.5) == pytest.approx(1.0)


def _one_read(emu: IdReaderEmulator, events: Events, timeout: float = 15.0) -> CardRead:
    emu.insert(SAMPLE_CARDS["resident"])
    read = events.wait_for(lambda e: isinstance(e, CardRead), timeout=timeout)
    assert read.card.id_number == "11010519491231002X"
    return read


@pytest.mark.parametrize(("baud", "read_delay"), [(9600, 0.0), (19200, 0.5), (115200, 1.1)],
                         ids=["9600", "19200-slow-sam", "115200-sam-1.1s"])
def test_reads_at_slow_lines_and_with_slow_sams(baud, read_delay):
    """The emulator paces its replies like a real line of that speed and takes ``read_delay``
    to read the chip; the driver runs with its configured baud and default SAM margin."""
    emu = IdReaderEmulator(baud=baud, read_delay=read_delay).start()
    events = Events()
    reader = IdCardReader("idreader", emu.port, events, baud=baud, poll_interval=0.05).start()
    try:
        events.wait_for(is_state(DeviceState.ONLINE))
        _one_read(emu, events)
        inserted = []
        while not events.q.empty():
            event = events.q.get()
            inserted += [event] if isinstance(event, CardInserted) else []
        assert not inserted, "one card, one CardInserted"
        assert reader.counters.timeouts == 0
    finally:
        reader.stop()
        emu.stop()


@pytest.mark.parametrize("fault", [Fault.FALSE_HEADER, Fault.FALSE_READ_HEADER])
@pytest.mark.parametrize("on", [CMD_FIND, CMD_SELECT, CMD_READ], ids=["find", "select", "read"])
def test_a_false_header_in_the_noise_never_swallows_the_reply(on, fault):
    """``AA AA AA 96 69 04 00`` claims 1,024 more bytes; the real reply right behind it is read
    at once. With a margin far longer than the wait for the event, waiting out a timeout fails."""
    emu = IdReaderEmulator().start()
    events = Events()
    reader = IdCardReader("idreader", emu.port, events, poll_interval=0.05, sam_margin=30).start()
    try:
        events.wait_for(is_state(DeviceState.ONLINE))
        emu.inject_fault(fault, 1, on=on)
        _one_read(emu, events, timeout=5.0)
        assert not emu._faults
        assert reader.counters.timeouts == 0 and reader.counters.bad_frames >= 1
    finally:
        reader.stop()
        emu.stop()


def test_a_bad_checksum_is_asked_again_at_once_and_counted():
    emu = IdReaderEmulator().start()
    events = Events()
    reader = IdCardReader("idreader", emu.port, events, poll_interval=0.05, sam_margin=30).start()
    try:
        events.wait_for(is_state(DeviceState.ONLINE))
        emu.inject_fault(Fault.BAD_CHECKSUM, 1, on=CMD_READ)
        _one_read(emu, events, timeout=5.0)
        counted = reader.counters.as_dict()
        assert counted["bad_checksums"] == 1 and counted["retries"] == 1 and counted["timeouts"] == 0
    finally:
        reader.stop()
        emu.stop()


def test_card_taken_away_mid_read_is_removed_and_prompts_the_citizen():
    emu = IdReaderEmulator(read_delay=0.8).start()
    events = Events()
    reader = IdCardReader("idreader", emu.port, events, poll_interval=0.05, sam_margin=2.0).start()
    try:
        events.wait_for(is_state(DeviceState.ONLINE))
        emu.insert(SAMPLE_CARDS["resident"])
        events.wait_for(lambda e: isinstance(e, CardInserted))
        events.wait_for(is_state(DeviceState.BUSY))
        emu.remove()  # while the SAM is still reading the chip
        seen = []
        removed = events.wait_for(lambda e: seen.append(e) or isinstance(e, CardRemoved))
        state = events.wait_for(is_state(DeviceState.USER_ERROR))
        assert state.detail == IdCardReader.REMOVED_EARLY == reader.last_error
        assert removed.device == "idreader" and not any(isinstance(e, CardRead) for e in seen)
        emu.insert(SAMPLE_CARDS["permit"])  # put back: read, and the prompt clears
        assert events.wait_for(lambda e: isinstance(e, CardRead)).card == SAMPLE_CARDS["permit"]
        assert reader.status.state is DeviceState.ONLINE
    finally:
        reader.stop()
        emu.stop()


def test_read_once_reports_what_the_line_cost(emu):
    emu.insert(SAMPLE_CARDS["resident"])
    emu.inject_fault(Fault.BAD_CHECKSUM, 1, on=CMD_SELECT)
    emu.inject_fault(Fault.FALSE_HEADER, 1, on=CMD_READ)
    counters = LinkCounters()
    card, _ = read_once(emu.port, timeout=5, counters=counters)
    assert card == SAMPLE_CARDS["resident"]
    assert counters.bad_checksums == 1 and counters.retries == 1 and counters.bad_frames >= 2


def test_reads_that_time_out_end_in_hardware_error_with_one_card_inserted():
    """A SAM slower than the configured margin: an error state after three attempts, not a
    ``CardInserted`` every few seconds and silence."""
    emu = IdReaderEmulator(read_delay=1.0).start()
    events = Events()
    reader = IdCardReader("idreader", emu.port, events, poll_interval=0.05, sam_margin=0.2).start()
    try:
        events.wait_for(is_state(DeviceState.ONLINE))
        emu.insert(SAMPLE_CARDS["resident"])
        seen = []
        failed = events.wait_for(lambda e: seen.append(e) or is_state(DeviceState.HARDWARE_ERROR)(e), timeout=15)
        assert failed.detail == "read timeout after 3 attempts" == reader.last_error
        time.sleep(1.5)  # the card stays: no new attempts, no new CardInserted
        while not events.q.empty():
            seen.append(events.q.get())
        assert sum(isinstance(e, CardInserted) for e in seen) == 1 and not any(isinstance(e, CardRead) for e in seen)
        assert reader.counters.timeouts >= 3
    finally:
        reader.stop()
        emu.stop()
