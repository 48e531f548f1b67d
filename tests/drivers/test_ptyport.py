"""A pty behind a stable path: plugged, unplugged (the path goes, an open reader gets EIO), plugged again."""

from __future__ import annotations

import os
import select
import time

import pytest
import serial

from drivers.ptyport import PacedLine, PtyPort


def test_plug_unplug_replug_and_close() -> None:
    port = PtyPort("lamp")
    folder = os.path.dirname(port.path)
    port.plug()
    first = os.readlink(port.path)
    assert port.plugged and first.startswith("/dev/pts/")
    port.plug()  # already plugged: the same pty
    assert os.readlink(port.path) == first
    reader = os.open(port.path, os.O_RDWR | os.O_NOCTTY)
    os.write(port.master, b"hi\n")
    assert os.read(reader, 16) == b"hi\n"
    port.unplug()
    assert not port.plugged and not os.path.lexists(port.path)
    assert _hung_up(reader)
    os.close(reader)
    port.plug()
    assert os.path.exists(port.path)
    port.close()
    assert not os.path.lexists(port.path) and not os.path.exists(folder)


def test_a_given_path_is_used_and_its_folder_kept(tmp_path) -> None:
    port = PtyPort("scanner", str(tmp_path / "scanner"))
    port.plug()
    assert os.path.islink(tmp_path / "scanner")
    port.close()
    assert tmp_path.is_dir() and not os.path.lexists(tmp_path / "scanner")


def _hung_up(fd: int) -> bool:
    """A read on a pty whose other end is gone: EIO, or end of file."""
    try:
        return os.read(fd, 16) == b""
    except OSError:
        return True


def _far_end() -> PtyPort:
    port = PtyPort("device")
    port.plug()
    return port


def test_paced_line_relays_both_ways_at_the_baud_rate() -> None:
    device = _far_end()
    try:
        with PacedLine(device.path, 9600) as line, serial.Serial(line.path, 9600, timeout=3) as ser:
            data = bytes(range(256)) * 2  # every byte value: the relay is raw both ways
            started = time.monotonic()
            ser.write(data)
            got = b""
            while len(got) < len(data):
                assert select.select([device.master], [], [], 3)[0]
                got += os.read(device.master, 4096)
            elapsed = time.monotonic() - started
            assert got == data
            assert elapsed >= line.wire_time(len(data)) * 0.9  # 0.53 s at 9600: not memory speed
            os.write(device.master, b"\x12\x12\x12")
            assert ser.read(3) == b"\x12\x12\x12"
    finally:
        device.close()


def test_paced_line_fills_up_when_the_far_end_stops_reading() -> None:
    device = _far_end()  # nobody reads its master
    try:
        # 64 KB at 921600 baud take 0.7 s on the wire; with the far end silent, the two ptys'
        # buffers fill and the writer blocks until its deadline
        with PacedLine(device.path, 921600) as line, \
                serial.Serial(line.path, 921600, write_timeout=3) as ser, pytest.raises(serial.SerialTimeoutException):
            ser.write(b"x" * 65536)
    finally:
        device.close()
