"""The driver against the emulator over real pseudo-terminals (no mocks)."""

from __future__ import annotations

import queue
import time

import pytest

from drivers.base import DeviceState, DeviceStatusChanged
from drivers.idreader.emulator import Fault, IdReaderEmulator
from drivers.idreader.frame import CMD_READ
from drivers.idreader.reader import CardInserted, CardRead, CardRemoved, IdCardReader, NoCard, NoDevice, read_once
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
    reader = IdCardReader("idreader", emu.port, events, poll_interval=0.02, timeout=0.3).start()
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
    emu.inject_fault(fault, 1 if fault is Fault.GARBAGE else 2, on=on)  # garbage: resync, no retry
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
        read_once(emu.port, timeout=0.3)
    emu.insert(SAMPLE_CARDS["foreign-old"])
    card, read_ms = read_once(emu.port, timeout=2)
    assert card == SAMPLE_CARDS["foreign-old"] and read_ms > 0
