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


class _Link:
    """One open serial port plus its frame decoder: send a command, wait for one reply."""

    def __init__(self, port: str, baud: int) -> None:
        self.ser = serial.Serial(port, baud, timeout=0.02, write_timeout=1.0)
        self.decoder = fr.FrameDecoder()

    def close(self) -> None:
        try:
            self.ser.close()
        except (OSError, serial.SerialException):
            log.debug("close failed", exc_info=True)

    def transact(self, cmd: tuple[int, int], timeout: float) -> fr.Frame | None:
        """Return the reply frame, or None on timeout. Raises SerialException/OSError on I/O loss."""
        self.decoder.reset()
        self.ser.reset_input_buffer()
        self.ser.write(fr.encode_command(*cmd))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            waiting = self.ser.in_waiting
            chunk = self.ser.read(max(1, waiting))
            if chunk:
                for frame in self.decoder.feed(chunk):
                    if len(frame.body) >= 3:
                        return frame
        return None


def _parse_read(frame: fr.Frame) -> IdCard:
    data = frame.data
    if len(data) < 4:
        raise CardFormatError("read reply too short")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    if text_len != TEXT_LEN or len(data) < 4 + text_len + photo_len or photo_len > PHOTO_LEN:
        raise CardFormatError(f"read reply lengths {text_len}/{photo_len} do not fit {len(data)} bytes")
    return parse_text(data[4:4 + text_len], data[4 + text_len:4 + text_len + photo_len])


def _read_card(link: _Link, timeout: float) -> tuple[IdCard | None, str]:
    """select + read on a found card: (card, "") or (None, reason)."""
    reply = link.transact(fr.CMD_SELECT, timeout)
    if reply is None or reply.sw3 != fr.SW_SUCCESS:
        return None, "select failed" if reply else "select timeout"
    reply = link.transact(fr.CMD_READ, timeout)
    if reply is None or reply.sw3 != fr.SW_SUCCESS:
        return None, "read failed" if reply else "read timeout"
    try:
        return _parse_read(reply), ""
    except CardFormatError as exc:
        return None, str(exc)


def read_once(port: str, baud: int = 115200, timeout: float = 5.0) -> tuple[IdCard, float]:
    """Synchronous single read for the doctor: (card, read_ms); raises a ReaderError."""
    try:
        link = _Link(port, baud)
    except (OSError, serial.SerialException) as exc:
        raise NoDevice(f"cannot open {port}: {exc}") from exc
    try:
        deadline = time.monotonic() + timeout
        answered = False
        while time.monotonic() < deadline:
            reply = link.transact(fr.CMD_FIND, min(1.0, max(0.05, deadline - time.monotonic())))
            if reply is None:
                continue
            answered = True
            if reply.sw3 == fr.SW_FIND_OK:
                started = time.perf_counter()
                card, why = _read_card(link, 1.0)
                if card is not None:
                    return card, (time.perf_counter() - started) * 1000
                log.info("read attempt failed: %s", why)
            else:
                time.sleep(0.1)
        if answered:
            raise NoCard(f"no card on the reader within {timeout:g} s")
        raise ReaderTimeout(f"no reply from a SAM on {port} within {timeout:g} s")
    except (OSError, serial.SerialException) as exc:
        raise NoDevice(f"lost {port}: {exc}") from exc
    finally:
        link.close()


class IdCardReader(ReaderThread[_Link]):
    """Background reader: ``IdCardReader("idreader", port, publish).start()`` ... ``.stop()``."""

    THREAD = "idreader"
    OPEN_ERRORS = LOST_ERRORS = (OSError, serial.SerialException)
    MAX_SILENT = 3  # consecutive timeouts before hardware_error

    def __init__(self, device: str, port: str, publish: Publish, baud: int = 115200,
                 poll_interval: float = 0.3, timeout: float = 1.0,
                 backoff: Backoff | None = None) -> None:
        super().__init__(device, publish, backoff or Backoff(first=0.1, ceiling=2.0))
        self.port, self.baud = port, baud
        self.poll_interval, self.timeout = poll_interval, timeout
        self._card_present = False

    def _open(self) -> _Link:
        return _Link(self.port, self.baud)

    def _close(self, link: _Link) -> None:
        link.close()

    def _lost(self, exc: BaseException) -> None:
        super()._lost(exc)
        self._drop_card()

    def _drop_card(self) -> None:
        if self._card_present:
            self._card_present = False
            self._publish(CardRemoved(self.device))

    def _serve(self, link: _Link) -> None:
        silent = 0
        first = True
        while not self._stop.is_set():
            reply = link.transact(fr.CMD_FIND, self.timeout)
            if reply is None:
                silent += 1
                if silent >= self.MAX_SILENT:
                    self.status.set(DeviceState.HARDWARE_ERROR, detail="no reply")
                continue
            silent = 0
            if first:
                self._backoff.reset()
                first = False
            if reply.sw3 == fr.SW_FIND_OK:
                if not self._card_present:
                    self._card_present = True
                    self._publish(CardInserted(self.device))
                    self._read(link)
                elif self.status.state is not DeviceState.ONLINE:
                    self.status.set(DeviceState.ONLINE)
            else:
                self.status.set(DeviceState.ONLINE)
                self._drop_card()
            self._stop.wait(self.poll_interval)

    def _read(self, link: _Link) -> None:
        self.status.set(DeviceState.BUSY)
        started = time.perf_counter()
        card, why = _read_card(link, self.timeout)
        if card is None:
            log.info("idreader %s: %s; retrying", self.device, why)
            self._card_present = False  # next find retries the whole sequence
            self.status.set(DeviceState.USER_ERROR if "failed" in why else DeviceState.ONLINE,
                            detail=why if "failed" in why else "")
            return
        self.status.set(DeviceState.ONLINE)
        read_ms = (time.perf_counter() - started) * 1000
        log.info("idreader %s: read %s in %.1f ms", self.device, card.masked()["id_number"], read_ms)
        self._publish(CardRead(self.device, card, read_ms))
