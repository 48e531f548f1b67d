"""A pty behind a stable path: plugged, unplugged (the path goes, an open reader gets EIO), plugged again."""

from __future__ import annotations

import os

from drivers.ptyport import PtyPort


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
