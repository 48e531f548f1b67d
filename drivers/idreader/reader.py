"""The ID-card reader driver: pyserial, its own thread, find -> select -> read.

Publishes ``CardInserted``, ``CardRead(card, read_ms)``, ``CardRemoved`` and status
changes through ``drivers.base.StatusTracker``. A missing or vanished port means
``offline`` and a reconnect loop with ``Backoff``; nothing here raises to the caller.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import serial

from drivers.base import Backoff, DeviceState, Event, Publish
from drivers.idreader import frame as fr
from drivers.idreader.card import PHOTO_LEN, TEXT_LEN, CardFormatError, IdCard, parse_text
from drivers.reader import ReaderThread

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CardInserted(Event):
    pass


@dataclass(frozen=True)
class CardRead(Event):
    card: IdCard
    read_ms: float


@dataclass(frozen=True)
class CardRemoved(Event):
    pass


class ReaderError(Exception):
    """Base of what ``read_once`` raises; ``str()`` is a technician-readable message."""


class NoDevice(ReaderError):
    pass


class NoCard(ReaderError):
    pass


class ReaderTimeout(ReaderError):
    pass


class CardUnreadable(ReaderError):
    """A card answers find but select or read keeps failing (moved, dirty, or a too short timeout)."""

    def __init__(self, message: str, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


BITS_PER_BYTE = 10
"""8N1: a start bit, eight data bits and a stop bit per byte."""
REPLY_BYTES = {fr.CMD_STATUS: 11, fr.CMD_FIND: 15, fr.CMD_SELECT: 19, fr.CMD_READ: 1295}
"""Longest reply to each command the driver sends (docs/devices-idreader.md, "Example replies")."""
COMMAND_BYTES = 10
REPLY_LENS = {fr.CMD_STATUS: {0x04}, fr.CMD_FIND: {0x04, 0x08}, fr.CMD_SELECT: {0x04, 0x0C},
              fr.CMD_READ: {0x04, 0x0508}}
"""``Len`` of every reply each command can get: a late reply to an earlier command (a SAM that
answered after the driver gave up) is told apart by its length and skipped."""
DEFAULT_SAM_MARGIN_S = 2.0
"""What a SAM may take on top of the wire time: a real one needs up to about a second to
read the card's chip (SDKs allow a few seconds per command)."""
CHECKSUM_RETRIES = 2
IDLE_GAP_BYTES = 200
"""A line quiet for this many byte times (at least ``MIN_IDLE_GAP_S``) in the middle of a frame
has stopped sending it: a SAM writes each reply in one go."""
MIN_IDLE_GAP_S = 0.25
MAX_READ_ATTEMPTS = 3


def reply_timeout(cmd: tuple[int, int], baud: int, sam_margin: float = DEFAULT_SAM_MARGIN_S) -> float:
    """Seconds to wait for the whole reply to ``cmd``: twice the wire time of command and reply
    at ``baud`` (USB-serial adapters buffer and batch) plus the SAM's own ``sam_margin``.

    A fixed timeout cannot fit every line: the 1,295-byte read reply alone takes 1.35 s on
    the wire at 9600 baud and 0.11 s at 115200.
    """
    wire = (COMMAND_BYTES + REPLY_BYTES.get(cmd, REPLY_BYTES[fr.CMD_READ])) * BITS_PER_BYTE / baud
    return 2 * wire + sam_margin


@dataclass
class LinkCounters:
    """What the line cost, for the doctor's report: bad frames (false headers and checksum
    failures), how many commands were sent again, replies that never came, late replies to
    earlier commands, noise bytes."""

    bad_frames: int = 0
    bad_checksums: int = 0
    retries: int = 0
    timeouts: int = 0
    stale_replies: int = 0
    skipped_bytes: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


_CORRUPT = object()


class _Link:
    """One open serial port plus its frame decoder: send a command, wait for one reply."""

    def __init__(self, port: str, baud: int, sam_margin: float, counters: LinkCounters) -> None:
        self.ser = serial.Serial(port, baud, timeout=0.02, write_timeout=1.0)
        self.baud, self.sam_margin, self.counters = baud, sam_margin, counters
        self.decoder = fr.FrameDecoder(fr.REPLY_LENGTHS)

    def close(self) -> None:
        try:
            self.ser.close()
        except (OSError, serial.SerialException):
            log.debug("close failed", exc_info=True)

    def transact(self, cmd: tuple[int, int], timeout: float | None = None) -> fr.Frame | None:
        """The reply frame, or None on timeout; a reply whose checksum fails is asked for again
        at once (up to ``CHECKSUM_RETRIES`` times) instead of waiting out the timeout.
        Raises SerialException/OSError on I/O loss."""
        wait = reply_timeout(cmd, self.baud, self.sam_margin) if timeout is None else timeout
        for attempt in range(CHECKSUM_RETRIES + 1):
            if attempt:
                self.counters.retries += 1
            outcome = self._once(cmd, wait)
            if outcome is not _CORRUPT:
                return outcome  # type: ignore[return-value]
        return None

    def _once(self, cmd: tuple[int, int], timeout: float) -> fr.Frame | object | None:
        dec = self.decoder
        before = (dec.bad_frames, dec.bad_checksums, dec.skipped)
        dec.reset()
        self.ser.reset_input_buffer()
        self.ser.write(fr.encode_command(*cmd))
        idle_gap = max(MIN_IDLE_GAP_S, IDLE_GAP_BYTES * BITS_PER_BYTE / self.baud)
        deadline = time.monotonic() + timeout
        last_byte = time.monotonic()
        try:
            while time.monotonic() < deadline:
                chunk = self.ser.read(max(1, self.ser.in_waiting))
                now = time.monotonic()
                if chunk:
                    last_byte = now
                    frames = dec.feed(chunk)
                elif dec.pending >= fr.HEADER_LEN and now - last_byte > idle_gap:
                    frames = dec.drop_stalled()
                else:
                    continue
                expected = REPLY_LENS.get(cmd)
                for frame in frames:
                    if len(frame.body) >= 3 and (expected is None or len(frame.body) + 1 in expected):
                        return frame
                    self.counters.stale_replies += 1
                if dec.bad_checksums > before[1] and dec.pending < fr.HEADER_LEN:
                    return _CORRUPT  # the reply came whole but broken: ask again now
            self.counters.timeouts += 1
            return None
        finally:
            self.counters.bad_frames += dec.bad_frames - before[0]
            self.counters.bad_checksums += dec.bad_checksums - before[1]
            self.counters.skipped_bytes += dec.skipped - before[2]


def _parse_read(frame: fr.Frame) -> IdCard:
    data = frame.data
    if len(data) < 4:
        raise CardFormatError("read reply too short")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    if text_len != TEXT_LEN or len(data) < 4 + text_len + photo_len or photo_len > PHOTO_LEN:
        raise CardFormatError(f"read reply lengths {text_len}/{photo_len} do not fit {len(data)} bytes")
    return parse_text(data[4:4 + text_len], data[4 + text_len:4 + text_len + photo_len])


def _read_card(link: _Link) -> tuple[IdCard | None, str]:
    """select + read on a found card: (card, "") or (None, reason)."""
    reply = link.transact(fr.CMD_SELECT)
    if reply is None or reply.sw3 != fr.SW_SUCCESS:
        return None, "select failed" if reply else "select timeout"
    reply = link.transact(fr.CMD_READ)
    if reply is None or reply.sw3 != fr.SW_SUCCESS:
        return None, "read failed" if reply else "read timeout"
    try:
        return _parse_read(reply), ""
    except CardFormatError as exc:
        return None, str(exc)


def read_once(port: str, baud: int = 115200, timeout: float = 5.0,
              sam_margin: float = DEFAULT_SAM_MARGIN_S, counters: LinkCounters | None = None) -> tuple[IdCard, float]:
    """Synchronous single read for the doctor: (card, read_ms); raises a ReaderError.

    ``counters`` (if given) collects what the line cost, also when the read fails.
    """
    counters = counters if counters is not None else LinkCounters()
    try:
        link = _Link(port, baud, sam_margin, counters)
    except (OSError, serial.SerialException) as exc:
        raise NoDevice(f"cannot open {port}: {exc}") from exc
    find_wait = reply_timeout(fr.CMD_FIND, baud, sam_margin)
    try:
        deadline = time.monotonic() + timeout
        answered = False
        why = ""
        while time.monotonic() < deadline:
            reply = link.transact(fr.CMD_FIND, min(find_wait, max(0.05, deadline - time.monotonic())))
            if reply is None:
                continue
            answered = True
            if reply.sw3 == fr.SW_FIND_OK:
                started = time.perf_counter()
                card, why = _read_card(link)
                if card is not None:
                    return card, (time.perf_counter() - started) * 1000
                log.info("read attempt failed: %s", why)
            else:
                time.sleep(0.1)
        if why:
            raise CardUnreadable(f"a card is there but could not be read within {timeout:g} s: {why}",
                                 timed_out="timeout" in why)
        if answered:
            raise NoCard(f"no card on the reader within {timeout:g} s")
        raise ReaderTimeout(f"no reply from a SAM on {port} within {timeout:g} s")
    except (OSError, serial.SerialException) as exc:
        raise NoDevice(f"lost {port}: {exc}") from exc
    finally:
        link.close()


class IdCardReader(ReaderThread[_Link]):
    """Background reader: ``IdCardReader("idreader", port, publish).start()`` ... ``.stop()``.

    One ``CardInserted`` per card on the reader, matched by one ``CardRemoved``. A failed read
    is retried while the card stays (``MAX_READ_ATTEMPTS``, then it waits for the card to go);
    a card taken away before it was read publishes ``CardRemoved`` and ``user_error``
    ("card removed before it was read") so the citizen is told to put it back, until the
    next card or ``prompt_hold`` seconds later.
    """

    THREAD = "idreader"
    OPEN_ERRORS = LOST_ERRORS = (OSError, serial.SerialException)
    MAX_SILENT = 3  # consecutive timeouts before hardware_error
    REMOVED_EARLY = "card removed before it was read"

    def __init__(self, device: str, port: str, publish: Publish, baud: int = 115200,
                 poll_interval: float = 0.3, sam_margin: float = DEFAULT_SAM_MARGIN_S,
                 backoff: Backoff | None = None, prompt_hold: float = 15.0) -> None:
        super().__init__(device, publish, backoff or Backoff(first=0.1, ceiling=2.0))
        self.port, self.baud, self.sam_margin = port, baud, sam_margin
        self.poll_interval, self.prompt_hold = poll_interval, prompt_hold
        self.counters = LinkCounters()
        self.last_error = ""
        self._card_present = False
        self._unread = False  # the card on the reader has not been read yet
        self._attempts = 0
        self._prompt_until = 0.0

    def _open(self) -> _Link:
        return _Link(self.port, self.baud, self.sam_margin, self.counters)

    def _close(self, link: _Link) -> None:
        link.close()

    def _lost(self, exc: BaseException) -> None:
        super()._lost(exc)
        self._drop_card()

    def _drop_card(self) -> None:
        if self._card_present:
            self._card_present = self._unread = False
            self._publish(CardRemoved(self.device))

    def _fail(self, state: DeviceState, why: str) -> None:
        self.last_error = why
        self.status.set(state, detail=why)

    def _serve(self, link: _Link) -> None:
        silent = 0
        first = True
        while not self._stop.is_set():
            reply = link.transact(fr.CMD_FIND)
            if reply is None:
                silent += 1
                if silent >= self.MAX_SILENT:
                    self._fail(DeviceState.HARDWARE_ERROR, "no reply")
                continue
            silent = 0
            if first:
                self._backoff.reset()
                first = False
            if reply.sw3 == fr.SW_FIND_OK:
                self._card_found(link)
            else:
                self._no_card()
            self._stop.wait(self.poll_interval)

    def _card_found(self, link: _Link) -> None:
        if not self._card_present:
            self._card_present = self._unread = True
            self._attempts = 0
            self._publish(CardInserted(self.device))
        if self._unread:
            self._read(link)
        elif self.status.state is DeviceState.HARDWARE_ERROR and self._attempts < MAX_READ_ATTEMPTS:
            self.status.set(DeviceState.ONLINE)

    def _no_card(self) -> None:
        if self._card_present and self._unread:
            self._drop_card()
            self._prompt_until = time.monotonic() + self.prompt_hold
            self._fail(DeviceState.USER_ERROR, self.REMOVED_EARLY)
            return
        self._drop_card()
        if self.status.state is not DeviceState.USER_ERROR or time.monotonic() >= self._prompt_until:
            self.status.set(DeviceState.ONLINE)

    def _read(self, link: _Link) -> None:
        self.status.set(DeviceState.BUSY)
        started = time.perf_counter()
        card, why = _read_card(link)
        if card is None:
            self._attempts += 1
            log.info("idreader %s: %s (attempt %d)", self.device, why, self._attempts)
            if self._attempts >= MAX_READ_ATTEMPTS:
                self._unread = False  # stop hammering this card; a new one starts afresh
                state = DeviceState.HARDWARE_ERROR if "timeout" in why else DeviceState.USER_ERROR
                self._fail(state, f"{why} after {self._attempts} attempts")
            else:
                self._fail(DeviceState.USER_ERROR if "failed" in why else DeviceState.BUSY, why)
            return
        self._unread = False
        self.status.set(DeviceState.ONLINE)
        read_ms = (time.perf_counter() - started) * 1000
        log.info("idreader %s: read %s in %.1f ms", self.device, card.masked()["id_number"], read_ms)
        self._publish(CardRead(self.device, card, read_ms))
